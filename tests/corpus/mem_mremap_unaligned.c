/* corpus: mremap with lengths that are not multiples of the page size */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
    char *p = mmap(NULL, 5000, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    memset(p, 'u', 5000);
    char *q = mremap(p, 5000, 20001, MREMAP_MAYMOVE);
    if (q == MAP_FAILED)
        return 2;
    q[20000] = 'e';
    char *s = mremap(q, 20001, 4097, 0);
    if (s != q)
        return 3;
    printf("%c %c %d\n", s[0], s[4999], s[8191]);
    if (s[4999] != 'u' || s[8191] != 0)
        return 4;
    printf("rrt-corpus: ok\n");
    return 0;
}
