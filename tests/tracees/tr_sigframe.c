/* Tracee: signal handlers whose frames must be where and what the kernel
 * made them. SIGUSR1 arrives at the end of a kill() issued from assembly
 * that holds values in all vector registers, which the handler clobbers:
 * rt_sigreturn must bring them back from the frame. SIGALRM interrupts
 * pause() (the frame holds -EINTR), then runs on an alternate stack with
 * SS_AUTODISARM. The handlers write from buffers on their stacks, so
 * their system call arguments depend on where the frame is; with the
 * argument "static" they write from a static buffer instead. */
#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static int use_static;
static char static_line[128];
static uintptr_t alt_lo, alt_hi;

static int say(char *buf, size_t size, const char *what, int sig, void *ctx)
{
    uintptr_t here = (uintptr_t)&buf;
    return snprintf(
        buf, size, "%s: signal %d handled %d on_altstack %d ctx %d\n", what,
        sig, (int)handled, here >= alt_lo && here < alt_hi, ctx != NULL);
}

static void clobber_vectors(int avx)
{
    if (avx)
        __asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n\t"
                         "vmovdqa %%ymm0, %%ymm7\n\t"
                         "vmovdqa %%ymm0, %%ymm15" ::
                             : "xmm0", "xmm7", "xmm15");
    else
        __asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n\t"
                         "movdqa %%xmm0, %%xmm7\n\t"
                         "movdqa %%xmm0, %%xmm15" ::
                             : "xmm0", "xmm7", "xmm15");
}

static int have_avx;

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
    char line[128];
    char *buf = use_static ? static_line : line;
    handled++;
    clobber_vectors(have_avx);
    int n = say(buf, 128, sig == SIGUSR1 ? "usr1" : "alrm", sig, ctx);
    if (si->si_signo != sig)
        n = snprintf(buf, 128, "bad siginfo %d\n", si->si_signo);
    write(1, buf, (size_t)n);
}

static int avx_usable(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX))
        return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 6) == 6;
}

/* kill(getpid(), SIGUSR1) with every vector register holding a pattern;
 * returns whether they all still do afterwards. */
