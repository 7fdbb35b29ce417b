/* corpus: two threads writev lines to stdout; replay must print them in the
 * recorded order */
#include <pthread.h>
#include <stdio.h>
#include <sys/uio.h>

static void *writer(void *arg)
{
    const char *who = arg;
    char num[32];
    for (int i = 0; i < 200; i++) {
        int n = snprintf(num, sizeof(num), " %d\n", i);
        struct iovec v[2] = {{(void *)who, 5}, {num, (size_t)n}};
        if (writev(1, v, 2) != 5 + n)
            return (void *)1;
    }
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, writer, "alpha");
    pthread_create(&b, NULL, writer, "gamma");
    void *ra, *rb;
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    if (ra || rb)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
