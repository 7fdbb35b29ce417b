/* corpus: one file mapped MAP_SHARED twice: a write through one is seen
 * through the other */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    int fd = open("twice.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 8192) != 0)
        return 1;
    char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *b = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
    if (a == MAP_FAILED || b == MAP_FAILED)
        return 2;
    strcpy(a + 4096, "seen through the other view");
    printf("b: %s\n", b);
    if (strcmp(b, "seen through the other view") != 0)
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}
