/* Checkpoints of a tree with signals (tests/gdb/gdb_test.sh
 * reverse_ckpt_sigchld): three children in turn, each making system calls
 * and exiting; the parent counts their SIGCHLD in a handler and marks. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

volatile int got;
int total;

static void on_chld(int s)
{
    (void)s;
    got++;
}

static void mark(int k)
{
    total += k; /* MARK */
}

int main(void)
{
    signal(SIGCHLD, on_chld);
    fflush(stdout);
    for (int c = 0; c < 3; c++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0) {
            for (int i = 0; i < 100; i++)
                total += getppid() > 0;
            _exit(c);
        }
        for (int i = 0; i < 150; i++)
            total += getppid() > 0;
        mark(c);
        while (waitpid(pid, NULL, 0) < 0)
            ;
    }
    printf("got %d total %d\n", got, total);
    return 0;
}
