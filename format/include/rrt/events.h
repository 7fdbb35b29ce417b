/* The event vocabulary of recordings made by `rrt record`: type numbers,
 * decoded forms and payload codecs (spec/events.md describes the bytes). */
#ifndef RRT_EVENTS_H
#define RRT_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every event type, as X(NAME, name, number): NAME is the type's name
 * ("SYSCALL", rrt_ev_type_name) and RRT_EV_NAME its number; name is its
 * payload struct rrt_ev_name, its codecs rrt_ev_encode_name and
 * rrt_ev_decode_name, and its member of rrt_ev_any. Numbers are the u32
 * `type` of an EVTS event, on disk: one never changes. A new type is a
 * line here, its RRT_EV_ constant, struct and codecs (events.c checks that
 * the constants and the list agree). */
#define RRT_EVENT_LIST(X)                                                      \
    X(SYSCALL, syscall, 1) /* a completed (or entry-only) system call */       \
    X(RDTSC, rdtsc, 2)     /* one RDTSC/RDTSCP execution */                    \
    X(CPUID, cpuid, 3)     /* one CPUID execution */                           \
    X(SIGNAL, signal, 4)   /* a signal delivered to a task */                  \
    X(EXIT, exit, 5)       /* a task ended */                                  \
    X(CLONE, clone, 6)     /* a new task (fork/vfork/clone) starts running */  \
    X(EXEC, exec, 7)       /* state set up by a successful execve */           \
    X(EXEC_SCRIPT, exec_script, 8)   /* that execve ran a #! script */         \
    X(SIGNAL_FRAME, signal_frame, 9) /* the frame built for a handler */       \
    X(XGETBV, xgetbv, 10)            /* one XGETBV execution */                \
    X(SYSCALLBUF, syscallbuf, 11)    /* calls the syscall buffer made */       \
    X(SYSCALLBUF_PATCH, syscallbuf_patch,                                      \
      12)                                   /* a call site now jumps to it */  \
    X(SYSCALLBUF_INIT, syscallbuf_init, 13) /* its library was mapped */       \
    X(PREEMPT, preempt, 16)           /* a task gave up its turn at a trap */  \
    X(DETACH, detach, 17)             /* the recording of a task stops */      \
    X(SHARED_MAP, shared_map, 18)     /* an mmap maps a shared file copy */    \
    X(SHARED_WRITE, shared_write, 19) /* a call wrote a shared file */         \
    X(CPUID_PATCH, cpuid_patch, 20)   /* a CPUID site now jumps to a stub */

/* The same numbers as unsigned constants the preprocessor sees. */
#define RRT_EV_SYSCALL 1u
#define RRT_EV_RDTSC 2u
#define RRT_EV_CPUID 3u
#define RRT_EV_SIGNAL 4u
#define RRT_EV_EXIT 5u
#define RRT_EV_CLONE 6u
#define RRT_EV_EXEC 7u
#define RRT_EV_EXEC_SCRIPT 8u
#define RRT_EV_SIGNAL_FRAME 9u
#define RRT_EV_XGETBV 10u
#define RRT_EV_SYSCALLBUF 11u
#define RRT_EV_SYSCALLBUF_PATCH 12u
#define RRT_EV_SYSCALLBUF_INIT 13u
#define RRT_EV_SHARED_MAP 18u
#define RRT_EV_SHARED_WRITE 19u
#define RRT_EV_CPUID_PATCH 20u
#define RRT_EV_PREEMPT 16u
#define RRT_EV_DETACH 17u

/* rrt_ev_syscall.flags */
#define RRT_EV_SC_FILE 0x1u       /* file_index names the mapped file */
#define RRT_EV_SC_STDIO 0x2u      /* stdio_stream/stdio data were recorded */
#define RRT_EV_SC_ENTRY_ONLY 0x4u /* no exit stop (exit, exit_group) */
#define RRT_EV_SC_INITIAL 0x8u    /* the recorder's own first execve */
#define RRT_EV_SC_FORCED 0x10u    /* result imposed by the recorder */
#define RRT_EV_SC_KNOWN 0x1fu     /* every defined flag; others are invalid */

