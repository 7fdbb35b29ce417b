/* The replay engine. Events are applied in recorded order; for each one
 * the task it names is run to the matching stop (syscall entry, trap,
 * signal, exit) and fed the recorded result. Calls that touch the world are
 * skipped and their results and memory outputs written back; calls that
 * shape the address space or kernel-side process state run for real at the
 * recorded addresses. A seccomp filter in the tracee kills it if anything
 * else ever reaches the kernel.
 *
 * Tasks run under PTRACE_SYSEMU: one stop at each call's entry, and the
 * kernel skips the call, so an emulated call costs one stop, not two. The
 * kernel decides the skip from the resume request made before the entry
 * stop, so a call that must run for real is backed up over its `syscall`
 * instruction and re-executed under PTRACE_SYSCALL (reenter()), as rr does.
 *
 * The recorder writes an event when a task starts a stretch of user code,
 * one task at a time. Replay runs that stretch lazily, when the task's next
 * event needs it, unless an event of another task comes first: then the
 * stretch runs before that event (the task is "parked" at the stop it
 * reached), which keeps threads' interleaving as recorded. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rrt/compat.h>
#include <rrt/cpufeat.h>

#include "replayer.h"

typedef struct stop {
    int status;
    int kind; /* STOP_* */
    int sig;
    struct user_regs_struct regs;
} stop;

enum { STOP_EXIT, STOP_SYSCALL, STOP_EVENT, STOP_SIGNAL, STOP_ERROR };

typedef struct ptask {
    trace_task base; /* first: ids, memory, patch set, list link */
    bool in_syscall;
    bool sysemu;    /* resume with PTRACE_SYSEMU outside real calls */
    bool emu_entry; /* at an entry stop under PTRACE_SYSEMU: the kernel
                     * skips this call */
    bool skipped;   /* left at an emulated call's entry, whose exit stop
                     * still comes if resumed with PTRACE_SYSCALL */
    bool want_real; /* its next call runs for real: reach its entry under
                     * PTRACE_SYSCALL, saving reenter() */
    bool clone_pending; /* stopped at a clone event; exit still to come */
    bool sigsuspend;    /* at rt_sigsuspend entry, waiting for a signal */
    uint32_t suspend_nr; /* the call it stands for (ppoll, ...) or 0 */
    int64_t suspend_ret;
    bool parked;        /* already ran to `park`, not yet consumed */
    stop park;
    int resume_sig;
    int64_t restart_ret; /* emulated call returned -ERESTART*, or 0 */
    bool group_exit;     /* a task of its process ran exit_group */
    bool held_exit;      /* stopped at its exit_group's entry */
    bool exiting;        /* it ran exit or exit_group: no stop until its
                          * death, which a leader reports only after its
                          * threads are reaped (so never park it) */
    /* its EXIT event came while it sat in a call, before the sibling's
     * execve that ended it at record time: held at `park` until that
     * execve runs (reap_doomed) */
    bool doomed;
    bool resumed; /* already resumed: next_stop only waits */
} ptask;

#define RRT_ELF_PT_INTERP 3u
#define RRT_AT_ENTRY 9u
#define RRT_AT_EXECFN 31u
#define RRT_MFD_EXEC 0x10u

typedef struct exec_sub {
    bool active;
    struct ptask *task;
    int exe_fd, interp_fd;   /* read-only memfds holding the blobs */
    int iexe_fd;             /* a script's interpreter (its own interp_fd
                                is interp_fd) */
    char rec_path[PATH_MAX]; /* the path the recording exec'd */
    char path[PATH_MAX];     /* what replay execs instead (same length) */
    uint64_t entry;          /* e_entry of the program */
    bool inherited;          /* the tracee inherits the descriptors */
    bool script;             /* a #! script: the kernel runs the
                                interpreter it names */
    bool script_interp;      /* ... the recorded one, named by iname in
                                the script's copy (else this host's) */
    char iname[PATH_MAX];    /* the #! line's interpreter as replayed */
    char iname_orig[PATH_MAX]; /* ... and as recorded (same length) */
    char links[3][32];       /* /tmp symlinks made for short paths */
    bool has_interp;
    uint64_t interp_vaddr;   /* PT_INTERP p_vaddr */
    size_t interp_len;       /* PT_INTERP p_filesz */
    char interp_orig[PATH_MAX];
} exec_sub;

typedef struct replayer {
    const rep_options *o;
    rrt_reader *rd;
    trace_cpuid_mode mode;
    trace_task *tasks;
    ptask *lazy;    /* task whose user code since its last event has not
                     * run yet */
    uint64_t index; /* current event */
    uint64_t counts[16];
    int exit_code;
    bool exited;
    bool diverged;
    rep_divergence div;
    rrt_error err; /* why the replay failed (not a divergence) */
    exec_sub sub; /* the exec being substituted, if any */
    char **warned; /* warnings already printed (a shell loop execs the
                      same script a thousand times) */
    size_t nwarned, capwarned;
} replayer;

static void note(replayer *r, rep_note n, const char *text)
{
    if (r->o->notify)
        r->o->notify(r->o->notify_ctx, n, text);
}

/* Warns "PATH: WHAT" the first time only. */
static void warn_once(replayer *r, const char *path, const char *what)
{
    char line[PATH_MAX + 256];
    snprintf(line, sizeof(line), "%s: %s", path, what);
    for (size_t i = 0; i < r->nwarned; i++)
        if (strcmp(r->warned[i], line) == 0)
            return;
    note(r, REP_NOTE_WARNING, line);
    if (r->nwarned == r->capwarned) {
        size_t cap = r->capwarned ? 2 * r->capwarned : 16;
        char **p = realloc(r->warned, cap * sizeof(*p));
        if (!p)
            return;
        r->warned = p;
        r->capwarned = cap;
    }
    char *copy = strdup(line);
    if (copy)
        r->warned[r->nwarned++] = copy;
}

/* Fails the replay for a reason other than a divergence. */
static bool failed(replayer *r, rrt_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool failed(replayer *r, rrt_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err.message, sizeof(r->err.message), fmt, ap);
    va_end(ap);
    r->err.status = st;
    return false;
}

/* A failure or a divergence has ended the replay. */
static bool stopped(const replayer *r)
{
    return r->diverged || r->err.status != RRT_OK;
}

/* The replay cannot go on at the current event, for a reason other than
 * the program doing something else (a referenced file that changed, a
 * resource this host refused): "event N (task T): WHAT". */
