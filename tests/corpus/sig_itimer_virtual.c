/* corpus: ITIMER_VIRTUAL fires while the program spins in user code; the
 * handler ends the spin */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static volatile int fired;

static void on_vt(int sig)
{
    (void)sig;
    fired = 1;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_vt;
    sigaction(SIGVTALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 10000}};
    setitimer(ITIMER_VIRTUAL, &it, NULL);
    volatile unsigned long spins = 0;
    while (!fired)
        spins++;
    printf("SIGVTALRM ended the spin\n");
    printf("rrt-corpus: ok\n");
    return 0;
}
