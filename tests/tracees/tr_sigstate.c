/* The signal state a program starts with is its parent's: ignored signals
 * and the blocked mask survive execve. Prints whether SIGINT is ignored and
 * SIGUSR1 blocked, and takes another path (another system call) when so, as
 * shells do: a replay started in a state other than the recording's then
 * diverges. `tr_sigstate exec PROG ARGS...` first ignores SIGINT, blocks
 * SIGUSR1 and execs PROG (rrt, or itself), so a test can start rrt so. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void on_int(int sig)
{
    (void)sig;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "exec") == 0) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        signal(SIGINT, SIG_IGN);
        sigprocmask(SIG_BLOCK, &s, NULL);
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        return 127;
    }
    struct sigaction old;
    sigaction(SIGINT, NULL, &old);
    int ign = old.sa_handler == SIG_IGN;
    if (!ign) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_int;
        sigaction(SIGINT, &sa, NULL);
    }
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    int blk = sigismember(&cur, SIGUSR1);
    if (blk)
        kill(getpid(), 0);
    printf("SIGINT %s, SIGUSR1 %s\n", ign ? "ignored" : "default",
           blk ? "blocked" : "unblocked");
    return 0;
}
