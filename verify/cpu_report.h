/* Text and JSON output shared by `rrt verify --host` and `rrt cpuid`
 * (feature groups and XSAVE components print with librrt's <rrt/compat.h>). */
#ifndef RRT_VERIFY_CPU_REPORT_H
#define RRT_VERIFY_CPU_REPORT_H

#include <stdio.h>

#include "hostfile.h"

/* "GenuineIntel family 6 model 0x8f stepping 8 (Intel(R) Xeon(R) ...)" */
void host_print_cpu_line(FILE *f, const rrt_cpuid_manifest *m);

/* JSON: ["avx512f", ...] */
void host_json_feature_names(FILE *f, const rrt_cpu_feature *const *v,
                             size_t n);
/* JSON: [{"name":"avx512f","leaf":"0x00000007","subleaf":0,"reg":"ebx",
 * "bit":16}, ...] */
void host_json_features(FILE *f, const rrt_cpu_feature *const *v, size_t n);
/* JSON: ["x87", "sse", ...] */
void host_json_components(FILE *f, uint64_t mask);
/* JSON members (no braces) describing a CPU: vendor, family, model,
 * stepping, brand, xcr0, psabi_level, mask_name, flags. */
void host_json_cpu_members(FILE *f, const rrt_cpuid_manifest *m);
/* JSON member "records":[...] and "masks":[...] and "queried":[...]. */
void host_json_raw_members(FILE *f, const rrt_cpuid_manifest *m);
/* JSON: true / false / null for 1 / 0 / -1. */
void host_json_tristate(FILE *f, int v);

/* What an unnamed mask is: rrt record hides these from every recording
 * (names a user's masks) and hides XSAVE state of absent features. */
#define DEFAULT_MASK "rrt's defaults: rdrand, rdseed, rtm, hle hidden"

/* Allocates and fills the features present in m (table order). */
const rrt_cpu_feature **host_features_of(const rrt_cpuid_manifest *m,
                                         size_t *n);

#endif
