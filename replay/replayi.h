/* What the replay engine's files share: the replayer's state, its tasks
 * and stops, and the functions that report a failure or a divergence.
 * Internal to replay/ (rep_*); the engine's API is replayer.h. */
#ifndef RRT_REPLAY_REPLAYI_H
#define RRT_REPLAY_REPLAYI_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "sb_abi.h"
#include "replayer.h"

typedef struct stop {
    int status;
    int kind; /* STOP_* */
    int sig;
    struct user_regs_struct regs;
} stop;

enum { STOP_EXIT, STOP_SYSCALL, STOP_EVENT, STOP_SIGNAL, STOP_ERROR };

typedef struct ptask {
    trace_task base;        /* first: ids, memory, patch set, list link */
    struct sb_thread sb_th; /* syscall buffer: its state while others run */
    bool sb_th_valid;       /* as the recorder's (record/recorderi.h) */
    bool in_syscall;
    bool sysemu;         /* resume with PTRACE_SYSEMU outside real calls */
    bool emu_entry;      /* at an entry stop under PTRACE_SYSEMU: the kernel
                          * skips this call */
    bool skipped;        /* left at an emulated call's entry, whose exit stop
                          * still comes if resumed with PTRACE_SYSCALL */
    bool want_real;      /* its next call runs for real: reach its entry under
                          * PTRACE_SYSCALL, saving reenter() */
    uint32_t sb_execs;   /* the buffered mmap and munmap among the records in
                          * its buffer: its next call is the library's
                          * request to run one (SB_NR_EXEC), reached as
                          * want_real */
    bool clone_pending;  /* stopped at a clone event; exit still to come */
    bool sigsuspend;     /* at rt_sigsuspend entry, waiting for a signal */
    uint32_t suspend_nr; /* the call it stands for (ppoll, ...) or 0 */
    int64_t suspend_ret;
    uint64_t suspend_args[2]; /* ... and its rdi, rsi, which rt_sigsuspend's
                               * arguments replaced */
    bool parked;              /* already ran to `park`, not yet consumed */
    stop park;
    int resume_sig;
    int64_t restart_ret; /* emulated call returned -ERESTART*, or 0 */
    bool group_exit;     /* a task of its process ran exit_group */
    bool held_exit;      /* stopped at its exit_group's entry */
    bool exiting;        /* it ran exit or exit_group: no stop until its
                          * death, which a leader reports only after its
                          * threads are reaped (so never park it) */
    /* its EXIT event came while it sat in a call, before the sibling's
     * execve that ended it at record time: held at `park` until that
     * execve runs (reap_doomed) */
    bool doomed;
    bool resumed;          /* already resumed: next_stop only waits */
    uint64_t suspend_mask; /* the mask its sigsuspend blocks while it
                            * waits (PTRACE_GETSIGMASK reports the one
                            * it restores) */
    uint32_t alt_flags;    /* the flags its alternate stack was set with, as
                            * frames keep them (the kernel reports others) */
    /* the last trap the kernel recorded for the thread at record time,
     * which a frame's sigcontext shows (trapno, err, cr2) */
    uint64_t trapno, trap_err, cr2;
    /* signals.c: run to `park` (order_tasks), where a group-stop counts
     * as a stop; parked in one (a stop signal stopped its process) */
    bool parking;
    bool group_stopped;
} ptask;

#define RRT_ELF_PT_INTERP 3u
#define RRT_AT_ENTRY 9u
#define RRT_AT_EXECFN 31u
#define RRT_MFD_EXEC 0x10u

/* An argv or envp string of an execve that shares bytes with the path
 * swapped in for the exec'd one (execv(argv[0], argv) passes one string
 * as both): the new program's copy gets the recorded bytes back. */
typedef struct exec_alias {
    bool env; /* envp[index], else argv[index] */
    uint32_t index;
    uint32_t at;   /* offset in the string of the first swapped byte */
    uint32_t from; /* ... and in the path */
} exec_alias;

