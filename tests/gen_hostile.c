/* Hostile .rrt corpus, built deterministically from a raw section builder
 * (valid checksums recomputed wherever the case is about something else),
 * and the checks that librrt rejects each file with the expected status and
 * message.
 *   test_hostile                  generate into a temp dir and check (ctest)
 *   test_hostile --write DIR      write the corpus and DIR/EXPECTED
 *   test_hostile --compare DIR    check that DIR holds exactly what --write
 *                                 would write (tests/data/bad stays in sync)
 * EXPECTED lines: FILE<TAB>STATUS<TAB>LEVEL<TAB>MESSAGE-SUBSTRING, where
 * LEVEL is "open" (rrt_reader_open fails) or "read" (opening works, reading
 * some content fails), "sites" (everything reads but the CPUID sites
 * table: only rrt_reader_cpuid_sites and rrt verify decode it), or "ok" for
 * a file that must be accepted. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <xxhash.h>

#include "rrti.h"

/* ------------------------------------------------------------------ */
/* Raw archive builder                                                */

typedef struct rb {
    rrt_buf b;
    rrt_section_info secs[64];
    size_t nsec;
    rrti_index_blob blobs[16];
    size_t nblob;
    uint64_t nevents;
} rb;

static void rb_init(rb *r, uint16_t major, uint32_t hflags)
{
    memset(r, 0, sizeof(*r));
    rrt_buf_init(&r->b);
    rrt_buf_put(&r->b, RRTX_ARCHIVE_MAGIC, RRTX_ARCHIVE_MAGIC_LEN);
    rrt_buf_put_u16(&r->b, major);
    rrt_buf_put_u16(&r->b, 0);
    rrt_buf_put_u32(&r->b, hflags);
}

/* Appends a section with a correct checksum; returns its offset. */
static uint64_t rb_section(rb *r, uint32_t type, uint32_t flags, const void *p,
                           size_t n)
{
    uint64_t at = r->b.len;
    uint8_t h[16];
    rrti_put_u32(h, type);
    rrti_put_u32(h + 4, flags);
    rrti_put_u64(h + 8, n);
    rrt_buf_put(&r->b, h, 16);
    rrt_buf_put(&r->b, p, n);
    uint8_t sum[8];
    rrti_put_u64(sum, rrti_section_checksum(h, p, n));
    rrt_buf_put(&r->b, sum, 8);
    return at;
}

static void rb_list(rb *r, uint32_t type, uint32_t flags, uint64_t off,
                    uint64_t len, uint64_t aux)
{
    r->secs[r->nsec++] = (rrt_section_info){type, flags, off, len, aux};
}

/* A listed section. */
static uint64_t rb_listed(rb *r, uint32_t type, uint32_t flags, const void *p,
                          size_t n, uint64_t aux)
{
    uint64_t at = rb_section(r, type, flags, p, n);
    rb_list(r, type, flags, at, n, aux);
    return at;
}

/* Fixes the checksum of the section at `at` after its bytes were edited. */
static void rb_reseal(rb *r, uint64_t at)
{
    uint8_t *h = r->b.data + at;
    uint64_t n = rrti_get_u64(h + 8);
    rrti_put_u64(h + 16 + n, rrti_section_checksum(h, h + 16, (size_t)n));
}

/* One blob stored raw in chunks of `cs`, descriptor id `id` (the real id
 * unless the case says otherwise). */
static rrt_blob_id rb_blob(rb *r, const void *data, size_t n, uint32_t cs,
                           const rrt_blob_id *fake_id)
{
    rrt_blob_id id;
    rrt_blob_id_of(data, n, &id);
    if (fake_id)
        id = *fake_id;
    uint32_t nc = (uint32_t)((n + cs - 1) / cs);
    rrt_buf d;
    rrt_buf_init(&d);
    rrt_buf_put(&d, id.bytes, 16);
    rrt_buf_put_u64(&d, n);
    rrt_buf_put_u32(&d, cs);
    rrt_buf_put_u32(&d, nc);
    for (uint32_t i = 0; i < nc; i++) {
        size_t len = n - (size_t)i * cs < cs ? n - (size_t)i * cs : cs;
        const uint8_t *p = (const uint8_t *)data + (size_t)i * cs;
        rrt_buf c;
        rrt_buf_init(&c);
        rrt_buf_put_u32(&c, RRTI_METHOD_STORED);
        rrt_buf_put_u32(&c, (uint32_t)len);
        rrt_buf_put(&c, p, len);
        uint64_t at =
            rb_section(r, RRT_SEC_CHUNK, RRT_SECF_REQUIRED, c.data, c.len);
        rrt_buf_free(&c);
        rrt_buf_put_u64(&d, at);
        rrt_buf_put_u64(&d, XXH3_64bits(p, len));
    }
    uint64_t at = rb_section(r, RRT_SEC_BLOB, RRT_SECF_REQUIRED, d.data, d.len);
    rrt_buf_free(&d);
    r->blobs[r->nblob++] = (rrti_index_blob){id, at, n};
    return id;
}

/* Two blobs as pieces of one stored shared chunk ("one" then "two!").
 * The second descriptor gets n_chunks2, piece_off2 and, with
 * extra_entry, 8 more bytes: what the hostile cases vary. */
