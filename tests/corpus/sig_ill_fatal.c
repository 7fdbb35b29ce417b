/* corpus: exit=132 ud2 with no handler: death by SIGILL */
#include <stdio.h>

int main(void)
{
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    __asm__ volatile("ud2");
    return 0;
}
