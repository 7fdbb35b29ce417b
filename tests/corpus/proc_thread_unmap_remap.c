/* corpus: one thread unmaps while another maps: the range is reused */
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* A frees a region and B's next mmap(NULL) gets it back from the kernel.
 * The two calls run in the kernel in one order; the recording must list
 * them in that order, or replay maps B's region while A's still stands. */
enum { SZ = 1 << 20, ROUNDS = 400 };
static void *volatile slot;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *mapper(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        void *p = mmap(NULL, SZ, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return (void *)1;
        ((char *)p)[0] = 1;
        pthread_mutex_lock(&mu);
        void *old = slot;
        slot = p;
        pthread_mutex_unlock(&mu);
        if (old)
            munmap(old, SZ);
    }
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, mapper, NULL);
    pthread_create(&b, NULL, mapper, NULL);
    void *ra, *rb;
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    if (ra || rb) {
        printf("mmap failed\n");
        return 1;
    }
    printf("rrt-corpus: ok\n");
    return 0;
}
