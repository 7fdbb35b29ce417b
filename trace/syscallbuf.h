/* The syscall buffer, the parts both engines share: mapping the library
 * into a tracee and patching libc's syscall sites into its stubs
 * (spec/events.md 5). The codecs of its three events (3.11-3.13) are
 * librrt's, rrt/events.h. */
#ifndef RRT_TRACE_SYSCALLBUF_H
#define RRT_TRACE_SYSCALLBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <rrt/rrt.h>

#include "sb_abi.h"

/* The embedded library (preload/, generated sb_image.c). */
extern const unsigned char trace_sb_image[];
extern const size_t trace_sb_image_len;
extern const uint64_t trace_sb_untraced_ip, trace_sb_traced_ip, trace_sb_entry;
/* The library's CPUID entry (sb_abi.h, SB_CPUID). */
extern const uint64_t trace_sb_cpuid_entry;

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

/* cpuid_stub.c: CPUID answered in the tracee (sb_abi.h, SB_CPUID).
 * trace_cpuid_table_fill writes the table of manifest m's records with
 * the values the program sees (replay: leaf 0xD raised as replay's trap
 * path does, trace_cpuid_xsave_floor); false when m does not fit or a
 * record's value depends on the subleaf where the table cannot say so (no
 * site may then be stubbed). trace_cpuid_table_marks calls fn with each
 * (leaf, subleaf) the library answered, from an entry or with zeros (a
 * miss: the raw ecx); false when it cannot tell them all (the miss list
 * overflowed, a damaged table). A process whose memory is gone has
 * nothing to tell: true. */
bool trace_cpuid_table_fill(int memfd, const rrt_cpuid_manifest *m,
                            bool replay);
typedef void (*trace_cpuid_mark_fn)(void *ctx, uint32_t leaf, uint32_t sub);
bool trace_cpuid_table_marks(int memfd, trace_cpuid_mark_fn fn, void *ctx);
/* The stub of the CPUID site at site, whose disp bytes (the CPUID, or
 * with ud2 the UD2 patch mode wrote over it, and whole instructions) the
 * stub at stub_off in the stubs area runs instead; the site becomes a
 * jump to it. False when the bytes are not what the site's disp says (a
 * hint from a cache: they are decoded again here), or out of reach. */
bool trace_cpuid_stub_plan(int memfd, uint64_t site, uint8_t disp,
                           uint64_t stub_off, bool ud2, trace_sb_patch *p);

/* Whether the buffer handles call nr (else patching its sites is
 * useless). */
bool trace_sb_buffers(long nr);

/* After a traced call nr of a buffered process: when it may have closed
 * or replaced a descriptor, the library's descriptor cache goes stale
 * (sb_ctl.fd_gen). Both engines do it at the call's event. */
void trace_sb_fds_changed(int memfd, long nr);

/* The patch as its event (SYSCALLBUF_PATCH) says it; pointers into p. */
void trace_sb_patch_event(const trace_sb_patch *p, uint32_t tid,
                          rrt_ev_syscallbuf_patch *e);

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
