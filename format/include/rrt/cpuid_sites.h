/* The CPUID sites table of an archive (CSIT sections, spec/format.md 3.8):
 * where the recorder found CPUID instructions in each code region it
 * patched, so that replay patches the same places without disassembling. */
#ifndef RRT_CPUID_SITES_H
#define RRT_CPUID_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "archive.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A code region is named by its key: the XXH3-128 of its bytes, in blob id
 * byte order (rrt_blob_id_of). Its sites are the offsets, from the region's
 * first byte, of the opcode bytes 0F A2 of each CPUID instruction: strictly
 * increasing, each at least 2 past the previous, the last at most length-2.
 * A region whose bytes hold 0F A2 only inside other instructions has an
 * entry with no sites. */
#define RRT_CPUID_SITES_MAX_PER_REGION (1u << 24)
#define RRT_CPUID_SITES_MAX_CODE ((uint64_t)1 << 48)

/* Adds a region's sites. Entries are written as CSIT sections by flush and
 * finish, sorted by key. Adding a key again with the same length and sites
 * does nothing; with others it is RRT_E_INVALID (a key names one byte
 * string). RRT_E_INVALID also for sites that break the rules above, and
 * RRT_E_LIMIT for more than RRT_CPUID_SITES_MAX_PER_REGION sites or a
 * region longer than RRT_CPUID_SITES_MAX_CODE. */
RRT_API rrt_status rrt_writer_add_cpuid_sites(rrt_writer *w,
                                              const rrt_blob_id *key,
                                              uint64_t code_len,
                                              const uint64_t *offsets, size_t n,
                                              rrt_error *err);

/* The merged table of every CSIT section (a key in a later section
 * replaces an earlier one). An archive without CSIT gives an empty table.
 * Every section is checked whole: a damaged one fails the call. */
typedef struct rrt_cpuid_sites rrt_cpuid_sites;
RRT_API rrt_status rrt_reader_cpuid_sites(rrt_reader *r, rrt_cpuid_sites **out,
                                          rrt_error *err);
/* Decodes one CSIT payload (for tools and fuzzing). */
RRT_API rrt_status rrt_cpuid_sites_decode(const void *data, size_t len,
                                          rrt_cpuid_sites **out,
                                          rrt_error *err);
RRT_API void rrt_cpuid_sites_free(rrt_cpuid_sites *t);

/* Entries in key order. */
RRT_API size_t rrt_cpuid_sites_count(const rrt_cpuid_sites *t);
/* *offsets stays valid until the table is freed. */
RRT_API void rrt_cpuid_sites_entry(const rrt_cpuid_sites *t, size_t i,
                                   rrt_blob_id *key, uint64_t *code_len,
                                   const uint64_t **offsets, size_t *n);
/* Binary search by key; false when absent. The caller still compares
 * *code_len with its region and checks each site against its bytes. */
RRT_API bool rrt_cpuid_sites_find(const rrt_cpuid_sites *t,
                                  const rrt_blob_id *key, uint64_t *code_len,
                                  const uint64_t **offsets, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
