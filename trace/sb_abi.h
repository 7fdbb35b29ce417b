/* The syscall buffer's ABI: what rrt (trace/syscallbuf.c, record/, replay/)
 * and the in-tracee library (preload/syscallbuf.c) agree on. One region of
 * SB_SIZE bytes at the fixed address SB_BASE in every buffered process:
 * the library's code, its control page, the per-site stubs and the buffer.
 * spec/events.md section 5 describes the design. */
#ifndef RRT_TRACE_SB_ABI_H
#define RRT_TRACE_SB_ABI_H

#include <stdint.h>

#define SB_BASE 0x7fffe0000000ull
#define SB_SIZE 0x200000ull
#define SB_IMAGE_OFF 0x0ull /* code (the linked library), at most 64 KiB */
#define SB_IMAGE_MAX 0x10000ull
#define SB_CTL_OFF 0x10000ull   /* struct sb_ctl */
#define SB_STUBS_OFF 0x20000ull /* per-site stubs, SB_STUB_SIZE each */
#define SB_STUBS_SIZE 0x20000ull
#define SB_STUB_SIZE 48ull
#define SB_BUF_OFF 0x100000ull /* records, SB_BUF_SIZE bytes */
#define SB_BUF_SIZE 0x100000ull

#define SB_CTL (SB_BASE + SB_CTL_OFF)
#define SB_BUF (SB_BASE + SB_BUF_OFF)

#define SB_MAGIC 0x3142535f545252ull /* "RRT_SB1" */

/* Traced calls of the library's own: record: the buffer is full, flush
 * it; replay: the buffer is consumed, fill it. Never real system calls. */
#define SB_NR_FLUSH 0x5253
#define SB_NR_DIVERGED 0x5254 /* replay: a record of another call (a1) */
/* replay: run the call a0 for real with arguments a1..a4 (mmap: fd -1,
 * offset 0), which must return a5: the mmap and munmap the library
 * buffered, which shape the address space (spec/events.md 5) */
#define SB_NR_EXEC 0x5255

enum { SB_MODE_OFF = 0, SB_MODE_RECORD = 1, SB_MODE_REPLAY = 2 };

/* What the library keeps per thread. The recorder and the replayer run
 * one thread of a process at a time: they keep each thread's copy and
 * load it into the control page (owner) before that thread runs. */
struct sb_thread {
    uint32_t busy;        /* inside a call (a signal handler that calls the
                           * library meanwhile takes the traced path) */
    uint32_t call_recs;   /* records the current call made or consumed since
                           * its last traced call */
    uint32_t sig_pending; /* record: a signal held back (below) */
    uint32_t pad;
    uint64_t since_yield; /* record: records since the last SB_NR_FLUSH */
};

/* The control page. The library writes used (record) and cursor
 * (replay) and th; the tracer writes the rest, while the task is stopped.
 * A signal that comes while a thread is in the library is held back by
 * the recorder (th.sig_pending): the library makes a "tail" SB_NR_FLUSH
 * (first argument 1) at the end of the call, where the recorder sends it
 * again; at replay the library stops there (SB_NR_FLUSH, 1) at the end of
 * a call that consumed the last record the replayer gave it. */
