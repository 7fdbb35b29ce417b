/* corpus: a seccomp filter traps getppid: SIGSYS, whose siginfo names the call,
 * its address and arch */
#define _GNU_SOURCE
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int got_nr, got_code, got_arch, hits;

static void on_sys(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    hits++;
    got_nr = si->si_syscall;
    got_code = si->si_code;
    got_arch = si->si_arch == AUDIT_ARCH_X86_64;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = 4, .filter = f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
        return 2;
    long r = syscall(SYS_getppid);
    printf("getppid returned %ld, SIGSYS %d for call %d code %d arch ok %d\n",
           r, hits, got_nr, got_code, got_arch);
    if (hits != 1 || got_nr != SYS_getppid || got_code != 1 /* SYS_SECCOMP */ ||
        !got_arch)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
