/* corpus: a SIGSEGV the program queues to itself with a fault's si_code
 * (rt_sigqueueinfo): a signal like a fault, not raised by an instruction */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int hits, code;
static volatile long addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    hits++;
    code = si->si_code;
    addr = (long)si->si_addr;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = SIGSEGV;
    si.si_code = SEGV_MAPERR;
    si.si_addr = (void *)0x1234;
    if (syscall(SYS_rt_sigqueueinfo, getpid(), SIGSEGV, &si) != 0)
        return 2;
    printf("handler ran %d, code %d, addr 0x%lx\n", hits, code, addr);
    if (hits != 1 || code != SEGV_MAPERR || addr != 0x1234)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
