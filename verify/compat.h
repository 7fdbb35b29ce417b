/* Can a host replay a recording? The CPU compatibility rules of
 * verify/COMPAT.md applied to two CPUID manifests. */
#ifndef RRT_VERIFY_COMPAT_H
#define RRT_VERIFY_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rrt/cpufeat.h>
#include <rrt/rrt.h>

#include "hostfile.h"

/* A state component enabled on both sides whose size or standard-format
 * offset (leaf 0xD subleaf i, EAX and EBX) differ. */
typedef struct rrti_xsave_diff {
    unsigned component;
    uint32_t rec_size, rec_offset;
    uint32_t host_size, host_offset;
} rrti_xsave_diff;

typedef struct rrti_compat {
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
    /* Blocking: XCR0 components enabled at record time, not on the host. */
    uint64_t xcr0_missing;
    /* Blocking: layout differences of components enabled on both. */
    rrti_xsave_diff layout[64];
    size_t n_layout;
    /* Information: components enabled on both whose layout one of the
     * descriptions lacks, so it could not be compared. */
    uint64_t layout_unknown;
    /* Information only. */
    bool vendor_differs;
    bool signature_differs; /* family / model / stepping */
    bool cache_differs;     /* leaves 2, 4, 0x80000005/6, 0x8000001D */
    bool topology_differs;  /* leaves 0xB, 0x1F, 0x80000026 */
} rrti_compat;

/* Compares what the recording `rec` could see with what `host` offers.
 * Fails only on allocation failure. Free with rrti_compat_clear. */
rrt_status rrti_compat_check(const rrt_cpuid_manifest *rec,
                             const rrt_cpuid_manifest *host, rrti_compat *out,
                             rrt_error *err);
void rrti_compat_clear(rrti_compat *c);

/* True unless the manifest lists the leaves its program queried and
 * (leaf, subleaf) is not among them. */
bool rrti_leaf_queried(const rrt_cpuid_manifest *m, uint32_t leaf,
                       uint32_t subleaf);

/* Short name of XSAVE state component i ("avx", "opmask", ...). */
const char *rrti_xsave_component_name(unsigned i);

/* Family, model and stepping from leaf 1 EAX (SDM "Processor Signature");
 * false when the manifest has no leaf 1. */
bool rrti_cpu_signature(const rrt_cpuid_manifest *m, unsigned *family,
                        unsigned *model, unsigned *stepping);

/* Brand string of leaves 0x80000002..4, trimmed, printable; "" if absent. */
void rrti_cpu_brand(const rrt_cpuid_manifest *m, char out[49]);

/* The CPU features every one of n hosts offers, as a mask file's content:
 * the first host's records with masks that keep, in every register the
 * feature table covers, only the bits set in all hosts' effective values;
 * XCR0 is the AND of all XCR0s; mask_name "common(N hosts)".
 * *layout_conflicts gets the components enabled on all hosts whose XSAVE
 * size or offset differ between hosts (recordings using them will not
 * replay everywhere). */
rrt_status rrti_cpuid_common(const rrti_host *hosts, size_t n, rrti_host *out,
                             uint64_t *layout_conflicts, rrt_error *err);

#endif
