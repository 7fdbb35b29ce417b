/* Named CPU features: a table from CPUID bits to the names Linux shows in
 * /proc/cpuinfo, CPUID masks built from names or x86-64 psABI levels, and
 * the capture of this host's CPUID manifest. */
#ifndef RRT_CPUFEAT_H
#define RRT_CPUFEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuid.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CPUID output registers, in the order of rrt_cpuid_manifest_effective(). */
enum { RRT_REG_EAX = 0, RRT_REG_EBX = 1, RRT_REG_ECX = 2, RRT_REG_EDX = 3 };

/* rrt_cpu_feature.flags */
/* User-mode code can use the feature (an instruction, register state or a
 * behaviour a program may depend on). A replay host must have every user
 * feature the recorded program could see. Features without this flag are
 * system features (ring 0, virtualization, power, topology, mitigation
 * hints): a program cannot use them, so their absence is information. */
#define RRT_FEAT_USER 0x1u

typedef struct rrt_cpu_feature {
    const char *name; /* /proc/cpuinfo name, e.g. "avx512f"; unique */
    uint32_t leaf;
    uint32_t subleaf; /* 0 for leaves that are not subleaf-indexed */
    uint8_t reg;      /* RRT_REG_* */
    uint8_t bit;      /* 0..31 */
    uint8_t level;    /* x86-64 psABI level 1..4 that requires it, or 0 */
    uint8_t flags;    /* RRT_FEAT_* */
} rrt_cpu_feature;

/* The feature table, ordered by (leaf, subleaf, reg, bit). */
RRT_API size_t rrt_cpu_feature_count(void);
/* NULL when i >= count. */
RRT_API const rrt_cpu_feature *rrt_cpu_feature_at(size_t i);
/* Case-sensitive look-up of a /proc/cpuinfo name; NULL when unknown. */
RRT_API const rrt_cpu_feature *rrt_cpu_feature_find(const char *name);
/* True when the program described by m could see the feature: the bit is
 * set in the effective (masked) value of its leaf. */
RRT_API bool rrt_cpu_feature_present(const rrt_cpuid_manifest *m,
                                     const rrt_cpu_feature *f);
/* Fills out[] with the features present in m, in table order, and returns
 * how many are present (which may exceed cap; pass cap 0 to count). */
RRT_API size_t rrt_cpu_features_list(const rrt_cpuid_manifest *m,
                                     const rrt_cpu_feature **out, size_t cap);

/* The XSAVE state components (XCR0 bits) whose registers the feature's
 * instructions use, beyond x87 and SSE state (components 0 and 1, which
 * every program may use): avx and every other VEX-encoded extension -> 2;
 * mpx -> 3, 4; any avx512* feature and avx10 -> 2, 5, 6, 7; pku and
 * ospke -> 9 (PKRU); any amx_* feature -> 17, 18; apx_f -> 19; lwp -> 62.
 * 0 for every other feature. Intel SDM vol. 1 ch. 13, AMD APM vol. 2. */
RRT_API uint64_t rrt_cpu_feature_xstate(const rrt_cpu_feature *f);

/* "eax".."edx"; "?" for anything else. */
RRT_API const char *rrt_cpuid_reg_name(unsigned reg);
/* True for leaves whose output depends on ECX (records of such leaves carry
 * RRT_CPUID_SUBLEAF_INDEXED). */
RRT_API bool rrt_cpuid_leaf_is_indexed(uint32_t leaf);

/* Masks. Each function ANDs its mask into m->masks (adding all-ones mask
 * records where needed), sets RRT_CPUID_MASKED and keeps m normalized, so
 * masks compose: a level, then --disable-cpuid-features. The caller sets
 * m->mask_name. */

/* Hides one feature. */
RRT_API rrt_status rrt_cpuid_mask_feature(rrt_cpuid_manifest *m,
                                          const rrt_cpu_feature *f,
                                          rrt_error *err);
/* Hides the features named in a comma- or space-separated list, e.g.
 * "avx512f,amx_tile". An unknown name fails with RRT_E_INVALID and leaves
 * m unchanged. */
RRT_API rrt_status rrt_cpuid_mask_features(rrt_cpuid_manifest *m,
                                           const char *names, rrt_error *err);
/* Hides every user feature of the table that the x86-64 psABI level (1..4)
 * does not include; system features stay visible. */
RRT_API rrt_status rrt_cpuid_mask_level(rrt_cpuid_manifest *m, unsigned level,
                                        rrt_error *err);
/* Parses "x86-64" (level 1) or "x86-64-v2".."x86-64-v4". */
RRT_API bool rrt_cpuid_level_parse(const char *s, unsigned *level);
/* The highest psABI level whose features are all present in m (0 when not
 * even the baseline is). */
RRT_API unsigned rrt_cpuid_level_of(const rrt_cpuid_manifest *m);

/* This host. */

/* Runs CPUID on this CPU: every basic and extended leaf up to the maxima
 * reported by leaves 0 and 0x80000000, and every subleaf of the
 * subleaf-indexed leaves; reads XCR0 with XGETBV when the OS enabled XSAVE.
 * The result is normalized; out is overwritten. */
RRT_API rrt_status rrt_cpuid_capture_host(rrt_cpuid_manifest *out,
                                          rrt_error *err);
/* True when this kernel and CPU support CPUID faulting for this thread
 * (arch_prctl ARCH_GET_CPUID/ARCH_SET_CPUID work). Leaves CPUID enabled. */
RRT_API bool rrt_cpuid_host_has_faulting(void);

#ifdef __cplusplus
}
#endif
#endif
