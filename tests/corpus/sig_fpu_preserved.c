/* corpus: SSE and x87 registers survive a handler that clobbers them; the
 * handler starts with them cleared */
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile unsigned in_handler[4];

static void on_usr1(int sig)
{
    unsigned v[4] __attribute__((aligned(16)));
    static const unsigned bad[4] __attribute__((aligned(16))) = {9, 9, 9, 9};
    (void)sig;
    __asm__ volatile("movaps %%xmm5, %0" : "=m"(v));
    memcpy((void *)in_handler, v, sizeof(v));
    __asm__ volatile("movaps %0, %%xmm5" ::"m"(bad) : "xmm5");
    __asm__ volatile("finit\n\tfld1\n\tfld1" ::: "st", "st(1)");
}

int main(void)
{
    static const unsigned good[4] __attribute__((aligned(16))) = {
        0x12345678, 0x9abcdef0, 0x0badcafe, 0x600df00d};
    unsigned after[4] __attribute__((aligned(16)));
    long double x = 3.25L, y = 0;
    signal(SIGUSR1, on_usr1);
    __asm__ volatile("movaps %0, %%xmm5" ::"m"(good) : "xmm5");
    __asm__ volatile("fldt %0" ::"m"(x));
    raise(SIGUSR1);
    __asm__ volatile("movaps %%xmm5, %0" : "=m"(after));
    __asm__ volatile("fstpt %0" : "=m"(y));
    printf("xmm5 in the handler %x %x %x %x\n", in_handler[0], in_handler[1],
           in_handler[2], in_handler[3]);
    printf("xmm5 after %x %x %x %x, st0 after %.2Lf\n", after[0], after[1],
           after[2], after[3], y);
    if (memcmp(after, good, sizeof(good)) != 0 || y != 3.25L)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
