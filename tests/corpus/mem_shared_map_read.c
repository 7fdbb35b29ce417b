/* corpus: a write through a MAP_SHARED mapping is seen by read(), and the
 * mapping survives munmap and a remap */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    int fd = open("mr.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 4096) != 0)
        return 1;
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 2;
    strcpy(p, "written through the map");
    char buf[64] = {0};
    if (pread(fd, buf, 23, 0) != 23)
        return 3;
    munmap(p, 4096);
    char *q = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (q == MAP_FAILED)
        return 4;
    printf("read: %s; remapped: %s\n", buf, q);
    if (strcmp(buf, "written through the map") || strcmp(q, buf))
        return 5;
    printf("rrt-corpus: ok\n");
    return 0;
}
