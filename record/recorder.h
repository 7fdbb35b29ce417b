/* The recording engine: runs a program under ptrace and turns what it
 * observes into events through the producer (trace.h). */
#ifndef RRT_RECORD_RECORDER_H
#define RRT_RECORD_RECORDER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "trace.h"

/* Which mapped files go into the archive at record time; the others are
 * referenced by identity until `rrt pack` embeds them. */
typedef enum rec_embed {
    REC_EMBED_AUTO, /* files likely to change (reference_until_pack) */
    REC_EMBED_ALL,
    REC_EMBED_NONE, /* only files nobody can open again (deleted, memfd) */
} rec_embed;

/* What rec_record tells its caller as it goes. */
typedef enum rec_note {
    REC_NOTE_WARNING, /* text: something the user should know */
} rec_note;

typedef void (*rec_notify_fn)(void *ctx, rec_note note, const char *text);

typedef struct rec_options {
    const char *out;
    char **argv; /* program and arguments, NULL-terminated */
    int cpu;     /* CPU to pin to; -1 = do not pin, -2 = current */
    trace_cpuid_mode cpuid_mode;
    unsigned level;        /* x86-64 psABI level mask, 0 = none */
    const char *mask_file; /* `rrt cpuid -o` host file or --common mask */
    const char *disable_features;
    bool keep_env;
    int quality; /* brotli quality of blobs and events, 0-11 */
    rec_embed embed;
    unsigned flush_every; /* events between flushes */
    bool syscall_buffer;  /* common calls run in the program, buffered */
    /* Polled between stops: when it becomes non-zero the program is
     * killed and the recording left at OUT.partial (the caller's signal
     * handler sets it; the library installs none). NULL: never. */
    const volatile sig_atomic_t *interrupt;
    /* The serialization limit: a task that runs user code this long
     * without a system call while others wait to run ends the recording
     * (OUT.partial kept). 0: no limit. */
    unsigned serialize_limit_ms;
    rec_notify_fn notify;
    void *notify_ctx;
    /* The ignored and blocked signals the program starts with (bit n-1
     * for signal n): those the caller itself inherited, captured before
     * it installed handlers (trace_signals_now), since a handler resets
     * to SIG_DFL at exec where SIG_IGN would have stayed. signals_set
     * false: this process's state when rec_record starts. */
    bool signals_set;
    uint64_t sig_ignored, sig_blocked;
} rec_options;

/* How a recording ended. */
typedef enum rec_outcome {
    REC_COMPLETE,    /* the program ran to its end; the archive is final */
    REC_INCOMPLETE,  /* recording stopped (err says why); the archive is
                      * final, marked `incomplete`, events up to the stop */
    REC_INTERRUPTED, /* *interrupt: program killed, events in OUT.partial */
    REC_FAILED,      /* nothing usable: no archive under OUT */
} rec_outcome;

typedef struct rec_report {
    rec_outcome outcome;
    bool exited;         /* the root task's end was seen */
    int exit_status;     /* its exit code, or 128+N when signal N killed it */
    uint64_t events;     /* events written */
    uint64_t counts[32]; /* events by type (rrt/events.h RRT_EV_*) */
    /* Code regions whose CPUID sites were found, by how (trace_sites_how:
     * [TRACE_SITES_CACHED], [TRACE_SITES_DECODED]); patch mode only. */
    uint64_t site_regions[TRACE_SITES_DECODED + 1];
    /* Code regions known by file identity, without reading them. */
    uint64_t site_by_file_id;
    uint64_t sb_records; /* calls the syscall buffer recorded */
    uint64_t sb_patched; /* syscall sites it patched */
} rec_report;

/* Records o->argv into o->out. RRT_OK only for REC_COMPLETE; otherwise
 * err says what went wrong and rep->outcome what is left on disk. */
rrt_status rec_record(const rec_options *o, rec_report *rep, rrt_error *err);

/* Environment names whose values are redacted unless --keep-env. */
bool rec_env_is_secret(const char *name, size_t len);

#endif
