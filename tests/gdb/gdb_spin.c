/* A tracee for the gdb interrupt test: many system calls, so that a
 * replay of it runs for seconds (the test interrupts it midway). getuid,
 * which the syscall buffer leaves traced: buffered calls (clock_gettime)
 * replay in a blink. */
#include <unistd.h>

int main(void)
{
    long sum = 0;
    for (int i = 0; i < 100000; i++)
        sum += getuid() & 1;
    return sum < 0;
}
