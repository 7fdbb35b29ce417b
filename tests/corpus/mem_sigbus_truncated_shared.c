/* corpus: a shared file mapping whose file was truncated raises SIGBUS
 * past the new end */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf back;

static void on_bus(int sig)
{
    (void)sig;
    siglongjmp(back, 1);
}

int main(void)
{
    int fd = open("trunc.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 3 * 4096) != 0)
        return 1;
    char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 2;
    strcpy(p + 2 * 4096, "last page");
    signal(SIGBUS, on_bus);
    if (ftruncate(fd, 4096) != 0)
        return 3;
    if (sigsetjmp(back, 1) == 0) {
        volatile char c = p[2 * 4096];
        printf("no SIGBUS (%d)\n", c);
        return 4;
    }
    /* and it grows back, zero-filled */
    if (ftruncate(fd, 3 * 4096) != 0)
        return 5;
    printf("SIGBUS after truncation; regrown page holds %d\n", p[2 * 4096]);
    if (p[2 * 4096] != 0)
        return 6;
    printf("rrt-corpus: ok\n");
    return 0;
}
