/* corpus: seccomp(2) RET_TRAP with data: SIGSYS's siginfo carries the call
 * number, its address, the arch and the data in si_errno; the handler fixes the
 * result */
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
#include <ucontext.h>
#include <unistd.h>

static volatile int got_nr, got_errno, got_arch, addr_ok, hits;

static void on_sys(int sig, siginfo_t *si, void *p)
{
    ucontext_t *uc = p;
    (void)sig;
    hits++;
    got_nr = si->si_syscall;
    got_errno = si->si_errno;
    got_arch = si->si_arch == AUDIT_ARCH_X86_64;
    /* the address after the syscall instruction is where the task is */
    addr_ok = (unsigned long)si->si_call_addr ==
              (unsigned long)uc->uc_mcontext.gregs[REG_RIP];
    uc->uc_mcontext.gregs[REG_RAX] = 4321;
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
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getuid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | 77),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = 4, .filter = f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
        return 2;
    long r = syscall(SYS_getuid);
    printf("getuid gave %ld; SIGSYS %d for call %d data %d arch ok %d addr ok "
           "%d\n",
           r, hits, got_nr, got_errno, got_arch, addr_ok);
    if (r != 4321 || hits != 1 || got_nr != SYS_getuid || got_errno != 77 ||
        !got_arch || !addr_ok)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
