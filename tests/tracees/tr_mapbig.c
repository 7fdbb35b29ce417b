/* Tracee: maps a large file (argv[1]) privately and writably, two pages
 * longer than the file, and prints a checksum of it; its own writes go
 * away with MADV_DONTNEED (the file's bytes come back), and the page after
 * the one holding the file's end raises SIGBUS. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static sigjmp_buf env;

static void on_bus(int sig)
{
    (void)sig;
    siglongjmp(env, 1);
}

static unsigned long sum_of(const unsigned char *p, size_t n)
{
    unsigned long sum = 0;
    for (size_t i = 0; i < n; i++)
        sum = sum * 31 + p[i];
    return sum;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int fd = open(argv[1], O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_size < 8192)
        return 1;
    size_t size = (size_t)sb.st_size, page = 4096;
    size_t end = (size + page - 1) / page * page, len = end + 2 * page;
    unsigned char *p =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return 1;
    volatile unsigned long sum = sum_of(p, size);
    static unsigned char first[4096];
    memcpy(first, p, page);
    memset(p, 'X', 2 * page);
    volatile int written = p[0] == 'X' && p[page] == 'X';
    if (madvise(p, page, MADV_DONTNEED) != 0)
        return 1;
    /* the first page is the file's again, the second still written */
    volatile int back = memcmp(p, first, page) == 0 && p[page] == 'X';
    signal(SIGBUS, on_bus);
    volatile int bus = 0;
    if (sigsetjmp(env, 1) == 0)
        bus = p[end] + 2;
    else
        bus = 1;
    /* the tail of the last page is zeros, as the file's */
    int tail = end == size || p[end - 1] == 0;
    printf("mapbig: size=%zu sum=%lx written=%d back=%d bus=%d tail=%d\n", size,
           sum, written, back, bus, tail);
    munmap(p, len);
    close(fd);
    return 0;
}