static void rb_pieces(rb *r, uint32_t n_chunks2, uint64_t piece_off2,
                      bool extra_entry)
{
    static const char both[] = "onetwo!";
    rrt_buf c;
    rrt_buf_init(&c);
    rrt_buf_put_u32(&c, RRTI_METHOD_STORED);
    rrt_buf_put_u32(&c, 7);
    rrt_buf_put(&c, both, 7);
    uint64_t at =
        rb_section(r, RRT_SEC_CHUNK, RRT_SECF_REQUIRED, c.data, c.len);
    rrt_buf_free(&c);
    const struct {
        const char *p;
        size_t n;
        uint64_t off;
        uint32_t nc;
    } piece[2] = {{both, 3, 0, 1}, {both + 3, 4, piece_off2, n_chunks2}};
    for (int i = 0; i < 2; i++) {
        rrt_blob_id id;
        rrt_blob_id_of(piece[i].p, piece[i].n, &id);
        rrt_buf d;
        rrt_buf_init(&d);
        rrt_buf_put(&d, id.bytes, 16);
        rrt_buf_put_u64(&d, piece[i].n);
        rrt_buf_put_u32(&d, 0); /* chunk size 0: a piece */
        rrt_buf_put_u32(&d, piece[i].nc);
        rrt_buf_put_u64(&d, at);
        rrt_buf_put_u64(&d, XXH3_64bits(piece[i].p, piece[i].n));
        rrt_buf_put_u64(&d, piece[i].off);
        if (i == 1 && extra_entry)
            rrt_buf_put_u64(&d, 0);
        uint64_t bd =
            rb_section(r, RRT_SEC_BLOB, RRT_SECF_REQUIRED, d.data, d.len);
        rrt_buf_free(&d);
        r->blobs[r->nblob++] = (rrti_index_blob){id, bd, piece[i].n};
    }
}

static void rb_file(rb *r, const char *path, uint32_t flags,
                    const rrt_blob_id *id, uint64_t size)
{
    rrt_file_entry e = {0};
    e.path = (char *)path;
    e.flags = flags;
    e.mode = 0100644;
    e.size = size;
    if (id)
        e.blob = *id;
    rrt_buf p;
    rrt_buf_init(&p);
    rrti_encode_file(&p, &e);
    rb_listed(r, RRT_SEC_FILE, RRT_SECF_REQUIRED, p.data, p.len, 0);
    rrt_buf_free(&p);
}

/* An EVTS batch of `count` events of type 1 with one payload byte each,
 * stored raw; `declared` overrides the count field when non-zero. */
static void rb_events(rb *r, uint64_t first, uint32_t count, uint32_t declared)
{
    rrt_buf raw, p;
    rrt_buf_init(&raw);
    rrt_buf_init(&p);
    for (uint32_t i = 0; i < count; i++) {
        rrt_buf_put_varint(&raw, 1);
        rrt_buf_put_lenbytes(&raw, "e", 1);
    }
    rrt_buf_put_u64(&p, first);
    rrt_buf_put_u32(&p, declared ? declared : count);
    rrt_buf_put_u32(&p, RRTI_METHOD_STORED);
    rrt_buf_put_u32(&p, (uint32_t)raw.len);
    rrt_buf_put(&p, raw.data, raw.len);
    rb_listed(r, RRT_SEC_EVENTS, RRT_SECF_REQUIRED, p.data, p.len, first);
    r->nevents = first + count;
    rrt_buf_free(&raw);
    rrt_buf_free(&p);
}

static void rb_meta(rb *r, const char *const *kv, size_t n)
{
    rrt_buf p;
    rrt_buf_init(&p);
    rrt_buf_put_varint(&p, n);
    for (size_t i = 0; i < 2 * n; i++)
        rrt_buf_put_lenbytes(&p, kv[i], strlen(kv[i]));
    rb_listed(r, RRT_SEC_META, 0, p.data, p.len, 0);
    rrt_buf_free(&p);
}

/* Index (from the builder's tables, or `raw` verbatim) and footer. */
static uint64_t rb_finish_raw(rb *r, const rrt_buf *raw)
{
    uint64_t at =
        rb_section(r, RRT_SEC_INDEX, RRT_SECF_REQUIRED, raw->data, raw->len);
    uint8_t foot[RRTI_FOOTER_SIZE];
    rrti_encode_footer(foot, r->b.data, at, r->b.len - at);
    rrt_buf_put(&r->b, foot, sizeof(foot));
    return at;
}

static uint64_t rb_finish(rb *r)
{
    rrt_buf p;
    rrt_buf_init(&p);
    rrti_encode_index(&p, r->secs, r->nsec, r->blobs, r->nblob, r->nevents);
    uint64_t at = rb_finish_raw(r, &p);
    rrt_buf_free(&p);
    return at;
}

/* Index with blob entries in the given order (no sorting). */
static uint64_t rb_finish_unsorted(rb *r)
{
    rrt_buf p;
    rrt_buf_init(&p);
    rrt_buf_put_u64(&p, r->nsec);
    rrt_buf_put_u64(&p, r->nblob);
    rrt_buf_put_u64(&p, r->nevents);
    for (size_t i = 0; i < r->nsec; i++) {
        rrt_buf_put_u32(&p, r->secs[i].type);
        rrt_buf_put_u32(&p, r->secs[i].flags);
        rrt_buf_put_u64(&p, r->secs[i].offset);
        rrt_buf_put_u64(&p, r->secs[i].length);
        rrt_buf_put_u64(&p, r->secs[i].aux);
    }
    for (size_t i = 0; i < r->nblob; i++) {
        rrt_buf_put(&p, r->blobs[i].id.bytes, 16);
        rrt_buf_put_u64(&p, r->blobs[i].offset);
        rrt_buf_put_u64(&p, r->blobs[i].size);
    }
    uint64_t at = rb_finish_raw(r, &p);
    rrt_buf_free(&p);
    return at;
}

/* Rewrites the footer (with a valid checksum) to point elsewhere. */
static void rb_set_footer(rb *r, uint64_t index_off, uint64_t index_size)
{
    rrti_encode_footer(r->b.data + r->b.len - RRTI_FOOTER_SIZE, r->b.data,
                       index_off, index_size);
}

/* A small valid body: one blob and its file. */
static rrt_blob_id rb_basic(rb *r)
{
    static const char txt[] = "hostile corpus base blob\n";
    rrt_blob_id id = rb_blob(r, txt, sizeof(txt) - 1, 4096, NULL);
    rb_file(r, "/f/0", RRT_FILE_HAS_BLOB, &id, sizeof(txt) - 1);
    return id;
}

/* ------------------------------------------------------------------ */
/* Cases                                                              */

static void c_huge_section_length(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    rb_finish(r);
    /* The BLOB descriptor now declares 2^40 payload bytes. */
    rrti_put_u64(r->b.data + r->blobs[0].offset + 8, (uint64_t)1 << 40);
}

