/* corpus: ud2 with a wild stack pointer: no room for SIGILL's frame, so the
 * kernel forces SIGSEGV, whose handler runs on the alternate stack and skips
 * the ud2 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static char alt[128 * 1024];
static volatile int segv, ill;

static void on_sig(int sig, siginfo_t *si, void *p)
{
    ucontext_t *uc = p;
    (void)si;
    if (sig == SIGSEGV)
        segv++;
    else
        ill++;
    uc->uc_mcontext.gregs[REG_RIP] += 2;
}

int main(void)
{
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0)
        return 2;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sig;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
    sigaction(SIGILL, &sa, NULL);
    sa.sa_flags |= SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    __asm__ volatile("mov %%rsp, %%rax\n\t"
                     "mov $0x800794b90ed0, %%rsp\n\t"
                     "ud2\n\t"
                     "mov %%rax, %%rsp\n\t" ::
                         : "rax", "memory");
    printf("SIGSEGV %d SIGILL %d\n", segv, ill);
    if (segv != 1 || ill != 0)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
