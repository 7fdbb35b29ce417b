/* corpus: sigqueue with a value; the SA_SIGINFO handler sees si_value, si_code
 * SI_QUEUE, si_pid */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int got_value, got_code, got_pid_ok, got_uid_ok;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    got_value = si->si_value.sival_int;
    got_code = si->si_code;
    got_pid_ok = si->si_pid == getpid();
    got_uid_ok = si->si_uid == getuid();
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN, &sa, NULL);
    union sigval v = {.sival_int = 4242};
    if (sigqueue(getpid(), SIGRTMIN, v) != 0)
        return 2;
    printf("value %d code %d pid ok %d uid ok %d\n", got_value, got_code,
           got_pid_ok, got_uid_ok);
    if (got_value != 4242 || got_code != SI_QUEUE || !got_pid_ok || !got_uid_ok)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
