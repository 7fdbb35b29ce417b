/* Finding the CPUID instructions of a code region by disassembly (a linear
 * sweep), for CPUID patching where the CPU cannot fault on CPUID. */
#ifndef TRACE_CPUID_FIND_H
#define TRACE_CPUID_FIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CPUID sites of one code region: offsets, relative to the region's first
 * byte, of the two opcode bytes 0F A2 of each CPUID the sweep decodes.
 * Strictly increasing, each at least 2 after the previous one, and each
 * offset + 2 <= the region's length. A CPUID with prefixes (66 0F A2) is
 * reported at its 0F, not at its first prefix byte. */
typedef struct trace_sites {
    uint64_t *off;
    /* disp[i]: how many bytes from off[i] a CPUID stub may take (the CPUID
     * and the whole instructions after it, 5..TRACE_CPUID_DISP_MAX), or 0
     * when the site must keep trapping (cpuid_stub.c, trace_cpuid_find) */
    uint8_t *disp;
    size_t n, cap;
} trace_sites;

#define TRACE_CPUID_DISP_MIN 5u /* a jmp rel32 */
#define TRACE_CPUID_DISP_MAX 16u

void trace_sites_init(trace_sites *s);
void trace_sites_free(trace_sites *s);
/* False when out of memory (s unchanged). The site's disp is 0. */
bool trace_sites_push(trace_sites *s, uint64_t off);
/* Replaces s's contents with a copy of off[0..n) and disp[0..n) (NULL:
 * zeros). */
bool trace_sites_set(trace_sites *s, const uint64_t *off, const uint8_t *disp,
                     size_t n);

/* True when off[0..n) is a valid site list for code[0..len): strictly
 * increasing with gaps of at least 2, in range, and every site holds the
 * bytes 0F A2. Necessary for sites from a cache or an archive, but not
 * sufficient: 0F A2 also occurs inside other instructions (site_cache.h
 * says why the key makes it sufficient). */
bool trace_sites_check(const uint8_t *code, size_t len, const uint64_t *off,
                       size_t n);

/* Number of legacy and REX prefix bytes at p[0..n), at most 14. A CPUID
 * with prefixes (4C 0F A2 occurs in libLLVM) gets its UD2 on the opcode,
 * after them, but the CPU reports the fault at the first prefix: the trap
 * handler finds the site at rip + trace_x86_prefix_len(bytes at rip) and
 * resumes after its two opcode bytes. */
size_t trace_x86_prefix_len(const uint8_t *p, size_t n);

/* The instructions that can run right before the one at an address A, in
 * straight-line code: code[0..n) are the n (at most 15) bytes before A;
 * fills lens with each k (1..n) for which code[n-k..n) decodes as one
 * instruction of k bytes that is not an unconditional jump or a return
 * (a call counts: its callee returns to A; calls_only: only calls, A is
 * a return address). Returns how many (at most max,
 * shortest first). Guesses: a k inside a longer instruction is possible,
 * so they are for hardware breakpoints, which never stop there. */
size_t trace_x86_preds(const uint8_t *code, size_t n, bool calls_only,
                       uint8_t *lens, size_t max);

/* The disassemblers this build can use. */
typedef enum {
    TRACE_DECODER_DEFAULT, /* Zydis when built with it, else capstone */
    TRACE_DECODER_ZYDIS,
    TRACE_DECODER_CAPSTONE,
} trace_decoder;

/* True when the decoder is available in this build. */
bool trace_decoder_available(trace_decoder d);
/* "zydis" or "capstone" (what DEFAULT resolves to). */
const char *trace_decoder_name(trace_decoder d);

/* Whether disp (from a cache) fits the site at off of a region of len
 * bytes: 0, or TRACE_CPUID_DISP_MIN..MAX bytes inside the region. */
bool trace_cpuid_disp_ok(uint64_t off, uint8_t disp, uint64_t len);

/* One instruction a CPUID stub runs in the site's place that addresses
 * memory relative to rip: its disp32 at code offset at, its end at end
 * (offsets from the CPUID's first byte). */
typedef struct trace_rip_fix {
    uint8_t at, end;
} trace_rip_fix;
#define TRACE_CPUID_FIXES 4

/* The instructions after a CPUID, code[2..n) (code[0..2) is the CPUID or
 * the UD2 over it), as a stub would run them elsewhere: true when they
 * decode as whole instructions ending exactly at n, none branches, calls,
 * returns or is another trapped instruction (CPUID, XGETBV, RDTSC,
 * SYSCALL, ...), with the rip-relative ones in fix (at most
 * TRACE_CPUID_FIXES). Zydis only: false in a build without it. */
bool trace_cpuid_displaced(const uint8_t *code, size_t n, trace_rip_fix *fix,
                           size_t *nfix);

/* Sets *out to the CPUID sites of code[0..len): a linear sweep from offset
 * 0 that decodes one instruction after another and, where no instruction
 * decodes, skips one byte and tries again at the next (capstone's
 * cs_disasm_iter loop that rrt always used). Code without the bytes 0F A2
 * is not decoded at all. Returns the number of sites, or -1 when out of
 * memory or the decoder is not available (errno ENOSYS).
 * With Zydis, also each site's disp: the shortest run of whole
 * instructions from the CPUID (no prefix) of at least TRACE_CPUID_DISP_MIN
 * bytes that trace_cpuid_displaced accepts and into whose inside (after
 * its first byte) no direct branch of the region jumps; the sweep then
 * covers the whole region to find those branches. 0 with capstone. */
long trace_cpuid_find(const uint8_t *code, size_t len, trace_sites *out);
long trace_cpuid_find_with(trace_decoder d, const uint8_t *code, size_t len,
                           trace_sites *out);

#endif
