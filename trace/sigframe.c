/* Signal frames as the x86-64 Linux kernel builds them for a handler
 * (arch/x86/kernel/signal.c get_sigframe and x64_setup_rt_frame,
 * arch/x86/kernel/fpu/signal.c copy_fpstate_to_sigframe), in the XSAVE
 * layout of a given host; rt_sigreturn from such a frame into this host's
 * layout; and the signal state replay asks the tracee's kernel for. The
 * layout is deterministic given the registers, FP/vector state, siginfo,
 * signal action and alternate stack at delivery, and the host's XSAVE
 * size and offsets. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "trace.h"

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31)
#endif

/* struct rt_sigframe (x86-64): pretcode, then struct ucontext (uc_flags,
 * uc_link, uc_stack, uc_mcontext = struct sigcontext, uc_sigmask), then
 * struct siginfo; the FP state follows at a 64-byte aligned address. */
enum {
    SF_PRETCODE = 0,
    SF_UC_FLAGS = 8,
    SF_UC_LINK = 16,
    SF_SS_SP = 24,
    SF_SS_FLAGS = 32,
    SF_SS_SIZE = 40,
    SF_MCONTEXT = 48,
    SF_SIGMASK = 304,
    SF_INFO = 312,
    SF_SIZE = 440,
};
/* struct sigcontext (64-bit), from SF_MCONTEXT */
enum {
    SC_R8 = 0,
    SC_RDI = 64,
    SC_RSI = 72,
    SC_RBP = 80,
    SC_RBX = 88,
    SC_RDX = 96,
    SC_RAX = 104,
    SC_RCX = 112,
    SC_RSP = 120,
    SC_RIP = 128,
    SC_EFLAGS = 136,
    SC_CS = 144,
    SC_GS = 146,
    SC_FS = 148,
    SC_SS = 150,
    SC_ERR = 152,
    SC_TRAPNO = 160,
    SC_OLDMASK = 168,
    SC_CR2 = 176,
    SC_FPSTATE = 184,
};
/* UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS */
#define UC_FLAGS_XSTATE 7
#define XSTATE_MAGIC1 0x46505853u /* FP_XSTATE_MAGIC1 */
#define XSTATE_MAGIC2 0x46505845u /* FP_XSTATE_MAGIC2, after the state */
#define USER_CS 0x33
#define EFLAGS_TF 0x100u
#define EFLAGS_DF 0x400u
#define EFLAGS_RF 0x10000u
/* the flags rt_sigreturn takes from the frame (FIX_EFLAGS) */
#define EFLAGS_FIX 0x50dd5u
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define XFEATURE_PKRU 9

static uint64_t sigbit(int sig)
{
    return 1ull << (sig - 1);
}

void trace_signal_restart(struct user_regs_struct *r, uint64_t sa_flags)
{
    if ((int32_t)r->orig_rax == -1)
        return; /* not interrupted in a system call */
    switch ((int64_t)r->rax) {
    case -TRACE_ERESTART_RESTARTBLOCK:
    case -ERESTARTNOHAND:
        r->rax = (uint64_t)-EINTR;
        break;
    case -ERESTARTSYS:
        if (!(sa_flags & SA_RESTART)) {
            r->rax = (uint64_t)-EINTR;
            break;
        }
        /* fall through */
    case -ERESTARTNOINTR:
        r->rax = r->orig_rax;
        r->rip -= 2;
        break;
    default:
        break;
    }
}

static bool on_stack(const trace_altstack *a, uint64_t sp)
{
    return sp > a->sp && sp - a->sp <= a->size;
}

void trace_frame_free(trace_frame *f)
{
    free(f->bytes);
    free(f->defined);
    memset(f, 0, sizeof(*f));
}

/* Writes v (n bytes) at offset off of the frame and marks it written. */
static void put(trace_frame *f, size_t off, uint64_t v, size_t n)
{
    memcpy(f->bytes + off, &v, n); /* little-endian host */
    memset(f->defined + off, 1, n);
}

