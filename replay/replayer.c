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

#include "replayi.h"

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

void rep_kill_all(replayer *r)
{
    kill_all(r);
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
    g.rax = t->restart_ret == -TRACE_ERESTART_RESTARTBLOCK ? SYS_restart_syscall
                                                           : g.orig_rax;
    g.rip -= 2;
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, &g);
}

/* A recording made before XGETBV was trapped: the program read the
 * recording host's XCR0 there. Answers an XGETBV trap (true) with it. */
static bool old_xgetbv(replayer *r, ptask *t, stop *s)
{
    if (trace_trap_insn(t->base.memfd, s->regs.rip) != 4 ||
        trace_patches_kind(&t->base.pset->p, s->regs.rip) != TRACE_SITE_XGETBV)
        return false;
    uint64_t value = r->m.xcr0;
    if ((uint32_t)s->regs.rcx == 1) {
        size_t len;
        uint8_t *x = trace_xstate_get(t->base.tid, &len);
        value &= x ? trace_xstate_bv(x) : value;
        free(x);
    }
    trace_apply_xgetbv(&s->regs, value);
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs);
    return true;
}

/* Runs t to its next stop that matters. Signals the replayed program did
 * not get at record time (SIGCHLD of replayed children) are dropped. */
static void next_stop_for(replayer *r, ptask *t, stop *s, int want_sig)
{
    if (t->parked && !rep_sig_unpark(t)) {
        *s = t->park;
        t->parked = false;
        if (!rep_sb_skip_end(r, t, s))
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
        int req = t->sysemu && !t->in_syscall && !t->want_real && !t->sb_execs
                      ? PTRACE_SYSEMU
                      : PTRACE_SYSCALL;
        bool skip_exit = t->skipped && req == PTRACE_SYSCALL;
        t->skipped = false;
        /* ESRCH: killed meanwhile (exit_group of a sibling); reap it */
        bool resume = !t->resumed;
        if (resume)
            rep_sb_switch(r, t);
        t->resumed = false;
        if (resume && r->dbg)
            req = rep_dbg_resume(r, t, req);
        if ((resume &&
             ptrace((enum __ptrace_request)req, t->base.tid, NULL,
                    (void *)(long)t->resume_sig) != 0 &&
             errno != ESRCH) ||
            waitpid(t->base.tid, &s->status, __WALL) != t->base.tid) {
            s->kind = STOP_ERROR;
            return;
        }
        r->stops++;
        t->resume_sig = 0;
        if (r->dbg && (WIFEXITED(s->status) || WIFSIGNALED(s->status)))
            rep_dbg_stopped(r, t, s);
        if (WIFEXITED(s->status) || WIFSIGNALED(s->status)) {
            s->kind = STOP_EXIT;
            return;
        }
        s->sig = WSTOPSIG(s->status);
        ptrace(PTRACE_GETREGS, t->base.tid, NULL, &s->regs);
        if (r->dbg && rep_dbg_stopped(r, t, s))
            continue; /* a breakpoint or step of gdb's */
        if (s->sig == (SIGTRAP | 0x80)) {
            if (skip_exit)
                continue; /* the emulated call's, already handled */
            t->in_syscall = !t->in_syscall;
            t->emu_entry = t->in_syscall && (req == PTRACE_SYSEMU ||
                                             req == PTRACE_SYSEMU_SINGLESTEP);
            s->kind = STOP_SYSCALL;
            int x = rep_sb_exec_stop(r, t, s);
            if (x > 0)
                continue; /* a buffered mmap or munmap, run */
            if (x < 0)
                s->kind = STOP_ERROR;
            return;
        }
        if (s->status >> 16) {
            s->kind = STOP_EVENT;
            return;
        }
        int gs = rep_sig_group_stop(t, s);
        if (gs > 0)
            return;
        if (gs < 0 ||
            ((s->sig == SIGCHLD || s->sig == SIGSTOP) && s->sig != want_sig))
            continue;
        if (s->sig == SIGILL && !r->xgetbv_events && old_xgetbv(r, t, s))
            continue;
        if (s->sig == SIGBUS && want_sig != SIGBUS &&
            rep_mem_past_eof_tripped(r, t, s))
            continue;
        s->kind = STOP_SIGNAL;
        return;
    }
}

static void next_stop(replayer *r, ptask *t, stop *s)
{
    next_stop_for(r, t, s, 0);
}

static const char *stop_name(const stop *s, char *buf, size_t n);

ptask *rep_task(replayer *r, uint32_t rec_tid)
{
    ptask *t = task_of(r, rec_tid);
    return t && !t->doomed ? t : NULL;
}

void rep_next_stop(replayer *r, ptask *t, stop *s)
{
    next_stop(r, t, s);
}

static bool reenter(replayer *r, ptask *t, stop *s);

bool rep_reenter(replayer *r, ptask *t, stop *s)
{
    return reenter(r, t, s);
}

const char *rep_stop_name(const stop *s, char *buf, size_t n)
{
    return stop_name(s, buf, n);
}

static bool expect_syscall(replayer *r, ptask *t, stop *s, uint32_t nr,
                           bool entry);

bool rep_skip_call(replayer *r, ptask *t, stop *s, int64_t ret)
{
    if (t->emu_entry) {
        t->emu_entry = false;
        t->in_syscall = false;
        t->skipped = true;
        s->regs.rax = (uint64_t)ret;
        return ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs) == 0;
    }
    uint32_t nr = (uint32_t)s->regs.orig_rax;
    s->regs.orig_rax = (uint64_t)-1;
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs);
    if (!expect_syscall(r, t, s, nr, false))
        return false;
    s->regs.rax = (uint64_t)ret;
    return ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs) == 0;
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
    next_stop(r, t, s);
    /* the kernel runs the low 32 bits of the number (syscall(-1)) */
    if (s->kind == STOP_SYSCALL && t->in_syscall == entry &&
        ((uint32_t)s->regs.orig_rax == nr || !entry))
        return true;
    char want[64];
    snprintf(want, sizeof(want), "%s %s", trace_syscall_name(nr, nb),
             entry ? "entry" : "exit");
    return rep_mismatch(r, t, want, stop_name(s, buf, sizeof(buf)), "stop");
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
    next_stop(r, t, s);
    if (s->kind == STOP_SYSCALL && !t->in_syscall)
        next_stop(r, t, s);
    t->sysemu = true;
    if (s->kind == STOP_SYSCALL && t->in_syscall && s->regs.orig_rax == nr)
        return true;
    return rep_diverge(r, t, "cannot re-enter %s, got %s",
                       trace_syscall_name((long)nr, nb),
                       stop_name(s, buf, sizeof(buf)));
}

/* ------------------------------------------------------------------ */
/* Files                                                              */

