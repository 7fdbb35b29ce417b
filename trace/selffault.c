/* CPUID faulting on the tracer's own thread while it drives tracees that
 * have it (spec: none; an optimization that changes nothing recorded).
 *
 * The kernel keeps CPUID faulting per thread and rewrites the fault MSR
 * whenever it switches between two threads whose settings differ. Tracer
 * and tracee share one CPU and switch at every ptrace stop, and under a
 * hypervisor each of those MSR writes is a VM exit: about 9 us of the
 * ~28 us a CPUID trap costs on the Intel VMs here. With the same setting
 * on both sides nothing is written.
 *
 * rrt runs no CPUID of its own while it records or replays: the host
 * values it needs are read before (trace_self_fault_prepare), and a
 * library it loads meanwhile is loaded with faulting off (util/dl.c). If
 * one runs all the same (a library's lazy CPU check, a thread started
 * meanwhile, which inherits the setting), the SIGSEGV handler below turns
 * faulting off for that thread and lets the instruction run again: the
 * cost is speed, never a crash. Any other SIGSEGV goes to the handler
 * that was there before (ASan's), or kills rrt as it always would. */
#include <cpuid.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "trace.h"

#ifndef ARCH_SET_CPUID
#define ARCH_SET_CPUID 0x1012
#endif

static __thread bool self_on;
static struct sigaction old_segv;
static volatile sig_atomic_t handler_set, turned_off;

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
    const ucontext_t *uc = ucv;
    const uint8_t *ip = (const uint8_t *)uc->uc_mcontext.gregs[REG_RIP];
    if (si->si_code == SI_KERNEL && ip[0] == 0x0f && ip[1] == 0xa2 &&
        syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1) == 0) {
        self_on = false;
        turned_off = 1;
        return; /* the CPUID runs again, allowed now */
    }
    if ((old_segv.sa_flags & SA_SIGINFO) && old_segv.sa_sigaction) {
        old_segv.sa_sigaction(sig, si, ucv);
        return;
    }
    if (old_segv.sa_handler != SIG_DFL && old_segv.sa_handler != SIG_IGN) {
        old_segv.sa_handler(sig);
        return;
    }
    /* the fault happens again with the action there was */
    sigaction(SIGSEGV, &old_segv, NULL);
}

void trace_self_fault_prepare(void)
{
    trace_xlayout l;
    uint32_t regs[4] = {0};
    trace_host_xcr0();
    trace_xlayout_host(&l);
    trace_cpuid_xsave_floor(0xd, 0, regs);
}

bool trace_self_fault_begin(void)
{
    if (self_on)
        return true;
    trace_self_fault_prepare();
    if (!handler_set) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = on_segv;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGSEGV, &sa, &old_segv) != 0)
            return false;
        handler_set = 1;
    }
    if (syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0) != 0)
        return false;
    self_on = true;
    return true;
}

void trace_self_fault_end(void)
{
    if (self_on)
        syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1);
    self_on = false;
}

bool trace_self_fault_lost(void)
{
    return turned_off != 0;
}