static void put_bytes(trace_frame *f, size_t off, const void *p, size_t n)
{
    memcpy(f->bytes + off, p, n);
    memset(f->defined + off, 1, n);
}

/* Where get_sigframe puts the frame: false when the kernel would find no
 * room on the alternate stack (and kill the task with SIGSEGV). */
static bool place(const trace_delivery *d, uint64_t *sp_out, uint64_t *fp_out)
{
    const trace_altstack *alt = &d->alt;
    bool autodisarm = alt->flags & SS_AUTODISARM;
    bool nested = !autodisarm && on_stack(alt, d->regs.rsp);
    bool entering = false;
    uint64_t sp = d->regs.rsp - 128; /* the red zone */
    if ((d->act.flags & SA_ONSTACK) && alt->size &&
        (autodisarm || !on_stack(alt, sp))) {
        sp = alt->sp + alt->size;
        entering = true;
    }
    uint64_t fp = (sp - (d->layout->size + 4)) & ~63ull;
    sp = ((fp - SF_SIZE) & ~15ull) - 8;
    if ((nested || entering) && !on_stack(alt, sp))
        return false;
    *sp_out = sp;
    *fp_out = fp;
    return true;
}

static void put_fpstate(trace_frame *f, const trace_delivery *d, size_t fp)
{
    const trace_xlayout *L = d->layout;
    uint8_t *x = f->bytes + fp;
    /* the kernel clears the header, then XSAVE writes the legacy area
     * (not its reserved bytes 416..463), XSTATE_BV and every component */
    memset(x + TRACE_XSAVE_LEGACY, 0, TRACE_XSAVE_HDR_END - TRACE_XSAVE_LEGACY);
    memset(f->defined + fp + TRACE_XSAVE_LEGACY, 1,
           TRACE_XSAVE_HDR_END - TRACE_XSAVE_LEGACY);
    put_bytes(f, fp, d->xsave, 416);
    f->defined[fp + 28] = f->defined[fp + 29] = 0; /* MXCSR_MASK: the */
    f->defined[fp + 30] = f->defined[fp + 31] = 0; /* CPU's, not state */
    uint64_t bv = trace_xstate_bv(d->xsave) & L->xfeatures;
    bv = trace_xstate_translate(d->xsave, d->xsave_len, d->xsave_layout, x,
                                L->size, L, bv);
    if ((L->xfeatures >> XFEATURE_PKRU) & 1) {
        /* since 6.13 the kernel writes PKRU and marks it in use */
        const trace_xlayout *H = d->xsave_layout;
        if (((H->xfeatures >> XFEATURE_PKRU) & 1) &&
            H->off[XFEATURE_PKRU] + 4 <= d->xsave_len)
            memcpy(x + L->off[XFEATURE_PKRU], d->xsave + H->off[XFEATURE_PKRU],
                   4);
        bv |= 1ull << XFEATURE_PKRU;
    }
    /* Components not in use: XSAVE writes their init values on some CPUs
     * and nothing on others (and the kernel skips them where state sizes
     * are dynamic), so only those in use are defined. */
    for (unsigned i = 2; i < TRACE_XSTATE_COMPONENTS; i++)
        if ((bv >> i) & 1)
            memset(f->defined + fp + L->off[i], 1, L->len[i]);
    put(f, fp + TRACE_XSAVE_LEGACY, bv | 3, 8);
    /* fx_sw_reserved: how rt_sigreturn finds the extended state */
    put(f, fp + TRACE_FXSAVE_SW, XSTATE_MAGIC1, 4);
    put(f, fp + TRACE_FXSAVE_SW + 4, (uint64_t)L->size + 4, 4);
    put(f, fp + TRACE_FXSAVE_SW + 8, L->xfeatures, 8);
    put(f, fp + TRACE_FXSAVE_SW + 16, L->size, 4);
    memset(f->bytes + fp + TRACE_FXSAVE_SW + 20, 0, 28);
    memset(f->defined + fp + TRACE_FXSAVE_SW + 20, 1, 28);
    put(f, fp + L->size, XSTATE_MAGIC2, 4);
}

