/* Signals at record time beyond one delivery (recorder.c records those):
 * which signals the instruction stream raised by itself, and job control:
 * a task that a stop signal stopped stays stopped until a SIGCONT. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "recorderi.h"

/* A fault's signal recurs by itself when replay re-executes the
 * instruction (SIGNAL's sync). The kernel marks the signals it raises
 * with a positive si_code: a page fault, a division by zero, ud2, but also
 * int3 (SIGTRAP) and a general protection fault such as hlt in user mode
 * (SIGSEGV), both SI_KERNEL. Not the SIGSEGV the kernel forces when it
 * cannot build a handler's frame (frame_failed): replay builds frames
 * itself and raises that one as the recording says. Emulated RDTSC and
 * CPUID traps never get here. */
bool rec_sig_is_sync(rtask *t, int sig, const siginfo_t *si)
{
    bool forced = t->frame_failed;
    t->frame_failed = false;
    if (!(sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
          sig == SIGTRAP) ||
        si->si_code <= 0 || forced)
        return false;
    /* A program may queue itself such a signal with a fault's si_code
     * (rt_sigqueueinfo): it comes at the exit of a system call, whose
     * number orig_rax still holds; a fault's entry into the kernel sets
     * orig_rax to -1. */
    struct user_regs_struct g;
    return ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) != 0 ||
           (int64_t)g.orig_rax < 0;
}

static bool is_stop_signal(int sig)
{
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* t reports a group-stop: its process stopped, by a stop signal whose
 * delivery was recorded. Resuming it would make the stop vanish (a parent
 * that waits with WUNTRACED and then sends SIGCONT would find it exited),
 * so it stays in this stop, without the token, until a SIGCONT comes
 * (rec_sig_wait). */
bool rec_sig_group_stop(recorder *r, rtask *t, int sig)
{
    if (!is_stop_signal(sig) || !t->recording) {
        ptrace(PTRACE_SYSCALL, t->base.tid, NULL, NULL);
        return true;
    }
    t->stopped = true;
    if (r->holder == t)
        r->holder = NULL;
    return true;
}

/* Whether a SIGCONT is pending for tid (sent to its process or to it). */
static bool cont_pending(pid_t tid)
{
    char path[64], line[256];
    unsigned long long set, pending = 0;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "SigPnd: %llx", &set) == 1 ||
            sscanf(line, "ShdPnd: %llx", &set) == 1)
            pending |= set;
    if (f)
        fclose(f);
    return (pending >> (SIGCONT - 1)) & 1;
}

/* Stopped tasks whose process got a SIGCONT wait for the token again;
 * the whole thread group at once (one thread takes the signal, all of
 * them stopped). True if any did. */
static bool wake_stopped(recorder *r)
{
    bool any = false;
    for (trace_task *b = r->tasks; b; b = b->next) {
        rtask *t = (rtask *)b;
        if (!t->stopped || !cont_pending(t->base.tid))
            continue;
        pid_t tgid = trace_tgid(t->base.tid);
        for (trace_task *c = r->tasks; c; c = c->next) {
            rtask *u = (rtask *)c;
            if (u->stopped && (u == t || trace_tgid(u->base.tid) == tgid)) {
                u->stopped = false;
                rec_wait_token(r, u);
                any = true;
            }
        }
    }
    return any;
}

static bool any_stopped(const recorder *r)
{
    for (trace_task *b = r->tasks; b; b = b->next)
        if (((const rtask *)b)->stopped)
            return true;
    return false;
}

/* The recorder's waitpid (rec_wait, with the serialization limit). While
 * a task is stopped, no stop of its own says when a SIGCONT arrives (it
 * may come from outside, from a shell's `fg`), so the wait polls for one
 * every 2 ms. Returns 0 when stopped tasks woke (the caller schedules),
 * else rec_wait's result. */
pid_t rec_sig_wait(recorder *r, int *status)
{
    /* the timed flush (sb_flush.c): 0 also when a tick passed */
    if (!rec_sb_tick(r))
        return -1;
    if (!any_stopped(r))
        return rec_wait(r, status, rec_sb_tick_ms(r)); /* sched.c */
    for (;;) {
        if (wake_stopped(r))
            return 0;
        if (!rec_sb_tick(r))
            return -1;
        pid_t pid = rec_wait(r, status, 2);
        if (pid != 0)
            return pid;
        if (r->o->interrupt && *r->o->interrupt) {
            errno = EINTR; /* rrt's own SIGINT/SIGTERM: the caller checks */
            return -1;
        }
    }
}
