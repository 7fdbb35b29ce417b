/* Who runs, and for how long: the recorder's side of the token (one task
 * runs user code at a time, recorder.c), terminal job control, the
 * serialization limit, preemption at traps, and writes to the recorder's
 * own stdout and stderr, which keep the token so that their order in the
 * event stream is the order in which the bytes reached the stream. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "recorderi.h"

/* A task that holds the token this long at a trap while others wait gives
 * it up there (RDTSC, CPUID and XGETBV traps are points replay finds
 * again; see rec_sched_preempt). */
#define PREEMPT_SLICE_MS 50

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* Terminal job control                                               */

/* tcsetpgrp from a background process raises SIGTTOU unless blocked. */
static void set_foreground(int fd, pid_t pgrp)
{
    sigset_t ttou, old;
    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    sigprocmask(SIG_BLOCK, &ttou, &old);
    tcsetpgrp(fd, pgrp);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

void rec_jobctl_start(recorder *r)
{
    r->jc_fd = -1;
    for (int fd = 0; fd <= 2; fd++) {
        if (isatty(fd) && tcgetpgrp(fd) == getpgrp()) {
            r->jc_fd = fd;
            break;
        }
    }
    /* The program has a process group of its own (trace_spawn), so that
     * kill(0, ...) misses rrt; when rrt ran in the terminal's foreground,
     * the program's group takes its place there: it reads the terminal,
     * and Ctrl-C and Ctrl-Z reach it. */
    if (r->jc_fd >= 0)
        set_foreground(r->jc_fd, r->root);
}

void rec_jobctl_end(recorder *r)
{
    if (r->jc_fd < 0)
        return;
    pid_t fg = tcgetpgrp(r->jc_fd);
    /* back to rrt's group, unless the shell took the terminal meanwhile
     * (rrt was put in the background): only from the program's groups */
    if (fg > 0 && fg != getpgrp() &&
        (fg == r->root || (kill(-fg, 0) != 0 && errno == ESRCH)))
        set_foreground(r->jc_fd, getpgrp());
    r->jc_fd = -1;
}

static bool is_tty_stop(int sig)
{
    return sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

void rec_jobctl_signal(recorder *r, int sig, const siginfo_t *si)
{
    /* signals the terminal sends have si_code SI_KERNEL; the program's
     * own kill(2) has SI_USER */
    if (si->si_code != SI_KERNEL)
        return;
    if (sig == SIGINT || sig == SIGQUIT)
        r->tty_interrupt = true; /* as rrt itself interrupted: .partial */
    else if (is_tty_stop(sig) && r->jc_fd >= 0 && !r->jc_stopping)
        r->jc_tty_stop = sig;
}

/* A task entered a group-stop. When the terminal stopped the program
 * (Ctrl-Z, or a background read), rrt stops the same way, so that the
 * shell sees its job stopped; the stops of the program's other tasks,
 * which the same signal causes, are taken first (drain), so that one
 * Ctrl-Z is one stop. On `fg` the program gets the terminal back and
 * SIGCONT; on `bg` it stays in the background. Other group-stops (a
 * program stopping its own child) are not rrt's: the task resumes, as
 * ptrace does with a group-stop it is not told to keep. */
void rec_jobctl_group_stop(recorder *r, bool (*on_stop)(recorder *, pid_t, int))
{
    if (!r->jc_tty_stop || r->jc_stopping || r->jc_fd < 0)
        return;
    int sig = r->jc_tty_stop;
    r->jc_tty_stop = 0;
    r->jc_stopping = true;
    uint64_t until = now_ms() + 50;
    while (now_ms() < until && !r->failed) {
        int st;
        pid_t pid = waitpid(-1, &st, __WALL | WNOHANG);
        if (pid < 0)
            break;
        if (pid == 0) {
            struct timespec ts = {0, 2 * 1000000};
            nanosleep(&ts, NULL);
            continue;
        }
        on_stop(r, pid, st);
    }
    set_foreground(r->jc_fd, getpgrp());
    kill(0, sig); /* rrt's own job stops here until fg or bg */
    if (tcgetpgrp(r->jc_fd) == getpgrp())
        set_foreground(r->jc_fd, r->root);
    kill(-r->root, SIGCONT);
    r->jc_tty_stop = 0;
    r->jc_stopping = false;
}

/* ------------------------------------------------------------------ */
/* Writes to the recorder's stdout and stderr                         */

static bool is_stdio(recorder *r, rtask *t, uint64_t fd)
{
    char path[64];
    struct stat sb;
    snprintf(path, sizeof(path), "/proc/%d/fd/%llu", (int)t->base.tid,
             (unsigned long long)fd);
    if (stat(path, &sb) != 0)
        return false;
    for (int s = 1; s <= 2; s++)
        if (r->out_ok[s] && sb.st_dev == r->out_st[s].st_dev &&
            sb.st_ino == r->out_st[s].st_ino)
            return true;
    return false;
}

/* Calls that change the address space. None blocks, and replay runs
 * them in event order: two threads' calls must not run in the kernel in
 * one order and reach the stream in the other (a munmap and an mmap that
 * reuses its range: replay's mmap found the range still mapped). */
static bool maps_memory(const rtask *t)
{
    long nr = t->nr;
    /* MADV_POPULATE_READ/WRITE (22, 23) may wait for a userfaultfd
     * handler: another task */
    if (nr == SYS_madvise)
        return t->args[2] != 22 && t->args[2] != 23;
    return nr == SYS_mmap || nr == SYS_munmap || nr == SYS_mprotect ||
           nr == SYS_mremap || nr == SYS_brk || nr == SYS_shmat ||
           nr == SYS_shmdt;
}

/* At a call's entry: whether the task keeps the token through it. A write
 * to rrt's own stdout or stderr does: replay shows what these writes
 * wrote in event order, and with the token given up two threads' writes
 * could reach the stream in one order and their events in the other (a
 * thread's event is written when it gets the token back). So does a call
 * that changes the address space (maps_memory). */
bool rec_keeps_token(recorder *r, rtask *t)
{
    bool w = t->nr == SYS_write || t->nr == SYS_pwrite64 ||
             t->nr == SYS_writev || t->nr == SYS_pwritev ||
             t->nr == SYS_pwritev2;
    t->kept_call =
        !t->forced && ((w && is_stdio(r, t, t->args[0])) || maps_memory(t));
    return t->kept_call;
}

/* ------------------------------------------------------------------ */
/* The serialization limit and preemption                             */

static size_t count_waiting(recorder *r)
{
    size_t n = 0;
    for (trace_task *b = r->tasks; b; b = b->next)
        n += ((rtask *)b)->waiting;
    return n;
}

static rtask *longest_waiting(recorder *r)
{
    rtask *w = NULL;
    for (trace_task *b = r->tasks; b; b = b->next) {
        rtask *t = (rtask *)b;
        if (t->waiting && (!w || t->wait_seq < w->wait_seq))
            w = t;
    }
    return w;
}

/* How long, in ms, the holder has run user code while others waited. */
static uint64_t contended_ms(recorder *r, size_t waiting)
{
    uint64_t now = now_ms();
    if (r->holder != r->timed) {
        r->timed = r->holder;
        r->granted_ms = now;
    }
    if (!waiting) {
        r->contended_ms = 0;
        return 0;
    }
    if (!r->contended_ms)
        r->contended_ms = now;
    uint64_t from =
        r->granted_ms > r->contended_ms ? r->granted_ms : r->contended_ms;
    return now - from;
}

/* The limit ends the recording: the program cannot go on without
 * preemption at a point replay could not find again. */
static void limit_reached(recorder *r, uint64_t ms)
{
    rtask *w = longest_waiting(r);
    r->hung = true;
    rec_fail(r,
             "task %d ran user code for %llu.%llu s without a system call "
             "while task %d waited to run (rrt runs one task at a time and "
             "can switch only at system calls and traps; serialization "
             "limit --serialize-limit=%u)",
             (int)r->holder->base.tid, (unsigned long long)(ms / 1000),
             (unsigned long long)(ms % 1000 / 100), w ? (int)w->base.tid : 0,
             r->o->serialize_limit_ms / 1000);
}

pid_t rec_wait(recorder *r, int *status, unsigned max_ms)
{
    for (;;) {
        size_t waiting = r->holder ? count_waiting(r) : 0;
        uint64_t ran = contended_ms(r, waiting);
        unsigned limit = r->o->serialize_limit_ms;
        bool timed = r->holder && waiting && limit && !r->holder->kept_call;
        if (!timed && !max_ms)
            return waitpid(-1, status, __WALL);
        pid_t pid = waitpid(-1, status, __WALL | WNOHANG);
        if (pid != 0)
            return pid;
        if (timed && ran >= limit) {
            limit_reached(r, ran);
            errno = ETIMEDOUT;
            return -1;
        }
        /* SIGCHLD (blocked, rec_sched_begin) says a tracee stopped */
        uint64_t left = timed ? limit - ran : UINT64_MAX;
        if (max_ms && left > max_ms)
            left = max_ms;
        struct timespec ts = {(time_t)(left / 1000),
                              (long)(left % 1000) * 1000000};
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        if (sigtimedwait(&chld, NULL, &ts) < 0) {
            if (errno == EINTR)
                return -1; /* rrt's own SIGINT/SIGTERM: the caller checks */
            if (errno == EAGAIN && max_ms && left == max_ms)
                return 0; /* the caller's poll interval */
        }
    }
}

void rec_sched_begin(recorder *r)
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &r->old_mask);
    r->mask_saved = true;
}

