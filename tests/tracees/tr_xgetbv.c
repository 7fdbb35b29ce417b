/* Tracee: reads XCR0 with XGETBV, as glibc's ld.so does, and prints which
 * XSAVE state components it says are enabled. */
#include <stdio.h>

static unsigned long long xgetbv0(void)
{
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (unsigned long long)hi << 32 | lo;
}

int main(void)
{
    unsigned long long a = xgetbv0(), b = xgetbv0();
    printf("xcr0=0x%llx same=%d avx_state=%d avx512_state=%d\n", a, a == b,
           (int)((a >> 2) & 1), (a & 0xe0) == 0xe0);
    return 0;
}
