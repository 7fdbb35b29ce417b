/* The trace layer shared by `rrt record` and `rrt replay`: event types and
 * their payload codecs (the producer interface), the table that says how
 * each system call is recorded and replayed, and the ptrace helpers both
 * engines use. This is the record module's library part; replay/ links it. */
#ifndef RRT_RECORD_TRACE_H
#define RRT_RECORD_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include <rrt/rrt.h>

/* ------------------------------------------------------------------ */
/* Events (payloads: see the comment at the top of events.c). Events are
 * in the order tasks ran user code: a SYSCALL event is written when its
 * task resumes after the call, one task running at a time.            */

enum {
    RRTI_EV_SYSCALL = 1, /* a completed (or entry-only) system call */
    RRTI_EV_RDTSC = 2,   /* one RDTSC/RDTSCP execution */
    RRTI_EV_CPUID = 3,   /* one CPUID execution */
    RRTI_EV_SIGNAL = 4,  /* a signal delivered to a task */
    RRTI_EV_EXIT = 5,    /* a task ended */
    RRTI_EV_CLONE = 6,   /* a new task (fork/vfork/clone) starts running */
    RRTI_EV_EXEC = 7,    /* state set up by a successful execve */
};

/* rrti_ev_syscall.flags */
#define RRTI_SC_FILE 0x1u       /* file_index names the mapped file */
#define RRTI_SC_STDIO 0x2u      /* stdio_stream/stdio data were recorded */
#define RRTI_SC_ENTRY_ONLY 0x4u /* no exit stop (exit, exit_group) */
#define RRTI_SC_INITIAL 0x8u    /* the recorder's own first execve */
#define RRTI_SC_FORCED 0x10u    /* result imposed by the recorder */

typedef struct rrti_mem {
    uint64_t addr;
    size_t len;
    const uint8_t *data;
} rrti_mem;

typedef struct rrti_ev_syscall {
    uint32_t tid;
    uint32_t nr;
    uint64_t args[6];
    int64_t ret;
    uint32_t flags;
    size_t n_mem;
    const rrti_mem *mem;
    uint64_t file_index;
    uint32_t stdio_stream; /* 1 or 2 */
    size_t stdio_len;
    const uint8_t *stdio_data;
} rrti_ev_syscall;

typedef struct rrti_ev_rdtsc {
    uint32_t tid;
    uint8_t rdtscp;
    uint64_t tsc;
    uint32_t aux;
} rrti_ev_rdtsc;

typedef struct rrti_ev_cpuid {
    uint32_t tid, leaf, subleaf;
    uint32_t regs[4];
} rrti_ev_cpuid;

typedef struct rrti_ev_signal {
    uint32_t tid, signo;
    uint8_t sync; /* a fault the instruction stream raises by itself */
    uint8_t siginfo[128];
} rrti_ev_signal;

typedef struct rrti_ev_exit {
    uint32_t tid;
    uint32_t killed; /* 1: by signal `code`, 0: exited with `code` */
    uint32_t code;
} rrti_ev_exit;

typedef struct rrti_ev_clone {
    uint32_t parent, child;
    uint64_t flags;
} rrti_ev_clone;

#define RRTI_MAX_AUXV 64
typedef struct rrti_ev_exec {
    uint32_t tid;
    uint64_t exe_file; /* file-table index of /proc/PID/exe */
    bool has_interp;
    uint64_t interp_file; /* file-table index of the ELF interpreter */
    uint8_t at_random[16];
    size_t n_auxv;
    uint64_t auxv[RRTI_MAX_AUXV][2];
} rrti_ev_exec;

/* The producer: the one place that turns observations into events. A
 * future in-process syscall buffer feeds the same functions. */
typedef struct rrti_producer {
    rrt_writer *w;
    rrt_buf buf;
} rrti_producer;

void rrti_producer_init(rrti_producer *p, rrt_writer *w);
void rrti_producer_free(rrti_producer *p);
rrt_status rrti_emit_syscall(rrti_producer *p, const rrti_ev_syscall *e,
                             rrt_error *err);
