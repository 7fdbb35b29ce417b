/* The trace layer both engines stand on (the model is CRIU's compel): a
 * tracee spawned in a deterministic set-up, its memory, its registers and
 * system calls injected into it, the auxiliary vector at exec, CPUID
 * trapping (faulting or patching), the task list and the system call
 * table. It knows nothing of recording or replaying; record/ and replay/
 * build on it and never include each other. */
#ifndef RRT_TRACE_TRACE_H
#define RRT_TRACE_TRACE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/user.h>

#include <rrt/rrt.h>

#include "cpuid_find.h"
#include "site_cache.h"

/* ------------------------------------------------------------------ */
/* System call table                                                  */

/* How replay treats a call. */
typedef enum {
    TRACE_SC_EMULATE = 0, /* skipped at replay; result and outputs restored */
    TRACE_SC_EXECUTE,     /* run for real at replay (address space, process
                           * state that lives in the kernel) */
    TRACE_SC_ENOSYS,      /* refused at record with ENOSYS, emulated */
    TRACE_SC_REFUSE,      /* not recordable: the recording stops (why) */
} trace_sc_mode;

/* What a call writes into the caller's memory. */
typedef enum {
    TRACE_OUT_NONE = 0,
    TRACE_OUT_FIXED,    /* `size` bytes at arg a (if non-NULL) */
    TRACE_OUT_RET,      /* buffer at arg a, length = result */
    TRACE_OUT_ARGLEN,   /* buffer at arg a, length = arg b */
    TRACE_OUT_IOV,      /* iovec array at arg a, count arg b, total = result */
    TRACE_OUT_SOCKADDR, /* sockaddr at arg a, socklen_t* at arg b */
    TRACE_OUT_RET_X,    /* buffer at arg a, length = result * size */
    TRACE_OUT_SPECIAL,  /* handled by code (msghdr, ioctl, fcntl, ...) */
} trace_out_kind;

typedef struct trace_out {
    uint8_t kind;
    uint8_t a, b;
    uint16_t size;
} trace_out;

typedef struct trace_sc_desc {
    const char *name;
    uint8_t mode;  /* trace_sc_mode */
    uint8_t nargs; /* arguments compared at replay */
    /* separate members so that table rows can list 0 to 3 of them */
    trace_out out0, out1, out2;
    const char *why; /* TRACE_SC_REFUSE: the reason, for the user */
} trace_sc_desc;

/* Never NULL: a number without a row gets a TRACE_SC_ENOSYS row named
 * "unknown" (the kernel's answer to a number it does not know). */
const trace_sc_desc *trace_syscall_desc(long nr);
/* A call the recorder answers itself (TRACE_SC_ENOSYS rows, copies to its
 * stdout) is normally skipped as number -1; but the program's own seccomp
 * filter sees that number and may kill it. This changes one argument of
 * such a call so that the kernel fails it at once, changing nothing, and
 * the filter judges the call the program made. False: no such argument. */
bool trace_syscall_defuse(long nr, struct user_regs_struct *r);
/* The path execveat(dirfd, path, ..., flags) executes, as tid's /proc
 * names it; false when there is none (an empty path without
 * AT_EMPTY_PATH) or it does not fit. */
bool trace_execveat_path(pid_t tid, int64_t dirfd, const char *path,
                         uint64_t flags, char *out, size_t n);
/* Where both engines write the path an execveat runs as an execve: below
 * the red zone, where the exec discards it. */
static inline uint64_t trace_execveat_scratch(uint64_t rsp, size_t len)
{
    return (rsp - 256 - len) & ~(uint64_t)15;
}
/* Whether nr has a row of its own. */
bool trace_syscall_known(long nr);
/* The number the kernel runs for a syscall stop's orig_rax: its low 32
 * bits, signed (syscall(-1), and 1ul << 32 | 39 is getpid). */
long trace_syscall_nr(uint64_t orig_rax);
/* "read", or "syscall_123" in buf when unknown. */
const char *trace_syscall_name(long nr, char buf[32]);

