/* Damage sweep over a small multi-section archive: truncation at every
 * offset and a flip of every bit. Readers must fail cleanly or return the
 * original data, never wrong data; verify must notice; recover must yield a
 * verifiable archive whose contents are a prefix of the original's. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rrti.h"

#define NBLOBS 4
#define NEVENTS 60

static char g_dir[64];
static char g_orig[128];
static uint8_t *g_bytes;
static size_t g_size;

/* The original contents, kept for comparison. */
static uint8_t *g_blob_data[NBLOBS];
static size_t g_blob_len[NBLOBS];
static rrt_blob_id g_blob_id[NBLOBS];
static uint8_t *g_cpuid_enc;
static size_t g_cpuid_len;
/* One CPUID sites entry (CSIT): a key, 4000 bytes of code, two sites. */
static rrt_blob_id g_sites_key;
static const uint64_t g_sites[2] = {100, 3000};

/* Bytes of framing (file header, section headers and checksums, index,
 * footer): every bit of these is flipped even when payload bits are
 * sampled. */
static bool *g_structural;

/* Sanitizer builds run ~5x slower: there the sweep flips every bit of the
 * framing bytes but one bit (rotating 0..7) of each payload byte. All bits
 * of a payload byte sit under the same section checksum and reach the same
 * decoder, so one bit per byte exercises every byte's path while keeping the
 * ASan run short. RRT_DAMAGE_FULL=1 forces the full sweep. */
#if defined(__SANITIZE_ADDRESS__)
#define SAMPLE_PAYLOAD_BITS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SAMPLE_PAYLOAD_BITS 1
#endif
#endif
#ifndef SAMPLE_PAYLOAD_BITS
#define SAMPLE_PAYLOAD_BITS 0
#endif

static char *tpath(const char *name)
{
    static char buf[4][256];
    static int k;
    char *p = buf[k++ & 3];
    snprintf(p, 256, "%s/%s", g_dir, name);
    return p;
}

static void event_of(uint32_t i, uint32_t *type, uint8_t *buf, size_t *len)
{
    *type = i % 3 + 1;
    *len = i % 11;
    for (size_t k = 0; k < *len; k++)
        buf[k] = (uint8_t)(i ^ k);
}

static void fill(uint8_t *p, size_t n, uint32_t seed, bool text)
{
    uint32_t x = seed;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] =
            text ? (uint8_t)("abcdefgh\n"[(x >> 16) % 9]) : (uint8_t)(x >> 16);
    }
}