static bool fail_at(replayer *r, ptask *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail_at(replayer *r, ptask *t, const char *fmt, ...)
{
    if (stopped(r))
        return false;
    char what[sizeof(r->err.message) - 48];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return failed(r, RRT_E_UNSUPPORTED, "event %llu (task %u): %s",
                  (unsigned long long)r->index, t ? t->base.rec_tid : 0,
                  what);
}

/* The first divergence only: later ones follow from it. */
static bool divergence(replayer *r, ptask *t, const char *expected,
                       const char *found, const char *fmt, va_list ap)
{
    if (stopped(r))
        return false;
    rep_divergence *d = &r->div;
    r->diverged = true;
    d->event = r->index;
    d->task = t ? t->base.rec_tid : 0;
    vsnprintf(d->what, sizeof(d->what), fmt, ap);
    snprintf(d->expected, sizeof(d->expected), "%s", expected);
    snprintf(d->found, sizeof(d->found), "%s", found);
    d->have_regs =
        t && ptrace(PTRACE_GETREGS, t->base.tid, NULL, &d->regs) == 0;
    return false;
}

/* A divergence that is not a comparison: WHAT alone says it. */
static bool diverge(replayer *r, ptask *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool diverge(replayer *r, ptask *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    divergence(r, t, "", "", fmt, ap);
    va_end(ap);
    return false;
}

/* The program did something other than the recording says: WHAT, and
 * what was expected and found, separately. */
static bool mismatch(replayer *r, ptask *t, const char *expected,
                     const char *found, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static bool mismatch(replayer *r, ptask *t, const char *expected,
                     const char *found, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    divergence(r, t, expected, found, fmt, ap);
    va_end(ap);
    return false;
}

static bool is_err(int64_t ret)
{
    return ret < 0 && ret >= -4095;
}

/* ------------------------------------------------------------------ */
/* Tasks                                                              */

/* t runs exit_group for real: every task of its process dies with it. */
static void mark_group_exit(replayer *r, ptask *t)
{
    pid_t tgid = trace_tgid(t->base.tid);
    for (trace_task *b = r->tasks; b && tgid > 0; b = b->next)
        if (trace_tgid(b->tid) == tgid)
            ((ptask *)b)->group_exit = true;
}

static ptask *task_of(replayer *r, uint32_t rec_tid)
{
    return trace_task_find(r->tasks, rec_tid);
}

static ptask *first_task(replayer *r)
{
    return (ptask *)r->tasks;
}

static ptask *next_task(ptask *t)
{
    return (ptask *)t->base.next;
}

static ptask *add_task(replayer *r, uint32_t rec_tid, pid_t tid)
{
    return trace_task_add(&r->tasks, sizeof(ptask), rec_tid, tid);
}

static void remove_task(replayer *r, ptask *t)
{
    if (r->lazy == t)
        r->lazy = NULL;
    trace_task_remove(&r->tasks, &t->base);
}

static void kill_all(replayer *r)
{
    for (ptask *t = first_task(r); t; t = next_task(t))
        kill(t->base.tid, SIGKILL);
    while (r->tasks) {
        int st;
        pid_t pid = waitpid(r->tasks->tid, &st, __WALL);
        if (pid < 0 || WIFEXITED(st) || WIFSIGNALED(st))
            remove_task(r, first_task(r));
    }
}

/* A call that returned -ERESTART* at record time and got no signal was
 * restarted by the kernel on its way back to user code (a signal for the
 * process woke it, and another thread took the signal). In replay no
 * signal is pending, so the kernel would hand the code to the program:
 * restart it as the kernel did (arch/x86 arch_do_signal_or_restart). */
static void restart_call(ptask *t)
{
    struct user_regs_struct g;
    if (ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) != 0)
        return;
    g.rax = t->restart_ret == -TRACE_ERESTART_RESTARTBLOCK
                ? SYS_restart_syscall
                : g.orig_rax;
    g.rip -= 2;
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, &g);
}

/* Runs t to its next stop that matters. Signals the replayed program did
 * not get at record time (SIGCHLD of replayed children) are dropped. */
static void next_stop_for(ptask *t, stop *s, int want_sig)
{
    if (t->parked) {
        *s = t->park;
        t->parked = false;
        return;
    }
    if (t->restart_ret) {
        if (!want_sig && !t->resume_sig)
            restart_call(t);
        t->restart_ret = 0;
    }
    for (;;) {
        memset(s, 0, sizeof(*s));
        /* From a real call's entry only PTRACE_SYSCALL yields its exit. */
        int req = t->sysemu && !t->in_syscall && !t->want_real
                      ? PTRACE_SYSEMU
                      : PTRACE_SYSCALL;
        bool skip_exit = t->skipped && req == PTRACE_SYSCALL;
        t->skipped = false;
        /* ESRCH: killed meanwhile (exit_group of a sibling); reap it */
        bool resume = !t->resumed;
        t->resumed = false;
        if ((resume &&
             ptrace((enum __ptrace_request)req, t->base.tid, NULL,
                    (void *)(long)t->resume_sig) != 0 && errno != ESRCH) ||
            waitpid(t->base.tid, &s->status, __WALL) != t->base.tid) {
            s->kind = STOP_ERROR;
            return;
        }
        t->resume_sig = 0;
        if (WIFEXITED(s->status) || WIFSIGNALED(s->status)) {
            s->kind = STOP_EXIT;
            return;
        }
        s->sig = WSTOPSIG(s->status);
        ptrace(PTRACE_GETREGS, t->base.tid, NULL, &s->regs);
        if (s->sig == (SIGTRAP | 0x80)) {
            if (skip_exit)
                continue; /* the emulated call's, already handled */
            t->in_syscall = !t->in_syscall;
            t->emu_entry = t->in_syscall && req == PTRACE_SYSEMU;
            s->kind = STOP_SYSCALL;
            return;
        }
        if (s->status >> 16) {
            s->kind = STOP_EVENT;
            return;
        }
        if ((s->sig == SIGCHLD || s->sig == SIGSTOP) && s->sig != want_sig)
            continue;
        s->kind = STOP_SIGNAL;
        return;
    }
}

static void next_stop(ptask *t, stop *s)
{
    next_stop_for(t, s, 0);
}

static const char *stop_name(const stop *s, char *buf, size_t n)
{
    char nb[32];
    switch (s->kind) {
    case STOP_EXIT:
        if (WIFEXITED(s->status))
            snprintf(buf, n, "exit with status %d", WEXITSTATUS(s->status));
        else
            snprintf(buf, n, "death by signal %d%s", WTERMSIG(s->status),
                     WTERMSIG(s->status) == SIGSYS
                         ? " (SIGSYS: the seccomp wall stopped a system "
                           "call replay must never execute)"
                         : "");
        break;
    case STOP_SYSCALL:
        snprintf(buf, n, "system call %s",
                 trace_syscall_name((long)s->regs.orig_rax, nb));
        break;
    case STOP_EVENT:
        snprintf(buf, n, "ptrace event %d", s->status >> 16);
        break;
    case STOP_SIGNAL:
        snprintf(buf, n, "signal %d at rip 0x%llx", s->sig, s->regs.rip);
        break;
    default:
        snprintf(buf, n, "lost the tracee (%s)", strerror(errno));
    }
    return buf;
}

static bool expect_syscall(replayer *r, ptask *t, stop *s, uint32_t nr,
                           bool entry)
{
    char buf[256], nb[32];
    next_stop(t, s);
    if (s->kind == STOP_SYSCALL && t->in_syscall == entry &&
        (s->regs.orig_rax == nr || !entry))
        return true;
    char want[64];
    snprintf(want, sizeof(want), "%s %s", trace_syscall_name(nr, nb),
             entry ? "entry" : "exit");
    return mismatch(r, t, want, stop_name(s, buf, sizeof(buf)), "stop");
}

/* t stopped at the entry of a call that must run for real. Under
 * PTRACE_SYSEMU the kernel already chose to skip it: back up over the
 * `syscall` instruction (0F 05) and run it again under PTRACE_SYSCALL, to
 * its real entry stop; the skipped call's exit stop comes first. s becomes
 * the new entry stop. */
static bool reenter(replayer *r, ptask *t, stop *s)
{
    char buf[256], nb[32];
    if (!t->emu_entry)
        return true;
    uint64_t nr = s->regs.orig_rax;
    s->regs.rip -= 2;
    s->regs.rax = nr;
    s->regs.orig_rax = (uint64_t)-1; /* no restart logic at the skip */
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs);
    t->emu_entry = false;
    t->sysemu = false;
    next_stop(t, s);
    if (s->kind == STOP_SYSCALL && !t->in_syscall)
        next_stop(t, s);
    t->sysemu = true;
    if (s->kind == STOP_SYSCALL && t->in_syscall && s->regs.orig_rax == nr)
        return true;
    return diverge(r, t, "cannot re-enter %s, got %s",
                   trace_syscall_name((long)nr, nb),
                   stop_name(s, buf, sizeof(buf)));
}

/* ------------------------------------------------------------------ */
/* Files                                                              */

/* Checks that an external file is still the one recorded and opens it. */
static int open_recorded(replayer *r, ptask *t, const rrt_file_entry *f)
{
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        fail_at(r, t, "%s: %s; the recording references it (run `rrt pack` "
                      "on the recording machine to embed referenced files)",
                f->path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int64_t mtime = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    if (!r->o->force &&
        ((uint64_t)sb.st_dev != f->dev || (uint64_t)sb.st_ino != f->ino ||
         (uint64_t)sb.st_size != f->size || mtime != f->mtime_ns)) {
        fail_at(r, t,
                "%s changed since it was recorded (dev/ino/size/mtime "
                "%llu/%llu/%llu/%lld, now %llu/%llu/%llu/%lld); run `rrt "
                "pack` on the recording machine, or --force",
                f->path, (unsigned long long)f->dev,
                (unsigned long long)f->ino, (unsigned long long)f->size,
                (long long)f->mtime_ns, (unsigned long long)sb.st_dev,
                (unsigned long long)sb.st_ino, (unsigned long long)sb.st_size,
                (long long)mtime);
        close(fd);
        return -1;
    }
    return fd;
}

/* Fills a mapping replay created anonymously with the recorded file's
 * bytes, from the archive or from the referenced file. */
static bool fill_mapping(replayer *r, ptask *t, uint64_t index,
                         uint64_t addr, uint64_t len, uint64_t off)
{
    rrt_file_entry f = {0};
    rrt_error err;
    if (rrt_reader_file(r->rd, (size_t)index, &f, &err) != RRT_OK)
        return fail_at(r, t, "file %llu: %s", (unsigned long long)index,
                       err.message);
    int fd = -1;
    bool ok = false;
    size_t bufsize = 1u << 20;
    uint8_t *buf = malloc(bufsize);
    if (!buf)
        goto out;
    if ((f.flags & RRT_FILE_EXTERNAL) && (fd = open_recorded(r, t, &f)) < 0)
        goto out;
    uint64_t end = off + len < f.size ? off + len : f.size;
    for (uint64_t pos = off; pos < end;) {
        size_t want = end - pos < bufsize ? (size_t)(end - pos) : bufsize;
        size_t got = 0;
        if (fd >= 0) {
            ssize_t n = pread(fd, buf, want, (off_t)pos);
            got = n > 0 ? (size_t)n : 0;
        } else if (rrt_reader_pread_blob(r->rd, &f.blob, pos, buf, want, &got,
                                         &err) != RRT_OK) {
            fail_at(r, t, "%s", err.message);
            goto out;
        }
        if (got == 0 ||
            !trace_mem_write(t->base.memfd, addr + (pos - off), buf, got)) {
            fail_at(r, t, "%s: cannot map offset %llu", f.path,
                    (unsigned long long)pos);
            goto out;
        }
        pos += got;
    }
    ok = true;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    rrt_file_entry_clear(&f);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Executing the recorded binaries                                    */

/* When the archive embeds the program (and its ELF interpreter), replay
 * must not depend on this host's copies, which may differ or be absent.
 * The simplest robust way is to let the kernel load the recorded bytes
 * itself: each blob is copied into a memfd, and the tracee execs
 * "/proc/<replayer>/fd/<n>" instead of the recorded path (the root, which
 * inherits the descriptor, "/proc/self/fd/<n>" or "/dev/fd/<n>"). The
 * kernel opens the file (and the interpreter) before it closes O_CLOEXEC
 * descriptors, so the program never sees them. The copy of the
 * program has its PT_INTERP string rewritten to the interpreter's memfd in
 * the same way, so the kernel maps the recorded ld.so at the address it
 * would map the host's (same size, same layout, ASLR off). No mapping has
 * to be replaced after the exec.
 *
 * What the program can observe is then restored at the exec stop:
 *  - the exec'd path is padded with slashes to the recorded path's length,
 *    so the kernel builds a byte-identical stack layout, and the filename
 *    string AT_EXECFN points to is overwritten with the recorded one;
 *  - the PT_INTERP bytes in the program's mapping (ld.so names itself by
 *    them) are written back with the original string.
 * A path shorter than those names (/bin/sh) is replaced by a symlink of
 * the same length in /tmp, removed at the exec stop; only paths under 6
 * bytes, or a /tmp where no link can be made, run the host's copy,
 * checked against the embedded one. The task's comm (basename of the
 * exec'd path) is the descriptor number or the link's name: the seccomp
 * wall has no prctl to fix it, and the program reads it only through
 * emulated calls. */

static void sub_clear(exec_sub *x)
{
    for (size_t i = 0; i < sizeof(x->links) / sizeof(x->links[0]); i++)
        if (x->links[i][0])
            unlink(x->links[i]);
    if (x->exe_fd >= 0)
        close(x->exe_fd);
    if (x->interp_fd >= 0)
        close(x->interp_fd);
    if (x->iexe_fd >= 0)
        close(x->iexe_fd);
    memset(x, 0, sizeof(*x));
    x->exe_fd = x->interp_fd = x->iexe_fd = -1;
}

/* Shortest path a substituted exec can have: "/tmp/" and one byte. */
#define RRT_SHORT_PATH 6

/* Makes link, a free name of exactly len bytes (RRT_SHORT_PATH <= len <
 * 32) in /tmp, a symlink to target. symlink() never follows or replaces
 * an existing name, and /tmp is sticky, so the link stays ours. The name
 * is never seen by the program: AT_EXECFN and argv are restored. */
static bool tmp_link(const char *target, size_t len, char link[32])
{
    static const char set[] = "abcdefghijklmnopqrstuvwxyz"
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32;
    if (len < RRT_SHORT_PATH || len >= 32)
        return false;
    for (int tries = 0; tries < 1000; tries++) {
        memcpy(link, "/tmp/", 5);
        for (size_t i = 5; i < len; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            link[i] = set[(x >> 33) % (sizeof(set) - 1)];
        }
        link[len] = 0;
        if (symlink(target, link) == 0)
            return true;
        if (errno != EEXIST)
            break;
    }
    link[0] = 0;
    return false;
}

/* A path of exactly len bytes that the tracee can exec or open to reach
 * the replayer's descriptor fd: "/proc/<replayer>/fd/<fd>" or, for a child
 * that inherits fd (the root, spawned after the copies are made), the
 * shorter "/proc/self/fd/<fd>" or "/dev/fd/<fd>", padded with slashes.
 * Shorter paths (/bin/sh) get a /tmp symlink to the first, which x
 * removes when cleared. false when none fits or the link fails. */
static bool fd_path(exec_sub *x, int fd, size_t len, char *out, size_t n)
{
    char p[64];
    if (len >= n)
        return false;
    for (int i = 0; i < (x->inherited ? 2 : 1); i++) {
        int k = !x->inherited ? snprintf(p, sizeof(p), "proc/%d/fd/%d",
                                         (int)getpid(), fd)
                : i == 0      ? snprintf(p, sizeof(p), "proc/self/fd/%d", fd)
                              : snprintf(p, sizeof(p), "dev/fd/%d", fd);
        if (k < 0 || (size_t)k >= len)
            continue;
        size_t pad = len - (size_t)k;
        memset(out, '/', pad);
        memcpy(out + pad, p, (size_t)k + 1);
        return true;
    }
    for (size_t i = 0; i < sizeof(x->links) / sizeof(x->links[0]); i++) {
        if (x->links[i][0])
            continue;
        snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)getpid(), fd);
        if (!tmp_link(p, len, x->links[i]))
            return false;
        memcpy(out, x->links[i], len + 1);
        return true;
    }
    return false;
}

