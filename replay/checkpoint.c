/* Checkpoints for reverse execution (issue #16): a snapshot of the
 * replayed process tree and of the replayer's own state at an event
 * boundary, so that going back restores the nearest earlier snapshot and
 * runs forward from there instead of re-running the replay from event 0.
 *
 * The tracee part is fork-based, as rr's: clone(CLONE_PARENT) injected
 * into each stopped process of the tree (trace_fork_stopped) makes a copy
 * that stays stopped, traced by rrt, its memory shared copy-on-write. A
 * restore kills the live tree and clones the frozen copies again, so the
 * snapshot stays reusable. A process parked at the entry stop of a call
 * replay emulates (the usual state of every task but the one an event
 * runs) cannot take an injected call there: it runs to that call's exit
 * stop, is copied, and it and later each copy of it run the `syscall`
 * instruction again under PTRACE_SYSEMU, back to the same entry stop.
 * The replayer's part is what an event boundary leaves: each task's
 * record (ptask: its pending stop, syscall buffer state, signal state),
 * the lazy task, the counters, the syscall buffer's progress, the file
 * copies, the debugger's view of the program (exec, auxv; the debugged
 * and the root process by recorded id, since the copies get new pids;
 * the program sees recorded ids anyway); the event iterator is reopened
 * at the snapshot's event (the archive's batch index seeks to it); the
 * output already written stays written (rev_hush).
 *
 * The copies of a tree are not each other's real children: a child's
 * copy is a child of the live parent, later of init. Replay does not need
 * them to be: wait4, waitid, kill, tgkill and getppid are emulated from the
 * archive, and the signals the recording had, SIGCHLD included, are sent
 * by the replayer, which drops real ones it did not ask for.
 *
 * Covered: processes of one thread each (fork copies only the calling
 * thread; a tree with a multi-threaded process is not copied), each with
 * its own address space (no vfork child before its exec: kcmp), outside
 * an exec substitution, without MAP_SHARED mappings (which a fork would
 * share, not copy), every task at a stop the replayer resumes from as
 * above (not inside a call it runs for real, no signal or restart
 * pending, no clone half done), at most CK_MAX_TASKS (16) processes. A
 * snapshot of gdb's stop inside an interval (rep_ckpt_take_mid) only with
 * one task. Elsewhere no snapshot
 * is taken and going back runs from an earlier one or re-runs from the
 * start (reverse.c), which is always correct.
 *
 * Spacing and bound: a snapshot every RRT_CHECKPOINT_INTERVAL events
 * (default 2000) of any run under gdb, live or a re-run, and at the event
 * a re-run goes to (reverse-next is a dozen re-runs to one interval); one
 * more of gdb's last stop inside an interval (rep_ckpt_take_mid); at most
 * CK_MAX_AUTO (16) of them: beyond that the one whose removal leaves the
 * smallest gap relative to its distance from the newest goes, so the
 * spacing grows geometrically with the distance back. Snapshots pinned by
 * `monitor checkpoint` are at most CK_MAX_PINNED (8) more. So at most 25
 * stopped copies of the process tree exist (at most 25 x 16 processes);
 * each costs the pages the program wrote after it (PSS), plus a few KB
 * here. RRT_CHECKPOINT_INTERVAL=0 turns checkpoints off (the re-run from
 * the start only). */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gdbi.h"
#include "rrtx.h"

#define CK_MAX_AUTO 16
#define CK_MAX_PINNED 8
#define CK_INTERVAL 2000
/* processes copied per snapshot: each copy is a stopped process (pid,
 * page tables), so a tree wider than this is not copied */
#define CK_MAX_TASKS 16

/* One process of the tree, as it was at the snapshot. */
typedef struct snap_task {
    pid_t pid;  /* the frozen copy, stopped, traced by us */
    bool entry; /* parked at an emulated call's entry stop: a copy of it
                 * is brought back to that stop (reenter_entry) */
    ptask task; /* its record; base.pset is this snapshot's own copy */
} snap_task;

