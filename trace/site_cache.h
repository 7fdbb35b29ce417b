/* CPUID sites without disassembly when the same code was seen before: a
 * per-user cache keyed by the code's content, and the lookup order the
 * engines use (archive table, cache, decoding). */
#ifndef TRACE_SITE_CACHE_H
#define TRACE_SITE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rrt/rrt.h>

#include "cpuid_find.h"

/*
 * Trust. Sites from a cache file or an archive table are used only when
 *   1. the entry's key equals the XXH3-128 of the code bytes at hand and its
 *      code length equals theirs: the entry describes exactly these bytes,
 *      so its sites are what decoding these bytes gave (the sweep is a pure
 *      function of the bytes), and
 *   2. every site passes trace_sites_check (in range, increasing, 0F A2).
 * Check 2 alone would not do: 0F A2 occurs inside other instructions (in
 * node, 409 pairs hold 25 CPUIDs), and patching one of those corrupts the
 * program. Check 1 is what rules that out, for entries that are damaged,
 * stale (the library was updated: other bytes, other key) or written by a
 * build whose sweep differs (the file format carries a sweep version).
 *
 * Neither check stops someone who can write the cache directory: XXH3 is not
 * a cryptographic hash, but no collision is even needed, since such a writer
 * can store a well-formed entry under the true key with sites of its choice.
 * That is why the directory is per user (mode 0700, must be owned by the
 * user and not writable by group or others, or the cache is not used) and
 * entry files must be owned by the user: whoever can write there can already
 * change the user's programs. Every file is still decoded as hostile input:
 * bounds-checked little-endian fields, magic, version, checksum, and a count
 * that must fit both the file and the code length; any failure is a miss.
 */

typedef struct trace_site_cache trace_site_cache;

typedef struct trace_site_cache_options {
    /* NULL: DIR/cpuid-sites where DIR is $RRT_CACHE_DIR (rrt's cache root)
     * if set, else $XDG_CACHE_HOME/rrt if absolute, else $HOME/.cache/rrt.
     * Created (mode 0700) if missing. */
    const char *dir;
    /* Bound on the bytes the entries take on disk (their allocated blocks);
     * 0 means TRACE_SITE_CACHE_MAX_BYTES. */
    uint64_t max_bytes;
    /* Regions shorter than this are decoded, not cached: below it, opening
     * and checking a file costs about as much as decoding. SIZE_MAX means
     * the default, TRACE_SITE_CACHE_MIN_LEN. */
    size_t min_len;
} trace_site_cache_options;

#define TRACE_SITE_CACHE_MAX_BYTES ((uint64_t)64 << 20)
#define TRACE_SITE_CACHE_MIN_LEN ((size_t)16 << 10)

void trace_site_cache_options_init(trace_site_cache_options *o);

/* Opens the cache. Never fails for want of a usable directory (missing
 * HOME, read-only, wrong owner): the cache then stores and finds nothing.
 * NULL only when out of memory; every function below accepts NULL as such
 * a disabled cache. */
trace_site_cache *trace_site_cache_open(const trace_site_cache_options *o);
void trace_site_cache_close(trace_site_cache *c);
/* The directory in use, or NULL when the cache is disabled. */
const char *trace_site_cache_dir(const trace_site_cache *c);

typedef struct trace_site_cache_stats {
    uint64_t hits, misses, stores;
    uint64_t rejected; /* entries found but refused (damage, wrong key) */
    uint64_t evicted;  /* entries removed to keep the size bound */
    /* The file identity index (below): regions known without reading
     * them, look-ups that found nothing usable, entries refused (damage,
     * other identity, samples that differ from memory), entries stored. */
    uint64_t id_hits, id_misses, id_rejected, id_stores;
} trace_site_cache_stats;
void trace_site_cache_stats_get(const trace_site_cache *c,
                                trace_site_cache_stats *out);

/* Key of a code region: XXH3-128 of its bytes, in rrt_blob_id byte order
 * (the same function as archive blob ids). */
