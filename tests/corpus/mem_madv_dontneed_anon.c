/* corpus: madvise(MADV_DONTNEED) on private anonymous memory reads zero */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
    size_t len = 4 * 4096;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    memset(p, 0xab, len);
    if (madvise(p + 4096, 2 * 4096, MADV_DONTNEED) != 0)
        return 2;
    unsigned sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    printf("sum %u first %u mid %u last %u\n", sum, p[0], p[4096], p[len - 1]);
    if (p[0] != 0xab || p[4096] != 0 || p[3 * 4096 - 1] != 0 ||
        p[3 * 4096] != 0xab)
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}
