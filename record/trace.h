/* The trace layer shared by `rrt record` and `rrt replay`: the event
 * producer (over librrt's event codecs), the table that says how
 * each system call is recorded and replayed, and the ptrace helpers and
 * task list both engines use. This is the record module's library part;
 * replay/ links it. */
#ifndef RRT_RECORD_TRACE_H
#define RRT_RECORD_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/user.h>

#include <rrt/rrt.h>

/* ------------------------------------------------------------------ */
/* The producer: the one place that turns observations into events. The
 * event types and payload codecs are librrt's (rrt/events.h,
 * spec/events.md); a future in-process syscall buffer feeds the same
 * functions. */

typedef struct rrti_producer {
    rrt_writer *w;
    rrt_buf buf;
} rrti_producer;

void rrti_producer_init(rrti_producer *p, rrt_writer *w);
void rrti_producer_free(rrti_producer *p);
rrt_status rrti_emit_syscall(rrti_producer *p, const rrt_ev_syscall *e,
                             rrt_error *err);
rrt_status rrti_emit_rdtsc(rrti_producer *p, const rrt_ev_rdtsc *e,
                           rrt_error *err);
rrt_status rrti_emit_cpuid(rrti_producer *p, const rrt_ev_cpuid *e,
                           rrt_error *err);
rrt_status rrti_emit_signal(rrti_producer *p, const rrt_ev_signal *e,
                            rrt_error *err);
rrt_status rrti_emit_exit(rrti_producer *p, const rrt_ev_exit *e,
                          rrt_error *err);
rrt_status rrti_emit_clone(rrti_producer *p, const rrt_ev_clone *e,
                           rrt_error *err);
rrt_status rrti_emit_exec(rrti_producer *p, const rrt_ev_exec *e,
                          rrt_error *err);
rrt_status rrti_emit_exec_script(rrti_producer *p,
                                 const rrt_ev_exec_script *e, rrt_error *err);

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

/* The absolute path (malloc'ed) of the file at path, relative to the
 * working directory of tid (of the caller when tid is 0), if that file is
 * a #! script; else NULL. */
char *rrti_script_path(pid_t tid, const char *path);
bool rrti_mem_write(int memfd, uint64_t addr, const void *buf, size_t n);

/* Runs one system call in a tracee stopped at a syscall-exit or signal
 * stop, restoring registers and code afterwards. */
bool rrti_inject_syscall(pid_t pid, int memfd, long nr, const uint64_t *args,
                         int nargs, long *ret);

/* At an execve exit stop: hides the vDSO (AT_SYSINFO_EHDR -> AT_IGNORE) so
 * time calls become system calls, and returns auxv and AT_RANDOM. When
 * `set` is given, writes its AT_RANDOM bytes and hardware words instead of
 * reading them. */
bool rrti_exec_fixup_auxv(pid_t pid, int memfd, rrt_ev_exec *ex,
                          const rrt_ev_exec *set);

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
void rrti_apply_rdtsc(struct user_regs_struct *r, const rrt_ev_rdtsc *e);
void rrti_apply_cpuid(struct user_regs_struct *r, const uint32_t regs[4]);

/* Argument i (0..5) of a syscall stop. */
uint64_t rrti_sc_arg(const struct user_regs_struct *r, int i);
void rrti_sc_set_arg(struct user_regs_struct *r, int i, uint64_t v);

/* ------------------------------------------------------------------ */
/* Traced tasks                                                       */

/* What both engines keep of every traced task, and the list they keep
 * their tasks in. An engine's task type starts with an rrti_task, so a
 * pointer to one is a pointer to the other. */
typedef struct rrti_task {
    struct rrti_task *next;
    pid_t tid;        /* the live thread */
    uint32_t rec_tid; /* the id events name it by (at record: tid) */
    int memfd;        /* rrti_mem_open(tid), -1 if that failed */
    rrti_pset *pset;  /* patched CPUID sites of its address space */
} rrti_task;

/* Allocates `size` zeroed bytes for an engine task, fills in the ids,
 * opens its memory and puts it first in *list. NULL when out of memory. */
void *rrti_task_add(rrti_task **list, size_t size, uint32_t rec_tid,
                    pid_t tid);
/* The task events name rec_tid, or NULL. */
void *rrti_task_find(rrti_task *list, uint32_t rec_tid);
/* The thread group (process) id of live task tid, from /proc; -1 if it
 * is gone. */
pid_t rrti_tgid(pid_t tid);

/* The kernel's result for a call it will finish as restart_syscall when no
 * signal handler runs; a tracer sees it at the exit stop. */
#define RRTI_ERESTART_RESTARTBLOCK 516

/* An mmap the program writes the file through (MAP_SHARED or
 * MAP_SHARED_VALIDATE, PROT_WRITE): the recorder embeds such a file, and
 * replay keeps such a mapping shared with the processes forked after it. */
static inline bool rrti_map_shared_writable(uint64_t flags, uint64_t prot)
{
    return (flags & (MAP_SHARED | MAP_PRIVATE)) != MAP_PRIVATE &&
           (prot & PROT_WRITE);
}

/* Takes t out of *list, closes its memory, drops its patch set, frees it. */
void rrti_task_remove(rrti_task **list, rrti_task *t);

/* Environment names whose values are redacted unless --keep-env. */
bool rrti_env_is_secret(const char *name, size_t len);
/* List encoding used in metadata (argv, env): items joined by '\n', with
 * '\\' -> "\\\\" and '\n' -> "\\n". Returns malloc'ed text. */
char *rrti_list_encode(char *const *items, size_t n);
/* Decodes into a NULL-terminated malloc'ed vector (one allocation). */
char **rrti_list_decode(const char *text, size_t *n);

#endif
