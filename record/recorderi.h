/* What the recording engine's files share: the recorder's state and its
 * tasks, and the capture of what each system call wrote into the program.
 * Internal to record/ (rec_*); the engine's API is recorder.h. */
#ifndef RRT_RECORD_RECORDERI_H
#define RRT_RECORD_RECORDERI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <time.h>

#include "producer.h"
#include "sb_abi.h"
#include "recorder.h"

typedef struct rtask {
    trace_task base; /* first: ids, memory, patch set, list link */
    bool in_syscall;
    bool recording; /* false for the root until its first exec */
    bool fresh;     /* its initial SIGSTOP is still to come */
    bool exec_seen; /* an exec happened during the current syscall */
    bool initial;   /* that exec was the recorder's own */
    long nr;
    uint64_t args[6];
    bool forced;
    int64_t forced_ret;
    /* the call that last returned -ERESTART_RESTARTBLOCK (poll, nanosleep,
     * a futex wait with a timeout), 0 if none: restart_syscall finishes it
     * and writes its outputs */
    long restart_nr;
    uint64_t restart_args[6];
    /* recvmsg, recvmmsg: each header's msg_namelen at entry, the size of
     * the caller's address buffer (at exit it is the untruncated length) */
    uint32_t *namelen;
    size_t n_namelen;
    /* calls with a socklen_t value-result argument (accept, recvfrom,
     * getsockname, ...): *addrlen at entry, the caller's room; at exit the
     * kernel has replaced it with the untruncated length */
    uint32_t addr_room;
    /* execve of a #! script: the script's absolute path, malloc'ed; its
     * EXEC event is followed by an EXEC_SCRIPT naming the file */
    char *script;
    pid_t vfork_child; /* vfork child that has not exec'd or exited yet */
    bool deferred;     /* its vfork exit stop waits for that child */
    /* Scheduling. A waiting task is stopped and wants the token; what it
     * does with it: write its clone event (new task), write its syscall
     * event (exit stop), then resume. */
    bool waiting;
    uint64_t wait_seq;
    bool want_clone;
    uint32_t clone_parent;
    uint64_t clone_flags;
    bool want_exit_event;
    /* syscall buffer (syscallbuf.c): its region is mapped in the task's
     * address space; the task stops at calls by seccomp, not at each entry
     * (resume with PTRACE_CONT outside calls); rip at the call's entry */
    bool sb;
    bool seccomp;
    uint64_t sb_rip;
    /* signals that came while the task was in the library, sent again
     * where replay can deliver them too (syscallbuf.c) */
    siginfo_t sb_stash[4];
    int sb_nstash;
    int sb_requeued;        /* sent again at a tail flush, to deliver there */
    struct sb_thread sb_th; /* its state in the library while others run */
} rtask;

typedef struct file_ref {
    uint64_t dev, ino, size;
    int64_t mtime;
    uint64_t index;
} file_ref;

typedef struct pending_stop {
    pid_t pid;
    int status;
} pending_stop;

typedef struct recorder {
    const rec_options *o;
    rrt_writer *w;
    rec_producer prod;
    rrt_cpuid_manifest m;
    trace_cpuid_mode mode;
    uint64_t xcr0_seen;   /* XCR0 as XGETBV shows it to the program */
    unsigned patch_kinds; /* trace_site_kind bits to patch */
    trace_task *tasks;
    rtask *holder; /* the task running user code, or NULL */
    uint64_t wait_seq;
    pid_t root;
    bool exited;
    int exit_code;
    pending_stop pending[64];
    size_t n_pending;
    file_ref *files;
    size_t n_files, cap_files;
    uint64_t next_file_index;
    struct stat out_st[3];
    bool out_ok[3];
    rrt_cpuid_leaf *queried;
    size_t n_queried, cap_queried;
    /* scratch for one syscall's memory outputs */
    rrt_buf data;
    rrt_ev_mem *mem;
    size_t n_mem, cap_mem;
    uint64_t since_flush;
    struct timespec last_flush;
    uint64_t counts[16];
    trace_site_source sites; /* CPUID sites: cache, and into the archive */
    bool failed;
    rrt_error err;
    uint64_t sb_records, sb_patched, sb_stashed; /* syscall buffer */
} recorder;

/* Stops the recording with a message (the first one wins); false. */
bool rec_fail(recorder *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline bool rec_is_err(int64_t ret)
{
    return ret < 0 && ret >= -4095;
}

/* outputs.c: the memory each system call wrote, and writes to the
 * recorder's own stdout/stderr. */
void rec_save_addr_room(rtask *t, const trace_sc_desc *d);
bool rec_save_namelens(recorder *r, rtask *t);
bool rec_ioctl_out_size(uint64_t req, uint32_t *size);
bool rec_restartable_outputs(recorder *r, rtask *t, const trace_sc_desc *d,
                             int64_t ret);
bool rec_copies_to_stdio(recorder *r, rtask *t);
bool rec_capture_stdio(recorder *r, rtask *t, rrt_ev_syscall *e);

/* Appends an event the engine encoded itself (the syscall buffer's). */
bool rec_emit_raw(recorder *r, uint32_t type, const rrt_buf *b);

/* syscallbuf.c: the syscall buffer. rec_sb_exec maps the library after a
 * successful execve. rec_sb_entry, at a call's seccomp stop, writes the
 * holder's records first; it returns 0 for a call to record as usual,
 * SB_YIELD or SB_RESUME for the library's own SB_NR_FLUSH (skipped; the
 * task waits for the token, or resumes now), -1 on failure.
 * rec_sb_signal, at a signal stop, writes the records first and holds the
 * signal back when it came inside the library (1: resume without it).
 * rec_sb_after_syscall patches the site of a buffered call at its exit. */
enum { SB_YIELD = 1, SB_RESUME = 2 };
bool rec_sb_switch(recorder *r, rtask *t);
bool rec_sb_exec(recorder *r, rtask *t);
int rec_sb_entry(recorder *r, rtask *t, struct user_regs_struct *regs);
int rec_sb_signal(recorder *r, rtask *t, int sig);
bool rec_sb_after_syscall(recorder *r, rtask *t, struct user_regs_struct *regs);

#endif