static void put_sigcontext(trace_frame *f, const trace_delivery *d,
                           const struct user_regs_struct *r, uint64_t fp)
{
    const uint64_t gpr[16] = {r->r8,  r->r9,  r->r10, r->r11, r->r12, r->r13,
                              r->r14, r->r15, r->rdi, r->rsi, r->rbp, r->rbx,
                              r->rdx, r->rax, r->rcx, r->rsp};
    size_t sc = SF_MCONTEXT;
    for (size_t i = 0; i < 16; i++)
        put(f, sc + 8 * i, gpr[i], 8);
    put(f, sc + SC_RIP, r->rip, 8);
    put(f, sc + SC_EFLAGS, r->eflags, 8);
    put(f, sc + SC_CS, r->cs, 2);
    put(f, sc + SC_GS, 0, 2);
    put(f, sc + SC_FS, 0, 2);
    put(f, sc + SC_SS, r->ss, 2);
    put(f, sc + SC_ERR, d->err, 8);
    put(f, sc + SC_TRAPNO, d->trapno, 8);
    put(f, sc + SC_OLDMASK, d->saved, 8);
    put(f, sc + SC_CR2, d->cr2, 8);
    put(f, sc + SC_FPSTATE, fp, 8);
}

bool trace_frame_build(int memfd, const trace_delivery *d, trace_frame *f)
{
    memset(f, 0, sizeof(*f));
    uint64_t sp, fp;
    if (d->sig < 1 || d->sig > 64 || !place(d, &sp, &fp))
        return false;
    size_t len = (size_t)(fp + d->layout->size + 4 - sp);
    f->bytes = malloc(len);
    f->defined = calloc(1, len);
    if (!f->bytes || !f->defined || !trace_mem_read(memfd, sp, f->bytes, len)) {
        trace_frame_free(f);
        return false;
    }
    f->sp = sp;
    f->len = len;
    struct user_regs_struct r = d->regs;
    trace_signal_restart(&r, d->act.flags);
    put(f, SF_PRETCODE, d->act.restorer, 8);
    put(f, SF_UC_FLAGS, UC_FLAGS_XSTATE, 8);
    put(f, SF_UC_LINK, 0, 8);
    put(f, SF_SS_SP, d->alt.sp, 8);
    put(f, SF_SS_FLAGS, d->alt.flags, 4);
    put(f, SF_SS_SIZE, d->alt.size, 8);
    put_sigcontext(f, d, &r, fp);
    put(f, SF_SIGMASK, d->saved, 8);
    if (d->act.flags & SA_SIGINFO)
        put_bytes(f, SF_INFO, d->siginfo, 128);
    put_fpstate(f, d, (size_t)(fp - sp));
    f->regs = r;
    f->regs.rip = d->act.handler;
    f->regs.rsp = sp;
    f->regs.rdi = (uint64_t)d->sig;
    f->regs.rsi = sp + SF_INFO;
    f->regs.rdx = sp + SF_UC_FLAGS;
    f->regs.rax = 0;
    f->regs.eflags &= ~(uint64_t)(EFLAGS_DF | EFLAGS_RF | EFLAGS_TF);
    f->regs.cs = USER_CS;
    f->mask = d->blocked | d->act.mask;
    if (!(d->act.flags & SA_NODEFER))
        f->mask |= sigbit(d->sig);
    f->mask &= ~(sigbit(SIGKILL) | sigbit(SIGSTOP));
    f->disarm = d->alt.flags & SS_AUTODISARM;
    return true;
}

