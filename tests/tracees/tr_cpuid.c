/* Tracee: executes CPUID leaves 0, 1 and 7 in a loop and prints them, with
 * the AVX2 and RDRAND bits. */
#include <cpuid.h>
#include <stdio.h>

int main(void)
{
    unsigned a, b, c, d;
    for (int i = 0; i < 3; i++) {
        __cpuid(0, a, b, c, d);
        printf("cpuid[%d] leaf 0: %08x %08x %08x %08x\n", i, a, b, c, d);
        __cpuid(1, a, b, c, d);
        printf("cpuid[%d] leaf 1: %08x %08x %08x %08x rdrand=%u\n", i, a, b, c,
               d, (c >> 30) & 1);
        __cpuid_count(7, 0, a, b, c, d);
        printf("cpuid[%d] leaf 7: %08x %08x %08x %08x avx2=%u\n", i, a, b, c, d,
               (b >> 5) & 1);
    }
    return 0;
}
