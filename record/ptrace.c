/* ptrace plumbing shared by record and replay: starting a tracee in the
 * deterministic setup both sides need, tracee memory, syscall injection,
 * auxv rewriting, CPUID faulting and CPUID patching. */
#include <capstone/capstone.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rrt/cpufeat.h>

#include "trace.h"

#ifndef ARCH_SET_CPUID
#define ARCH_SET_CPUID 0x1012
#endif

/* ------------------------------------------------------------------ */
/* Starting a tracee                                                  */

/* Replay's second wall: besides the calls replay executes for real, only
 * syscall number -1 (what replay turns emulated calls into) may run. */
static const int wall_allowed[] = {
    SYS_execve,       SYS_mmap,         SYS_munmap,
    SYS_mprotect,     SYS_brk,          SYS_mremap,
    SYS_madvise,      SYS_arch_prctl,   SYS_rt_sigaction,
    SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_sigaltstack,
    SYS_set_tid_address, SYS_set_robust_list, SYS_exit,
    SYS_exit_group,   SYS_clone,        SYS_fork,
    SYS_vfork,        SYS_rt_sigsuspend,
};
#define N_WALL (sizeof(wall_allowed) / sizeof(wall_allowed[0]))

static int install_wall(void)
{
    struct sock_filter f[4 + N_WALL + 3];
    size_t n = 0;
    f[n++] = (struct sock_filter)BPF_STMT(
        BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                          AUDIT_ARCH_X86_64, 1, 0);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
                                          SECCOMP_RET_KILL_PROCESS);
    f[n++] = (struct sock_filter)BPF_STMT(
        BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    /* Jump offsets count from the next instruction to the ALLOW at the
     * end: the remaining compares, then the KILL. */
    uint8_t left = (uint8_t)(N_WALL + 1);
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                          0xffffffffu, left, 0);
    for (size_t i = 0; i < N_WALL; i++) {
        left--;
        f[n++] = (struct sock_filter)BPF_JUMP(
            BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)wall_allowed[i], left, 0);
    }
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
                                          SECCOMP_RET_KILL_PROCESS);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog prog = {.len = (unsigned short)n, .filter = f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

static void child_setup(const rrti_spawn_opts *o)
{
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
        _exit(126);
    personality(ADDR_NO_RANDOMIZE);
    if (o->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(o->cpu, &set);
        sched_setaffinity(0, sizeof(set), &set);
    }
    /* RDTSC/RDTSCP now raise SIGSEGV; the setting survives execve. */
    if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0) != 0)
        _exit(126);
    raise(SIGSTOP);
    if (o->seccomp_wall && install_wall() != 0)
        _exit(126);
    execve(o->path, o->argv, o->envp);
    if (!o->seccomp_wall)
        dprintf(2, "rrt: cannot execute %s: %s\n", o->path, strerror(errno));
    _exit(127);
}

pid_t rrti_spawn(const rrti_spawn_opts *o)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        child_setup(o);
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st) ||
        WSTOPSIG(st) != SIGSTOP) {
        kill(pid, SIGKILL);
        errno = ECHILD;
        return -1;
    }
    long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC |
                PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL;
    if (ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) != 0) {
        int e = errno;
        kill(pid, SIGKILL);
        errno = e;
        return -1;
    }
    return pid;
}

/* ------------------------------------------------------------------ */
/* Memory                                                             */

int rrti_mem_open(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
    return open(path, O_RDWR | O_CLOEXEC);
}

bool rrti_mem_read(int memfd, uint64_t addr, void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t r = pread(memfd, p, n, (off_t)addr);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            return false;
        }
        p += r;
        addr += (uint64_t)r;
        n -= (size_t)r;
    }
    return true;
}

bool rrti_mem_write(int memfd, uint64_t addr, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t r = pwrite(memfd, p, n, (off_t)addr);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            return false;
        }
        p += r;
        addr += (uint64_t)r;
        n -= (size_t)r;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Registers                                                          */

uint64_t rrti_sc_arg(const struct user_regs_struct *r, int i)
{
    switch (i) {
    case 0: return r->rdi;
    case 1: return r->rsi;
    case 2: return r->rdx;
    case 3: return r->r10;
    case 4: return r->r8;
    default: return r->r9;
    }
}

void rrti_sc_set_arg(struct user_regs_struct *r, int i, uint64_t v)
{
    switch (i) {
    case 0: r->rdi = v; break;
    case 1: r->rsi = v; break;
    case 2: r->rdx = v; break;
    case 3: r->r10 = v; break;
    case 4: r->r8 = v; break;
    default: r->r9 = v; break;
    }
}

