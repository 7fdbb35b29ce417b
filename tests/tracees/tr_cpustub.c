/* Tracee: CPUID in loops at several sites of a shared library
 * (trcpustub_lib.c), which rrt answers in the program; prints what they
 * returned. Leaves: 1 (rip-relative store after it), 4 (subleaves 0..4),
 * 3 and 0x4fffffff (seen by no other code), 7 (flags and upper halves),
 * 6 at a site that must keep trapping. */
#include <stdint.h>
#include <stdio.h>

uint32_t cpuid_rip(uint32_t leaf);
void cpuid_sub(uint32_t leaf, uint32_t sub, uint32_t out[4]);
uint64_t cpuid_state(uint32_t leaf);
uint32_t cpuid_target(uint32_t leaf, uint32_t n);
uint32_t cpuid_last(void);

int main(void)
{
    uint32_t sum = 0, o[4], l4[5][4], l3[4], miss[4], nonzero = 0;
    uint64_t state = 0;
    for (int i = 0; i < 50; i++) {
        sum += cpuid_rip(1);
        cpuid_sub(4, (uint32_t)i % 5, l4[i % 5]);
        cpuid_sub(3, 0, l3);
        cpuid_sub(0x4fffffff, 0, miss);
        for (int k = 0; k < 4; k++)
            nonzero |= miss[k];
        state |= cpuid_state(7);
    }
    cpuid_sub(7, 0, o);
    printf("leaf 1: eax %08x sum %08x\n", cpuid_last(), sum);
    for (int s = 0; s < 5; s++)
        printf("leaf 4.%d: %08x %08x %08x %08x\n", s, l4[s][0], l4[s][1],
               l4[s][2], l4[s][3]);
    printf("leaf 3: %08x %08x %08x %08x\n", l3[0], l3[1], l3[2], l3[3]);
    printf("leaf 7: %08x %08x %08x %08x\n", o[0], o[1], o[2], o[3]);
    printf("beyond the last leaf: %s\n", nonzero ? "not zeros" : "zeros");
    printf("flags kept: %s, upper halves: %s\n", (state & 1) ? "yes" : "NO",
           (state >> 8) ? "NOT zero" : "zero");
    printf("leaf 6 at a branch target: %08x\n", cpuid_target(6, 20));
    return 0;
}
