/* Reading and writing .rrt archives (spec/format.md describes the bytes). */
#ifndef RRT_ARCHIVE_H
#define RRT_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cpuid.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RRT_FORMAT_MAJOR 1
#define RRT_FORMAT_MINOR 1

/* Header flags (spec/format.md 2): bits 0-15 compatible, 16-31
 * incompatible. X86_FILTER: chunks may use method 2, the x86 branch filter
 * in front of brotli (format 1.1). */
#define RRT_HFLAG_X86_FILTER 0x00010000u
/* SHARED_CHUNKS: small blobs may share one chunk (format 1.1). */
#define RRT_HFLAG_SHARED_CHUNKS 0x00020000u

/* Section types: four ASCII bytes read as a little-endian u32. */
#define RRT_FOURCC(a, b, c, d)                                                 \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 |                \
     (uint32_t)(d) << 24)
#define RRT_SEC_CHUNK RRT_FOURCC('C', 'H', 'N', 'K')
#define RRT_SEC_BLOB RRT_FOURCC('B', 'L', 'O', 'B')
#define RRT_SEC_FILE RRT_FOURCC('F', 'I', 'L', 'E')
#define RRT_SEC_EVENTS RRT_FOURCC('E', 'V', 'T', 'S')
#define RRT_SEC_CPUID RRT_FOURCC('C', 'P', 'I', 'D')
#define RRT_SEC_META RRT_FOURCC('M', 'E', 'T', 'A')
/* Optional: CPUID sites by code key (cpuid_sites.h). */
#define RRT_SEC_CPUID_SITES RRT_FOURCC('C', 'S', 'I', 'T')
#define RRT_SEC_INDEX RRT_FOURCC('I', 'N', 'D', 'X')

/* Content id of a blob: XXH3-128 of its uncompressed bytes, stored
 * big-endian (high 64 bits first) so that hex text and byte order agree. */
typedef struct rrt_blob_id {
    uint8_t bytes[16];
} rrt_blob_id;

#define RRT_BLOB_ID_HEX_LEN 32
RRT_API void rrt_blob_id_of(const void *data, size_t len, rrt_blob_id *out);
/* Writes 32 hex digits and a NUL into hex[33]. */
RRT_API void rrt_blob_id_to_hex(const rrt_blob_id *id, char hex[33]);
/* Accepts exactly 32 hex digits. */
RRT_API bool rrt_blob_id_from_hex(const char *hex, rrt_blob_id *out);
RRT_API int rrt_blob_id_cmp(const rrt_blob_id *a, const rrt_blob_id *b);

/* One file of the archive's file table. */
#define RRT_FILE_HAS_BLOB 0x1u /* blob holds the content id */
#define RRT_FILE_EXTERNAL                                                      \
    0x2u /* content lives outside: dev/ino identify it                         \
          */

typedef struct rrt_file_entry {
    char *path;     /* owned by the entry; NUL-free */
    uint32_t flags; /* RRT_FILE_* */
    uint32_t mode;  /* st_mode */
    uint64_t size;
    int64_t mtime_ns;  /* nanoseconds since the epoch */
    uint64_t dev, ino; /* identity of an external file, else 0 */
    rrt_blob_id blob;  /* valid when RRT_FILE_HAS_BLOB */
} rrt_file_entry;

RRT_API void rrt_file_entry_clear(rrt_file_entry *e);

/* ------------------------------------------------------------------ */
/* Writer                                                             */

/* Optional low-level I/O hooks, for tests that inject faults and for
 * callers that need to observe I/O. NULL members use the system call. */
typedef struct rrt_io_hooks {
    ssize_t (*write)(void *ctx, int fd, const void *buf, size_t n);
    int (*fsync)(void *ctx, int fd);
    int (*rename)(void *ctx, const char *from, const char *to);
    void *ctx;
} rrt_io_hooks;

typedef struct rrt_writer_options {
    int quality;          /* brotli quality 0..11, default 5 */
    unsigned threads;     /* compression threads, 0 = number of CPUs (max 8) */
    uint32_t chunk_size;  /* blob chunk size, 4 KiB..16 MiB, default 1 MiB */
    uint32_t event_batch; /* raw bytes per event batch, default 256 KiB */
    bool no_sync;         /* skip fsync (tests, scratch files) */
    bool x86_filter;      /* filter chunks of x86 ELF blobs (sets
                             RRT_HFLAG_X86_FILTER), default true */
    bool shared_chunks;   /* pack blobs of up to chunk_size / 4 bytes
                             together into shared chunks (sets
                             RRT_HFLAG_SHARED_CHUNKS), default true */
    unsigned mode;        /* permissions of the final file, default 0644 */
    const rrt_io_hooks *io;
} rrt_writer_options;

