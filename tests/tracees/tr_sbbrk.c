/* Tracee: brk and mprotect, which the syscall buffer runs (replay: for
 * real, when they changed the address space). The break grown and shrunk
 * (sbrk, brk), a page past a shrunk break that must fault and reads zero
 * when grown again; permissions taken away and given back on anonymous
 * memory, the heap and a private file mapping, each checked by an access
 * that must fault (or not); mprotect that fails: EINVAL (unaligned, bad
 * bits) changes nothing, ENOMEM (a range with a hole) changes the mapped
 * part; EACCES (writing a shared read-only file mapping) changes nothing;
 * one with PROT_EXEC (traced); a forked child and two threads.
 * usage: tr_sbbrk [ROUNDS [FILE]] (default 100; FILE: mapped shared) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096ul

static __thread sigjmp_buf jb;
static __thread volatile int armed;

static void on_segv(int sig)
{
    (void)sig;
    if (armed)
        siglongjmp(jb, 1);
    _exit(99);
}

/* 1 when writing (or reading) *p faults. */
static int faults(volatile unsigned char *p, int write)
{
    if (sigsetjmp(jb, 1)) {
        armed = 0;
        return 1;
    }
    armed = 1;
    if (write)
        *p = (unsigned char)(*p + 0); /* a write of what it read */
    else
        (void)*p;
    armed = 0;
    return 0;
}

static unsigned long mix(unsigned long s, unsigned long v)
{
    return s * 31 + v;
}

/* The break grown, written, shrunk (its freed page faults) and grown
 * again (zero), ROUNDS times, with sizes that vary. */
static unsigned long brk_rounds(int rounds, unsigned long *nfault)
{
    unsigned long s = 0;
    char *cur = sbrk(0);
    /* page-align the break, so that the page after a shrink is unmapped */
    if (sbrk((intptr_t)(PAGE - (uintptr_t)cur % PAGE)) == (void *)-1)
        exit(20);
    for (int i = 0; i < rounds; i++) {
        size_t grow = PAGE * (2 + (size_t)(i % 7));
        unsigned char *p = sbrk((intptr_t)grow);
        if (p == (void *)-1)
            exit(21);
        for (size_t k = 0; k < grow; k += 256)
            s = mix(s, p[k]); /* fresh: zero */
        for (size_t k = 0; k < grow; k += 256)
            p[k] = (unsigned char)(i + k / 256);
        size_t drop = PAGE * (1 + (size_t)(i % 2));
        if (sbrk(-(intptr_t)drop) == (void *)-1)
            exit(22);
        unsigned char *gone = p + grow - drop;
        *nfault += (unsigned long)faults(gone, 0);
        /* grown again: the page reads zero */
        if (brk(p + grow) != 0)
            exit(23);
        s = mix(s, gone[0]) + p[0];
        if (brk(p) != 0) /* back where the round started */
            exit(24);
    }
    /* a break below the program cannot be had: nothing changes */
    int e = brk((void *)PAGE) == 0 ? 0 : errno;
    s = mix(s, (unsigned long)e);
    s = mix(s, (unsigned long)(sbrk(0) != (void *)-1));
    return s;
}

/* Permissions on anonymous memory: each change checked by access. */
static unsigned long prot_rounds(int rounds, unsigned long *nfault)
{
    unsigned long s = 0;
    unsigned char *m = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        exit(30);
    for (int i = 0; i < rounds; i++) {
        unsigned char *p = m + PAGE * (size_t)(i % 8);
        size_t n = PAGE * (1 + (size_t)(i % 3));
        if (p + n > m + 8 * PAGE)
            n = (size_t)(m + 8 * PAGE - p);
        p[0] = (unsigned char)i;
        if (mprotect(p, n, PROT_READ) != 0)
            exit(31);
        *nfault += (unsigned long)faults(p, 1);
        s = mix(s, p[0]);
        if (mprotect(p, n, PROT_NONE) != 0)
            exit(32);
        *nfault += (unsigned long)faults(p + n - 1, 0);
        if (mprotect(p, n, PROT_READ | PROT_WRITE) != 0)
            exit(33);
        *nfault += (unsigned long)faults(p, 1);
        p[n - 1] = (unsigned char)(p[0] + 1);
        s = mix(s, p[n - 1]);
    }
    munmap(m, 8 * PAGE);
    return s;
}

