/* librrt internals shared by the reader, writer, verifier and recovery.
 * Nothing outside format/ includes this, except in-tree tests. */
#ifndef RRTI_H
#define RRTI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rrt/rrt.h"
#include "rrtx.h"

#define RRTI_HEADER_SIZE 16
#define RRTI_FOOTER_SIZE 32
#define RRTI_SECTION_HEADER 16
#define RRTI_SECTION_TRAILER 8
#define RRTI_SECTION_OVERHEAD (RRTI_SECTION_HEADER + RRTI_SECTION_TRAILER)
#define RRTI_MAX_PAYLOAD ((uint64_t)1 << 30)
#define RRTI_MAX_RAW (16u << 20)
#define RRTI_MIN_CHUNK 4096u
#define RRTI_MAX_BLOB ((uint64_t)1 << 48)
#define RRTI_MAX_PATH 4096u
#define RRTI_MAX_META_KEY 256u
#define RRTI_MAX_META_VALUE (1u << 20)
#define RRTI_MAX_META_COUNT 65536u
#define RRTI_MAX_CPUID_COUNT 65536u
#define RRTI_MAX_CSIT_COUNT 65536u /* entries in one CSIT section */
#define RRTI_INDEX_ENTRY 32u
#define RRTI_CHUNK_PREFIX 8u
#define RRTI_EVTS_PREFIX 20u
#define RRTI_BLOB_PREFIX 32u
#define RRTI_FILE_PREFIX 56u
#define RRTI_METHOD_STORED 0
#define RRTI_METHOD_BROTLI 1
#define RRTI_METHOD_BROTLI_X86 2 /* CHNK only: x86 filter, then brotli */
#define RRTI_HFLAGS_INCOMPAT_MASK 0xffff0000u
/* Incompatible header flags this library implements. */
#define RRTI_HFLAGS_KNOWN_INCOMPAT                                             \
    (RRT_HFLAG_X86_FILTER | RRT_HFLAG_SHARED_CHUNKS)
#define RRTI_PIECE_ENTRY 24u /* u64 chunk offset, u64 hash, u64 offset */

extern const uint8_t rrti_end_magic[8];

/* The fields of a file header. */
typedef struct rrti_header {
    uint16_t major, minor;
    uint32_t hflags;
} rrti_header;

/* Checks the first n bytes of a file (fewer than RRTI_HEADER_SIZE only
 * when the file is that short): the magic, naming the damage text-mode
 * and 7-bit transfers do to it, the length, the major version and unknown
 * incompatible flags. The one header check of reader and recovery. */
rrt_status rrti_check_header(const uint8_t *h, size_t n, const char *path,
                             rrti_header *out, rrt_error *err);

/* Appends an all-ones mask record for (leaf, sub) to m (sub is 0 for a
 * leaf that is not indexed); NULL when out of memory. */
rrt_cpuid_mask *rrti_mask_add(rrt_cpuid_manifest *m, uint32_t leaf,
                              uint32_t sub);

/* Little-endian stores/loads on raw bytes. */
void rrti_put_u16(uint8_t *p, uint16_t v);
void rrti_put_u32(uint8_t *p, uint32_t v);
void rrti_put_u64(uint8_t *p, uint64_t v);
uint16_t rrti_get_u16(const uint8_t *p);
uint32_t rrti_get_u32(const uint8_t *p);
uint64_t rrti_get_u64(const uint8_t *p);

/* "CHNK" etc. into buf[5]; non-printable bytes become '?'. */
const char *rrti_fourcc(uint32_t type, char buf[5]);

/* Reads exactly n bytes at off; short read is RRT_E_TRUNCATED. */
rrt_status rrti_pread_all(int fd, const char *path, void *buf, size_t n,
                          uint64_t off, rrt_error *err);

/* Compression of one chunk or event batch. On success *out is malloc'ed
 * and *method says how it is stored (raw when brotli does not help). */
rrt_status rrti_compress(int quality, const uint8_t *in, size_t n,
                         uint8_t **out, size_t *out_len, uint8_t *method);
/* Decodes exactly raw_len bytes into out; anything else is
 * RRT_E_CORRUPT (message in err with path/offset). Methods 0 and 1 only:
 * this is also the event-batch decoder. */