typedef struct exec_sub {
    bool active;
    struct ptask *task;
    int exe_fd, interp_fd;     /* read-only memfds holding the blobs */
    int iexe_fd;               /* a script's interpreter (its own interp_fd
                                  is interp_fd) */
    char rec_path[PATH_MAX];   /* the path the recording exec'd */
    char path[PATH_MAX];       /* what replay execs instead (same length) */
    uint64_t entry;            /* e_entry of the program */
    bool inherited;            /* the tracee inherits the descriptors */
    bool script;               /* a #! script: the kernel runs the
                                  interpreter it names */
    bool script_interp;        /* ... the recorded one, named by iname in
                                  the script's copy (else this host's) */
    char iname[PATH_MAX];      /* the #! line's interpreter as replayed */
    char iname_orig[PATH_MAX]; /* ... and as recorded (same length) */
    char links[3][32];         /* /tmp symlinks made for short paths */
    bool has_interp;
    uint64_t interp_vaddr; /* PT_INTERP p_vaddr */
    size_t interp_len;     /* PT_INTERP p_filesz */
    char interp_orig[PATH_MAX];
    uint64_t argc; /* of the execve (a script's interpreter gets
                      its argv[1..] as its last arguments) */
    exec_alias alias[8];
    size_t nalias;
} exec_sub;

typedef struct rep_dbg rep_dbg;

typedef struct replayer {
    const rep_options *o;
    rep_dbg *dbg; /* gdb.c: the debugger, or NULL */
    rrt_reader *rd;
    rrt_event_iter *it; /* the stream being replayed (run_events) */
    trace_cpuid_mode mode;
    trace_task *tasks;
    ptask *lazy;    /* task whose user code since its last event has not
                     * run yet */
    uint64_t index; /* current event */
    uint64_t counts[32];
    int exit_code;
    bool exited;
    bool diverged;
    rep_divergence div;
    rrt_error err;        /* why the replay failed (not a divergence) */
    exec_sub sub;         /* the exec being substituted, if any */
    rrt_cpuid_manifest m; /* the recording's CPU */
    /* XGETBV: trapped at record time, each one has an event; else the
     * program read the recording host's XCR0 (m.xcr0), which replay gives
     * it wherever this host's differs */
    bool xgetbv_events;
    unsigned patch_kinds; /* trace_site_kind bits patched at replay */
    /* signal frames are written in the recording host's XSAVE layout and
     * rt_sigreturn reads them so; the task's state is in this host's */
    trace_xlayout rec_layout, host_layout;
    uint64_t cpuid_trapno; /* the trap CPUID took at record time */
    uint64_t frames_recorded, frames_built, frames_checked;
    char **warned; /* warnings already printed (a shell loop execs the
                      same script a thousand times) */
    size_t nwarned, capwarned;
    trace_site_source sites; /* CPUID sites: the archive's table, cache */
    rrt_cpuid_sites *table;
    struct rep_mem *mem; /* memory.c: copies of mapped files */
    uint64_t sb_records; /* syscall buffer records consumed */
    uint64_t stops;      /* ptrace stops waited for (--stats) */
    uint64_t maps_direct, maps_copied, map_bytes_copied; /* (--stats) */
    bool sb_used;          /* a SYSCALLBUF_INIT was replayed */
    bool sb_mirror;        /* a SHARED_MAP was replayed (sb_ctl.mirror) */
    uint64_t sb_prefilled; /* 1 + seq of the SYSCALLBUF already in the
                            * buffer (syscallbuf.c), or 0 */
    uint64_t hush_until;   /* a re-run: output of earlier events is out */
} replayer;

