/* corpus: a SIGCHLD handler reaps five children with waitpid(WNOHANG) while the
 * parent waits in sigsuspend */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int reaped, status_sum;

static void on_chld(int sig)
{
    int st;
    pid_t p;
    (void)sig;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
        reaped++;
        status_sum += WEXITSTATUS(st);
    }
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, &old);
    fflush(stdout);
    for (int i = 1; i <= 5; i++)
        if (fork() == 0) {
            usleep(1000 * i);
            _exit(i);
        }
    while (reaped < 5)
        sigsuspend(&old);
    printf("reaped %d, statuses add up to %d\n", reaped, status_sum);
    if (reaped != 5 || status_sum != 15)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
