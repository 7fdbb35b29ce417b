/* Tracee: dies of a real SIGSEGV (a synchronous fault, not an emulated
 * instruction); record and replay both exit with 128+11. */
#include <stdio.h>

int main(void)
{
    printf("segv: about to crash\n");
    fflush(stdout);
    volatile int *p = NULL;
    return *p;
}
