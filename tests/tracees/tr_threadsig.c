/* Tracee: signals that land on a thread other than the main one: one a
 * thread sends itself, and SIGCHLD for a child that thread forked while
 * the main thread blocks SIGCHLD (as Python's subprocess in a thread). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t usr1, chld;

static void on_usr1(int sig)
{
    (void)sig;
    usr1++;
}

static void on_chld(int sig)
{
    (void)sig;
    chld++;
}

static void *run(void *arg)
{
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    pthread_kill(pthread_self(), SIGUSR1);
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        ;
    printf("threadsig: usr1=%d chld=%d status=%d\n", (int)usr1, (int)chld,
           WEXITSTATUS(status));
    return NULL;
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    signal(SIGCHLD, on_chld);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_t t;
    if (pthread_create(&t, NULL, run, NULL) != 0)
        return 1;
    pthread_join(t, NULL);
    return 0;
}