static bool wait_syscall_stop(pid_t pid)
{
    int st;
    if (ptrace(PTRACE_SYSCALL, pid, NULL, NULL) != 0)
        return false;
    if (waitpid(pid, &st, __WALL) != pid)
        return false;
    return WIFSTOPPED(st) && WSTOPSIG(st) == (SIGTRAP | 0x80);
}

bool rrti_inject_syscall(pid_t pid, int memfd, long nr, const uint64_t *args,
                         int nargs, long *ret)
{
    struct user_regs_struct saved, r;
    uint8_t code[2];
    static const uint8_t syscall_insn[2] = {0x0f, 0x05};
    if (ptrace(PTRACE_GETREGS, pid, NULL, &saved) != 0 ||
        !rrti_mem_read(memfd, saved.rip, code, 2) ||
        !rrti_mem_write(memfd, saved.rip, syscall_insn, 2))
        return false;
    r = saved;
    r.rax = (uint64_t)nr;
    r.orig_rax = (uint64_t)-1;
    for (int i = 0; i < nargs && i < 6; i++)
        rrti_sc_set_arg(&r, i, args[i]);
    bool ok = ptrace(PTRACE_SETREGS, pid, NULL, &r) == 0 &&
              wait_syscall_stop(pid) && wait_syscall_stop(pid) &&
              ptrace(PTRACE_GETREGS, pid, NULL, &r) == 0;
    if (ok)
        *ret = (long)r.rax;
    ok = rrti_mem_write(memfd, saved.rip, code, 2) && ok;
    ok = ptrace(PTRACE_SETREGS, pid, NULL, &saved) == 0 && ok;
    return ok;
}

/* ------------------------------------------------------------------ */
/* auxv                                                               */

#define AT_NULL_ 0
#define AT_IGNORE_ 1
#define AT_SYSINFO_EHDR_ 33
#define AT_RANDOM_ 25

/* auxv words describing the machine; replay restores the recorded ones so
 * that the program's view matches even on another host. */
static bool auxv_restored(uint64_t key)
{
    switch (key) {
    case 11: case 12: case 13: case 14: /* AT_UID .. AT_EGID */
    case 16: case 17: case 23: case 26: /* HWCAP, CLKTCK, SECURE, HWCAP2 */
    case 51:                            /* AT_MINSIGSTKSZ */
        return true;
    default:
        return false;
    }
}

static bool read_word(int memfd, uint64_t addr, uint64_t *v)
{
    return rrti_mem_read(memfd, addr, v, sizeof(*v));
}

