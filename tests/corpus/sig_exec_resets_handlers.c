/* corpus: execve resets caught signals to the default action and keeps ignored
 * ones */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void on_usr1(int sig)
{
    (void)sig;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        struct sigaction a, b;
        sigaction(SIGUSR1, NULL, &a);
        sigaction(SIGUSR2, NULL, &b);
        printf("after exec: USR1 default %d, USR2 ignored %d\n",
               a.sa_handler == SIG_DFL, b.sa_handler == SIG_IGN);
        if (a.sa_handler != SIG_DFL || b.sa_handler != SIG_IGN)
            return 1;
        printf("rrt-corpus: ok\n");
        return 0;
    }
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, SIG_IGN);
    fflush(stdout);
    execl("/proc/self/exe", argv[0], "child", (char *)NULL);
    return 3;
}
