/* A tree wider than checkpoints copy (tests/gdb/gdb_test.sh
 * reverse_ckpt_wide): 16 children live at once beside the parent (17
 * processes), each making system calls until the parent has marked. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int total;

static void mark(int k)
{
    total += k; /* MARK */
}

int main(void)
{
    int go[2];
    if (pipe(go) != 0)
        return 1;
    fflush(stdout);
    for (int c = 0; c < 16; c++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0) {
            char b;
            for (int i = 0; i < 20; i++)
                total += getppid() > 0;
            if (read(go[0], &b, 1) != 1) /* until the parent has marked */
                return 1;
            _exit(0);
        }
    }
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i < 100; i++)
            total += getppid() > 0;
        mark(k);
    }
    char b[16] = {0};
    if (write(go[1], b, sizeof(b)) != sizeof(b))
        return 1;
    while (wait(NULL) > 0)
        ;
    printf("parent total %d\n", total);
    return 0;
}