typedef struct snap {
    uint64_t event;
    snap_task *t; /* the tasks, in the replayer's list order */
    size_t nt;
    /* the file copies its mappings show, and how often they had been
     * rewritten: valid while that holds */
    struct rep_mem *mem;
    uint64_t rewrites;
    bool pinned;
    uint32_t lazy_rec; /* recorded tid of the lazy task, 0 none */
    /* the replayer's */
    uint64_t counts[32];
    int exit_code;
    bool exited;
    bool xgetbv_events;
    unsigned patch_kinds;
    trace_xlayout rec_layout, host_layout;
    uint64_t cpuid_trapno;
    uint64_t frames_recorded, frames_built, frames_checked;
    uint64_t sb_records, sb_prefilled;
    bool sb_used, sb_mirror;
    /* the debugger's: the debugged and the root process by recorded id
     * (their live ids change with the copies) */
    bool exec_seen;
    uint32_t exec_rec, pid_rec;
    uint32_t tgid_rec, root_rec; /* 0: none yet */
    uint64_t auxv_addr;
    char exe[PATH_MAX];
} snap;

struct rep_ckpts {
    snap **s; /* by event */
    size_t n, cap;
    uint64_t interval;
    snap *pending;  /* a restore is asked for */
    uint64_t *pins; /* events `monitor checkpoint` wants a snapshot at */
    size_t npins, cappins;
    uint64_t last_from; /* where the last run started (0: the start) */
    /* the snapshot of gdb's last stop inside an event's interval (one):
     * reverse.c runs from it to a position after it in the same interval
     * (a reverse step in code run once since the event) */
    snap *mid;
    bool mid_restored;  /* once, for reverse.c */
    bool skip_take;     /* at the event a mid snapshot was restored to */
    uint64_t last_take; /* event of this run's last automatic snapshot,
                         * which thinning may have dropped at once (a run
                         * back through a sparse stretch takes no more than
                         * one per interval) */
    uint32_t ev_type;   /* the event being applied */
    uint64_t want;     /* the event a re-run goes to (rep_ckpt_plan): a snapshot
                        * there serves the next ones (gdb's reverse-next is a
                        * dozen re-runs to one interval) */
    uint64_t retry_at; /* no automatic snapshot tried before this event */
    uint64_t taken, thinned, restores, from_start;
};

bool rep_ckpt_open(rep_dbg *d)
{
    rep_ckpts *c = calloc(1, sizeof(*c));
    if (!c)
        return false;
    c->interval = CK_INTERVAL;
    const char *e = getenv("RRT_CHECKPOINT_INTERVAL");
    if (e && *e) {
        char *end;
        unsigned long long v = strtoull(e, &end, 10);
        if (*end == 0)
            c->interval = v;
    }
    d->ck = c;
    return true;
}

static void kill_copy(pid_t pid)
{
    int st;
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, __WALL);
    }
}

static void snap_free(snap *s)
{
    for (size_t i = 0; i < s->nt; i++) {
        kill_copy(s->t[i].pid);
        trace_pset_unref(s->t[i].task.base.pset);
    }
    free(s->t);
    rep_mem_unref(s->mem);
    free(s);
}

static void drop(rep_ckpts *c, size_t i)
{
    if (c->pending == c->s[i])
        c->pending = NULL;
    snap_free(c->s[i]);
    memmove(c->s + i, c->s + i + 1, (c->n - i - 1) * sizeof(*c->s));
    c->n--;
}

void rep_ckpt_free(rep_dbg *d)
{
    rep_ckpts *c = d->ck;
    if (!c)
        return;
    if (c->mid)
        snap_free(c->mid);
    while (c->n)
        drop(c, c->n - 1);
    free(c->s);
    free(c->pins);
    free(c);
    d->ck = NULL;
}

static bool pinned_at(const rep_ckpts *c, uint64_t ev)
{
    for (size_t i = 0; i < c->npins; i++)
        if (c->pins[i] == ev)
            return true;
    return false;
}

/* The latest snapshot at or before ev, or NULL. */
static snap *at_or_before(const rep_ckpts *c, uint64_t ev)
{
    snap *best = NULL;
    for (size_t i = 0; i < c->n && c->s[i]->event <= ev; i++)
        best = c->s[i];
    return best;
}

