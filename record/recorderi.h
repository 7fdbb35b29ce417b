/* What the recording engine's files share: the recorder's state and its
 * tasks, and the capture of what each system call wrote into the program.
 * Internal to record/ (rec_*); the engine's API is recorder.h. */
#ifndef RRT_RECORD_RECORDERI_H
#define RRT_RECORD_RECORDERI_H

#include <signal.h>
#include <stdbool.h>
#include <signal.h>
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
    /* Signals (signals.c). frame_failed: the kernel could not build the
     * frame of the signal being delivered, and forces a SIGSEGV; stopped:
     * in a group-stop, until a SIGCONT */
    bool frame_failed;
    bool stopped;
    bool kept_call; /* in a call it keeps the token through */
    bool preempted; /* gave way at a trap (rec_sched_preempt) */
    /* proc.c: a call the recorder runs in the kernel's place */
    bool emulated;
    int64_t emu_ret;
    bool tsc_sigsegv; /* the program's PR_SET_TSC: RDTSC faults for it */
    /* it ran execve from a thread other than its process's leader: the
     * kernel gave it the leader's id (now its tid); this was its own,
     * which its execve's SYSCALL event still names */
    pid_t exec_former;
    /* syscall buffer (syscallbuf.c): its region is mapped in the task's
     * address space; the task stops at calls by seccomp, not at each entry
     * (resume with PTRACE_CONT outside calls); rip at the call's entry */
    bool sb;
    bool seccomp;
    /* the program installed a seccomp filter of its own (seccomp.c): its
     * buffer is off, and every call stops at its entry; strict: the
     * recorder keeps the task in strict mode in the kernel's place */
    bool own_filter;
    bool strict;
    uint64_t sb_rip;
    uint64_t sb_cont; /* where its last call's exit was patched to go on,
                       * until its next call: a stop replay reaches too */
    /* signals that came while the task was in the library, sent again
     * where replay can deliver them too (syscallbuf.c) */
    siginfo_t sb_stash[4];
    int sb_nstash;
    int sb_requeued;        /* sent again at a tail flush, to deliver there */
    struct sb_thread sb_th; /* its state in the library while others run */
    /* sb_th is its state (a thread, or after an exec), to load even when
     * the thread whose state the control page holds is gone; a fork child
     * keeps what it inherited */
    bool sb_th_valid;
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
    uint64_t xcr0_seen; /* XCR0 as XGETBV shows it to the program */
    /* the signals the program starts with ignored and blocked
     * (metadata record.signals) */
    uint64_t sig_ignored, sig_blocked;
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
    int64_t start_ns; /* wall clock at the start, for files made since */
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
    uint64_t counts[32];
    trace_site_source sites; /* CPUID sites: cache, and into the archive */
    /* files mapped MAP_SHARED (memory.c): the object number is the index */
    struct rec_shared *shared;
    size_t n_shared, cap_shared;
    int64_t map_object; /* object of the mmap being recorded, or -1 */
    bool vdso_noted;    /* metadata record.vdso written */
    /* sched.c: job control, the serialization limit, preemption */
    int jc_fd;          /* the terminal the program has, -1 none */
    int jc_tty_stop;    /* the terminal stopped the program with this */
    bool jc_stopping;   /* rrt is stopping itself with it */
    bool tty_interrupt; /* Ctrl-C or Ctrl-\ reached the program */
    bool hung;          /* the serialization limit ended the recording */
    rtask *timed;       /* the holder granted_ms is about */
    uint64_t granted_ms, contended_ms;
    sigset_t old_mask;
    bool mask_saved;
    bool failed;
    rrt_error err;
    uint64_t sb_records, sb_patched, sb_stashed; /* syscall buffer */
    /* sb_flush.c: the timed flush: the last tick, the task whose library
     * was asked for its records (0 none), records taken from its side */
    uint64_t sb_tick_at;
    pid_t sb_asked;
    uint64_t sb_taken;
    bool sb_mirror; /* a SHARED_MAP was written: sb_ctl.mirror everywhere */
    /* syscallbuf.c: the records read from a buffer and their event, kept
     * from flush to flush (up to a megabyte each, every few calls) */
    rrt_buf sb_raw, sb_enc;
    /* sb_sites.c: the sites patched so far, by file and offset */
    struct rec_sb_site *sb_sites;
    size_t n_sb_sites, cap_sb_sites;
    /* cpustub.c: CPUID stubs on (cs_on); the manifest fits the library's
     * table (cs_table); sites waiting to be patched; stubs made; a
     * process's marks could not all be read (queried leaves unknown) */
    bool cs_on, cs_table, cs_lost;
    uint64_t *cs_site;
    uint8_t *cs_disp;
    size_t cs_n, cs_cap;
    uint64_t cs_patched;
} recorder;