/* What an ioctl request writes at its argument (ioctl.c). */
typedef enum {
    TRACE_IOCTL_REFUSE = 0, /* an old request without a size, not listed */
    TRACE_IOCTL_FIXED,      /* *size bytes (maybe 0) */
    TRACE_IOCTL_IFCONF,     /* SIOCGIFCONF: struct ifconf, then ifc_len bytes
                             * at ifc_buf */
    TRACE_IOCTL_FIEMAP,     /* FS_IOC_FIEMAP: 32 bytes, then fm_mapped_extents
                             * extents of 56 */
} trace_ioctl_kind;
trace_ioctl_kind trace_ioctl_out(uint64_t request, uint32_t *size);

/* ------------------------------------------------------------------ */
/* ptrace helpers                                                     */

typedef struct trace_spawn_opts {
    const char *path;
    char *const *argv;
    char *const *envp;
    int cpu;           /* pin to this CPU, -1 = do not pin */
    bool seccomp_wall; /* replay: allow only the calls replay executes */
    bool own_pgrp;     /* in a process group of its own, so that a signal
                        * the program sends its group misses the tracer */
    /* record with the syscall buffer: a filter lets calls whose `syscall`
     * ends here through without a stop and makes every other call a
     * PTRACE_EVENT_SECCOMP stop (trace/syscallbuf.h); 0: none */
    uint64_t sb_allow_ip;
    /* The signal state the program starts with: set_signals makes every
     * signal in `ignored` SIG_IGN and every other one SIG_DFL, and blocks
     * exactly `blocked` (bit n-1 for signal n); false: the tracer's own
     * (exec keeps SIG_IGN and the mask, resets handlers to SIG_DFL). */
    bool set_signals;
    uint64_t ignored, blocked;
} trace_spawn_opts;

/* The calling process's ignored and blocked signals (bit n-1 for signal
 * n): what a program it spawned would start with, before the caller
 * installs handlers of its own. */
void trace_signals_now(uint64_t *ignored, uint64_t *blocked);

/* Replay's wall lets openat through when its dirfd is this, and close
 * when its (unused) second argument is: calls replay injects itself. */
#define TRACE_WALL_MAGIC 0x72727400u

/* Forks a traced child that disables ASLR, pins itself, makes RDTSC trap,
 * stops itself and execs. Returns the pid (stopped at SIGSTOP, options
 * set) or -1 with errno. */
pid_t trace_spawn(const trace_spawn_opts *o);

/* Memory of a stopped tracee through /proc/PID/mem (reaches read-only
 * pages too). memfd is the caller's cached descriptor (-1 to open). */
int trace_mem_open(pid_t pid);
bool trace_mem_read(int memfd, uint64_t addr, void *buf, size_t n);

/* One line of /proc/PID/maps. */
typedef struct trace_mapping {
    uint64_t lo, hi;
    char perms[8];       /* "rw-p" */
    char path[PATH_MAX]; /* "" for anonymous memory; "[stack]" and such */
    uint64_t off;        /* in the file */
    uint64_t dev, ino;   /* the file (dev as makedev() makes it); ino 0: none */
} trace_mapping;
/* The mapping of pid that holds addr: true with *m filled, else false.
 * Asks the kernel for that one mapping (PROCMAP_QUERY), or on kernels
 * before 6.11 reads /proc/PID/maps (trace_mapping_at_text, which tests
 * compare it with). */
bool trace_mapping_at(pid_t pid, uint64_t addr, trace_mapping *m);
bool trace_mapping_at_text(pid_t pid, uint64_t addr, trace_mapping *m);

/* The absolute path (malloc'ed) of the file at path, relative to the
 * working directory of tid (of the caller when tid is 0), if that file is
 * a #! script; else NULL. */
char *trace_script_path(pid_t tid, const char *path);
bool trace_mem_write(int memfd, uint64_t addr, const void *buf, size_t n);

/* Runs one system call in a tracee stopped at a syscall-exit or signal
 * stop, restoring registers and code afterwards. Signals are blocked
 * while it runs: one that comes meanwhile stays pending for the program
 * (trace_fork_stopped too; its copy starts with the original's mask). */
bool trace_inject_syscall(pid_t pid, int memfd, long nr, const uint64_t *args,
                          int nargs, long *ret);