RRT_API void rrt_writer_options_init(rrt_writer_options *opt);

typedef struct rrt_writer rrt_writer;

/* Creates PATH.partial (O_EXCL, mode 0600) and writes the header. The final
 * name appears only after rrt_writer_finish() succeeds. */
RRT_API rrt_status rrt_writer_create(const char *path,
                                     const rrt_writer_options *opt,
                                     rrt_writer **out, rrt_error *err);

/* Adds bytes as a blob (deduplicated by content id). */
RRT_API rrt_status rrt_writer_add_blob(rrt_writer *w, const void *data,
                                       size_t len, rrt_blob_id *id_out,
                                       rrt_error *err);
/* Adds the contents of an open file descriptor, read to EOF with bounded
 * memory. A seekable fd is hashed first so that duplicates cost no space.
 * `name` is used in error messages. */
RRT_API rrt_status rrt_writer_add_blob_fd(rrt_writer *w, int fd,
                                          const char *name, rrt_blob_id *id_out,
                                          uint64_t *size_out, rrt_error *err);
RRT_API bool rrt_writer_has_blob(const rrt_writer *w, const rrt_blob_id *id);

/* A source of bytes: returns the count read (0 at end), or -1 with errno. */
typedef ssize_t (*rrt_read_fn)(void *ctx, void *buf, size_t n);

/* Adds a blob read from a callback with bounded memory. With `expect` (may
 * be NULL): if the writer already holds that id nothing is read, else the
 * bytes must hash to it (RRT_E_HASH otherwise, and nothing is stored). This
 * lets pack copy blobs between archives and deduplicate for free. */
RRT_API rrt_status rrt_writer_add_blob_reader(rrt_writer *w, rrt_read_fn fn,
                                              void *ctx, const char *name,
                                              const rrt_blob_id *expect,
                                              rrt_blob_id *id_out,
                                              uint64_t *size_out,
                                              rrt_error *err);

/* Appends a file-table entry. An entry with RRT_FILE_HAS_BLOB and without
 * RRT_FILE_EXTERNAL must name a blob already added. */
RRT_API rrt_status rrt_writer_add_file(rrt_writer *w,
                                       const rrt_file_entry *entry,
                                       rrt_error *err);

/* Appends one event to the stream; events are batched and compressed. */
RRT_API rrt_status rrt_writer_add_event(rrt_writer *w, uint32_t type,
                                        const void *data, size_t len,
                                        rrt_error *err);
RRT_API uint64_t rrt_writer_event_count(const rrt_writer *w);

/* Writes a CPUID manifest section. May be called again (e.g. at the end of a
 * recording, with the queried leaves); readers use the last one. */
RRT_API rrt_status rrt_writer_set_cpuid(rrt_writer *w,
                                        const rrt_cpuid_manifest *m,
                                        rrt_error *err);

/* Sets a metadata key (UTF-8, no NUL) to a value (no NUL). Pending keys are
 * written as a META section by flush/finish; later sections override
 * earlier ones key by key. */
RRT_API rrt_status rrt_writer_set_meta(rrt_writer *w, const char *key,
                                       const char *value, rrt_error *err);

/* Writes everything pending (event batch, metadata) as complete sections so
 * that rrt recover can restore it after a crash. Does not fsync. */
RRT_API rrt_status rrt_writer_flush(rrt_writer *w, rrt_error *err);

/* Writes the index and footer, fsyncs, renames PATH.partial to PATH and
 * fsyncs the directory. On failure nothing is left under PATH. */
RRT_API rrt_status rrt_writer_finish(rrt_writer *w, rrt_error *err);

/* Frees the writer. Without a successful finish, removes PATH.partial. */
RRT_API void rrt_writer_free(rrt_writer *w);

/* Like free, but keeps PATH.partial on disk for rrt recover (used when a
 * recording is interrupted). */
RRT_API void rrt_writer_abandon(rrt_writer *w);