/* A memfd holding the file's recorded bytes (the blob's id is checked as
 * it is read), or -1 after a divergence. */
static int blob_memfd(replayer *r, ptask *t, const rrt_file_entry *f)
{
    rrt_blob_stream *bs = NULL;
    rrt_error err;
    enum { BUF = 1 << 16 };
    uint8_t *buf = malloc(BUF);
    size_t got;
    /* MFD_EXEC (Linux 6.3): executable even where vm.memfd_noexec makes
     * memfds non-executable by default; older kernels reject the flag */
    int fd = buf ? memfd_create("rrt-exec", MFD_CLOEXEC | RRT_MFD_EXEC) : -1;
    if (fd < 0 && buf && errno == EINVAL)
        fd = memfd_create("rrt-exec", MFD_CLOEXEC);
    if (fd < 0) {
        fail_at(r, t, "memfd_create: %s", buf ? strerror(errno) : "out of memory");
        free(buf);
        return -1;
    }
    if (rrt_blob_stream_open(r->rd, &f->blob, &bs, &err) != RRT_OK) {
        fail_at(r, t, "%s: %s", f->path, err.message);
        goto fail;
    }
    for (;;) {
        if (rrt_blob_stream_read(bs, buf, BUF, &got, &err) !=
            RRT_OK) {
            fail_at(r, t, "%s: %s", f->path, err.message);
            goto fail;
        }
        if (got == 0)
            break;
        for (size_t at = 0; at < got;) {
            ssize_t w = write(fd, buf + at, got - at);
            if (w <= 0) {
                fail_at(r, t, "%s: cannot copy: %s", f->path,
                        strerror(errno));
                goto fail;
            }
            at += (size_t)w;
        }
    }
    rrt_blob_stream_close(bs);
    free(buf);
    return fd;
fail:
    rrt_blob_stream_close(bs);
    free(buf);
    close(fd);
    return -1;
}

/* Trades a writable memfd for a read-only descriptor of the same file:
 * the kernel refuses to exec a file that is open for writing. */
