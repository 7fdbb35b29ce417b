/* corpus: rt_sigqueueinfo with a hand-made siginfo (si_code SI_QUEUE, a pointer
 * value) */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile long got_ptr;
static volatile int got_code, got_errno;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    got_ptr = (long)si->si_value.sival_ptr;
    got_code = si->si_code;
    got_errno = si->si_errno;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN + 3, &sa, NULL);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = SIGRTMIN + 3;
    si.si_code = SI_QUEUE;
    si.si_errno = 5;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_ptr = (void *)0x1234567890L;
    if (syscall(SYS_rt_sigqueueinfo, getpid(), SIGRTMIN + 3, &si) != 0)
        return 2;
    printf("ptr 0x%lx code %d errno %d\n", got_ptr, got_code, got_errno);
    if (got_ptr != 0x1234567890L || got_code != SI_QUEUE || got_errno != 5)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
