/* Tracee: a SIGUSR1 handler run by a signal sent to self, SIGALRM from
 * alarm() interrupting pause(), SIGCHLD waking sigsuspend(), and SIGUSR1
 * from a child let in only by ppoll()'s temporary signal mask. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t usr1, alrm, chld;

static void on_chld(int sig)
{
    (void)sig;
    chld++;
}

static void on_usr1(int sig)
{
    (void)sig;
    usr1++;
}

static void on_alrm(int sig)
{
    (void)sig;
    alrm++;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_alrm;
    sigaction(SIGALRM, &sa, NULL);
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR1);
    alarm(1);
    pause();
    sa.sa_handler = on_chld;
    sigaction(SIGCHLD, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid_t pid = fork();
    if (pid == 0)
        _exit(5);
    while (!chld)
        sigsuspend(&old);
    int st;
    waitpid(pid, &st, 0);
    sigset_t usr;
    sigemptyset(&usr);
    sigaddset(&usr, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr, NULL);
    pid_t parent = getpid();
    pid_t kid = fork();
    if (kid == 0) {
        usleep(50000);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    struct timespec limit = {5, 0};
    int pr = ppoll(NULL, 0, &limit, &old);
    waitpid(kid, NULL, 0);
    printf("signal: pid %d usr1=%d alrm=%d chld=%d status=%d ppoll=%d\n",
           getpid(), (int)usr1, (int)alrm, (int)chld, WEXITSTATUS(st), pr);
    return 3;
}
