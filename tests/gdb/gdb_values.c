/* A tracee for the gdb tests: random bytes and the time land in
 * variables that gdb prints; a call chain for bt, finish, next, step and
 * until; a global that a watchpoint follows. Built with -g. */
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

volatile long counter;
unsigned char seed[8];
long when;

static long add_twice(long a, long b)
{
    long s = a + b;
    s += b;
    return s;
}

static long mix(const unsigned char *bytes, long t)
{
    long acc = t;
    for (int i = 0; i < 8; i++)
        acc = add_twice(acc, bytes[i]);
    return acc;
}

static void report(long value)
{
    printf("value %ld\n", value);
    fflush(stdout);
}

int main(void)
{
    if (getrandom(seed, sizeof(seed), 0) != (long)sizeof(seed))
        return 1;
    when = (long)time(NULL);
    long local_when = when;
    long v = mix(seed, local_when);
    for (int i = 0; i < 3; i++)
        counter = counter + 10;
    report(v);
    printf("seed %02x%02x%02x%02x%02x%02x%02x%02x when %ld counter %ld\n",
           seed[0], seed[1], seed[2], seed[3], seed[4], seed[5], seed[6],
           seed[7], when, (long)counter);
    return 0;
}
