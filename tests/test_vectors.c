/* Golden archives (spec/vectors/): the writer must reproduce them byte for
 * byte from fixed inputs and options.
 *   test_vectors VECTORS_DIR             compare (the ctest)
 *   test_vectors --regenerate OUT_DIR    write the golden files anew
 * The empty archive is also checked against bytes built from the tables of
 * spec/format.md, independently of the writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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

static const char *g_vectors;
static char g_tmp[64];

static rrt_writer_options golden_opts(void)
{
    rrt_writer_options o;
    rrt_writer_options_init(&o);
    o.threads = 1;
    o.quality = 5;
    o.chunk_size = 4096;
    o.event_batch = 256;
    o.no_sync = true;
    o.mode = 0644;
    return o;
}

static int check(rrt_status st, const rrt_error *err, const char *what)
{
    if (st == RRT_OK)
        return 0;
    fprintf(stderr, "%s: %s\n", what, err->message);
    return -1;
}

#define TRY(call)                                                              \
    do {                                                                       \
        if (check((call), &err, #call) != 0)                                   \
            goto fail;                                                         \
    } while (0)

static int gen_empty(const char *path)
{
    rrt_writer_options o = golden_opts();
    rrt_writer *w = NULL;
    rrt_error err;
    TRY(rrt_writer_create(path, &o, &w, &err));
    TRY(rrt_writer_finish(w, &err));
    rrt_writer_free(w);
    return 0;
fail:
    rrt_writer_free(w);
    return -1;
}

/* 10000 bytes: text lines, then a stretch of LCG noise (stored raw). */
static void big_content(uint8_t *p, size_t n)
{
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        if (i < 6000) {
            p[i] = (uint8_t)("line of text for a golden blob\n"[i % 31]);
        } else {
            x = x * 1103515245u + 12345u;
            p[i] = (uint8_t)(x >> 16);
        }
    }
}

static int gen_files(const char *path)
{
    rrt_writer_options o = golden_opts();
    rrt_writer *w = NULL;
    rrt_error err;
    static const char hello[] = "hello, rrt\n";
    uint8_t big[10000];
    big_content(big, sizeof(big));
    rrt_blob_id small_id, dup_id, big_id;
    TRY(rrt_writer_create(path, &o, &w, &err));
    TRY(rrt_writer_add_blob(w, hello, sizeof(hello) - 1, &small_id, &err));
    rrt_file_entry e = {0};
    e.path = "/data/hello.txt";
    e.flags = RRT_FILE_HAS_BLOB;
    e.mode = 0100644;
    e.size = sizeof(hello) - 1;
    e.mtime_ns = 1700000000000000000LL;
    e.blob = small_id;
    TRY(rrt_writer_add_file(w, &e, &err));
    /* A second small file: it shares hello's chunk (spec 3.2.1). */
    static const char world[] = "world, rrt\n";
    rrt_blob_id world_id;
    TRY(rrt_writer_add_blob(w, world, sizeof(world) - 1, &world_id, &err));
    e.path = "/data/world.txt";
    e.size = sizeof(world) - 1;
    e.blob = world_id;
    TRY(rrt_writer_add_file(w, &e, &err));
    TRY(rrt_writer_add_blob(w, big, sizeof(big), &big_id, &err));
    e.path = "/data/big.bin";
    e.mode = 0100755;
    e.size = sizeof(big);
    e.mtime_ns = 1700000001500000000LL;
    e.blob = big_id;
    TRY(rrt_writer_add_file(w, &e, &err));
    /* Same content as hello.txt: deduplicated, one blob for two files. */
    TRY(rrt_writer_add_blob(w, hello, sizeof(hello) - 1, &dup_id, &err));
    e.path = "/data/copy of hello.txt";
    e.mode = 0100600;
    e.size = sizeof(hello) - 1;
    e.mtime_ns = -1;
    e.blob = dup_id;
    TRY(rrt_writer_add_file(w, &e, &err));
    rrt_file_entry x = {0};
    x.path = "/usr/lib/x86_64-linux-gnu/libc.so.6";
    x.flags = RRT_FILE_EXTERNAL;
    x.mode = 0100644;
    x.size = 2029592;
    x.mtime_ns = 1690000000123456789LL;
    x.dev = 0x10302;
    x.ino = 4242;
    TRY(rrt_writer_add_file(w, &x, &err));
    TRY(rrt_writer_set_meta(w, "tool", "test_vectors", &err));
    TRY(rrt_writer_finish(w, &err));
    rrt_writer_free(w);
    return 0;
fail:
    rrt_writer_free(w);
    return -1;
}