/* Checks that an external file is still the one recorded and opens it. */
int rep_open_recorded(replayer *r, ptask *t, const rrt_file_entry *f)
{
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        rep_fail_at(r, t,
                    "%s: %s; the recording references it (run `rrt pack` "
                    "on the recording machine to embed referenced files)",
                    f->path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int64_t mtime =
        (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    if (!r->o->force &&
        ((uint64_t)sb.st_dev != f->dev || (uint64_t)sb.st_ino != f->ino ||
         (uint64_t)sb.st_size != f->size || mtime != f->mtime_ns)) {
        rep_fail_at(r, t,
                    "%s changed since it was recorded (dev/ino/size/mtime "
                    "%llu/%llu/%llu/%lld, now %llu/%llu/%llu/%lld); run `rrt "
                    "pack` on the recording machine, or --force",
                    f->path, (unsigned long long)f->dev,
                    (unsigned long long)f->ino, (unsigned long long)f->size,
                    (long long)f->mtime_ns, (unsigned long long)sb.st_dev,
                    (unsigned long long)sb.st_ino,
                    (unsigned long long)sb.st_size, (long long)mtime);
        close(fd);
        return -1;
    }
    return fd;
}

/* Private file mappings at least this long map the verified host file
 * itself (rep_mem_map_file: one stop of the tracee)
 * rather than copy its bytes through /proc/PID/mem; shorter ones copy. */
#define MAP_DIRECT_MIN ((uint64_t)64 << 10)

/* Fills a mapping replay created anonymously (e's, at its exit stop) with
 * the recorded file's bytes, from the archive or from the referenced file,
 * feeding them to cs (if started) so that patching knows the region
 * without reading it. A long private mapping of a referenced file that is
 * still the one recorded maps that file instead (not with --force: its
 * bytes may differ), still feeding cs the file's bytes when patching CPUID
 * needs them (cheaper than writing them). */
static bool fill_mapping(replayer *r, ptask *t, const rrt_ev_syscall *e,
                         trace_code_stream *cs)
{
    uint64_t index = e->file_index, addr = (uint64_t)e->ret, len = e->args[1];
    uint64_t off = e->args[5];
    rrt_file_entry f = {0};
    rrt_error err;
    if (rrt_reader_file(r->rd, (size_t)index, &f, &err) != RRT_OK)
        return rep_fail_at(r, t, "file %llu: %s", (unsigned long long)index,
                           err.message);
    int fd = -1;
    bool ok = false, direct = false;
    size_t bufsize = 1u << 20;
    uint8_t *buf = NULL;
    if ((f.flags & RRT_FILE_EXTERNAL) && (fd = rep_open_recorded(r, t, &f)) < 0)
        goto out;
    if (fd >= 0 && !r->o->force && len >= MAP_DIRECT_MIN)
        direct = rep_mem_map_file(t, fd, f.size, e) > 0;
    if (direct)
        r->maps_direct++;
    else
        r->maps_copied++;
    bool feed = cs->ok && t->base.pset->p.want == TRACE_SITE_CPUID;
    if (direct && !feed) {
        cs->ok = false;
        ok = true;
        goto out;
    }
    if (!(buf = malloc(bufsize)))
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
            rep_fail_at(r, t, "%s", err.message);
            goto out;
        }
        if (got == 0 ||
            (!direct &&
             !trace_mem_write(t->base.memfd, addr + (pos - off), buf, got))) {
            rep_fail_at(r, t, "%s: cannot map offset %llu", f.path,
                        (unsigned long long)pos);
            goto out;
        }
        if (!direct)
            r->map_bytes_copied += got;
        trace_code_stream_feed(cs, buf, got);
        pos += got;
    }
    /* after the file's end, its last page reads zeros (past it, SIGBUS:
     * rep_mem_past_eof; such a region takes the full path) */
    if (end < off || off + len > ((f.size + 4095) & ~(uint64_t)4095))
        cs->ok = false;
    else
        trace_code_stream_zeros(cs, off + len - end);
    ok = true;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    rrt_file_entry_clear(&f);
    return ok;
}

/* ------------------------------------------------------------------ */
/* System calls                                                       */

