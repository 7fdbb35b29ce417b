/* corpus: SS_AUTODISARM: inside the handler the alternate stack is disarmed,
 * and it is back after */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static char *alt;
static volatile int on_alt, inner_flags;

static void on_usr1(int sig)
{
    char here;
    stack_t cur;
    (void)sig;
    on_alt = &here > alt && &here < alt + 65536;
    sigaltstack(NULL, &cur);
    inner_flags = cur.ss_flags;
}

int main(void)
{
    alt = malloc(65536);
    stack_t ss = {.ss_sp = alt, .ss_size = 65536, .ss_flags = SS_AUTODISARM};
    if (sigaltstack(&ss, NULL) != 0) {
        printf("rrt-corpus: skip no SS_AUTODISARM\n");
        return 77;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    stack_t after;
    sigaltstack(NULL, &after);
    printf("on alt %d, flags inside %d, after: sp ok %d flags 0x%x\n", on_alt,
           inner_flags, after.ss_sp == alt, (unsigned)after.ss_flags);
    if (!on_alt || inner_flags != SS_DISABLE || after.ss_sp != alt)
        return 1;
    raise(SIGUSR1);
    if (!on_alt)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