static int gen_events(const char *path)
{
    rrt_writer_options o = golden_opts();
    rrt_writer *w = NULL;
    rrt_error err;
    rrt_cpuid_record recs[] = {
        {0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69},
        {1, 0, 0, 0x906ea, 0x100800, 0x7ffafbff, 0xbfebfbff},
        {7, 0, RRT_CPUID_SUBLEAF_INDEXED, 0, 0x29c67af, 0, 0xbc000400},
        {0x80000000u, 0, 0, 0x80000008u, 0, 0, 0},
    };
    rrt_cpuid_mask masks[] = {
        {1, 0, 0, 0xffffffff, 0xffffffff, 0xfffffffe, 0xffffffff},
    };
    rrt_cpuid_leaf queried[] = {{0, 0}, {1, 0}, {7, 0}};
    rrt_cpuid_manifest m = {0};
    strcpy(m.vendor, "GenuineIntel");
    strcpy(m.mask_name, "golden");
    m.flags = RRT_CPUID_FAULTING_USED | RRT_CPUID_MASKED;
    m.xcr0 = 0x7;
    m.records = recs;
    m.n_records = 4;
    m.masks = masks;
    m.n_masks = 1;
    TRY(rrt_writer_create(path, &o, &w, &err));
    TRY(rrt_writer_set_cpuid(w, &m, &err));
    TRY(rrt_writer_set_meta(w, "argv", "/bin/true --golden", &err));
    TRY(rrt_writer_set_meta(w, "created", "2026-01-01T00:00:00Z", &err));
    TRY(rrt_writer_set_meta(w, "exit_status", "running", &err));
    TRY(rrt_writer_flush(w, &err));
    for (uint32_t i = 0; i < 40; i++) {
        uint8_t payload[24];
        size_t len = i % 25;
        for (size_t k = 0; k < len; k++)
            payload[k] = (uint8_t)(i * 16 + k);
        TRY(rrt_writer_add_event(w, i % 4, payload, len, &err));
    }
    /* The recorder's second manifest, with the queried leaves. */
    m.flags |= RRT_CPUID_QUERIED_KNOWN;
    m.queried = queried;
    m.n_queried = 3;
    TRY(rrt_writer_set_cpuid(w, &m, &err));
    TRY(rrt_writer_set_meta(w, "exit_status", "0", &err));
    TRY(rrt_writer_finish(w, &err));
    rrt_writer_free(w);
    return 0;
fail:
    rrt_writer_free(w);
    return -1;
}

/* 8192 bytes that look like x86-64 code behind an ELF header: many
 * CALL rel32 to a few targets, whose displacements differ at every call
 * site until the filter makes them absolute. */
static void code_content(uint8_t *p, size_t n, bool elf)
{
    static const uint8_t filler[] = {0x48, 0x89, 0xdf, 0x31, 0xc0,
                                     0x48, 0x83, 0xc4, 0x08};
    uint32_t x = 777;
    size_t i = 0;
    memset(p, 0, n);
    if (elf) {
        static const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
        memcpy(p, ident, sizeof(ident));
        rrti_put_u16(p + 16, 3);  /* ET_DYN */
        rrti_put_u16(p + 18, 62); /* EM_X86_64 */
        i = 64;
    }
    while (i + 5 + sizeof(filler) <= n) {
        x = x * 1103515245u + 12345u;
        uint32_t target = 0x100 + ((x >> 16) % 6) * 0x40;
        p[i] = 0xe8;
        rrti_put_u32(p + i + 1, target - (uint32_t)(i + 5));
        memcpy(p + i + 5, filler, (x >> 8) % sizeof(filler) + 1);
        i += 5 + (x >> 8) % sizeof(filler) + 1;
    }
}