/* ------------------------------------------------------------------ */
/* Reader                                                             */

typedef struct rrt_reader rrt_reader;

/* Opens an archive reading only its header, footer and index. */
RRT_API rrt_status rrt_reader_open(const char *path, rrt_reader **out,
                                   rrt_error *err);
RRT_API void rrt_reader_close(rrt_reader *r);

typedef struct rrt_archive_info {
    uint16_t major, minor;
    uint32_t header_flags;
    uint64_t file_size;
    uint64_t index_offset;
    size_t n_sections; /* sections listed in the index (not chunks) */
    size_t n_blobs;
    size_t n_files;
    uint64_t n_events;
    uint64_t blob_bytes; /* sum of uncompressed blob sizes */
} rrt_archive_info;

RRT_API void rrt_reader_info(const rrt_reader *r, rrt_archive_info *out);
RRT_API const char *rrt_reader_path(const rrt_reader *r);

/* Sections listed in the index, in file order. */
typedef struct rrt_section_info {
    uint32_t type;
    uint32_t flags;  /* section flags, RRT_SECF_* */
    uint64_t offset; /* of the section header */
    uint64_t length; /* payload length */
    uint64_t aux;    /* EVTS: first event number; else 0 */
} rrt_section_info;
#define RRT_SECF_REQUIRED 0x1u

RRT_API size_t rrt_reader_section_count(const rrt_reader *r);
RRT_API void rrt_reader_section(const rrt_reader *r, size_t i,
                                rrt_section_info *out);
/* The raw payload of listed section i, its checksum checked; *payload is
 * malloc'ed. For tools that copy sections verbatim (push/pull), and for
 * sections of types this librrt does not decode. */
#define RRT_HAVE_READER_SECTION_PAYLOAD 1
RRT_API rrt_status rrt_reader_section_payload(rrt_reader *r, size_t i,
                                              uint8_t **payload, size_t *len,
                                              rrt_error *err);

/* Blobs in id order. */
RRT_API size_t rrt_reader_blob_count(const rrt_reader *r);
RRT_API void rrt_reader_blob(const rrt_reader *r, size_t i, rrt_blob_id *id,
                             uint64_t *size);
/* The id-order index of the k-th blob in file order. A caller that reads
 * many blobs should go in this order: reads move forward through the
 * file, and the small blobs that share a chunk (format 1.1) come one
 * after another, so their chunk is decoded once instead of once each.
 * Returns k itself if the order cannot be built (out of memory). */
RRT_API size_t rrt_reader_blob_in_file_order(rrt_reader *r, size_t k);
/* Binary search; RRT_E_NOT_FOUND if absent. */
RRT_API rrt_status rrt_reader_blob_size(const rrt_reader *r,
                                        const rrt_blob_id *id, uint64_t *size,
                                        rrt_error *err);
/* Reads a whole blob (at most max_size bytes, else RRT_E_LIMIT) and checks
 * its content id. *data is malloc'ed. */
RRT_API rrt_status rrt_reader_read_blob(rrt_reader *r, const rrt_blob_id *id,
                                        size_t max_size, uint8_t **data,
                                        size_t *len, rrt_error *err);
/* Reads up to n bytes at offset; decodes only the chunks needed and checks
 * each chunk's hash. */
RRT_API rrt_status rrt_reader_pread_blob(rrt_reader *r, const rrt_blob_id *id,
                                         uint64_t offset, void *buf, size_t n,
                                         size_t *got, rrt_error *err);

/* Streaming read of a blob with bounded memory; the content id is checked
 * when the last byte is read (RRT_E_HASH then). */
typedef struct rrt_blob_stream rrt_blob_stream;
RRT_API rrt_status rrt_blob_stream_open(rrt_reader *r, const rrt_blob_id *id,
                                        rrt_blob_stream **out, rrt_error *err);
/* *got == 0 with RRT_OK means end of blob. */
RRT_API rrt_status rrt_blob_stream_read(rrt_blob_stream *s, void *buf, size_t n,
                                        size_t *got, rrt_error *err);
RRT_API void rrt_blob_stream_close(rrt_blob_stream *s);

/* File table, in the order the entries were written. A failure leaves
 * *out zeroed; release a success with rrt_file_entry_clear. */
