/* Tracee: a loop of RDTSC and RDTSCP. */
#include <stdio.h>
#include <x86intrin.h>

int main(void)
{
    unsigned long long prev = __rdtsc(), sum = 0;
    for (int i = 0; i < 5; i++) {
        unsigned aux;
        unsigned long long t = __rdtscp(&aux);
        sum += t - prev;
        prev = t;
        printf("rdtsc[%d]: %llu aux=%u\n", i, t, aux);
    }
    printf("rdtsc: total delta %llu\n", sum);
    return 0;
}
