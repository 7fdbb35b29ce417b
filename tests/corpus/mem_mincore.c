/* corpus: mincore reports residency: replay shows what the recording saw */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
    size_t len = 16 * 4096;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    for (int i = 0; i < 16; i += 2)
        p[i * 4096] = 1;
    unsigned char vec[16];
    memset(vec, 0xee, sizeof(vec));
    if (mincore(p, len, vec) != 0)
        return 2;
    int resident = 0;
    for (int i = 0; i < 16; i++)
        resident += vec[i] & 1;
    int bad = mincore(p + 1, 4096, vec);
    printf("resident %d of 16 (touched 8); unaligned %d %s\n", resident, bad,
           strerror(errno));
    if (resident < 8 || bad != -1)
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}