/* selffault.c: CPUID faulting on the calling (tracer) thread, so that
 * switching to and from tracees that have it rewrites no MSR (a VM exit
 * under a hypervisor, at every stop). begin: false when the host cannot
 * (nothing changed); the host CPUID values rrt needs later are read
 * first (prepare). A CPUID rrt runs all the same turns it off for that
 * thread instead of killing rrt (lost says whether that happened). */
void trace_self_fault_prepare(void);
bool trace_self_fault_begin(void);
void trace_self_fault_end(void);
bool trace_self_fault_lost(void);

/* Maps the file at path (an absolute path the tracee can open with
 * oflags) over [addr, addr+len) of a tracee stopped as for
 * trace_inject_syscall: openat, mmap (flags should hold MAP_FIXED) and
 * close run in the tracee with one stop, from code written over the start
 * of the page it is stopped in (put back, with its registers). *ret: the
 * mmap's result, or the first negative errno. False when the tracee could
 * not be driven. Signals stay pending, as for trace_inject_syscall. */
bool trace_map_path(pid_t pid, int memfd, const char *path, int oflags,
                    uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags,
                    uint64_t off, long *ret);
/* A copy of a tracee (single-threaded) stopped at a syscall-exit or
 * signal stop: clone(CLONE_PARENT | exit_signal) injected into it, so that
 * the copy is a sibling (the root's copy: the tracer's child) and is
 * auto-attached (PTRACE_O_TRACEFORK). exit_signal 0: the copy's death
 * sends its parent no signal (the parent is another tracee, which must
 * not see the copy's SIGCHLD); a parent that is not the tracer then reaps
 * it only with __WALL (or it is reparented, which makes it SIGCHLD).
 * Returns the copy's pid, stopped at its first stop with the original's
 * registers (orig_rax -1) and code, or -1. pid is left as it was. */
pid_t trace_fork_stopped(pid_t pid, int memfd, int exit_signal);

/* At an execve exit stop: makes the vDSO's time functions system calls
 * (trace_vdso_patch; when that fails, or replaying a recording that hid
 * it, hides the vDSO: AT_SYSINFO_EHDR -> AT_IGNORE), and returns auxv and
 * AT_RANDOM. When `set` is given, writes its AT_RANDOM bytes and hardware
 * words instead of reading them. */
bool trace_exec_fixup_auxv(pid_t pid, int memfd, rrt_ev_exec *ex,
                           const rrt_ev_exec *set);

/* Patches every function of the vDSO mapped at base (an ELF image) into
 * the system call it stands for (clock_gettime, gettimeofday, time,
 * getcpu, clock_getres) or into `return -ENOSYS`; false when base holds
 * no vDSO this understands. */
bool trace_vdso_patch(int memfd, uint64_t base);
/* The identity of the vDSO image at base as the program sees it. */
bool trace_vdso_id(int memfd, uint64_t base, rrt_blob_id *id);

/* CPUID trapping. */
typedef enum {
    TRACE_CPUID_AUTO,
    TRACE_CPUID_FAULT,
    TRACE_CPUID_PATCH
} trace_cpuid_mode;
bool trace_cpuid_mode_parse(const char *s, trace_cpuid_mode *m);
/* Resolves AUTO to what this host can do. */
trace_cpuid_mode trace_cpuid_mode_resolve(trace_cpuid_mode m);
/* Enables CPUID faulting in a stopped tracee (after each exec). */
bool trace_cpuid_arm_fault(pid_t pid, int memfd);

/* What a patched site held before it became UD2. CPUID is patched where
 * the kernel cannot make it fault; XGETBV, which never faults, is patched
 * in both CPUID modes. */
typedef enum {
    TRACE_SITE_CPUID = 1,  /* 0F A2, 2 bytes */
    TRACE_SITE_XGETBV = 2, /* 0F 01 D0, 3 bytes: UD2 covers the first two */
} trace_site_kind;

/* Patched sites of one address space, and which kinds to patch. */
typedef struct trace_patches {
    uint64_t *addr;
    uint8_t *kind; /* trace_site_kind of addr[i] */
    size_t n, cap;
    unsigned want; /* trace_site_kind bits to patch */
} trace_patches;
void trace_patches_clear(trace_patches *p);
/* A patch set shared by the tasks of one address space (threads, a vfork
 * child until it execs); fork copies it. */
