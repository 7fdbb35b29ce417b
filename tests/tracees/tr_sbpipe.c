/* Tracee: a thread blocked reading a pipe while the main thread writes it,
 * 200 times. Under the syscall buffer the reader's read finds the pipe
 * empty (RWF_NOWAIT: EAGAIN) and must block traced, not inside the
 * library, or the writer never runs. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int p[2], q[2];

static void *reader(void *arg)
{
    (void)arg;
    unsigned long sum = 0;
    char buf[64];
    for (int i = 0; i < 200; i++) {
        ssize_t n = read(p[0], buf, sizeof(buf));
        for (ssize_t k = 0; k < n; k++)
            sum += (unsigned char)buf[k];
        if (write(q[1], "k", 1) != 1)
            return NULL;
    }
    printf("reader: sum %lu\n", sum);
    return NULL;
}

int main(void)
{
    pthread_t t;
    char ack;
    if (pipe(p) != 0 || pipe(q) != 0 ||
        pthread_create(&t, NULL, reader, NULL) != 0)
        return 1;
    for (int i = 0; i < 200; i++) {
        char msg[32];
        int n = snprintf(msg, sizeof(msg), "message %d", i);
        if (write(p[1], msg, (size_t)n) != n || read(q[0], &ack, 1) != 1)
            return 2;
    }
    pthread_join(t, NULL);
    printf("writer: done\n");
    return 0;
}
