/* A MAP_SHARED anonymous mapping (tests/gdb/gdb_test.sh reverse_ckpt_shm):
 * a fork-based checkpoint would share its page with the live program
 * instead of copying it, so no checkpoint may be taken while it exists.
 * 2,400 system calls (one event each without the syscall buffer) count
 * into it, around eight calls of mark(). */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int *counter;

static void mark(int k)
{
    counter[1] += k; /* MARK */
}

int main(void)
{
    counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (counter == MAP_FAILED)
        return 1;
    for (int k = 0; k < 8; k++) {
        for (int i = 0; i < 300; i++)
            counter[0] += getppid() > 0;
        mark(k);
    }
    printf("counter %d %d\n", counter[0], counter[1]);
    return 0;
}