typedef struct trace_pset {
    trace_patches p;
    unsigned refs;
} trace_pset;
/* An empty set; it patches nothing until p.want says what. */
trace_pset *trace_pset_new(void);
trace_pset *trace_pset_ref(trace_pset *s);
void trace_pset_unref(trace_pset *s);
/* NULL on allocation failure. */
trace_pset *trace_pset_copy(const trace_pset *s);
bool trace_patches_has(const trace_patches *p, uint64_t addr);
/* Where the CPUID sites of a region come from, and what became of them.
 * Replay passes the archive's table, so that it never disassembles what
 * the recording already did; both engines pass the per-user cache. */
typedef struct trace_site_source {
    const rrt_cpuid_sites *table; /* the archive's CSIT table, or NULL */
    trace_site_cache *cache;      /* trace_site_cache_open(), or NULL */
    /* Called for every region that has 0F A2 bytes, with its key, its
     * length and its sites (maybe none): the recorder adds them to the
     * archive. False stops the patching (-1). NULL: not called. */
    bool (*found)(void *ctx, const rrt_blob_id *key, uint64_t len,
                  const trace_sites *s);
    void *ctx;
    /* Regions by how their sites were found (trace_sites_how). */
    uint64_t regions[TRACE_SITES_DECODED + 1];
    /* Whether fresh file mappings may take their sites from the cache's
     * file identity index (trace_patch_mapped, trace_patch_all). The
     * recorder sets it; replay only around patching what exec mapped: the
     * mappings it makes for mmap hold recorded contents, which need not be
     * their file's (it uses trace_patch_known for those). */
    bool by_identity;
    /* Regions known by file identity, not read (with or without 0F A2;
     * those with are also in regions[TRACE_SITES_CACHED]). */
    uint64_t by_file_id;
    /* Regions read back from the tracee's memory to find their sites (the
     * full path of trace_patch_range); regions known from the bytes the
     * caller wrote into them (trace_patch_known), not read. */
    uint64_t read, read_bytes, by_fill;
    /* Called with the sites (and their disp) of every region whose sites
     * were found (start: its first byte), whether patched or not: the
     * recorder's CPUID stubs (cpuid_stub.c). False stops (-1). NULL: not
     * called. */
    bool (*got)(void *ctx, uint64_t start, const trace_sites *s);
    void *got_ctx;
} trace_site_source;

/* The trace_site_kind of the site at addr, 0 when it is none. */
int trace_patches_kind(const trace_patches *p, uint64_t addr);
/* The kinds an engine patches in a CPUID mode: CPUID and XGETBV when
 * patching, XGETBV alone when CPUID faults. */
unsigned trace_patch_kinds(trace_cpuid_mode m);
/* Replaces every instruction of a kind in p->want in [start, start+len)
 * of the tracee with UD2 and adds the sites to p: CPUIDs found through
 * src (may be NULL: no table, no cache), XGETBVs by a capstone sweep.
 * Returns the number of sites patched, -1 on error. */
long trace_patch_range(int memfd, uint64_t start, uint64_t len,
                       trace_patches *p, trace_site_source *src);
/* trace_patch_range for a region the caller has just filled itself,
 * feeding every byte of [start, start+len) to cs, with nothing written
 * there since (site_cache.h, trace_code_stream): sites from the archive
 * table entry under the stream's key, checked to hold 0F A2, without
 * reading the region; none when the bytes 0F A2 do not occur. Anything
 * else (no usable stream, other length, no entry, XGETBV wanted) takes the
 * full path of trace_patch_range. */
long trace_patch_known(int memfd, uint64_t start, uint64_t len,
                       trace_patches *p, trace_site_source *src,
                       trace_code_stream *cs);
/* trace_patch_range for a mapping mmap has just created: when it is a
 * private read-only executable mapping of a file and src has a cache, no
 * table and by_identity, its sites come from the cache's file identity index
 * without reading the region (site_cache.h), else as trace_patch_range. Only
 * for fresh mappings, never after mprotect: code written since the mapping was
 * made is not the file's. */
long trace_patch_mapped(pid_t pid, int memfd, uint64_t start, uint64_t len,
                        trace_patches *p, trace_site_source *src);