rrt_status rrti_emit_rdtsc(rrti_producer *p, const rrti_ev_rdtsc *e,
                           rrt_error *err);
rrt_status rrti_emit_cpuid(rrti_producer *p, const rrti_ev_cpuid *e,
                           rrt_error *err);
rrt_status rrti_emit_signal(rrti_producer *p, const rrti_ev_signal *e,
                            rrt_error *err);
rrt_status rrti_emit_exit(rrti_producer *p, const rrti_ev_exit *e,
                          rrt_error *err);
rrt_status rrti_emit_clone(rrti_producer *p, const rrti_ev_clone *e,
                           rrt_error *err);
rrt_status rrti_emit_exec(rrti_producer *p, const rrti_ev_exec *e,
                          rrt_error *err);

/* Decoders: false when the payload is malformed. Pointers in the result
 * point into `data`; *mem is malloc'ed (caller frees). */
bool rrti_decode_syscall(const uint8_t *data, size_t len, rrti_ev_syscall *e,
                         rrti_mem **mem);
bool rrti_decode_rdtsc(const uint8_t *data, size_t len, rrti_ev_rdtsc *e);
bool rrti_decode_cpuid(const uint8_t *data, size_t len, rrti_ev_cpuid *e);
bool rrti_decode_signal(const uint8_t *data, size_t len, rrti_ev_signal *e);
bool rrti_decode_exit(const uint8_t *data, size_t len, rrti_ev_exit *e);
bool rrti_decode_clone(const uint8_t *data, size_t len, rrti_ev_clone *e);
bool rrti_decode_exec(const uint8_t *data, size_t len, rrti_ev_exec *e);
const char *rrti_event_name(uint32_t type);

/* ------------------------------------------------------------------ */
/* System call table                                                  */

/* How replay treats a call. */
typedef enum {
    RRTI_SC_EMULATE = 0, /* skipped at replay; result and outputs restored */
    RRTI_SC_EXECUTE,     /* run for real at replay (address space, process
                          * state that lives in the kernel) */
    RRTI_SC_ENOSYS,      /* refused at record with ENOSYS, emulated */
} rrti_sc_mode;

/* What a call writes into the caller's memory. */
typedef enum {
    RRTI_OUT_NONE = 0,
    RRTI_OUT_FIXED,    /* `size` bytes at arg a (if non-NULL) */
    RRTI_OUT_RET,      /* buffer at arg a, length = result */
    RRTI_OUT_ARGLEN,   /* buffer at arg a, length = arg b */
    RRTI_OUT_IOV,      /* iovec array at arg a, count arg b, total = result */
    RRTI_OUT_SOCKADDR, /* sockaddr at arg a, socklen_t* at arg b */
    RRTI_OUT_RET_X,    /* buffer at arg a, length = result * size */
    RRTI_OUT_SPECIAL,  /* handled by code (msghdr, ioctl, fcntl, ...) */
} rrti_out_kind;

typedef struct rrti_out {
    uint8_t kind;
    uint8_t a, b;
    uint16_t size;
} rrti_out;

typedef struct rrti_sc_desc {
    const char *name;
    uint8_t mode;   /* rrti_sc_mode */
    uint8_t nargs;  /* arguments compared at replay */
    /* separate members so that table rows can list 0 to 3 of them */
    rrti_out out0, out1, out2;
} rrti_sc_desc;

/* NULL when the call is not supported. */
const rrti_sc_desc *rrti_syscall_desc(long nr);
/* "read", or "syscall_123" in buf when unknown. */
const char *rrti_syscall_name(long nr, char buf[32]);

/* ------------------------------------------------------------------ */
/* ptrace helpers                                                     */

typedef struct rrti_spawn_opts {
    const char *path;
    char *const *argv;
    char *const *envp;
    int cpu;            /* pin to this CPU, -1 = do not pin */
    bool seccomp_wall;  /* replay: allow only the calls replay executes */
} rrti_spawn_opts;

/* Forks a traced child that disables ASLR, pins itself, makes RDTSC trap,
 * stops itself and execs. Returns the pid (stopped at SIGSTOP, options
 * set) or -1 with errno. */
