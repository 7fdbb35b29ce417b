/* corpus: MADV_FREE, then new writes: what is written is what is read */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
    size_t len = 8 * 4096;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    memset(p, 7, len);
    if (madvise(p, len, MADV_FREE) != 0)
        return 2;
    for (size_t i = 0; i < len; i += 4096)
        p[i] = (unsigned char)(i / 4096 + 1);
    unsigned sum = 0;
    for (size_t i = 0; i < len; i += 4096)
        sum += p[i];
    /* a page MADV_FREE kept holds 7s, a freed one zeros: the program may
     * see either, and replay must show it what it saw */
    unsigned rest = 0;
    for (size_t i = 1; i < len; i++)
        if (i % 4096)
            rest += p[i] != 0;
    printf("sum %u kept %u\n", sum, rest ? 1u : 0u);
    if (sum != 36)
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}
