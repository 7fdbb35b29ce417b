/* Buffered calls for a long time, with no traced call in between: the
 * syscall buffer's records must still reach the recording's .partial file
 * at least once a second (tests/cli_sb_kill.sh kills `rrt record`).
 * tr_sbslow MODE ITERATIONS SPIN FILE: each iteration preads 64 bytes of
 * FILE (buffered), sums them and spins SPIN loops. MODE `progress` prints
 * a line every 25 iterations; `quiet` prints one at the start and one at
 * the end only; `compute` is quiet, spins only after the loop, ITERATIONS
 * times SPIN loops (no call at all: the recorder reads the records from
 * its side). The output depends on FILE alone, not on timing.
 * With a sixth argument PROGRESS (a file), the count of iterations done is
 * stored there (8 bytes, native order) through a shared mapping: no call,
 * so the loop still makes only buffered ones (a pwrite would be traced,
 * and flush the buffer). tests/cli_sb_kill.sh reads it to know how many
 * preads the program had made at a given moment, whatever the load. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6)
        return 2;
    int progress = strcmp(argv[1], "progress") == 0;
    int compute = strcmp(argv[1], "compute") == 0;
    long n = atol(argv[2]), spin = atol(argv[3]);
    int fd = open(argv[4], O_RDONLY);
    if (fd < 0)
        return 2;
    volatile uint64_t *done = NULL;
    if (argc == 6) {
        int pfd = open(argv[5], O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (pfd < 0 || ftruncate(pfd, sizeof(*done)) != 0)
            return 2;
        void *m = mmap(NULL, sizeof(*done), PROT_READ | PROT_WRITE, MAP_SHARED,
                       pfd, 0);
        if (m == MAP_FAILED)
            return 2;
        done = m;
    }
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 64)
        return 2;
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("start %lld\n", (long long)size);
    unsigned long sum = 0;
    for (long i = 0; i < n; i++) {
        unsigned char b[64];
        if (pread(fd, b, sizeof(b),
                  (off_t)((unsigned long)i * 61 %
                          (unsigned long)(size - 64))) != (ssize_t)sizeof(b))
            return 3;
        for (size_t k = 0; k < sizeof(b); k++)
            sum = sum * 31 + b[k];
        for (volatile long s = 0; s < (compute ? 0 : spin); s++)
            ;
        if (progress && i % 25 == 24)
            printf("%ld %016lx\n", i + 1, sum);
        if (done)
            __atomic_store_n(done, (uint64_t)i + 1, __ATOMIC_RELEASE);
    }
    for (volatile long s = 0; s < (compute ? spin * n : 0); s++)
        ;
    printf("done %ld %016lx\n", n, sum);
    return 0;
}
