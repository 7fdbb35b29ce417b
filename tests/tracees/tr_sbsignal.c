/* Tracee: signals arriving during buffered reads. A 1 ms interval timer
 * interrupts a loop of opens, reads and closes of a regular file; the
 * handler itself makes calls the buffer handles (it re-enters the library,
 * which must take the traced path). The calls are glibc's wrapper pattern
 * inlined (`syscall; cmp $-4095,%rax`), so the loop calls no function: a
 * signal that lands in user code, which replay delivers at its previous
 * stop (README, limits), then resumes the same frame. What the program saw
 * is printed; replay must match. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static inline __attribute__((always_inline)) long sc3(long nr, long a, long b,
                                                      long c)
{
    long ret;
    register long r10 __asm__("r10") = 0;
    __asm__ volatile("syscall\n\tcmp $-4095, %%rax"
                     : "=a"(ret)
                     : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory", "cc");
    return ret;
}

static volatile sig_atomic_t hits;
static volatile unsigned long seen;

static void on_alrm(int sig)
{
    (void)sig;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    seen += (unsigned long)sc3(SYS_getppid, 0, 0, 0) +
            (unsigned long)(ts.tv_nsec & 1);
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
    static char buf[512];
    for (int round = 0; round < 100000 && hits < 20; round++) {
        long fd = sc3(SYS_openat, AT_FDCWD, (long)path, O_RDONLY);
        if (fd < 0)
            return 1;
        long n;
        while ((n = sc3(SYS_read, fd, (long)buf, sizeof(buf))) > 0)
            for (long k = 0; k < n; k += 64)
                sum += (unsigned char)buf[k];
        sc3(SYS_close, fd, 0, 0);
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("signals %d, handler saw %lu, data sum %lu\n", (int)hits, seen, sum);
    return 0;
}
