/* Checkpoints for reverse execution (tests/gdb/gdb_test.sh
 * reverse_checkpoint, reverse_thin): 8,000 system calls (one event each
 * without the syscall buffer) around eight calls of mark(), then a crash
 * on a pointer made of the total. */
#include <stdio.h>
#include <unistd.h>

int total;

static void mark(int k)
{
    total += k; /* MARK */
}

int main(void)
{
    for (int k = 0; k < 8; k++) {
        for (int i = 0; i < 1000; i++)
            total += getppid() > 0; /* CALLS */
        mark(k);                    /* CALL */
    }
    printf("total %d\n", total);
    fflush(stdout);
    int *q = (int *)(long)total;
    *q = 1; /* CRASH */
    return 0;
}
