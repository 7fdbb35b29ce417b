/* corpus: a signal frame lands below the stack mapping, which grows */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int got;

static void on_usr1(int sig)
{
    volatile char big[16384];
    big[0] = (char)sig;
    got = big[0];
}

/* Move rsp far below what the stack mapping holds now, without touching
 * the pages in between, then raise: the kernel writes the frame there. */
static int deep(void)
{
    char *sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    char *low = sp - 200 * 1024;
    __asm__ volatile("mov %%rsp, %%rbx\n\t"
                     "mov %0, %%rsp\n\t"
                     "mov $39, %%eax\n\t" /* getpid */
                     "syscall\n\t"
                     "mov %%eax, %%edi\n\t"
                     "mov $10, %%esi\n\t" /* SIGUSR1 */
                     "mov $62, %%eax\n\t" /* kill */
                     "syscall\n\t"
                     "mov %%rbx, %%rsp"
                     :
                     : "r"(low)
                     : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9",
                       "r10", "r11", "memory");
    return got;
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    int g = deep();
    printf("handler ran %d\n", g);
    if (g != SIGUSR1)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
