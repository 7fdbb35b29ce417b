/* corpus: PR_SET_TSC is per thread: a thread disables RDTSC for itself only */
#include <pthread.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <x86intrin.h>

static void *disabler(void *arg)
{
    (void)arg;
    if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0) != 0)
        return (void *)1;
    int mode = 0;
    prctl(PR_GET_TSC, &mode, 0, 0, 0);
    return (void *)(long)(mode == PR_TSC_SIGSEGV ? 0 : 2);
}

int main(void)
{
    pthread_t t;
    void *rc;
    pthread_create(&t, NULL, disabler, NULL);
    pthread_join(t, &rc);
    if (rc)
        return 1;
    int mode = 0;
    if (prctl(PR_GET_TSC, &mode, 0, 0, 0) != 0 || mode != PR_TSC_ENABLE)
        return 2;
    unsigned long long a = __rdtsc();
    if (__rdtsc() < a)
        return 3;
    printf("main still reads the TSC\n");
    printf("rrt-corpus: ok\n");
    return 0;
}