/* Patches every executable mapping of /proc/PID/maps (after exec: all are
 * fresh, and file mappings go through the index as in
 * trace_patch_mapped). */
long trace_patch_all(pid_t pid, int memfd, trace_patches *p,
                     trace_site_source *src);
/* Where CPUID faults and nothing is patched, the CPUID sites of a fresh
 * mapping for src->got alone (CPUID stubs): from the file identity index
 * when it knows the file, else, for a region of at most scan_max bytes,
 * from the content cache or decoding (then indexed); bigger regions are
 * never read. trace_find_all does it for every executable mapping, after
 * exec. The number of sites reported, or -1. */
long trace_find_mapped(pid_t pid, int memfd, uint64_t start, uint64_t len,
                       trace_site_source *src, uint64_t scan_max);
long trace_find_all(pid_t pid, int memfd, trace_site_source *src,
                    uint64_t scan_max);

/* The XSAVE state components of features m's masks hide (AVX's state
 * when AVX is hidden, the AVX-512 ones when AVX512F is, ...): a program
 * that may not use a feature does not see its state enabled in XCR0. */
uint64_t trace_xsave_hidden(const rrt_cpuid_manifest *m);

/* Instruction at rip that trapped: 1 rdtsc, 2 rdtscp, 3 cpuid, 4 ud2,
 * 0 other. */
int trace_trap_insn(int memfd, uint64_t rip);

/* Emulation helpers: register effects of the trapped instruction. */
void trace_apply_rdtsc(struct user_regs_struct *r, const rrt_ev_rdtsc *e);
void trace_apply_cpuid(struct user_regs_struct *r, const uint32_t regs[4]);
/* CPUID(0xD, 0) as replay answers it: EBX and ECX, the sizes of XSAVE
 * areas, raised to this host's when they are smaller. A program sizes the
 * buffers it XSAVEs into by them (glibc's lazy-binding trampoline, with a
 * fixed component mask), and XSAVE writes every component this host's XCR0
 * enables at this host's offsets: AVX-512 state ends at 2432 on AMD Zen 4
 * and at 2688 on Intel. */
void trace_cpuid_xsave_floor(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);
/* XGETBV at a patched site: edx:eax = value, past the 3-byte instruction. */
void trace_apply_xgetbv(struct user_regs_struct *r, uint64_t value);

/* Argument i (0..5) of a syscall stop. */
uint64_t trace_sc_arg(const struct user_regs_struct *r, int i);
void trace_sc_set_arg(struct user_regs_struct *r, int i, uint64_t v);

/* ------------------------------------------------------------------ */
/* XSAVE layouts (xstate.c)                                           */

#define TRACE_XSTATE_COMPONENTS 32
#define TRACE_XSAVE_MAX (64u << 10) /* room for any regset (AMX: 11 KiB) */
#define TRACE_FXSAVE_SW 464         /* fx_sw_reserved: magic1 and sizes */
#define TRACE_XSAVE_LEGACY 512      /* where the XSAVE header starts */
#define TRACE_XSAVE_HDR_END 576

/* The standard-format XSAVE layout of a host's user state, which signal
 * frames and the NT_X86_XSTATE regset use. */
typedef struct trace_xlayout {
    uint64_t xfeatures; /* components: XCR0 without AMX tile data */
    uint32_t size;      /* bytes for them: the kernel's user_size */
    uint32_t off[TRACE_XSTATE_COMPONENTS], len[TRACE_XSTATE_COMPONENTS];
} trace_xlayout;

/* From the manifest's raw CPUID leaf 0xD and xcr0 (the recording host's);
 * false when they do not describe an XSAVE layout. */
bool trace_xlayout_from_manifest(const rrt_cpuid_manifest *m, trace_xlayout *l);
/* This host's. */
bool trace_xlayout_host(trace_xlayout *l);
/* This host's XCR0 (0 without XSAVE). */
uint64_t trace_host_xcr0(void);
/* The task's FP/vector state (PTRACE_GETREGSET NT_X86_XSTATE: this host's
 * layout), malloc'ed, or NULL; and setting it. */