/* Bounds the decoders enforce. */
#define RRT_EV_SIGINFO_SIZE 128
#define RRT_EV_AT_RANDOM_SIZE 16
#define RRT_EV_MAX_AUXV 64
#define RRT_EV_FRAME_NREGS 27       /* words of struct user_regs_struct */
#define RRT_EV_FRAME_MAX (1u << 20) /* bytes of one signal frame */
#define RRT_EV_SHARED_WRITE_MAX (64u << 20) /* bytes of one SHARED_WRITE */
#define RRT_EV_SB_MAX_RECS 32768u           /* records of one SYSCALLBUF */
#define RRT_EV_SB_STUB_MAX 48u /* bytes of a SYSCALLBUF_PATCH stub */
#define RRT_EV_SB_SITE_MIN 5u  /* bytes of a patched site */
#define RRT_EV_SB_SITE_MAX 11u
#define RRT_EV_SB_IMAGE_MAX 65536u /* bytes of the library's image */
#define RRT_EV_CPUID_SITE_MIN 5u   /* bytes of a CPUID_PATCH site */
#define RRT_EV_CPUID_SITE_MAX 16u

/* rrt_ev_syscallbuf.flags */
#define RRT_EV_SB_STOP 0x1u /* the task stopped right after the records */
#define RRT_EV_SB_KNOWN 0x1u

/* Bytes the call wrote into the caller's memory at addr. */
typedef struct rrt_ev_mem {
    uint64_t addr;
    size_t len;
    const uint8_t *data;
} rrt_ev_mem;

typedef struct rrt_ev_syscall {
    uint32_t tid;
    uint32_t nr; /* x86-64 system call number */
    uint64_t args[6];
    int64_t ret;    /* raw rax: -4095..-1 is -errno */
    uint32_t flags; /* RRT_EV_SC_* */
    size_t n_mem;
    const rrt_ev_mem *mem;
    uint64_t file_index;   /* RRT_EV_SC_FILE: index in the file table */
    uint32_t stdio_stream; /* RRT_EV_SC_STDIO: 1 stdout, 2 stderr */
    size_t stdio_len;
    const uint8_t *stdio_data;
} rrt_ev_syscall;

typedef struct rrt_ev_rdtsc {
    uint32_t tid;
    uint8_t rdtscp; /* 0 RDTSC, 1 RDTSCP */
    uint64_t tsc;
    uint32_t aux; /* IA32_TSC_AUX (RDTSCP only, else 0) */
} rrt_ev_rdtsc;

typedef struct rrt_ev_cpuid {
    uint32_t tid, leaf, subleaf;
    uint32_t regs[4]; /* eax, ebx, ecx, edx as the program saw them */
} rrt_ev_cpuid;

typedef struct rrt_ev_signal {
    uint32_t tid, signo; /* signo 1..64 */
    uint8_t sync; /* 1: a fault the instruction stream raises by itself */
    uint8_t siginfo[RRT_EV_SIGINFO_SIZE]; /* the kernel's siginfo_t */
} rrt_ev_signal;

/* Follows the SIGNAL of a signal that ran a handler: the registers the
 * handler started with (struct user_regs_struct order: r15, r14, r13, r12,
 * rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs,
 * eflags, rsp, ss, fs_base, gs_base, ds, es, fs, gs), its blocked-signal
 * mask, and the bytes the kernel wrote from rsp up: the rt_sigframe and the
 * FP/vector state it points to, in the recording host's XSAVE layout. */
typedef struct rrt_ev_signal_frame {
    uint32_t tid;
    uint64_t regs[RRT_EV_FRAME_NREGS];
    uint64_t mask; /* bit n-1: signal n blocked */
    size_t frame_len;
    const uint8_t *frame;
} rrt_ev_signal_frame;

typedef struct rrt_ev_xgetbv {
    uint32_t tid;
    uint32_t xcr;   /* ecx at the instruction */
    uint64_t value; /* edx:eax as the program saw it */
} rrt_ev_xgetbv;

/* Follows the SYSCALL of an mmap of a file that replay maps as one copy
 * (MAP_SHARED, or MAP_PRIVATE of a data file: spec/events.md 3.11): the
 * mapping is of shared object `object`. All such mappings of one file
 * (device and inode) in a recording are of one object, which a replayer
 * backs with one copy of the file's contents. */
typedef struct rrt_ev_shared_map {
    uint32_t tid;
    uint32_t object;
} rrt_ev_shared_map;

/* Follows the SYSCALL of a call that wrote to the file of a shared object
 * (a write to it, seen through its mappings): the file's bytes at
 * [offset, offset + len) after the call; len 0: it was truncated or
 * extended to offset bytes. */