static void c_huge_listed_length(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    r->secs[0].length = (uint64_t)1 << 62;
    rb_finish(r);
}

static void c_index_count_overflow(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    /* S = B = 2^61: S*32 + B*32 wraps to 0 in 64 bits. */
    rrt_buf p;
    rrt_buf_init(&p);
    rrt_buf_put_u64(&p, (uint64_t)1 << 61);
    rrt_buf_put_u64(&p, (uint64_t)1 << 61);
    rrt_buf_put_u64(&p, 0);
    rb_finish_raw(r, &p);
    rrt_buf_free(&p);
}

static void c_section_past_eof(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    r->secs[0].offset = 1u << 20;
    rb_finish(r);
}

static void c_blob_past_eof(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    r->blobs[0].offset = 1u << 30;
    rb_finish(r);
}

static void c_overlapping_sections(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    rb_file(r, "/f/1", RRT_FILE_EXTERNAL, NULL, 1);
    r->secs[1].offset = r->secs[0].offset + 8;
    rb_finish(r);
}

static void c_index_lists_itself(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    /* An entry at the index's own offset, with the index's length. */
    rb_list(r, RRT_SEC_META, 0, r->b.len, 24 + 2 * 32, 0);
    rb_finish(r);
}

static void c_footer_past_eof(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    rb_finish(r);
    rb_set_footer(r, r->b.len + 100, 48);
}

static void c_footer_into_itself(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    rb_finish(r);
    uint64_t at = r->b.len - RRTI_FOOTER_SIZE;
    rb_set_footer(r, at, 0);
}

static void c_duplicate_blob_ids(rb *r)
{
    rb_init(r, 1, 0);
    rrt_blob_id id = rb_basic(r);
    /* A second descriptor for the same id (same bytes again). */
    static const char txt[] = "hostile corpus base blob\n";
    rb_blob(r, txt, sizeof(txt) - 1, 4096, &id);
    rb_finish(r);
}

static void c_unsorted_blob_ids(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    rb_blob(r, "other", 5, 4096, NULL);
    rb_blob(r, "third", 5, 4096, NULL);
    if (rrt_blob_id_cmp(&r->blobs[0].id, &r->blobs[1].id) < 0) {
        rrti_index_blob t = r->blobs[0];
        r->blobs[0] = r->blobs[1];
        r->blobs[1] = t;
    }
    rb_finish_unsorted(r);
}

static void c_blob_id_mismatch(rb *r)
{
    rb_init(r, 1, 0);
    rrt_blob_id fake;
    rrt_blob_id_of("something else", 14, &fake);
    static const char txt[] = "content that is not what the id says";
    rb_blob(r, txt, sizeof(txt) - 1, 4096, &fake);
    rb_finish(r);
}

static void c_chunk_too_big(rb *r)
{
    rb_init(r, 1, 0);
    /* A 16 MiB blob in one chunk whose CHNK declares 16 MiB + 1. */
    uint8_t c[16] = {0};
    rrti_put_u32(c + 4, RRTI_MAX_RAW + 1);
    uint64_t ch = rb_section(r, RRT_SEC_CHUNK, RRT_SECF_REQUIRED, c, 16);
    rrt_blob_id id;
    rrt_blob_id_of("x", 1, &id);
    rrt_buf d;
    rrt_buf_init(&d);
    rrt_buf_put(&d, id.bytes, 16);
    rrt_buf_put_u64(&d, RRTI_MAX_RAW);
    rrt_buf_put_u32(&d, RRTI_MAX_RAW);
    rrt_buf_put_u32(&d, 1);
    rrt_buf_put_u64(&d, ch);
    rrt_buf_put_u64(&d, 0);
    uint64_t at = rb_section(r, RRT_SEC_BLOB, RRT_SECF_REQUIRED, d.data, d.len);
    rrt_buf_free(&d);
    r->blobs[r->nblob++] = (rrti_index_blob){id, at, RRTI_MAX_RAW};
    rb_finish(r);
}

/* A chunk declaring 4096 raw bytes whose brotli stream holds 1 MiB. */
static void c_brotli_bomb(rb *r)
{
    rb_init(r, 1, 0);
    size_t big = 1u << 20;
    uint8_t *zeros = calloc(1, big);
    uint8_t *z;
    size_t zn;
    uint8_t method;
    assert_int_equal(rrti_compress(9, zeros, big, &z, &zn, &method), RRT_OK);
    assert_int_equal(method, RRTI_METHOD_BROTLI);
    rrt_buf c;
    rrt_buf_init(&c);
    rrt_buf_put_u32(&c, RRTI_METHOD_BROTLI);
    rrt_buf_put_u32(&c, 4096);
    rrt_buf_put(&c, z, zn);
    uint64_t ch =
        rb_section(r, RRT_SEC_CHUNK, RRT_SECF_REQUIRED, c.data, c.len);
    rrt_buf_free(&c);
    rrt_blob_id id;
    rrt_blob_id_of(zeros, 4096, &id);
    rrt_buf d;
    rrt_buf_init(&d);
    rrt_buf_put(&d, id.bytes, 16);
    rrt_buf_put_u64(&d, 4096);
    rrt_buf_put_u32(&d, 4096);
    rrt_buf_put_u32(&d, 1);
    rrt_buf_put_u64(&d, ch);
    rrt_buf_put_u64(&d, XXH3_64bits(zeros, 4096));
    uint64_t at = rb_section(r, RRT_SEC_BLOB, RRT_SECF_REQUIRED, d.data, d.len);
    rrt_buf_free(&d);
    r->blobs[r->nblob++] = (rrti_index_blob){id, at, 4096};
    rb_finish(r);
    free(z);
    free(zeros);
}

