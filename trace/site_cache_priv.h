/* What site_cache.c and site_index.c share: the cache handle and the
 * little-endian and file helpers both entry formats use. Private to trace/. */
#ifndef TRACE_SITE_CACHE_PRIV_H
#define TRACE_SITE_CACHE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "site_cache.h"

/* What trace_cpuid_find computes: bumped when its results change, so old
 * answers (in entries of either format) are not reused. */
#define SWEEP_VERSION 2 /* 2: sites carry their disp */
/* Appended to the decoder in entry names ("zydis2"): entries of the two
 * formats live side by side, so that an older rrt sharing the cache
 * (benchmarks of one against the other) and this one do not replace each
 * other's entries at every run. Names without it are the older format's:
 * never read, evicted by age like any entry. */
#define NAME_FORMAT "2"

struct trace_site_cache {
    int dfd; /* the cache directory, or -1: disabled */
    char *dir;
    uint64_t max_bytes;
    size_t min_len;
    uint8_t decoder; /* 1 zydis, 2 capstone: what trace_cpuid_find uses */
    const char *decoder_name;
    unsigned stores;
    unsigned tmp_counter; /* makes temporary names differ */
    trace_site_cache_stats stats;
};

void trace_sc_put_u16(uint8_t *p, uint16_t v);
void trace_sc_put_u64(uint8_t *p, uint64_t v);
uint16_t trace_sc_get_u16(const uint8_t *p);
uint64_t trace_sc_get_u64(const uint8_t *p);
/* Marks an entry that was just used as recently used (evicted last):
 * sets its mtime to now, unless it is less than TOUCH_EVERY seconds old,
 * which spares a metadata write on every hit of a busy cache. */
#define TOUCH_EVERY 600
struct stat;
void trace_sc_touch(int fd, const struct stat *sb);
/* All n bytes from offset 0 of fd, or false. */
bool trace_sc_read_all(int fd, uint8_t *p, size_t n);
bool trace_sc_write_all(int fd, const uint8_t *p, size_t n);
/* A temporary file in the cache directory, O_EXCL under a fresh name. */
int trace_sc_make_temp(trace_site_cache *c, char name[64]);
/* Writes p[0..size) to a temporary file and renames it to name; counts
 * the store and runs eviction every CHECK_EVERY stores. */
bool trace_sc_publish(trace_site_cache *c, const char *name, const uint8_t *p,
                      size_t size);

#endif