/* s can be restored: the file copies its mappings show are unchanged
 * since (else it goes, and a run from an earlier one or the start). */
static bool valid(const snap *s)
{
    return s->rewrites == rep_mem_rewrites(s->mem);
}

static void drop_invalid(rep_ckpts *c)
{
    for (size_t i = c->n; i-- > 0;)
        if (!valid(c->s[i]))
            drop(c, i);
}

/* The task whose live tid is tid (a process's leader), or NULL. */
static ptask *live(replayer *r, pid_t tid)
{
    for (trace_task *b = r->tasks; b; b = b->next)
        if (b->tid == tid)
            return (ptask *)b;
    return NULL;
}

/* t is parked at the entry stop of a call the kernel skips (PTRACE_SYSEMU):
 * such a stop cannot take an injected call, and a copy made elsewhere
 * resumes in user code, so both are brought back to it (reenter_entry). */
static bool at_emu_entry(const ptask *t)
{
    return t->parked && t->park.kind == STOP_SYSCALL && t->in_syscall &&
           t->emu_entry;
}

/* t can be copied by a fork: one thread alone in its process (fork copies
 * only the calling thread), at a stop from which it resumes in user code
 * (as its copy does) or parked at an emulated call's entry. */
static bool task_forkable(const ptask *t, bool mid)
{
    if (t->base.memfd < 0)
        return false;
    bool entry = at_emu_entry(t);
    if (entry) {
        uint8_t insn[2];
        if (!trace_mem_read(t->base.memfd, t->park.regs.rip - 2, insn, 2) ||
            insn[0] != 0x0f || insn[1] != 0x05)
            return false; /* not entered by `syscall`: cannot re-enter */
    }
    return (entry || (!t->parked && !t->in_syscall && !t->emu_entry)) &&
           (mid || !t->want_real) && !t->clone_pending && !t->sigsuspend &&
           !t->restart_ret && !t->resume_sig && !t->group_exit &&
           !t->held_exit && !t->exiting && !t->doomed && !t->resumed &&
           !t->parking && !t->group_stopped;
}

/* A signal is pending for tid or its process (a real SIGCHLD of a child
 * replay reaped, before the recorded one is sent): the copy would not
 * have it, and the injected clone would stop at it. Unknown: true. */
static bool signal_pending(pid_t tid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
    FILE *f = fopen(path, "re");
    if (!f)
        return true;
    int seen = 0;
    bool pending = false;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, "SigPnd:", 7) || !strncmp(line, "ShdPnd:", 7)) {
            seen++;
            pending = pending || strtoull(line + 7, NULL, 16) != 0;
        }
    fclose(f);
    return pending || seen != 2;
}

/* A MAP_SHARED mapping in tid's address space: a fork would share it with
 * the copy instead of copying it (also an anonymous one, which mmap, run
 * for real, makes as recorded). Unknown: true. */
static bool maps_shared(pid_t tid)
{
    char path[64], line[512];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)tid);
    FILE *f = fopen(path, "re");
    if (!f)
        return true;
    bool shared = false;
    while (!shared && fgets(line, sizeof(line), f)) {
        char perms[8];
        if (sscanf(line, "%*x-%*x %7s", perms) == 1 && strlen(perms) == 4)
            shared = perms[3] == 's';
        while (!strchr(line, '\n') && fgets(line, sizeof(line), f))
            ; /* the rest of a long path */
    }
    fclose(f);
    return shared;
}

/* What of task_forkable the kernel knows (reads /proc). */
static bool task_forkable_proc(const ptask *t)
{
    return trace_tgid(t->base.tid) == t->base.tid &&
           !signal_pending(t->base.tid) && !maps_shared(t->base.tid);
}

/* Two tasks of the list share an address space (a vfork's child before
 * its exec, a clone(CLONE_VM) without CLONE_THREAD): a fork of each would
 * split it. Unknown (no kcmp): true. */