static bool write_outputs(replayer *r, ptask *t, const rrt_ev_syscall *e)
{
    for (size_t i = 0; i < e->n_mem; i++)
        if (!trace_mem_write(t->base.memfd, e->mem[i].addr, e->mem[i].data,
                             e->mem[i].len))
            return rep_fail_at(r, t, "cannot write %zu bytes at 0x%llx",
                               e->mem[i].len,
                               (unsigned long long)e->mem[i].addr);
    if ((e->flags & RRT_EV_SC_STDIO) && !r->o->quiet &&
        r->index >= r->hush_until) {
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
            return rep_mismatch(r, t, want, got, "%s argument %d",
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
        return rep_fail_at(r, t, "out of memory");
    bool ok = true;
    if (e->nr == SYS_write || e->nr == SYS_pwrite64) {
        ok = trace_mem_read(t->base.memfd, e->args[1], now, e->stdio_len);
    } else { /* writev, pwritev */
        size_t got = 0;
        for (uint64_t i = 0; ok && i < e->args[2] && got < e->stdio_len; i++) {
            uint64_t v[2];
            ok = trace_mem_read(t->base.memfd, e->args[1] + 16 * i, v,
                                sizeof(v));
            size_t n =
                v[1] < e->stdio_len - got ? (size_t)v[1] : e->stdio_len - got;
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
    return rep_mismatch(r, t, want, got, "bytes written to fd %llu",
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
    if (!(flags & MAP_ANONYMOUS) && !(e->flags & RRT_EV_SC_FILE)) {
        /* /dev/zero: anonymous memory, shared when MAP_SHARED */
        flags |= MAP_ANONYMOUS;
        g->r8 = (uint64_t)-1;
        g->r9 = 0;
    } else if (e->flags & RRT_EV_SC_FILE) {
        bool shared = trace_map_shared_writable(flags, e->args[2]);
        flags = (flags & ~(uint64_t)(MAP_SHARED | MAP_PRIVATE)) |
                (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS;
        g->r8 = (uint64_t)-1;
        g->r9 = 0;
    }
    g->r10 = flags;
}

/* t set its alternate stack from the stack_t at ss: frames keep the flags
 * it was given (sigaltstack reports SS_DISABLE or SS_ONSTACK instead). */
static void note_altstack(ptask *t, uint64_t ss)
{
    uint32_t flags;
    if (ss && trace_mem_read(t->base.memfd, ss + 8, &flags, 4))
        t->alt_flags = flags;
}

static bool reap_doomed(replayer *r, ptask *t);

/* t, not its process's leader, runs execve for real: the kernel ends the
 * leader, without a report, and gives t the leader's id, by which the
 * recording names it from its EXEC event on. */
static void exec_from_thread(replayer *r, ptask *t, pid_t leader)
{
    if (leader <= 0 || leader == t->base.tid)
        return;
    /* into the exec under its own id; its stop comes under the leader's */
    if (!t->resumed && ptrace(PTRACE_SYSCALL, t->base.tid, NULL, NULL) == 0)
        t->resumed = true;
    for (ptask *l = first_task(r); l; l = next_task(l)) {
        if (l->base.tid != leader)
            continue;
        t->base.rec_tid = l->base.rec_tid;
        remove_task(r, l);
        break;
    }
    t->base.tid = leader;
}

static bool execute(replayer *r, ptask *t, const rrt_ev_syscall *e, stop *s)
{
    if (!rep_sb_before_real(r, t, e->nr, s))
        return false;
    if (e->nr == SYS_mmap) {
        rewrite_mmap(e, &s->regs);
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs);
    }
    bool shm = e->nr == SYS_shmat || e->nr == SYS_shmdt;
    if (shm) {
        rep_shm_rewrite(e, t->base.tid, &s->regs);
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs);
    }
    bool exec = e->nr == SYS_execve || e->nr == SYS_execveat;
    if (e->nr == SYS_execveat) {
        if (!rep_execveat_as_execve(r, t, &s->regs))
            return rep_fail_at(r, t, "execveat: no recorded file to run");
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs);
    }
    if (exec) {
        /* (before the exec may run and take t's own id away) */
        pid_t leader = trace_tgid(t->base.tid);
        uint64_t swapped = rep_sub_execve(r, t, s->regs.rdi);
        if (rep_stopped(r) || !reap_doomed(r, t))
            return false;
        exec_from_thread(r, t, leader);
        next_stop(r, t, s);
        /* a vfork parent shares the memory the path was swapped in; the
         * write fails harmlessly when the old address space is gone */
        if (swapped)
            trace_mem_write(t->base.memfd, swapped, r->sub.rec_path,
                            strlen(r->sub.rec_path));
        char buf[256];
        if (s->kind == STOP_SYSCALL && is_err((int64_t)s->regs.rax))
            return rep_mismatch(r, t, "success",
                                strerror((int)-(int64_t)s->regs.rax), "execve");
        if (s->kind != STOP_EVENT)
            return rep_diverge(r, t, "execve did not exec (%s)",
                               stop_name(s, buf, sizeof(buf)));
    }
    if (!expect_syscall(r, t, s, e->nr, false))
        return false;
    bool layout = e->nr == SYS_mmap || e->nr == SYS_mremap ||
                  e->nr == SYS_brk || e->nr == SYS_munmap ||
                  e->nr == SYS_mprotect || shm;
    if (layout && (int64_t)s->regs.rax != e->ret) {
        char want[24], got[24];
        snprintf(want, sizeof(want), "0x%llx", (unsigned long long)e->ret);
        snprintf(got, sizeof(got), "0x%llx", s->regs.rax);
        return rep_mismatch(r, t, want, got, "%s result",
                            trace_syscall_desc(e->nr)->name);
    }
    if (!layout && !exec) {
        /* e.g. set_tid_address returns the (recorded) thread id */
        s->regs.rax = (uint64_t)e->ret;
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs);
    }
    if (exec) {
        close(t->base.memfd);
        t->base.memfd = trace_mem_open(t->base.tid);
        trace_pset_unref(t->base.pset); /* a new address space */
        t->base.pset = trace_pset_new();
        if (t->base.pset)
            t->base.pset->p.want = r->patch_kinds;
        return t->base.pset || rep_fail_at(r, t, "out of memory");
    }
    trace_code_stream cs = {0}; /* the bytes fill_mapping writes */
    if (e->nr == SYS_mmap && (e->flags & RRT_EV_SC_FILE)) {
        int shared = rep_mem_shared_mmap(r, t, e);
        if (!shared && r->patch_kinds && (e->args[2] & PROT_EXEC) &&
            !is_err(e->ret))
            trace_code_stream_init(&cs);
        bool ok = shared >= 0 && (shared || (fill_mapping(r, t, e, &cs) &&
                                             rep_mem_past_eof(r, t, e)));
        if (!ok) {
            trace_code_stream_free(&cs);
            return false;
        }
    }
    if (e->n_mem) /* recorded memory written below: not the file's bytes */
        trace_code_stream_free(&cs);
    if (e->nr == SYS_sigaltstack)
        note_altstack(t, e->args[0]);
    if (e->nr == SYS_shmat && (!write_outputs(r, t, e) ||
                               !rep_shm_filled(e, t->base.tid, t->base.memfd)))
        return rep_stopped(r) ||
               rep_fail_at(r, t, "shmat: cannot protect the segment at 0x%llx",
                           (unsigned long long)e->ret);
    /* memory the call left that running it again does not (file contents
     * behind madvise and mremap: record/memory.c) */
    if (e->nr != SYS_shmat && e->n_mem && !write_outputs(r, t, e))
        return false;
    uint64_t prot = 0, start = 0, len = 0;
    if (e->nr == SYS_mmap)
        prot = e->args[2], start = (uint64_t)e->ret, len = e->args[1];
    else if (e->nr == SYS_mprotect)
        prot = e->args[2], start = e->args[0], len = e->args[1];
    long patched = 0;
    if (r->patch_kinds && (prot & PROT_EXEC) && !is_err(e->ret))
        patched = trace_patch_known(t->base.memfd, start, len, &t->base.pset->p,
                                    &r->sites, &cs);
    trace_code_stream_free(&cs);
    if (patched < 0)
        return rep_fail_at(r, t, "cannot patch CPUID and XGETBV at 0x%llx",
                           (unsigned long long)start);
    return true;
}

static bool do_clone(replayer *r, ptask *t, uint32_t rec_child, uint64_t flags);

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
    if (!trace_mem_read(t->base.memfd, mask, &t->suspend_mask, 8))
        t->suspend_mask = 0;
    t->suspend_args[0] = s->regs.rdi;
    t->suspend_args[1] = s->regs.rsi;
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

/* rt_sigreturn from a frame in the recording host's layout (replay wrote
 * every frame so), as that host's kernel did: registers, mask and FP
 * state from the frame, the state translated into this host's layout.
 * The call itself, at its real entry, becomes the sigaltstack that
 * restores the frame's alternate stack (restore_altstack). */
static bool emulate_sigreturn(replayer *r, ptask *t, const rrt_ev_syscall *e,
                              stop *s)
{
    pid_t tid = t->base.tid;
    char buf[256];
    if (!reenter(r, t, s))
        return false;
    size_t xlen;
    uint8_t *x = trace_xstate_get(tid, &xlen);
    trace_sigreturn sr;
    if (!x || !trace_sigreturn_read(t->base.memfd, &s->regs, &r->rec_layout, x,
                                    xlen, &r->host_layout, &sr)) {
        free(x);
        return rep_diverge(r, t,
                           "rt_sigreturn: no frame the recording "
                           "host's kernel would take at 0x%llx",
                           s->regs.rsp - 8);
    }
    s->regs.orig_rax = SYS_sigaltstack;
    s->regs.rdi = sr.uc_stack;
    s->regs.rsi = 0;
    ptrace(PTRACE_SETREGS, tid, NULL, &s->regs);
    next_stop(r, t, s);
    bool ok = s->kind == STOP_SYSCALL && !t->in_syscall;
    if (ok && s->regs.rax == 0)
        note_altstack(t, sr.uc_stack);
    if (ok)
        ok = ptrace(PTRACE_SETREGS, tid, NULL, &sr.regs) == 0 &&
             trace_xstate_set(tid, x, xlen) &&
             ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(sr.mask),
                    &sr.mask) == 0;
    free(x);
    if (!ok)
        return rep_diverge(r, t, "rt_sigreturn: %s",
                           stop_name(s, buf, sizeof(buf)));
    if ((int64_t)sr.regs.rax != e->ret) {
        char want[24], got[24];
        snprintf(want, sizeof(want), "%lld", (long long)e->ret);
        snprintf(got, sizeof(got), "%lld", (long long)sr.regs.rax);
        return rep_mismatch(r, t, want, got, "rax restored by rt_sigreturn");
    }
    return true;
}

static bool on_syscall(replayer *r, ptask *t, const rrt_ev_syscall *e)
{
    stop s;
    char nb[32];
    if (is_clone(e->nr) && !is_err(e->ret) && !t->clone_pending &&
        !do_clone(r, t, (uint32_t)e->ret,
                  e->nr == SYS_clone   ? e->args[0]
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
        /* CLONE_PIDFD: the recorded descriptor number, not this one's */
        return write_outputs(r, t, e);
    }
    if (e->flags & RRT_EV_SC_INITIAL)
        return e->nr == SYS_execve ||
               rep_fail_at(r, t, "first event is not the initial execve");
    const trace_sc_desc *d = trace_syscall_desc(e->nr);
    if (!d)
        return rep_fail_at(r, t, "archive holds unknown system call %s",
                           trace_syscall_name(e->nr, nb));
    /* A failed call changed nothing and is emulated; rt_sigreturn's
     * "result" is the interrupted context's rax, not a status. */
    bool real = (d->mode == TRACE_SC_EXECUTE || rep_shm_real(e)) &&
                (!is_err(e->ret) || e->nr == SYS_rt_sigreturn ||
                 rep_mem_failed_but_acted(e)) &&
                !(e->flags & RRT_EV_SC_FORCED);
    t->want_real =
        real || (e->flags & RRT_EV_SC_ENTRY_ONLY) || e->nr == SYS_rt_sigsuspend;
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
    if (e->nr == SYS_rt_sigreturn)
        return emulate_sigreturn(r, t, e, &s);
    if (e->nr == SYS_rt_sigsuspend) {
        /* It only ends by a signal: the next SIGNAL event sends it. */
        if (!reenter(r, t, &s))
            return false;
        if (!trace_mem_read(t->base.memfd, s.regs.rdi, &t->suspend_mask, 8))
            t->suspend_mask = 0;
        t->sigsuspend = true;
        t->suspend_nr = 0;
        return true;
    }
    if (interrupted_with_mask(r, t, e, &s))
        return !rep_stopped(r);
    return real ? reenter(r, t, &s) && execute(r, t, e, &s)
                : emulate(r, t, e, &s) && rep_mem_emulated(r, t, e);
}

/* ------------------------------------------------------------------ */
/* Other events                                                       */

/* The instruction traps replay expects an event to end at. */
enum { TRAP_RDTSC, TRAP_CPUID, TRAP_XGETBV };

static bool on_trap(replayer *r, ptask *t, int want, stop *s)
{
    static const char *const names[] = {"RDTSC", "CPUID", "XGETBV"};
    char buf[256];
    next_stop(r, t, s);
    if (s->kind == STOP_SIGNAL) {
        int insn = trace_trap_insn(t->base.memfd, s->regs.rip);
        int site = trace_patches_kind(&t->base.pset->p, s->regs.rip);
        if (want == TRAP_RDTSC && s->sig == SIGSEGV && (insn == 1 || insn == 2))
            return true;
        if (want == TRAP_CPUID && s->sig == SIGSEGV && insn == 3)
            return true;
        if (want == TRAP_CPUID && s->sig == SIGILL && insn == 4 &&
            site == TRACE_SITE_CPUID)
            return true;
        if (want == TRAP_XGETBV && s->sig == SIGILL && insn == 4 &&
            site == TRACE_SITE_XGETBV)
            return true;
    }
    return rep_mismatch(r, t, names[want], stop_name(s, buf, sizeof(buf)),
                        "trap");
}

static bool on_rdtsc(replayer *r, ptask *t, const rrt_ev_rdtsc *e)
{
    stop s;
    if (!on_trap(r, t, TRAP_RDTSC, &s))
        return false;
    t->trapno = 13, t->trap_err = 0; /* #GP: RDTSC traps by PR_SET_TSC */
    trace_apply_rdtsc(&s.regs, e);
    return ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s.regs) == 0 &&
           rep_sig_trap_done(r, t, &s);
}

static bool on_cpuid(replayer *r, ptask *t, const rrt_ev_cpuid *e)
{
    stop s;
    if (!on_trap(r, t, TRAP_CPUID, &s))
        return false;
    uint32_t leaf = (uint32_t)s.regs.rax, sub = (uint32_t)s.regs.rcx;
    if (leaf != e->leaf ||
        (rrt_cpuid_leaf_is_indexed(leaf) && sub != e->subleaf)) {
        char want[32], got[32];
        snprintf(want, sizeof(want), "0x%x.%u", e->leaf, e->subleaf);
        snprintf(got, sizeof(got), "0x%x.%u", leaf, sub);
        return rep_mismatch(r, t, want, got, "CPUID leaf");
    }
    t->trapno = r->cpuid_trapno, t->trap_err = 0;
    uint32_t regs[4] = {e->regs[0], e->regs[1], e->regs[2], e->regs[3]};
    trace_cpuid_xsave_floor(leaf, sub, regs);
    trace_apply_cpuid(&s.regs, regs);
    return ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s.regs) == 0 &&
           rep_sig_trap_done(r, t, &s);
}