static void build_original(void)
{
    rrt_writer_options o;
    rrt_writer_options_init(&o);
    o.threads = 1;
    o.chunk_size = 4096;
    o.event_batch = 200;
    o.no_sync = true;
    rrt_writer *w;
    rrt_error err;
    assert_int_equal(rrt_writer_create(g_orig, &o, &w, &err), RRT_OK);
    /* A multi-chunk compressible blob, two small ones, one empty. */
    const size_t lens[NBLOBS] = {4096 + 1500, 300, 40, 0};
    for (int i = 0; i < NBLOBS; i++) {
        g_blob_len[i] = lens[i];
        g_blob_data[i] = malloc(lens[i] + 1);
        fill(g_blob_data[i], lens[i], (uint32_t)i + 1, i != 2);
        assert_int_equal(rrt_writer_add_blob(w, g_blob_data[i], lens[i],
                                             &g_blob_id[i], &err),
                         RRT_OK);
        rrt_file_entry e = {0};
        char name[32];
        snprintf(name, sizeof(name), "/f/%d", i);
        e.path = name;
        e.flags = RRT_FILE_HAS_BLOB;
        e.mode = 0100644;
        e.size = lens[i];
        e.mtime_ns = 1000 + i;
        e.blob = g_blob_id[i];
        assert_int_equal(rrt_writer_add_file(w, &e, &err), RRT_OK);
    }
    rrt_file_entry x = {0};
    x.path = "/ext";
    x.flags = RRT_FILE_EXTERNAL;
    x.size = 5;
    x.dev = 1;
    x.ino = 2;
    assert_int_equal(rrt_writer_add_file(w, &x, &err), RRT_OK);
    rrt_cpuid_record recs[] = {{0, 0, 0, 0xd, 1, 2, 3}, {1, 0, 0, 4, 5, 6, 7}};
    rrt_cpuid_mask masks[] = {{1, 0, 0, 0xff, 0xff, 0xff, 0xff}};
    rrt_cpuid_leaf q[] = {{1, 0}};
    rrt_cpuid_manifest m = {0};
    strcpy(m.vendor, "GenuineIntel");
    m.flags = RRT_CPUID_QUERIED_KNOWN | RRT_CPUID_MASKED;
    m.records = recs;
    m.n_records = 2;
    m.masks = masks;
    m.n_masks = 1;
    m.queried = q;
    m.n_queried = 1;
    assert_int_equal(rrt_writer_set_cpuid(w, &m, &err), RRT_OK);
    assert_int_equal(
        rrt_cpuid_manifest_encode(&m, &g_cpuid_enc, &g_cpuid_len, &err),
        RRT_OK);
    assert_int_equal(rrt_writer_set_meta(w, "argv", "a b c", &err), RRT_OK);
    assert_int_equal(rrt_writer_set_meta(w, "tool", "damage", &err), RRT_OK);
    rrt_blob_id_of("code", 4, &g_sites_key);
    assert_int_equal(
        rrt_writer_add_cpuid_sites(w, &g_sites_key, 4000, g_sites, 2, &err),
        RRT_OK);
    assert_int_equal(rrt_writer_flush(w, &err), RRT_OK);
    for (uint32_t i = 0; i < NEVENTS; i++) {
        uint32_t type;
        uint8_t buf[16];
        size_t len;
        event_of(i, &type, buf, &len);
        assert_int_equal(rrt_writer_add_event(w, type, buf, len, &err), RRT_OK);
    }
    assert_int_equal(rrt_writer_set_meta(w, "exit_status", "0", &err), RRT_OK);
    assert_int_equal(rrt_writer_finish(w, &err), RRT_OK);
    rrt_writer_free(w);
}

static int setup(void **state)
{
    (void)state;
    /* Thousands of small files: keep them in memory when possible. */
    struct stat sb;
    bool shm = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) &&
               access("/dev/shm", W_OK) == 0;
    strcpy(g_dir, shm ? "/dev/shm/rrt_dmg_XXXXXX" : "/tmp/rrt_dmg_XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    snprintf(g_orig, sizeof(g_orig), "%s/orig.rrt", g_dir);
    build_original();
    FILE *f = fopen(g_orig, "rb");
    fseek(f, 0, SEEK_END);
    g_size = (size_t)ftell(f);
    rewind(f);
    g_bytes = malloc(g_size);
    if (fread(g_bytes, 1, g_size, f) != g_size)
        return -1;
    fclose(f);
    g_structural = calloc(g_size, 1);
    uint64_t index_off = rrti_get_u64(g_bytes + g_size - 32);
    for (size_t i = 0; i < 16; i++)
        g_structural[i] = true;
    for (uint64_t off = 16; off < index_off;) {
        uint64_t len = rrti_get_u64(g_bytes + off + 8);
        for (size_t i = 0; i < 16; i++)
            g_structural[off + i] = true;
        for (size_t i = 0; i < 8; i++)
            g_structural[off + 16 + len + i] = true;
        off += 24 + len;
    }
    for (size_t i = (size_t)index_off; i < g_size; i++)
        g_structural[i] = true;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < NBLOBS; i++)
        free(g_blob_data[i]);
    free(g_bytes);
    free(g_cpuid_enc);
    free(g_structural);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_true(write(fd, p, n) == (ssize_t)n);
    close(fd);
}

static int blob_index(const rrt_blob_id *id)
{
    for (int i = 0; i < NBLOBS; i++)
        if (rrt_blob_id_cmp(id, &g_blob_id[i]) == 0)
            return i;
    return -1;
}

