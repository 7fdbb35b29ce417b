/* corpus: a file shorter than a page mapped MAP_SHARED twice, one view
 * write-only and one read-only: each write is seen through the other */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    char name[] = "subpageXXXXXX";
    int fd = mkstemp(name);
    if (fd < 0 || ftruncate(fd, 120) != 0)
        return 1;
    unlink(name);
    int *w = mmap(NULL, 120, PROT_WRITE, MAP_SHARED, fd, 0);
    int *r = mmap(NULL, 120, PROT_READ, MAP_SHARED, fd, 0);
    if (w == MAP_FAILED || r == MAP_FAILED || w == r)
        return 2;
    for (int i = 0; i < 30; i++) {
        w[i] = i * 3;
        if (r[i] != i * 3)
            return 3;
        printf("%d,", r[i]);
    }
    printf("\n");
    printf("rrt-corpus: ok\n");
    return 0;
}
