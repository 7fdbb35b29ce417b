/* corpus: exit=162 a real-time signal with the default action: death by
 * SIGRTMIN (34) */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    sigqueue(getpid(), 34, (union sigval){.sival_int = 1});
    pause();
    return 0;
}