uint8_t *trace_xstate_get(pid_t pid, size_t *len);
bool trace_xstate_set(pid_t pid, const uint8_t *buf, size_t len);
/* XSTATE_BV of an XSAVE buffer: the components it holds. */
uint64_t trace_xstate_bv(const uint8_t *buf);
/* Makes buf (a regset) the state a signal handler starts with: the
 * initial one, with x87 and SSE marked in use. */
void trace_xstate_init(uint8_t *buf, size_t len);
/* Copies the components >= 2 in bv from src (layout from) to dst (layout
 * to), the others of `to` set to their init value (zero). Returns the
 * components copied, with bv's x87 and SSE bits. */
uint64_t trace_xstate_translate(const uint8_t *src, size_t src_len,
                                const trace_xlayout *from, uint8_t *dst,
                                size_t dst_len, const trace_xlayout *to,
                                uint64_t bv);

/* ------------------------------------------------------------------ */
/* Signal frames (sigframe.c)                                         */

/* A signal's action, as rt_sigaction reads it (struct k_sigaction). */
typedef struct trace_sigaction {
    uint64_t handler, flags, restorer, mask;
} trace_sigaction;

/* The alternate signal stack; flags as the kernel saves them in frames. */
typedef struct trace_altstack {
    uint64_t sp, size;
    uint32_t flags;
} trace_altstack;

/* What the kernel knows when it delivers a signal to a handler. */
typedef struct trace_delivery {
    int sig;
    struct user_regs_struct regs; /* at the signal-delivery stop */
    const uint8_t *siginfo;       /* RRT_EV_SIGINFO_SIZE bytes */
    trace_sigaction act;
    trace_altstack alt;
    uint64_t blocked; /* blocked signals now */
    uint64_t saved;   /* the mask the frame keeps: sigsuspend's saved one */
    uint64_t trapno, err, cr2; /* the thread's last trap */
    const uint8_t *xsave;      /* the task's FP state (regset) */
    size_t xsave_len;
    const trace_xlayout *xsave_layout; /* ... and its layout (this host's) */
    const trace_xlayout *layout;       /* the layout to build the frame in */
} trace_delivery;

/* A frame as the kernel builds it, and how the handler starts. */
typedef struct trace_frame {
    uint64_t sp; /* the frame's address: the handler's rsp */
    size_t len;
    uint8_t *bytes;   /* [sp, sp+len), malloc'ed */
    uint8_t *defined; /* per byte: 1 where the kernel writes it; the others
                       * are what memory held */
    struct user_regs_struct regs; /* the handler's registers */
    uint64_t mask;                /* blocked signals while it runs */
    bool disarm; /* SS_AUTODISARM: delivery disarms the alternate stack */
} trace_frame;

/* The system call restart the kernel applies before it builds a frame:
 * -ERESTART* becomes -EINTR, or the call is backed up to run again. */
void trace_signal_restart(struct user_regs_struct *r, uint64_t sa_flags);
/* Builds the frame for d, reading the bytes the kernel leaves alone from
 * memory. False when the kernel would find no room (it kills the task). */
bool trace_frame_build(int memfd, const trace_delivery *d, trace_frame *f);
void trace_frame_free(trace_frame *f);
/* The length of the frame the kernel built at sp (a handler's rsp): up to
 * the end of the FP state its sigcontext points to. */
bool trace_frame_extent(int memfd, uint64_t sp, size_t *len);
/* The first offset where rec differs from f in a byte the kernel writes,
 * -1 when none does. */
long trace_frame_compare(const trace_frame *f, const uint8_t *rec, size_t len);

/* The state rt_sigreturn restores. */
typedef struct trace_sigreturn {
    struct user_regs_struct regs;
    uint64_t mask;     /* blocked signals */
    uint64_t uc_stack; /* address of the alternate stack to restore */
} trace_sigreturn;
/* At rt_sigreturn's entry (registers now): the frame below rsp, its FP
 * state read in layout L and translated into xsave (this host's regset,
 * layout host, holding the task's current state). False on a frame the
 * kernel would refuse. */
bool trace_sigreturn_read(int memfd, const struct user_regs_struct *now,
                          const trace_xlayout *L, uint8_t *xsave,
                          size_t xsave_len, const trace_xlayout *host,
                          trace_sigreturn *s);