static bool on_xgetbv(replayer *r, ptask *t, const rrt_ev_xgetbv *e)
{
    stop s;
    if (!on_trap(r, t, TRAP_XGETBV, &s))
        return false;
    if ((uint32_t)s.regs.rcx != e->xcr) {
        char want[16], got[16];
        snprintf(want, sizeof(want), "XCR%u", e->xcr);
        snprintf(got, sizeof(got), "XCR%u", (uint32_t)s.regs.rcx);
        return rep_mismatch(r, t, want, got, "XGETBV register");
    }
    t->trapno = 6, t->trap_err = 0; /* #UD at the patched site */
    trace_apply_xgetbv(&s.regs, e->value);
    return ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s.regs) == 0 &&
           rep_sig_trap_done(r, t, &s);
}

/* A fault's signal: the kernel noted the page fault's address for the
 * frame's sigcontext (the error code is not recorded: its user bit). */
static void note_fault(ptask *t, const rrt_ev_signal *e)
{
    if (e->signo != SIGSEGV && e->signo != SIGBUS)
        return;
    siginfo_t si;
    memcpy(&si, e->siginfo, sizeof(si));
    t->trapno = 14;
    t->trap_err = 4;
    t->cr2 = (uint64_t)(uintptr_t)si.si_addr;
}

/* The SIGNAL_FRAME that follows the current SIGNAL event of task tid, if
 * any; its frame is copied into *owned. */
bool rep_peek_event(replayer *r, rrt_event *ev)
{
    rrt_error err;
    return r->it && rrt_event_iter_peek(r->it, ev, &err) == RRT_OK;
}

static bool peek_frame(replayer *r, uint32_t tid, rrt_ev_signal_frame *f,
                       uint8_t **owned)
{
    rrt_event ev;
    rrt_error err;
    bool found = false;
    *owned = NULL;
    if (rep_peek_event(r, &ev) && ev.type == RRT_EV_SIGNAL_FRAME &&
        rrt_ev_decode_signal_frame(ev.data, ev.len, f, &err) == RRT_OK &&
        f->tid == tid && (*owned = malloc(f->frame_len ? f->frame_len : 1))) {
        memcpy(*owned, f->frame, f->frame_len);
        f->frame = *owned;
        found = true;
    }
    return found;
}

/* Compares the frame built here with the recorded one (a test aid). */
static bool check_frame(replayer *r, ptask *t, const trace_frame *f,
                        const rrt_ev_signal_frame *rec)
{
    char want[64], got[64];
    uint64_t rsp = rec->regs[19], rip = rec->regs[16];
    r->frames_checked++;
    if (f->sp != rsp || f->regs.rip != rip) {
        snprintf(want, sizeof(want), "rsp 0x%llx rip 0x%llx",
                 (unsigned long long)rsp, (unsigned long long)rip);
        snprintf(got, sizeof(got), "rsp 0x%llx rip 0x%llx",
                 (unsigned long long)f->sp, f->regs.rip);
        return rep_mismatch(r, t, want, got, "signal frame built here");
    }
    long at = trace_frame_compare(f, rec->frame, rec->frame_len);
    if (at >= 0) {
        snprintf(want, sizeof(want), "%zu bytes", rec->frame_len);
        snprintf(got, sizeof(got),
                 "%zu bytes, byte %ld differs (0x%02x, "
                 "recorded 0x%02x)",
                 f->len, at, f->bytes[at],
                 (size_t)at < rec->frame_len ? rec->frame[at] : 0);
        return rep_mismatch(r, t, want, got, "signal frame built here");
    }
    if (f->mask != rec->mask) {
        snprintf(want, sizeof(want), "0x%llx", (unsigned long long)rec->mask);
        snprintf(got, sizeof(got), "0x%llx", (unsigned long long)f->mask);
        return rep_mismatch(r, t, want, got, "signal mask in the handler");
    }
    return true;
}

/* Runs the handler of e's signal in t, stopped at its delivery stop: with
 * the recorded frame (rec), or one built as the recording host's kernel
 * built it. Never lets this host's kernel build the frame, whose XSAVE
 * layout may differ. suspended: t was in sigsuspend, whose saved mask the
 * frame keeps. */