bool trace_frame_extent(int memfd, uint64_t sp, size_t *len)
{
    uint64_t fp;
    uint32_t sw[2];
    if (!trace_mem_read(memfd, sp + SF_MCONTEXT + SC_FPSTATE, &fp, 8))
        return false;
    if (!fp) {
        *len = SF_SIZE;
        return true;
    }
    if (fp < sp + SF_SIZE || fp - sp > RRT_EV_FRAME_MAX ||
        !trace_mem_read(memfd, fp + TRACE_FXSAVE_SW, sw, sizeof(sw)))
        return false;
    uint64_t end = fp + TRACE_XSAVE_LEGACY;
    if (sw[0] == XSTATE_MAGIC1 && sw[1] >= TRACE_XSAVE_LEGACY &&
        sw[1] <= TRACE_XSAVE_MAX)
        end = fp + sw[1];
    if (end - sp > RRT_EV_FRAME_MAX)
        return false;
    *len = (size_t)(end - sp);
    return true;
}

long trace_frame_compare(const trace_frame *f, const uint8_t *rec, size_t len)
{
    if (len != f->len)
        return (long)(len < f->len ? len : f->len);
    for (size_t i = 0; i < len; i++)
        if (f->defined[i] && f->bytes[i] != rec[i])
            return (long)i;
    return -1;
}

/* ------------------------------------------------------------------ */
/* rt_sigreturn                                                       */

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* fpu__restore_sig: the FP state at fp (layout L) into this host's
 * regset form, which starts as the task's current one (out). */
static bool restore_fpstate(int memfd, uint64_t fp, const trace_xlayout *L,
                            uint8_t *out, size_t out_len,
                            const trace_xlayout *host)
{
    uint8_t *x = calloc(1, TRACE_XSAVE_MAX);
    bool ok = false;
    if (!x || !trace_mem_read(memfd, fp, x, TRACE_XSAVE_HDR_END))
        goto out;
    uint32_t magic1 = get32(x + TRACE_FXSAVE_SW);
    uint32_t ext = get32(x + TRACE_FXSAVE_SW + 4);
    uint64_t feats = get64(x + TRACE_FXSAVE_SW + 8);
    uint32_t size = get32(x + TRACE_FXSAVE_SW + 16);
    uint32_t magic2 = 0;
    /* check_xstate_in_sigframe: anything odd means FXSAVE state only */
    bool fx_only = magic1 != XSTATE_MAGIC1 || size < TRACE_XSAVE_HDR_END ||
                   size > L->size || size > ext ||
                   !trace_mem_read(memfd, fp + size, &magic2, 4) ||
                   magic2 != XSTATE_MAGIC2 ||
                   !trace_mem_read(memfd, fp, x, size);
    uint64_t restore = fx_only ? 3 : feats & L->xfeatures;
    uint64_t bv = fx_only ? 3 : get64(x + TRACE_XSAVE_LEGACY) & restore;
    if (!fx_only && (get64(x + TRACE_XSAVE_LEGACY + 8) ||
                     (get64(x + TRACE_XSAVE_LEGACY) & ~L->xfeatures)))
        goto out; /* XRSTOR faults on such a header: the kernel's SIGSEGV */
    memcpy(out, x, 28);                 /* x87 control state and MXCSR */
    memcpy(out + 32, x + 32, 416 - 32); /* ST and XMM registers */
    memset(out + TRACE_XSAVE_LEGACY + 8, 0,
           TRACE_XSAVE_HDR_END - TRACE_XSAVE_LEGACY - 8);
    bv = trace_xstate_translate(x, size, L, out, out_len, host, bv) | (bv & 3);
    memcpy(out + TRACE_XSAVE_LEGACY, &bv, 8);
    ok = true;
out:
    free(x);
    return ok;
}