bool rrti_exec_fixup_auxv(pid_t pid, int memfd, rrt_ev_exec *ex,
                          const rrt_ev_exec *set)
{
    struct user_regs_struct r;
    uint64_t argc, v;
    if (ptrace(PTRACE_GETREGS, pid, NULL, &r) != 0 ||
        !read_word(memfd, r.rsp, &argc) || argc > (1u << 20))
        return false;
    uint64_t p = r.rsp + 8 * (argc + 2); /* argc, argv[], NULL */
    for (;;) {                           /* envp[], NULL */
        if (!read_word(memfd, p, &v))
            return false;
        p += 8;
        if (!v)
            break;
    }
    ex->tid = (uint32_t)pid;
    ex->n_auxv = 0;
    for (;; p += 16) {
        uint64_t kv[2];
        if (!rrti_mem_read(memfd, p, kv, sizeof(kv)))
            return false;
        if (kv[0] == AT_NULL_)
            break;
        if (kv[0] == AT_SYSINFO_EHDR_) {
            kv[0] = AT_IGNORE_;
            if (!rrti_mem_write(memfd, p, &kv[0], 8))
                return false;
        }
        if (kv[0] == AT_RANDOM_) {
            if (set && !rrti_mem_write(memfd, kv[1], set->at_random, 16))
                return false;
            if (!rrti_mem_read(memfd, kv[1], ex->at_random, 16))
                return false;
        }
        for (size_t i = 0; set && auxv_restored(kv[0]) && i < set->n_auxv;
             i++) {
            if (set->auxv[i][0] == kv[0] && set->auxv[i][1] != kv[1]) {
                kv[1] = set->auxv[i][1];
                if (!rrti_mem_write(memfd, p + 8, &kv[1], 8))
                    return false;
            }
        }
        if (ex->n_auxv < RRT_EV_MAX_AUXV) {
            ex->auxv[ex->n_auxv][0] = kv[0];
            ex->auxv[ex->n_auxv][1] = kv[1];
            ex->n_auxv++;
        }
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* CPUID                                                              */

bool rrti_cpuid_mode_parse(const char *s, rrti_cpuid_mode *m)
{
    if (!strcmp(s, "auto"))
        *m = RRTI_CPUID_AUTO;
    else if (!strcmp(s, "fault"))
        *m = RRTI_CPUID_FAULT;
    else if (!strcmp(s, "patch"))
        *m = RRTI_CPUID_PATCH;
    else
        return false;
    return true;
}

rrti_cpuid_mode rrti_cpuid_mode_resolve(rrti_cpuid_mode m)
{
    if (m != RRTI_CPUID_AUTO)
        return m;
    return rrt_cpuid_host_has_faulting() ? RRTI_CPUID_FAULT
                                         : RRTI_CPUID_PATCH;
}

bool rrti_cpuid_arm_fault(pid_t pid, int memfd)
{
    uint64_t args[2] = {ARCH_SET_CPUID, 0};
    long ret;
    return rrti_inject_syscall(pid, memfd, SYS_arch_prctl, args, 2, &ret) &&
           ret == 0;
}

void rrti_patches_clear(rrti_patches *p)
{
    free(p->addr);
    memset(p, 0, sizeof(*p));
}

rrti_pset *rrti_pset_new(void)
{
    rrti_pset *s = calloc(1, sizeof(*s));
    if (s)
        s->refs = 1;
    return s;
}

rrti_pset *rrti_pset_ref(rrti_pset *s)
{
    s->refs++;
    return s;
}

void rrti_pset_unref(rrti_pset *s)
{
    if (s && --s->refs == 0) {
        rrti_patches_clear(&s->p);
        free(s);
    }
}

rrti_pset *rrti_pset_copy(const rrti_pset *s)
{
    rrti_pset *c = rrti_pset_new();
    if (!c || !s->p.n)
        return c;
    c->p.addr = malloc(s->p.n * sizeof(*c->p.addr));
    if (!c->p.addr) {
        free(c);
        return NULL;
    }
    memcpy(c->p.addr, s->p.addr, s->p.n * sizeof(*c->p.addr));
    c->p.n = c->p.cap = s->p.n;
    return c;
}

bool rrti_patches_has(const rrti_patches *p, uint64_t addr)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->addr[i] == addr)
            return true;
    return false;
}

static bool patches_add(rrti_patches *p, uint64_t addr)
{
    if (rrti_patches_has(p, addr))
        return true;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        uint64_t *a = realloc(p->addr, cap * sizeof(*a));
        if (!a)
            return false;
        p->addr = a;
        p->cap = cap;
    }
    p->addr[p->n++] = addr;
    return true;
}

#define PATCH_MAX_REGION (256u << 20)

/* A linear sweep: code and data interleaved in one executable mapping may
 * still fool it, but unlike a byte search it never patches the middle of
 * another instruction it decoded. */
long rrti_patch_range(int memfd, uint64_t start, uint64_t len,
                      rrti_patches *p)
{
    if (len == 0 || len > PATCH_MAX_REGION)
        return 0;
    uint8_t *code = malloc((size_t)len);
    if (!code)
        return -1;
    long n = -1;
    csh h = 0;
    cs_insn *insn = NULL;
    if (!rrti_mem_read(memfd, start, code, (size_t)len))
        goto out;
    /* Code without the bytes 0F A2 anywhere cannot hold a CPUID: skip the
     * (slow) disassembly. Sites are still only ever chosen by decoding. */
    n = 0;
    if (!memmem(code, (size_t)len, "\x0f\xa2", 2))
        goto out;
    n = -1;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        goto out;
    insn = cs_malloc(h);
    if (!insn)
        goto out;
    n = 0;
    const uint8_t *c = code;
    size_t left = (size_t)len;
    uint64_t addr = start;
    static const uint8_t ud2[2] = {0x0f, 0x0b};
    while (left > 0) {
        if (!cs_disasm_iter(h, &c, &left, &addr, insn)) {
            c++; /* undecodable byte: resynchronize on the next one */
            left--;
            addr++;
            continue;
        }
        if (insn->id == X86_INS_CPUID) {
            if (!rrti_mem_write(memfd, insn->address, ud2, 2) ||
                !patches_add(p, insn->address)) {
                n = -1;
                goto out;
            }
            n++;
        }
    }
out:
    if (insn)
        cs_free(insn, 1);
    if (h)
        cs_close(&h);
    free(code);
    return n;
}

