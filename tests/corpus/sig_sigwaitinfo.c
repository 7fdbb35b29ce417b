/* corpus: sigwaitinfo takes a blocked, queued signal and returns its siginfo */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGRTMIN + 5);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigqueue(getpid(), SIGRTMIN + 5, (union sigval){.sival_int = 31});
    kill(getpid(), SIGUSR1);
    siginfo_t si;
    int a = sigwaitinfo(&set, &si);
    printf("first: %s code %d pid ok %d\n", a == SIGUSR1 ? "SIGUSR1" : "?",
           si.si_code, si.si_pid == getpid());
    if (a != SIGUSR1 || si.si_code != SI_USER)
        return 1;
    int b = sigwaitinfo(&set, &si);
    printf("second: %d value %d code %d\n", b - SIGRTMIN, si.si_value.sival_int,
           si.si_code);
    if (b != SIGRTMIN + 5 || si.si_value.sival_int != 31 ||
        si.si_code != SI_QUEUE)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