static void c_brotli_junk(rb *r)
{
    rb_init(r, 1, 0);
    uint8_t text[4096];
    for (size_t i = 0; i < sizeof(text); i++)
        text[i] = (uint8_t)("abc"[i % 3]);
    uint8_t *z;
    size_t zn;
    uint8_t method;
    assert_int_equal(rrti_compress(5, text, sizeof(text), &z, &zn, &method),
                     RRT_OK);
    rrt_buf c;
    rrt_buf_init(&c);
    rrt_buf_put_u32(&c, RRTI_METHOD_BROTLI);
    rrt_buf_put_u32(&c, sizeof(text));
    rrt_buf_put(&c, z, zn);
    rrt_buf_put(&c, "JUNK", 4);
    uint64_t ch =
        rb_section(r, RRT_SEC_CHUNK, RRT_SECF_REQUIRED, c.data, c.len);
    rrt_buf_free(&c);
    free(z);
    rrt_blob_id id;
    rrt_blob_id_of(text, sizeof(text), &id);
    rrt_buf d;
    rrt_buf_init(&d);
    rrt_buf_put(&d, id.bytes, 16);
    rrt_buf_put_u64(&d, sizeof(text));
    rrt_buf_put_u32(&d, 4096);
    rrt_buf_put_u32(&d, 1);
    rrt_buf_put_u64(&d, ch);
    rrt_buf_put_u64(&d, XXH3_64bits(text, sizeof(text)));
    uint64_t at = rb_section(r, RRT_SEC_BLOB, RRT_SECF_REQUIRED, d.data, d.len);
    rrt_buf_free(&d);
    r->blobs[r->nblob++] = (rrti_index_blob){id, at, sizeof(text)};
    rb_finish(r);
}

static void c_unknown_chunk_method(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    /* First chunk: method byte 7. */
    uint64_t chunk = RRTI_HEADER_SIZE;
    r->b.data[chunk + 16] = 7;
    rb_reseal(r, chunk);
    rb_finish(r);
}

/* Method 2 (x86 filter) in an archive whose header does not declare
 * X86_FILTER: a 1.0 reader would fail here mid-read, so it is corrupt. */
static void c_x86_method_without_flag(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    uint64_t chunk = RRTI_HEADER_SIZE;
    r->b.data[chunk + 16] = RRTI_METHOD_BROTLI_X86;
    rb_reseal(r, chunk);
    rb_finish(r);
}

/* Shared chunks (spec 3.2.1): valid pieces read back; hostile ones do
 * not. */
static void c_pieces_ok(rb *r)
{
    rb_init(r, 1, RRT_HFLAG_SHARED_CHUNKS);
    rb_pieces(r, 1, 3, false);
    rb_finish(r);
}

static void c_piece_without_flag(rb *r)
{
    rb_init(r, 1, 0);
    rb_pieces(r, 1, 3, false);
    rb_finish(r);
}

static void c_piece_outside_chunk(rb *r)
{
    rb_init(r, 1, RRT_HFLAG_SHARED_CHUNKS);
    rb_pieces(r, 1, 5, false); /* [5, 9) in a 7-byte chunk */
    rb_finish(r);
}

static void c_piece_two_chunks(rb *r)
{
    rb_init(r, 1, RRT_HFLAG_SHARED_CHUNKS);
    rb_pieces(r, 2, 3, true);
    rb_finish(r);
}

static void c_piece_huge_offset(rb *r)
{
    rb_init(r, 1, RRT_HFLAG_SHARED_CHUNKS);
    rb_pieces(r, 1, UINT64_MAX - 1, false); /* offset + size overflows */
    rb_finish(r);
}

static void c_chunk_after_descriptor(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    /* Point the descriptor's chunk at the FILE section after it. */
    uint8_t *desc = r->b.data + r->blobs[0].offset;
    rrti_put_u64(desc + 16 + 32, r->secs[0].offset);
    rb_reseal(r, r->blobs[0].offset);
    rb_finish(r);
}

static void c_evts_count_too_big(rb *r)
{
    rb_init(r, 1, 0);
    rb_events(r, 0, 5, 100); /* 100 events declared in 15 bytes */
    rb_finish(r);
}

static void c_evts_not_contiguous(rb *r)
{
    rb_init(r, 1, 0);
    rb_events(r, 0, 2, 0);
    rb_events(r, 5, 2, 0);
    rb_finish(r);
}

static void c_evts_index_count(rb *r)
{
    rb_init(r, 1, 0);
    rb_events(r, 0, 2, 0);
    r->nevents = 5;
    rb_finish(r);
}

static void c_meta_unsorted(rb *r)
{
    rb_init(r, 1, 0);
    static const char *const kv[] = {"tool", "x", "argv", "y"};
    rb_meta(r, kv, 2);
    rb_finish(r);
}

static void c_cpid_huge_count(rb *r)
{
    rb_init(r, 1, 0);
    rrt_buf p;
    rrt_buf_init(&p);
    rrt_buf_put(&p, "GenuineIntel", 12);
    rrt_buf_put_u32(&p, 0);
    rrt_buf_put_u64(&p, 0);
    rrt_buf_put_varint(&p, 0);        /* mask name */
    rrt_buf_put_varint(&p, 1u << 20); /* records */
    uint8_t rec[28] = {0};
    for (int i = 0; i < 4; i++)
        rrt_buf_put(&p, rec, sizeof(rec));
    rb_listed(r, RRT_SEC_CPUID, RRT_SECF_REQUIRED, p.data, p.len, 0);
    rrt_buf_free(&p);
    rb_finish(r);
}

/* CPUID sites (spec 3.8): one optional CSIT section whose payload the
 * case writes; entries use keys 0x11.. and 0x22.. (the reader does not
 * hash code, so any key will do). */
static void rb_csit(rb *r, const rrt_buf *p)
{
    rb_listed(r, RRT_SEC_CPUID_SITES, 0, p->data, p->len, 0);
}

static void put_csit_entry(rrt_buf *p, uint8_t key, uint64_t len,
                           const uint64_t *deltas, uint64_t n, size_t given)
{
    uint8_t k[16];
    memset(k, key, sizeof(k));
    rrt_buf_put(p, k, 16);
    rrt_buf_put_varint(p, len);
    rrt_buf_put_varint(p, n);
    for (size_t i = 0; i < given; i++)
        rrt_buf_put_varint(p, deltas[i]);
}

