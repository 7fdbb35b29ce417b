/* Tracee: dup2 onto the descriptor numbers a buffer could use (3 to 40,
 * and 1000 to 1023), then buffered reads through them, and the program's
 * own view of its descriptors: the syscall buffer must add none. Then
 * dup2 of a pipe over a descriptor the library knew as a regular file:
 * 256 KiB written through it while a thread drains the pipe. A library
 * that still took it for a file would block in a plain write with the
 * pipe full, and the reader would never run. */
#include <pthread.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The descriptors open now, as a bit set of the first 2048. */
static void fd_set_now(unsigned char *set)
{
    memset(set, 0, 256);
    DIR *d = opendir("/proc/self/fd");
    int self = d ? dirfd(d) : -1;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        int n = atoi(e->d_name);
        if (e->d_name[0] != '.' && n != self && n >= 0 && n < 2048)
            set[n / 8] |= (unsigned char)(1u << (n % 8));
    }
    if (d)
        closedir(d);
}

static int pipe_rd;

static void *drain(void *arg)
{
    long *total = arg;
    char b[4096];
    ssize_t n;
    while ((n = read(pipe_rd, b, sizeof(b))) > 0)
        *total += n;
    return NULL;
}

static long through_pipe(const char *path)
{
    int p[2], f = open(path, O_RDONLY);
    char b[4096];
    memset(b, 'x', sizeof(b));
    if (f < 0 || pipe(p) != 0 || dup2(f, 700) != 700)
        return -1;
    /* the first call patches pread's site, the next ones go through the
     * library, which learns that 700 is a file */
    for (int i = 0; i < 3; i++)
        if (pread(700, b, 16, 0) != 16)
            return -1;
    if (dup2(p[1], 700) != 700)
        return -2;
    pipe_rd = p[0];
    long total = 0;
    pthread_t t;
    if (pthread_create(&t, NULL, drain, &total) != 0)
        return -3;
    for (int i = 0; i < 64; i++)
        if (write(700, b, sizeof(b)) != (ssize_t)sizeof(b))
            return -4;
    close(700);
    close(p[1]);
    pthread_join(t, NULL);
    close(f);
    return total;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/proc/self/exe";
    unsigned char before[256], after[256];
    fd_set_now(before);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 1;
    for (int t = 4; t <= 40; t++)
        if (dup2(fd, t) != t)
            return 2;
    for (int t = 1000; t < 1024; t++)
        if (dup2(fd, t) != t)
            return 3;
    unsigned long sum = 0;
    char buf[256];
    for (int t = 4; t <= 40; t++) {
        ssize_t n = pread(t, buf, sizeof(buf), 0);
        for (ssize_t k = 0; k < n; k++)
            sum += (unsigned char)buf[k];
        close(t);
    }
    for (int t = 1000; t < 1024; t++) {
        lseek(t, 0, SEEK_SET);
        ssize_t n = read(t, buf, sizeof(buf));
        for (ssize_t k = 0; k < n; k++)
            sum += (unsigned char)buf[k];
    }
    fd_set_now(after);
    int extra = 0;
    for (int n = 0; n < 2048; n++) {
        bool now = after[n / 8] & (1u << (n % 8));
        bool was = before[n / 8] & (1u << (n % 8));
        bool mine = n == fd || (n >= 1000 && n < 1024);
        if (now && !was && !mine) {
            printf("unexpected descriptor %d\n", n);
            extra++;
        }
    }
    printf("sum %lu, unexpected descriptors %d\n", sum, extra);
    printf("through the pipe: %ld bytes\n", through_pipe(path));
    return 0;
}
