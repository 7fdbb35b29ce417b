/* Tracee for the benchmark: many small reads and writes, or a tight
 * compute loop. Usage: tr_syscalls io N | cpu N */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 2 ? atol(argv[2]) : 1000;
    if (argc > 1 && strcmp(argv[1], "cpu") == 0) {
        volatile unsigned long x = 1;
        for (long i = 0; i < n; i++)
            x = x * 6364136223846793005ul + 1442695040888963407ul;
        printf("cpu: %lu\n", (unsigned long)x);
        return 0;
    }
    int in = open("/dev/zero", O_RDONLY), out = open("/dev/null", O_WRONLY);
    char b[64];
    for (long i = 0; i < n; i++) {
        if (read(in, b, sizeof(b)) != (ssize_t)sizeof(b) ||
            write(out, b, sizeof(b)) != (ssize_t)sizeof(b))
            return 1;
    }
    printf("io: %ld\n", n);
    return 0;
}