static void csit_case(rb *r, uint8_t key2, uint64_t count, uint64_t len2,
                      uint64_t d1, uint64_t n2, bool trailing)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    rrt_buf p;
    rrt_buf_init(&p);
    rrt_buf_put_varint(&p, count);
    const uint64_t d[2] = {5, d1};
    put_csit_entry(&p, 0x11, 20, d, 2, 2);
    put_csit_entry(&p, key2, len2, NULL, n2, 0);
    if (trailing)
        rrt_buf_put_u8(&p, 0);
    rb_csit(r, &p);
    rrt_buf_free(&p);
    rb_finish(r);
}

static void c_csit_ok(rb *r)
{
    csit_case(r, 0x22, 2, 6, 12, 0, false);
}

static void c_csit_unsorted_keys(rb *r)
{
    csit_case(r, 0x11, 2, 6, 12, 0, false);
}

static void c_csit_site_past_code(rb *r)
{
    csit_case(r, 0x22, 2, 6, 14, 0, false); /* 5 + 14 = 19 > 20 - 2 */
}

static void c_csit_overlapping_sites(rb *r)
{
    csit_case(r, 0x22, 2, 6, 1, 0, false);
}

static void c_csit_huge_count(rb *r)
{
    csit_case(r, 0x22, (uint64_t)1 << 40, 6, 12, 0, false);
}

static void c_csit_huge_sites(rb *r)
{
    csit_case(r, 0x22, 2, (uint64_t)1 << 41, 12, (uint64_t)1 << 40, false);
}

static void c_csit_trailing_bytes(rb *r)
{
    csit_case(r, 0x22, 2, 6, 12, 0, true);
}

static void c_file_unknown_flags(rb *r)
{
    rb_init(r, 1, 0);
    rb_file(r, "/f/x", RRT_FILE_EXTERNAL | 0x80, NULL, 1);
    rb_finish(r);
}

static void c_file_missing_blob(rb *r)
{
    rb_init(r, 1, 0);
    rrt_blob_id id;
    rrt_blob_id_of("never stored", 12, &id);
    rb_file(r, "/f/0", RRT_FILE_HAS_BLOB, &id, 12);
    rb_finish(r);
}

static void c_index_lists_chunk(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    rb_list(r, RRT_SEC_CHUNK, RRT_SECF_REQUIRED, RRTI_HEADER_SIZE,
            rrti_get_u64(r->b.data + RRTI_HEADER_SIZE + 8), 0);
    /* Keep entries in offset order. */
    rrt_section_info t = r->secs[0];
    r->secs[0] = r->secs[1];
    r->secs[1] = t;
    rb_finish(r);
}

static void c_unknown_required_type(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    rb_listed(r, RRT_FOURCC('Z', 'Z', 'Z', 'Z'), RRT_SECF_REQUIRED, "new", 3,
              0);
    rb_finish(r);
}

static void c_unknown_optional_type(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    rb_listed(r, RRT_FOURCC('Z', 'Z', 'Z', 'Z'), 0, "new", 3, 0);
    rb_finish(r);
}

static void c_major_2(rb *r)
{
    rb_init(r, 2, 0);
    rb_basic(r);
    rb_finish(r);
}

static void c_incompatible_flag(rb *r)
{
    /* Bits 16 and 17 (X86_FILTER, SHARED_CHUNKS) are known since 1.1. */
    rb_init(r, 1, 0x00040000u);
    rb_basic(r);
    rb_finish(r);
}

static void c_crlf_mangled(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    rb_finish(r);
    /* CR LF -> LF in the magic: one byte shorter, everything shifted. */
    memmove(r->b.data + 4, r->b.data + 5, r->b.len - 5);
    r->b.len--;
}

static void c_high_bit_stripped(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    rb_finish(r);
    r->b.data[0] &= 0x7f;
}

static void c_empty_file(rb *r)
{
    memset(r, 0, sizeof(*r));
    rrt_buf_init(&r->b);
}

static void c_text_file(rb *r)
{
    memset(r, 0, sizeof(*r));
    rrt_buf_init(&r->b);
    for (int i = 0; i < 20; i++)
        rrt_buf_put(&r->b, "this is a text file, not an archive\r\n", 37);
}

static void c_no_footer(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    rb_finish(r);
    r->b.len -= 1;
}

static void c_footer_checksum(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    rb_finish(r);
    r->b.data[r->b.len - 32] ^= 1;
}

static void c_section_checksum(rb *r)
{
    rb_init(r, 1, 0);
    rb_basic(r);
    rb_finish(r);
    /* A byte of the FILE's path, checksum left stale. */
    r->b.data[r->secs[0].offset + 16 + 60] ^= 0x20;
}

typedef struct hcase {
    const char *name;
    void (*build)(rb *r);
    rrt_status status;
    const char *level;
    const char *message;
} hcase;

