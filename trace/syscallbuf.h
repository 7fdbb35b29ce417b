/* The syscall buffer, the parts both engines share: mapping the library
 * into a tracee, patching libc's syscall sites into its stubs, and the
 * codecs of the three buffer events (spec/events.md 3.11-3.13, 5). */
#ifndef RRT_TRACE_SYSCALLBUF_H
#define RRT_TRACE_SYSCALLBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <rrt/rrt.h>

#include "sb_abi.h"

#define RRT_EV_SYSCALLBUF 11u
#define RRT_EV_SYSCALLBUF_PATCH 12u
#define RRT_EV_SYSCALLBUF_INIT 13u

/* The embedded library (preload/, generated sb_image.c). */
extern const unsigned char trace_sb_image[];
extern const size_t trace_sb_image_len;
extern const uint64_t trace_sb_untraced_ip, trace_sb_traced_ip, trace_sb_entry;

/* Maps the region at SB_BASE in a tracee stopped at a syscall-exit stop
 * and writes image (image_len bytes) and a control page for mode. False
 * when the region cannot be had (the program then runs unbuffered). */
bool trace_sb_map(pid_t pid, int memfd, const void *image, size_t image_len,
                  const struct sb_ctl *ctl);

/* One patched site: the stub bytes at stub, the site bytes at site, and
 * cont, where a task that has just executed the site's `syscall` (rip =
 * site + 2) continues. */
typedef struct trace_sb_patch {
    uint64_t stub, site, cont;
    uint8_t stub_bytes[SB_STUB_SIZE];
    size_t stub_len;
    uint8_t site_bytes[16];
    size_t site_len;
} trace_sb_patch;

/* Whether the `syscall` instruction ending at rip can be patched (a known
 * instruction follows it, the stub is in reach) and with what, taking the
 * stub at stub_off in the stubs area. */
bool trace_sb_plan(int memfd, uint64_t rip, uint64_t stub_off,
                   trace_sb_patch *p);

/* Whether the buffer handles call nr (else patching its sites is
 * useless). */
bool trace_sb_buffers(long nr);

/* After a traced call nr of a buffered process: when it may have closed
 * or replaced a descriptor, the library's descriptor cache goes stale
 * (sb_ctl.fd_gen). Both engines do it at the call's event. */
void trace_sb_fds_changed(int memfd, long nr);

/* Event codecs. A record of SYSCALLBUF; the event is tid + records. */
typedef struct trace_sb_rec {
    uint32_t nr;
    int64_t ret;
    uint64_t addr;
    const uint8_t *data;
    size_t len;
} trace_sb_rec;

/* SYSCALLBUF flags: the task stopped right after these records (its own
 * flush call, where it let other threads run or took a held-back signal,
 * or a signal stop): replay keeps it there until its next event. Without
 * the flag the records were written at the task's next traced stop, and
 * replay runs it on to that stop. */
#define TRACE_SB_STOP 0x1u

void trace_sb_encode_flush_head(rrt_buf *b, uint32_t tid, uint32_t flags,
                                uint64_t n);
void trace_sb_encode_rec(rrt_buf *b, const trace_sb_rec *r);
/* Decodes the head; then trace_sb_decode_rec n times. */
bool trace_sb_decode_flush_head(rrt_cursor *c, uint32_t *tid, uint32_t *flags,
                                uint64_t *n);
bool trace_sb_decode_rec(rrt_cursor *c, trace_sb_rec *r);

void trace_sb_encode_patch(rrt_buf *b, uint32_t tid, const trace_sb_patch *p);
bool trace_sb_decode_patch(const uint8_t *data, size_t len, uint32_t *tid,
                           trace_sb_patch *p);

/* ctl: the stdout/stderr identity the library compares with (out_*). */
void trace_sb_encode_init(rrt_buf *b, uint32_t tid, uint64_t base,
                          const void *image, size_t image_len,
                          const struct sb_ctl *ctl);
bool trace_sb_decode_init(const uint8_t *data, size_t len, uint32_t *tid,
                          uint64_t *base, const uint8_t **image,
                          size_t *image_len, struct sb_ctl *ctl);

/* sb_seccomp.c: whether call nr with args and result ret installed a
 * seccomp filter or strict mode (seccomp(2), prctl(PR_SET_SECCOMP)); then
 * both engines turn the process's buffer off (sb_ctl.off) at that event.
 * trace_sb_ctl_flag sets the u32 flag at offset field of the control page
 * (off, mirror) of the process memfd is of: true when done or when it has
 * no library. */
bool trace_sb_seccomp_set(long nr, const uint64_t args[6], int64_t ret);
bool trace_sb_ctl_flag(int memfd, size_t field);
/* At a clone (flags) whose processes share the descriptor table without
 * sharing memory: the descriptor cache off in both (sb_ctl.fds_shared). */
bool trace_sb_clone(int parent_memfd, int child_memfd, uint64_t flags);

#endif
