/* The CPUID manifest: what the recorded program's CPU said about itself. */
#ifndef RRT_CPUID_H
#define RRT_CPUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* rrt_cpuid_record.flags */
#define RRT_CPUID_SUBLEAF_INDEXED 0x1u /* the leaf's output depends on ECX */

/* rrt_cpuid_manifest.flags */
#define RRT_CPUID_FAULTING_USED 0x1u /* recorder trapped CPUID by faulting */
#define RRT_CPUID_PATCHING_USED 0x2u /* recorder trapped CPUID by patching */
#define RRT_CPUID_MASKED 0x4u        /* masks[] was applied at record time */
#define RRT_CPUID_QUERIED_KNOWN 0x8u /* queried[] is complete */

typedef struct rrt_cpuid_record {
    uint32_t leaf;
    uint32_t subleaf; /* 0 unless RRT_CPUID_SUBLEAF_INDEXED */
    uint32_t flags;
    uint32_t eax, ebx, ecx, edx;
} rrt_cpuid_record;

/* AND-masks applied to a leaf's registers: the program saw value & mask.
 * A mask record with RRT_CPUID_SUBLEAF_INDEXED clear applies to every
 * subleaf of the leaf. */
typedef rrt_cpuid_record rrt_cpuid_mask;

typedef struct rrt_cpuid_leaf {
    uint32_t leaf;
    uint32_t subleaf;
} rrt_cpuid_leaf;

typedef struct rrt_cpuid_manifest {
    char vendor[13];    /* "GenuineIntel", NUL-terminated */
    uint32_t flags;     /* RRT_CPUID_FAULTING_USED | ... */
    uint64_t xcr0;      /* XCR0 as read by XGETBV at record time */
    char mask_name[64]; /* "x86-64-v2", a file name, or "" */
    size_t n_records;
    rrt_cpuid_record *records; /* sorted by (leaf, subleaf), unique */
    size_t n_masks;
    rrt_cpuid_mask *masks; /* sorted by (leaf, subleaf), unique */
    size_t n_queried;
    rrt_cpuid_leaf *queried; /* sorted, unique */
} rrt_cpuid_manifest;

/* Frees the arrays and zeroes the struct. Safe on a zeroed struct. */
RRT_API void rrt_cpuid_manifest_clear(rrt_cpuid_manifest *m);
/* Deep copy. */
RRT_API rrt_status rrt_cpuid_manifest_copy(rrt_cpuid_manifest *dst,
                                           const rrt_cpuid_manifest *src,
                                           rrt_error *err);

/* Sorts records, masks and queried, and rejects duplicates
 * (RRT_E_INVALID). Writers call it; decoders enforce it. */
RRT_API rrt_status rrt_cpuid_manifest_normalize(rrt_cpuid_manifest *m,
                                                rrt_error *err);

/* Raw recorded value of (leaf, subleaf): the record for that subleaf if the
 * leaf is subleaf-indexed, else the leaf's single record. Returns NULL when
 * the manifest has no record for it. */
RRT_API const rrt_cpuid_record *
rrt_cpuid_manifest_find(const rrt_cpuid_manifest *m, uint32_t leaf,
                        uint32_t subleaf);

/* What the recorded program saw for CPUID(leaf, subleaf): the raw record
 * with the record-time masks applied. A leaf above the maximum basic or
 * extended leaf yields all zeroes. Returns false when there is no record.
 * out[0..3] = eax, ebx, ecx, edx. */
RRT_API bool rrt_cpuid_manifest_effective(const rrt_cpuid_manifest *m,
                                          uint32_t leaf, uint32_t subleaf,
                                          uint32_t out[4]);

/* Serialization of the manifest payload (the CPID section, spec/format.md).
 * The encoding is canonical: decode(encode(m)) == m for a normalized m. */
RRT_API rrt_status rrt_cpuid_manifest_encode(const rrt_cpuid_manifest *m,
                                             uint8_t **out, size_t *out_len,
                                             rrt_error *err);
RRT_API rrt_status rrt_cpuid_manifest_decode(const void *data, size_t len,
                                             rrt_cpuid_manifest *out,
                                             rrt_error *err);

/* Host CPU descriptions in files, as `rrt verify --host --against` and
 * `rrt record --cpu-mask` read them (spec/compat.md, "Host descriptions").
 * The format is detected from the content. */
typedef enum rrt_cpuid_source {
    RRT_CPUID_SOURCE_ARCHIVE = 1, /* an .rrt archive's CPID section */
    RRT_CPUID_SOURCE_CPUID_RAW,   /* `cpuid -r` output; the first CPU */
    RRT_CPUID_SOURCE_LIBVIRT,     /* libvirt <cpudata arch='x86'> XML */
} rrt_cpuid_source;

/* Limits on the text formats: far above any real CPU (a 2024 server has
 * about 120 records), low enough to bound time and memory on hostile
 * input. */
#define RRT_CPUID_TEXT_MAX_BYTES (1u << 20)
#define RRT_CPUID_TEXT_MAX_RECORDS 4096u
#define RRT_CPUID_TEXT_MAX_LINE 256u

/* Parses a text description held in memory; `name` is used in error
 * messages ("box.txt: line 3: bad register value: '0x0003g6c3'"). The
 * manifest keeps the leaves within the maxima of leaves 0 and 0x80000000,
 * and its XCR0 is every component leaf 0xD subleaf 0 says the CPU supports
 * (what Linux enables), as text dumps do not record XCR0. out is
 * overwritten, and left cleared on failure (RRT_E_PARSE, RRT_E_LIMIT). */
RRT_API rrt_status rrt_cpuid_parse_text(const void *data, size_t len,
                                        const char *name,
                                        rrt_cpuid_manifest *out,
                                        rrt_cpuid_source *source,
                                        rrt_error *err);
/* Reads the file at path: an archive's manifest (a recording, or a file
 * written by `rrt cpuid -o` or `--common`), or a text description as
 * above. Errors name the file. */
RRT_API rrt_status rrt_cpuid_load(const char *path, rrt_cpuid_manifest *out,
                                  rrt_cpuid_source *source, rrt_error *err);

#ifdef __cplusplus
}
#endif
#endif
