/* corpus: exit=133 int3 with no handler: death by SIGTRAP */
#include <stdio.h>

int main(void)
{
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    __asm__ volatile("int3");
    return 0;
}