typedef struct rrt_ev_shared_write {
    uint32_t tid;
    uint32_t object;
    uint64_t offset;
    size_t len; /* at most RRT_EV_SHARED_WRITE_MAX */
    const uint8_t *data;
} rrt_ev_shared_write;
/* One call the syscall buffer made inside the program: its number, result,
 * the address of its output argument (informative) and the bytes the
 * kernel wrote there (for readv-like calls, concatenated). */
typedef struct rrt_ev_sb_rec {
    uint32_t nr;
    int64_t ret;
    uint64_t addr;
    size_t len;
    const uint8_t *data;
} rrt_ev_sb_rec;

/* Calls the syscall buffer made, in call order: at least one, at most
 * RRT_EV_SB_MAX_RECS. RRT_EV_SB_STOP: the task stopped right after the
 * last one (a replayer keeps it there until its next event); without, the
 * records were written at its next traced stop. */
typedef struct rrt_ev_syscallbuf {
    uint32_t tid;
    uint32_t flags; /* RRT_EV_SB_* */
    size_t n_recs;
    const rrt_ev_sb_rec *recs;
} rrt_ev_syscallbuf;

/* Follows the SYSCALL of a traced call whose `syscall` instruction the
 * recorder then patched: site_bytes (a jump to the stub) at site,
 * stub_bytes at stub in the library's region; the task continues at rip. */
typedef struct rrt_ev_syscallbuf_patch {
    uint32_t tid;
    uint64_t rip;
    uint64_t stub;
    size_t stub_len; /* at most RRT_EV_SB_STUB_MAX */
    const uint8_t *stub_bytes;
    uint64_t site;
    size_t site_len; /* RRT_EV_SB_SITE_MIN..RRT_EV_SB_SITE_MAX */
    const uint8_t *site_bytes;
} rrt_ev_syscallbuf_patch;

/* A CPUID site of the task's address space now jumps to a stub in the
 * library's region that answers CPUID from the library's table and runs
 * the instructions the jump displaced: site_bytes at site, stub_bytes at
 * stub. Written where the recorder patched it (after the SYSCALL of the
 * mmap or mprotect that made the code executable, after the
 * SYSCALLBUF_INIT of an exec); the task does not move. */
typedef struct rrt_ev_cpuid_patch {
    uint32_t tid;
    uint64_t stub;
    size_t stub_len; /* 1..RRT_EV_SB_STUB_MAX */
    const uint8_t *stub_bytes;
    uint64_t site;
    size_t site_len; /* RRT_EV_CPUID_SITE_MIN..RRT_EV_CPUID_SITE_MAX */
    const uint8_t *site_bytes;
} rrt_ev_cpuid_patch;

/* The syscall buffer's library was mapped at base after the task's exec:
 * its code (image), and the identities of the recorder's stdout and stderr
 * (out[0], out[1]; ok 0: not open), whose writes the library leaves
 * traced. */
typedef struct rrt_ev_syscallbuf_init {
    uint32_t tid;
    uint64_t base;
    size_t image_len; /* at most RRT_EV_SB_IMAGE_MAX */
    const uint8_t *image;
    struct {
        uint8_t ok; /* 0 or 1 */
        uint64_t dev, ino;
    } out[2];
} rrt_ev_syscallbuf_init;

/* resume 0: the task stopped running user code at its last event (an
 * RDTSC, CPUID or XGETBV trap) and gave way to others; resume 1: it runs
 * on from that point now. */
typedef struct rrt_ev_preempt {
    uint32_t tid;
    uint8_t resume; /* 0 or 1 */
} rrt_ev_preempt;

/* The recording of the task stops here: a task that outlived the
 * program's first process (a daemon) when rrt record was told to stop.
 * Replay ends it at this point. */
typedef struct rrt_ev_detach {
    uint32_t tid;
} rrt_ev_detach;

typedef struct rrt_ev_exit {
    uint32_t tid;
    uint32_t killed; /* 1: by signal `code`, 0: exited with `code` */
    uint32_t code;
} rrt_ev_exit;

typedef struct rrt_ev_clone {
    uint32_t parent, child;
    uint64_t flags; /* clone flags (fork: SIGCHLD) */
} rrt_ev_clone;

/* Follows the EXEC of an execve whose file was a #! script: the EXEC's
 * exe_file is the interpreter the kernel ran; script_file is the script,
 * which a replayer can run in the recorded script's place. */
typedef struct rrt_ev_exec_script {
    uint32_t tid;
    uint64_t script_file; /* file-table index of the script */
} rrt_ev_exec_script;

