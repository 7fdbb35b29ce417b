/* System calls that shape the process tree or the recorder's own hold on
 * the program, which the recorder adjusts at their entry: clone with
 * CLONE_UNTRACED (the child must be traced all the same), the program's
 * own PR_SET_TSC and PR_GET_TSC (rrt uses RDTSC trapping itself, so the
 * program sees the mode it set, emulated), and 32-bit calls made through
 * int 0x80, which the x86-64 table cannot describe. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "recorderi.h"

/* The two bytes of `int 0x80`, which a 64-bit program may execute too:
 * the kernel then takes eax as an i386 call number. */
static bool via_int80(rtask *t, uint64_t rip)
{
    uint8_t b[2];
    return rip >= 2 && trace_mem_read(t->base.memfd, rip - 2, b, 2) &&
           b[0] == 0xcd && b[1] == 0x80;
}

bool rec_proc_entry(recorder *r, rtask *t, struct user_regs_struct *regs)
{
    t->emulated = false;
    if (via_int80(t, regs->rip))
        return rec_fail(r,
                        "process %d: 32-bit system call %ld through int "
                        "0x80 (i386 numbering) at 0x%llx; rrt cannot record "
                        "this program yet",
                        (int)t->base.tid, t->nr, regs->rip);
    if (t->nr == SYS_clone && (t->args[0] & CLONE_UNTRACED)) {
        /* the event keeps the flags the program passed (t->args) */
        regs->rdi &= ~(uint64_t)CLONE_UNTRACED;
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, regs);
        return true;
    }
    if (t->nr != SYS_prctl ||
        (t->args[0] != PR_SET_TSC && t->args[0] != PR_GET_TSC))
        return true;
    /* Never run: the kernel's mode is rrt's (RDTSC traps). The result is
     * set at the exit stop and recorded like a call the kernel ran (with
     * PR_GET_TSC's output), which replay emulates. */
    t->emulated = true;
    t->emu_ret = 0;
    if (t->args[0] == PR_SET_TSC) {
        if (t->args[1] == PR_TSC_ENABLE || t->args[1] == PR_TSC_SIGSEGV)
            t->tsc_sigsegv = t->args[1] == PR_TSC_SIGSEGV;
        else
            t->emu_ret = -EINVAL;
    }
    regs->orig_rax = (uint64_t)-1;
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, regs);
    return true;
}

void rec_proc_exit(recorder *r, rtask *t, struct user_regs_struct *regs)
{
    (void)r;
    if (!t->emulated)
        return;
    t->emulated = false;
    if (t->args[0] == PR_GET_TSC) {
        int mode = t->tsc_sigsegv ? PR_TSC_SIGSEGV : PR_TSC_ENABLE;
        if (!trace_mem_write(t->base.memfd, t->args[1], &mode, sizeof(mode)))
            t->emu_ret = -EFAULT;
    }
    regs->rax = (uint64_t)t->emu_ret;
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, regs);
}

/* An RDTSC trap of a task that asked for PR_TSC_SIGSEGV is its own signal,
 * raised by its own instruction stream. */
bool rec_proc_tsc_fault(rtask *t, int sig, const siginfo_t *si)
{
    struct user_regs_struct g;
    if (!t->tsc_sigsegv || sig != SIGSEGV || si->si_code != SI_KERNEL ||
        ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) != 0)
        return false;
    int insn = trace_trap_insn(t->base.memfd, g.rip);
    return insn == 1 || insn == 2;
}

/* rrt record was told to stop (SIGINT, SIGTERM) after the program's first
 * process had ended: the tasks still running outlived it (daemons). Their
 * recording stops here, each with a DETACH event (threads before their
 * process's leader, whose end the kernel reports last), and the archive
 * is complete: the program's run, as far as it concerns the caller, was
 * over. The caller kills them. */
size_t rec_proc_detach_all(recorder *r)
{
    size_t n = 0;
    for (int leaders = 0; leaders < 2; leaders++) {
        for (trace_task *b = r->tasks; b; b = b->next) {
            rtask *t = (rtask *)b;
            if ((trace_tgid(b->tid) == b->tid) != leaders || !t->recording)
                continue;
            rrt_ev_detach e = {.tid = (uint32_t)b->tid};
            if (rec_emit_detach(&r->prod, &e, &r->err) != RRT_OK) {
                r->failed = true;
                return n;
            }
            n++;
        }
    }
    return n;
}
