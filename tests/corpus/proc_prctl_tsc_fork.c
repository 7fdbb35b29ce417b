/* corpus: PR_SET_TSC(PR_TSC_SIGSEGV) is inherited by a forked child: its RDTSC
 * faults too */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include <x86intrin.h>

static volatile int faults;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    faults++;
    ((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP] += 2;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0) != 0)
        return 1;
    pid_t c = fork();
    if (c == 0) {
        int mode = 0;
        prctl(PR_GET_TSC, &mode, 0, 0, 0);
        (void)__rdtsc();
        _exit(faults == 1 && mode == PR_TSC_SIGSEGV ? 0 : 1);
    }
    int st;
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 2;
    printf("the child inherited RDTSC faulting\n");
    printf("rrt-corpus: ok\n");
    return 0;
}
