/* corpus: mremap(MREMAP_MAYMOVE) moves a mapping that cannot grow */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
    char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    /* a neighbour right above keeps it from growing in place */
    if (p == MAP_FAILED || mprotect(p + 3 * 4096, 4096, PROT_READ) != 0)
        return 1;
    for (int i = 0; i < 3 * 4096; i++)
        p[i] = (char)(i * 7);
    char *q = mremap(p, 3 * 4096, 64 * 4096, MREMAP_MAYMOVE);
    if (q == MAP_FAILED)
        return 2;
    int same = 1;
    for (int i = 0; i < 3 * 4096; i++)
        same &= q[i] == (char)(i * 7);
    printf("moved %d data %d tail %d\n", q != p, same, q[40 * 4096]);
    if (q == p || !same)
        return 3;
    q[64 * 4096 - 1] = 5;
    /* a mapping made after the move lands where it landed at record */
    char *r = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("next below moved %d\n", r < q);
    printf("rrt-corpus: ok\n");
    return 0;
}