typedef struct rrt_ev_exec {
    uint32_t tid;
    uint64_t exe_file; /* file-table index of the executable */
    bool has_interp;
    uint64_t interp_file; /* file-table index of the ELF interpreter */
    uint8_t at_random[RRT_EV_AT_RANDOM_SIZE];
    size_t n_auxv;
    uint64_t auxv[RRT_EV_MAX_AUXV][2]; /* (key, value) */
} rrt_ev_exec;

/* Encoders append one payload to b. RRT_E_INVALID when the struct holds
 * something the decoder would reject (unknown flags, a count or value out
 * of range), RRT_E_NOMEM when b failed to grow; b is then unusable until
 * reset. What they accept, the matching decoder reads back unchanged. */
RRT_API rrt_status rrt_ev_encode_syscall(rrt_buf *b, const rrt_ev_syscall *e);
RRT_API rrt_status rrt_ev_encode_rdtsc(rrt_buf *b, const rrt_ev_rdtsc *e);
RRT_API rrt_status rrt_ev_encode_cpuid(rrt_buf *b, const rrt_ev_cpuid *e);
RRT_API rrt_status rrt_ev_encode_signal(rrt_buf *b, const rrt_ev_signal *e);
RRT_API rrt_status rrt_ev_encode_exit(rrt_buf *b, const rrt_ev_exit *e);
RRT_API rrt_status rrt_ev_encode_clone(rrt_buf *b, const rrt_ev_clone *e);
RRT_API rrt_status rrt_ev_encode_exec(rrt_buf *b, const rrt_ev_exec *e);
RRT_API rrt_status rrt_ev_encode_exec_script(rrt_buf *b,
                                             const rrt_ev_exec_script *e);
RRT_API rrt_status rrt_ev_encode_signal_frame(rrt_buf *b,
                                              const rrt_ev_signal_frame *e);
RRT_API rrt_status rrt_ev_encode_xgetbv(rrt_buf *b, const rrt_ev_xgetbv *e);
RRT_API rrt_status rrt_ev_encode_syscallbuf(rrt_buf *b,
                                            const rrt_ev_syscallbuf *e);
RRT_API rrt_status
rrt_ev_encode_syscallbuf_patch(rrt_buf *b, const rrt_ev_syscallbuf_patch *e);
RRT_API rrt_status
rrt_ev_encode_syscallbuf_init(rrt_buf *b, const rrt_ev_syscallbuf_init *e);
/* SYSCALLBUF piece by piece, for a producer that has the records in its
 * own form: the head (n records to follow, 1..RRT_EV_SB_MAX_RECS), then
 * each record. The payload is valid once n records were appended. */
RRT_API rrt_status rrt_ev_encode_syscallbuf_head(rrt_buf *b, uint32_t tid,
                                                 uint32_t flags, uint64_t n);
RRT_API rrt_status rrt_ev_encode_sb_rec(rrt_buf *b, const rrt_ev_sb_rec *r);
RRT_API rrt_status rrt_ev_encode_shared_map(rrt_buf *b,
                                            const rrt_ev_shared_map *e);
RRT_API rrt_status rrt_ev_encode_shared_write(rrt_buf *b,
                                              const rrt_ev_shared_write *e);
RRT_API rrt_status rrt_ev_encode_preempt(rrt_buf *b, const rrt_ev_preempt *e);
RRT_API rrt_status rrt_ev_encode_detach(rrt_buf *b, const rrt_ev_detach *e);
RRT_API rrt_status rrt_ev_encode_cpuid_patch(rrt_buf *b,
                                             const rrt_ev_cpuid_patch *e);

/* Decoders read exactly one payload of len bytes: truncated input, an
 * overlong varint, a value out of range, an absurd count or bytes after
 * the last field fail with RRT_E_TRUNCATED / RRT_E_CORRUPT / RRT_E_LIMIT
 * and a message naming the event type, field and payload byte. Pointers in
 * the result point into data. A failure leaves *e zeroed.
 * rrt_ev_decode_syscall allocates e->mem when n_mem > 0: release it with
 * rrt_ev_syscall_clear (harmless on a zeroed struct); so does
 * rrt_ev_decode_syscallbuf with e->recs (rrt_ev_syscallbuf_clear). */
RRT_API rrt_status rrt_ev_decode_syscall(const uint8_t *data, size_t len,
                                         rrt_ev_syscall *e, rrt_error *err);
RRT_API void rrt_ev_syscall_clear(rrt_ev_syscall *e);
RRT_API rrt_status rrt_ev_decode_rdtsc(const uint8_t *data, size_t len,
                                       rrt_ev_rdtsc *e, rrt_error *err);