static bool vm_shared(const replayer *r)
{
    for (const trace_task *a = r->tasks; a; a = a->next)
        for (const trace_task *b = a->next; b; b = b->next) {
            long k = syscall(SYS_kcmp, a->tid, b->tid, 1 /* KCMP_VM */, 0, 0);
            if (k != 1 && k != 2) /* 0: the same; < 0: cannot tell */
                return true;
        }
    return false;
}

/* Can a snapshot be taken here (see the head comment)? mid: at gdb's
 * stop inside the interval (on_syscall's want_real is set again when the
 * event is applied again); only with one task. */
static bool forkable(replayer *r, bool mid)
{
    rep_dbg *d = r->dbg;
    if (!r->tasks || r->sub.active || !rep_mem_forkable(r) ||
        (mid && r->tasks->next))
        return false;
    size_t n = 0;
    for (trace_task *b = r->tasks; b; b = b->next)
        if (++n > CK_MAX_TASKS)
            return false;
    /* the debugged and the root process are found again by recorded id */
    if (d && ((d->tgid && !live(r, d->tgid)) ||
              (d->root_tgid && !live(r, d->root_tgid))))
        return false;
    for (trace_task *b = r->tasks; b; b = b->next)
        if (!task_forkable((const ptask *)b, mid))
            return false;
    for (trace_task *b = r->tasks; b; b = b->next)
        if (!task_forkable_proc((const ptask *)b))
            return false;
    return !r->tasks->next || !vm_shared(r);
}

/* Too many automatic ones: drop the one whose removal leaves the smallest
 * gap for its distance from the newest (never the oldest or the newest). */
static void thin(rep_ckpts *c)
{
    size_t nauto = 0;
    for (size_t i = 0; i < c->n; i++)
        nauto += !c->s[i]->pinned;
    while (nauto > CK_MAX_AUTO) {
        uint64_t newest = c->s[c->n - 1]->event;
        size_t victim = SIZE_MAX;
        double best = 0;
        for (size_t i = 1; i + 1 < c->n; i++) {
            if (c->s[i]->pinned)
                continue;
            double gap = (double)(c->s[i + 1]->event - c->s[i - 1]->event);
            double dist = (double)(newest - c->s[i]->event) + 1.0;
            double score = gap / dist;
            if (victim == SIZE_MAX || score < best) {
                victim = i;
                best = score;
            }
        }
        if (victim == SIZE_MAX)
            break;
        drop(c, victim);
        c->thinned++;
        nauto--;
    }
}

static snap *snapshot(replayer *r, rep_dbg *d);

static bool take(replayer *r, rep_dbg *d, bool pin)
{
    rep_ckpts *c = d->ck;
    snap *s = snapshot(r, d);
    if (!s)
        return false;
    s->pinned = pin;
    snap **n = rrtx_grow(c->s, &c->cap, c->n + 1, sizeof(*n));
    if (!n) {
        snap_free(s);
        return false;
    }
    c->s = n;
    size_t at = c->n;
    while (at > 0 && c->s[at - 1]->event > s->event)
        at--;
    memmove(c->s + at + 1, c->s + at, (c->n - at) * sizeof(*c->s));
    c->s[at] = s;
    c->n++;
    c->taken++;
    thin(c);
    return true;
}

/* pid, at a stop from which it resumes in user code with the registers
 * of an emulated call's entry stop (rip past its `syscall`), is brought
 * back to that entry stop: it runs the instruction again under
 * PTRACE_SYSEMU, which stops before the kernel would run the call. A
 * real SIGCHLD on the way is dropped, as the replayer drops those the
 * recording did not have. */