static int gen_x86(const char *path)
{
    rrt_writer_options o = golden_opts();
    rrt_writer *w = NULL;
    rrt_error err;
    uint8_t code[8192];
    rrt_blob_id id;
    rrt_file_entry e = {0};
    e.flags = RRT_FILE_HAS_BLOB;
    e.mode = 0100755;
    e.size = sizeof(code);
    e.mtime_ns = 1700000000000000000LL;
    TRY(rrt_writer_create(path, &o, &w, &err));
    /* An x86-64 ELF: both chunks use method 2. */
    code_content(code, sizeof(code), true);
    TRY(rrt_writer_add_blob(w, code, sizeof(code), &id, &err));
    e.path = "/lib/libcode.so";
    e.blob = id;
    TRY(rrt_writer_add_file(w, &e, &err));
    /* The same code without the ELF header: not filtered, method 1. */
    code_content(code, sizeof(code), false);
    TRY(rrt_writer_add_blob(w, code, sizeof(code), &id, &err));
    e.path = "/data/code.bin";
    e.mode = 0100644;
    e.blob = id;
    TRY(rrt_writer_add_file(w, &e, &err));
    TRY(rrt_writer_finish(w, &err));
    rrt_writer_free(w);
    return 0;
fail:
    rrt_writer_free(w);
    return -1;
}

/* Three code regions for sites.rrt: two CPUIDs among 0F A2 pairs inside
 * immediates; a pair only inside an immediate (no site); CPUIDs 200 bytes
 * apart (a two-byte delta). */
static const uint8_t code_a[] = {0xb8, 0x0f, 0xa2, 0x00, 0x00, 0x0f, 0xa2,
                                 0x48, 0xb8, 0x0f, 0xa2, 0x0f, 0xa2, 0x0f,
                                 0xa2, 0x0f, 0xa2, 0x0f, 0xa2, 0xc3};
static const uint64_t sites_a[] = {5, 17};
static const uint8_t code_b[] = {0xb8, 0x0f, 0xa2, 0x00, 0x00, 0xc3};
static uint8_t code_c[300];
static const uint64_t sites_c[] = {0, 200};

static void fill_code_c(void)
{
    memset(code_c, 0x90, sizeof(code_c));
    for (size_t i = 0; i < 2; i++) {
        code_c[sites_c[i]] = 0x0f;
        code_c[sites_c[i] + 1] = 0xa2;
    }
}

static int gen_sites(const char *path)
{
    rrt_writer_options o = golden_opts();
    rrt_writer *w = NULL;
    rrt_error err;
    rrt_blob_id ka, kb, kc;
    fill_code_c();
    rrt_blob_id_of(code_a, sizeof(code_a), &ka);
    rrt_blob_id_of(code_b, sizeof(code_b), &kb);
    rrt_blob_id_of(code_c, sizeof(code_c), &kc);
    TRY(rrt_writer_create(path, &o, &w, &err));
    TRY(rrt_writer_set_meta(w, "tool", "rrt record", &err));
    TRY(rrt_writer_add_cpuid_sites(w, &ka, sizeof(code_a), sites_a, 2, &err));
    TRY(rrt_writer_add_cpuid_sites(w, &kb, sizeof(code_b), NULL, 0, &err));
    TRY(rrt_writer_flush(w, &err));
    /* Added again: nothing new to write. */
    TRY(rrt_writer_add_cpuid_sites(w, &ka, sizeof(code_a), sites_a, 2, &err));
    TRY(rrt_writer_add_cpuid_sites(w, &kc, sizeof(code_c), sites_c, 2, &err));
    TRY(rrt_writer_finish(w, &err));
    rrt_writer_free(w);
    return 0;
fail:
    rrt_writer_free(w);
    return -1;
}

