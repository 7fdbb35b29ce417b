/* The replay engine: re-runs a recorded program, feeding it the archive's
 * events instead of the outside world. A library call: it prints nothing
 * and installs no signal handler; `rrt replay` (replay_cmd.c) does. */
#ifndef RRT_REPLAY_REPLAYER_H
#define RRT_REPLAY_REPLAYER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/user.h>

#include "trace.h"

/* What rep_replay tells its caller as it goes. */
typedef enum rep_note {
    REP_NOTE_WARNING, /* text: something the user should know (once) */
    REP_NOTE_EVENT,   /* text: one event, as it is replayed (dump_events) */
    REP_NOTE_HOST,    /* text: why this host cannot replay the recording,
                       * one line per reason, as `rrt verify --host` says
                       * it; sent before REP_REFUSED, or with force */
} rep_note;

typedef void (*rep_notify_fn)(void *ctx, rep_note note, const char *text);

/* Serving gdb inside the replay (gdb.c): a connected channel, and where
 * gdb first gets control. */
typedef struct rep_gdb {
    int in_fd, out_fd;
    uint64_t stop_at; /* first stop: the program's entry, or before this
                       * event if it is later */
    bool killed;      /* out: gdb killed the replay */
    bool detached;    /* out: gdb detached; the replay ran on alone */
} rep_gdb;

typedef struct rep_options {
    const char *archive;
    bool dump_events;
    bool force;     /* replay on a host the compat check refuses */
    bool quiet;     /* do not re-emit the recorded stdout/stderr */
    uint64_t until; /* stop after this many events; UINT64_MAX = all */
    trace_cpuid_mode cpuid_mode;
    int cpu;                    /* -2 current CPU, -1 no pinning */
    bool passthrough_for_tests; /* let calls through: tests the seccomp wall */
    /* tests: compare the frame replay builds for each recorded signal
     * frame with the recorded one (a difference is a divergence) */
    bool check_frames_for_tests;
    /* tests: build every frame, recorded or not, in the recording's XSAVE
     * layout with each component this many bytes further up */
    uint32_t frame_pad_for_tests;
    rep_notify_fn notify;
    void *notify_ctx;
    rep_gdb *gdb; /* serve gdb (NULL: no debugger) */
} rep_options;

typedef enum rep_outcome {
    REP_REPLAYED, /* every event (or `until` of them) replayed as recorded */
    REP_DIVERGED, /* the program did something else: see rep->div */
    REP_REFUSED,  /* this host cannot replay it (REP_NOTE_HOST said why) */
    REP_FAILED,   /* not replayable: bad archive, not a recording, or the
                   * program could not be started (err says why) */
} rep_outcome;

/* Where and how the replay left the recording. `expected` and `found` are
 * empty when the divergence is not a comparison (a referenced file that
 * changed, an exec that failed). */
typedef struct rep_divergence {
    uint64_t event; /* index of the event being replayed */
    uint32_t task;  /* the task, by its recorded id (0: none) */
    char what[768]; /* "openat argument 1", "system call", ... */
    char expected[256], found[256];
    bool have_regs;
    struct user_regs_struct regs; /* the task's registers there */
} rep_divergence;

typedef struct rep_report {
    rep_outcome outcome;
    bool exited;         /* the root task's recorded end was replayed */
    int exit_status;     /* its exit code, or 128+N when signal N killed it */
    uint64_t events;     /* events replayed */
    uint64_t counts[32]; /* events by type (rrt/events.h RRT_EV_*) */
    /* Code regions whose CPUID sites were found, by how (trace_sites_how:
     * from the archive's table, the cache, or decoding); patch mode only. */
    uint64_t site_regions[TRACE_SITES_DECODED + 1];
    /* Code regions read back from the tracee to find their sites; known
     * from the bytes replay wrote into them; known by file identity (the
     * files exec mapped). Patch mode only. */
    uint64_t site_read, site_read_bytes, site_by_fill, site_by_file_id;
    /* signal frames written for handlers: the recorded ones, and those
     * built here (recordings without them); how many of the recorded were
     * compared with one built here (check_frames_for_tests) */
    uint64_t frames_recorded, frames_built, frames_checked;
    uint64_t stops;     /* ptrace stops waited for (the cost of a replay) */
    rep_divergence div; /* REP_DIVERGED */
} rep_report;

/* Replays o->archive. RRT_OK for REP_REPLAYED (the program's own status is
 * in rep->exit_status, whatever it is), else a status with err set. */
rrt_status rep_replay(const rep_options *o, rep_report *rep, rrt_error *err);

#endif