static bool deliver(replayer *r, ptask *t, const rrt_ev_signal *e,
                    bool suspended, const rrt_ev_signal_frame *rec)
{
    pid_t tid = t->base.tid;
    int memfd = t->base.memfd;
    trace_delivery d = {.sig = (int)e->signo,
                        .siginfo = e->siginfo,
                        .trapno = t->trapno,
                        .err = t->trap_err,
                        .cr2 = t->cr2,
                        .xsave_layout = &r->host_layout,
                        .layout = &r->rec_layout};
    uint8_t *x = NULL;
    trace_frame f = {0};
    bool ok = false;
    if (ptrace(PTRACE_GETREGS, tid, NULL, &d.regs) != 0 ||
        ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(d.blocked), &d.blocked) !=
            0 ||
        !(x = trace_xstate_get(tid, &d.xsave_len)) ||
        /* these run system calls in t, which drop the signal */
        !trace_sigaction_get(tid, memfd, d.sig, &d.act) ||
        !trace_altstack_get(tid, memfd, &d.alt)) {
        rep_fail_at(r, t, "cannot read the state signal %d is delivered in",
                    d.sig);
        goto out;
    }
    /* in sigsuspend the kernel blocks the call's mask, and reports (and
     * the frame saves) the one it restores afterwards */
    d.saved = d.blocked;
    if (suspended)
        d.blocked = t->suspend_mask;
    d.alt.flags = t->alt_flags;
    d.xsave = x;
    bool built = trace_frame_build(memfd, &d, &f);
    bool use_rec = rec && !r->o->frame_pad_for_tests;
    if (!built && !use_rec) {
        ok = rep_sig_no_room(r, t, d.sig, d.blocked);
        goto out;
    }
    if (use_rec && r->o->check_frames_for_tests &&
        (!built || !check_frame(r, t, &f, rec)))
        goto out;
    if ((d.act.flags & SA_RESETHAND) &&
        !trace_sigaction_set(
            tid, memfd, d.sig,
            &(trace_sigaction){0, d.act.flags, d.act.restorer, d.act.mask})) {
        rep_fail_at(r, t, "cannot reset the action of signal %d", d.sig);
        goto out;
    }
    if (f.disarm && !trace_altstack_disarm(tid, memfd)) {
        rep_fail_at(r, t, "cannot disarm the alternate signal stack");
        goto out;
    }
    if (f.disarm)
        t->alt_flags = SS_DISABLE;
    struct user_regs_struct g = f.regs;
    uint64_t mask = f.mask;
    if (use_rec) {
        g = d.regs;
        g.rax = rec->regs[10];
        g.rdx = rec->regs[12];
        g.rsi = rec->regs[13];
        g.rdi = rec->regs[14];
        g.rip = rec->regs[16];
        g.cs = rec->regs[17];
        g.eflags = rec->regs[18];
        g.rsp = rec->regs[19];
        mask = rec->mask;
    }
    g.orig_rax = (uint64_t)-1; /* no system call restart past this point */
    trace_xstate_init(x, d.xsave_len);
    ok = (use_rec ? trace_mem_write(memfd, g.rsp, rec->frame, rec->frame_len)
                  : trace_mem_write(memfd, f.sp, f.bytes, f.len)) &&
         ptrace(PTRACE_SETREGS, tid, NULL, &g) == 0 &&
         ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(mask), &mask) == 0 &&
         trace_xstate_set(tid, x, d.xsave_len);
    if (!ok) {
        rep_fail_at(r, t, "cannot set up the handler of signal %d", d.sig);
        goto out;
    }
    t->base.trapsig.known = true; /* the handler's mask */
    t->base.trapsig.mask = mask;
    if (use_rec)
        r->frames_recorded++;
    else
        r->frames_built++;
    t->resume_sig = 0;
out:
    trace_frame_free(&f);
    free(x);
    return ok;
}

static bool on_signal(replayer *r, ptask *t, const rrt_ev_signal *e)
{
    stop s;
    char buf[256];
    if (!rep_sb_before_signal(r, t))
        return false;
    /* tkill, not tgkill(tid, tid): the task may be a thread other than
     * its process's leader, whose tgid is not its tid. */
    if (!e->sync && syscall(SYS_tkill, t->base.tid, (int)e->signo) != 0)
        return rep_fail_at(r, t, "cannot send signal %u: %s", e->signo,
                           strerror(errno));
    bool suspended = t->sigsuspend;
    if (t->sigsuspend) {
        /* the signal ends the real rt_sigsuspend the task now sleeps in */
        t->sigsuspend = false;
        next_stop_for(r, t, &s, (int)e->signo);
        if (s.kind != STOP_SYSCALL || t->in_syscall)
            return rep_diverge(r, t,
                               "rt_sigsuspend did not end by signal %u, "
                               "got %s",
                               e->signo, stop_name(&s, buf, sizeof(buf)));
        if (t->suspend_nr) {
            /* it stood for ppoll & co: give their recorded result */
            s.regs.rax = (uint64_t)t->suspend_ret;
            s.regs.orig_rax = t->suspend_nr;
            s.regs.rdi = t->suspend_args[0];
            s.regs.rsi = t->suspend_args[1];
            ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s.regs);
        }
    }
    next_stop_for(r, t, &s, (int)e->signo);
    if (s.kind != STOP_SIGNAL || s.sig != (int)e->signo) {
        char want[32];
        snprintf(want, sizeof(want), "signal %u", e->signo);
        return rep_mismatch(r, t, want, stop_name(&s, buf, sizeof(buf)),
                            "stop");
    }
    if (r->dbg)
        rep_dbg_signal(r, t, (int)e->signo);
    if (e->sync)
        note_fault(t, e);
    rrt_ev_signal_frame rec;
    uint8_t *owned = NULL;
    bool have = peek_frame(r, e->tid, &rec, &owned);
    bool caught = trace_signal_caught(t->base.tid, (int)e->signo);
    bool ok;
    if (caught)
        ok = deliver(r, t, e, suspended, have ? &rec : NULL);
    else if (have)
        ok = rep_diverge(r, t,
                         "signal %u ran a handler at record time; "
                         "here it has none",
                         e->signo);
    else {
        /* default action or ignored: the kernel acts, with no frame */
        ptrace(PTRACE_SETSIGINFO, t->base.tid, NULL, (void *)e->siginfo);
        t->resume_sig = (int)e->signo;
        ok = true;
    }
    free(owned);
    return ok;
}

static bool same_exit(const rrt_ev_exit *e, int status)
{
    return e->killed
               ? WIFSIGNALED(status) && (uint32_t)WTERMSIG(status) == e->code
               : WIFEXITED(status) && (uint32_t)WEXITSTATUS(status) == e->code;
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
        return rep_fail_at(r, t, "cannot resume: %s", strerror(errno));
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
                return rep_diverge(r, d, "cannot reap it: %s", strerror(errno));
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

/* t died of signal sig with its whole process (a fatal signal, which the
 * kernel turns into a group exit), maybe inside a system call. The
 * recording has the EXIT of the threads that died first before that of
 * the one that took the signal, so that one is sent on its way now: its
 * default action ends t like the others, which are then reaped as they
 * die (group_exit), never left waiting for a death (a leader's is
 * reported only after its threads'). */
static void release_fatal(replayer *r, ptask *t, int sig)
{
    pid_t tgid = trace_tgid(t->base.tid);
    if (tgid <= 0)
        return;
    bool sent = false;
    for (ptask *u = first_task(r); u; u = next_task(u)) {
        if (u == t || u->resume_sig != sig || u->resumed ||
            trace_tgid(u->base.tid) != tgid)
            continue;
        ptrace(PTRACE_SYSCALL, u->base.tid, NULL, (void *)(long)sig);
        u->resume_sig = 0;
        u->resumed = true;
        sent = true;
    }
    if (!sent && t->resume_sig != sig)
        return;
    for (ptask *u = first_task(r); u; u = next_task(u)) {
        if (trace_tgid(u->base.tid) != tgid)
            continue;
        u->group_exit = true;
        if (u->parked && u->park.kind == STOP_SYSCALL) {
            u->parked = false; /* stopped there: next_stop resumes it */
            u->in_syscall = !u->in_syscall;
        }
    }
}

/* At record time the program's seccomp filter killed the task
 * (SECCOMP_RET_KILL_*: the killed call has a FORCED event, then the task
 * died without a signal stop). Replay's own wall kills it the same way,
 * by SIGSYS, at the call it stands at; a thread with live siblings
 * (SECCOMP_RET_KILL_THREAD) dies alone, by exit(2): a signal would kill
 * its whole process. True in that second case. */
static bool die_by_wall(replayer *r, ptask *t, stop *s)
{
    pid_t tgid = trace_tgid(t->base.tid);
    bool alone = true;
    for (trace_task *b = r->tasks; b && alone; b = b->next)
        alone = b == &t->base || trace_tgid(b->tid) != tgid;
    if (!reenter(r, t, s))
        return false;
    /* exit: executed; seccomp: a call the wall never allows */
    s->regs.orig_rax = alone ? SYS_seccomp : SYS_exit;
    s->regs.rdi = 0;
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs);
    /* the kernel reports the killed call's exit stop before the death */
    for (int i = 0; i < 3 && s->kind == STOP_SYSCALL; i++)
        next_stop(r, t, s);
    return !alone;
}