static int read_only(replayer *r, ptask *t, int rw)
{
    char self[64];
    if (rw < 0)
        return -1;
    snprintf(self, sizeof(self), "/proc/self/fd/%d", rw);
    int ro = open(self, O_RDONLY | O_CLOEXEC);
    if (ro < 0)
        fail_at(r, t, "%s: %s", self, strerror(errno));
    close(rw);
    return ro;
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Points the memfd copy's PT_INTERP at the interpreter's memfd; keeps the
 * original string to restore in memory after the exec. */
static bool patch_interp(replayer *r, ptask *t, exec_sub *x, int rw)
{
    uint8_t eh[64], ph[56];
    if (pread(rw, eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
        memcmp(eh, "\177ELF\2\1", 6) != 0)
        return fail_at(r, t, "%s: not a 64-bit ELF file", x->rec_path);
    x->entry = le(eh + 0x18, 8);
    uint64_t phoff = le(eh + 0x20, 8), phentsize = le(eh + 0x36, 2);
    uint64_t phnum = le(eh + 0x38, 2);
    for (uint64_t i = 0; phentsize >= sizeof(ph) && i < phnum; i++) {
        if (pread(rw, ph, sizeof(ph), (off_t)(phoff + i * phentsize)) !=
            (ssize_t)sizeof(ph))
            break;
        if (le(ph, 4) != RRT_ELF_PT_INTERP)
            continue;
        uint64_t off = le(ph + 8, 8), len = le(ph + 32, 8);
        char path[PATH_MAX] = {0};
        if (len < 2 || len > sizeof(x->interp_orig) ||
            pread(rw, x->interp_orig, len, (off_t)off) != (ssize_t)len)
            return fail_at(r, t, "%s: bad PT_INTERP", x->rec_path);
        if (!fd_path(x, x->interp_fd, (size_t)len - 1, path,
                     sizeof(path)))
            return fail_at(r, t, "%s: PT_INTERP too short to name the "
                                 "recorded interpreter", x->rec_path);
        if (pwrite(rw, path, len, (off_t)off) != (ssize_t)len)
            return fail_at(r, t, "cannot patch PT_INTERP: %s",
                           strerror(errno));
        x->has_interp = true;
        x->interp_vaddr = le(ph + 16, 8);
        x->interp_len = (size_t)len;
        return true;
    }
    return fail_at(r, t, "%s: no PT_INTERP", x->rec_path);
}

/* True when the file t execs at path starts with "#!". The kernel then
 * runs the interpreter the script names, with the script's path among
 * its arguments, and the recording's executable is that interpreter:
 * exec'ing it in the script's place would drop those arguments. In a
 * recording without EXEC_SCRIPT events (older recorders) the script then
 * runs from this host. path is relative to t's working directory (the
 * replayer's own for the root, which starts there). */
static bool is_script(const ptask *t, const char *path)
{
    char *real = trace_script_path(t ? t->base.tid : 0, path);
    bool script = real != NULL;
    free(real);
    return script;
}

/* True when f's bytes are in the archive (not only referenced). */
static bool embedded(replayer *r, uint64_t index, rrt_file_entry *f)
{
    rrt_error err;
    return rrt_reader_file(r->rd, (size_t)index, f, &err) == RRT_OK &&
           !(f->flags & RRT_FILE_EXTERNAL);
}

/* The read-only memfd copy of program f, its PT_INTERP pointed at ld's
 * copy when ld is not NULL; -1 after a divergence. */
static int program_copy(replayer *r, ptask *t, exec_sub *x,
                        const rrt_file_entry *f, const rrt_file_entry *ld)
{
    if (ld && (x->interp_fd = read_only(r, t, blob_memfd(r, t, ld))) < 0)
        return -1;
    int rw = blob_memfd(r, t, f);
    if (rw >= 0 && ld && !patch_interp(r, t, x, rw)) {
        close(rw);
        return -1;
    }
    return read_only(r, t, rw);
}

/* In the memfd copy of a script, points the #! line at x->iexe_fd (the
 * recorded interpreter) by a name of the same length, kept with the
 * recorded one in x for the exec stop. The kernel reads the line from the
 * first 256 bytes; its interpreter name ends at a blank or newline.
 * false (no divergence) when the name cannot be replaced, or names a
 * script on this host: the recorded program is then the interpreter of
 * that script, and exec'ing it directly would drop arguments. */
static bool patch_shebang(const ptask *t, exec_sub *x, int rw)
{
    char buf[256];
    ssize_t n = pread(rw, buf, sizeof(buf), 0);
    if (n < 3 || buf[0] != '#' || buf[1] != '!')
        return false;
    size_t i = 2, end;
    while (i < (size_t)n && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    for (end = i; end < (size_t)n && buf[end] != ' ' && buf[end] != '\t' &&
                  buf[end] != '\n' && buf[end] != 0;
         end++)
        ;
    size_t len = end - i;
    if (end == (size_t)n || len == 0 || len >= sizeof(x->iname))
        return false;
    memcpy(x->iname_orig, buf + i, len);
    x->iname_orig[len] = 0;
    return !is_script(t, x->iname_orig) &&
           fd_path(x, x->iexe_fd, len, x->iname, sizeof(x->iname)) &&
           pwrite(rw, x->iname, len, (off_t)i) == (ssize_t)len;
}

/* Prepares x so that t execs the recorded program instead of rec_path,
 * given the EXEC event the recording has for it and, for a #! script, the
 * file index of the script (else UINT64_MAX); t is NULL for the root, not
 * spawned yet. A script is replaced by the recorded script, whose #! line
 * is pointed at the recorded interpreter when it is embedded (else the
 * kernel runs this host's, checked at the exec stop, as it does when the
 * #! line names a script here). false without a divergence: run the
 * host's copy (not embedded, no name). */
/* Names x->exe_fd by a path as long as x->rec_path and arms the
 * substitution for t's exec; else warns `fallback`. */
static bool sub_arm(replayer *r, ptask *t, exec_sub *x, bool script,
                    const char *fallback)
{
    if (!fd_path(x, x->exe_fd, strlen(x->rec_path), x->path,
                 sizeof(x->path))) {
        warn_once(r, x->rec_path, fallback);
        return false;
    }
    x->active = true;
    x->script = script;
    x->task = t;
    return true;
}

/* A referenced program or script exec'd by a relative path runs from
 * this host, but the path would resolve against the replayer's working
 * directory: chdir is emulated. It is exec'd by a name of the same
 * length for the recorded file instead (identity checked). */
static bool sub_relative(replayer *r, ptask *t, exec_sub *x,
                         const char *rec_path, const rrt_file_entry *f,
                         bool script)
{
    size_t len = strlen(rec_path);
    if (len < RRT_SHORT_PATH || len >= sizeof(x->rec_path)) {
        warn_once(r, rec_path, "relative path too short to replace; it "
                               "resolves in replay's working directory");
        return false;
    }
    if ((x->exe_fd = open_recorded(r, t, f)) < 0)
        return false;
    memcpy(x->rec_path, rec_path, len + 1);
    x->inherited = t == NULL;
    return sub_arm(r, t, x, script, "no name of the same length for it; it "
                                    "resolves in replay's working directory");
}

static bool sub_prepare(replayer *r, ptask *t, exec_sub *x,
                        const char *rec_path, const rrt_ev_exec *e,
                        uint64_t script)
{
    rrt_file_entry f = {0}, fp = {0}, fi = {0};
    bool ok = false;
    int rw = -1;
    sub_clear(x);
    size_t len = strlen(rec_path);
    bool is_scr = script != UINT64_MAX;
    if (!embedded(r, is_scr ? script : e->exe_file, &f)) {
        if (rec_path[0] != '/' && (f.flags & RRT_FILE_EXTERNAL))
            ok = sub_relative(r, t, x, rec_path, &f, is_scr);
        goto out;
    }
    /* a recording from before EXEC_SCRIPT existed */
    if (!is_scr && is_script(t, rec_path)) {
        warn_once(r, rec_path,
                  "a #! script; it and its interpreter run from this host");
        goto out;
    }
    if (len < RRT_SHORT_PATH || len >= sizeof(x->rec_path)) {
        warn_once(r, rec_path,
                  "path too short to run the embedded copy in its place; "
                  "running this host's file");
        goto out;
    }
    memcpy(x->rec_path, rec_path, len + 1);
    x->inherited = t == NULL;
    /* an ELF interpreter only referenced is the host's, checked at the
     * exec stop; so is the program a script names */
    bool ld = e->has_interp && embedded(r, e->interp_file, &fi);
    if (is_scr && embedded(r, e->exe_file, &fp)) {
        if ((x->iexe_fd = program_copy(r, t, x, &fp, ld ? &fi : NULL)) < 0)
            goto out;
        if ((rw = blob_memfd(r, t, &f)) < 0)
            goto out;
        x->script_interp = patch_shebang(t, x, rw);
        if (!x->script_interp) {
            /* the host's interpreter and ld.so run after all */
            warn_once(r, rec_path, "the interpreter its #! line names "
                                   "runs from this host");
            x->has_interp = false;
        }
        x->exe_fd = read_only(r, t, rw);
        rw = -1;
    } else {
        x->exe_fd = program_copy(r, t, x, &f, !is_scr && ld ? &fi : NULL);
    }
    if (x->exe_fd < 0)
        goto out;
    ok = sub_arm(r, t, x, is_scr, "no name of the same length for the "
                                  "embedded copy; running this host's file");
out:
    if (rw >= 0)
        close(rw);
    if (!ok)
        sub_clear(x);
    rrt_file_entry_clear(&f);
    rrt_file_entry_clear(&fp);
    rrt_file_entry_clear(&fi);
    return ok;
}

/* For a script the kernel put the path it exec'd among the interpreter's
 * arguments (argv[1], or argv[2] after the #! line's optional argument,
 * or later when that interpreter is a script too, up to the kernel's 4
 * levels): writes the recorded path over it, same length. When the #!
 * line's interpreter was renamed, argv[0] (that name) gets the recorded
 * one back too. */
static bool restore_script_args(replayer *r, ptask *t, const exec_sub *x)
{
    struct user_regs_struct g;
    uint64_t argc = 0, p = 0;
    size_t n = strlen(x->path) + 1, in = strlen(x->iname) + 1;
    char buf[PATH_MAX];
    if (ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) != 0 ||
        !trace_mem_read(t->base.memfd, g.rsp, &argc, sizeof(argc)))
        return diverge(r, t, "cannot read the new program's arguments");
    if (x->script_interp &&
        !(argc > 0 && trace_mem_read(t->base.memfd, g.rsp + 8, &p, 8) &&
          trace_mem_read(t->base.memfd, p, buf, in) &&
          memcmp(buf, x->iname, in) == 0 &&
          trace_mem_write(t->base.memfd, p, x->iname_orig, in)))
        return diverge(r, t, "cannot restore the interpreter's name %s",
                       x->iname_orig);
    for (uint64_t i = 1; i < argc && i <= 8; i++) {
        if (trace_mem_read(t->base.memfd, g.rsp + 8 * (i + 1), &p, 8) &&
            trace_mem_read(t->base.memfd, p, buf, n) &&
            memcmp(buf, x->path, n) == 0)
            return trace_mem_write(t->base.memfd, p, x->rec_path, n) ||
                   diverge(r, t, "cannot restore the script's path");
    }
    return diverge(r, t, "the interpreter's arguments do not name the "
                         "script %s", x->rec_path);
}

/* At the exec stop of a substituted exec: shows the program the recorded
 * filename and PT_INTERP bytes (see above). now: the live auxv. */
static bool sub_finish(replayer *r, ptask *t, exec_sub *x,
                       const rrt_ev_exec *now)
{
    uint64_t entry = 0, execfn = 0;
    for (size_t i = 0; i < now->n_auxv; i++) {
        if (now->auxv[i][0] == RRT_AT_ENTRY)
            entry = now->auxv[i][1];
        if (now->auxv[i][0] == RRT_AT_EXECFN)
            execfn = now->auxv[i][1];
    }
    bool ok = true;
    if (execfn && !trace_mem_write(t->base.memfd, execfn, x->rec_path,
                                  strlen(x->rec_path) + 1))
        ok = diverge(r, t, "cannot restore AT_EXECFN");
    if (ok && x->has_interp &&
        !trace_mem_write(t->base.memfd, entry - x->entry + x->interp_vaddr,
                        x->interp_orig, x->interp_len))
        ok = diverge(r, t, "cannot restore PT_INTERP");
    if (ok && x->script)
        ok = restore_script_args(r, t, x);
    sub_clear(x);
    return ok;
}

/* The EXEC event at position `first` or the one after it, and in
 * *script the file index of the EXEC_SCRIPT right after it (UINT64_MAX
 * if there is none: not a script, or recorded before the event existed). */
static bool peek_exec(replayer *r, uint64_t first, rrt_ev_exec *e,
                      uint64_t *script)
{
    rrt_event_iter *it = NULL;
    rrt_event ev;
    rrt_error err;
    bool found = false;
    *script = UINT64_MAX;
    if (rrt_event_iter_open(r->rd, first, &it, &err) != RRT_OK)
        return false;
    for (int i = 0; i < 2 && !found &&
                    rrt_event_iter_next(it, &ev, &err) == RRT_OK;
         i++)
        found = ev.type == RRT_EV_EXEC &&
                rrt_ev_decode_exec(ev.data, ev.len, e, &err) == RRT_OK;
    rrt_ev_exec_script es;
    if (found && rrt_event_iter_next(it, &ev, &err) == RRT_OK &&
        ev.type == RRT_EV_EXEC_SCRIPT &&
        rrt_ev_decode_exec_script(ev.data, ev.len, &es, &err) == RRT_OK &&
        es.tid == e->tid)
        *script = es.script_file;
    rrt_event_iter_close(it);
    return found;
}

/* At t's execve entry: lets it exec the recorded program (the path is
 * swapped in place, same length). Returns the address swapped, 0 if none. */
static uint64_t sub_execve(replayer *r, ptask *t, uint64_t addr)
{
    char path[PATH_MAX];
    size_t n = 0;
    rrt_ev_exec ex;
    uint64_t script;
    while (n < sizeof(path) &&
           trace_mem_read(t->base.memfd, addr + n, path + n, 1) && path[n])
        n++;
    if (n == 0 || n == sizeof(path) || path[n] ||
        !peek_exec(r, r->index + 1, &ex, &script) ||
        !sub_prepare(r, t, &r->sub, path, &ex, script))
        return 0;
    if (!trace_mem_write(t->base.memfd, addr, r->sub.path, n)) {
        sub_clear(&r->sub);
        return 0;
    }
    return addr;
}

/* ------------------------------------------------------------------ */
/* System calls                                                       */

static bool write_outputs(replayer *r, ptask *t, const rrt_ev_syscall *e)
{
    for (size_t i = 0; i < e->n_mem; i++)
        if (!trace_mem_write(t->base.memfd, e->mem[i].addr, e->mem[i].data,
                            e->mem[i].len))
            return fail_at(r, t, "cannot write %zu bytes at 0x%llx",
                           e->mem[i].len,
                           (unsigned long long)e->mem[i].addr);
    if ((e->flags & RRT_EV_SC_STDIO) && !r->o->quiet) {
        int fd = e->stdio_stream == 2 ? 2 : 1;
        const uint8_t *p = e->stdio_data;
        size_t n = e->stdio_len;
        while (n) {
            ssize_t w = write(fd, p, n);
            if (w <= 0)
                break;
            p += w;
            n -= (size_t)w;
        }
    }
    return true;
}

static bool compare_args(replayer *r, ptask *t, const rrt_ev_syscall *e,
                         const trace_sc_desc *d, const stop *s)
{
    char nb[32];
    for (int i = 0; i < d->nargs; i++) {
        uint64_t v = trace_sc_arg(&s->regs, i);
        if (v != e->args[i]) {
            char want[24], got[24];
            snprintf(want, sizeof(want), "0x%llx",
                     (unsigned long long)e->args[i]);
            snprintf(got, sizeof(got), "0x%llx", (unsigned long long)v);
            return mismatch(r, t, want, got, "%s argument %d",
                            trace_syscall_name(e->nr, nb), i);
        }
    }
    return true;
}

/* What the replayed program writes to the terminal must be what the
 * recorded one wrote: the bytes, not only the call, are compared. */
static bool check_stdio(replayer *r, ptask *t, const rrt_ev_syscall *e)
{
    uint8_t *now = malloc(e->stdio_len ? e->stdio_len : 1);
    if (!now)
        return fail_at(r, t, "out of memory");
    bool ok = true;
    if (e->nr == SYS_write || e->nr == SYS_pwrite64) {
        ok = trace_mem_read(t->base.memfd, e->args[1], now, e->stdio_len);
    } else { /* writev, pwritev */
        size_t got = 0;
        for (uint64_t i = 0; ok && i < e->args[2] && got < e->stdio_len;
             i++) {
            uint64_t v[2];
            ok = trace_mem_read(t->base.memfd, e->args[1] + 16 * i, v,
                               sizeof(v));
            size_t n = v[1] < e->stdio_len - got ? (size_t)v[1]
                                                 : e->stdio_len - got;
            ok = ok && trace_mem_read(t->base.memfd, v[0], now + got, n);
            got += n;
        }
    }
    size_t at = 0;
    while (ok && at < e->stdio_len && now[at] == e->stdio_data[at])
        at++;
    free(now);
    if (ok && at == e->stdio_len)
        return true;
    char want[64], got[64];
    snprintf(want, sizeof(want), "the recorded %zu bytes", e->stdio_len);
    snprintf(got, sizeof(got), "a difference at byte %zu", at);
    return mismatch(r, t, want, got, "bytes written to fd %llu",
                    (unsigned long long)e->args[0]);
}

static bool emulate(replayer *r, ptask *t, const rrt_ev_syscall *e, stop *s)
{
    if ((e->flags & RRT_EV_SC_STDIO) && !check_stdio(r, t, e))
        return false;
    /* ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK */
    if (e->ret <= -512 && e->ret >= -516 && e->ret != -515)
        t->restart_ret = e->ret;
    if (t->emu_entry) {
        /* skipped by the kernel: the result is all there is to give; the
         * number stays in orig_rax for the restart logic (-ERESTART*) */
        t->emu_entry = false;
        t->in_syscall = false;
        t->skipped = true;
        s->regs.rax = (uint64_t)e->ret;
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs);
        return write_outputs(r, t, e);
    }
    if (!r->o->passthrough_for_tests) {
        s->regs.orig_rax = (uint64_t)-1;
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs);
    }
    if (!expect_syscall(r, t, s, e->nr, false))
        return false;
    s->regs.rax = (uint64_t)e->ret;
    /* Restores the number so the kernel's restart logic (-ERESTART*) sees
     * what it saw at record time. */
    s->regs.orig_rax = e->nr;
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs);
    return write_outputs(r, t, e);
}

