/* The gdb server's state (gdb.c), shared with reverse execution
 * (reverse.c). Internal to replay/. */
#ifndef RRT_REPLAY_GDBI_H
#define RRT_REPLAY_GDBI_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "gdb_packet.h"
#include "replayi.h"

#define MAX_FILES 16
#define MAX_REG_BYTES 1024
/* vFile:pread and m replies: binary escaping may double the bytes */
#define MAX_XFER ((GDBP_MAX_PACKET - 64) / 2)

typedef struct dbg_bp {
    uint64_t addr;
    uint8_t saved;
    bool inserted;
} dbg_bp;

typedef struct dbg_wp {
    bool used;
    int type; /* Z1 hardware breakpoint, Z2 write, Z4 access */
    uint64_t addr, len;
} dbg_wp;

typedef struct dbg_task {
    pid_t tid, tgid;
    unsigned dr_gen; /* the debug-register setting it has */
} dbg_task;

typedef struct dbg_file {
    bool used;
    int fd; /* a host file, or -1: an archive blob */
    rrt_blob_id blob;
    uint64_t size;
    uint32_t mode;
} dbg_file;

struct rep_dbg {
    replayer *r;
    rep_gdb *o;
    int in, out;
    gdbp_parser p;
    uint8_t inbuf[4096];
    size_t inpos, inlen;
    char *reply; /* framed */
    size_t reply_len;
    char *payload; /* being built */
    gdbp_cmd *cmd;
    bool noack, multiprocess, swbreak, hwbreak, exec_events, fork_events;
    /* a fork of the debugged process: reported at the next event (the
     * child exists then); the child gdb was told of, until it detaches
     * one of the two */
    uint32_t fork_parent, fork_child, reported_child;
    pid_t child_tgid;
    pid_t root_tgid;
    bool active;         /* connected, not detached */
    bool started;        /* the first stop happened */
    bool resume_pending; /* gdb waits for a stop reply */
    bool dirty;          /* gdb changed registers or memory */
    bool ended;          /* the replay cannot go on: stops repeat */
    bool proc_exited;    /* a followed child's exit was reported */
    pid_t tgid;          /* live tgid of the debugged process */
    uint32_t pid;        /* ... and its recorded pid */
    uint32_t cur, gthr;  /* recorded tids: the stop's thread, Hg's */
    char stopmsg[256];   /* the last stop reply */
    /* resuming */
    bool stepping;
    uint32_t step_rec;
    bool step_issued, step_after_syscall;
    bool over_step; /* a re-run steps over its breakpoint */
    uint64_t since; /* breakpoint hits and steps since the event */
    uint64_t polls; /* events run since the last look for Ctrl-C */
    /* the entry: the first EXEC of the root, applied */
    bool exec_seen;
    uint32_t exec_rec; /* task whose EXEC was just applied, 0 none */
    uint64_t auxv_addr;
    char exe[PATH_MAX];
    dbg_bp *bps;
    size_t nbps, capbps;
    int bps_memfd; /* where they are inserted now, or -1 */
    dbg_wp wp[4];
    unsigned dr_gen;
    bool any_wp;
    dbg_task *tasks;
    size_t ntasks, captasks;
    bool nostop[65]; /* Linux signals gdb passes without stopping */
    dbg_file files[MAX_FILES];
    struct rev *rev;      /* reverse.c: positions, reverse execution */
    struct rep_ckpts *ck; /* checkpoint.c: snapshots to go back to */
};

typedef enum { SRV_RESUME, SRV_END } srv_result;

/* gdb.c, for reverse.c */
srv_result rep_dbg_stop_at(rep_dbg *d, ptask *t, int sig, const char *extra);
void rep_dbg_console(rep_dbg *d, const char *text);
bool rep_dbg_send(rep_dbg *d, const char *s);
void rep_dbg_remove_bps(rep_dbg *d);
ptask *rep_dbg_task_rec(rep_dbg *d, uint32_t rec);
/* Gives up the replay (its tasks die) so that rep_replay starts it again
 * with the same debugger (reverse execution). */
void rep_dbg_restart(rep_dbg *d);

/* reverse.c: reverse execution by re-running (see its head comment).
 * A counted stop of the debugged process: a breakpoint (bp, else
 * UINT64_MAX), a watchpoint (wslot into d->wp, else -1), a single step. */
typedef struct rev_hit {
    uint32_t task; /* recorded tid */
    uint64_t rip;
    uint64_t bp;
    int wslot;
    bool stepped;
} rev_hit;

bool rev_open(rep_dbg *d);
void rev_free(rep_dbg *d);
/* A re-run is under way: no stop reaches gdb until it ends. */
bool rev_silent(const rep_dbg *d);
/* Events before which the program's output was already written. */
uint64_t rev_hush(const rep_dbg *d);
/* gdb resumes the program (after set_resume). */
void rev_resumed(rep_dbg *d);
/* Before event `index` (after since = 0). */
void rev_event(rep_dbg *d, uint64_t index);
/* Silent: at the point of rep_dbg_event where gdb could get control. */
srv_result rev_event_stop(rep_dbg *d, ptask *t);
/* A counted stop (d->since was incremented). */
srv_result rev_stop(rep_dbg *d, ptask *t, const rev_hit *h, const char *extra);
/* A recorded signal gdb stops at. */
srv_result rev_signal(rep_dbg *d, ptask *t, int sig);
/* The replay's end: true when a re-run was started instead. */
bool rev_end(rep_dbg *d);
/* bc, bs: always ends the replay (a re-run follows) unless it answered. */
srv_result rev_request(rep_dbg *d, char op);
/* qRcmd (monitor): when, goto N. */
srv_result rev_monitor(rep_dbg *d, const char *cmd);
/* Where a re-run stops: gdb's config goes back in. */
bool rev_restarting(const rep_dbg *d);
/* Live: a stop gdb hears of (the first one is the start of history). */
srv_result rev_live_stop(rep_dbg *d, ptask *t, int sig, const char *extra);
/* A re-run starts. */
void rev_attached(rep_dbg *d);

/* checkpoint.c: snapshots of the program and the replayer at event
 * boundaries (see its head comment). */
typedef struct rep_ckpts rep_ckpts;
bool rep_ckpt_open(rep_dbg *d);
void rep_ckpt_free(rep_dbg *d);
/* A re-run is to reach event `limit`: picks the latest snapshot at or
 * before it for rep_ckpt_restore; its event, 0 when none (the start). */
uint64_t rep_ckpt_plan(rep_dbg *d, uint64_t limit);
/* The replay starts again from event 0 (a new replayer). */
void rep_ckpt_from_start(rep_dbg *d);
/* Where the current run started: a snapshot's event, 0 the start. */
uint64_t rep_ckpt_last_from(const rep_dbg *d);
/* monitor checkpoint: a snapshot at event, kept from thinning (taken the
 * next time a run passes its boundary); false over the bound. */
bool rep_ckpt_pin(rep_dbg *d, uint64_t event);
void rep_ckpt_unpin(rep_dbg *d, uint64_t event);
/* A snapshot at gdb's stop of t inside an event's interval (replacing
 * the one before); false when none can be taken here. plan_mid: the next
 * re-run starts from it (false: none). mid_restored: the run just started
 * from it (once). */
bool rep_ckpt_take_mid(rep_dbg *d, ptask *t);
bool rep_ckpt_plan_mid(rep_dbg *d);
bool rep_ckpt_mid_restored(rep_dbg *d);
/* The snapshots and counters, for monitor checkpoints (lines "rrt: ..."). */
size_t rep_ckpt_describe(const rep_dbg *d, char *buf, size_t size);

#endif
