/* A tracee for the gdb interrupt test: many system calls, so that a
 * replay of it runs for seconds (the test interrupts it midway). */
#include <time.h>

int main(void)
{
    struct timespec ts;
    long sum = 0;
    for (int i = 0; i < 100000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        sum += ts.tv_nsec & 1;
    }
    return sum < 0;
}