/* mmap at replay: always at the recorded address; file mappings become
 * anonymous ones filled from the recorded file. A writable shared one
 * stays shared, so the processes forked after it still see each other's
 * writes (a POSIX semaphore, a counter): the file itself is not shared,
 * so processes that each map it get their own copies. */
static void rewrite_mmap(const rrt_ev_syscall *e, struct user_regs_struct *g)
{
    uint64_t flags = e->args[3];
    g->rdi = (uint64_t)e->ret;
    if (!(flags & MAP_FIXED))
        flags |= MAP_FIXED_NOREPLACE;
    if (e->flags & RRT_EV_SC_FILE) {
        bool shared = trace_map_shared_writable(flags, e->args[2]);
        flags = (flags & ~(uint64_t)(MAP_SHARED | MAP_PRIVATE)) |
                (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS;
        g->r8 = (uint64_t)-1;
        g->r9 = 0;
    }
    g->r10 = flags;
}

static bool reap_doomed(replayer *r, ptask *t);

static bool execute(replayer *r, ptask *t, const rrt_ev_syscall *e, stop *s)
{
    if (e->nr == SYS_mmap) {
        rewrite_mmap(e, &s->regs);
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs);
    }
    if (e->nr == SYS_execve) {
        uint64_t swapped = sub_execve(r, t, s->regs.rdi);
        if (stopped(r) || !reap_doomed(r, t))
            return false;
        next_stop(t, s);
        /* a vfork parent shares the memory the path was swapped in; the
         * write fails harmlessly when the old address space is gone */
        if (swapped)
            trace_mem_write(t->base.memfd, swapped, r->sub.rec_path,
                           strlen(r->sub.rec_path));
        char buf[256];
        if (s->kind == STOP_SYSCALL && is_err((int64_t)s->regs.rax))
            return mismatch(r, t, "success",
                            strerror((int)-(int64_t)s->regs.rax), "execve");
        if (s->kind != STOP_EVENT)
            return diverge(r, t, "execve did not exec (%s)",
                           stop_name(s, buf, sizeof(buf)));
    }
    if (!expect_syscall(r, t, s, e->nr, false))
        return false;
    bool layout = e->nr == SYS_mmap || e->nr == SYS_mremap ||
                  e->nr == SYS_brk || e->nr == SYS_munmap ||
                  e->nr == SYS_mprotect;
    if (layout && (int64_t)s->regs.rax != e->ret) {
        char want[24], got[24];
        snprintf(want, sizeof(want), "0x%llx", (unsigned long long)e->ret);
        snprintf(got, sizeof(got), "0x%llx", s->regs.rax);
        return mismatch(r, t, want, got, "%s result",
                        trace_syscall_desc(e->nr)->name);
    }
    if (!layout && e->nr != SYS_execve) {
        /* e.g. set_tid_address returns the (recorded) thread id */
        s->regs.rax = (uint64_t)e->ret;
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs);
    }
    if (e->nr == SYS_execve) {
        close(t->base.memfd);
        t->base.memfd = trace_mem_open(t->base.tid);
        trace_pset_unref(t->base.pset); /* a new address space */
        t->base.pset = trace_pset_new();
        return t->base.pset || fail_at(r, t, "out of memory");
    }
    if (e->nr == SYS_mmap && (e->flags & RRT_EV_SC_FILE) &&
        !fill_mapping(r, t, e->file_index, (uint64_t)e->ret, e->args[1],
                      e->args[5]))
        return false;
    uint64_t prot = 0, start = 0, len = 0;
    if (e->nr == SYS_mmap)
        prot = e->args[2], start = (uint64_t)e->ret, len = e->args[1];
    else if (e->nr == SYS_mprotect)
        prot = e->args[2], start = e->args[0], len = e->args[1];
    if (r->mode == TRACE_CPUID_PATCH && (prot & PROT_EXEC) &&
        trace_patch_range(t->base.memfd, start, len, &t->base.pset->p) < 0)
        return fail_at(r, t, "cannot patch CPUID at 0x%llx",
                       (unsigned long long)start);
    return true;
}

static bool do_clone(replayer *r, ptask *t, uint32_t rec_child,
                     uint64_t flags);

/* ppoll, pselect6 and epoll_pwait that a signal interrupted ran with a
 * temporary signal mask, which decided that the signal could come in.
 * Replay runs rt_sigsuspend with that mask instead: same mask, same
 * delivery, and the next SIGNAL event ends it. */
static bool interrupted_with_mask(replayer *r, ptask *t,
                                  const rrt_ev_syscall *e, stop *s)
{
    uint64_t mask = 0, size = 8;
    if (e->ret != -EINTR && e->ret != -514 /* ERESTARTNOHAND */)
        return false;
    if (e->nr == SYS_ppoll || e->nr == SYS_epoll_pwait ||
        e->nr == SYS_epoll_pwait2) {
        mask = e->nr == SYS_ppoll ? e->args[3] : e->args[4];
        size = e->nr == SYS_ppoll ? e->args[4] : e->args[5];
    } else if (e->nr == SYS_pselect6 && e->args[5]) {
        uint64_t pair[2]; /* { const sigset_t *ss; size_t ss_len; } */
        if (!trace_mem_read(t->base.memfd, e->args[5], pair, sizeof(pair)))
            return false;
        mask = pair[0], size = pair[1];
    }
    if (!mask || r->o->passthrough_for_tests)
        return false;
    if (!write_outputs(r, t, e) || !reenter(r, t, s))
        return true; /* diverged */
    s->regs.orig_rax = SYS_rt_sigsuspend;
    s->regs.rdi = mask;
    s->regs.rsi = size;
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs);
    t->sigsuspend = true;
    t->suspend_nr = e->nr;
    t->suspend_ret = e->ret;
    return true;
}
static bool is_clone(uint32_t nr);