/* Reads everything an opened reader offers. Each item either fails with an
 * error status and message or equals the original. `complete` demands that
 * everything is there (the archive must be the original). Returns the number
 * of items that failed. */
static int read_all(rrt_reader *r, bool complete, const char *what)
{
    int failures = 0;
    rrt_error err;
    size_t nb = rrt_reader_blob_count(r);
    if (complete)
        assert_int_equal(nb, NBLOBS);
    for (size_t i = 0; i < nb; i++) {
        rrt_blob_id id;
        uint64_t size;
        rrt_reader_blob(r, i, &id, &size);
        int k = blob_index(&id);
        if (k < 0)
            fail_msg("%s: blob table holds an unknown id", what);
        assert_true(size == g_blob_len[k]);
        uint8_t *d = NULL;
        size_t n = 0;
        rrt_status st = rrt_reader_read_blob(r, &id, 1 << 20, &d, &n, &err);
        if (st == RRT_OK) {
            assert_int_equal(n, g_blob_len[k]);
            if (n)
                assert_memory_equal(d, g_blob_data[k], n);
            free(d);
        } else {
            assert_null(d);
            assert_true(err.message[0] != 0);
            failures++;
        }
    }
    size_t nf = rrt_reader_file_count(r);
    if (complete)
        assert_int_equal(nf, NBLOBS + 1);
    for (size_t i = 0; i < nf; i++) {
        rrt_file_entry e;
        rrt_status st = rrt_reader_file(r, i, &e, &err);
        if (st != RRT_OK) {
            assert_true(err.message[0] != 0);
            failures++;
            continue;
        }
        if (i < NBLOBS) {
            char name[32];
            snprintf(name, sizeof(name), "/f/%zu", i);
            assert_string_equal(e.path, name);
            assert_int_equal(e.flags, RRT_FILE_HAS_BLOB);
            assert_true(e.size == g_blob_len[i]);
            assert_true(e.mtime_ns == (int64_t)(1000 + i));
            assert_int_equal(rrt_blob_id_cmp(&e.blob, &g_blob_id[i]), 0);
        } else {
            assert_string_equal(e.path, "/ext");
            assert_int_equal(e.flags, RRT_FILE_EXTERNAL);
            assert_true(e.dev == 1 && e.ino == 2 && e.size == 5);
        }
        rrt_file_entry_clear(&e);
    }
    rrt_event_iter *it;
    if (rrt_event_iter_open(r, 0, &it, &err) == RRT_OK) {
        rrt_event ev;
        rrt_status st;
        uint32_t i = 0;
        while ((st = rrt_event_iter_next(it, &ev, &err)) == RRT_OK) {
            uint32_t type;
            uint8_t buf[16];
            size_t len;
            assert_true(i < NEVENTS);
            event_of(i, &type, buf, &len);
            assert_true(ev.seq == i);
            assert_int_equal(ev.type, type);
            assert_int_equal(ev.len, len);
            if (len)
                assert_memory_equal(ev.data, buf, len);
            i++;
        }
        if (st != RRT_END) {
            assert_true(err.message[0] != 0);
            failures++;
        } else if (complete) {
            assert_int_equal(i, NEVENTS);
        }
        rrt_event_iter_close(it);
    } else {
        failures++;
    }
    rrt_cpuid_manifest m;
    rrt_status st = rrt_reader_cpuid(r, &m, &err);
    if (st == RRT_OK) {
        uint8_t *enc;
        size_t len;
        assert_int_equal(rrt_cpuid_manifest_encode(&m, &enc, &len, &err),
                         RRT_OK);
        assert_int_equal(len, g_cpuid_len);
        assert_memory_equal(enc, g_cpuid_enc, len);
        free(enc);
        rrt_cpuid_manifest_clear(&m);
    } else {
        assert_true(!complete);
        /* A recovered prefix may simply end before the manifest. */
        failures += st != RRT_E_NOT_FOUND;
    }
    const rrt_meta_entry *meta;
    size_t n;
    st = rrt_reader_meta(r, &meta, &n, &err);
    if (st == RRT_OK) {
        /* Each key present has its original value (a recovered prefix may
         * hold fewer keys). */
        for (size_t i = 0; i < n; i++) {
            const char *k = meta[i].key, *v = meta[i].value;
            if (!strcmp(k, "argv"))
                assert_string_equal(v, "a b c");
            else if (!strcmp(k, "tool"))
                assert_string_equal(v, "damage");
            else if (!strcmp(k, "exit_status"))
                assert_string_equal(v, "0");
            else
                fail_msg("%s: unexpected metadata key %s", what, k);
        }
        if (complete)
            assert_int_equal(n, 3);
    } else {
        failures++;
    }
    rrt_cpuid_sites *sites;
    st = rrt_reader_cpuid_sites(r, &sites, &err);
    if (st == RRT_OK) {
        /* Empty (a prefix before the section) or the original entry. */
        uint64_t len;
        const uint64_t *off;
        size_t ns;
        size_t k = rrt_cpuid_sites_count(sites);
        assert_true(k == (complete ? 1u : k) && k <= 1);
        if (k) {
            assert_true(
                rrt_cpuid_sites_find(sites, &g_sites_key, &len, &off, &ns));
            assert_true(len == 4000 && ns == 2);
            assert_memory_equal(off, g_sites, sizeof(g_sites));
        }
        rrt_cpuid_sites_free(sites);
    } else {
        assert_null(sites);
        assert_true(err.message[0] != 0);
        failures++;
    }
    return failures;
}