struct sb_ctl {
    uint64_t magic;
    uint32_t mode;
    uint32_t pad;
    uint64_t used;      /* bytes of records in the buffer */
    uint64_t flushed;   /* record: bytes already written to the archive */
    uint64_t cursor;    /* replay: bytes consumed */
    uint64_t stub_next; /* tracer: next free stub offset in the stubs area */
    /* the recorder's stdout and stderr: writes to them stay traced, so
     * that the recording carries their bytes (STDIO) */
    uint64_t out_dev[2], out_ino[2];
    uint32_t out_ok[2];
    uint64_t nrec;  /* records made or consumed, for statistics */
    uint64_t owner; /* tracer: the thread whose th is loaded */
    struct sb_thread th;
    /* What the library learnt of descriptors 0..SB_FDS-1 by fstat: an
     * entry holds while its gen is fd_gen (not 0). fd_gen goes up when a
     * descriptor may be closed or replaced: the library's own close and
     * descriptor calls, and (tracers) a traced close, close_range, dup2,
     * dup3. New descriptors take free numbers, whose entries went stale
     * when they were closed. */
    uint64_t fd_gen;
    struct sb_fd {
        uint64_t gen;
        uint32_t kind; /* SB_FD_* bits */
        uint32_t pad;
    } fds[1024];
    /* After the rest, so that the images of recordings made before these
     * were added still read their fields where they were. */
    /* tracer: the program installed a seccomp filter (or strict mode) of
     * its own: every call takes the traced path from now on, as the
     * library's untraced calls would meet the program's filter (spec/
     * events.md 5) */
    uint32_t off;
    /* tracer: the recording mirrors writes to some files into mappings of
     * them (SHARED_MAP, SHARED_WRITE): writes to regular files stay
     * traced, so that the tracer sees them */
    uint32_t mirror;
    /* tracer: another process shares the descriptor table (CLONE_FILES
     * without CLONE_VM), where the library cannot see its closes: the
     * descriptor cache is not used */
    uint32_t fds_shared;
    /* record: the recorder's timer asks for the records (written while the
     * task runs); the library flushes at its next record, as at a yield */
    uint32_t flush_req;
    /* replay: the records in the buffer did not end where the recording
     * stopped the task, so the library makes no stop at the end of the
     * call that takes the last one (the replayer would only skip it) */
    uint32_t no_tail;
    /* replay only (spec/events.md 5, memory): read-write mappings the
     * library had the replayer make (SB_NR_EXEC) that no call the replayer
     * ran for real may have changed since (it empties the table, nmaps 0),
     * and, when pend is 1, one of them the program unmapped (pend_map)
     * that stays mapped until the program maps the same range again
     * (then reused, zeroed: no stop) or until the library or the replayer
     * unmaps it before anything else that could see it */
    uint32_t nmaps;
    uint32_t pend;
    struct sb_map {
        uint64_t addr, len, flags;
    } maps[8], pend_map;
};

#define SB_MAPS 8
/* the most bytes the library zeroes to reuse a mapping at replay */
#define SB_REUSE_MAX 0x100000ull

#define SB_FDS 1024
#define SB_FD_BLOCKS 0x1u /* a pipe, socket or device that may block */
#define SB_FD_STDIO 0x2u  /* the recorder's own stdout or stderr */
#define SB_FD_FILE                                                             \
    0x4u /* a regular file or block device: what a mapping                     \
          * can show (sb_ctl.mirror) */

/* At record the library calls SB_NR_FLUSH every SB_YIELD_EVERY records
 * too: the recorder then lets waiting threads run (a thread looping on
 * buffered calls would otherwise keep the others from ever running). */
#define SB_YIELD_EVERY 2048

/* One record in the buffer: a header, then len bytes of output, padded
 * to 8. */
struct sb_rec {
    uint32_t nr;
    uint32_t size; /* header + data + padding */
    int64_t ret;
    uint64_t addr; /* where the library put the output (informative) */
    uint64_t len;
};

#define SB_REC_HDR ((uint64_t)sizeof(struct sb_rec))

/* CPUID answered in the tracee (spec/events.md 5, CPUID stubs): the table
 * of every leaf and subleaf the recording's manifest has, with the values
 * the program sees (trace/cpuid_stub.c fills it at the library's mapping),
 * at SB_CPUID_OFF in the free room between the stubs and the buffer. A
 * patched CPUID site jumps to a per-site stub that calls sb_cpuid_entry
 * (preload/syscallbuf.c), which answers from the table. The library marks
 * what it answered (hit, miss) for the recorder, which must know which
 * leaves the program queried (the manifest's queried list). */
#define SB_CPUID_OFF 0x40000ull
#define SB_CPUID_SIZE 0x10000ull
#define SB_CPUID (SB_BASE + SB_CPUID_OFF)
#define SB_CPUID_ASM "0x7fffe0040000" /* SB_CPUID, for the assembler */
#define SB_CPUID_MISSES 64
#define SB_CPUID_INDEXED 0x1u /* the entry answers only its subleaf */

struct sb_cpuid_ent {
    uint32_t leaf, sub;
    uint32_t flags; /* SB_CPUID_INDEXED */
    uint32_t hit;   /* library: 1 once it answered from this entry */
    uint32_t regs[4];
};

struct sb_cpuid {
    uint32_t n;         /* entries */
    uint32_t nmiss;     /* library: (leaf, ecx) it answered zeros for */
    uint32_t miss_over; /* library: 1 when a miss did not fit in miss[] */
    uint32_t pad;
    struct sb_cpuid_miss {
        uint32_t leaf, sub;
    } miss[SB_CPUID_MISSES];
    struct sb_cpuid_ent ent[]; /* n of them, up to SB_CPUID_MAX */
};

#define SB_CPUID_HDR (16ull + 8ull * SB_CPUID_MISSES)
#define SB_CPUID_MAX ((SB_CPUID_SIZE - SB_CPUID_HDR) / 32ull)

#endif
