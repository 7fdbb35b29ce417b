/* A reverse step in code that ran once since its event (tests/gdb/
 * gdb_test.sh reverse_once): a loop of 300,000 iterations without a
 * system call, then a printf (buffered: no event) and a line after it. */
#include <stdio.h>
#include <unistd.h>

volatile long acc;

int main(void)
{
    getppid();
    for (long i = 0; i < 300000; i++) /* LOOP */
        acc += i;
    printf("acc %ld\n", acc); /* PRINT */
    acc = 1;                  /* AFTER */
    getppid();
    return 0;
}