static const hcase cases[] = {
    {"huge_section_length.rrt", c_huge_section_length, RRT_E_LIMIT, "read",
     "declares 1099511627776 payload bytes (limit 1073741824)"},
    {"huge_listed_length.rrt", c_huge_listed_length, RRT_E_CORRUPT, "open",
     "lies outside the body"},
    {"index_count_overflow.rrt", c_index_count_overflow, RRT_E_CORRUPT, "open",
     "cannot hold 2305843009213693952 sections"},
    {"section_past_eof.rrt", c_section_past_eof, RRT_E_CORRUPT, "open",
     "lies outside the body"},
    {"blob_past_eof.rrt", c_blob_past_eof, RRT_E_CORRUPT, "open",
     "outside the body"},
    {"overlapping_sections.rrt", c_overlapping_sections, RRT_E_CORRUPT, "open",
     "overlaps another section"},
    {"index_lists_itself.rrt", c_index_lists_itself, RRT_E_CORRUPT, "open",
     "lies outside the body"},
    {"footer_past_eof.rrt", c_footer_past_eof, RRT_E_CORRUPT, "open",
     "outside the file"},
    {"footer_into_itself.rrt", c_footer_into_itself, RRT_E_CORRUPT, "open",
     "less than the smallest index"},
    {"duplicate_blob_ids.rrt", c_duplicate_blob_ids, RRT_E_CORRUPT, "open",
     "duplicate ids"},
    {"unsorted_blob_ids.rrt", c_unsorted_blob_ids, RRT_E_CORRUPT, "open",
     "not sorted"},
    {"blob_id_mismatch.rrt", c_blob_id_mismatch, RRT_E_HASH, "read",
     "content does not match its id"},
    {"chunk_too_big.rrt", c_chunk_too_big, RRT_E_LIMIT, "read",
     "chunk declares 16777217 raw bytes"},
    {"brotli_bomb.rrt", c_brotli_bomb, RRT_E_LIMIT, "read",
     "expands past its declared size of 4096 bytes"},
    {"brotli_junk.rrt", c_brotli_junk, RRT_E_CORRUPT, "read",
     "4 bytes of junk after compressed data"},
    {"unknown_chunk_method.rrt", c_unknown_chunk_method, RRT_E_CORRUPT, "read",
     "unknown compression method 7"},
    {"x86_method_without_flag.rrt", c_x86_method_without_flag, RRT_E_CORRUPT,
     "read", "header does not declare it"},
    {"pieces_ok.rrt", c_pieces_ok, RRT_OK, "ok", ""},
    {"piece_without_flag.rrt", c_piece_without_flag, RRT_E_CORRUPT, "read",
     "header does not declare shared chunks"},
    {"piece_outside_chunk.rrt", c_piece_outside_chunk, RRT_E_CORRUPT, "read",
     "piece [5, +4) lies outside its shared chunk of 7 bytes"},
    {"piece_two_chunks.rrt", c_piece_two_chunks, RRT_E_CORRUPT, "read",
     "piece descriptor lists 2 chunks in 64 bytes, expected 1 in 56"},
    {"piece_huge_offset.rrt", c_piece_huge_offset, RRT_E_CORRUPT, "read",
     "lies past any chunk's end"},
    {"chunk_after_descriptor.rrt", c_chunk_after_descriptor, RRT_E_CORRUPT,
     "read", "is not before its descriptor"},
    {"evts_count_too_big.rrt", c_evts_count_too_big, RRT_E_CORRUPT, "read",
     "declares 100 events in 15 bytes"},
    {"evts_not_contiguous.rrt", c_evts_not_contiguous, RRT_E_CORRUPT, "read",
     "starts at event 5, expected 2"},
    {"evts_index_count.rrt", c_evts_index_count, RRT_E_CORRUPT, "read",
     "event stream holds 2 events, index says 5"},
    {"meta_unsorted.rrt", c_meta_unsorted, RRT_E_CORRUPT, "read",
     "metadata keys are not strictly increasing"},
    {"cpid_huge_count.rrt", c_cpid_huge_count, RRT_E_CORRUPT, "read",
     "CPUID manifest: bad records"},
    {"csit_ok.rrt", c_csit_ok, RRT_OK, "ok", ""},
    {"csit_unsorted_keys.rrt", c_csit_unsorted_keys, RRT_E_CORRUPT, "sites",
     "CPUID sites: entry 1: keys are not strictly increasing"},
    {"csit_site_past_code.rrt", c_csit_site_past_code, RRT_E_CORRUPT, "sites",
     "entry 0: site 1 (delta 14) overlaps the previous one or lies past the "
     "code's 20 bytes"},
    {"csit_overlapping_sites.rrt", c_csit_overlapping_sites, RRT_E_CORRUPT,
     "sites", "entry 0: site 1 (delta 1) overlaps the previous one"},
    {"csit_huge_count.rrt", c_csit_huge_count, RRT_E_CORRUPT, "sites",
     "CPUID sites: bad entry count 1099511627776"},
    {"csit_huge_sites.rrt", c_csit_huge_sites, RRT_E_CORRUPT, "sites",
     "entry 1: 1099511627776 sites cannot fit"},
    {"csit_trailing_bytes.rrt", c_csit_trailing_bytes, RRT_E_CORRUPT, "sites",
     "CPUID sites: 1 bytes after the last entry"},
    {"file_unknown_flags.rrt", c_file_unknown_flags, RRT_E_CORRUPT, "read",
     "unknown flags 0x82"},
    {"file_missing_blob.rrt", c_file_missing_blob, RRT_E_CORRUPT, "read",
     "which is not in the archive"},
    {"index_lists_chunk.rrt", c_index_lists_chunk, RRT_E_CORRUPT, "open",
     "lists a CHNK section"},
    {"unknown_required_type.rrt", c_unknown_required_type, RRT_E_UNSUPPORTED,
     "open", "requires section type ZZZZ"},
    {"unknown_optional_type.rrt", c_unknown_optional_type, RRT_OK, "ok", ""},
    {"major_2.rrt", c_major_2, RRT_E_VERSION, "open",
     "format 2.0, this rrt reads 1.x"},
    {"incompatible_flag.rrt", c_incompatible_flag, RRT_E_UNSUPPORTED, "open",
     "header flags 0x00040000"},
    {"crlf_mangled.rrt", c_crlf_mangled, RRT_E_NOT_ARCHIVE, "open",
     "text-mode transfer"},
    {"high_bit_stripped.rrt", c_high_bit_stripped, RRT_E_NOT_ARCHIVE, "open",
     "7-bit transfer"},
    {"empty_file.rrt", c_empty_file, RRT_E_NOT_ARCHIVE, "open",
     "not an rrt archive"},
    {"text_file.rrt", c_text_file, RRT_E_NOT_ARCHIVE, "open",
     "not an rrt archive"},
    {"no_footer.rrt", c_no_footer, RRT_E_TRUNCATED, "open", "rrt recover"},
    {"footer_checksum.rrt", c_footer_checksum, RRT_E_CHECKSUM, "open",
     "footer checksum mismatch"},
    {"section_checksum.rrt", c_section_checksum, RRT_E_CHECKSUM, "read",
     "section FILE: checksum mismatch"},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* ------------------------------------------------------------------ */
/* Probing                                                            */

/* Opens and reads everything; the first failure wins. */
static rrt_status probe(const char *path, const char **level, rrt_error *err)
{
    rrt_reader *r;
    memset(err, 0, sizeof(*err));
    rrt_status st = rrt_reader_open(path, &r, err);
    *level = "open";
    if (st != RRT_OK)
        return st;
    *level = "read";
    for (size_t i = 0; i < rrt_reader_blob_count(r) && st == RRT_OK; i++) {
        rrt_blob_id id;
        rrt_reader_blob(r, i, &id, NULL);
        uint8_t *d;
        size_t n;
        st = rrt_reader_read_blob(r, &id, 64u << 20, &d, &n, err);
        if (st == RRT_OK)
            free(d);
    }
    for (size_t i = 0; i < rrt_reader_file_count(r) && st == RRT_OK; i++) {
        rrt_file_entry e;
        st = rrt_reader_file(r, i, &e, err);
        rrt_file_entry_clear(&e);
    }
    if (st == RRT_OK) {
        rrt_event_iter *it;
        st = rrt_event_iter_open(r, 0, &it, err);
        rrt_event ev;
        while (st == RRT_OK)
            st = rrt_event_iter_next(it, &ev, err);
        if (st == RRT_END)
            st = RRT_OK;
        rrt_event_iter_close(it);
    }
    if (st == RRT_OK) {
        rrt_cpuid_manifest m;
        st = rrt_reader_cpuid(r, &m, err);
        rrt_cpuid_manifest_clear(&m);
        if (st == RRT_E_NOT_FOUND)
            st = RRT_OK;
    }
    if (st == RRT_OK) {
        const rrt_meta_entry *m;
        size_t n;
        st = rrt_reader_meta(r, &m, &n, err);
    }
    if (st == RRT_OK) {
        rrt_cpuid_sites *t;
        *level = "sites";
        st = rrt_reader_cpuid_sites(r, &t, err);
        rrt_cpuid_sites_free(t);
    }
    rrt_reader_close(r);
    if (st == RRT_OK)
        *level = "ok";
    return st;
}

static int write_bytes(const char *path, const rrt_buf *b)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    ssize_t k = b->len ? write(fd, b->data, b->len) : 0;
    close(fd);
    return k == (ssize_t)b->len ? 0 : -1;
}