long rrti_patch_all(pid_t pid, int memfd, rrti_patches *p)
{
    char path[64], line[512];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    long total = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long long lo, hi;
        char perms[8] = "";
        if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3 ||
            perms[2] != 'x' || strstr(line, "[v"))
            continue;
        long n = rrti_patch_range(memfd, lo, hi - lo, p);
        if (n < 0) {
            total = -1;
            break;
        }
        total += n;
    }
    fclose(f);
    return total;
}

int rrti_trap_insn(int memfd, uint64_t rip)
{
    uint8_t b[3] = {0};
    if (!rrti_mem_read(memfd, rip, b, 2))
        return 0;
    if (b[0] != 0x0f)
        return 0;
    if (b[1] == 0x31)
        return 1;
    if (b[1] == 0xa2)
        return 3;
    if (b[1] == 0x0b)
        return 4;
    if (b[1] == 0x01 && rrti_mem_read(memfd, rip + 2, &b[2], 1) &&
        b[2] == 0xf9)
        return 2;
    return 0;
}

void rrti_apply_rdtsc(struct user_regs_struct *r, const rrt_ev_rdtsc *e)
{
    r->rax = e->tsc & 0xffffffffu;
    r->rdx = e->tsc >> 32;
    if (e->rdtscp) {
        r->rcx = e->aux;
        r->rip += 3;
    } else {
        r->rip += 2;
    }
}

void rrti_apply_cpuid(struct user_regs_struct *r, const uint32_t regs[4])
{
    r->rax = regs[0];
    r->rbx = regs[1];
    r->rcx = regs[2];
    r->rdx = regs[3];
    r->rip += 2;
}

/* ------------------------------------------------------------------ */
/* Environment and lists                                              */

static bool contains_ci(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word);
    for (size_t i = 0; i + w <= n; i++)
        if (strncasecmp(s + i, word, w) == 0)
            return true;
    return false;
}

bool rrti_env_is_secret(const char *name, size_t len)
{
    return contains_ci(name, len, "TOKEN") ||
           contains_ci(name, len, "SECRET") ||
           contains_ci(name, len, "PASSWORD") ||
           contains_ci(name, len, "KEY") ||
           (len >= 4 && strncmp(name, "AWS_", 4) == 0);
}

char *rrti_list_encode(char *const *items, size_t n)
{
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += 2 * strlen(items[i]) + 1;
    char *out = malloc(cap), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (i)
            *o++ = '\n';
        for (const char *s = items[i]; *s; s++) {
            if (*s == '\\' || *s == '\n') {
                *o++ = '\\';
                *o++ = *s == '\n' ? 'n' : '\\';
            } else {
                *o++ = *s;
            }
        }
    }
    *o = 0;
    return out;
}

char **rrti_list_decode(const char *text, size_t *n)
{
    size_t len = strlen(text), count = len ? 1 : 0;
    for (size_t i = 0; i < len; i++)
        count += text[i] == '\n';
    /* One block: the pointer vector, then the decoded strings. */
    char **v = malloc((count + 1) * sizeof(char *) + len + 1);
    if (!v)
        return NULL;
    char *o = (char *)(v + count + 1);
    size_t k = 0;
    if (count)
        v[k++] = o;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            *o++ = 0;
            v[k++] = o;
        } else if (text[i] == '\\' && i + 1 < len) {
            i++;
            *o++ = text[i] == 'n' ? '\n' : text[i];
        } else {
            *o++ = text[i];
        }
    }
    *o = 0;
    v[k] = NULL;
    *n = count;
    return v;
}

char *rrti_script_path(pid_t tid, const char *path)
{
    char at[PATH_MAX + 64], real[PATH_MAX];
    if (path[0] != '/' && tid)
        snprintf(at, sizeof(at), "/proc/%d/cwd/%s", (int)tid, path);
    else
        snprintf(at, sizeof(at), "%s", path);
    int fd = open(at, O_RDONLY | O_CLOEXEC);
    char magic[2] = {0};
    bool script = fd >= 0 && read(fd, magic, 2) == 2 && magic[0] == '#' &&
                  magic[1] == '!';
    if (fd >= 0)
        close(fd);
    return script && realpath(at, real) ? strdup(real) : NULL;
}
