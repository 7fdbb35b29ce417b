/* corpus: the baseline: a few everyday calls, the ok line */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    pid_t p = getpid();
    if (p <= 0 || getppid() <= 0)
        return 1;
    printf("pid seen\n");
    printf("rrt-corpus: ok\n");
    return 0;
}
