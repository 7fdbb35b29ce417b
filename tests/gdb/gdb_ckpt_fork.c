/* Checkpoints of a process tree (tests/gdb/gdb_test.sh reverse_ckpt_fork,
 * reverse_ckpt_fork_thin): after a fork, parent and child each make 2,400
 * system calls (one event each without the syscall buffer) around eight
 * calls of mark(), in turns through two pipes (the child sends its round
 * back); the parent waits for the child at the end. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int total;

static void mark(int who, int k)
{
    total += who * 100 + k; /* MARK */
}

int main(void)
{
    int down[2], up[2]; /* parent to child, child to parent */
    if (pipe(down) != 0 || pipe(up) != 0)
        return 1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    int who = pid == 0 ? 2 : 1;
    for (int k = 0; k < 8; k++) {
        int v = 0;
        /* in turns: both live until the parent's last round */
        if (pid == 0 && read(down[0], &v, sizeof(v)) != sizeof(v))
            return 1;
        for (int i = 0; i < 300; i++)
            total += getppid() > 0; /* CALLS */
        mark(who, k);
        if (pid == 0) {
            if (write(up[1], &k, sizeof(k)) != sizeof(k))
                return 1;
        } else {
            if (write(down[1], &k, sizeof(k)) != sizeof(k) ||
                read(up[0], &v, sizeof(v)) != sizeof(v))
                return 1;
            total += v;
        }
    }
    if (pid == 0) {
        printf("child total %d\n", total);
        fflush(stdout);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("parent total %d child-status %d\n", total,
           WEXITSTATUS(st)); /* END */
    return 0;
}