RRT_API size_t rrt_reader_file_count(const rrt_reader *r);
RRT_API rrt_status rrt_reader_file(rrt_reader *r, size_t i, rrt_file_entry *out,
                                   rrt_error *err);
/* The last entry with this path; RRT_E_NOT_FOUND if there is none. */
RRT_API rrt_status rrt_reader_find_file(rrt_reader *r, const char *path,
                                        rrt_file_entry *out, rrt_error *err);

/* The last CPUID manifest section; RRT_E_NOT_FOUND if there is none. */
RRT_API rrt_status rrt_reader_cpuid(rrt_reader *r, rrt_cpuid_manifest *out,
                                    rrt_error *err);

/* Metadata, merged over all META sections (later wins), sorted by key. */
typedef struct rrt_meta_entry {
    const char *key;
    const char *value;
} rrt_meta_entry;
RRT_API rrt_status rrt_reader_meta(rrt_reader *r, const rrt_meta_entry **out,
                                   size_t *n, rrt_error *err);
/* NULL when absent or on error. */
RRT_API const char *rrt_reader_meta_get(rrt_reader *r, const char *key);

/* Event stream, iterated one batch at a time (bounded memory). */
typedef struct rrt_event {
    uint64_t seq; /* 0-based position in the stream */
    uint32_t type;
    const uint8_t *data; /* valid until the next call on the iterator */
    size_t len;
} rrt_event;

typedef struct rrt_event_iter rrt_event_iter;
/* Starts at event number `first` (0 for the beginning). */
RRT_API rrt_status rrt_event_iter_open(rrt_reader *r, uint64_t first,
                                       rrt_event_iter **out, rrt_error *err);
/* RRT_OK with *ev filled, RRT_END after the last event, or an error. */
RRT_API rrt_status rrt_event_iter_next(rrt_event_iter *it, rrt_event *ev,
                                       rrt_error *err);
/* The event rrt_event_iter_next returns next, without moving on: RRT_OK,
 * RRT_END at the end, or an error. Both *ev and the event last returned
 * by rrt_event_iter_next stay valid until the next rrt_event_iter_next.
 * Costs no decompression the iteration would not do anyway (opening a
 * second iterator at the same place decompresses its batch again). */
RRT_API rrt_status rrt_event_iter_peek(rrt_event_iter *it, rrt_event *ev,
                                       rrt_error *err);
RRT_API void rrt_event_iter_close(rrt_event_iter *it);

/* ------------------------------------------------------------------ */
/* Integrity and recovery                                             */

typedef struct rrt_verify_report {
    uint64_t sections; /* sections scanned in the body */
    uint64_t blobs_checked;
    uint64_t bytes_checked; /* uncompressed blob bytes hashed */
    uint64_t events;
    uint64_t orphan_chunks; /* chunks no blob refers to (harmless) */
    uint64_t problems;
} rrt_verify_report;

/* Called once per problem found; `message` is a complete line. */
typedef void (*rrt_problem_fn)(void *ctx, const char *message);

/* Full integrity check: every section checksum, index against body, every
 * blob's chunks and content id, every file's blob, every event batch.
 * Returns RRT_OK when the archive is intact, RRT_E_CORRUPT (or the first
 * specific error) when damaged; problems are reported through `problem`. */
RRT_API rrt_status rrt_verify_archive(const char *path, rrt_problem_fn problem,
                                      void *ctx, rrt_verify_report *report,
                                      rrt_error *err);

typedef struct rrt_recover_report {
    uint64_t sections_kept;
    uint64_t bytes_kept;
    uint64_t bytes_dropped;
} rrt_recover_report;

/* Writes OUT from the longest intact, self-consistent prefix of IN
 * (typically a .partial left by a killed writer) plus a fresh index and
 * footer (spec/format.md, section 7). Like every writer it writes
 * OUT.partial, except when IN is OUT.partial itself: then it writes
 * OUT + RRT_RECOVER_PARTIAL_SUFFIX, and IN stays as it is. */
#define RRT_RECOVER_PARTIAL_SUFFIX ".recover.partial"
RRT_API rrt_status rrt_recover(const char *in, const char *out,
                               const rrt_writer_options *opt,
                               rrt_recover_report *report, rrt_error *err);

/* librrt's version string, e.g. "0.1.0". */
RRT_API const char *rrt_version(void);

#ifdef __cplusplus
}
#endif
#endif
