/* corpus: exit=139 a null write with no handler: death by SIGSEGV */
#include <stdio.h>

int main(void)
{
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    *(volatile int *)8 = 1;
    return 0;
}