static bool on_exit_event(replayer *r, ptask *t, const rrt_ev_exit *e,
                          bool root)
{
    stop s;
    char buf[256];
    if (e->killed && e->code != SIGKILL)
        release_fatal(r, t, (int)e->code);
    if (t->group_exit)
        release_exits(r, t);
    if (e->killed && e->code == SIGKILL &&
        !(t->parked && t->park.kind == STOP_EXIT)) {
        /* SIGKILL has no signal-delivery stop, so no SIGNAL event: the
         * kill(2) that sent it was emulated, and replay sends it here. */
        t->parked = false;
        syscall(SYS_tkill, t->base.tid, SIGKILL);
    }
    pid_t tgid = rep_sig_exit_begin(r, t, e);
    next_stop(r, t, &s);
    bool thread_only = false;
    if (s.kind == STOP_SYSCALL && t->in_syscall && e->killed &&
        e->code == SIGSYS)
        thread_only = die_by_wall(r, t, &s);
    /* (the syscall buffer: it asks for records the recording never got,
     * made between the exit_group and the kill) */
    if ((s.kind == STOP_SYSCALL && (t->in_syscall || rep_sb_library_stop(&s)) &&
         t->group_exit) ||
        rep_sig_exit_stale(t, e, &s)) {
        /* At record time a sibling's exit_group ended the task inside
         * this call (a thread pool's futex wait), which so has no event;
         * the real exit_group, already run, ends it the same way here:
         * its SIGKILL wakes the task from this stop. */
        do {
            if (waitpid(t->base.tid, &s.status, __WALL) != t->base.tid) {
                s.kind = STOP_ERROR;
                break;
            }
            s.kind = WIFEXITED(s.status) || WIFSIGNALED(s.status) ? STOP_EXIT
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
    bool same = s.kind == STOP_EXIT && (same_exit(e, s.status) ||
                                        (thread_only && WIFEXITED(s.status)));
    if (!same) {
        char want[48];
        snprintf(want, sizeof(want), "%s %u",
                 e->killed ? "death by signal" : "exit with status", e->code);
        return rep_mismatch(r, t, want, stop_name(&s, buf, sizeof(buf)),
                            "end of task");
    }
    if (root) {
        r->exit_code = e->killed ? 128 + (int)e->code : (int)e->code;
        r->exited = true;
    }
    rep_sig_exit_end(r, tgid, e);
    remove_task(r, t);
    return true;
}

/* The recording of t stopped here (it outlived the program's first
 * process, and rrt record was told to stop): it ends here too. SIGKILL
 * ends its whole process; the recording detached a process's threads
 * before its leader, whose death is reported only after theirs. */
static bool on_detach(replayer *r, ptask *t)
{
    syscall(SYS_tkill, t->base.tid, SIGKILL);
    t->parked = false;
    int st;
    pid_t p;
    do
        p = waitpid(t->base.tid, &st, __WALL);
    while (p == t->base.tid && !WIFEXITED(st) && !WIFSIGNALED(st));
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
    next_stop(r, t, &s);
    t->want_real = false;
    long nr = (long)s.regs.orig_rax;
    if (s.kind != STOP_SYSCALL || !t->in_syscall ||
        (nr != SYS_clone && nr != SYS_fork && nr != SYS_vfork))
        return rep_mismatch(r, t, "a clone", stop_name(&s, buf, sizeof(buf)),
                            "stop");
    if (!reenter(r, t, &s))
        return false;
    /* Traced all the same, as at record time (CLONE_UNTRACED); and the
     * namespaces were entered at record time: here the child stays in
     * replay's (its ids and results come from the archive). */
    uint64_t drop = CLONE_UNTRACED | CLONE_NEWNS | CLONE_NEWCGROUP |
                    CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
                    CLONE_NEWNET;
    if (nr == SYS_clone && (s.regs.rdi & drop)) {
        s.regs.rdi &= ~drop;
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s.regs);
    }
    uint64_t ptid = s.regs.rdx, ctid = s.regs.r10;
    next_stop(r, t, &s);
    unsigned long child;
    if (s.kind != STOP_EVENT ||
        ptrace(PTRACE_GETEVENTMSG, t->base.tid, NULL, &child) != 0)
        return rep_diverge(r, t, "clone created no task (%s)",
                           stop_name(&s, buf, sizeof(buf)));
    ptask *c = add_task(r, rec_child, (pid_t)child);
    if (!c)
        return rep_fail_at(r, t, "out of memory");
    c->sysemu = t->sysemu;
    c->trapno = t->trapno, c->trap_err = t->trap_err, c->cr2 = t->cr2;
    /* copy_process: a task sharing the address space gets no alternate
     * stack; a fork keeps its parent's */
    c->alt_flags = (flags & (CLONE_VM | CLONE_VFORK)) == CLONE_VM
                       ? SS_DISABLE
                       : t->alt_flags;
    c->base.pset = flags & CLONE_VM ? trace_pset_ref(t->base.pset)
                                    : trace_pset_copy(t->base.pset);
    c->sb_th_valid = (flags & CLONE_VM) != 0;
    if (!rep_sb_clone(r, t, c, flags))
        return false;
    trace_trapsig_inherit(&c->base, &t->base);
    int st;
    if (!c->base.pset)
        return rep_fail_at(r, t, "out of memory");
    if (waitpid(c->base.tid, &st, __WALL) != c->base.tid || !WIFSTOPPED(st))
        return rep_diverge(r, c, "new task did not stop");
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
        void *p =
            f->size ? mmap(NULL, (size_t)f->size, PROT_READ, MAP_PRIVATE, fd, 0)
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
           rep_fail_at(r, t,
                       "%s on this machine differs from the binary "
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
        return rep_fail_at(r, t, "%s", err.message);
    if (f.flags & RRT_FILE_EXTERNAL) {
        int fd = rep_open_recorded(r, t, &f);
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
        return rep_fail_at(r, t, "cannot set up the auxiliary vector");
    if (!rep_vdso_check(r, t, e, &now))
        return false;
    snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)t->base.tid);
    bool substituted = r->sub.active && r->sub.task == t;
    /* What a substitution ran is the recorded bytes by construction;
     * the rest (a script's interpreter named by the host, an ELF
     * interpreter only referenced) is checked like any host file. */
    bool own_exe = substituted && (!r->sub.script || r->sub.script_interp);
    bool own_ld = substituted && r->sub.has_interp;
    if (substituted && !rep_sub_finish(r, t, &r->sub, &now))
        return false;
    if ((!own_exe && !check_exec_file(r, t, e->exe_file, exe)) ||
        (e->has_interp && !own_ld &&
         !check_exec_file(r, t, e->interp_file, NULL)))
        return false;
    if (r->mode == TRACE_CPUID_FAULT &&
        !trace_cpuid_arm_fault(t->base.tid, t->base.memfd))
        return rep_fail_at(r, t,
                           "cannot enable CPUID faulting "
                           "(try --cpuid-mode=patch)");
    /* The files exec mapped are fresh mappings of host files (checked
     * above), so the identity index may know them, as when recording;
     * not what a substitution ran, a temporary copy made anew each time. */
    r->sites.by_identity = !substituted;
    long patched = r->patch_kinds ? trace_patch_all(t->base.tid, t->base.memfd,
                                                    &t->base.pset->p, &r->sites)
                                  : 0;
    r->sites.by_identity = false;
    if (patched < 0)
        return rep_fail_at(r, t, "cannot patch CPUID and XGETBV instructions");
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
    rep_notify(r, REP_NOTE_EVENT, line);
}

static bool need_task(replayer *r, uint32_t rec_tid, ptask **t)
{
    *t = task_of(r, rec_tid);
    if (*t && (*t)->doomed)
        return rep_diverge(r, *t, "event names task %u, which ended earlier",
                           rec_tid);
    return *t ||
           rep_diverge(r, NULL, "event names task %u, which does not exist",
                       rec_tid);
}

static bool apply(replayer *r, const rrt_event *ev, uint32_t root)
{
    r->counts[ev->type < 32 ? ev->type : 0]++;
    bool sb_ok;
    if (rep_sb_event(r, ev, &sb_ok))
        return sb_ok;
    rrt_ev_any any;
    rrt_error err;
    rrt_status st = rrt_ev_decode_any(ev->type, ev->data, ev->len, &any, &err);
    if (st == RRT_E_UNSUPPORTED)
        return true; /* a newer producer's event: nothing to do */
    if (st != RRT_OK)
        return rep_fail_at(r, NULL, "%s", err.message);
    ptask *t;
    bool ok = true;
    switch (any.type) {
    case RRT_EV_SYSCALL:
        ok = need_task(r, any.u.syscall.tid, &t) &&
             on_syscall(r, t, &any.u.syscall);
        if (ok) {
            ok = rep_sb_after_syscall(r, t, &any.u.syscall);
            rep_sig_after_call(r, t, &any.u.syscall);
        }
        break;
    case RRT_EV_RDTSC:
        ok = need_task(r, any.u.rdtsc.tid, &t) && on_rdtsc(r, t, &any.u.rdtsc);
        break;
    case RRT_EV_CPUID:
        ok = need_task(r, any.u.cpuid.tid, &t) && on_cpuid(r, t, &any.u.cpuid);
        break;
    case RRT_EV_XGETBV:
        ok = need_task(r, any.u.xgetbv.tid, &t) &&
             on_xgetbv(r, t, &any.u.xgetbv);
        break;
    case RRT_EV_SIGNAL:
        ok = need_task(r, any.u.signal.tid, &t) &&
             on_signal(r, t, &any.u.signal);
        break;
    case RRT_EV_EXIT:
        ok = need_task(r, any.u.exit.tid, &t) &&
             on_exit_event(r, t, &any.u.exit, any.u.exit.tid == root);
        break;
    case RRT_EV_CLONE:
        ok = need_task(r, any.u.clone.parent, &t) &&
             on_clone(r, t, &any.u.clone);
        break;
    case RRT_EV_EXEC:
        ok = need_task(r, any.u.exec.tid, &t) && on_exec(r, t, &any.u.exec);
        break;
    case RRT_EV_SHARED_WRITE:
        ok = need_task(r, any.u.shared_write.tid, &t) &&
             rep_mem_shared_write(r, t, &any.u.shared_write);
        break;
    case RRT_EV_DETACH:
        ok = need_task(r, any.u.detach.tid, &t) && on_detach(r, t);
        break;
    case RRT_EV_PREEMPT:
        /* the task gave way at the trap it stopped at: it does not run on
         * before the next task's event, but from its resume (which
         * order_tasks makes it the lazy task at) */
        if (!any.u.preempt.resume && r->lazy &&
            r->lazy->base.rec_tid == any.u.preempt.tid)
            r->lazy = NULL;
        /* a yield of the syscall buffer's: the task left its park */
        if (any.u.preempt.resume && (t = rep_task(r, any.u.preempt.tid)))
            ok = rep_sb_resume(r, t);
        break;
    default:
        /* EXEC_SCRIPT: read ahead with its EXEC (rep_peek_exec);
         * SIGNAL_FRAME: read by the SIGNAL before it; SHARED_MAP: read
         * ahead by its mmap (rep_mem_shared_mmap) */
        break;
    }
    rrt_ev_any_clear(&any);
    return ok;
}

/* Runs the freshly spawned root to the exit stop of its execve. */
static bool start_root(replayer *r, ptask *t)
{
    stop s;
    bool exec_seen = false;
    for (;;) {
        next_stop(r, t, &s);
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
        rep_failed(r, r->err.status, "cannot compare CPUs: %s", r->err.message);
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
        rep_notify(r, REP_NOTE_HOST, text ? text : "");
        free(text);
    }
out:
    rrt_compat_clear(&c);
    rrt_cpuid_manifest_clear(&rec);
    rrt_cpuid_manifest_clear(&host);
    return ok;
}

/* What replay patches: CPUID sites where CPUID does not fault; XGETBV
 * sites where the recording has their events, or where this host's XCR0
 * is not the one the program read at record time. */
static bool setup_traps(replayer *r)
{
    if (rrt_reader_cpuid(r->rd, &r->m, &r->err) != RRT_OK)
        return rep_failed(r, r->err.status, "%s", r->err.message);
    const char *x = rrt_reader_meta_get(r->rd, "record.xgetbv");
    r->xgetbv_events = x && strcmp(x, "trapped") == 0;
    r->patch_kinds = trace_patch_kinds(r->mode);
    if (!r->xgetbv_events && trace_host_xcr0() == r->m.xcr0)
        r->patch_kinds &= ~(unsigned)TRACE_SITE_XGETBV;
    /* 1: the library's first protocol; 2: it also asks the replayer to
     * run buffered mmap and munmap (SB_NR_EXEC); 3: brk and mprotect too.
     * Later ones are refused here rather than met as a divergence at
     * their first new request. */
    const char *sb = rrt_reader_meta_get(r->rd, "record.syscallbuf");
    if (sb && strcmp(sb, "1") != 0 && strcmp(sb, "2") != 0 &&
        strcmp(sb, "3") != 0)
        return rep_failed(r, RRT_E_UNSUPPORTED,
                          "%s: recorded with syscall buffer protocol %s, "
                          "which this rrt does not know (it knows 1 to 3): "
                          "replay it with a newer rrt",
                          r->o->archive, sb);
    const char *mode = rrt_reader_meta_get(r->rd, "record.cpuid_mode");
    r->cpuid_trapno =
        mode && strcmp(mode, "fault") == 0 ? 13 : 6; /* #GP, #UD */
    if (!trace_xlayout_host(&r->host_layout))
        return rep_failed(r, RRT_E_UNSUPPORTED,
                          "this host has no XSAVE: rrt cannot replay here");
    if (!trace_xlayout_from_manifest(&r->m, &r->rec_layout)) {
        rep_warn_once(r, r->o->archive,
                      "the recording does not describe its "
                      "host's XSAVE layout; signal frames "
                      "use this host's");
        r->rec_layout = r->host_layout;
    }
    uint32_t pad = r->o->frame_pad_for_tests;
    for (unsigned i = 2; pad && i < TRACE_XSTATE_COMPONENTS; i++)
        if ((r->rec_layout.xfeatures >> i) & 1)
            r->rec_layout.off[i] += pad;
    r->rec_layout.size += pad;
    return true;
}

static bool spawn(replayer *r, ptask **root)
{
    const char *exe = rrt_reader_meta_get(r->rd, "exe");
    const char *argv_s = rrt_reader_meta_get(r->rd, "argv");
    const char *env_s = rrt_reader_meta_get(r->rd, "env");
    const char *cwd = rrt_reader_meta_get(r->rd, "cwd");
    if (!exe || !argv_s || !env_s)
        return rep_failed(r, RRT_E_CORRUPT,
                          "%s: not a recording (no exe/argv/env metadata)",
                          r->o->archive);
    size_t na, ne;
    char **argv = rrt_list_decode(argv_s, &na);
    char **envp = rrt_list_decode(env_s, &ne);
    bool ok = false;
    if (!argv || !envp) {
        rep_failed(r, RRT_E_NOMEM, "out of memory");
        goto out;
    }
    if (cwd && chdir(cwd) != 0)
        rep_warn_once(r, cwd, "cannot enter the recorded working directory");
    int cpu = r->o->cpu;
    if (cpu == -2)
        cpu = sched_getcpu() < 0 ? 0 : sched_getcpu();
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        sched_setaffinity(0, sizeof(set), &set);
    }
    trace_spawn_opts so = {.path = exe,
                           .argv = argv,
                           .envp = envp,
                           .cpu = cpu,
                           .seccomp_wall = true};
    if (!rep_signals_meta(r, &so))
        goto out;
    rrt_ev_exec ex;
    uint64_t script;
    bool have_ex = rep_peek_exec(r, 0, &ex, &script);
    if (have_ex && rep_sub_prepare(r, NULL, &r->sub, exe, &ex, script))
        so.path = r->sub.path;
    else if (have_ex && !rep_stopped(r))
        /* the host's file runs: say why not, rather than fail the exec */
        check_exec_file(r, NULL, ex.exe_file, NULL);
    if (rep_stopped(r))
        goto out;
    pid_t pid = trace_spawn(&so);
    if (pid < 0) {
        rep_failed(r, RRT_E_IO, "cannot start %s: %s", exe, strerror(errno));
        goto out;
    }
    if (!rep_mem_spawned(r, pid)) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        goto out;
    }
    *root = add_task(r, 0, pid);
    if (*root)
        (*root)->base.pset = trace_pset_new();
    if (*root && (*root)->base.pset)
        (*root)->base.pset->p.want = r->patch_kinds;
    if (*root && r->sub.active)
        r->sub.task = *root;
    if (!*root || !(*root)->base.pset || !start_root(r, *root)) {
        rep_failed(r, RRT_E_IO, "cannot execute %s", exe);
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
    case RRT_EV_XGETBV:
    case RRT_EV_SIGNAL:
    case RRT_EV_SIGNAL_FRAME:
    case 11: /* SYSCALLBUF: the task consumes records */
    case 12: /* SYSCALLBUF_PATCH: code the lazy task may still run */
    case 20: /* CPUID_PATCH: the same */ {
        uint64_t v = rrt_cursor_varint(&c);
        *tid = (uint32_t)v;
        return !c.failed && v <= UINT32_MAX;
    }
    case RRT_EV_PREEMPT: { /* only a resume runs user code */
        uint64_t v = rrt_cursor_varint(&c);
        *tid = (uint32_t)v;
        return rrt_cursor_u8(&c) == 1 && !c.failed && v <= UINT32_MAX;
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
            l->parking = true;
            next_stop(r, l, &l->park);
            l->parking = false;
            l->parked = true;
        }
        r->lazy = NULL;
        return;
    }
    r->lazy = task_of(r, tid);
}