rrt_status rrti_decompress(uint8_t method, const uint8_t *in, size_t n,
                           uint8_t *out, size_t raw_len, const char *path,
                           uint64_t offset, rrt_error *err);

/* Chunk coding: as above, plus method 2 (x86 filter, then brotli) when
 * `x86` is set and the filter makes brotli pay; stored chunks always hold
 * the original bytes. */
rrt_status rrti_compress_chunk(int quality, bool x86, const uint8_t *in,
                               size_t n, uint8_t **out, size_t *out_len,
                               uint8_t *method);
/* Decodes a CHNK's data; method 2 is corrupt unless allow_x86 (the header
 * declares RRT_HFLAG_X86_FILTER). */
rrt_status rrti_decompress_chunk(uint8_t method, bool allow_x86,
                                 const uint8_t *in, size_t n, uint8_t *out,
                                 size_t raw_len, const char *path,
                                 uint64_t offset, rrt_error *err);

/* The x86 branch filter (x86filter.c), in place; a bijection. */
void rrti_x86_encode(uint8_t *buf, size_t size);
void rrti_x86_decode(uint8_t *buf, size_t size);
/* True when p starts an x86 or x86-64 little-endian ELF header: the blobs
 * whose chunks the writer filters. */
bool rrti_is_x86_elf(const uint8_t *p, size_t n);

uint64_t rrti_section_checksum(const uint8_t *hdr, const uint8_t *payload,
                               size_t len);

/* A section header decoded from the file. */
typedef struct rrti_section {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t length;
} rrti_section;

/* Reads and checks a section header at off; the whole section must end at
 * or before `limit`. */
rrt_status rrti_read_section_header(int fd, const char *path, uint64_t off,
                                    uint64_t limit, rrti_section *out,
                                    rrt_error *err);
/* Reads the payload of a section whose header was read, and checks the
 * checksum. *payload is malloc'ed (NULL for an empty payload). */
rrt_status rrti_read_section_payload(int fd, const char *path,
                                     const rrti_section *s, uint8_t **payload,
                                     rrt_error *err);

/* Decoded payloads. Decoders check every field and length (spec 3.x). */
typedef struct rrti_chunk_ref {
    uint64_t offset;
    uint64_t raw_hash;
} rrti_chunk_ref;

typedef struct rrti_blob_desc {
    rrt_blob_id id;
    uint64_t size;
    uint32_t chunk_size;
    uint32_t n_chunks;
    rrti_chunk_ref *chunks; /* malloc'ed */
    /* A piece of a shared chunk (spec 3.2.1): n_chunks = 1, chunk_size =
     * size, and the bytes start at piece_off in the chunk's raw bytes;
     * chunks[0].raw_hash is the XXH3-64 of the piece. */
    bool piece;
    uint64_t piece_off;
} rrti_blob_desc;

/* allow_pieces: the header declares RRT_HFLAG_SHARED_CHUNKS. */
rrt_status rrti_decode_blob(const uint8_t *p, size_t len, uint64_t self_off,
                            bool allow_pieces, rrti_blob_desc *out,
                            const char *path, rrt_error *err);
uint32_t rrti_chunk_raw_len(const rrti_blob_desc *d, uint32_t i);

rrt_status rrti_decode_file(const uint8_t *p, size_t len, rrt_file_entry *out,
                            const char *path, uint64_t off, rrt_error *err);
void rrti_encode_file(rrt_buf *b, const rrt_file_entry *e);

typedef struct rrti_evts_header {
    uint64_t first;
    uint32_t count;
    uint8_t method;
    uint32_t raw_len;
} rrti_evts_header;
rrt_status rrti_decode_evts_header(const uint8_t *p, size_t len,
                                   rrti_evts_header *out, const char *path,
                                   uint64_t off, rrt_error *err);
/* Decodes a batch into raw (malloc'ed) and checks that it holds exactly
 * `count` well-formed events. */
rrt_status rrti_decode_evts(const uint8_t *p, size_t len, uint8_t **raw,
                            rrti_evts_header *hdr, const char *path,
                            uint64_t off, rrt_error *err);

typedef struct rrti_chunk_header {
    uint8_t method;
    uint32_t raw_len;
} rrti_chunk_header;
rrt_status rrti_decode_chunk_header(const uint8_t *p, size_t len,
                                    rrti_chunk_header *out, const char *path,
                                    uint64_t off, rrt_error *err);