static bool on_syscall(replayer *r, ptask *t, const rrt_ev_syscall *e)
{
    stop s;
    char nb[32];
    if (is_clone(e->nr) && !is_err(e->ret) && !t->clone_pending &&
        !do_clone(r, t, (uint32_t)e->ret,
                  e->nr == SYS_clone ? e->args[0]
                  : e->nr == SYS_vfork ? (uint64_t)(CLONE_VM | CLONE_VFORK)
                                       : 0))
        return false;
    if (t->clone_pending) {
        /* the clone already ran at its CLONE event; finish it */
        t->clone_pending = false;
        if (!expect_syscall(r, t, &s, e->nr, false))
            return false;
        s.regs.rax = (uint64_t)e->ret; /* the recorded child id */
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s.regs);
        return true;
    }
    if (e->flags & RRT_EV_SC_INITIAL)
        return e->nr == SYS_execve ||
               fail_at(r, t, "first event is not the initial execve");
    const trace_sc_desc *d = trace_syscall_desc(e->nr);
    if (!d)
        return fail_at(r, t, "archive holds unknown system call %s",
                       trace_syscall_name(e->nr, nb));
    /* A failed call changed nothing and is emulated; rt_sigreturn's
     * "result" is the interrupted context's rax, not a status. */
    bool real = d->mode == TRACE_SC_EXECUTE &&
                (!is_err(e->ret) || e->nr == SYS_rt_sigreturn) &&
                !(e->flags & RRT_EV_SC_FORCED);
    t->want_real = real || (e->flags & RRT_EV_SC_ENTRY_ONLY) ||
                   e->nr == SYS_rt_sigsuspend;
    bool entered = expect_syscall(r, t, &s, e->nr, true);
    t->want_real = false;
    if (!entered || !compare_args(r, t, e, d, &s))
        return false;
    if (e->flags & RRT_EV_SC_ENTRY_ONLY) {
        /* exit: let it go now. exit_group: its siblings die of it, but
         * at record time they may have made calls between its entry and
         * the kernel killing them (each has its own event), so it is
         * held at its entry until the first EXIT event of its process
         * (release_exits). */
        if (!reenter(r, t, &s))
            return false;
        t->exiting = true;
        if (e->nr == SYS_exit_group) {
            mark_group_exit(r, t);
            t->held_exit = true;
            return true;
        }
        ptrace(PTRACE_SYSCALL, t->base.tid, NULL, NULL);
        t->in_syscall = false;
        return true;
    }
    if (e->nr == SYS_rt_sigsuspend) {
        /* It only ends by a signal: the next SIGNAL event sends it. */
        if (!reenter(r, t, &s))
            return false;
        t->sigsuspend = true;
        t->suspend_nr = 0;
        return true;
    }
    if (interrupted_with_mask(r, t, e, &s))
        return !stopped(r);
    return real ? reenter(r, t, &s) && execute(r, t, e, &s)
                : emulate(r, t, e, &s);
}

/* ------------------------------------------------------------------ */
/* Other events                                                       */

static bool on_trap(replayer *r, ptask *t, bool cpuid, stop *s)
{
    char buf[256];
    next_stop(t, s);
    if (s->kind == STOP_SIGNAL) {
        int insn = trace_trap_insn(t->base.memfd, s->regs.rip);
        if (!cpuid && s->sig == SIGSEGV && (insn == 1 || insn == 2))
            return true;
        if (cpuid && s->sig == SIGSEGV && insn == 3)
            return true;
        if (cpuid && s->sig == SIGILL && insn == 4 &&
            trace_patches_has(&t->base.pset->p, s->regs.rip))
            return true;
    }
    return mismatch(r, t, cpuid ? "CPUID" : "RDTSC",
                    stop_name(s, buf, sizeof(buf)), "trap");
}

static bool on_rdtsc(replayer *r, ptask *t, const rrt_ev_rdtsc *e)
{
    stop s;
    if (!on_trap(r, t, false, &s))
        return false;
    trace_apply_rdtsc(&s.regs, e);
    return ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s.regs) == 0;
}

static bool on_cpuid(replayer *r, ptask *t, const rrt_ev_cpuid *e)
{
    stop s;
    if (!on_trap(r, t, true, &s))
        return false;
    uint32_t leaf = (uint32_t)s.regs.rax, sub = (uint32_t)s.regs.rcx;
    if (leaf != e->leaf ||
        (rrt_cpuid_leaf_is_indexed(leaf) && sub != e->subleaf))
    {
        char want[32], got[32];
        snprintf(want, sizeof(want), "0x%x.%u", e->leaf, e->subleaf);
        snprintf(got, sizeof(got), "0x%x.%u", leaf, sub);
        return mismatch(r, t, want, got, "CPUID leaf");
    }
    trace_apply_cpuid(&s.regs, e->regs);
    return ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s.regs) == 0;
}

static bool on_signal(replayer *r, ptask *t, const rrt_ev_signal *e)
{
    stop s;
    char buf[256];
    /* tkill, not tgkill(tid, tid): the task may be a thread other than
     * its process's leader, whose tgid is not its tid. */
    if (!e->sync && syscall(SYS_tkill, t->base.tid, (int)e->signo) != 0)
        return fail_at(r, t, "cannot send signal %u: %s", e->signo,
                       strerror(errno));
    if (t->sigsuspend) {
        /* the signal ends the real rt_sigsuspend the task now sleeps in */
        t->sigsuspend = false;
        next_stop_for(t, &s, (int)e->signo);
        if (s.kind != STOP_SYSCALL || t->in_syscall)
            return diverge(r, t, "rt_sigsuspend did not end by signal %u, "
                                 "got %s", e->signo,
                           stop_name(&s, buf, sizeof(buf)));
        if (t->suspend_nr) {
            /* it stood for ppoll & co: give their recorded result */
            s.regs.rax = (uint64_t)t->suspend_ret;
            s.regs.orig_rax = t->suspend_nr;
            ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s.regs);
        }
    }
    next_stop_for(t, &s, (int)e->signo);
    if (s.kind != STOP_SIGNAL || s.sig != (int)e->signo)
    {
        char want[32];
        snprintf(want, sizeof(want), "signal %u", e->signo);
        return mismatch(r, t, want, stop_name(&s, buf, sizeof(buf)),
                        "stop");
    }
    ptrace(PTRACE_SETSIGINFO, t->base.tid, NULL, (void *)e->siginfo);
    t->resume_sig = (int)e->signo;
    return true;
}

static bool same_exit(const rrt_ev_exit *e, int status)
{
    return e->killed ? WIFSIGNALED(status) &&
                           (uint32_t)WTERMSIG(status) == e->code
                     : WIFEXITED(status) &&
                           (uint32_t)WEXITSTATUS(status) == e->code;
}

/* At the entry of t's execve, which runs for real: the siblings the
 * recording saw die of it die of it now. The kernel kills them during
 * the exec and then waits until their tracer (this process) has reaped
 * them, so they are reaped here, with t resumed, before anything waits
 * for t's exec stop. (SIGKILL to one thread would kill t too.) */
static bool reap_doomed(replayer *r, ptask *t)
{
    pid_t tgid = trace_tgid(t->base.tid);
    bool any = false;
    for (trace_task *b = r->tasks; b && !any; b = b->next)
        any = ((ptask *)b)->doomed && trace_tgid(b->tid) == tgid;
    if (!any)
        return true;
    if (ptrace(PTRACE_SYSCALL, t->base.tid, NULL, NULL) != 0)
        return fail_at(r, t, "cannot resume: %s", strerror(errno));
    t->resumed = true;
    trace_task *b = r->tasks;
    while (b) {
        ptask *d = (ptask *)b;
        int status;
        b = b->next;
        if (!d->doomed || trace_tgid(d->base.tid) != tgid)
            continue;
        do {
            if (waitpid(d->base.tid, &status, __WALL) != d->base.tid)
                return diverge(r, d, "cannot reap it: %s", strerror(errno));
        } while (!WIFEXITED(status) && !WIFSIGNALED(status));
        remove_task(r, d);
    }
    return true;
}

/* The first EXIT event of t's process: the exit_group calls held there
 * run now, and the kernel kills the rest of the process. */
static void release_exits(replayer *r, ptask *t)
{
    pid_t tgid = trace_tgid(t->base.tid);
    for (trace_task *b = r->tasks; b; b = b->next) {
        ptask *u = (ptask *)b;
        /* tgid -1 (/proc unreadable): release them all rather than wait
         * for a death that a held exit_group would never cause */
        if (u->held_exit && (tgid < 0 || trace_tgid(u->base.tid) == tgid)) {
            u->held_exit = false;
            ptrace(PTRACE_SYSCALL, u->base.tid, NULL, NULL);
            u->in_syscall = false;
        }
    }
}

static bool on_exit_event(replayer *r, ptask *t, const rrt_ev_exit *e,
                          bool root)
{
    stop s;
    char buf[256];
    if (t->group_exit)
        release_exits(r, t);
    if (e->killed && e->code == SIGKILL &&
        !(t->parked && t->park.kind == STOP_EXIT)) {
        /* SIGKILL has no signal-delivery stop, so no SIGNAL event: the
         * kill(2) that sent it was emulated, and replay sends it here. */
        t->parked = false;
        syscall(SYS_tkill, t->base.tid, SIGKILL);
    }
    next_stop(t, &s);
    if (s.kind == STOP_SYSCALL && t->in_syscall && t->group_exit) {
        /* At record time a sibling's exit_group ended the task inside
         * this call (a thread pool's futex wait), which so has no event;
         * the real exit_group, already run, ends it the same way here:
         * its SIGKILL wakes the task from this stop. */
        do {
            if (waitpid(t->base.tid, &s.status, __WALL) != t->base.tid) {
                s.kind = STOP_ERROR;
                break;
            }
            s.kind = WIFEXITED(s.status) || WIFSIGNALED(s.status)
                         ? STOP_EXIT
                         : STOP_SIGNAL;
        } while (s.kind != STOP_EXIT);
    } else if (s.kind == STOP_SYSCALL && t->in_syscall && !root) {
        /* At record time a sibling's execve ended the task inside this
         * call (a thread pool's epoll_wait), and the recorder saw the
         * death before the execve's event. Hold the task here until that
         * execve runs. */
        t->park = s;
        t->parked = true;
        t->doomed = true;
        return true;
    }
    bool same = s.kind == STOP_EXIT && same_exit(e, s.status);
    if (!same)
    {
        char want[48];
        snprintf(want, sizeof(want), "%s %u",
                 e->killed ? "death by signal" : "exit with status", e->code);
        return mismatch(r, t, want, stop_name(&s, buf, sizeof(buf)),
                        "end of task");
    }
    if (root) {
        r->exit_code = e->killed ? 128 + (int)e->code : (int)e->code;
        r->exited = true;
    }
    remove_task(r, t);
    return true;
}