void trace_code_key(const uint8_t *code, size_t len, rrt_blob_id *key);

/* Cache look-up for code[0..len) under `key` (which must be
 * trace_code_key(code, len)). True on a hit, with *out set; false on a miss
 * (including a damaged or refused entry, which is removed). */
bool trace_sites_lookup_key(trace_site_cache *c, const rrt_blob_id *key,
                            const uint8_t *code, size_t len, trace_sites *out);
/* The same, computing the key (into *key if not NULL). */
bool trace_sites_lookup(trace_site_cache *c, const uint8_t *code, size_t len,
                        rrt_blob_id *key, trace_sites *out);

/* Stores the sites decoding found in a code region of `len` bytes with this
 * key. Best effort: false when nothing was stored (disabled cache, full
 * disk, region below min_len), which is never an error for the caller.
 * Written to a temporary file and renamed, so readers never see a partial
 * entry under its final name. */
bool trace_sites_store(trace_site_cache *c, const rrt_blob_id *key, size_t len,
                       const trace_sites *s);

/* Where trace_sites_for found the sites. */
typedef enum {
    TRACE_SITES_FAILED = -1, /* out of memory or no decoder: *out invalid */
    TRACE_SITES_NONE = 0,    /* no 0F A2 in the code: no CPUID, no key */
    TRACE_SITES_TABLE = 1,   /* the archive's table (replay) */
    TRACE_SITES_CACHED = 2,  /* the per-user cache */
    TRACE_SITES_DECODED = 3, /* decoding (then stored in the cache) */
} trace_sites_how;

/* The CPUID sites of code[0..len), the cheapest way: none when the bytes
 * 0F A2 do not occur; else by key from `table` (may be NULL; an archive's
 * CSIT table at replay), else from the cache `c` (may be NULL), else by
 * trace_cpuid_find, storing the result in the cache. Except for NONE and
 * FAILED, *key is set to the region's key (may be NULL): the recorder adds
 * (key, len, sites) to the archive with rrt_writer_add_cpuid_sites. */
trace_sites_how trace_sites_for(const rrt_cpuid_sites *table,
                                trace_site_cache *c, const uint8_t *code,
                                size_t len, rrt_blob_id *key, trace_sites *out);

/*
 * The file identity index: a second recording of the same program without
 * reading or hashing its code. Reading every new executable mapping from
 * /proc/PID/mem and hashing it to find its content key was most of the cost
 * of recording a large program in patch mode (rustc: ~150 MB of code, 6x
 * native). An index entry maps the identity of a mapped file region to what
 * the full path computed for it: whether it holds the bytes 0F A2, its
 * content key, its sites.
 *
 * Identity (trace_file_id): st_dev, st_ino, st_size, mtime and ctime to the
 * nanosecond of the file, the mapping's file offset and the region's
 * length. The inode is the one the mapping holds (/proc/PID/maps gives its
 * device and inode; the file is stat()ed through /proc/PID/map_files, or
 * through the path when that needs privileges we lack, and then the path
 * must lead to that same inode). ctime is what makes it trustworthy:
 * every write, truncate, chmod or utimensat (`touch -d` setting mtime back)
 * sets it to the current time, and no system call sets it to a chosen value,
 * so a file changed in place after the entry was made has another ctime; a
 * file replaced by rename has another inode, or, if the number is reused,
 * the new inode's ctime. Where identity could still repeat with other
 * content (an image file system mounted again on a reused device number,
 * whose stored times and inode numbers repeat; a clock set back), the
 * entry must also match a sample of the bytes in memory (trace_sample_hash:
 * the first and last 4 KiB, 64 bytes every MiB, and 64 bytes either side
 * of every site, which is where a same-size change would move an
 * instruction boundary), and every site must hold 0F A2. A sample is not a
 * proof by itself; the identity is, the sample guards its blind spots.
 *
 * Only fresh file mappings may be looked up: a mapping just created by
 * mmap or execve, private, not writable, its range one whole mapping. Code
 * written after mapping (text relocations: mmap writable, write, mprotect
 * executable; JITs; anonymous memory) is not the file's bytes, so mprotect
 * and anonymous mappings always take the full path (trace_patch_mapped in
 * trace.h is the only caller). Replay uses the index only for the files
 * exec mapped (trace_patch_all right after exec, unless replay substituted
 * the program): the mappings it makes for mmap it fills with recorded
 * contents, which need not be their file's, and knows those by the bytes
 * it writes instead (trace_code_stream below). Index entries obey the same
 * trust rules as content entries: the same directory, owner and mode checks, a
 * checksum, every field bounds-checked, and any doubt is a miss (the entry is
 * removed and the full path rewrites it).
 */