bool trace_sigreturn_read(int memfd, const struct user_regs_struct *now,
                          const trace_xlayout *L, uint8_t *xsave,
                          size_t xsave_len, const trace_xlayout *host,
                          trace_sigreturn *s)
{
    uint8_t f[SF_SIZE];
    uint64_t frame = now->rsp - 8; /* the handler's ret took pretcode */
    if (!trace_mem_read(memfd, frame, f, sizeof(f)))
        return false;
    const uint8_t *sc = f + SF_MCONTEXT;
    struct user_regs_struct *r = &s->regs;
    *r = *now;
    unsigned long long *gpr[16] = {
        &r->r8,  &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
        &r->rdi, &r->rsi, &r->rbp, &r->rbx, &r->rdx, &r->rax, &r->rcx, &r->rsp};
    for (size_t i = 0; i < 16; i++)
        *gpr[i] = get64(sc + 8 * i);
    r->rip = get64(sc + SC_RIP);
    r->eflags = (now->eflags & ~(uint64_t)EFLAGS_FIX) |
                (get64(sc + SC_EFLAGS) & EFLAGS_FIX);
    r->orig_rax = (uint64_t)-1; /* no syscall restart past this point */
    s->mask = get64(f + SF_SIGMASK) & ~(sigbit(SIGKILL) | sigbit(SIGSTOP));
    s->uc_stack = frame + SF_SS_SP;
    uint64_t fp = get64(sc + SC_FPSTATE);
    if (!fp) {
        trace_xstate_init(xsave, xsave_len); /* fpu__clear_user_states */
        return true;
    }
    return restore_fpstate(memfd, fp, L, xsave, xsave_len, host);
}

/* ------------------------------------------------------------------ */
/* Signal state of a task                                             */

bool trace_signal_caught(pid_t tid, int sig)
{
    char path[64], line[256];
    unsigned long long caught = 0;
    bool found = false;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
    FILE *f = fopen(path, "re");
    while (f && !found && fgets(line, sizeof(line), f))
        found = sscanf(line, "SigCgt: %llx", &caught) == 1;
    if (f)
        fclose(f);
    return found && sig >= 1 && sig <= 64 && ((caught >> (sig - 1)) & 1);
}

/* Runs to the next system-call stop, dropping the SIGCHLD and SIGSTOP
 * that replay drops anyway (a replayed child's exit). */
static bool to_syscall_stop(pid_t pid)
{
    int st;
    for (;;) {
        if (ptrace(PTRACE_SYSCALL, pid, NULL, NULL) != 0 ||
            waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st))
            return false;
        if (WSTOPSIG(st) == (SIGTRAP | 0x80))
            return true;
        /* under the syscall buffer's filter the call stops at its seccomp
         * check too, between entry and exit */
        if ((st >> 8) == (SIGTRAP | PTRACE_EVENT_SECCOMP << 8))
            continue;
        if ((st >> 16) || (WSTOPSIG(st) != SIGCHLD && WSTOPSIG(st) != SIGSTOP))
            return false;
    }
}

/* The permission bit for want ('w': read-write, 'x': read-execute) in a
 * /proc/PID/maps perms field. */
static bool perms_allow(const char *perms, char want)
{
    return perms[0] == 'r' && perms[want == 'w' ? 1 : 2] == want;
}

/* at, if [at, at+size) lies in a mapping of pid that allows want; else
 * the start of the first such mapping; 0 if none. */
static uint64_t usable(pid_t pid, uint64_t at, size_t size, char want)
{
    char path[64], line[512];
    unsigned long long lo, hi;
    char perms[8];
    uint64_t first = 0, found = 0;
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    while (f && !found && fgets(line, sizeof(line), f)) {
        if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3 ||
            !perms_allow(perms, want) || hi - lo < size)
            continue;
        if (at >= lo && at + size <= hi)
            found = at;
        else if (!first)
            first = lo;
    }
    if (f)
        fclose(f);
    return found ? found : first;
}

/* Scratch memory for an injected call: the stack, unless the stack
 * pointer points where the task cannot write (a stack overflow's SIGSEGV
 * on its way to a handler on the alternate stack: unmapped, or a thread
 * stack's guard page); then the first writable mapping. And the place of
 * the injected `syscall` instruction: at rip, unless rip is not
 * executable (a jump to a bad address faulted there); then the first
 * executable mapping. The bytes are saved and put back. */
