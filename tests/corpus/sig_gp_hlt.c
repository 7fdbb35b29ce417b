/* corpus: hlt in user mode: a general protection fault, SIGSEGV with si_code
 * SI_KERNEL, caught */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static volatile int hits, code, counter, seen[2];

static void on_segv(int sig, siginfo_t *si, void *p)
{
    ucontext_t *uc = p;
    (void)sig;
    hits++;
    code = si->si_code;
    if (hits <= 2)
        seen[hits - 1] = counter;
    uc->uc_mcontext.gregs[REG_RIP] += 1; /* hlt: f4 */
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    counter = 5; /* user code before the fault, no system call */
    __asm__ volatile("hlt");
    counter = 7;
    __asm__ volatile("hlt");
    printf("SIGSEGV %d times, code 0x%x, saw %d %d\n", hits, code, seen[0],
           seen[1]);
    if (hits != 2 || code != 0x80 || seen[0] != 5 || seen[1] != 7)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