/* The recording's CPUID sites (its CSIT table), so that patching finds
 * them by key instead of disassembling; and the per-user cache for code
 * the table lacks. Both are hints: a damaged table is a warning, and the
 * sites are then found as at record time. */
static void load_sites(replayer *r)
{
    rrt_error err;
    if (rrt_reader_cpuid_sites(r->rd, &r->table, &err) != RRT_OK) {
        r->table = NULL;
        rep_warn_once(r, r->o->archive, err.message);
    }
    r->sites.table = r->table;
    r->sites.cache = trace_site_cache_open(NULL);
}

/* False on a divergence or a failure (r->diverged, r->err). */
static bool run_events(replayer *r, uint32_t *rootp)
{
    rrt_event_iter *it = NULL;
    rrt_event ev;
    uint32_t root = *rootp;
    /* from r->index: 0, or a checkpoint's event (checkpoint.c) */
    if (rrt_event_iter_open(r->rd, r->index, &it, &r->err) != RRT_OK)
        return false;
    r->it = it;
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
                root = *rootp = e.tid;
                r->tasks->rec_tid = root;
                rrt_ev_syscall_clear(&e);
            }
        }
        if (r->dbg)
            rep_ckpt_before_event(r, &ev);
        if (r->dbg && !rep_dbg_event(r, &ev)) {
            ok = false;
            break;
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
    r->it = NULL;
    rrt_event_iter_close(it);
    return ok;
}

