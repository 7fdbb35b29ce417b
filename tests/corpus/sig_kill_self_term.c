/* corpus: exit=143 kill(getpid(), SIGTERM) with the default action: death by
 * SIGTERM */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    kill(getpid(), SIGTERM);
    pause();
    return 0;
}