static uint64_t scratch_addr(pid_t pid, uint64_t sp, size_t size)
{
    return usable(pid, sp, size, 'w');
}

static uint64_t code_addr(pid_t pid, uint64_t rip)
{
    return usable(pid, rip, 2, 'x');
}

/* Runs system call nr in pid, stopped at a signal-delivery stop (whose
 * signal is dropped: replay delivers it itself) or a system-call exit
 * stop. Argument `at` points to `size` bytes of scratch memory (at the
 * stack pointer) holding io before the call; io gets them back after. */
static bool inject(pid_t pid, int memfd, long nr, uint64_t args[4], int at,
                   void *io, size_t size, long *ret)
{
    struct user_regs_struct saved, r;
    uint8_t code[2], scratch[64];
    static const uint8_t insn[2] = {0x0f, 0x05};
    uint64_t mem, pc;
    if (size > sizeof(scratch) ||
        ptrace(PTRACE_GETREGS, pid, NULL, &saved) != 0 ||
        !(pc = code_addr(pid, saved.rip)) ||
        !trace_mem_read(memfd, pc, code, 2) ||
        !(mem = scratch_addr(pid, saved.rsp, size)) ||
        !trace_mem_read(memfd, mem, scratch, size))
        return false;
    bool ok = trace_mem_write(memfd, pc, insn, 2) &&
              trace_mem_write(memfd, mem, io, size);
    r = saved;
    r.rip = pc;
    r.rax = (uint64_t)nr;
    r.orig_rax = (uint64_t)-1;
    args[at] = mem;
    for (int i = 0; i < 4; i++)
        trace_sc_set_arg(&r, i, args[i]);
    ok = ok && ptrace(PTRACE_SETREGS, pid, NULL, &r) == 0 &&
         to_syscall_stop(pid) && to_syscall_stop(pid) &&
         ptrace(PTRACE_GETREGS, pid, NULL, &r) == 0 &&
         trace_mem_read(memfd, mem, io, size);
    if (ok)
        *ret = (long)r.rax;
    ok = trace_mem_write(memfd, pc, code, 2) && ok;
    ok = trace_mem_write(memfd, mem, scratch, size) && ok;
    ok = ptrace(PTRACE_SETREGS, pid, NULL, &saved) == 0 && ok;
    return ok;
}

/* struct k_sigaction (x86-64): handler, flags, restorer, mask */
bool trace_sigaction_get(pid_t pid, int memfd, int sig, trace_sigaction *a)
{
    uint64_t args[4] = {(uint64_t)sig, 0, 0, 8}, k[4] = {0};
    long ret;
    if (!inject(pid, memfd, SYS_rt_sigaction, args, 2, k, sizeof(k), &ret) ||
        ret != 0)
        return false;
    *a = (trace_sigaction){k[0], k[1], k[2], k[3]};
    return true;
}

bool trace_sigaction_set(pid_t pid, int memfd, int sig,
                         const trace_sigaction *a)
{
    uint64_t args[4] = {(uint64_t)sig, 0, 0, 8};
    uint64_t k[4] = {a->handler, a->flags, a->restorer, a->mask};
    long ret;
    return inject(pid, memfd, SYS_rt_sigaction, args, 1, k, sizeof(k), &ret) &&
           ret == 0;
}

/* stack_t: ss_sp, ss_flags (int, then 4 bytes of padding), ss_size. The
 * kernel reports SS_ONSTACK or SS_DISABLE where it keeps other flags: what
 * it saves in frames is what sigaltstack was given, which for a stack
 * never set (SS_DISABLE reported) is 0. */