static void test_original_is_intact_and_small(void **state)
{
    (void)state;
    assert_true(g_size >= 4096 && g_size <= 8192);
    rrt_reader *r;
    rrt_error err;
    assert_int_equal(rrt_reader_open(g_orig, &r, &err), RRT_OK);
    assert_int_equal(read_all(r, true, "original"), 0);
    rrt_archive_info info;
    rrt_reader_info(r, &info);
    /* 5 FILE, 1 CPID, 2 META, 1 CSIT, several EVTS. */
    assert_true(info.n_sections >= 10);
    rrt_reader_close(r);
    rrt_verify_report rep;
    assert_int_equal(rrt_verify_archive(g_orig, NULL, NULL, &rep, &err),
                     RRT_OK);
    assert_int_equal(rep.problems, 0);
    print_message("damage sweep over a %zu-byte archive, %llu sections\n",
                  g_size, (unsigned long long)rep.sections);
}

static void test_truncation_at_every_offset(void **state)
{
    (void)state;
    const char *cut = tpath("cut.rrt");
    const char *rec = tpath("rec.rrt");
    rrt_writer_options o;
    rrt_writer_options_init(&o);
    o.threads = 1;
    o.no_sync = true;
    size_t recovered = 0, refused = 0;
    uint64_t best_kept = 0;
    for (size_t len = 0; len < g_size; len++) {
        write_file(cut, g_bytes, len);
        rrt_reader *r = NULL;
        rrt_error err;
        memset(&err, 0, sizeof(err));
        rrt_status st = rrt_reader_open(cut, &r, &err);
        if (st == RRT_OK)
            fail_msg("truncation at %zu opened", len);
        assert_null(r);
        assert_true(err.message[0] != 0);
        assert_non_null(strstr(err.message, cut));
        /* Shorter than a header: "not an archive" or "truncated"; else
         * the footer is gone. */
        if (len >= 16)
            assert_true(st == RRT_E_TRUNCATED || st == RRT_E_CHECKSUM ||
                        st == RRT_E_CORRUPT);
        rrt_verify_report rep;
        st = rrt_verify_archive(cut, NULL, NULL, &rep, &err);
        assert_int_not_equal(st, RRT_OK);
        assert_true(rep.problems > 0);

        unlink(rec);
        rrt_recover_report rr;
        st = rrt_recover(cut, rec, &o, &rr, &err);
        if (st != RRT_OK) {
            /* Only an input without a whole header is unrecoverable. */
            if (len >= 16)
                fail_msg("recover of a %zu-byte prefix failed: %s", len,
                         err.message);
            assert_int_equal(access(rec, F_OK), -1);
            refused++;
            continue;
        }
        assert_true(rr.bytes_kept <= len);
        assert_true(rr.bytes_kept + rr.bytes_dropped == len);
        if (rr.bytes_kept > best_kept)
            best_kept = rr.bytes_kept;
        /* The kept prefix is copied unchanged. */
        size_t rn;
        FILE *f = fopen(rec, "rb");
        assert_non_null(f);
        uint8_t *rb = malloc(g_size + 4096);
        rn = fread(rb, 1, g_size + 4096, f);
        fclose(f);
        assert_true(rn >= rr.bytes_kept);
        assert_memory_equal(rb, g_bytes, (size_t)rr.bytes_kept);
        free(rb);
        st = rrt_verify_archive(rec, NULL, NULL, &rep, &err);
        if (st != RRT_OK)
            fail_msg("recovered prefix of %zu bytes does not verify: %s", len,
                     err.message);
        assert_int_equal(rep.orphan_chunks, 0);
        assert_int_equal(rrt_reader_open(rec, &r, &err), RRT_OK);
        assert_int_equal(read_all(r, false, "recovered"), 0);
        rrt_reader_close(r);
        recovered++;
    }
    /* Everything but the index and footer survives the last cuts. */
    rrt_reader *r;
    rrt_error err;
    assert_int_equal(rrt_reader_open(g_orig, &r, &err), RRT_OK);
    rrt_archive_info info;
    rrt_reader_info(r, &info);
    rrt_reader_close(r);
    assert_true(best_kept == info.index_offset);
    assert_int_equal(refused, 16);
    print_message("truncations: %zu recovered, %zu refused\n", recovered,
                  refused);
}