static char g_dir[64];

static void test_hostile_files_are_rejected_as_expected(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < NCASES; i++) {
        const hcase *c = &cases[i];
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", g_dir, c->name);
        rb r;
        c->build(&r);
        assert_int_equal(write_bytes(path, &r.b), 0);
        rrt_buf_free(&r.b);
        const char *level;
        rrt_error err;
        rrt_status st = probe(path, &level, &err);
        if (st != c->status || strcmp(level, c->level) != 0 ||
            (c->status != RRT_OK &&
             (!strstr(err.message, c->message) || !strstr(err.message, path) ||
              strchr(err.message, '\n')))) {
            print_error("%s: expected %s at %s with \"%s\", got %s at %s: "
                        "%s\n",
                        c->name, rrt_status_name(c->status), c->level,
                        c->message, rrt_status_name(st), level, err.message);
            bad++;
        }
        /* verify agrees: damaged is damaged, good is good. */
        rrt_verify_report rep;
        rrt_status vs = rrt_verify_archive(path, NULL, NULL, &rep, &err);
        if ((vs == RRT_OK) != (c->status == RRT_OK) ||
            (vs == RRT_OK) != (rep.problems == 0)) {
            print_error("%s: verify says %s with %llu problems (%s)\n", c->name,
                        rrt_status_name(vs), (unsigned long long)rep.problems,
                        err.message);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* Recovery must not turn an archive that needs features unknown to this
 * rrt (incompatible header flags) into one that claims plain 1.0. */
static void test_recover_refuses_unknown_incompatible_flags(void **state)
{
    (void)state;
    char in[256], out[256];
    snprintf(in, sizeof(in), "%s/incompat.rrt", g_dir);
    snprintf(out, sizeof(out), "%s/incompat.out.rrt", g_dir);
    rb r;
    c_incompatible_flag(&r);
    r.b.len -= 1; /* an interrupted write: no footer */
    assert_int_equal(write_bytes(in, &r.b), 0);
    rrt_buf_free(&r.b);
    rrt_writer_options o;
    rrt_writer_options_init(&o);
    o.no_sync = true;
    rrt_error err;
    rrt_status st = rrt_recover(in, out, &o, NULL, &err);
    assert_int_equal(st, RRT_E_UNSUPPORTED);
    assert_non_null(strstr(err.message, "header flags 0x00040000"));
    assert_int_equal(access(out, F_OK), -1);
}

/* Recovery of the other header failures. */
static void test_recover_rejects_bad_headers(void **state)
{
    (void)state;
    char in[256], out[256];
    snprintf(in, sizeof(in), "%s/hdr.rrt", g_dir);
    snprintf(out, sizeof(out), "%s/hdr.out.rrt", g_dir);
    const struct {
        void (*build)(rb *r);
        rrt_status st;
        const char *msg;
    } c[] = {
        {c_major_2, RRT_E_VERSION, "format 2.0, this rrt reads 1.x"},
        {c_text_file, RRT_E_NOT_ARCHIVE, "not an rrt archive"},
        {c_empty_file, RRT_E_NOT_ARCHIVE, "not an rrt archive"},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        rb r;
        c[i].build(&r);
        assert_int_equal(write_bytes(in, &r.b), 0);
        rrt_buf_free(&r.b);
        rrt_error err;
        assert_int_equal(rrt_recover(in, out, NULL, NULL, &err), c[i].st);
        assert_non_null(strstr(err.message, c[i].msg));
        assert_non_null(strstr(err.message, in));
        assert_int_equal(access(out, F_OK), -1);
    }
}

/* A chunk no descriptor uses is reported but is not damage (spec 8). */
static void test_orphan_chunk_is_reported_not_damage(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof(path), "%s/orphan.rrt", g_dir);
    rb r;
    rb_init(&r, 1, 0);
    uint8_t c[8 + 5] = {0};
    rrti_put_u32(c + 4, 5);
    memcpy(c + 8, "lost!", 5);
    rb_section(&r, RRT_SEC_CHUNK, RRT_SECF_REQUIRED, c, sizeof(c));
    rb_basic(&r);
    rb_finish(&r);
    assert_int_equal(write_bytes(path, &r.b), 0);
    rrt_buf_free(&r.b);
    rrt_verify_report rep;
    rrt_error err;
    assert_int_equal(rrt_verify_archive(path, NULL, NULL, &rep, &err), RRT_OK);
    assert_int_equal(rep.orphan_chunks, 1);
    assert_int_equal(rep.problems, 0);
    assert_int_equal(rep.blobs_checked, 1);
    assert_int_equal(rep.sections, 4);
}

/* verify reads each chunk once, through its blob, so the chunks no blob
 * reads need their own check: a damaged orphan chunk is damage. */
static void test_damaged_orphan_chunk_is_found(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof(path), "%s/orphan-bad.rrt", g_dir);
    rb r;
    rb_init(&r, 1, 0);
    uint8_t c[8 + 5] = {0};
    rrti_put_u32(c + 4, 5);
    memcpy(c + 8, "lost!", 5);
    uint64_t at =
        rb_section(&r, RRT_SEC_CHUNK, RRT_SECF_REQUIRED, c, sizeof(c));
    rb_basic(&r);
    rb_finish(&r);
    r.b.data[at + RRTI_SECTION_HEADER + 8] ^= 1; /* "lost!" -> "most!" */
    assert_int_equal(write_bytes(path, &r.b), 0);
    rrt_buf_free(&r.b);
    rrt_verify_report rep;
    rrt_error err;
    assert_int_equal(rrt_verify_archive(path, NULL, NULL, &rep, &err),
                     RRT_E_CHECKSUM);
    assert_int_equal(rep.problems, 1);
    assert_int_equal(rep.blobs_checked, 1);
    char want[64];
    snprintf(want, sizeof(want), "checksum mismatch at offset %llu",
             (unsigned long long)at);
    assert_non_null(strstr(err.message, want));
}