static bool reenter_entry(pid_t pid, const struct user_regs_struct *entry)
{
    struct user_regs_struct g = *entry;
    int st;
    g.rip -= 2;
    g.rax = entry->orig_rax;
    g.orig_rax = (uint64_t)-1; /* no restart logic at this resume */
    if (ptrace(PTRACE_SETREGS, pid, NULL, &g) != 0)
        return false;
    for (;;) {
        if (ptrace(PTRACE_SYSEMU, pid, NULL, NULL) != 0 ||
            waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st))
            return false;
        if (WSTOPSIG(st) == (SIGTRAP | 0x80))
            break;
        if ((st >> 16) || (WSTOPSIG(st) != SIGCHLD && WSTOPSIG(st) != SIGSTOP))
            return false;
    }
    return ptrace(PTRACE_GETREGS, pid, NULL, &g) == 0 &&
           g.orig_rax == entry->orig_rax &&
           ptrace(PTRACE_SETREGS, pid, NULL, entry) == 0;
}

/* Runs t from the entry stop of a call the kernel skips to its exit stop,
 * where a call can be injected and from which it resumes in user code as
 * before; its registers stay. */
static bool to_exit_stop(ptask *t)
{
    struct user_regs_struct g;
    int st;
    return ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) == 0 &&
           ptrace(PTRACE_SYSCALL, t->base.tid, NULL, NULL) == 0 &&
           waitpid(t->base.tid, &st, __WALL) == t->base.tid && WIFSTOPPED(st) &&
           WSTOPSIG(st) == (SIGTRAP | 0x80) &&
           ptrace(PTRACE_SETREGS, t->base.tid, NULL, &g) == 0;
}

/* The real parent of live task tid is another task of the replay (a
 * copy then must not send it SIGCHLD). Unknown: true. */
static bool parent_traced(replayer *r, pid_t tid)
{
    char path[64], line[128];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
    FILE *f = fopen(path, "re");
    long ppid = -1;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "PPid: %ld", &ppid) == 1)
            break;
    if (f)
        fclose(f);
    return ppid <= 0 || live(r, (pid_t)ppid) != NULL;
}

/* A frozen copy of live task t into x (false: none made, t unchanged or
 * the replay failed). */
static bool copy_task(replayer *r, ptask *t, snap_task *x)
{
    x->entry = at_emu_entry(t);
    if (t->skipped || x->entry) {
        /* at an emulated call's entry stop, skipped by the kernel: its
         * exit stop first, from which the program resumes the same */
        if (!to_exit_stop(t)) {
            rep_fail_at(r, t, "cannot take a checkpoint");
            return false;
        }
        t->skipped = false;
    }
    x->pid = trace_fork_stopped(t->base.tid, t->base.memfd,
                                parent_traced(r, t->base.tid) ? 0 : SIGCHLD);
    if (x->entry && !reenter_entry(t->base.tid, &t->park.regs)) {
        kill_copy(x->pid);
        x->pid = -1;
        rep_fail_at(r, t,
                    "cannot take a checkpoint: the call is not "
                    "entered again");
        return false;
    }
    if (x->pid < 0)
        return false;
    x->task = *t;
    x->task.base.next = NULL;
    x->task.base.memfd = -1;
    x->task.base.pset = t->base.pset ? trace_pset_copy(t->base.pset) : NULL;
    return true;
}

/* The recorded tid of the task whose live tid is tid, 0 if none. */
static uint32_t rec_of(replayer *r, pid_t tid)
{
    ptask *t = tid ? live(r, tid) : NULL;
    return t ? t->base.rec_tid : 0;
}

/* A copy of the program (every process of its tree) and of the
 * replayer's state, now. */