/* Runs a clone-family call of t for real up to its ptrace event and sets
 * up the new task, which the program must know by its recorded id. */
static bool do_clone(replayer *r, ptask *t, uint32_t rec_child, uint64_t flags)
{
    stop s;
    char buf[256];
    t->want_real = true;
    next_stop(t, &s);
    t->want_real = false;
    long nr = (long)s.regs.orig_rax;
    if (s.kind != STOP_SYSCALL || !t->in_syscall ||
        (nr != SYS_clone && nr != SYS_fork && nr != SYS_vfork))
        return mismatch(r, t, "a clone", stop_name(&s, buf, sizeof(buf)),
                        "stop");
    if (!reenter(r, t, &s))
        return false;
    uint64_t ptid = s.regs.rdx, ctid = s.regs.r10;
    next_stop(t, &s);
    unsigned long child;
    if (s.kind != STOP_EVENT ||
        ptrace(PTRACE_GETEVENTMSG, t->base.tid, NULL, &child) != 0)
        return diverge(r, t, "clone created no task (%s)",
                       stop_name(&s, buf, sizeof(buf)));
    ptask *c = add_task(r, rec_child, (pid_t)child);
    if (!c)
        return fail_at(r, t, "out of memory");
    c->sysemu = t->sysemu;
    c->base.pset = flags & CLONE_VM ? trace_pset_ref(t->base.pset)
                               : trace_pset_copy(t->base.pset);
    int st;
    if (!c->base.pset)
        return fail_at(r, t, "out of memory");
    if (waitpid(c->base.tid, &st, __WALL) != c->base.tid || !WIFSTOPPED(st))
        return diverge(r, c, "new task did not stop");
    if (nr == SYS_clone && (flags & CLONE_CHILD_SETTID))
        trace_mem_write(c->base.memfd, ctid, &rec_child, 4);
    if (nr == SYS_clone && (flags & CLONE_PARENT_SETTID))
        trace_mem_write(t->base.memfd, ptid, &rec_child, 4);
    t->clone_pending = true;
    return true;
}

/* The recorder writes CLONE when the new task first runs, which may be
 * before or after its parent's clone returned. */
static bool on_clone(replayer *r, ptask *t, const rrt_ev_clone *e)
{
    if (task_of(r, e->child))
        return true;
    return do_clone(r, t, e->child, e->flags);
}

static bool is_clone(uint32_t nr)
{
    return nr == SYS_clone || nr == SYS_fork || nr == SYS_vfork;
}

/* The binary the kernel just executed must be the embedded one: replay
 * cannot exec from the archive, so compare contents. */
static bool same_as_blob(replayer *r, ptask *t, const rrt_file_entry *f,
                         const char *live)
{
    int fd = open(live, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    bool same = false;
    if (fd >= 0 && fstat(fd, &sb) == 0 && (uint64_t)sb.st_size == f->size) {
        void *p = f->size ? mmap(NULL, (size_t)f->size, PROT_READ, MAP_PRIVATE,
                                 fd, 0)
                          : NULL;
        if (p != MAP_FAILED) {
            rrt_blob_id id;
            rrt_blob_id_of(p, (size_t)f->size, &id);
            same = rrt_blob_id_cmp(&id, &f->blob) == 0;
            if (p)
                munmap(p, (size_t)f->size);
        }
    }
    if (fd >= 0)
        close(fd);
    return same || r->o->force ||
           fail_at(r, t, "%s on this machine differs from the binary "
                         "embedded in the recording (--force to try anyway)",
                   f->path);
}

/* A file the kernel mapped at exec (the program, its ELF interpreter) must
 * be the recorded one. live: where this run's copy is, NULL = its path. */
static bool check_exec_file(replayer *r, ptask *t, uint64_t index,
                            const char *live)
{
    rrt_file_entry f = {0};
    rrt_error err;
    bool ok;
    if (rrt_reader_file(r->rd, (size_t)index, &f, &err) != RRT_OK)
        return fail_at(r, t, "%s", err.message);
    if (f.flags & RRT_FILE_EXTERNAL) {
        int fd = open_recorded(r, t, &f);
        ok = fd >= 0;
        if (fd >= 0)
            close(fd);
    } else {
        ok = same_as_blob(r, t, &f, live ? live : f.path);
    }
    rrt_file_entry_clear(&f);
    return ok;
}

static bool on_exec(replayer *r, ptask *t, const rrt_ev_exec *e)
{
    rrt_ev_exec now = {0};
    char exe[64];
    if (!trace_exec_fixup_auxv(t->base.tid, t->base.memfd, &now, e))
        return fail_at(r, t, "cannot set up the auxiliary vector");
    snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)t->base.tid);
    bool substituted = r->sub.active && r->sub.task == t;
    /* What a substitution ran is the recorded bytes by construction;
     * the rest (a script's interpreter named by the host, an ELF
     * interpreter only referenced) is checked like any host file. */
    bool own_exe = substituted && (!r->sub.script || r->sub.script_interp);
    bool own_ld = substituted && r->sub.has_interp;
    if (substituted && !sub_finish(r, t, &r->sub, &now))
        return false;
    if ((!own_exe && !check_exec_file(r, t, e->exe_file, exe)) ||
        (e->has_interp && !own_ld &&
         !check_exec_file(r, t, e->interp_file, NULL)))
        return false;
    if (r->mode == TRACE_CPUID_FAULT &&
        !trace_cpuid_arm_fault(t->base.tid, t->base.memfd))
        return fail_at(r, t, "cannot enable CPUID faulting "
                             "(try --cpuid-mode=patch)");
    if (r->mode == TRACE_CPUID_PATCH &&
        trace_patch_all(t->base.tid, t->base.memfd, &t->base.pset->p) < 0)
        return fail_at(r, t, "cannot patch CPUID instructions");
    return true;
}

/* ------------------------------------------------------------------ */
/* Driver                                                             */

static void dump_event(replayer *r, const rrt_event *ev)
{
    char detail[96] = "", nb[32];
    rrt_ev_syscall e;
    rrt_ev_signal sg;
    const char *name = rrt_ev_type_name(ev->type);
    if (ev->type == RRT_EV_SYSCALL &&
        rrt_ev_decode_syscall(ev->data, ev->len, &e, NULL) == RRT_OK) {
        snprintf(detail, sizeof(detail), " task %u %s = %lld", e.tid,
                 trace_syscall_name(e.nr, nb), (long long)e.ret);
        rrt_ev_syscall_clear(&e);
    } else if (ev->type == RRT_EV_SIGNAL &&
               rrt_ev_decode_signal(ev->data, ev->len, &sg, NULL) == RRT_OK) {
        snprintf(detail, sizeof(detail), " task %u signal %u%s", sg.tid,
                 sg.signo, sg.sync ? " (sync)" : "");
    }
    char line[192];
    snprintf(line, sizeof(line), "event %llu %s%s (%zu bytes)",
             (unsigned long long)ev->seq, name ? name : "unknown", detail,
             ev->len);
    note(r, REP_NOTE_EVENT, line);
}

static bool need_task(replayer *r, uint32_t rec_tid, ptask **t)
{
    *t = task_of(r, rec_tid);
    if (*t && (*t)->doomed)
        return diverge(r, *t, "event names task %u, which ended earlier",
                       rec_tid);
    return *t || diverge(r, NULL, "event names task %u, which does not exist",
                         rec_tid);
}

static bool apply(replayer *r, const rrt_event *ev, uint32_t root)
{
    ptask *t;
    bool ok = false;
    r->counts[ev->type & 15]++;
    rrt_error err;
    switch (ev->type) {
    case RRT_EV_SYSCALL: {
        rrt_ev_syscall e;
        if (rrt_ev_decode_syscall(ev->data, ev->len, &e, &err) != RRT_OK)
            return diverge(r, NULL, "%s", err.message);
        ok = need_task(r, e.tid, &t) && on_syscall(r, t, &e);
        rrt_ev_syscall_clear(&e);
        return ok;
    }
    case RRT_EV_RDTSC: {
        rrt_ev_rdtsc e;
        return (rrt_ev_decode_rdtsc(ev->data, ev->len, &e, &err) == RRT_OK ||
                diverge(r, NULL, "%s", err.message)) &&
               need_task(r, e.tid, &t) && on_rdtsc(r, t, &e);
    }
    case RRT_EV_CPUID: {
        rrt_ev_cpuid e;
        return (rrt_ev_decode_cpuid(ev->data, ev->len, &e, &err) == RRT_OK ||
                diverge(r, NULL, "%s", err.message)) &&
               need_task(r, e.tid, &t) && on_cpuid(r, t, &e);
    }
    case RRT_EV_SIGNAL: {
        rrt_ev_signal e;
        return (rrt_ev_decode_signal(ev->data, ev->len, &e, &err) == RRT_OK ||
                diverge(r, NULL, "%s", err.message)) &&
               need_task(r, e.tid, &t) && on_signal(r, t, &e);
    }
    case RRT_EV_EXIT: {
        rrt_ev_exit e;
        return (rrt_ev_decode_exit(ev->data, ev->len, &e, &err) == RRT_OK ||
                diverge(r, NULL, "%s", err.message)) &&
               need_task(r, e.tid, &t) &&
               on_exit_event(r, t, &e, e.tid == root);
    }
    case RRT_EV_CLONE: {
        rrt_ev_clone e;
        return (rrt_ev_decode_clone(ev->data, ev->len, &e, &err) == RRT_OK ||
                diverge(r, NULL, "%s", err.message)) &&
               need_task(r, e.parent, &t) && on_clone(r, t, &e);
    }
    case RRT_EV_EXEC: {
        rrt_ev_exec e;
        return (rrt_ev_decode_exec(ev->data, ev->len, &e, &err) == RRT_OK ||
                diverge(r, NULL, "%s", err.message)) &&
               need_task(r, e.tid, &t) && on_exec(r, t, &e);
    }
    default:
        return true; /* a newer producer's event: nothing to do */
    }
}