typedef struct trace_file_id {
    uint64_t dev, ino, size;
    uint64_t mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
    uint64_t offset; /* of the mapping in the file */
    uint64_t len;    /* of the code region (from its first byte) */
} trace_file_id;

/* Reads n bytes at offset `off` of the region into buf (false: cannot). */
typedef bool (*trace_region_reader)(void *ctx, uint64_t off, void *buf,
                                    size_t n);

/* XXH3-128 of the sampled bytes of a region of `len` bytes with these
 * sites, read through rd; false when a read fails or, if check_sites, a
 * site does not hold 0F A2. */
bool trace_sample_hash(uint64_t len, const uint64_t *off, size_t n,
                       bool check_sites, trace_region_reader rd, void *ctx,
                       uint8_t hash[16]);

/* Regions with more sites than this are not indexed (the sample reads a
 * window per site). */
#define TRACE_SITE_INDEX_MAX_SITES 1024u

/* Index look-up. True on a hit: *pairs says whether the region holds 0F A2
 * at all; if it does, *key is its content key and *out its sites. */
bool trace_site_index_lookup(trace_site_cache *c, const trace_file_id *id,
                             trace_region_reader rd, void *ctx, bool *pairs,
                             rrt_blob_id *key, trace_sites *out);
/* Stores what the full path found for code[0..id->len) of this identity
 * (key and s are ignored when !pairs). Best effort, like
 * trace_sites_store. */
bool trace_site_index_store(trace_site_cache *c, const trace_file_id *id,
                            const uint8_t *code, bool pairs,
                            const rrt_blob_id *key, const trace_sites *s);

/*
 * Replay's mappings, known by the bytes it writes. Replay maps a recorded
 * file anonymously and writes the recorded bytes into it (from the
 * archive's blob, or from the host's file once its identity matched the
 * recording's); it holds every byte of the region then. A code stream
 * hashes them as they are written, so patching needs neither to read the
 * region back from the tracee nor to hash it again. The trust rule above
 * is unchanged: the key is XXH3-128 of exactly the bytes now in the
 * mapping (the caller feeds every byte it writes, the zeros an anonymous
 * mapping holds where it writes nothing, and gives up on the stream if
 * anything else writes the region before it is patched), so an archive
 * table entry found under it describes these bytes; and every site must
 * still hold 0F A2 in memory. A stream with no 0F A2 pair needs no entry.
 */
typedef struct trace_code_stream {
    struct XXH3_state_s *st;
    uint64_t len; /* bytes fed */
    bool ok;      /* false: not started, failed or given up */
    bool pairs;   /* the bytes 0F A2 occur */
    uint8_t last; /* the last byte fed, for a pair split between feeds */
} trace_code_stream;

/* False when out of memory (s is then unusable, and safe to free). */
bool trace_code_stream_init(trace_code_stream *s);
void trace_code_stream_feed(trace_code_stream *s, const void *data, size_t n);
void trace_code_stream_zeros(trace_code_stream *s, uint64_t n);
/* The key of the bytes fed (rrt_blob_id order, as trace_code_key); false
 * when the stream is not usable. */
bool trace_code_stream_key(trace_code_stream *s, rrt_blob_id *key);
void trace_code_stream_free(trace_code_stream *s);

#endif
