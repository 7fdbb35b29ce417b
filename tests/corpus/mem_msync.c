/* corpus: msync of a shared file mapping, and its errors */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    int fd = open("ms.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 4096) != 0)
        return 1;
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 2;
    strcpy(p, "synced");
    int a = msync(p, 4096, MS_SYNC);
    int b = msync(p, 4096, MS_ASYNC | MS_INVALIDATE);
    int c = msync(p + 1, 4096, MS_SYNC);
    int ce = errno;
    printf("msync %d %d %d (%s)\n", a, b, c, strerror(ce));
    if (a || b || c != -1 || ce != EINVAL)
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}
