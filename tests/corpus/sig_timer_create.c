/* corpus: a POSIX timer with SIGEV_SIGNAL: the handler sees si_code SI_TIMER
 * and the timer's sival */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile int got_code, got_value, fired;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    got_code = si->si_code;
    got_value = si->si_value.sival_int;
    fired++;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN + 7, &sa, NULL);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 7);
    sigprocmask(SIG_BLOCK, &set, &old);
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGRTMIN + 7;
    ev.sigev_value.sival_int = 555;
    timer_t tm;
    if (timer_create(CLOCK_MONOTONIC, &ev, &tm) != 0)
        return 2;
    struct itimerspec its = {{0, 0}, {0, 20000000}};
    timer_settime(tm, 0, &its, NULL);
    while (!fired)
        sigsuspend(&old);
    printf("code %d value %d\n", got_code, got_value);
    if (got_code != SI_TIMER || got_value != 555)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