bool trace_altstack_get(pid_t pid, int memfd, trace_altstack *a)
{
    uint64_t args[4] = {0, 0, 0, 0}, ss[3] = {0};
    long ret;
    if (!inject(pid, memfd, SYS_sigaltstack, args, 1, ss, sizeof(ss), &ret) ||
        ret != 0)
        return false;
    uint32_t flags = (uint32_t)ss[1];
    a->sp = ss[0];
    a->size = ss[2];
    a->flags = flags & SS_AUTODISARM;
    if ((flags & ~SS_AUTODISARM) == SS_DISABLE)
        a->sp = a->size = 0;
    return true;
}

bool trace_altstack_disarm(pid_t pid, int memfd)
{
    uint64_t args[4] = {0, 0, 0, 0}, ss[3] = {0, SS_DISABLE, 0};
    long ret;
    return inject(pid, memfd, SYS_sigaltstack, args, 0, ss, sizeof(ss), &ret) &&
           ret == 0;
}

/* ------------------------------------------------------------------ */
/* The signal state traps destroy                                     */

static int trapsig_slot(int sig)
{
    return sig == SIGSEGV ? 0 : sig == SIGILL ? 1 : -1;
}

static void read_mask(trace_task *t)
{
    uint64_t m;
    t->trapsig.known =
        ptrace(PTRACE_GETSIGMASK, t->tid, (void *)sizeof(m), &m) == 0;
    if (t->trapsig.known)
        t->trapsig.mask = m;
}

/* After an exec: caught signals are back to SIG_DFL, ignored ones stay
 * ignored (flush_signal_handlers), as /proc says. */
static void exec_actions(trace_task *t)
{
    char path[64], line[256];
    unsigned long long ign = 0;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)t->tid);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "SigIgn: %llx", &ign) == 1)
            break;
    if (f)
        fclose(f);
    static const int sigs[2] = {SIGSEGV, SIGILL};
    for (int i = 0; i < 2; i++)
        t->trapsig.act[i] = (trace_sigaction){
            (ign >> (sigs[i] - 1)) & 1 ? (uint64_t)(uintptr_t)SIG_IGN : 0, 0, 0,
            0};
}

void trace_trapsig_call(trace_task *tasks, trace_task *t, long nr,
                        const uint64_t args[6], int64_t ret)
{
    if ((nr == SYS_execve || nr == SYS_execveat) && ret == 0) {
        exec_actions(t);
        read_mask(t);
    } else if (nr == SYS_rt_sigprocmask || nr == SYS_rt_sigreturn) {
        read_mask(t);
    } else if (nr == SYS_rt_sigaction && ret == 0 && args[1] &&
               trapsig_slot((int)args[0]) >= 0) {
        trace_sigaction a;
        if (!trace_mem_read(t->memfd, args[1], &a, sizeof(a)))
            return;
        int slot = trapsig_slot((int)args[0]);
        pid_t tgid = trace_tgid(t->tid);
        for (trace_task *u = tasks; u; u = u->next)
            if (u == t || (tgid > 0 && trace_tgid(u->tid) == tgid))
                u->trapsig.act[slot] = a;
    }
}

void trace_trapsig_mask(trace_task *t)
{
    read_mask(t);
}

void trace_trapsig_inherit(trace_task *child, const trace_task *parent)
{
    child->trapsig = parent->trapsig;
}

bool trace_trapsig_restore(trace_task *t, int sig)
{
    int slot = trapsig_slot(sig);
    if (slot < 0 || !t->trapsig.known)
        return true;
    uint64_t bit = 1ull << (sig - 1);
    const trace_sigaction *a = &t->trapsig.act[slot];
    bool blocked = t->trapsig.mask & bit;
    if (!blocked && a->handler != (uint64_t)(uintptr_t)SIG_IGN)
        return true; /* the kernel changed nothing */
    uint64_t m = t->trapsig.mask;
    return trace_sigaction_set(t->tid, t->memfd, sig, a) &&
           (!blocked ||
            ptrace(PTRACE_SETSIGMASK, t->tid, (void *)sizeof(m), &m) == 0);
}