static snap *snapshot(replayer *r, rep_dbg *d)
{
    rep_ckpts *c = d->ck;
    rep_dbg_remove_bps(d); /* the copy gets the program's own bytes */
    size_t n = 0;
    for (trace_task *b = r->tasks; b; b = b->next)
        n++;
    snap *s = calloc(1, sizeof(*s));
    if (s)
        s->t = calloc(n, sizeof(*s->t));
    if (!s || !s->t) {
        free(s);
        return NULL;
    }
    for (trace_task *b = r->tasks; b; b = b->next) {
        if (!copy_task(r, (ptask *)b, &s->t[s->nt])) {
            bool failed = rep_stopped(r);
            snap_free(s);
            if (!failed) {
                c->interval = 0; /* not again: the re-run from the start */
                rep_warn_once(r, "checkpoint",
                              "cannot fork the program; going back re-runs "
                              "from the start");
            }
            return NULL;
        }
        s->nt++;
    }
    s->event = r->index;
    s->mem = rep_mem_ref(r);
    s->rewrites = rep_mem_rewrites(s->mem);
    s->lazy_rec = r->lazy ? r->lazy->base.rec_tid : 0;
    memcpy(s->counts, r->counts, sizeof(s->counts));
    s->exit_code = r->exit_code;
    s->exited = r->exited;
    s->xgetbv_events = r->xgetbv_events;
    s->patch_kinds = r->patch_kinds;
    s->rec_layout = r->rec_layout;
    s->host_layout = r->host_layout;
    s->cpuid_trapno = r->cpuid_trapno;
    s->frames_recorded = r->frames_recorded;
    s->frames_built = r->frames_built;
    s->frames_checked = r->frames_checked;
    s->sb_records = r->sb_records;
    s->sb_prefilled = r->sb_prefilled;
    s->sb_used = r->sb_used;
    s->sb_mirror = r->sb_mirror;
    s->exec_seen = d->exec_seen;
    s->exec_rec = d->exec_rec;
    s->pid_rec = d->pid;
    s->tgid_rec = rec_of(r, d->tgid);
    s->root_rec = rec_of(r, d->root_tgid);
    s->auxv_addr = d->auxv_addr;
    memcpy(s->exe, d->exe, sizeof(s->exe));
    return s;
}

bool rep_ckpt_take_mid(rep_dbg *d, ptask *t)
{
    rep_ckpts *c = d->ck;
    replayer *r = d->r;
    siginfo_t si;
    /* only at a SIGTRAP of gdb's (a breakpoint, a step) in user code,
     * while the replayer waits for the end of an event that runs nothing
     * else before resuming the task */
    if (!c || c->interval == 0 || d->dirty || rev_silent(d) ||
        (ptask *)r->tasks != t ||
        (c->ev_type != RRT_EV_SYSCALL && c->ev_type != RRT_EV_RDTSC &&
         c->ev_type != RRT_EV_CPUID) ||
        !forkable(r, true) || t->skipped ||
        ptrace(PTRACE_GETSIGINFO, t->base.tid, NULL, &si) != 0 ||
        si.si_signo != SIGTRAP || si.si_code == (SIGTRAP | 0x80))
        return false;
    snap *s = snapshot(r, d);
    if (!s)
        return false;
    if (c->mid && c->pending == c->mid)
        c->pending = NULL;
    if (c->mid)
        snap_free(c->mid);
    c->mid = s;
    return true;
}

bool rep_ckpt_plan_mid(rep_dbg *d)
{
    rep_ckpts *c = d->ck;
    if (!c || !c->mid || !valid(c->mid))
        return false;
    c->pending = c->mid;
    return true;
}

bool rep_ckpt_mid_restored(rep_dbg *d)
{
    bool was = d->ck && d->ck->mid_restored;
    if (d->ck)
        d->ck->mid_restored = false;
    return was;
}

void rep_ckpt_before_event(replayer *r, const rrt_event *ev)
{
    rep_dbg *d = r->dbg;
    rep_ckpts *c = d ? d->ck : NULL;
    if (!c)
        return;
    c->ev_type = ev->type;
    if (c->skip_take) {
        c->skip_take = false; /* the task is inside the interval */
        return;
    }
    /* gdb changed the live program: a copy of it would not come back as
     * recorded (a re-run's copies do) */
    if (!d->active || r->index == 0 || rep_stopped(r) ||
        (d->dirty && !rev_silent(d)))
        return;
    drop_invalid(c);
    snap *near = at_or_before(c, r->index);
    bool pin = pinned_at(c, r->index) && !(near && near->event == r->index);
    if (c->last_take > r->index)
        c->last_take = 0; /* another run */
    bool want = c->interval && c->want == r->index &&
                !(near && near->event == r->index);
    if (!pin && !want &&
        (c->interval == 0 ||
         r->index - (near ? near->event : 0) < c->interval ||
         (c->last_take && r->index - c->last_take < c->interval)))
        return;
    /* not forkable here: the next tries (which read /proc for each task)
     * come after a 64th of the interval, not at every event */
    if (c->retry_at > r->index + c->interval / 64)
        c->retry_at = 0; /* another run */
    if (!pin && !want && c->retry_at > r->index)
        return;
    if (!forkable(r, false)) {
        c->retry_at = r->index + c->interval / 64;
        return;
    }
    if (take(r, d, pin) && !pin)
        c->last_take = r->index;
}

