/* corpus: an empty file mapped MAP_PRIVATE, then grown by ftruncate: the
 * mapping becomes usable */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    int fd = open("grow.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return 1;
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED || ftruncate(fd, 4096) != 0)
        return 2;
    p[0] = 'x';
    printf("wrote %c into the grown file's private mapping\n", p[0]);
    printf("rrt-corpus: ok\n");
    return 0;
}