typedef struct vector {
    const char *name;
    int (*gen)(const char *path);
} vector;

static const vector vectors[] = {
    {"empty.rrt", gen_empty},   {"files.rrt", gen_files},
    {"events.rrt", gen_events}, {"x86.rrt", gen_x86},
    {"sites.rrt", gen_sites},
};
#define NVEC (sizeof(vectors) / sizeof(vectors[0]))

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    if (fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

static void test_writer_reproduces_golden_archives(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC; i++) {
        char fresh[128], golden[1024];
        snprintf(fresh, sizeof(fresh), "%s/%s", g_tmp, vectors[i].name);
        snprintf(golden, sizeof(golden), "%s/%s", g_vectors, vectors[i].name);
        unlink(fresh);
        assert_int_equal(vectors[i].gen(fresh), 0);
        size_t an = 0, bn = 0;
        uint8_t *a = slurp(fresh, &an), *b = slurp(golden, &bn);
        if (!b)
            fail_msg("cannot read %s", golden);
        assert_non_null(a);
        if (an != bn || memcmp(a, b, an) != 0) {
            size_t k = 0;
            while (k < an && k < bn && a[k] == b[k])
                k++;
            fail_msg("%s: writer output (%zu bytes) differs from the golden "
                     "file (%zu bytes) at offset %zu; if the format changed "
                     "on purpose, regenerate (spec/vectors/README.md)",
                     vectors[i].name, an, bn, k);
        }
        free(a);
        free(b);
    }
}

static void test_golden_archives_verify(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC; i++) {
        char golden[1024];
        snprintf(golden, sizeof(golden), "%s/%s", g_vectors, vectors[i].name);
        rrt_verify_report rep;
        rrt_error err;
        rrt_status st = rrt_verify_archive(golden, NULL, NULL, &rep, &err);
        if (st != RRT_OK)
            fail_msg("%s", err.message);
        assert_int_equal(rep.problems, 0);
        assert_int_equal(rep.orphan_chunks, 0);
    }
}

/* spec/format.md sections 2, 3, 3.7 and 4, byte by byte, for an archive
 * with no sections: header, an INDX with S = B = E = 0, footer. */
static void test_empty_archive_matches_spec_tables(void **state)
{
    (void)state;
    uint8_t want[96] = {
        0x89, 0x52, 0x52, 0x54, 0x0d, 0x0a, 0x1a, 0x0a, /* magic */
        0x01, 0x00, 0x01, 0x00,                         /* 1.1 */
        0x00, 0x00, 0x03, 0x00, /* X86_FILTER | SHARED_CHUNKS */
        0x49, 0x4e, 0x44, 0x58, /* INDX */
        0x01, 0x00, 0x00, 0x00, /* REQUIRED */
        0x18, 0,    0,    0,    0,    0,    0,    0, /* L = 24 */
        /* 24 zero bytes of payload at 32..55, checksum at 56..63 */
    };
    uint64_t sum = XXH3_64bits(want + 16, 16 + 24);
    for (int i = 0; i < 8; i++)
        want[56 + i] = (uint8_t)(sum >> (8 * i));
    want[64] = 16; /* index offset */
    want[72] = 48; /* index size = 16 + 24 + 8 */
    /* The footer checksum covers the 16 header bytes, then footer [0,16). */
    uint8_t hf[32];
    memcpy(hf, want, 16);
    memcpy(hf + 16, want + 64, 16);
    uint64_t fsum = XXH3_64bits(hf, sizeof(hf));
    for (int i = 0; i < 8; i++)
        want[80 + i] = (uint8_t)(fsum >> (8 * i));
    memcpy(want + 88, "\x89RRTEND\n", 8);

    char golden[1024];
    snprintf(golden, sizeof(golden), "%s/empty.rrt", g_vectors);
    size_t n;
    uint8_t *got = slurp(golden, &n);
    assert_non_null(got);
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(got, want, sizeof(want));
    free(got);
    /* The two checksums, also written in spec/vectors/README.md. */
    printf("empty.rrt section checksum %016llx footer checksum %016llx\n",
           (unsigned long long)sum, (unsigned long long)fsum);
}