/* Runs the freshly spawned root to the exit stop of its execve. */
static bool start_root(ptask *t)
{
    stop s;
    bool exec_seen = false;
    for (;;) {
        next_stop(t, &s);
        if (s.kind == STOP_EVENT && (s.status >> 16) == PTRACE_EVENT_EXEC)
            exec_seen = true;
        else if (s.kind == STOP_SYSCALL && exec_seen)
            break;
        else if (s.kind == STOP_EXIT || s.kind == STOP_ERROR)
            return false;
    }
    t->in_syscall = false;
    close(t->base.memfd);
    t->base.memfd = trace_mem_open(t->base.tid);
    return true;
}

/* Refuses a host that cannot replay the recording by the rules of `rrt
 * verify --host` (spec/compat.md: missing CPU features, XSAVE components
 * and layout), naming what is missing as that command does. CPUID itself
 * is answered from the recording; this is about the instructions and state
 * the program may use. --force warns and replays anyway. */
static bool check_host(replayer *r)
{
    rrt_cpuid_manifest rec = {0}, host = {0};
    rrt_compat c = {0};
    bool ok = false;
    if (rrt_reader_cpuid(r->rd, &rec, &r->err) != RRT_OK ||
        rrt_cpuid_capture_host(&host, &r->err) != RRT_OK ||
        rrt_compat_check(&rec, &host, &c, &r->err) != RRT_OK) {
        failed(r, r->err.status, "cannot compare CPUs: %s", r->err.message);
        goto out;
    }
    ok = c.compatible;
    if (!ok) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (f) {
            rrt_compat_format(&c, f);
            fclose(f);
        }
        note(r, REP_NOTE_HOST, text ? text : "");
        free(text);
    }
out:
    rrt_compat_clear(&c);
    rrt_cpuid_manifest_clear(&rec);
    rrt_cpuid_manifest_clear(&host);
    return ok;
}

static bool spawn(replayer *r, ptask **root)
{
    const char *exe = rrt_reader_meta_get(r->rd, "exe");
    const char *argv_s = rrt_reader_meta_get(r->rd, "argv");
    const char *env_s = rrt_reader_meta_get(r->rd, "env");
    const char *cwd = rrt_reader_meta_get(r->rd, "cwd");
    if (!exe || !argv_s || !env_s)
        return failed(r, RRT_E_CORRUPT,
                      "%s: not a recording (no exe/argv/env metadata)",
                      r->o->archive);
    size_t na, ne;
    char **argv = rrt_list_decode(argv_s, &na);
    char **envp = rrt_list_decode(env_s, &ne);
    bool ok = false;
    if (!argv || !envp) {
        failed(r, RRT_E_NOMEM, "out of memory");
        goto out;
    }
    if (cwd && chdir(cwd) != 0)
        warn_once(r, cwd, "cannot enter the recorded working directory");
    int cpu = r->o->cpu;
    if (cpu == -2)
        cpu = sched_getcpu() < 0 ? 0 : sched_getcpu();
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        sched_setaffinity(0, sizeof(set), &set);
    }
    trace_spawn_opts so = {exe, argv, envp, cpu, true};
    rrt_ev_exec ex;
    uint64_t script;
    bool have_ex = peek_exec(r, 0, &ex, &script);
    if (have_ex && sub_prepare(r, NULL, &r->sub, exe, &ex, script))
        so.path = r->sub.path;
    else if (have_ex && !stopped(r))
        /* the host's file runs: say why not, rather than fail the exec */
        check_exec_file(r, NULL, ex.exe_file, NULL);
    if (stopped(r))
        goto out;
    pid_t pid = trace_spawn(&so);
    if (pid < 0) {
        failed(r, RRT_E_IO, "cannot start %s: %s", exe, strerror(errno));
        goto out;
    }
    *root = add_task(r, 0, pid);
    if (*root)
        (*root)->base.pset = trace_pset_new();
    if (*root && r->sub.active)
        r->sub.task = *root;
    if (!*root || !(*root)->base.pset || !start_root(*root)) {
        failed(r, RRT_E_IO, "cannot execute %s", exe);
        goto out;
    }
    /* calls that pass through must reach the kernel (and the wall) */
    (*root)->sysemu = !r->o->passthrough_for_tests;
    ok = true;
out:
    free(argv);
    free(envp);
    return ok;
}

/* The task whose user code an event continues (for CLONE: the new task);
 * false for events that run no user code (EXIT, EXEC). */
static bool event_subject(const rrt_event *ev, uint32_t *tid)
{
    rrt_cursor c;
    rrt_cursor_init(&c, ev->data, ev->len);
    switch (ev->type) {
    case RRT_EV_CLONE:
        rrt_cursor_varint(&c);
        /* fall through */
    case RRT_EV_SYSCALL:
    case RRT_EV_RDTSC:
    case RRT_EV_CPUID:
    case RRT_EV_SIGNAL: {
        uint64_t v = rrt_cursor_varint(&c);
        *tid = (uint32_t)v;
        return !c.failed && v <= UINT32_MAX;
    }
    default:
        return false;
    }
}

/* Keeps the recorded order of user code: before another task's event,
 * the lazy task runs what it ran at record time before that event. */
static void order_tasks(replayer *r, const rrt_event *ev, bool before)
{
    uint32_t tid;
    if (!event_subject(ev, &tid))
        return;
    if (before) {
        ptask *l = r->lazy;
        if (l && l->base.rec_tid != tid && !l->parked && !l->clone_pending &&
            !l->sigsuspend && !l->exiting) {
            next_stop(l, &l->park);
            l->parked = true;
        }
        r->lazy = NULL;
        return;
    }
    r->lazy = task_of(r, tid);
}

/* False on a divergence or a failure (r->diverged, r->err). */
static bool run_events(replayer *r)
{
    rrt_event_iter *it = NULL;
    rrt_event ev;
    uint32_t root = 0;
    if (rrt_event_iter_open(r->rd, 0, &it, &r->err) != RRT_OK)
        return false;
    bool ok = true;
    rrt_status st = RRT_OK;
    while (r->index < r->o->until &&
           (st = rrt_event_iter_next(it, &ev, &r->err)) == RRT_OK) {
        if (r->o->dump_events)
            dump_event(r, &ev);
        if (r->index == 0) {
            /* The root's recorded id is named by the first event. */
            rrt_ev_syscall e;
            if (ev.type == RRT_EV_SYSCALL &&
                rrt_ev_decode_syscall(ev.data, ev.len, &e, NULL) == RRT_OK) {
                root = e.tid;
                r->tasks->rec_tid = root;
                rrt_ev_syscall_clear(&e);
            }
        }
        order_tasks(r, &ev, true);
        if (!apply(r, &ev, root)) {
            ok = false;
            break;
        }
        order_tasks(r, &ev, false);
        r->index++;
    }
    if (ok && r->index < r->o->until && st != RRT_END)
        ok = false; /* r->err from the iterator */
    rrt_event_iter_close(it);
    return ok;
}

/* The checks after the last event: nothing may be left running. */
static bool check_end(replayer *r)
{
    for (trace_task *b = r->tasks; b; b = b->next)
        if (((ptask *)b)->doomed)
            return diverge(r, (ptask *)b, "task %u ended inside a system "
                                          "call at record time, but nothing "
                                          "ended it here", b->rec_tid);
    if (r->o->until == UINT64_MAX && r->tasks)
        return diverge(r, NULL, "the archive ends while %s still run; is "
                                "it a recovered partial recording?",
                       r->tasks->next ? "tasks" : "a task");
    return true;
}

rrt_status rep_replay(const rep_options *o, rep_report *rep, rrt_error *err)
{
    replayer state = {0}, *r = &state;
    r->o = o;
    r->sub.exe_fd = r->sub.interp_fd = r->sub.iexe_fd = -1;
    r->mode = trace_cpuid_mode_resolve(o->cpuid_mode);
    rrt_error_clear(&r->err);
    memset(rep, 0, sizeof(*rep));
    rep->outcome = REP_FAILED;
    ptask *root = NULL;
    if (rrt_reader_open(o->archive, &r->rd, &r->err) != RRT_OK)
        goto out;
    if (!check_host(r)) {
        if (r->err.status != RRT_OK)
            goto out;
        if (!o->force) {
            rep->outcome = REP_REFUSED;
            failed(r, RRT_E_UNSUPPORTED, "%s: this host cannot replay it",
                   o->archive);
            goto out;
        }
    }
    if (spawn(r, &root) && run_events(r) && check_end(r))
        rep->outcome = REP_REPLAYED;
    else if (r->diverged)
        rep->outcome = REP_DIVERGED;
    rep->exited = r->exited;
    rep->exit_status = r->exit_code;
    rep->events = r->index;
    memcpy(rep->counts, r->counts, sizeof(rep->counts));
    rep->div = r->div;
out:
    if (rep->outcome == REP_DIVERGED)
        failed(r, RRT_E_CORRUPT, "divergence at event %llu",
               (unsigned long long)r->div.event);
    else if (rep->outcome == REP_FAILED && r->err.status == RRT_OK)
        failed(r, RRT_E_IO, "%s: replay failed", o->archive);
    kill_all(r);
    sub_clear(&r->sub);
    for (size_t i = 0; i < r->nwarned; i++)
        free(r->warned[i]);
    free(r->warned);
    rrt_reader_close(r->rd);
    if (err)
        *err = r->err;
    return rep->outcome == REP_REPLAYED ? RRT_OK : r->err.status;
}
