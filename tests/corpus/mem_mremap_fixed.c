/* corpus: mremap(MREMAP_MAYMOVE | MREMAP_FIXED) to a chosen address */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
    char *area =
        mmap(NULL, 16 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED || p == MAP_FAILED)
        return 1;
    strcpy(p, "fixed move");
    char *want = area + 8 * 4096;
    char *q =
        mremap(p, 2 * 4096, 4 * 4096, MREMAP_MAYMOVE | MREMAP_FIXED, want);
    if (q != want)
        return 2;
    printf("%s at +%ld\n", q, (long)(q - area));
    q[4 * 4096 - 1] = 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
