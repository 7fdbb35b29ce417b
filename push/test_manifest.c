/* Unit tests of the recording manifest (spec/store.md, section 3), in both
 * store layouts: a round trip that rebuilds an archive byte for byte, and a
 * sweep of truncated and bit-flipped manifests that must fail cleanly; and
 * of layout 2's objects (section 3.1): deterministic, one blob only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>

#include <cmocka.h>

#include "rrti.h" /* tests may use librrt internals */
#include "storei.h"

#ifndef RRT_HAVE_READER_SECTION_PAYLOAD
/* The per-section read that push asks librrt for (see manifest.c), built
 * here from librrt internals so that this test exercises exact rebuilding
 * of archives with several CPID and META sections. */
rrt_status rrt_reader_section_payload(rrt_reader *r, size_t i,
                                      uint8_t **payload, size_t *len,
                                      rrt_error *err)
{
    rrt_section_info info;
    rrt_archive_info ai;
    rrt_reader_section(r, i, &info);
    rrt_reader_info(r, &ai);
    int fd = open(rrt_reader_path(r), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return RRT_E_IO;
    rrti_section sec;
    rrt_status st = rrti_read_section_header(
        fd, rrt_reader_path(r), info.offset, ai.index_offset, &sec, err);
    if (st == RRT_OK)
        st = rrti_read_section_payload(fd, rrt_reader_path(r), &sec, payload,
                                       err);
    close(fd);
    *len = (size_t)info.length;
    return st;
}
#endif

typedef struct fixture {
    char dir[64];
    char orig[128], rebuilt[128];
    uint8_t *manifest[3]; /* by layout: [1], [2] */
    size_t manifest_len[3];
    store_blob_ref *blobs; /* layout 2's table */
    size_t n_blobs;
    rrt_reader *r;
} fixture;

static void write_sample(const char *path)
{
    rrt_writer_options o;
    rrt_writer_options_init(&o);
    o.no_sync = true;
    o.event_batch = 256; /* several batches */
    rrt_writer *w;
    assert_int_equal(rrt_writer_create(path, &o, &w, NULL), RRT_OK);
    for (int i = 0; i < 3; i++) {
        char data[3000];
        for (size_t k = 0; k < sizeof(data); k++)
            data[k] = (char)(k * (size_t)(i + 3) ^ (k >> 5));
        rrt_file_entry e = {0};
        char name[32];
        snprintf(name, sizeof(name), "/tmp/file%d", i);
        e.path = name;
        e.flags = RRT_FILE_HAS_BLOB;
        e.mode = 0100644;
        e.size = sizeof(data);
        e.mtime_ns = 1234567890 + i;
        assert_int_equal(
            rrt_writer_add_blob(w, data, sizeof(data), &e.blob, NULL), RRT_OK);
        assert_int_equal(rrt_writer_add_file(w, &e, NULL), RRT_OK);
    }
    rrt_file_entry ext = {0};
    ext.path = "/usr/lib/libc.so.6";
    ext.flags = RRT_FILE_EXTERNAL;
    ext.mode = 0100755;
    ext.size = 99;
    ext.dev = 2049;
    ext.ino = 77;
    assert_int_equal(rrt_writer_add_file(w, &ext, NULL), RRT_OK);
    /* Shaped like a recording: a CPUID manifest and metadata at start-up,
     * events, the manifest again with its queried list, more events, and
     * metadata that overrides a key at the end. */
    rrt_cpuid_manifest m;
    memset(&m, 0, sizeof(m));
    memcpy(m.vendor, "GenuineIntel", 13);
    rrt_cpuid_record rec = {0, 0, 0, 0x16, 1, 2, 3};
    m.n_records = 1;
    m.records = &rec;
    assert_int_equal(rrt_writer_set_cpuid(w, &m, NULL), RRT_OK);
    assert_int_equal(rrt_writer_set_meta(w, "tool", "test", NULL), RRT_OK);
    assert_int_equal(rrt_writer_set_meta(w, "exit_status", "?", NULL), RRT_OK);
    assert_int_equal(rrt_writer_flush(w, NULL), RRT_OK);
    for (uint32_t i = 0; i < 40; i++) {
        char ev[40];
        memset(ev, (int)i, sizeof(ev));
        assert_int_equal(rrt_writer_add_event(w, i % 7, ev, i % 40, NULL),
                         RRT_OK);
        if (i == 25) {
            rrt_cpuid_leaf q = {0, 0};
            m.n_queried = 1;
            m.queried = &q;
            m.flags = RRT_CPUID_QUERIED_KNOWN;
            assert_int_equal(rrt_writer_set_cpuid(w, &m, NULL), RRT_OK);
        }
    }
    assert_int_equal(rrt_writer_set_meta(w, "exit_status", "0", NULL), RRT_OK);
    assert_int_equal(rrt_writer_set_meta(w, "argv", "a\tb", NULL), RRT_OK);
    assert_int_equal(rrt_writer_finish(w, NULL), RRT_OK);
    rrt_writer_free(w);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/rrt-test-manifest-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->orig, sizeof(f->orig), "%s/orig.rrt", f->dir);
    snprintf(f->rebuilt, sizeof(f->rebuilt), "%s/rebuilt.rrt", f->dir);
    write_sample(f->orig);
    assert_int_equal(rrt_reader_open(f->orig, &f->r, NULL), RRT_OK);
    size_t ncpid = 0, nmeta = 0;
    for (size_t i = 0; i < rrt_reader_section_count(f->r); i++) {
        rrt_section_info si;
        rrt_reader_section(f->r, i, &si);
        ncpid += si.type == RRT_SEC_CPUID;
        nmeta += si.type == RRT_SEC_META;
    }
    assert_int_equal(ncpid, 2);
    assert_int_equal(nmeta, 2);
    for (unsigned layout = 1; layout <= 2; layout++) {
        store_blob_ref *blobs;
        size_t n;
        assert_int_equal(store_manifest_blobs(f->r, &blobs, &n, NULL), RRT_OK);
        assert_int_equal(n, 3);
        if (layout == 1)
            assert_int_equal(store_manifest_hash_raw(f->r, blobs, n, NULL),
                             RRT_OK);
        else
            assert_int_equal(
                store_objects_build(f->orig, f->dir, blobs, n, NULL), RRT_OK);
        char *buf;
        size_t len;
        FILE *mem = open_memstream(&buf, &len);
        assert_int_equal(
            store_manifest_write(f->r, mem, layout, blobs, n, NULL), RRT_OK);
        fclose(mem);
        f->manifest[layout] = (uint8_t *)buf;
        f->manifest_len[layout] = len;
        if (layout == 2) {
            f->blobs = blobs;
            f->n_blobs = n;
        } else {
            free(blobs);
        }
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    rrt_reader_close(f->r);
    unlink(f->orig);
    unlink(f->rebuilt);
    for (size_t i = 0; i < f->n_blobs; i++) {
        char p[256];
        store_object_path(f->dir, i, p, sizeof(p));
        unlink(p);
    }
    rmdir(f->dir);
    free(f->manifest[1]);
    free(f->manifest[2]);
    free(f->blobs);
    free(f);
    return 0;
}

typedef struct mem_src {
    const uint8_t *p;
    size_t len, pos;
} mem_src;

static ssize_t mem_read(void *ctx, void *buf, size_t n)
{
    mem_src *m = ctx;
    size_t k = n < m->len - m->pos ? n : m->len - m->pos;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    return (ssize_t)k;
}

/* Blobs come from the original archive, as the cache would supply them. */
static rrt_status from_reader(void *ctx, rrt_writer *w, const store_blob_ref *b,
                              rrt_error *err)
{
    uint8_t *data;
    size_t len;
    rrt_status st =
        rrt_reader_read_blob(ctx, &b->id, 1u << 20, &data, &len, err);
    if (st != RRT_OK)
        return st;
    mem_src m = {data, len, 0};
    st = rrt_writer_add_blob_reader(w, mem_read, &m, "blob", &b->id, NULL, NULL,
                                    err);
    free(data);
    return st;
}

/* Decodes and replays a manifest image into a fresh writer. */
static rrt_status replay(fixture *f, unsigned layout, const uint8_t *p,
                         size_t len, bool keep)
{
    FILE *in = fmemopen((void *)p, len ? len : 1, "rb");
    if (!len)
        fgetc(in); /* fmemopen cannot open an empty buffer: start at EOF */
    rrt_writer_options o;
    rrt_writer_options_init(&o);
    o.no_sync = true;
    o.threads = 1; /* thousands of short-lived writers */
    rrt_writer *w = NULL;
    store_blob_ref *blobs = NULL;
    size_t n = 0;
    rrt_error err;
    rrt_status st = store_manifest_read_blobs(in, layout, &blobs, &n, &err);
    if (st == RRT_OK)
        st = rrt_writer_create(f->rebuilt, &o, &w, &err);
    if (st == RRT_OK)
        st = store_manifest_replay(in, blobs, n, w, from_reader, f->r, &err);
    if (st == RRT_OK && keep)
        st = rrt_writer_finish(w, &err);
    if (st != RRT_OK)
        assert_true(err.message[0] != 0);
    rrt_writer_free(w);
    free(blobs);
    fclose(in);
    return st;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *p = malloc((size_t)n);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

static void test_manifest_rebuilds_archive_byte_for_byte(void **state)
{
    fixture *f = *state;
    for (unsigned layout = 1; layout <= 2; layout++) {
        assert_int_equal(replay(f, layout, f->manifest[layout],
                                f->manifest_len[layout], true),
                         RRT_OK);
        size_t a, b;
        uint8_t *pa = slurp(f->orig, &a), *pb = slurp(f->rebuilt, &b);
        assert_int_equal(a, b);
        assert_memory_equal(pa, pb, a);
        free(pa);
        free(pb);
        unlink(f->rebuilt);
    }
}

static void test_manifest_of_one_layout_is_refused_for_the_other(void **state)
{
    fixture *f = *state;
    assert_int_equal(replay(f, 2, f->manifest[1], f->manifest_len[1], false),
                     RRT_E_CORRUPT);
    assert_int_equal(replay(f, 1, f->manifest[2], f->manifest_len[2], false),
                     RRT_E_CORRUPT);
}

static void test_manifest_rejects_every_truncation(void **state)
{
    fixture *f = *state;
    for (unsigned layout = 1; layout <= 2; layout++)
        for (size_t len = 0; len < f->manifest_len[layout]; len++)
            assert_int_not_equal(
                replay(f, layout, f->manifest[layout], len, false), RRT_OK);
}

static void test_manifest_survives_every_bit_flip(void **state)
{
    fixture *f = *state;
    for (unsigned layout = 1; layout <= 2; layout++) {
        size_t len = f->manifest_len[layout];
        uint8_t *copy = malloc(len);
        /* Every byte, one bit each (rotating), so the sweep stays quick. */
        for (size_t i = 0; i < len; i++) {
            memcpy(copy, f->manifest[layout], len);
            copy[i] ^= (uint8_t)(1u << (i % 8));
            (void)replay(f, layout, copy, len, false);
        }
        free(copy);
    }
}

static void test_manifest_rejects_trailing_bytes(void **state)
{
    fixture *f = *state;
    for (unsigned layout = 1; layout <= 2; layout++) {
        size_t len = f->manifest_len[layout];
        uint8_t *copy = malloc(len + 1);
        memcpy(copy, f->manifest[layout], len);
        copy[len] = 0;
        assert_int_equal(replay(f, layout, copy, len + 1, false),
                         RRT_E_CORRUPT);
        free(copy);
    }
}

/* The same blob gives the same object, byte for byte, whichever thread
 * and build made it: its digest is what dedupes it across recordings. */
static void test_object_bytes_depend_only_on_the_blob(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < f->n_blobs; i++) {
        char p[256], again[256];
        store_object_path(f->dir, i, p, sizeof(p));
        snprintf(again, sizeof(again), "%s/again.rrt", f->dir);
        uint8_t *data;
        size_t len;
        assert_int_equal(rrt_reader_read_blob(f->r, &f->blobs[i].id, 1u << 20,
                                              &data, &len, NULL),
                         RRT_OK);
        mem_src m = {data, len, 0};
        rrt_blob_id id;
        assert_int_equal(store_object_write(again, mem_read, &m, "blob", NULL,
                                            &id, NULL, NULL),
                         RRT_OK);
        free(data);
        assert_int_equal(rrt_blob_id_cmp(&id, &f->blobs[i].id), 0);
        size_t a, b;
        uint8_t *pa = slurp(p, &a), *pb = slurp(again, &b);
        assert_int_equal(a, b);
        assert_memory_equal(pa, pb, a);
        assert_int_equal(a, f->blobs[i].obj_size);
        free(pa);
        free(pb);
        unlink(again);
        rrt_reader *r;
        assert_int_equal(store_object_open(p, "object", &f->blobs[i].id,
                                           f->blobs[i].size, &r, NULL, NULL),
                         RRT_OK);
        rrt_reader_close(r);
    }
}

/* An object must hold the one blob the manifest lists and nothing else. */
static void test_object_open_refuses_other_content(void **state)
{
    fixture *f = *state;
    rrt_reader *r;
    rrt_error err;
    char p[256];
    store_object_path(f->dir, 0, p, sizeof(p));
    assert_int_equal(store_object_open(p, "object", &f->blobs[1].id,
                                       f->blobs[1].size, &r, NULL, &err),
                     RRT_E_CORRUPT);
    assert_non_null(strstr(err.message, "another blob"));
    assert_int_equal(store_object_open(p, "object", &f->blobs[0].id,
                                       f->blobs[0].size + 1, &r, NULL, &err),
                     RRT_E_CORRUPT);
    /* The whole sample archive: three blobs, files and events. */
    assert_int_equal(
        store_object_open(f->orig, "object", NULL, 0, &r, NULL, &err),
        RRT_E_CORRUPT);
    assert_non_null(strstr(err.message, "exactly one blob"));
}

static void test_redact_url_strips_userinfo(void **state)
{
    (void)state;
    char buf[256];
    store_redact_url("https://u:pw@h.example:8443/a/b@c", buf, sizeof(buf));
    assert_string_equal(buf, "https://h.example:8443/a/b@c");
    store_redact_url("http://h/x", buf, sizeof(buf));
    assert_string_equal(buf, "http://h/x");
}

static void test_url_layouts(void **state)
{
    (void)state;
    store_store_url u;
    rrt_error err;
    char blob[2048];
    assert_int_equal(store_parse_url("http://h:8080/a/b/run1", &u, &err),
                     RRT_OK);
    assert_false(u.oci);
    assert_string_equal(u.base, "http://h:8080/a/b");
    assert_string_equal(u.ref, "http://h:8080/a/b/run1");
    assert_string_equal(u.origin, "http://h:8080");
    store_blob_url(&u, "00ff", blob, sizeof(blob));
    assert_string_equal(blob, "http://h:8080/a/b/blobs/sha256/00ff");

    assert_int_equal(
        store_parse_url("oci://localhost:5000/team/runs:v1", &u, &err), RRT_OK);
    assert_true(u.oci);
    assert_string_equal(u.origin, "https://localhost:5000");
    assert_string_equal(u.base, "https://localhost:5000/v2/team/runs");
    assert_string_equal(u.ref,
                        "https://localhost:5000/v2/team/runs/manifests/v1");
    store_blob_url(&u, "00ff", blob, sizeof(blob));
    assert_string_equal(
        blob, "https://localhost:5000/v2/team/runs/blobs/sha256:00ff");

    assert_int_equal(store_parse_url("oci+http://h/r", &u, &err), RRT_OK);
    assert_string_equal(u.ref, "http://h/v2/r/manifests/latest");
}

static void test_url_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "http://h",           "http://h/",        "http://h/a/",
        "http://h/blobs",     "http://u:p@h/a/b", "https://h/a?x=1",
        "ftp://h/a/b",        "oci://h",          "oci://h/",
        "oci://h/repo:",      "oci://h/r:t/x",    "oci://u:secret@h/r",
        "file:///etc/passwd",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        store_store_url u;
        rrt_error err;
        assert_int_not_equal(store_parse_url(bad[i], &u, &err), RRT_OK);
        assert_null(strstr(err.message, "secret"));
        assert_null(strstr(err.message, ":p@"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_rebuilds_archive_byte_for_byte),
        cmocka_unit_test(test_manifest_of_one_layout_is_refused_for_the_other),
        cmocka_unit_test(test_manifest_rejects_every_truncation),
        cmocka_unit_test(test_manifest_survives_every_bit_flip),
        cmocka_unit_test(test_manifest_rejects_trailing_bytes),
        cmocka_unit_test(test_object_bytes_depend_only_on_the_blob),
        cmocka_unit_test(test_object_open_refuses_other_content),
        cmocka_unit_test(test_redact_url_strips_userinfo),
        cmocka_unit_test(test_url_layouts),
        cmocka_unit_test(test_url_rejects),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