/* A chunk whose length field is damaged sends the scan into the middle of
 * the next section; verify still names the chunk, not where the scan got
 * lost. */
static void test_damaged_chunk_length_names_the_chunk(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof(path), "%s/chunk-len.rrt", g_dir);
    rb r;
    rb_init(&r, 1, 0);
    rb_basic(&r);
    rb_finish(&r);
    uint64_t chunk = RRTI_HEADER_SIZE;
    r.b.data[chunk + 8] += 3; /* payload length L -> L + 3 */
    assert_int_equal(write_bytes(path, &r.b), 0);
    rrt_buf_free(&r.b);
    rrt_verify_report rep;
    rrt_error err;
    assert_int_equal(rrt_verify_archive(path, NULL, NULL, &rep, &err),
                     RRT_E_CHECKSUM);
    char want[64];
    snprintf(want, sizeof(want),
             "section CHNK: checksum mismatch at offset %llu",
             (unsigned long long)chunk);
    if (!strstr(err.message, want))
        fail_msg("first problem: %s", err.message);
}

static void test_non_files_are_rejected(void **state)
{
    (void)state;
    rrt_reader *r;
    rrt_error err;
    assert_int_equal(rrt_reader_open(g_dir, &r, &err), RRT_E_INVALID);
    assert_non_null(strstr(err.message, "not a regular file"));
    char path[256];
    snprintf(path, sizeof(path), "%s/no-such.rrt", g_dir);
    assert_int_equal(rrt_reader_open(path, &r, &err), RRT_E_NOT_FOUND);
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, strerror(ENOENT)));
    assert_int_equal(err.sys_errno, ENOENT);
    rrt_verify_report rep;
    assert_int_equal(rrt_verify_archive(path, NULL, NULL, &rep, &err),
                     RRT_E_NOT_FOUND);
    assert_int_equal(rep.problems, 1);
}

static int write_corpus(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/EXPECTED", dir);
    FILE *ex = fopen(path, "w");
    if (!ex)
        return 1;
    fprintf(ex, "# Generated by test_hostile --write (tests/gen_hostile.c)."
                " Do not edit.\n"
                "# FILE\tSTATUS\tLEVEL\tMESSAGE-SUBSTRING\n");
    for (size_t i = 0; i < NCASES; i++) {
        rb r;
        cases[i].build(&r);
        snprintf(path, sizeof(path), "%s/%s", dir, cases[i].name);
        int rc = write_bytes(path, &r.b);
        rrt_buf_free(&r.b);
        if (rc != 0)
            return 1;
        fprintf(ex, "%s\t%s\t%s\t%s\n", cases[i].name,
                rrt_status_name(cases[i].status), cases[i].level,
                cases[i].message);
    }
    return fclose(ex) == 0 ? 0 : 1;
}

static const char *g_compare;

/* The committed corpus is exactly what the generator writes. */
static void test_committed_corpus_is_current(void **state)
{
    (void)state;
    assert_int_equal(write_corpus(g_dir), 0);
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "diff -r '%s' '%s' >&2", g_dir, g_compare);
    if (system(cmd) != 0)
        fail_msg("%s differs from the generator: run test_hostile --write "
                 "%s",
                 g_compare, g_compare);
}

static int setup(void **state)
{
    (void)state;
    strcpy(g_dir, "/tmp/rrt_hostile_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0)
        return write_corpus(argv[2]);
    if (argc == 3 && strcmp(argv[1], "--compare") == 0) {
        g_compare = argv[2];
        const struct CMUnitTest t[] = {
            cmocka_unit_test(test_committed_corpus_is_current)};
        return cmocka_run_group_tests(t, setup, teardown);
    }
    if (argc == 2 && strcmp(argv[1], "--known-bugs") == 0) {
        const struct CMUnitTest t[] = {
            cmocka_unit_test(test_recover_refuses_unknown_incompatible_flags)};
        return cmocka_run_group_tests(t, setup, teardown);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_files_are_rejected_as_expected),
        cmocka_unit_test(test_recover_rejects_bad_headers),
        cmocka_unit_test(test_orphan_chunk_is_reported_not_damage),
        cmocka_unit_test(test_damaged_orphan_chunk_is_found),
        cmocka_unit_test(test_damaged_chunk_length_names_the_chunk),
        cmocka_unit_test(test_non_files_are_rejected),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
