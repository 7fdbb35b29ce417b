/* corpus: a POSIX timer with SIGEV_THREAD_ID signals one chosen thread */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

static pthread_t target;
static volatile pid_t target_tid;
static volatile int in_target, fired;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    in_target =
        pthread_equal(pthread_self(), target) && si->si_code == SI_TIMER;
    fired = 1;
}

static void *wait_it(void *arg)
{
    (void)arg;
    target_tid = (pid_t)syscall(SYS_gettid);
    while (!fired)
        usleep(1000);
    return NULL;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN + 1, &sa, NULL);
    pthread_create(&target, NULL, wait_it, NULL);
    while (!target_tid)
        usleep(1000);
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGRTMIN + 1;
    ev.sigev_notify_thread_id = target_tid;
    timer_t tm;
    if (timer_create(CLOCK_MONOTONIC, &ev, &tm) != 0)
        return 2;
    struct itimerspec its = {{0, 0}, {0, 10000000}};
    timer_settime(tm, 0, &its, NULL);
    pthread_join(target, NULL);
    printf("fired in the chosen thread %d\n", in_target);
    if (!in_target)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
