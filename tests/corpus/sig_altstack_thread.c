/* corpus: each thread has its own alternate stack (a new thread has none until
 * it sets one) */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __thread char *alt;
static __thread volatile int on_alt;
static volatile int main_alt, worker_alt, worker_initial_disabled;

static void on_usr1(int sig)
{
    char here;
    (void)sig;
    on_alt = alt && &here > alt && &here < alt + 65536;
}

static void set_alt(void)
{
    alt = malloc(65536);
    stack_t ss = {.ss_sp = alt, .ss_size = 65536, .ss_flags = 0};
    sigaltstack(&ss, NULL);
}

static void *worker(void *arg)
{
    stack_t cur;
    (void)arg;
    sigaltstack(NULL, &cur);
    worker_initial_disabled = cur.ss_flags == SS_DISABLE;
    set_alt();
    raise(SIGUSR1);
    worker_alt = on_alt;
    return NULL;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    set_alt();
    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    pthread_join(th, NULL);
    raise(SIGUSR1);
    main_alt = on_alt;
    printf("main on its stack %d, worker on its own %d, worker started without "
           "%d\n",
           main_alt, worker_alt, worker_initial_disabled);
    if (!main_alt || !worker_alt || !worker_initial_disabled)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
