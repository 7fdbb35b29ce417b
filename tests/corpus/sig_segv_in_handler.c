/* corpus: exit=139 a fault inside the SIGSEGV handler, with SIGSEGV blocked
 * there: the kernel forces death */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void on_segv(int sig)
{
    (void)sig;
    write(1, "in the handler\n", 15);
    *(volatile int *)16 = 2;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    *(volatile int *)8 = 1;
    return 0;
}