RRT_API rrt_status rrt_ev_decode_cpuid(const uint8_t *data, size_t len,
                                       rrt_ev_cpuid *e, rrt_error *err);
RRT_API rrt_status rrt_ev_decode_signal(const uint8_t *data, size_t len,
                                        rrt_ev_signal *e, rrt_error *err);
RRT_API rrt_status rrt_ev_decode_exit(const uint8_t *data, size_t len,
                                      rrt_ev_exit *e, rrt_error *err);
RRT_API rrt_status rrt_ev_decode_clone(const uint8_t *data, size_t len,
                                       rrt_ev_clone *e, rrt_error *err);
RRT_API rrt_status rrt_ev_decode_exec(const uint8_t *data, size_t len,
                                      rrt_ev_exec *e, rrt_error *err);
RRT_API rrt_status rrt_ev_decode_exec_script(const uint8_t *data, size_t len,
                                             rrt_ev_exec_script *e,
                                             rrt_error *err);
RRT_API rrt_status rrt_ev_decode_signal_frame(const uint8_t *data, size_t len,
                                              rrt_ev_signal_frame *e,
                                              rrt_error *err);
RRT_API rrt_status rrt_ev_decode_xgetbv(const uint8_t *data, size_t len,
                                        rrt_ev_xgetbv *e, rrt_error *err);
RRT_API rrt_status rrt_ev_decode_syscallbuf(const uint8_t *data, size_t len,
                                            rrt_ev_syscallbuf *e,
                                            rrt_error *err);
RRT_API void rrt_ev_syscallbuf_clear(rrt_ev_syscallbuf *e);
RRT_API rrt_status rrt_ev_decode_syscallbuf_patch(const uint8_t *data,
                                                  size_t len,
                                                  rrt_ev_syscallbuf_patch *e,
                                                  rrt_error *err);
RRT_API rrt_status rrt_ev_decode_syscallbuf_init(const uint8_t *data,
                                                 size_t len,
                                                 rrt_ev_syscallbuf_init *e,
                                                 rrt_error *err);
RRT_API rrt_status rrt_ev_decode_shared_map(const uint8_t *data, size_t len,
                                            rrt_ev_shared_map *e,
                                            rrt_error *err);
RRT_API rrt_status rrt_ev_decode_shared_write(const uint8_t *data, size_t len,
                                              rrt_ev_shared_write *e,
                                              rrt_error *err);
RRT_API rrt_status rrt_ev_decode_preempt(const uint8_t *data, size_t len,
                                         rrt_ev_preempt *e, rrt_error *err);
RRT_API rrt_status rrt_ev_decode_detach(const uint8_t *data, size_t len,
                                        rrt_ev_detach *e, rrt_error *err);
RRT_API rrt_status rrt_ev_decode_cpuid_patch(const uint8_t *data, size_t len,
                                             rrt_ev_cpuid_patch *e,
                                             rrt_error *err);

/* An event of any type, decoded: `type` says which member of u holds it. */
typedef struct rrt_ev_any {
    uint32_t type; /* RRT_EV_*; 0 when empty */
    union {
#define RRT_EV_ANY_MEMBER(NAME, name, num) rrt_ev_##name name;
        RRT_EVENT_LIST(RRT_EV_ANY_MEMBER)
#undef RRT_EV_ANY_MEMBER
    } u;
} rrt_ev_any;

/* Decodes a payload of the given type into out->u.<name> with that type's
 * decoder (same checks, status and message) and sets out->type. A type
 * this library does not know (a newer producer's event: skip it) gives
 * RRT_E_UNSUPPORTED, which no payload decoder returns. A failure leaves
 * *out zeroed. Release a success with rrt_ev_any_clear. */
RRT_API rrt_status rrt_ev_decode_any(uint32_t type, const uint8_t *data,
                                     size_t len, rrt_ev_any *out,
                                     rrt_error *err);
/* Frees what rrt_ev_decode_any allocated (a SYSCALL's mem, a SYSCALLBUF's
 * records) and zeroes *e;
 * harmless on a zeroed struct. */
RRT_API void rrt_ev_any_clear(rrt_ev_any *e);

/* "SYSCALL", "RDTSC", ..., or NULL for a type this library does not know
 * (a newer producer's event: skip it). */
RRT_API const char *rrt_ev_type_name(uint32_t type);

/* The x86-64 system call named by nr ("read"), or NULL when unknown. */
RRT_API const char *rrt_syscall_name(uint32_t nr);

#ifdef __cplusplus
}
#endif
#endif
