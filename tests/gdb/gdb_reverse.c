/* Reverse execution (tests/gdb/gdb_test.sh reverse_*): an off-by-one
 * loop writes through a stray pointer into `global` long before the
 * program crashes on it; a breakpoint in tick() is hit 10,000 times. */
#include <stdio.h>
#include <unistd.h>

int global = 7;
int a, b, counter;
static int *slots[3];

static void fill(int n)
{
    for (int i = 0; i <= n; i++) /* one too many: slots[2] is &global */
        *slots[i] = 1234;        /* STRAY */
}

static void tick(int k)
{
    counter = k + 1; /* TICK */
}

static int add(int x, int y)
{
    return x + y; /* ADD */
}

int main(void)
{
    slots[0] = &a;
    slots[1] = &b;
    slots[2] = &global;
    fill(2); /* two slots are meant: a, b */
    for (int i = 0; i < 20; i++)
        getppid(); /* events between the write and the crash */
    for (int k = 0; k < 10000; k++)
        tick(k);
    printf("counter %d global %d\n", counter, global);
    fflush(stdout);
    int s = add(counter, 1); /* CALL */
    for (int j = 0; j < 3; j++)
        s += j; /* LOOP */
    int *q = (int *)(long)global;
    *q = s; /* CRASH */
    return 0;
}
