/* The recording engine: runs a program under ptrace and turns what it
 * observes into events through the producer (trace.h). */
#ifndef RRT_RECORD_RECORDER_H
#define RRT_RECORD_RECORDER_H

#include <stdbool.h>

#include "trace.h"

/* Which mapped files go into the archive at record time; the others are
 * referenced by identity until `rrt pack` embeds them. */
typedef enum rrti_embed {
    RRTI_EMBED_AUTO, /* files likely to change (reference_until_pack) */
    RRTI_EMBED_ALL,
    RRTI_EMBED_NONE, /* only files nobody can open again (deleted, memfd) */
} rrti_embed;

typedef struct rrti_record_opts {
    const char *out;
    char **argv;          /* program and arguments, NULL-terminated */
    int cpu;              /* CPU to pin to; -1 = do not pin */
    rrti_cpuid_mode cpuid_mode;
    unsigned level;       /* x86-64 psABI level mask, 0 = none */
    const char *mask_file; /* `rrt cpuid -o` host file or --common mask */
    const char *disable_features;
    bool keep_env;
    rrti_embed embed;
    bool stats;
    unsigned flush_every; /* events between flushes */
} rrti_record_opts;

/* Returns the exit code for rrt: the program's exit status, or 2 when the
 * recording failed. */
int rrti_record(const rrti_record_opts *o);

#endif
