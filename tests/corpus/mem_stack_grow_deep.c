/* corpus: the stack grows down page by page through a deep recursion */
#include <stdio.h>

static unsigned long walk(int n)
{
    volatile char pad[512];
    for (int i = 0; i < 512; i += 64)
        pad[i] = (char)n;
    if (n == 0)
        return 0;
    return walk(n - 1) + (unsigned char)pad[64];
}

int main(void)
{
    unsigned long s = walk(8000); /* about 4.5 MB of stack */
    printf("sum %lu\n", s);
    printf("rrt-corpus: ok\n");
    return 0;
}
