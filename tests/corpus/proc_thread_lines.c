/* corpus: two threads write lines to stdout; replay must print them in the
 * recorded order */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void *writer(void *arg)
{
    const char *who = arg;
    char line[64];
    for (int i = 0; i < 300; i++) {
        int n = snprintf(line, sizeof(line), "%s line %d\n", who, i);
        if (write(1, line, (size_t)n) != n)
            return (void *)1;
    }
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, writer, "alpha");
    pthread_create(&b, NULL, writer, "beta");
    void *ra, *rb;
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    if (ra || rb)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