void rec_sched_end(recorder *r)
{
    if (r->mask_saved)
        sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
    r->mask_saved = false;
}

/* At an emulated trap of the holder t. A trap is a point in t's history
 * that replay reaches again by itself (it stops at the same trap), unlike
 * an arbitrary instruction, which only a performance counter could find
 * again. So when t has held the token for a slice while others wait, it
 * gives the token up here, and a PREEMPT event tells replay not to run t
 * on until t's next event. */
bool rec_sched_preempt(recorder *r, rtask *t)
{
    if (r->holder != t)
        return false;
    size_t waiting = count_waiting(r);
    if (!waiting || contended_ms(r, waiting) < PREEMPT_SLICE_MS)
        return false;
    rrt_ev_preempt e = {.tid = (uint32_t)t->base.tid, .resume = 0};
    if (rec_emit_preempt(&r->prod, &e, &r->err) != RRT_OK) {
        r->failed = true;
        return false;
    }
    r->holder = NULL;
    t->waiting = true;
    t->preempted = true;
    t->wait_seq = ++r->wait_seq;
    return true;
}

/* At the library's yield t gives way like at a preemption, but with no
 * PREEMPT resume = 0: its SYSCALLBUF event with STOP, just written, keeps
 * it where its records end at replay. What it runs after it got the token
 * back (it may leave a critical section and enter a traced call, with no
 * record and so no event of its own before other tasks' events) must run
 * there at replay too, not at its next event: the resume marks it. Also
 * when it gets the token straight back (no other task waits yet): replay
 * would otherwise keep it parked through the next tasks' events. */
void rec_sched_yielded(recorder *r, rtask *t)
{
    (void)r;
    t->preempted = true;
}

/* t, preempted, got the token back: replay runs its user code from its
 * trap on at this point of the stream, not at its next event. */
bool rec_sched_resumed(recorder *r, rtask *t)
{
    if (!t->preempted)
        return true;
    t->preempted = false;
    rrt_ev_preempt e = {.tid = (uint32_t)t->base.tid, .resume = 1};
    if (rec_emit_preempt(&r->prod, &e, &r->err) != RRT_OK)
        return r->failed = true, false;
    return true;
}
