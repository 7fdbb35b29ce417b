/* corpus: exit=131 raise(SIGQUIT), a core-dumping signal: death by SIGQUIT */
#include <signal.h>
#include <stdio.h>

int main(void)
{
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    raise(SIGQUIT);
    return 0;
}
