/* Tracee: anonymous private mmap and munmap, which the syscall buffer runs
 * (replay: for real, at the recorded address). Maps of many sizes read back
 * after they are written; a hole punched by a partial munmap; a PROT_NONE
 * map made writable (buffered mprotect) and used; a map that fails (length
 * 0) and an unaligned munmap; a file mapping unmapped by the buffered
 * munmap and the range mapped again; a child forked after a map, which sees
 * the parent's bytes and writes its own copy; two threads mapping at once.
 * usage: tr_sbmmap [ROUNDS] (default 500; the maps of 0x1b000 bytes are
 * the buffered calls the tests look for) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096ul

static unsigned long fill_and_sum(unsigned char *p, size_t n, unsigned seed)
{
    unsigned long s = 0;
    for (size_t k = 0; k < n; k += 512)
        s += p[k]; /* fresh memory reads zero */
    for (size_t k = 0; k < n; k += 512)
        p[k] = (unsigned char)(seed + k / 512);
    for (size_t k = 0; k < n; k += 512)
        s = s * 31 + p[k];
    return s;
}

static void *thread_maps(void *arg)
{
    unsigned long s = 0;
    for (int i = 0; i < 200; i++) {
        size_t n = PAGE * (1 + (size_t)(i % 9));
        unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        s += fill_and_sum(p, n, (unsigned)*(unsigned long *)arg + (unsigned)i);
        munmap(p, n);
    }
    *(unsigned long *)arg = s;
    return arg;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 500;
    unsigned long sum = 0;
    /* a site's first call is traced (then patched): not these maps' */
    void *w = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED || munmap(w, PAGE) != 0)
        return 12;
    /* the common pattern: a buffer of one size mapped and unmapped (cat's
     * 128 KiB + 8 KiB) */
    for (int i = 0; i < rounds; i++) {
        size_t n = 0x1b000;
        unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return 1;
        sum += fill_and_sum(p, n, (unsigned)i);
        if (munmap(p, n) != 0)
            return 2;
    }
    /* many sizes, several alive at once, unmapped out of order */
    unsigned char *live[16];
    size_t len[16];
    for (int i = 0; i < 16; i++) {
        len[i] = PAGE * (1 + (size_t)i * 37 % 300);
        live[i] = mmap(
            NULL, len[i], PROT_READ | PROT_WRITE,
            MAP_PRIVATE | MAP_ANONYMOUS | (i % 3 ? 0 : MAP_NORESERVE), -1, 0);
        if (live[i] == MAP_FAILED)
            return 3;
        sum += fill_and_sum(live[i], len[i], (unsigned)i * 7);
    }
    for (int i = 0; i < 16; i++) {
        int k = (i * 5) % 16;
        sum += live[k][len[k] - 1] + live[k][0];
        munmap(live[k], len[k]);
    }
    /* a hole: the middle page unmapped, the ends still there */
    unsigned char *h = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (h == MAP_FAILED)
        return 4;
    memset(h, 0x5a, 3 * PAGE);
    if (munmap(h + PAGE, PAGE) != 0)
        return 5;
    sum += h[0] + h[2 * PAGE + PAGE - 1];
    unsigned char *again = mmap(h + PAGE, PAGE, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    /* the hint may or may not be taken; the memory reads zero either way */
    if (again == MAP_FAILED)
        return 6;
    sum += again[0] + (again == h + PAGE);
    munmap(again, PAGE);
    munmap(h, 3 * PAGE);
    /* PROT_NONE, then writable by a (buffered) mprotect */
    unsigned char *g = mmap(NULL, 8 * PAGE, PROT_NONE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (g == MAP_FAILED || mprotect(g, 4 * PAGE, PROT_READ | PROT_WRITE) != 0)
        return 7;
    sum += fill_and_sum(g, 4 * PAGE, 9);
    munmap(g, 8 * PAGE);
    /* failures: changed nothing, at record and replay alike */
    void *bad = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int e1 = bad == MAP_FAILED ? errno : 0;
    int r2 = munmap((char *)&sum + 1, PAGE);
    int e2 = r2 != 0 ? errno : 0;
    printf("errors %d %d\n", e1, e2);
    /* a file mapping unmapped by the buffered munmap, the range mapped
     * again anonymously */
    int fd = open("/proc/self/exe", O_RDONLY);
    unsigned char *f =
        fd >= 0 ? mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    if (f == NULL || f == MAP_FAILED)
        return 8;
    sum += f[1] + f[2] + f[3]; /* "ELF" */
    munmap(f, 2 * PAGE);
    close(fd);
    unsigned char *z = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (z == MAP_FAILED)
        return 9;
    sum += fill_and_sum(z, 2 * PAGE, 3);
    /* a child forked after the map: the parent's bytes, its own copy */
    z[0] = 77;
    pid_t c = fork();
    if (c == 0) {
        int ok = z[0] == 77;
        z[0] = 1;
        unsigned char *q = mmap(NULL, 5 * PAGE, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (q == MAP_FAILED)
            _exit(3);
        ok = ok && fill_and_sum(q, 5 * PAGE, 1) != 0;
        munmap(q, 5 * PAGE);
        munmap(z, 2 * PAGE);
        _exit(ok ? 0 : 4);
    }
    int status = -1;
    if (c < 0 || waitpid(c, &status, 0) != c)
        return 10;
    printf("child %d, parent's byte %d\n", WEXITSTATUS(status), z[0]);
    munmap(z, 2 * PAGE);
    /* Replay keeps an unmapped mapping of the library's until the same
     * range is mapped again: another mapping taking the range first (a
     * traced file mapping there, a MAP_FIXED_NOREPLACE one of another
     * protection) must still find it free */
    unsigned char *k = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (k == MAP_FAILED)
        return 13;
    k[0] = 1;
    munmap(k, 4 * PAGE);
    fd = open("/proc/self/exe", O_RDONLY);
    unsigned char *kf =
        mmap(k, 4 * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
    close(fd);
    printf("file over the unmapped range: %s, %c%c%c\n",
           kf == k ? "same address" : "elsewhere", kf[1], kf[2], kf[3]);
    munmap(kf, 4 * PAGE);
    unsigned char *k2 = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (k2 == MAP_FAILED)
        return 14;
    k2[5] = 2;
    munmap(k2, 4 * PAGE);
    unsigned char *k3 =
        mmap(k2, 4 * PAGE, PROT_READ,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("read-only over it: %s, reads %d\n",
           k3 == k2 ? "same address" : "elsewhere", k3[5]);
    munmap(k3, 4 * PAGE);
    /* a mapping marked MADV_DONTFORK (traced), unmapped and mapped again:
     * the new one is an ordinary mapping, which a child gets */
    unsigned char *d = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (d == MAP_FAILED || madvise(d, 3 * PAGE, MADV_DONTFORK) != 0)
        return 15;
    munmap(d, 3 * PAGE);
    unsigned char *d2 = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (d2 == MAP_FAILED)
        return 16;
    d2[0] = 42;
    c = fork();
    if (c == 0)
        _exit(d2[0]);
    if (c < 0 || waitpid(c, &status, 0) != c)
        return 17;
    printf("child after DONTFORK: %s %d\n",
           WIFEXITED(status) ? "exit" : "signal",
           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    munmap(d2, 3 * PAGE);
    /* two threads */
    unsigned long ta = 1, tb = 2;
    pthread_t a, b;
    if (pthread_create(&a, NULL, thread_maps, &ta) != 0 ||
        pthread_create(&b, NULL, thread_maps, &tb) != 0)
        return 11;
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("threads %lu %lu\n", ta, tb);
    printf("mmap rounds %d, sum %lu\n", rounds, sum);
    return 0;
}
