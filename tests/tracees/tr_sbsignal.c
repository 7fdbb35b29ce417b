/* Tracee: signals arriving during buffered reads. A 1 ms interval timer
 * interrupts a loop of reads of a regular file; the handler itself makes
 * calls the buffer handles (it re-enters the library, which must take the
 * traced path). What the program saw is printed: replay must match. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static volatile unsigned long seen;

static void on_alrm(int sig)
{
    (void)sig;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    seen += (unsigned long)getppid() + (unsigned long)(ts.tv_nsec & 1);
    hits++;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/proc/self/exe";
    struct sigaction sa = {.sa_handler = on_alrm};
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
    unsigned long sum = 0;
    char buf[512];
    for (int round = 0; round < 100000 && hits < 20; round++) {
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            return 1;
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
            for (ssize_t k = 0; k < n; k += 64)
                sum += (unsigned char)buf[k];
        close(fd);
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("signals %d, handler saw %lu, data sum %lu\n", (int)hits, seen, sum);
    return 0;
}
