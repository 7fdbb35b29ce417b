/* corpus: mremap grows an anonymous mapping in place */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
    /* reserve room, then free the top half so growing in place works */
    char *p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || munmap(p + 4 * 4096, 4 * 4096) != 0)
        return 1;
    memset(p, 'g', 4 * 4096);
    char *q = mremap(p, 4 * 4096, 8 * 4096, 0);
    if (q == MAP_FAILED)
        return 2;
    printf("same %d old %c new %d\n", q == p, q[100], q[6 * 4096]);
    if (q != p || q[4 * 4096 - 1] != 'g' || q[7 * 4096] != 0)
        return 3;
    q[8 * 4096 - 1] = 1;
    /* shrink too */
    if (mremap(q, 8 * 4096, 2 * 4096, 0) != q)
        return 4;
    printf("rrt-corpus: ok\n");
    return 0;
}
