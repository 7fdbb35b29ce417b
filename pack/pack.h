/* rrt pack: make an archive self-contained by embedding its external file
 * references, with an optional content-addressed blob store shared by
 * many archives; and the tar/zip interchange of archives (export/import). */
#ifndef RRT_PACK_H
#define RRT_PACK_H

#include <stdbool.h>
#include <stdint.h>

#include <rrt/rrt.h>

/* What pack_archive tells its caller as it goes (for -v, warnings, progress).
 */
typedef enum {
    PACK_EMBEDDED,   /* path: content read from the file and embedded */
    PACK_FROM_STORE, /* path: content taken from the blob store */
    PACK_DEDUP,      /* path: content already in the output */
    PACK_CHANGED,    /* path: changed or missing, embedded anyway */
    PACK_STORED,     /* path: content added to the blob store */
    PACK_STORE_BAD,  /* path: a store file that fails its id; unused */
    PACK_PROGRESS,   /* path NULL: `done` of `total` files handled */
} pack_note;

typedef void (*pack_notify_fn)(void *ctx, pack_note note, const char *path,
                               const char *detail, uint64_t done,
                               uint64_t total);

typedef struct pack_options {
    const char *output;     /* NULL or the input itself: rewrite in place */
    const char *blob_store; /* NULL, or a directory DIR/ab/cdef... */
    bool refs_only;         /* with blob_store: move contents into the store
                             * and keep id references instead of embedding */
    bool allow_changed;     /* embed changed files instead of failing */
    bool force;             /* replace an existing output */
    int quality;            /* brotli quality, -1: not requested, which
                             * packs at PACK_QUALITY */
    unsigned threads;       /* compression threads, 0 = one per CPU */
    uint32_t chunk_size;    /* blob chunk size, 0 = PACK_CHUNK */
    bool no_filter;         /* no x86 filter */
    bool no_shared;         /* no shared chunks (with no_filter: an archive
                             * a format 1.0 reader can read) */
    bool no_sync;
    bool debug_info;        /* embed this host's separate debug files of the
                             * archive's ELF files, found by build-id */
    const rrt_io_hooks *io; /* fault injection, passed to the writer */
    pack_notify_fn notify;
    void *notify_ctx;
} pack_options;

/* Pack's default chunk: brotli's 4 MiB window (lgwin 22) covers it, and
 * larger chunks compress better than the writer's 1 MiB default. */
#define PACK_CHUNK (4u << 20)
/* Events per batch in a packed archive: a recorder flushes 256 KiB
 * batches so that a crash loses little; an archive to keep compresses
 * better in larger ones (1 MiB: 5% smaller events on a Python recording),
 * still small enough to be spread over threads with the chunks. */
#define PACK_EVENT_BATCH (1u << 20)
/* Pack's default quality. Against tar | brotli -q 5 of the same files,
 * on the recordings people make (a Python start-up, 23 libraries, 19 MB;
 * bench/typical_bench.sh) q5 is 0.996x the size and q6 0.987x, but q6
 * needs 1.3x brotli's CPU time, more than two cores can hide: only q5
 * packs in under 0.6x brotli's time there. On 300 MB of libraries
 * (bench/pack_bench.sh) q5 is 0.968x the size, q6 0.951x (README,
 * Benchmarks). -q 6 and up remain for archives where size is all. */
#define PACK_QUALITY 5

void pack_options_init(pack_options *opt);

typedef struct pack_report {
    bool unchanged;    /* already self-contained: nothing rewritten */
    bool copied;       /* unchanged, but copied to a new output */
    uint64_t files;    /* file-table entries */
    uint64_t embedded; /* external entries whose content was read */
    uint64_t embedded_bytes;
    uint64_t deduplicated; /* entries whose content was already there */
    uint64_t dedup_bytes;
    uint64_t from_store;   /* contents taken from the blob store */
    uint64_t stored;       /* contents added to the blob store */
    uint64_t changed;      /* changed files embedded (allow_changed) */
    uint64_t blobs_copied; /* blobs recompressed from the input */
    uint64_t events;
    uint64_t debug_files; /* separate debug files added (debug_info) */
    uint64_t in_size, out_size;
} pack_report;

/* Packs IN (see rrt pack --help). On any failure the input is untouched
 * and nothing is left under the output name. */
rrt_status pack_archive(const char *in, const pack_options *opt,
                        pack_report *rep, rrt_error *err);

/* The blob store: DIR/ab/cdef... (the id's first two hex digits, then the
 * other thirty) holding a blob's bytes, written atomically. */
bool pack_store_has(const char *dir, const rrt_blob_id *id);
/* Copies fd from its start into the store unless present; the bytes must
 * hash to id (RRT_E_CHANGED otherwise: the file changed). */
rrt_status pack_store_put_fd(const char *dir, int fd, const char *name,
                             const rrt_blob_id *id, bool no_sync,
                             rrt_error *err);

/* Limits applied when reading tar/zip input (import) or writing an export
 * to disk (unpack): hostile archives stop with RRT_E_LIMIT. */
#define PACK_MAX_ENTRIES 65536u
#define PACK_MAX_TOTAL ((uint64_t)64 << 30)
#define PACK_MAX_JSON ((size_t)1 << 30)

/* Interchange: the archive as plain files. FORMAT is "dir" (write under
 * DIR with secure extraction), "tar", "tar.gz" or "zip". */
typedef struct pack_export_report {
    uint64_t files, blobs, events, bytes;
    uint64_t skipped_external; /* external references have no content */
} pack_export_report;

rrt_status pack_export(const char *in, const char *out, const char *format,
                       pack_export_report *rep, rrt_error *err);

/* Builds OUT from an export (tar, tar.gz or zip); checks every member name
 * and type and refuses hostile input. */
typedef struct pack_import_report {
    uint64_t files, blobs, events;
} pack_import_report;

rrt_status pack_import(const char *in, const char *out,
                       const rrt_writer_options *wo, bool force,
                       pack_import_report *rep, rrt_error *err);

/* Extracts a tar or zip (any layout, e.g. an export) under DIR safely:
 * only regular files and directories, names checked (no absolute path,
 * no '..'), no writing through symlinks, setuid/setgid/sticky bits
 * dropped, entry count and total size bounded. Stops at the first hostile
 * member with an error naming it; nothing is ever written outside DIR. */
typedef struct pack_extract_report {
    uint64_t files, dirs, bytes;
} pack_extract_report;

rrt_status pack_extract(const char *in, const char *dir,
                        pack_extract_report *rep, rrt_error *err);

/* True when the file starts with the .rrt magic. */
bool pack_is_rrt(const char *path);

/* Safe relative member name for a recorded path: leading '/' removed,
 * empty, "." and ".." components dropped, NUL-terminated into buf.
 * Returns false if nothing is left or it does not fit. */
bool pack_safe_name(const char *path, char *buf, size_t n);

#endif