static int kill_keeps_vectors(void)
{
    static uint8_t in[16][32] __attribute__((aligned(32)));
    static uint8_t out[16][32] __attribute__((aligned(32)));
    for (int r = 0; r < 16; r++)
        for (int i = 0; i < 32; i++)
            in[r][i] = (uint8_t)(r * 32 + i + 1);
    long pid = getpid(), ret;
    if (have_avx)
        __asm__ volatile(
            "vmovdqa 0(%[in]), %%ymm0\n\tvmovdqa 32(%[in]), %%ymm1\n\t"
            "vmovdqa 64(%[in]), %%ymm2\n\tvmovdqa 96(%[in]), %%ymm3\n\t"
            "vmovdqa 128(%[in]), %%ymm4\n\tvmovdqa 160(%[in]), %%ymm5\n\t"
            "vmovdqa 192(%[in]), %%ymm6\n\tvmovdqa 224(%[in]), %%ymm7\n\t"
            "vmovdqa 256(%[in]), %%ymm8\n\tvmovdqa 288(%[in]), %%ymm9\n\t"
            "vmovdqa 320(%[in]), %%ymm10\n\tvmovdqa 352(%[in]), %%ymm11\n\t"
            "vmovdqa 384(%[in]), %%ymm12\n\tvmovdqa 416(%[in]), %%ymm13\n\t"
            "vmovdqa 448(%[in]), %%ymm14\n\tvmovdqa 480(%[in]), %%ymm15\n\t"
            "syscall\n\t"
            "vmovdqa %%ymm0, 0(%[out])\n\tvmovdqa %%ymm1, 32(%[out])\n\t"
            "vmovdqa %%ymm2, 64(%[out])\n\tvmovdqa %%ymm3, 96(%[out])\n\t"
            "vmovdqa %%ymm4, 128(%[out])\n\tvmovdqa %%ymm5, 160(%[out])\n\t"
            "vmovdqa %%ymm6, 192(%[out])\n\tvmovdqa %%ymm7, 224(%[out])\n\t"
            "vmovdqa %%ymm8, 256(%[out])\n\tvmovdqa %%ymm9, 288(%[out])\n\t"
            "vmovdqa %%ymm10, 320(%[out])\n\tvmovdqa %%ymm11, 352(%[out])\n\t"
            "vmovdqa %%ymm12, 384(%[out])\n\tvmovdqa %%ymm13, 416(%[out])\n\t"
            "vmovdqa %%ymm14, 448(%[out])\n\tvmovdqa %%ymm15, 480(%[out])\n\t"
            "vzeroupper"
            : "=a"(ret)
            : "a"((long)SYS_kill), "D"(pid),
              "S"((long)SIGUSR1), [in] "r"(in), [out] "r"(out)
            : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
              "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
              "xmm13", "xmm14", "xmm15");
    else
        __asm__ volatile(
            "movdqa 0(%[in]), %%xmm0\n\tmovdqa 32(%[in]), %%xmm1\n\t"
            "movdqa 64(%[in]), %%xmm2\n\tmovdqa 96(%[in]), %%xmm3\n\t"
            "movdqa 128(%[in]), %%xmm4\n\tmovdqa 160(%[in]), %%xmm5\n\t"
            "movdqa 192(%[in]), %%xmm6\n\tmovdqa 224(%[in]), %%xmm7\n\t"
            "movdqa 256(%[in]), %%xmm8\n\tmovdqa 288(%[in]), %%xmm9\n\t"
            "movdqa 320(%[in]), %%xmm10\n\tmovdqa 352(%[in]), %%xmm11\n\t"
            "movdqa 384(%[in]), %%xmm12\n\tmovdqa 416(%[in]), %%xmm13\n\t"
            "movdqa 448(%[in]), %%xmm14\n\tmovdqa 480(%[in]), %%xmm15\n\t"
            "syscall\n\t"
            "movdqa %%xmm0, 0(%[out])\n\tmovdqa %%xmm1, 32(%[out])\n\t"
            "movdqa %%xmm2, 64(%[out])\n\tmovdqa %%xmm3, 96(%[out])\n\t"
            "movdqa %%xmm4, 128(%[out])\n\tmovdqa %%xmm5, 160(%[out])\n\t"
            "movdqa %%xmm6, 192(%[out])\n\tmovdqa %%xmm7, 224(%[out])\n\t"
            "movdqa %%xmm8, 256(%[out])\n\tmovdqa %%xmm9, 288(%[out])\n\t"
            "movdqa %%xmm10, 320(%[out])\n\tmovdqa %%xmm11, 352(%[out])\n\t"
            "movdqa %%xmm12, 384(%[out])\n\tmovdqa %%xmm13, 416(%[out])\n\t"
            "movdqa %%xmm14, 448(%[out])\n\tmovdqa %%xmm15, 480(%[out])"
            : "=a"(ret)
            : "a"((long)SYS_kill), "D"(pid),
              "S"((long)SIGUSR1), [in] "r"(in), [out] "r"(out)
            : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
              "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
              "xmm13", "xmm14", "xmm15");
    size_t width = have_avx ? 32 : 16;
    int same = ret == 0;
    for (int r = 0; r < 16; r++)
        same = same && memcmp(in[r], out[r], width) == 0;
    return same;
}

int main(int argc, char **argv)
{
    use_static = argc > 1 && strcmp(argv[1], "static") == 0;
    have_avx = avx_usable();
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    int kept = kill_keeps_vectors();
    printf("kill: vector registers kept %d (%s)\n", kept,
           have_avx ? "ymm" : "xmm");
    fflush(stdout);

    alarm(1);
    int r = pause();
    printf("pause: %d %s handled %d\n", r,
           r < 0 && errno == EINTR ? "EINTR" : "?", (int)handled);
    fflush(stdout);

    static char alt[65536] __attribute__((aligned(16)));
    alt_lo = (uintptr_t)alt;
    alt_hi = alt_lo + sizeof(alt);
    stack_t ss = {alt, (int)(1u << 31) /* SS_AUTODISARM */, sizeof(alt)};
    if (sigaltstack(&ss, NULL) != 0)
        ss.ss_flags = 0, sigaltstack(&ss, NULL);
    sa.sa_flags |= SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    kill(getpid(), SIGUSR1);
    stack_t now;
    sigaltstack(NULL, &now);
    printf("altstack: handled %d still set %d\n", (int)handled,
           now.ss_sp == alt);
    return 7;
}
