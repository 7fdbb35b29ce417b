/* corpus: MADV_REMOVE punches a hole in shared memory: zeros */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
    size_t len = 4 * 4096;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    memset(p, 0x5a, len);
    int rc = madvise(p + 4096, 4096, MADV_REMOVE);
    printf("remove %d: %u %u %u\n", rc, p[0], p[4096], p[8192]);
    if (rc != 0 || p[4096] != 0 || p[0] != 0x5a || p[8192] != 0x5a)
        return 2;
    printf("rrt-corpus: ok\n");
    return 0;
}