/* report.c: what the replay says, and how it stops. */
void rep_notify(replayer *r, rep_note n, const char *text);
/* Warns "PATH: WHAT" the first time only. */
void rep_warn_once(replayer *r, const char *path, const char *what);
/* Fails the replay for a reason other than a divergence; returns false. */
bool rep_failed(replayer *r, rrt_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* As rep_failed, at the current event of t: "event N (task T): WHAT". */
bool rep_fail_at(replayer *r, ptask *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A divergence that is not a comparison; returns false. */
bool rep_diverge(replayer *r, ptask *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A divergence: WHAT, expected and found, separately; returns false. */
bool rep_mismatch(replayer *r, ptask *t, const char *expected,
                  const char *found, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* A failure or a divergence has ended the replay. */
bool rep_stopped(const replayer *r);

/* replayer.c */
/* Checks that an external file is still the one recorded and opens it. */
int rep_open_recorded(replayer *r, ptask *t, const rrt_file_entry *f);

/* The signals the program starts with ignored and blocked, from the
 * metadata record.signals (spec/events.md 4), into the spawn options. */
bool rep_signals_meta(replayer *r, trace_spawn_opts *so);

/* gdb.c: the debugger's stop points, called only when r->dbg is set.
 * rep_dbg_event: before each event; false when gdb ended the replay.
 * rep_dbg_resume: before t is resumed with `req`; returns the request to
 * use (a single step). rep_dbg_stopped: after each stop of t; true when
 * the stop was the debugger's (a breakpoint, a step), which the replay
 * then ignores. rep_dbg_signal: t stopped with a recorded signal. */
bool rep_dbg_open(replayer *r);
bool rep_dbg_event(replayer *r, const rrt_event *ev);
int rep_dbg_resume(replayer *r, ptask *t, int req);
bool rep_dbg_stopped(replayer *r, ptask *t, stop *s);
void rep_dbg_signal(replayer *r, ptask *t, int sig);
/* The replay ended (replayed: as recorded, else diverged or failed). */
void rep_dbg_end(replayer *r, bool replayed);
void rep_dbg_close(replayer *r);
/* Reverse execution re-runs the replay with the same debugger: take it
 * from a replayer that ends for that (else NULL), give it to the next. */
rep_dbg *rep_dbg_take(replayer *r);
void rep_dbg_attach(replayer *r, rep_dbg *d);
/* checkpoint.c: before event r->index, maybe takes a snapshot (under
 * gdb); after a run that ended for a re-run, restores the snapshot picked
 * for it (true: the replay goes on from r->index). */
void rep_ckpt_before_event(replayer *r, const rrt_event *ev);
bool rep_ckpt_restore(replayer *r);
/* replayer.c: kills and reaps every task. */
void rep_kill_all(replayer *r);
/* memory.c: no mapping is shared with another process (a fork copies
 * the whole address space). */
bool rep_mem_forkable(const replayer *r);
/* The file copies can be shared with checkpoints (counted references):
 * a checkpoint holds those its mappings show, and gives them back to the
 * replayer it is restored into. How often one was rewritten (a fork
 * from before sees that in the pages it has not written itself). */
uint64_t rep_mem_rewrites(const struct rep_mem *m);
struct rep_mem *rep_mem_ref(replayer *r);
void rep_mem_unref(struct rep_mem *m);
void rep_mem_set(replayer *r, struct rep_mem *m);
/* Events whose output a re-run does not write again. */
uint64_t rep_dbg_hush(replayer *r);
/* memory.c: memory at replay. The vDSO the recording kept visible (and
 * made to ask the kernel) must be where the program saw it. */
bool rep_vdso_check(replayer *r, ptask *t, const rrt_ev_exec *rec,
                    const rrt_ev_exec *now);
/* At the exit stop of e, a file mmap run as anonymous memory: when a
 * SHARED_MAP event follows, maps the object's copy there instead (1);
 * 0 when none follows (the caller fills the mapping), -1 on failure. */
int rep_mem_shared_mmap(replayer *r, ptask *t, const rrt_ev_syscall *e);
/* A failed call that changed memory all the same, which replay runs:
 * madvise and mprotect over a range with a hole act on the mapped part
 * and fail with ENOMEM. */
bool rep_mem_failed_but_acted(const rrt_ev_syscall *e);
/* At the exit stop of e, a private file mmap run as anonymous memory:
 * maps fd, the verified host file behind it (size bytes long), up to the
 * page holding its end, over it instead of copying its bytes, a private
 * file mapping as at record (MADV_DONTNEED reads the file again), with
 * one stop (trace_map_path). 1 when mapped; 0 when not, the mapping to be
 * filled with the file's bytes. */
int rep_mem_map_file(ptask *t, int fd, uint64_t size, const rrt_ev_syscall *e);
/* At the exit stop of e, a private file mmap run as anonymous memory and
 * filled: makes the pages past the end of the file raise SIGBUS, as the
 * file's did. */
bool rep_mem_past_eof(replayer *r, ptask *t, const rrt_ev_syscall *e);
/* At a SIGBUS stop the recording did not have: true when the access hit
 * such pages (the file had grown at record time), which now read zeros,
 * and the task runs on without the signal. */
bool rep_mem_past_eof_tripped(replayer *r, ptask *t, const stop *s);
/* SHARED_WRITE: the bytes a call wrote into a shared file. */
bool rep_mem_shared_write(replayer *r, ptask *t, const rrt_ev_shared_write *e);
void rep_mem_free(replayer *r);
/* The root pid, spawned and stopped before its execve: gets the stack
 * limit the recording started with (metadata record.rlimit_stack), which
 * decides the address-space layout exec gives it. */
bool rep_mem_spawned(replayer *r, pid_t pid);
/* After an emulated call: what of it the address space needs all the same
 * (the stack's size limit, which decides where a recursion overflows). */
bool rep_mem_emulated(replayer *r, ptask *t, const rrt_ev_syscall *e);
/* signals.c: a fatal signal's death of a whole thread group, around
 * each EXIT event: begin (before running the task to its end; returns its
 * thread group id), stale (the stop it reached is not its end: wait for
 * its death), end (after its death). */
pid_t rep_sig_exit_begin(replayer *r, ptask *t, const rrt_ev_exit *e);
bool rep_sig_exit_stale(const ptask *t, const rrt_ev_exit *e, const stop *s);
void rep_sig_exit_end(replayer *r, pid_t tgid, const rrt_ev_exit *e);
/* A group-stop (a stop signal's default action) at stop s: 0 it is not
 * one; 1 it is t's park; -1 run on. rep_sig_unpark: t's park is such a
 * stop, and t runs on from it (true). */
int rep_sig_group_stop(ptask *t, stop *s);
bool rep_sig_unpark(ptask *t);
/* No room for the frame of signal sig in t (blocked: its mask): as the
 * kernel, forces a SIGSEGV, which the next event delivers. */
bool rep_sig_no_room(replayer *r, ptask *t, int sig, uint64_t blocked);
/* The signal state a trap destroys (trace_trapsig): kept from each
 * SYSCALL event, put back after each emulated trap (at its stop s). */
void rep_sig_after_call(replayer *r, ptask *t, const rrt_ev_syscall *e);
bool rep_sig_trap_done(replayer *r, ptask *t, const stop *s);
/* The event after the current one, without moving on (false at the end
 * of the stream, or outside run_events). */
bool rep_peek_event(replayer *r, rrt_event *ev);
/* The task recorded as rec_tid, or NULL. */
ptask *rep_task(replayer *r, uint32_t rec_tid);
/* Runs t to its next stop that matters. */
void rep_next_stop(replayer *r, ptask *t, stop *s);
const char *rep_stop_name(const stop *s, char *buf, size_t n);
/* t stands at the entry stop s of a call that must not run: it returns
 * ret. */
bool rep_skip_call(replayer *r, ptask *t, stop *s, int64_t ret);
/* t stands at the emulated entry stop s of a call that must run for real:
 * it runs again to its real entry stop (s); true at once for a real one. */
bool rep_reenter(replayer *r, ptask *t, stop *s);

/* syscallbuf.c: the syscall buffer's events; false when ev is not one,
 * else *ok says whether it was applied. */
bool rep_sb_event(replayer *r, const rrt_event *ev, bool *ok);
/* Before a signal: a task parked at the library's tail flush (a signal
 * held back at record) leaves it, to take the signal right after. */
bool rep_sb_before_signal(replayer *r, ptask *t);
/* s is the library's stop at the end of its records (parked by the last
 * SYSCALLBUF event): skipped, true; the task then runs on. */
bool rep_sb_skip_end(replayer *r, ptask *t, stop *s);
/* A PREEMPT resume of t: t, parked where its records ended (it yielded
 * there at record time), leaves that stop, to run on from here. */
bool rep_sb_resume(replayer *r, ptask *t);
/* s is a syscall stop of t (next_stop): when it is the library's request
 * to run a buffered mmap or munmap for real (SB_NR_EXEC), runs it to its
 * exit and returns 1 (t then runs on), -1 when that failed or diverged,
 * 0 for any other stop. */
int rep_sb_exec_stop(replayer *r, ptask *t, stop *s);
/* t stands at the real entry stop s of call nr, which replay runs: when nr
 * may change mappings, the library's table of its own (sb_ctl.maps) is
 * emptied, and the mapping the program unmapped that it kept (pend) is
 * unmapped first; s is then the call's entry again. */
bool rep_sb_before_real(replayer *r, ptask *t, uint32_t nr, stop *s);
/* s is a stop at the library's own call (records wanted, end of records). */
bool rep_sb_library_stop(const stop *s);
/* t is about to run: its thread state goes into the library's control
 * page (the recorder did the same when it gave t the token). */
void rep_sb_switch(replayer *r, ptask *t);
/* After t's traced call (its SYSCALL event e): the descriptor cache, and
 * the buffer off once the program installed its own seccomp filter. */
bool rep_sb_after_syscall(replayer *r, ptask *t, const rrt_ev_syscall *e);
/* At the mmap of a SHARED_MAP: as the recorder did, writes to regular
 * files go traced in every buffered process from now on. */
bool rep_sb_mirror(replayer *r);
/* At a clone (flags) of t creating c: as the recorder did, processes that
 * share the descriptor table but not memory do without the library's
 * descriptor cache. */
bool rep_sb_clone(replayer *r, ptask *t, ptask *c, uint64_t flags);

/* exec_sub.c: executing the recorded binaries. */
void rep_sub_clear(exec_sub *x);
/* Prepares x so that t (NULL: the root, before it is spawned) execs the
 * recorded program instead of rec_path; false when the host's file runs. */
bool rep_sub_prepare(replayer *r, ptask *t, exec_sub *x, const char *rec_path,
                     const rrt_ev_exec *ex, uint64_t script);
bool rep_sub_finish(replayer *r, ptask *t, exec_sub *x, const rrt_ev_exec *now);
uint64_t rep_sub_execve(replayer *r, ptask *t, uint64_t addr);
bool rep_peek_exec(replayer *r, uint64_t first, rrt_ev_exec *e,
                   uint64_t *script);

/* execveat.c: at the real entry of t's execveat, turns the registers into
 * an execve of the recorded file (path written into t's memory); the
 * path's address, 0 when the archive does not say which file. */
uint64_t rep_execveat_as_execve(replayer *r, ptask *t,
                                struct user_regs_struct *g);

/* ipc.c: SysV shared memory. Whether a recorded shmat or shmdt runs at
 * replay (as an mmap or munmap), and the registers of that call. */
bool rep_shm_real(const rrt_ev_syscall *e);
void rep_shm_rewrite(const rrt_ev_syscall *e, pid_t tid,
                     struct user_regs_struct *g);
/* After shmat's pages are written: gives the region the protection the
 * call asked for. False when that fails. */
bool rep_shm_filled(const rrt_ev_syscall *e, pid_t tid, int memfd);

#endif