/* Collects the body sections of one type in a golden file: payload
 * pointers (into p) and lengths; returns how many, at most max. */
static size_t sections_of(const uint8_t *p, size_t n, uint32_t type,
                          const uint8_t **payload, uint64_t *len, size_t max)
{
    size_t k = 0;
    for (size_t off = RRTI_HEADER_SIZE; off + RRTI_SECTION_HEADER <= n;) {
        uint32_t t = rrti_get_u32(p + off);
        uint64_t l = rrti_get_u64(p + off + 8);
        if (t == RRT_SEC_INDEX)
            break;
        if (t == type) {
            assert_true(k < max);
            payload[k] = p + off + RRTI_SECTION_HEADER;
            len[k++] = l;
        }
        off += RRTI_SECTION_OVERHEAD + l;
    }
    return k;
}

/* x86.rrt: the ELF blob's two chunks use method 2, the same bytes without
 * the ELF header use method 1, and the filter made the first smaller. */
static void test_x86_vector_methods(void **state)
{
    (void)state;
    char golden[1024];
    snprintf(golden, sizeof(golden), "%s/x86.rrt", g_vectors);
    size_t n = 0;
    uint8_t *p = slurp(golden, &n);
    assert_non_null(p);
    assert_int_equal(rrti_get_u32(p + 12),
                     RRT_HFLAG_X86_FILTER | RRT_HFLAG_SHARED_CHUNKS);
    const uint8_t *c[8];
    uint64_t len[8];
    assert_int_equal(sections_of(p, n, RRT_SEC_CHUNK, c, len, 8), 4);
    assert_int_equal(c[0][0], RRTI_METHOD_BROTLI_X86);
    assert_int_equal(c[1][0], RRTI_METHOD_BROTLI_X86);
    assert_int_equal(c[2][0], RRTI_METHOD_BROTLI);
    assert_int_equal(c[3][0], RRTI_METHOD_BROTLI);
    assert_true(len[0] + len[1] < len[2] + len[3]);
    free(p);
}

/* files.rrt: hello.txt and world.txt are pieces of one shared chunk
 * (chunk size field 0, same chunk offset, offsets 0 and 11). */
static void test_files_vector_shares_a_chunk(void **state)
{
    (void)state;
    char golden[1024];
    snprintf(golden, sizeof(golden), "%s/files.rrt", g_vectors);
    size_t n = 0;
    uint8_t *p = slurp(golden, &n);
    assert_non_null(p);
    const uint8_t *d[8];
    uint64_t len[8];
    size_t nb = sections_of(p, n, RRT_SEC_BLOB, d, len, 8);
    uint64_t chunk_at[8], piece_off[8];
    size_t k = 0;
    for (size_t i = 0; i < nb; i++) {
        if (rrti_get_u32(d[i] + 24) != 0)
            continue;
        assert_int_equal(len[i], RRTI_BLOB_PREFIX + RRTI_PIECE_ENTRY);
        chunk_at[k] = rrti_get_u64(d[i] + 32);
        piece_off[k++] = rrti_get_u64(d[i] + 48);
    }
    assert_int_equal(k, 2);
    assert_true(chunk_at[0] == chunk_at[1]);
    assert_int_equal(piece_off[0], 0);
    assert_int_equal(piece_off[1], 11);
    free(p);
}

