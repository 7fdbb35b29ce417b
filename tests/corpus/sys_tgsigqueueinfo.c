/* corpus: rt_tgsigqueueinfo queues a signal with a value to the caller */
#include <signal.h>
#include "sys_common.h"

static volatile int got_value = -1, got_code;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    got_value = si->si_value.sival_int;
    got_code = si->si_code;
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = SIGUSR1;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_int = 1234;
    show("rt_tgsigqueueinfo",
         syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGUSR1, &si));
    printf("handler saw value %d code %d\n", got_value, got_code);
    si.si_code = SI_KERNEL; /* not allowed from user space */
    show("with SI_KERNEL",
         syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGUSR1, &si));
    return corpus_ok();
}
