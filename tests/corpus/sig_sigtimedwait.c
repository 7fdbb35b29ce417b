/* corpus: sigtimedwait times out with EAGAIN, then returns a signal an interval
 * timer raised */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

int main(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    struct timespec ts = {0, 10000000};
    siginfo_t si;
    int r = sigtimedwait(&set, &si, &ts);
    printf("no signal: %d %s\n", r, errno == EAGAIN ? "EAGAIN" : "?");
    if (r != -1 || errno != EAGAIN)
        return 1;
    struct itimerval it = {{0, 0}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    ts.tv_sec = 10;
    r = sigtimedwait(&set, &si, &ts);
    printf("timer: %s code %d\n", r == SIGALRM ? "SIGALRM" : "?", si.si_code);
    if (r != SIGALRM || si.si_code != SI_KERNEL)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
