/* The replay engine: re-runs a recorded program, feeding it the archive's
 * events instead of the outside world. */
#ifndef RRT_REPLAY_REPLAYER_H
#define RRT_REPLAY_REPLAYER_H

#include <stdbool.h>
#include <stdint.h>

#include "trace.h"

typedef struct rrti_replay_opts {
    const char *archive;
    bool stats;
    bool dump_events;
    bool force;
    bool quiet;
    uint64_t until; /* stop after this many events; UINT64_MAX = all */
    rrti_cpuid_mode cpuid_mode;
    int cpu;        /* -2 current CPU, -1 no pinning */
    bool passthrough_for_tests; /* let calls through: tests the seccomp wall */
} rrti_replay_opts;

/* Returns the recorded exit status, 1 on divergence, 2 on input errors. */
int rrti_replay(const rrti_replay_opts *o);

#endif