/* Whether tid's process has a handler for sig (/proc SigCgt). */
bool trace_signal_caught(pid_t tid, int sig);
/* For replay, with the task at a signal-delivery stop (the signal is
 * dropped) or a system-call exit stop: its signal action and alternate
 * stack, read and changed by system calls run in it. */
bool trace_sigaction_get(pid_t pid, int memfd, int sig, trace_sigaction *a);
bool trace_sigaction_set(pid_t pid, int memfd, int sig,
                         const trace_sigaction *a);
bool trace_altstack_get(pid_t pid, int memfd, trace_altstack *a);
bool trace_altstack_disarm(pid_t pid, int memfd);

/* The signal state a trap destroys. RDTSC and faulting CPUID raise
 * SIGSEGV, a patched site SIGILL, and the kernel forces them: on a task
 * that blocks or ignores the signal it unblocks it and resets its action
 * to SIG_DFL (force_sig_info_to_task), for a trap the program never sees.
 * Each engine keeps, per task, its mask and the two actions as the
 * program last set them (trace_trapsig_*), and puts them back after each
 * trap it emulates. */
typedef struct trace_trapsig {
    bool known;             /* mask known (from a stop since the exec) */
    uint64_t mask;          /* blocked signals, as of the last change */
    trace_sigaction act[2]; /* SIGSEGV's and SIGILL's (process-wide) */
} trace_trapsig;

/* ------------------------------------------------------------------ */
/* Traced tasks                                                       */

/* What both engines keep of every traced task, and the list they keep
 * their tasks in. An engine's task type starts with an trace_task, so a
 * pointer to one is a pointer to the other. */
typedef struct trace_task {
    struct trace_task *next;
    pid_t tid;        /* the live thread */
    uint32_t rec_tid; /* the id events name it by (at record: tid) */
    int memfd;        /* trace_mem_open(tid), -1 if that failed */
    trace_pset *pset; /* patched CPUID sites of its address space */
    trace_trapsig trapsig;
} trace_task;

/* At the exit stop of a call (nr, args, ret) that t ran or replay
 * emulated: the mask and actions it changed (rt_sigprocmask, rt_sigreturn,
 * rt_sigaction of SIGSEGV or SIGILL, for every task of t's process;
 * execve). */
void trace_trapsig_call(trace_task *tasks, trace_task *t, long nr,
                        const uint64_t args[6], int64_t ret);
/* t's mask changed otherwise (a handler started): read it now. */
void trace_trapsig_mask(trace_task *t);
/* A new task starts with its parent's mask and actions. */
void trace_trapsig_inherit(trace_task *child, const trace_task *parent);
/* t, at the delivery stop of the trap's signal sig that the engine has
 * emulated: the mask and action the kernel reset are put back. False if
 * that failed. */
bool trace_trapsig_restore(trace_task *t, int sig);

/* Allocates `size` zeroed bytes for an engine task, fills in the ids,
 * opens its memory and puts it first in *list. NULL when out of memory. */
void *trace_task_add(trace_task **list, size_t size, uint32_t rec_tid,
                     pid_t tid);
/* The task events name rec_tid, or NULL. */
void *trace_task_find(trace_task *list, uint32_t rec_tid);
/* The thread group (process) id of live task tid, from /proc; -1 if it
 * is gone. */
pid_t trace_tgid(pid_t tid);

/* The kernel's result for a call it will finish as restart_syscall when no
 * signal handler runs; a tracer sees it at the exit stop. */
#define TRACE_ERESTART_RESTARTBLOCK 516

/* An mmap the program writes the file through (MAP_SHARED or
 * MAP_SHARED_VALIDATE, PROT_WRITE): the recorder embeds such a file, and
 * replay keeps such a mapping shared with the processes forked after it. */
static inline bool trace_map_shared_writable(uint64_t flags, uint64_t prot)
{
    return (flags & (MAP_SHARED | MAP_PRIVATE)) != MAP_PRIVATE &&
           (prot & PROT_WRITE);
}

/* Takes t out of *list, closes its memory, drops its patch set, frees it. */
void trace_task_remove(trace_task **list, trace_task *t);

#endif