pid_t rrti_spawn(const rrti_spawn_opts *o);

/* Memory of a stopped tracee through /proc/PID/mem (reaches read-only
 * pages too). memfd is the caller's cached descriptor (-1 to open). */
int rrti_mem_open(pid_t pid);
bool rrti_mem_read(int memfd, uint64_t addr, void *buf, size_t n);
bool rrti_mem_write(int memfd, uint64_t addr, const void *buf, size_t n);

/* Runs one system call in a tracee stopped at a syscall-exit or signal
 * stop, restoring registers and code afterwards. */
bool rrti_inject_syscall(pid_t pid, int memfd, long nr, const uint64_t *args,
                         int nargs, long *ret);

/* At an execve exit stop: hides the vDSO (AT_SYSINFO_EHDR -> AT_IGNORE) so
 * time calls become system calls, and returns auxv and AT_RANDOM. When
 * `set` is given, writes its AT_RANDOM bytes and hardware words instead of
 * reading them. */
bool rrti_exec_fixup_auxv(pid_t pid, int memfd, rrti_ev_exec *ex,
                          const rrti_ev_exec *set);

/* CPUID trapping. */
typedef enum { RRTI_CPUID_AUTO, RRTI_CPUID_FAULT, RRTI_CPUID_PATCH } rrti_cpuid_mode;
bool rrti_cpuid_mode_parse(const char *s, rrti_cpuid_mode *m);
/* Resolves AUTO to what this host can do. */
rrti_cpuid_mode rrti_cpuid_mode_resolve(rrti_cpuid_mode m);
/* Enables CPUID faulting in a stopped tracee (after each exec). */
bool rrti_cpuid_arm_fault(pid_t pid, int memfd);

/* Patched CPUID sites of one address space. */
typedef struct rrti_patches {
    uint64_t *addr;
    size_t n, cap;
} rrti_patches;
void rrti_patches_clear(rrti_patches *p);
/* A patch set shared by the tasks of one address space (threads, a vfork
 * child until it execs); fork copies it. */
typedef struct rrti_pset {
    rrti_patches p;
    unsigned refs;
} rrti_pset;
rrti_pset *rrti_pset_new(void);
rrti_pset *rrti_pset_ref(rrti_pset *s);
void rrti_pset_unref(rrti_pset *s);
/* NULL on allocation failure. */
rrti_pset *rrti_pset_copy(const rrti_pset *s);
bool rrti_patches_has(const rrti_patches *p, uint64_t addr);
/* Disassembles [start, start+len) with capstone and replaces every CPUID
 * with UD2. Returns the number of sites patched, -1 on error. */
long rrti_patch_range(int memfd, uint64_t start, uint64_t len,
                      rrti_patches *p);
/* Patches every executable mapping of /proc/PID/maps (after exec). */
long rrti_patch_all(pid_t pid, int memfd, rrti_patches *p);

/* Instruction at rip that trapped: 1 rdtsc, 2 rdtscp, 3 cpuid, 4 ud2,
 * 0 other. */
int rrti_trap_insn(int memfd, uint64_t rip);

/* Emulation helpers: register effects of the trapped instruction. */
void rrti_apply_rdtsc(struct user_regs_struct *r, const rrti_ev_rdtsc *e);
void rrti_apply_cpuid(struct user_regs_struct *r, const uint32_t regs[4]);

/* Argument i (0..5) of a syscall stop. */
uint64_t rrti_sc_arg(const struct user_regs_struct *r, int i);
void rrti_sc_set_arg(struct user_regs_struct *r, int i, uint64_t v);

/* Environment names whose values are redacted unless --keep-env. */
bool rrti_env_is_secret(const char *name, size_t len);
/* List encoding used in metadata (argv, env): items joined by '\n', with
 * '\\' -> "\\\\" and '\n' -> "\\n". Returns malloc'ed text. */
char *rrti_list_encode(char *const *items, size_t n);
/* Decodes into a NULL-terminated malloc'ed vector (one allocation). */
char **rrti_list_decode(const char *text, size_t *n);

#endif
