/* corpus: exit=136 an integer division by zero with no handler: death by SIGFPE
 */
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argv;
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    volatile int zero = argc - 1;
    return 10 / zero;
}