static void *thread_prot(void *arg)
{
    unsigned long nf = 0;
    unsigned long s = prot_rounds(60, &nf);
    *(unsigned long *)arg = mix(s, nf);
    return arg;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 100;
    unsigned long nfault = 0, s;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_segv;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    printf("brk and mprotect, %d rounds\n", rounds); /* stdout's buffer */
    fflush(stdout);

    s = brk_rounds(rounds, &nfault);
    printf("brk: sum %lu, faults %lu\n", s, nfault);

    nfault = 0;
    s = prot_rounds(rounds, &nfault);
    printf("mprotect anonymous: sum %lu, faults %lu\n", s, nfault);

    /* a heap page made read-only and writable again */
    nfault = 0;
    unsigned char *h = sbrk(0);
    if (sbrk((intptr_t)(2 * PAGE)) == (void *)-1)
        return 40;
    h[PAGE] = 7;
    if (mprotect(h + PAGE, PAGE, PROT_READ) != 0)
        return 41;
    nfault += (unsigned long)faults(h + PAGE, 1);
    if (mprotect(h + PAGE, PAGE, PROT_READ | PROT_WRITE) != 0)
        return 42;
    nfault += (unsigned long)faults(h + PAGE, 1);
    printf("heap page: %d, faults %lu\n", h[PAGE], nfault);
    if (sbrk(-(intptr_t)(2 * PAGE)) == (void *)-1)
        return 43;

    /* failures */
    unsigned char *g = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g == MAP_FAILED)
        return 50;
    int e1 = mprotect(g + 1, PAGE, PROT_READ) == 0 ? 0 : errno;
    int e2 = mprotect(g, PAGE, 0x40000) == 0 ? 0 : errno;
    nfault = (unsigned long)faults(g, 1); /* still writable */
    munmap(g + PAGE, PAGE);
    /* a hole: ENOMEM, but the first page became read-only */
    int e3 = mprotect(g, 3 * PAGE, PROT_READ) == 0 ? 0 : errno;
    nfault += 10 * (unsigned long)faults(g, 1);
    nfault += 100 * (unsigned long)faults(g + 2 * PAGE, 1);
    int e4 = mprotect(g + PAGE, PAGE, PROT_READ) == 0 ? 0 : errno;
    munmap(g, 3 * PAGE);
    printf("failures: %d %d %d %d, faults %lu\n", e1, e2, e3, e4, nfault);

    /* executable (traced): the page runs nothing, but may be scanned */
    unsigned char *x = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (x == MAP_FAILED)
        return 51;
    memset(x, 0xc3, PAGE);
    int ex = mprotect(x, PAGE, PROT_READ | PROT_EXEC);
    nfault = (unsigned long)faults(x, 1);
    munmap(x, PAGE);
    printf("exec: %d, faults %lu\n", ex, nfault);

    /* a private file mapping, made writable, written, read-only again */
    int fd = open("/proc/self/exe", O_RDONLY);
    unsigned char *f =
        fd >= 0 ? mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    if (f == NULL || f == MAP_FAILED)
        return 52;
    close(fd);
    nfault = (unsigned long)faults(f, 1);
    if (mprotect(f, 2 * PAGE, PROT_READ | PROT_WRITE) != 0)
        return 53;
    f[0] = 'X';
    if (mprotect(f, PAGE, PROT_READ) != 0)
        return 54;
    nfault += 10 * (unsigned long)faults(f, 1);
    nfault += 100 * (unsigned long)faults(f + PAGE, 1);
    printf("file mapping: %c%c%c%c, faults %lu\n", f[0], f[1], f[2], f[3],
           nfault);
    munmap(f, 2 * PAGE);

    /* a shared mapping of a file opened read-only: EACCES */
    if (argc > 2) {
        fd = open(argv[2], O_RDONLY);
        unsigned char *sh =
            fd >= 0 ? mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0) : NULL;
        if (sh == NULL || sh == MAP_FAILED)
            return 55;
        close(fd);
        int e5 = mprotect(sh, PAGE, PROT_READ | PROT_WRITE) == 0 ? 0 : errno;
        nfault = (unsigned long)faults(sh, 1);
        printf("shared read-only file: %d, faults %lu, %.5s\n", e5, nfault,
               (char *)sh);
        munmap(sh, PAGE);
    }

    /* a child grows its own break */
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        unsigned long nf = 0;
        unsigned long cs = brk_rounds(20, &nf);
        _exit(nf == 20 ? 1 + (int)(cs % 100) : 0);
    }
    int status = -1;
    if (c < 0 || waitpid(c, &status, 0) != c)
        return 60;
    printf("child: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    /* two threads changing permissions at once */
    unsigned long ta = 0, tb = 0;
    pthread_t a, b;
    if (pthread_create(&a, NULL, thread_prot, &ta) != 0 ||
        pthread_create(&b, NULL, thread_prot, &tb) != 0)
        return 61;
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("threads %lu %lu\n", ta, tb);
    printf("brk and mprotect done\n");
    return 0;
}