/* The CSIT entry of one region, built from the table of spec 3.8 alone. */
static void spec_entry(rrt_buf *b, const uint8_t *code, size_t len,
                       const uint64_t *sites, size_t n)
{
    XXH128_canonical_t key;
    XXH128_canonicalFromHash(&key, XXH3_128bits(code, len));
    rrt_buf_put(b, key.digest, 16);
    uint64_t fields[2 + 8] = {len, n};
    for (size_t i = 0; i < n; i++)
        fields[2 + i] = sites[i] - (i ? sites[i - 1] : 0);
    for (size_t i = 0; i < 2 + n; i++) {
        uint64_t v = fields[i]; /* LEB128 by hand */
        do {
            uint8_t byte = (uint8_t)(v & 0x7f);
            v >>= 7;
            rrt_buf_put_u8(b, (uint8_t)(byte | (v ? 0x80 : 0)));
        } while (v);
    }
}

/* sites.rrt: two optional CSIT sections, entries sorted by key, the
 * second holding only the region added after the flush. */
static void test_sites_vector_matches_spec_tables(void **state)
{
    (void)state;
    char golden[1024];
    snprintf(golden, sizeof(golden), "%s/sites.rrt", g_vectors);
    size_t n = 0;
    uint8_t *p = slurp(golden, &n);
    assert_non_null(p);
    fill_code_c();
    const uint8_t *c[4];
    uint64_t len[4];
    assert_int_equal(sections_of(p, n, RRT_SEC_CPUID_SITES, c, len, 4), 2);
    for (size_t off = RRTI_HEADER_SIZE; off < n;) {
        if (rrti_get_u32(p + off) == RRT_SEC_CPUID_SITES)
            assert_int_equal(rrti_get_u32(p + off + 4), 0); /* optional */
        if (rrti_get_u32(p + off) == RRT_SEC_INDEX)
            break;
        off += RRTI_SECTION_OVERHEAD + rrti_get_u64(p + off + 8);
    }
    rrt_blob_id ka, kb;
    rrt_blob_id_of(code_a, sizeof(code_a), &ka);
    rrt_blob_id_of(code_b, sizeof(code_b), &kb);
    bool a_first = rrt_blob_id_cmp(&ka, &kb) < 0;
    rrt_buf want;
    rrt_buf_init(&want);
    rrt_buf_put_u8(&want, 2);
    for (int k = 0; k < 2; k++) {
        if ((k == 0) == a_first)
            spec_entry(&want, code_a, sizeof(code_a), sites_a, 2);
        else
            spec_entry(&want, code_b, sizeof(code_b), NULL, 0);
    }
    assert_int_equal(len[0], want.len);
    assert_memory_equal(c[0], want.data, want.len);
    rrt_buf_reset(&want);
    rrt_buf_put_u8(&want, 1);
    spec_entry(&want, code_c, sizeof(code_c), sites_c, 2);
    assert_int_equal(len[1], want.len);
    assert_memory_equal(c[1], want.data, want.len);
    rrt_buf_free(&want);
    free(p);
}

static int regenerate(const char *dir)
{
    for (size_t i = 0; i < NVEC; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, vectors[i].name);
        unlink(path);
        if (vectors[i].gen(path) != 0)
            return 1;
        printf("wrote %s\n", path);
    }
    return 0;
}

static int setup(void **state)
{
    (void)state;
    strcpy(g_tmp, "/tmp/rrt_vec_XXXXXX");
    return mkdtemp(g_tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_tmp);
    return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--regenerate") == 0)
        return regenerate(argv[2]);
    if (argc != 2) {
        fprintf(stderr, "usage: test_vectors VECTORS_DIR | --regenerate "
                        "OUT_DIR\n");
        return 2;
    }
    g_vectors = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_reproduces_golden_archives),
        cmocka_unit_test(test_golden_archives_verify),
        cmocka_unit_test(test_empty_archive_matches_spec_tables),
        cmocka_unit_test(test_x86_vector_methods),
        cmocka_unit_test(test_files_vector_shares_a_chunk),
        cmocka_unit_test(test_sites_vector_matches_spec_tables),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