/* Stops the recording with a message (the first one wins); false. */
bool rec_fail(recorder *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline bool rec_is_err(int64_t ret)
{
    return ret < 0 && ret >= -4095;
}

/* The task waits for the token, after those already waiting. */
void rec_wait_token(recorder *r, rtask *t);

/* signals.c */
bool rec_sig_is_sync(rtask *t, int sig, const siginfo_t *si);
bool rec_sig_group_stop(recorder *r, rtask *t, int sig);
pid_t rec_sig_wait(recorder *r, int *status);

/* outputs.c: the memory each system call wrote, and writes to the
 * recorder's own stdout/stderr. */
void rec_save_addr_room(rtask *t, const trace_sc_desc *d);
bool rec_save_namelens(recorder *r, rtask *t);
const char *rec_refusal(rtask *t, const trace_sc_desc *d, char *buf, size_t n);
bool rec_restartable_outputs(recorder *r, rtask *t, const trace_sc_desc *d,
                             int64_t ret);
bool rec_copies_to_stdio(recorder *r, rtask *t);
bool rec_capture_stdio(recorder *r, rtask *t, rrt_ev_syscall *e);
/* Adds [addr, addr+len) of t's memory to the current call's outputs. */
bool rec_add_out(recorder *r, rtask *t, uint64_t addr, uint64_t len);

/* recorder.c: the file-table index of a mapped file (see file_index). */
bool rec_file_index(recorder *r, const char *proc_path, bool written,
                    uint64_t *index);

/* memory.c: memory calls whose effects replay cannot get by running them
 * again. At an mmap of a descriptor: the file or device it maps (sets
 * FILE for a file; /dev/zero is anonymous memory). */
bool rec_mem_map_fd(recorder *r, rtask *t, rrt_ev_syscall *e);
/* At a call's exit, before its event: the memory it left that replay
 * cannot reproduce (file contents behind madvise and mremap, mincore's
 * vector). */
bool rec_mem_outputs(recorder *r, rtask *t, const rrt_ev_syscall *e);
/* After an exec: metadata record.vdso, the patched vDSO's identity, the
 * first time a program keeps it. */
bool rec_mem_after_exec(recorder *r, rtask *t, const rrt_ev_exec *ex);
/* Metadata record.rlimit_stack: the stack limit the program starts with. */
rrt_status rec_mem_meta(recorder *r);
/* After a call's SYSCALL event: SHARED_MAP for an mmap of a shared file,
 * SHARED_WRITE for a write to the file of one. */
bool rec_mem_after_event(recorder *r, rtask *t, const rrt_ev_syscall *e);

/* sched.c: who runs. Job control: the program's process group gets the
 * terminal (start), rrt's gets it back (end); signals the terminal sent
 * (signal) and group-stops (group_stop, which takes the other tasks' stops
 * through on_stop) make rrt stop or end as the program does. */
void rec_jobctl_start(recorder *r);
void rec_jobctl_end(recorder *r);
void rec_jobctl_signal(recorder *r, int sig, const siginfo_t *si);
void rec_jobctl_group_stop(recorder *r,
                           bool (*on_stop)(recorder *, pid_t, int));
/* At a call's entry: the holder keeps the token through the call. */
bool rec_keeps_token(recorder *r, rtask *t);
/* waitpid(-1) for the next stop, ending the recording (r->hung, -1 with
 * ETIMEDOUT) when the holder runs user code longer than the serialization
 * limit while others wait; -1 with EINTR when rrt got a signal; 0 when
 * max_ms (0: no such bound) passed without a stop. begin blocks SIGCHLD,
 * which it waits for; end restores the mask. */
pid_t rec_wait(recorder *r, int *status, unsigned max_ms);
void rec_sched_begin(recorder *r);
void rec_sched_end(recorder *r);
/* At an emulated trap of t: true when t gave up the token there (PREEMPT
 * written; t waits stopped, and is not to be resumed now). */
bool rec_sched_preempt(recorder *r, rtask *t);
/* When a task gets the token: marks where a preempted one runs on. */
bool rec_sched_resumed(recorder *r, rtask *t);
/* t gave the token up at the syscall buffer's yield (its records went
 * out with STOP): where it runs on is marked as for a preempted task. */
void rec_sched_yielded(recorder *r, rtask *t);

/* proc.c: at a call's entry (false: refused) and exit stop, the calls the
 * recorder adjusts (CLONE_UNTRACED, PR_SET_TSC/PR_GET_TSC, int 0x80); and
 * whether a SIGSEGV is the RDTSC fault the program asked for. */
bool rec_proc_entry(recorder *r, rtask *t, struct user_regs_struct *regs);
void rec_proc_exit(recorder *r, rtask *t, struct user_regs_struct *regs);
bool rec_proc_tsc_fault(rtask *t, int sig, const siginfo_t *si);
/* Ends the recording of every task left (DETACH events); how many. */
size_t rec_proc_detach_all(recorder *r);

/* execveat.c: at execveat's entry, turns it into an execve of the file's
 * real path (replay does the same), or leaves it when the kernel will
 * refuse it. */
void rec_execveat_as_execve(rtask *t, struct user_regs_struct *regs);

/* seccomp.c: at an exit stop, whether the program's seccomp filter skipped
 * the call with SECCOMP_RET_TRAP (its SIGSYS is pending). */
bool rec_seccomp_skipped(rtask *t, const struct user_regs_struct *regs);
/* At the entry stop of a call the recorder answers itself: makes it one
 * that changes nothing (number -1, or under the program's seccomp filter
 * the call itself with an argument the kernel refuses at once, so that
 * the filter judges what the program called). */
void rec_skip_call(rtask *t, struct user_regs_struct *regs);

/* With the syscall buffer's filter: rec_seccomp_entry, at a call's entry,
 * enters strict mode in the kernel's place (which refuses it on top of a
 * filter) and ends a task in strict mode at a call it forbids (1: killed;
 * -1 failure); rec_seccomp_exit, at the event of a call that installed
 * the program's own filter or strict mode, turns the process's buffer off
 * and makes its calls stop at their entry. */
int rec_seccomp_entry(recorder *r, rtask *t, struct user_regs_struct *regs);
bool rec_seccomp_exit(recorder *r, rtask *t, const rrt_ev_syscall *e);

/* Appends an event the engine encoded itself (the syscall buffer's). */
bool rec_emit_raw(recorder *r, uint32_t type, const rrt_buf *b);
/* Writes the events the writer holds to OUT.partial now (no fsync) and
 * restarts the count toward the next flush; false when that failed. */
bool rec_flush_writer(recorder *r);

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
/* Whether buf (n bytes of the buffer) is a whole number of well-formed
 * records: count is then how many, else the offset of the bad one. */
bool rec_sb_check_records(const uint8_t *buf, size_t n, uint64_t *count);
/* The n bytes of t's buffer from offset off, read into r->sb_raw (kept
 * from call to call); NULL when they cannot be read or had no room. */
const uint8_t *rec_sb_read(recorder *r, rtask *t, uint64_t off, size_t n);
/* Writes the count records in buf, which rec_sb_check_records accepted,
 * as one SYSCALLBUF event of t (none when count is 0). */
bool rec_sb_emit_records(recorder *r, rtask *t, const uint8_t *buf, size_t n,
                         uint64_t count, uint32_t flags);

/* rec_sb_patch_site: patches the syscall site ending at rip of t's process
 * when it can be (*cont: where a task that has just run its `syscall`
 * continues; 0 when not patched) and writes the SYSCALLBUF_PATCH event;
 * ahead: before any task has run it (the event's rip is 0). False on
 * failure. */
bool rec_sb_patch_site(recorder *r, rtask *t, uint64_t rip, bool ahead,
                       uint64_t *cont);

/* sb_sites.c: sites patched ahead of their first call in a process, where
 * an earlier process of the recording patched the same file's site.
 * rec_sb_site_learn: the site ending at rip in mapping m was patched;
 * rec_sb_ahead_exec: after the library is mapped at an exec, patches the
 * known sites of the files mapped executable (ld.so, the program);
 * rec_sb_ahead_mmap: at the exit of t's call (ret), when it mapped a
 * file executable and privately, those of that file. False on failure. */
void rec_sb_site_learn(recorder *r, rtask *t, const trace_mapping *m,
                       uint64_t rip);
bool rec_sb_ahead_exec(recorder *r, rtask *t);
bool rec_sb_ahead_mmap(recorder *r, rtask *t, int64_t ret);
/* cpustub.c: CPUID answered in the program. setup, before the program
 * starts; exec, after rec_sb_exec: the table, and the stubs of what the
 * exec mapped; after_event, after a call's SYSCALL event (and its
 * SHARED_* events): the stubs of the code it mapped; marks, before a
 * process's memory goes away and at the end: the leaves its library
 * answered, into the queried list (rec_note_queried, recorder.c). */
void rec_cpustub_setup(recorder *r);
bool rec_cpustub_exec(recorder *r, rtask *t);
bool rec_cpustub_after_event(recorder *r, rtask *t, const rrt_ev_syscall *e);
void rec_cpustub_marks(recorder *r, rtask *t);
void rec_cpustub_marks_all(recorder *r);
void rec_note_queried(recorder *r, uint32_t leaf, uint32_t sub);

/* sb_flush.c: the timed flush. rec_sb_tick_ms: how long the recorder may
 * wait for a stop before the next tick (0: no tick needed, wait freely);
 * rec_sb_tick, called whenever it waits: when a tick is due, asks the
 * holder's library for its records (or takes them, when it did not answer
 * the last ask) and flushes the writer. rec_sb_answered: records came
 * after an ask: the writer flushes them to the file now. */
unsigned rec_sb_tick_ms(const recorder *r);
bool rec_sb_tick(recorder *r);
bool rec_sb_answered(recorder *r);
/* At the first SHARED_MAP event: writes to regular files go traced in
 * every buffered process from now on (sb_ctl.mirror), so that
 * rec_mem_after_event sees those to mapped files. */
bool rec_sb_mirror(recorder *r);

#endif
