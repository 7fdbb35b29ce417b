/* corpus: a jump to an unmapped address (0x42): SIGSEGV at that address, caught
 * and siglongjmp'ed out of */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf env;
static volatile unsigned long addr;
static volatile int code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    addr = (unsigned long)si->si_addr;
    code = si->si_code;
    siglongjmp(env, 1);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(env, 1) == 0)
        __asm__ volatile("mov $0x42, %%rax\n\tjmp *%%rax" ::: "rax");
    printf("SIGSEGV at 0x%lx code %d\n", addr, code);
    if (addr != 0x42 || code != SEGV_MAPERR)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