/* The checks after the last event: nothing may be left running. */
static bool check_end(replayer *r)
{
    for (trace_task *b = r->tasks; b; b = b->next)
        if (((ptask *)b)->doomed)
            return rep_diverge(r, (ptask *)b,
                               "task %u ended inside a system "
                               "call at record time, but nothing "
                               "ended it here",
                               b->rec_tid);
    if (r->o->until == UINT64_MAX && r->tasks)
        return rep_diverge(r, NULL,
                           "the archive ends while %s still run; is "
                           "it a recovered partial recording?",
                           r->tasks->next ? "tasks" : "a task");
    return true;
}

/* One replay from the start; *dbg: the debugger, kept for the next one
 * when it ends for a re-run (reverse execution, reverse.c). */
static rrt_status replay_once(const rep_options *o, rep_report *rep,
                              rrt_error *err, rep_dbg **dbg)
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
    if (r->mode == TRACE_CPUID_PATCH)
        load_sites(r);
    if (!check_host(r)) {
        if (r->err.status != RRT_OK)
            goto out;
        if (!o->force) {
            rep->outcome = REP_REFUSED;
            rep_failed(r, RRT_E_UNSUPPORTED, "%s: this host cannot replay it",
                       o->archive);
            goto out;
        }
    }
    if (*dbg)
        rep_dbg_attach(r, *dbg);
    else if (o->gdb && !rep_dbg_open(r))
        goto out;
    *dbg = NULL;
    if (r->dbg)
        r->hush_until = rep_dbg_hush(r);
    uint32_t root_rec = 0;
    bool ready = setup_traps(r) && spawn(r, &root);
    for (;;) {
        /* the program's CPUID faults: so do ours, no MSR write per switch */
        bool self_fault =
            ready && r->mode == TRACE_CPUID_FAULT && trace_self_fault_begin();
        bool ran = ready && run_events(r, &root_rec);
        if (self_fault)
            trace_self_fault_end();
        if (ran && check_end(r))
            rep->outcome = REP_REPLAYED;
        else if (r->diverged)
            rep->outcome = REP_DIVERGED;
        if (r->dbg)
            rep_dbg_end(r, rep->outcome == REP_REPLAYED);
        /* reverse execution: on from a checkpoint, or a new replay */
        if (!ready || !r->dbg || !rep_ckpt_restore(r))
            break;
        rep->outcome = REP_FAILED;
    }
    rep->exited = r->exited;
    rep->exit_status = r->exit_code;
    rep->events = r->index;
    memcpy(rep->counts, r->counts, sizeof(rep->counts));
    rep->frames_recorded = r->frames_recorded;
    rep->frames_built = r->frames_built;
    rep->frames_checked = r->frames_checked;
    rep->stops = r->stops;
    rep->maps_direct = r->maps_direct;
    rep->maps_copied = r->maps_copied;
    rep->map_bytes_copied = r->map_bytes_copied;
    rep->div = r->div;
    memcpy(rep->site_regions, r->sites.regions, sizeof(rep->site_regions));
    rep->site_read = r->sites.read;
    rep->site_read_bytes = r->sites.read_bytes;
    rep->site_by_fill = r->sites.by_fill;
    rep->site_by_file_id = r->sites.by_file_id;
out:
    if (rep->outcome == REP_DIVERGED)
        rep_failed(r, RRT_E_CORRUPT, "divergence at event %llu",
                   (unsigned long long)r->div.event);
    else if (rep->outcome == REP_FAILED && r->err.status == RRT_OK)
        rep_failed(r, RRT_E_IO, "%s: replay failed", o->archive);
    kill_all(r);
    *dbg = rep_dbg_take(r);
    rep_dbg_close(r);
    rep_sub_clear(&r->sub);
    rrt_cpuid_manifest_clear(&r->m);
    for (size_t i = 0; i < r->nwarned; i++)
        free(r->warned[i]);
    free(r->warned);
    rrt_cpuid_sites_free(r->table);
    trace_site_cache_close(r->sites.cache);
    rep_mem_free(r);
    rrt_reader_close(r->rd);
    if (err)
        *err = r->err;
    return rep->outcome == REP_REPLAYED ? RRT_OK : r->err.status;
}

rrt_status rep_replay(const rep_options *o, rep_report *rep, rrt_error *err)
{
    rep_dbg *dbg = NULL;
    rrt_status st;
    do
        st = replay_once(o, rep, err, &dbg);
    while (dbg);
    return st;
}
