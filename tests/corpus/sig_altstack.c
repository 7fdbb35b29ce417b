/* corpus: a SA_ONSTACK handler runs on the alternate stack sigaltstack set */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *alt;
static volatile int on_alt, ss_flags;

static void on_usr1(int sig)
{
    char here;
    stack_t cur;
    (void)sig;
    on_alt = &here > alt && &here < alt + 65536;
    sigaltstack(NULL, &cur);
    ss_flags = cur.ss_flags;
}

int main(void)
{
    alt = malloc(65536);
    stack_t ss = {.ss_sp = alt, .ss_size = 65536, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0)
        return 2;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("handler on the alternate stack: %d, flags in it %d\n", on_alt,
           ss_flags);
    stack_t after;
    sigaltstack(NULL, &after);
    printf("flags after: %d\n", after.ss_flags);
    if (!on_alt || ss_flags != SS_ONSTACK || after.ss_flags != 0)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
