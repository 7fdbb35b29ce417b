/* corpus: a parent sigqueues a value to its child; the child's handler sees the
 * value and the parent's pid */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int got_value, from_parent;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    got_value = si->si_value.sival_int;
    from_parent = si->si_pid == getppid() && si->si_code == SI_QUEUE;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN + 2, &sa, NULL);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 2);
    sigprocmask(SIG_BLOCK, &set, &old);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        while (!got_value)
            sigsuspend(&old);
        _exit(from_parent && got_value == 1234 ? 0 : 1);
    }
    sigqueue(c, SIGRTMIN + 2, (union sigval){.sival_int = 1234});
    int st;
    waitpid(c, &st, 0);
    printf("child saw the value from its parent: %d\n",
           WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
