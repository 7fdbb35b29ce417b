/* Can a host replay a recording? The CPU compatibility rules of
 * spec/compat.md applied to two CPUID manifests, the report `rrt verify
 * --host` and `rrt replay` print, and the intersection of several hosts. */
#ifndef RRT_COMPAT_H
#define RRT_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpufeat.h"
#include "cpuid.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A state component enabled on both sides whose size or standard-format
 * offset (leaf 0xD subleaf i, EAX and EBX) differ. */
typedef struct rrt_xsave_diff {
    unsigned component;
    uint32_t rec_size, rec_offset;
    uint32_t host_size, host_offset;
} rrt_xsave_diff;

/* The verdict and everything behind it. The feature lists point into the
 * feature table (rrt_cpu_feature_at) and are owned by the struct. */
typedef struct rrt_compat {
    bool compatible;
    /* Blocking: user features the recorded program could see (raw & mask)
     * that the host lacks. Table order, so grouped by leaf and register. */
    const rrt_cpu_feature **missing;
    size_t n_missing;
    /* Not blocking: as above, but in leaves the program never queried
     * (only when the manifest has RRT_CPUID_QUERIED_KNOWN). */
    const rrt_cpu_feature **not_needed;
    size_t n_not_needed;
    /* Information: system features the host lacks. */
    const rrt_cpu_feature **system_missing;
    size_t n_system_missing;
    /* Blocking: XCR0 components enabled at record time, not on the host,
     * that the recorded program could use (rec_usable). */
    uint64_t xcr0_missing;
    /* Blocking: layout differences of components enabled on both that the
     * recorded program could use. */
    rrt_xsave_diff layout[64];
    size_t n_layout;
    /* Information: components enabled on both whose layout one of the
     * descriptions lacks, so it could not be compared. */
    uint64_t layout_unknown;
    /* Information only. */
    bool vendor_differs;
    bool signature_differs; /* family / model / stepping */
    bool cache_differs;     /* leaves 2, 4, 0x80000005/6, 0x8000001D */
    bool topology_differs;  /* leaves 0xB, 0x1F, 0x80000026 */
    /* The two XCR0 values compared, for reports. */
    uint64_t rec_xcr0, host_xcr0;
    /* The components of the recording's XCR0 its program could use
     * (rrt_xsave_usable); only these are held to the XSAVE rules. */
    uint64_t rec_usable;
    /* Information: as xcr0_missing and layout, for the components the
     * program could not use (their features were masked). */
    uint64_t xcr0_missing_unused;
    rrt_xsave_diff layout_unused[64];
    size_t n_layout_unused;
    /* Information: CPUID 0xD.0 EBX, the size of an XSAVE area for every
     * component enabled in XCR0, as the program saw it and on the host (0
     * when not described). */
    uint32_t rec_xsave_size, host_xsave_size;
} rrt_compat;

/* Compares what the recording `rec` could see with what `host` offers (for
 * this machine: rrt_cpuid_capture_host). Fails only on allocation failure
 * (RRT_E_NOMEM), leaving *out cleared. Free with rrt_compat_clear. */
RRT_API rrt_status rrt_compat_check(const rrt_cpuid_manifest *rec,
                                    const rrt_cpuid_manifest *host,
                                    rrt_compat *out, rrt_error *err);
/* Frees the lists and zeroes the struct. Safe on a zeroed struct. */
RRT_API void rrt_compat_clear(rrt_compat *c);

/* Writes the blocking findings of c, the lines `rrt verify --host` prints
 * under "blocking:", for example
 *     "  missing CPU features the recording may use (2):"
 *     "    CPUID 0x7.0 EBX: avx512f avx512dq"
 *     "  XSAVE state components not enabled on the host: opmask"
 *     "    (XCR0 0xe7 recorded, 0x7 on the host)"
 *     "  XSAVE component 9 (pkru) differs: size 8 offset 2688 recorded, ..."
 * Nothing when c->compatible. */