static void test_every_bit_flip_is_caught_or_harmless(void **state)
{
    (void)state;
    const char *path = tpath("flip.rrt");
    write_file(path, g_bytes, g_size);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    const char *full = getenv("RRT_DAMAGE_FULL");
    bool sample = SAMPLE_PAYLOAD_BITS && !(full && strcmp(full, "1") == 0);
    size_t opened = 0, tried = 0;
    for (size_t off = 0; off < g_size; off++) {
        for (int bit = 0; bit < 8; bit++) {
            if (sample && !g_structural[off] && bit != (int)(off % 8))
                continue;
            tried++;
            uint8_t b = (uint8_t)(g_bytes[off] ^ (1u << bit));
            assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
            rrt_reader *r = NULL;
            rrt_error err;
            memset(&err, 0, sizeof(err));
            rrt_status st = rrt_reader_open(path, &r, &err);
            char what[64];
            snprintf(what, sizeof(what), "flip of bit %d at %zu", bit, off);
            if (st == RRT_OK) {
                opened++;
                read_all(r, false, what);
                rrt_reader_close(r);
            } else {
                assert_null(r);
                assert_non_null(strstr(err.message, path));
            }
            rrt_verify_report rep;
            st = rrt_verify_archive(path, NULL, NULL, &rep, &err);
            /* Every byte is under a checksum (the footer's covers the
             * file header), so verify must catch every single flip. */
            if (st == RRT_OK || rep.problems == 0)
                fail_msg("verify missed the %s", what);
            assert_int_equal(pwrite(fd, &g_bytes[off], 1, (off_t)off), 1);
        }
    }
    close(fd);
    print_message("bit flips: %zu of %zu tried%s, all detected by verify, "
                  "%zu still opened (with the original data)\n",
                  tried, g_size * 8, sample ? " (payload bits sampled)" : "",
                  opened);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_original_is_intact_and_small),
        cmocka_unit_test(test_truncation_at_every_offset),
        cmocka_unit_test(test_every_bit_flip_is_caught_or_harmless),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
