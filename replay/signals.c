/* Signals at replay beyond one delivery (replayer.c delivers them): a
 * fatal signal that kills a whole thread group, group-stops, the frame
 * the kernel could not build, and the signal state rrt's own traps
 * destroy. */
#include <signal.h>
#include <sys/ptrace.h>

#include "replayi.h"

static void mark_dying(replayer *r, pid_t tgid)
{
    for (trace_task *b = r->tasks; b; b = b->next)
        if (trace_tgid(b->tid) == tgid)
            ((ptask *)b)->group_exit = true;
}

/* At record time a fatal signal went to one thread (its SIGNAL event,
 * then its resume with the signal) and the kernel killed every thread of
 * the process with it, each wherever it was: a sibling in pthread_join's
 * futex dies of SIGSEGV too. The recorder may see that sibling die first;
 * here the thread the signal went to still waits to be resumed with it
 * (resume_sig): resume it now, so that the group dies as it did. */
pid_t rep_sig_exit_begin(replayer *r, ptask *t, const rrt_ev_exit *e)
{
    pid_t tgid = trace_tgid(t->base.tid);
    if (!e->killed || e->code == SIGKILL || tgid <= 0 ||
        t->resume_sig == (int)e->code)
        return tgid;
    for (trace_task *b = r->tasks; b; b = b->next) {
        ptask *u = (ptask *)b;
        if (u == t || u->resume_sig != (int)e->code || u->parked ||
            u->resumed || trace_tgid(u->base.tid) != tgid)
            continue;
        if (ptrace(PTRACE_CONT, u->base.tid, NULL, (void *)(long)e->code) != 0)
            continue;
        u->resume_sig = 0;
        u->resumed = true; /* its EXIT event only waits for its death */
        mark_dying(r, tgid);
        break;
    }
    return tgid;
}

/* The stop replay took for t is not where it ended: its group is dying
 * of e's signal (t->group_exit), and it ran on to a stop (a call's entry,
 * a trap) that the recording never reached. The caller waits for its
 * death instead. */
bool rep_sig_exit_stale(const ptask *t, const rrt_ev_exit *e, const stop *s)
{
    return e->killed && e->code != SIGKILL && t->group_exit &&
           (s->kind == STOP_SYSCALL || s->kind == STOP_SIGNAL ||
            s->kind == STOP_EVENT);
}

/* t died of e's signal: the rest of its process dies of it too. */
void rep_sig_exit_end(replayer *r, pid_t tgid, const rrt_ev_exit *e)
{
    if (e->killed && e->code != SIGKILL && tgid > 0)
        mark_dying(r, tgid);
}

static bool is_stop_signal(int sig)
{
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* A task resumed with a stop signal (its SIGNAL event, default action)
 * enters a group-stop, which ptrace reports as a stop without siginfo.
 * At record time the task stayed there until its process got a SIGCONT
 * (record/signals.c), while other tasks ran: so when replay runs it ahead
 * of another task's event (order_tasks), it must go no further than this
 * stop. Otherwise the stop means nothing to replay, which runs on. */
int rep_sig_group_stop(ptask *t, stop *s)
{
    siginfo_t si;
    if ((s->status >> 16) || !is_stop_signal(s->sig) ||
        ptrace(PTRACE_GETSIGINFO, t->base.tid, NULL, &si) == 0)
        return 0;
    if (!t->parking)
        return -1;
    t->group_stopped = true;
    s->kind = STOP_SIGNAL;
    return 1;
}

/* The task's next event continues it (its SIGCONT, sent to it before
 * this; or its user code, when the SIGCONT was blocked): the group-stop
 * it is parked in ends. */
bool rep_sig_unpark(ptask *t)
{
    if (!t->group_stopped)
        return false;
    t->group_stopped = false;
    t->parked = false;
    return true;
}

/* The recording host's kernel could not build the frame either (a stack
 * overflow without an alternate stack: the recording has no SIGNAL_FRAME)
 * and forced a SIGSEGV, the task's next SIGNAL event (force_sigsegv):
 * SIGSEGV's handler, if it was the signal delivered, is reset, and
 * SIGSEGV unblocked, so that it kills the task. The handler never runs. */
bool rep_sig_no_room(replayer *r, ptask *t, int sig, uint64_t blocked)
{
    pid_t tid = t->base.tid;
    trace_sigaction act;
    uint64_t segv = 1ull << (SIGSEGV - 1);
    if (sig == SIGSEGV &&
        (!trace_sigaction_get(tid, t->base.memfd, SIGSEGV, &act) ||
         !trace_sigaction_set(
             tid, t->base.memfd, SIGSEGV,
             &(trace_sigaction){0, act.flags, act.restorer, act.mask})))
        return rep_fail_at(r, t, "cannot reset the action of signal %d", sig);
    if ((blocked & segv) &&
        ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(blocked),
               &(uint64_t){blocked & ~segv}) != 0)
        return rep_fail_at(r, t, "cannot unblock SIGSEGV");
    t->resume_sig = 0;
    return true;
}

void rep_sig_after_call(replayer *r, ptask *t, const rrt_ev_syscall *e)
{
    /* exit and exit_group leave the task running to its end */
    if (!(e->flags & RRT_EV_SC_ENTRY_ONLY))
        trace_trapsig_call(r->tasks, &t->base, e->nr, e->args, e->ret);
}

bool rep_sig_trap_done(replayer *r, ptask *t, const stop *s)
{
    return trace_trapsig_restore(&t->base, s->sig) ||
           rep_fail_at(r, t, "cannot restore the action of signal %d", s->sig);
}