RRT_API void rrt_compat_format(const rrt_compat *c, FILE *f);

/* Features grouped by CPUID leaf and register, one line per group:
 *   "<indent>CPUID 0x7.0 EBX: avx512f avx512dq avx512cd"
 * wrapped at 79 columns. v must be in table order. */
RRT_API void rrt_cpu_features_format(const rrt_cpu_feature *const *v, size_t n,
                                     const char *indent, FILE *f);
/* "x87 sse avx" for the components set in mask ("component23" for those
 * without a name), or "none". */
RRT_API void rrt_xsave_components_format(uint64_t mask, FILE *f);

/* The XSAVE state components the program described by m could use: those
 * enabled in m->xcr0 that are x87 or SSE state, or used by a feature it
 * could see (rrt_cpu_feature_xstate of a feature present after the masks,
 * in a leaf it queried when the manifest lists them), or used by no
 * feature rrt knows. */
RRT_API uint64_t rrt_xsave_usable(const rrt_cpuid_manifest *m);

/* Hides from m (a manifest about to be recorded with) every user feature
 * that would make the recording fail rrt_compat_check against host: the
 * user features host lacks, and the features that use an XSAVE component
 * host does not enable or lays out differently from m (rule 3 of
 * spec/compat.md). Leaves m->mask_name to the caller. */
RRT_API rrt_status rrt_cpuid_mask_for_host(rrt_cpuid_manifest *m,
                                           const rrt_cpuid_manifest *host,
                                           rrt_error *err);

/* `rrt record --cpu-mask FILE`: rrt_cpuid_mask_for_host against the host
 * that FILE describes, in any format rrt_cpuid_load reads (a host or mask
 * file from `rrt cpuid`, a recording, a `cpuid -r` dump, libvirt cpudata
 * XML); sets m->mask_name to FILE's base name. On failure (the file's
 * error, naming it) m may be partly masked: do not record with it. */
RRT_API rrt_status rrt_cpuid_mask_from_file(rrt_cpuid_manifest *m,
                                            const char *path, rrt_error *err);

/* True unless the manifest lists the leaves its program queried and
 * (leaf, subleaf) is not among them. */
RRT_API bool rrt_cpuid_leaf_queried(const rrt_cpuid_manifest *m, uint32_t leaf,
                                    uint32_t subleaf);

/* Short name of XSAVE state component i ("avx", "opmask", ...), "unknown"
 * for components without one. */
RRT_API const char *rrt_xsave_component_name(unsigned i);

/* Family, model and stepping from leaf 1 EAX (SDM "Processor Signature");
 * false when the manifest has no leaf 1. */
RRT_API bool rrt_cpu_signature(const rrt_cpuid_manifest *m, unsigned *family,
                               unsigned *model, unsigned *stepping);

/* Brand string of leaves 0x80000002..4, trimmed, printable; "" if absent. */
RRT_API void rrt_cpu_brand(const rrt_cpuid_manifest *m, char out[49]);

/* The CPU features every one of n hosts offers, as a mask manifest: the
 * first host's records with masks that keep, in every register the feature
 * table covers, only the bits set in all hosts' effective values, less the
 * features that use an XSAVE component not every host enables or whose
 * size or offset differ between hosts; XCR0 is the AND of all XCR0s; flags
 * RRT_CPUID_MASKED; mask_name "common(N hosts)". *layout_conflicts gets
 * the components enabled on all hosts whose XSAVE size or offset differ
 * between hosts (the mask hides the features that use them). out is
 * overwritten, and left cleared on failure (RRT_E_INVALID when n is 0). */
RRT_API rrt_status rrt_cpuid_common(const rrt_cpuid_manifest *const *hosts,
                                    size_t n, rrt_cpuid_manifest *out,
                                    uint64_t *layout_conflicts, rrt_error *err);

#ifdef __cplusplus
}
#endif
#endif