uint64_t rep_ckpt_plan(rep_dbg *d, uint64_t limit)
{
    rep_ckpts *c = d->ck;
    if (!c)
        return 0;
    drop_invalid(c);
    c->pending = c->interval || c->npins ? at_or_before(c, limit) : NULL;
    c->want = limit;
    return c->pending ? c->pending->event : 0;
}

void rep_ckpt_from_start(rep_dbg *d)
{
    if (d->ck) {
        d->ck->pending = NULL;
        d->ck->last_from = 0;
        d->ck->from_start++;
    }
}

uint64_t rep_ckpt_last_from(const rep_dbg *d)
{
    return d->ck ? d->ck->last_from : 0;
}

static long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool rep_ckpt_restore(replayer *r)
{
    rep_dbg *d = r->dbg;
    rep_ckpts *c = d ? d->ck : NULL;
    if (!c || !c->pending || !d->active || !rev_restarting(d))
        return false;
    snap *s = c->pending;
    c->pending = NULL;
    rep_kill_all(r);
    if (!valid(s)) {
        c->last_from = 0;
        c->from_start++;
        return false;
    }
    /* the copies in the list's order (trace_task_add puts each first) */
    bool ok = true;
    for (size_t i = s->nt; ok && i-- > 0;) {
        const snap_task *x = &s->t[i];
        int fd = trace_mem_open(x->pid);
        /* the copies' parents are this process, or init since the live
         * tree died: SIGCHLD, which they reap by */
        pid_t pid = fd >= 0 ? trace_fork_stopped(x->pid, fd, SIGCHLD) : -1;
        if (fd >= 0)
            close(fd);
        ptask *t = pid > 0 ? trace_task_add(&r->tasks, sizeof(ptask),
                                            x->task.base.rec_tid, pid)
                           : NULL;
        if (!t) {
            kill_copy(pid);
            ok = false;
            break;
        }
        trace_task base = t->base;
        *t = x->task;
        t->base = base;
        t->base.trapsig = x->task.base.trapsig;
        t->base.pset =
            x->task.base.pset ? trace_pset_copy(x->task.base.pset) : NULL;
        ok = t->base.memfd >= 0 &&
             (!x->entry || reenter_entry(pid, &x->task.park.regs));
    }
    if (!ok) {
        rep_kill_all(r);
        c->last_from = 0;
        c->from_start++;
        return false; /* the re-run from the start follows */
    }
    r->lazy = s->lazy_rec ? trace_task_find(r->tasks, s->lazy_rec) : NULL;
    r->index = s->event;
    memcpy(r->counts, s->counts, sizeof(r->counts));
    r->exit_code = s->exit_code;
    r->exited = s->exited;
    r->xgetbv_events = s->xgetbv_events;
    r->patch_kinds = s->patch_kinds;
    r->rec_layout = s->rec_layout;
    r->host_layout = s->host_layout;
    r->cpuid_trapno = s->cpuid_trapno;
    r->frames_recorded = s->frames_recorded;
    r->frames_built = s->frames_built;
    r->frames_checked = s->frames_checked;
    r->sb_records = s->sb_records;
    r->sb_prefilled = s->sb_prefilled;
    r->sb_used = s->sb_used;
    r->sb_mirror = s->sb_mirror;
    if (r->sub.active)
        rep_sub_clear(&r->sub);
    /* the file copies the snapshot's mappings show (an object first
     * mapped later is made again when the run maps it) */
    rep_mem_set(r, s->mem);
    r->diverged = false;
    memset(&r->div, 0, sizeof(r->div));
    rrt_error_clear(&r->err);
    /* the debugger: as for a new replay, then the program as it was */
    rep_dbg_attach(r, d);
    d->exec_seen = s->exec_seen;
    d->exec_rec = s->exec_rec;
    d->pid = s->pid_rec;
    d->auxv_addr = s->auxv_addr;
    memcpy(d->exe, s->exe, sizeof(d->exe));
    trace_task *dt =
        s->tgid_rec ? trace_task_find(r->tasks, s->tgid_rec) : NULL;
    trace_task *rt =
        s->root_rec ? trace_task_find(r->tasks, s->root_rec) : NULL;
    d->tgid = dt ? dt->tid : 0;
    d->root_tgid = rt ? rt->tid : 0;
    r->hush_until = rep_dbg_hush(r);
    c->last_from = s->event;
    c->last_take = s->event;
    c->restores++;
    c->mid_restored = c->skip_take = s == c->mid;
    if (getenv("RRT_REV_DEBUG"))
        fprintf(stderr,
                "rev: %ld restored the checkpoint at event %" PRIu64 "\n",
                mono_ms(), s->event);
    return true;
}

