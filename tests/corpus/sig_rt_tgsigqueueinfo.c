/* corpus: rt_tgsigqueueinfo from main to a worker thread, which sees the value
 * in its handler */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int got_value, in_worker;
static volatile pid_t worker_tid;
static pthread_t worker_th;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    got_value = si->si_value.sival_int;
    in_worker = pthread_equal(pthread_self(), worker_th);
}

static void *worker(void *arg)
{
    (void)arg;
    worker_tid = (pid_t)syscall(SYS_gettid);
    sigset_t none;
    sigemptyset(&none);
    while (!got_value)
        sigsuspend(&none);
    return NULL;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN + 4, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 4);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* only the worker takes it */
    pthread_create(&worker_th, NULL, worker, NULL);
    while (!worker_tid)
        usleep(1000);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = SIGRTMIN + 4;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_int = 99;
    if (syscall(SYS_rt_tgsigqueueinfo, getpid(), worker_tid, SIGRTMIN + 4,
                &si) != 0)
        return 2;
    pthread_join(worker_th, NULL);
    printf("worker got %d, in the worker %d\n", got_value, in_worker);
    if (got_value != 99 || !in_worker)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