/* META payload -> sorted array of key/value pairs in one allocation. */
typedef struct rrti_meta {
    rrt_meta_entry *entries;
    size_t n;
} rrti_meta;
rrt_status rrti_decode_meta(const uint8_t *p, size_t len, rrti_meta *out,
                            const char *path, uint64_t off, rrt_error *err);
void rrti_meta_free(rrti_meta *m);

/* CSIT payloads (cpuid_sites.c). decode_into appends one payload's entries
 * to t (t unchanged on failure); merge then sorts by key, a later entry
 * replacing an earlier one with the same key. */
rrt_cpuid_sites *rrti_cpuid_sites_new(void);
rrt_status rrti_cpuid_sites_decode_into(rrt_cpuid_sites *t, const uint8_t *p,
                                        size_t len, const char *path,
                                        uint64_t off, rrt_error *err);
void rrti_cpuid_sites_merge(rrt_cpuid_sites *t);
/* The whole table as one payload (canonical: decoding gives it back). */
void rrti_cpuid_sites_encode(rrt_buf *b, const rrt_cpuid_sites *t);
/* Writer side: t holds every entry added, sorted by key. add checks the
 * sites and ignores an identical repeat; take encodes the entries not yet
 * taken (as many as one section holds) and returns how many. */
rrt_status rrti_cpuid_sites_add(rrt_cpuid_sites *t, const rrt_blob_id *key,
                                uint64_t len, const uint64_t *off, size_t n,
                                const char *path, rrt_error *err);
size_t rrti_cpuid_sites_take(rrt_cpuid_sites *t, rrt_buf *b);

/* Index model shared by writer and recovery. */
typedef struct rrti_index_blob {
    rrt_blob_id id;
    uint64_t offset;
    uint64_t size;
} rrti_index_blob;

/* Builds the INDX payload; sorts blobs by id. */
void rrti_encode_index(rrt_buf *b, const rrt_section_info *secs, size_t nsec,
                       rrti_index_blob *blobs, size_t nblob, uint64_t nevents);
/* The footer's checksum also covers the file header, so that no byte of
 * an archive is outside every checksum. */
uint64_t rrti_footer_checksum(const uint8_t header[RRTI_HEADER_SIZE],
                              const uint8_t footer16[16]);
void rrti_encode_footer(uint8_t out[RRTI_FOOTER_SIZE],
                        const uint8_t header[RRTI_HEADER_SIZE],
                        uint64_t index_off, uint64_t index_size);

/* Offset of the i-th blob descriptor in the index (for rrt verify). */
uint64_t rrti_reader_blob_offset(const rrt_reader *r, size_t i);

/* rrt_writer_create writing through PATH + SUFFIX instead of PATH.partial
 * (recovery, when PATH.partial is its input). */
rrt_status rrti_writer_create_via(const char *path, const char *suffix,
                                  const rrt_writer_options *opt,
                                  rrt_writer **wp, rrt_error *err);

/* Writer hooks used by recovery: copy a verified prefix and register what
 * it contains without re-encoding it. */
rrt_status rrti_writer_append_raw(rrt_writer *w, int src_fd,
                                  const char *src_path, uint64_t src_off,
                                  uint64_t len, rrt_error *err);
rrt_status rrti_writer_register_section(rrt_writer *w,
                                        const rrt_section_info *s,
                                        rrt_error *err);
rrt_status rrti_writer_register_blob(rrt_writer *w, const rrt_blob_id *id,
                                     uint64_t offset, uint64_t size,
                                     rrt_error *err);
void rrti_writer_set_event_count(rrt_writer *w, uint64_t n);

/* The two text parsers behind rrt_cpuid_parse_text (cpuid_text.c), for
 * the fuzzers: `cpuid -r` output and libvirt cpudata XML. */
rrt_status rrti_cpuid_raw_parse(const void *data, size_t len, const char *name,
                                rrt_cpuid_manifest *out, rrt_error *err);
rrt_status rrti_cpuid_xml_parse(const void *data, size_t len, const char *name,
                                rrt_cpuid_manifest *out, rrt_error *err);

#endif