/* ------------------------------------------------------------------ */
/* monitor checkpoint, checkpoints                                     */

bool rep_ckpt_pin(rep_dbg *d, uint64_t event)
{
    rep_ckpts *c = d->ck;
    if (!c || c->npins >= CK_MAX_PINNED)
        return false;
    if (pinned_at(c, event))
        return true;
    uint64_t *n = rrtx_grow(c->pins, &c->cappins, c->npins + 1, sizeof(*n));
    if (!n)
        return false;
    c->pins = n;
    c->pins[c->npins++] = event;
    for (size_t i = 0; i < c->n; i++)
        if (c->s[i]->event == event)
            c->s[i]->pinned = true;
    return true;
}

void rep_ckpt_unpin(rep_dbg *d, uint64_t event)
{
    rep_ckpts *c = d->ck;
    if (!c)
        return;
    for (size_t i = 0; i < c->npins; i++)
        if (c->pins[i] == event) {
            c->pins[i] = c->pins[--c->npins];
            break;
        }
    for (size_t i = 0; i < c->n; i++)
        if (c->s[i]->event == event && c->s[i]->pinned) {
            c->s[i]->pinned = false;
            thin(c);
            break;
        }
}

size_t rep_ckpt_describe(const rep_dbg *d, char *buf, size_t size)
{
    const rep_ckpts *c = d->ck;
    if (!c || size == 0)
        return 0;
    size_t at = 0;
    int n = snprintf(buf, size,
                     "rrt: %zu snapshots (at most %d automatic, every %" PRIu64
                     " events, and %d pinned); taken %" PRIu64
                     ", thinned %" PRIu64 "; runs from a snapshot %" PRIu64
                     ", from the start %" PRIu64 "; the last run started at "
                     "event %" PRIu64 "\n",
                     c->n, CK_MAX_AUTO, c->interval, CK_MAX_PINNED, c->taken,
                     c->thinned, c->restores, c->from_start, c->last_from);
    at = n > 0 && (size_t)n < size ? (size_t)n : size - 1;
    for (size_t i = 0; i < c->n && at + 64 < size; i++) {
        const snap *x = c->s[i];
        char pids[64];
        int m = x->nt == 1 ? snprintf(pids, sizeof(pids), "pid")
                           : snprintf(pids, sizeof(pids), "%zu processes, pids",
                                      x->nt);
        for (size_t j = 0; j < x->nt && m > 0 && (size_t)m + 16 < sizeof(pids);
             j++)
            m += snprintf(pids + m, sizeof(pids) - (size_t)m, "%s %d",
                          j ? "," : "", (int)x->t[j].pid);
        n = snprintf(buf + at, size - at,
                     "rrt:   snapshot at event %" PRIu64 "%s (%s)\n", x->event,
                     x->pinned ? " pinned" : "", pids);
        if (n < 0 || (size_t)n >= size - at)
            break;
        at += (size_t)n;
    }
    return at;
}
