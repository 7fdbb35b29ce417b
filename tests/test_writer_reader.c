/* librrt writer/reader round trips: blobs at chunk boundaries, dedup, fd and
 * pipe input, files, events, metadata, the CPUID manifest, and output that
 * does not depend on the thread count. */
#include <errno.h>
#include <dirent.h>
#include <signal.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "rrti.h"

#define CHUNK 4096u

static char g_dir[64];

static int setup_dir(void **state)
{
    (void)state;
    strcpy(g_dir, "/tmp/rrt_wr_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *tpath(const char *name)
{
    static char buf[4][256];
    static int k;
    char *p = buf[k++ & 3];
    snprintf(p, 256, "%s/%s", g_dir, name);
    return p;
}

static bool exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

/* Deterministic bytes: half compressible text, half xorshift noise. */
static uint8_t *make_data(size_t n, uint32_t seed)
{
    uint8_t *p = malloc(n ? n : 1);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (i / 1000) % 2 ? (uint8_t)x : (uint8_t)("rrt archive "[i % 12]);
    }
    return p;
}

static rrt_writer_options small_opts(unsigned threads)
{
    rrt_writer_options o;
    rrt_writer_options_init(&o);
    o.threads = threads;
    o.chunk_size = CHUNK;
    o.event_batch = 256;
    o.quality = 1;
    o.no_sync = true;
    return o;
}

static rrt_writer *create(const char *path, unsigned threads)
{
    rrt_writer_options o = small_opts(threads);
    rrt_writer *w = NULL;
    rrt_error err;
    unlink(path);
    assert_int_equal(rrt_writer_create(path, &o, &w, &err), RRT_OK);
    return w;
}

static void finish(rrt_writer *w)
{
    rrt_error err;
    rrt_status st = rrt_writer_finish(w, &err);
    if (st != RRT_OK)
        fail_msg("finish: %s", err.message);
    rrt_writer_free(w);
}

static rrt_reader *open_ok(const char *path)
{
    rrt_reader *r = NULL;
    rrt_error err;
    rrt_status st = rrt_reader_open(path, &r, &err);
    if (st != RRT_OK)
        fail_msg("open %s: %s", path, err.message);
    return r;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    uint8_t *p = malloc(*len ? *len : 1);
    assert_int_equal(fread(p, 1, *len, f), *len);
    fclose(f);
    return p;
}

static void verify_ok(const char *path)
{
    rrt_verify_report rep;
    rrt_error err;
    rrt_status st = rrt_verify_archive(path, NULL, NULL, &rep, &err);
    if (st != RRT_OK)
        fail_msg("verify %s: %s", path, err.message);
    assert_int_equal(rep.problems, 0);
}

/* Reads a blob every way the API offers and compares with want. */
static void check_blob(rrt_reader *r, const rrt_blob_id *id,
                       const uint8_t *want, size_t n)
{
    rrt_error err;
    uint64_t size = 0;
    assert_int_equal(rrt_reader_blob_size(r, id, &size, &err), RRT_OK);
    assert_true(size == n);
    uint8_t *data = NULL;
    size_t len = 99;
    assert_int_equal(rrt_reader_read_blob(r, id, n, &data, &len, &err), RRT_OK);
    assert_int_equal(len, n);
    if (n)
        assert_memory_equal(data, want, n);
    free(data);
    if (n) {
        assert_int_equal(rrt_reader_read_blob(r, id, n - 1, &data, &len, &err),
                         RRT_E_LIMIT);
        assert_null(data);
    }
    /* Stream in odd-sized reads. */
    rrt_blob_stream *s;
    assert_int_equal(rrt_blob_stream_open(r, id, &s, &err), RRT_OK);
    uint8_t *got_all = malloc(n + 1);
    size_t total = 0, got;
    while (rrt_blob_stream_read(s, got_all + total, 1000, &got, &err) ==
               RRT_OK &&
           got)
        total += got;
    assert_int_equal(total, n);
    if (n)
        assert_memory_equal(got_all, want, n);
    assert_int_equal(rrt_blob_stream_read(s, got_all, 10, &got, &err), RRT_OK);
    assert_int_equal(got, 0);
    rrt_blob_stream_close(s);
    free(got_all);
    /* pread around every chunk boundary, and past the end. */
    uint8_t buf[64];
    for (uint64_t b = 0; b <= n + CHUNK; b += CHUNK) {
        for (int d = -3; d <= 3; d++) {
            if ((int64_t)b + d < 0)
                continue;
            uint64_t off = (uint64_t)((int64_t)b + d);
            size_t got2 = 99;
            assert_int_equal(rrt_reader_pread_blob(r, id, off, buf, sizeof(buf),
                                                   &got2, &err),
                             RRT_OK);
            size_t expect = off >= n                ? 0
                            : n - off < sizeof(buf) ? (size_t)(n - off)
                                                    : sizeof(buf);
            assert_int_equal(got2, expect);
            if (expect)
                assert_memory_equal(buf, want + off, expect);
        }
    }
}

/* Small blobs share chunks (spec 3.2.1): many of them read back whole,
 * at offsets and streamed, in file order and in id order, with one thread
 * and with several (same bytes either way); rrt_reader_blob_in_file_order
 * gives the order they were added in. */
static void test_shared_chunks_roundtrip_and_file_order(void **state)
{
    (void)state;
    enum { NB = 40 };
    const char *paths[2] = {tpath("shared1.rrt"), tpath("shared4.rrt")};
    uint8_t *data[NB];
    size_t len[NB];
    rrt_blob_id ids[NB];
    rrt_error err;
    for (int k = 0; k < 2; k++) {
        rrt_writer *w = create(paths[k], k ? 4 : 1);
        for (int i = 0; i < NB; i++) {
            len[i] = 1 + (size_t)i * 97 % (CHUNK / 4); /* all pieces */
            data[i] = make_data(len[i], (uint32_t)i + 100);
            assert_int_equal(
                rrt_writer_add_blob(w, data[i], len[i], &ids[i], &err), RRT_OK);
            if (i % 7 == 3) { /* a FILE held back behind an open chunk */
                rrt_file_entry e = {0};
                e.path = "/small";
                e.flags = RRT_FILE_HAS_BLOB;
                e.mode = 0100644;
                e.size = len[i];
                e.blob = ids[i];
                assert_int_equal(rrt_writer_add_file(w, &e, &err), RRT_OK);
            }
        }
        finish(w);
        verify_ok(paths[k]);
        rrt_reader *r = open_ok(paths[k]);
        rrt_archive_info info;
        rrt_reader_info(r, &info);
        assert_true(info.header_flags & RRT_HFLAG_SHARED_CHUNKS);
        assert_int_equal(rrt_reader_blob_count(r), NB);
        for (int i = 0; i < NB; i++) {
            rrt_blob_id id;
            rrt_reader_blob(r, rrt_reader_blob_in_file_order(r, (size_t)i), &id,
                            NULL);
            assert_int_equal(rrt_blob_id_cmp(&id, &ids[i]), 0);
        }
        /* Id order jumps between chunks; each read must still be right. */
        for (size_t j = 0; j < NB; j++) {
            rrt_blob_id id;
            rrt_reader_blob(r, j, &id, NULL);
            int i = 0;
            while (rrt_blob_id_cmp(&id, &ids[i]) != 0)
                i++;
            uint8_t *got;
            size_t n;
            assert_int_equal(
                rrt_reader_read_blob(r, &id, SIZE_MAX, &got, &n, &err), RRT_OK);
            assert_int_equal(n, len[i]);
            assert_memory_equal(got, data[i], n);
            free(got);
            uint8_t tail[8];
            size_t k2 = 0;
            assert_int_equal(rrt_reader_pread_blob(r, &id, len[i] / 2, tail,
                                                   sizeof(tail), &k2, &err),
                             RRT_OK);
            size_t want = len[i] - len[i] / 2;
            assert_int_equal(k2, want < sizeof(tail) ? want : sizeof(tail));
            assert_memory_equal(tail, data[i] + len[i] / 2, k2);
        }
        rrt_reader_close(r);
        for (int i = 0; i < NB; i++)
            free(data[i]);
    }
    size_t n1, n4;
    uint8_t *a = read_all(paths[0], &n1), *b = read_all(paths[1], &n4);
    assert_int_equal(n1, n4);
    assert_memory_equal(a, b, n1);
    free(a);
    free(b);
}

static void test_blobs_roundtrip_at_chunk_boundaries(void **state)
{
    (void)state;
    const size_t sizes[] = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 123};
    enum { NS = sizeof(sizes) / sizeof(sizes[0]) };
    const char *path = tpath("sizes.rrt");
    rrt_writer *w = create(path, 1);
    uint8_t *data[NS];
    rrt_blob_id ids[NS];
    rrt_error err;
    for (size_t i = 0; i < NS; i++) {
        data[i] = make_data(sizes[i], (uint32_t)i + 1);
        assert_int_equal(
            rrt_writer_add_blob(w, data[i], sizes[i], &ids[i], &err), RRT_OK);
        assert_true(rrt_writer_has_blob(w, &ids[i]));
        rrt_blob_id direct;
        rrt_blob_id_of(data[i], sizes[i], &direct);
        assert_int_equal(rrt_blob_id_cmp(&direct, &ids[i]), 0);
    }
    finish(w);
    assert_false(exists(tpath("sizes.rrt.partial")));
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0644);
    rrt_reader *r = open_ok(path);
    rrt_archive_info info;
    rrt_reader_info(r, &info);
    assert_int_equal(info.major, 1);
    assert_int_equal(info.minor, 1);
    assert_int_equal(info.n_blobs, NS);
    assert_int_equal(info.n_sections, 0);
    assert_int_equal(info.n_events, 0);
    uint64_t total = 0;
    for (size_t i = 0; i < NS; i++)
        total += sizes[i];
    assert_true(info.blob_bytes == total);
    assert_true(info.file_size == (uint64_t)sb.st_size);
    /* Blobs come back in id order. */
    for (size_t i = 1; i < rrt_reader_blob_count(r); i++) {
        rrt_blob_id a, b;
        rrt_reader_blob(r, i - 1, &a, NULL);
        rrt_reader_blob(r, i, &b, NULL);
        assert_true(rrt_blob_id_cmp(&a, &b) < 0);
    }
    for (size_t i = 0; i < NS; i++)
        check_blob(r, &ids[i], data[i], sizes[i]);
    rrt_blob_id absent;
    rrt_blob_id_of("absent", 6, &absent);
    uint64_t sz;
    assert_int_equal(rrt_reader_blob_size(r, &absent, &sz, &err),
                     RRT_E_NOT_FOUND);
    assert_non_null(strstr(err.message, "not in archive"));
    rrt_reader_close(r);
    verify_ok(path);
    for (size_t i = 0; i < NS; i++)
        free(data[i]);
}

static void test_same_content_twice_is_one_blob(void **state)
{
    (void)state;
    const char *path = tpath("dedup.rrt");
    const char *src = tpath("dedup.src");
    size_t n = 3 * CHUNK + 7;
    uint8_t *d = make_data(n, 42);
    FILE *f = fopen(src, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d, 1, n, f), n);
    fclose(f);
    rrt_writer *w = create(path, 1);
    rrt_blob_id a, b, c;
    rrt_error err;
    assert_int_equal(rrt_writer_add_blob(w, d, n, &a, &err), RRT_OK);
    assert_int_equal(rrt_writer_add_blob(w, d, n, &b, &err), RRT_OK);
    int fd = open(src, O_RDONLY);
    uint64_t size = 0;
    assert_int_equal(rrt_writer_add_blob_fd(w, fd, src, &c, &size, &err),
                     RRT_OK);
    close(fd);
    assert_true(size == n);
    assert_int_equal(rrt_blob_id_cmp(&a, &b), 0);
    assert_int_equal(rrt_blob_id_cmp(&a, &c), 0);
    finish(w);
    rrt_reader *r = open_ok(path);
    assert_int_equal(rrt_reader_blob_count(r), 1);
    check_blob(r, &a, d, n);
    rrt_reader_close(r);
    rrt_verify_report rep;
    assert_int_equal(rrt_verify_archive(path, NULL, NULL, &rep, &err), RRT_OK);
    /* 4 chunks + 1 descriptor, nothing stored twice. */
    assert_int_equal(rep.sections, 5);
    assert_int_equal(rep.orphan_chunks, 0);
    free(d);
}

/* Feeds `n` bytes into a pipe from a child so the pipe can exceed its
 * buffer; returns the read end. */
static int pipe_from_child(const uint8_t *d, size_t n, pid_t *pid)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    *pid = fork();
    assert_true(*pid >= 0);
    if (*pid == 0) {
        close(p[0]);
        size_t done = 0;
        while (done < n) {
            ssize_t k = write(p[1], d + done, n - done);
            if (k <= 0)
                _exit(1);
            done += (size_t)k;
        }
        _exit(0);
    }
    close(p[1]);
    return p[0];
}

static void test_add_blob_fd_regular_file_and_pipe(void **state)
{
    (void)state;
    const char *path = tpath("fd.rrt");
    const char *src = tpath("fd.src");
    size_t n1 = 2 * CHUNK + 5, n2 = 25 * CHUNK + 99;
    uint8_t *d1 = make_data(n1, 7), *d2 = make_data(n2, 8);
    FILE *f = fopen(src, "wb");
    assert_int_equal(fwrite(d1, 1, n1, f), n1);
    fclose(f);
    rrt_writer *w = create(path, 1);
    rrt_error err;
    rrt_blob_id id1, id2;
    uint64_t s1 = 0, s2 = 0;
    int fd = open(src, O_RDONLY);
    assert_int_equal(rrt_writer_add_blob_fd(w, fd, src, &id1, &s1, &err),
                     RRT_OK);
    close(fd);
    pid_t pid;
    int pfd = pipe_from_child(d2, n2, &pid);
    assert_int_equal(rrt_writer_add_blob_fd(w, pfd, "pipe", &id2, &s2, &err),
                     RRT_OK);
    close(pfd);
    int ws;
    waitpid(pid, &ws, 0);
    assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    assert_true(s1 == n1);
    assert_true(s2 == n2);
    rrt_blob_id want;
    rrt_blob_id_of(d2, n2, &want);
    assert_int_equal(rrt_blob_id_cmp(&want, &id2), 0);
    finish(w);
    rrt_reader *r = open_ok(path);
    assert_int_equal(rrt_reader_blob_count(r), 2);
    check_blob(r, &id1, d1, n1);
    check_blob(r, &id2, d2, n2);
    rrt_reader_close(r);
    verify_ok(path);
    free(d1);
    free(d2);
}

static void test_files_embedded_and_external(void **state)
{
    (void)state;
    const char *path = tpath("files.rrt");
    rrt_writer *w = create(path, 1);
    rrt_error err;
    uint8_t *d = make_data(10000, 3);
    rrt_blob_id id;
    assert_int_equal(rrt_writer_add_blob(w, d, 10000, &id, &err), RRT_OK);
    rrt_file_entry e = {0};
    e.path = "/usr/lib/libfoo.so";
    e.flags = RRT_FILE_HAS_BLOB;
    e.mode = 0100755;
    e.size = 10000;
    e.mtime_ns = -1234567890123LL;
    e.blob = id;
    assert_int_equal(rrt_writer_add_file(w, &e, &err), RRT_OK);
    rrt_file_entry x = {0};
    x.path = "/etc/passwd";
    x.flags = RRT_FILE_EXTERNAL;
    x.mode = 0100644;
    x.size = 2000;
    x.mtime_ns = 1700000000123456789LL;
    x.dev = 0x803;
    x.ino = 123456;
    assert_int_equal(rrt_writer_add_file(w, &x, &err), RRT_OK);
    /* Same path again: the last entry wins for look-ups. */
    e.mode = 0100700;
    assert_int_equal(rrt_writer_add_file(w, &e, &err), RRT_OK);
    /* Rejected entries: unknown blob, wrong size, no flags, empty path. */
    rrt_file_entry bad = e;
    rrt_blob_id_of("nope", 4, &bad.blob);
    assert_int_equal(rrt_writer_add_file(w, &bad, &err), RRT_E_INVALID);
    assert_non_null(strstr(err.message, "blob not in the archive"));
    bad = e;
    bad.size = 9999;
    assert_int_equal(rrt_writer_add_file(w, &bad, &err), RRT_E_INVALID);
    assert_non_null(strstr(err.message, "differs from its blob"));
    bad = e;
    bad.flags = 0;
    assert_int_equal(rrt_writer_add_file(w, &bad, &err), RRT_E_INVALID);
    bad = e;
    bad.path = "";
    assert_int_equal(rrt_writer_add_file(w, &bad, &err), RRT_E_INVALID);
    finish(w);

    rrt_reader *r = open_ok(path);
    assert_int_equal(rrt_reader_file_count(r), 3);
    rrt_file_entry g;
    assert_int_equal(rrt_reader_file(r, 0, &g, &err), RRT_OK);
    assert_string_equal(g.path, "/usr/lib/libfoo.so");
    assert_int_equal(g.flags, RRT_FILE_HAS_BLOB);
    assert_int_equal(g.mode, 0100755);
    assert_true(g.size == 10000);
    assert_true(g.mtime_ns == -1234567890123LL);
    assert_true(g.dev == 0 && g.ino == 0);
    assert_int_equal(rrt_blob_id_cmp(&g.blob, &id), 0);
    rrt_file_entry_clear(&g);
    assert_int_equal(rrt_reader_file(r, 1, &g, &err), RRT_OK);
    assert_string_equal(g.path, "/etc/passwd");
    assert_int_equal(g.flags, RRT_FILE_EXTERNAL);
    assert_true(g.dev == 0x803 && g.ino == 123456 && g.size == 2000);
    assert_true(g.mtime_ns == 1700000000123456789LL);
    rrt_file_entry_clear(&g);
    assert_int_equal(rrt_reader_find_file(r, "/usr/lib/libfoo.so", &g, &err),
                     RRT_OK);
    assert_int_equal(g.mode, 0100700);
    rrt_file_entry_clear(&g);
    assert_int_equal(rrt_reader_find_file(r, "/nope", &g, &err),
                     RRT_E_NOT_FOUND);
    assert_non_null(strstr(err.message, "/nope: no such file in archive"));
    assert_int_equal(rrt_reader_file(r, 3, &g, &err), RRT_E_INVALID);
    rrt_reader_close(r);
    verify_ok(path);
    free(d);
}

static void event_payload(uint64_t i, uint8_t *buf, size_t *len, uint32_t *type)
{
    *len = (size_t)(i * 7 % 23);
    *type = (uint32_t)(i % 5 == 4 ? 0xfffffff0u + i % 3 : i % 5);
    for (size_t k = 0; k < *len; k++)
        buf[k] = (uint8_t)(i + k);
}

/* Adds events 0..n-1 of event_payload to w. */
static void add_events(rrt_writer *w, uint64_t n)
{
    rrt_error err;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t buf[32];
        size_t len;
        uint32_t type;
        event_payload(i, buf, &len, &type);
        assert_int_equal(rrt_writer_add_event(w, type, buf, len, &err), RRT_OK);
    }
}

static void check_events_from(rrt_reader *r, uint64_t first, uint64_t total)
{
    rrt_event_iter *it;
    rrt_error err;
    assert_int_equal(rrt_event_iter_open(r, first, &it, &err), RRT_OK);
    rrt_event ev;
    uint64_t i = first;
    rrt_status st;
    while ((st = rrt_event_iter_next(it, &ev, &err)) == RRT_OK) {
        uint8_t buf[32];
        size_t len;
        uint32_t type;
        event_payload(i, buf, &len, &type);
        assert_true(ev.seq == i);
        assert_int_equal(ev.type, type);
        assert_int_equal(ev.len, len);
        if (len)
            assert_memory_equal(ev.data, buf, len);
        i++;
    }
    assert_int_equal(st, RRT_END);
    assert_true(i == (first > total ? first : total));
    /* END is sticky. */
    assert_int_equal(rrt_event_iter_next(it, &ev, &err), RRT_END);
    rrt_event_iter_close(it);
}

static void test_events_many_batches_and_seek(void **state)
{
    (void)state;
    const char *path = tpath("events.rrt");
    rrt_writer *w = create(path, 1);
    const uint64_t n = 1000;
    add_events(w, n);
    assert_true(rrt_writer_event_count(w) == n);
    finish(w);
    rrt_reader *r = open_ok(path);
    rrt_archive_info info;
    rrt_reader_info(r, &info);
    assert_true(info.n_events == n);
    /* 256-byte batches of ~13-byte events: dozens of batches. */
    assert_true(info.n_sections > 30);
    uint64_t prev_aux = 0;
    for (size_t i = 0; i < rrt_reader_section_count(r); i++) {
        rrt_section_info s;
        rrt_reader_section(r, i, &s);
        assert_int_equal(s.type, RRT_SEC_EVENTS);
        assert_int_equal(s.flags, RRT_SECF_REQUIRED);
        assert_true(i == 0 ? s.aux == 0 : s.aux > prev_aux);
        prev_aux = s.aux;
    }
    const uint64_t starts[] = {
        0,     1,     2, 17,   prev_aux - 1, prev_aux, prev_aux + 1,
        n / 2, n - 1, n, n + 5};
    for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
        check_events_from(r, starts[i], n);
    rrt_reader_close(r);
    verify_ok(path);
}

/* Peeking at every step, across dozens of batch boundaries: the peeked
 * event is the next one, and the event in hand stays readable after a
 * peek that loaded the next batch (replay holds both: an mmap's event and
 * the SHARED_MAP after it). */
static void test_event_iter_peek_across_batches(void **state)
{
    (void)state;
    const char *path = tpath("peek.rrt");
    rrt_writer *w = create(path, 1);
    rrt_error err;
    const uint64_t n = 500;
    add_events(w, n);
    finish(w);
    rrt_reader *r = open_ok(path);
    rrt_event_iter *it;
    assert_int_equal(rrt_event_iter_open(r, 0, &it, &err), RRT_OK);
    rrt_event cur, peek;
    assert_int_equal(rrt_event_iter_peek(it, &peek, &err), RRT_OK);
    assert_true(peek.seq == 0);
    for (uint64_t i = 0; i < n; i++) {
        assert_int_equal(rrt_event_iter_next(it, &cur, &err), RRT_OK);
        assert_true(cur.seq == i);
        rrt_status st = rrt_event_iter_peek(it, &peek, &err);
        /* twice: a peek does not move on */
        assert_int_equal(rrt_event_iter_peek(it, &peek, &err), st);
        uint8_t want[32];
        size_t len;
        uint32_t type;
        event_payload(i, want, &len, &type);
        assert_int_equal(cur.type, type);
        assert_int_equal(cur.len, len);
        assert_memory_equal(cur.data, want, len);
        if (i + 1 == n) {
            assert_int_equal(st, RRT_END);
            continue;
        }
        assert_int_equal(st, RRT_OK);
        assert_true(peek.seq == i + 1);
        event_payload(i + 1, want, &len, &type);
        assert_int_equal(peek.type, type);
        assert_memory_equal(peek.data, want, len);
    }
    assert_int_equal(rrt_event_iter_next(it, &cur, &err), RRT_END);
    rrt_event_iter_close(it);
    rrt_reader_close(r);
}

/* Iterators share the batch they are in (replay opens one to look ahead
 * at each exec while its main one reads on): a second iterator opened at
 * every position reads the same events, and each goes on reading when the
 * other has moved to another batch or been closed. */
static void test_event_iters_share_batches(void **state)
{
    (void)state;
    const char *path = tpath("share.rrt");
    rrt_writer *w = create(path, 1);
    rrt_error err;
    const uint64_t n = 300;
    add_events(w, n);
    finish(w);
    rrt_reader *r = open_ok(path);
    rrt_event_iter *a, *b;
    rrt_event ev;
    uint8_t want[32];
    size_t len;
    uint32_t type;
    assert_int_equal(rrt_event_iter_open(r, 0, &a, &err), RRT_OK);
    for (uint64_t i = 0; i < n; i++) {
        assert_int_equal(rrt_event_iter_next(a, &ev, &err), RRT_OK);
        assert_true(ev.seq == i);
        /* a look-ahead of up to 20 events from here */
        assert_int_equal(rrt_event_iter_open(r, i + 1, &b, &err), RRT_OK);
        for (uint64_t k = i + 1; k < n && k < i + 21; k++) {
            rrt_event eb;
            assert_int_equal(rrt_event_iter_next(b, &eb, &err), RRT_OK);
            assert_true(eb.seq == k);
            event_payload(k, want, &len, &type);
            assert_int_equal(eb.len, len);
            assert_memory_equal(eb.data, want, len);
        }
        rrt_event_iter_close(b);
        /* a's event is still whole */
        event_payload(i, want, &len, &type);
        assert_int_equal(ev.type, type);
        assert_int_equal(ev.len, len);
        assert_memory_equal(ev.data, want, len);
    }
    /* the one opened last outlives the first */
    assert_int_equal(rrt_event_iter_open(r, n / 2, &b, &err), RRT_OK);
    rrt_event_iter_close(a);
    for (uint64_t k = n / 2; k < n; k++) {
        assert_int_equal(rrt_event_iter_next(b, &ev, &err), RRT_OK);
        event_payload(k, want, &len, &type);
        assert_memory_equal(ev.data, want, len);
    }
    assert_int_equal(rrt_event_iter_next(b, &ev, &err), RRT_END);
    rrt_event_iter_close(b);
    rrt_reader_close(r);
}

static void test_oversized_event_is_refused(void **state)
{
    (void)state;
    const char *path = tpath("bigevent.rrt");
    rrt_writer *w = create(path, 1);
    rrt_error err;
    size_t n = RRTI_MAX_RAW - 14;
    uint8_t *d = calloc(1, n);
    assert_int_equal(rrt_writer_add_event(w, 1, d, n, &err), RRT_E_LIMIT);
    assert_non_null(strstr(err.message, "exceeds the 16777216-byte batch"));
    /* The largest event that fits is accepted and reads back. */
    assert_int_equal(rrt_writer_add_event(w, 2, d, n - 1, &err), RRT_OK);
    assert_int_equal(rrt_writer_add_event(w, 3, "x", 1, &err), RRT_OK);
    finish(w);
    free(d);
    rrt_reader *r = open_ok(path);
    rrt_event_iter *it;
    rrt_event ev;
    assert_int_equal(rrt_event_iter_open(r, 0, &it, &err), RRT_OK);
    assert_int_equal(rrt_event_iter_next(it, &ev, &err), RRT_OK);
    assert_int_equal(ev.type, 2);
    assert_int_equal(ev.len, n - 1);
    assert_int_equal(rrt_event_iter_next(it, &ev, &err), RRT_OK);
    assert_int_equal(ev.type, 3);
    assert_int_equal(rrt_event_iter_next(it, &ev, &err), RRT_END);
    rrt_event_iter_close(it);
    rrt_reader_close(r);
}

static void test_event_iter_on_archive_without_events(void **state)
{
    (void)state;
    const char *path = tpath("noevents.rrt");
    finish(create(path, 1));
    rrt_reader *r = open_ok(path);
    check_events_from(r, 0, 0);
    check_events_from(r, 3, 0);
    rrt_reader_close(r);
}

/* With no entry to read, find_file still leaves its result cleared: rrt
 * cat used to free garbage after looking up a path in such an archive. */
static void
test_find_file_in_archive_without_files_leaves_entry_zeroed(void **state)
{
    (void)state;
    const char *path = tpath("nofiles.rrt");
    finish(create(path, 1));
    rrt_reader *r = open_ok(path);
    rrt_file_entry g;
    memset(&g, 0xa5, sizeof(g));
    rrt_error err;
    assert_int_equal(rrt_reader_find_file(r, "/nope", &g, &err),
                     RRT_E_NOT_FOUND);
    assert_null(g.path);
    assert_int_equal(g.flags, 0);
    rrt_file_entry_clear(&g);
    rrt_reader_close(r);
}

static void test_meta_later_section_overrides(void **state)
{
    (void)state;
    const char *path = tpath("meta.rrt");
    rrt_writer *w = create(path, 1);
    rrt_error err;
    assert_int_equal(rrt_writer_set_meta(w, "b", "2", &err), RRT_OK);
    assert_int_equal(rrt_writer_set_meta(w, "a", "1", &err), RRT_OK);
    assert_int_equal(rrt_writer_set_meta(w, "argv", "x", &err), RRT_OK);
    assert_int_equal(rrt_writer_set_meta(w, "argv", "ls -l", &err), RRT_OK);
    assert_int_equal(rrt_writer_flush(w, &err), RRT_OK);
    assert_int_equal(rrt_writer_set_meta(w, "b", "3", &err), RRT_OK);
    assert_int_equal(rrt_writer_set_meta(w, "c", "", &err), RRT_OK);
    char longkey[300];
    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[299] = 0;
    assert_int_equal(rrt_writer_set_meta(w, longkey, "v", &err), RRT_E_INVALID);
    assert_int_equal(rrt_writer_set_meta(w, "", "v", &err), RRT_E_INVALID);
    finish(w);
    rrt_reader *r = open_ok(path);
    size_t nmeta_secs = 0;
    for (size_t i = 0; i < rrt_reader_section_count(r); i++) {
        rrt_section_info s;
        rrt_reader_section(r, i, &s);
        assert_int_equal(s.type, RRT_SEC_META);
        assert_int_equal(s.flags, 0); /* META is the optional section */
        nmeta_secs++;
    }
    assert_int_equal(nmeta_secs, 2);
    const rrt_meta_entry *m;
    size_t n;
    assert_int_equal(rrt_reader_meta(r, &m, &n, &err), RRT_OK);
    assert_int_equal(n, 4);
    assert_string_equal(m[0].key, "a");
    assert_string_equal(m[0].value, "1");
    assert_string_equal(m[1].key, "argv");
    assert_string_equal(m[1].value, "ls -l");
    assert_string_equal(m[2].key, "b");
    assert_string_equal(m[2].value, "3");
    assert_string_equal(m[3].key, "c");
    assert_string_equal(m[3].value, "");
    assert_string_equal(rrt_reader_meta_get(r, "b"), "3");
    assert_null(rrt_reader_meta_get(r, "zz"));
    rrt_reader_close(r);
    verify_ok(path);
}

static void fill_manifest(rrt_cpuid_manifest *m)
{
    memset(m, 0, sizeof(*m));
    strcpy(m->vendor, "GenuineIntel");
    strcpy(m->mask_name, "x86-64-v2");
    m->flags =
        RRT_CPUID_FAULTING_USED | RRT_CPUID_MASKED | RRT_CPUID_QUERIED_KNOWN;
    m->xcr0 = 0x2e7;
    static const rrt_cpuid_record recs[] = {
        /* deliberately unsorted: the writer normalizes */
        {7, 0, RRT_CPUID_SUBLEAF_INDEXED, 2, 0xffffffff, 0xffff, 0xf0},
        {0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69},
        {1, 0, 0, 0x906ea, 0x100800, 0x7ffafbff, 0xbfebfbff},
        {7, 1, RRT_CPUID_SUBLEAF_INDEXED, 0x11, 0, 0, 0},
        {0x80000000u, 0, 0, 0x80000008u, 0, 0, 0},
        {0x80000001u, 0, 0, 0, 0, 0x121, 0x2c100800},
    };
    static const rrt_cpuid_mask masks[] = {
        {1, 0, 0, 0xffffffff, 0xffffffff, 0xfffffffe, 0x0fffffff},
        {7, 1, RRT_CPUID_SUBLEAF_INDEXED, 0x1, 0xffffffff, 0xffffffff,
         0xffffffff},
        {7, 0, 0, 0xffffffff, 0xff, 0xffffffff, 0xffffffff},
    };
    static const rrt_cpuid_leaf q[] = {{7, 1}, {1, 0}, {0, 0}, {1, 0}};
    m->n_records = 6;
    m->records = malloc(sizeof(recs));
    memcpy(m->records, recs, sizeof(recs));
    m->n_masks = 3;
    m->masks = malloc(sizeof(masks));
    memcpy(m->masks, masks, sizeof(masks));
    m->n_queried = 4;
    m->queried = malloc(sizeof(q));
    memcpy(m->queried, q, sizeof(q));
}

static void test_cpuid_manifest_roundtrip(void **state)
{
    (void)state;
    const char *path = tpath("cpuid.rrt");
    rrt_writer *w = create(path, 1);
    rrt_error err;
    rrt_cpuid_manifest m, first = {0};
    strcpy(first.vendor, "AuthenticAMD");
    assert_int_equal(rrt_writer_set_cpuid(w, &first, &err), RRT_OK);
    fill_manifest(&m);
    assert_int_equal(rrt_writer_set_cpuid(w, &m, &err), RRT_OK);
    finish(w);
    rrt_reader *r = open_ok(path);
    rrt_cpuid_manifest g;
    assert_int_equal(rrt_reader_cpuid(r, &g, &err), RRT_OK);
    rrt_reader_close(r);
    verify_ok(path);
    /* The last manifest wins; lists come back sorted, queried folded. */
    assert_string_equal(g.vendor, "GenuineIntel");
    assert_string_equal(g.mask_name, "x86-64-v2");
    assert_int_equal(g.flags, m.flags);
    assert_true(g.xcr0 == 0x2e7);
    assert_int_equal(g.n_records, 6);
    assert_int_equal(g.n_masks, 3);
    assert_int_equal(g.n_queried, 3);
    const uint32_t order[][2] = {{0, 0}, {1, 0},           {7, 0},
                                 {7, 1}, {0x80000000u, 0}, {0x80000001u, 0}};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(g.records[i].leaf, order[i][0]);
        assert_int_equal(g.records[i].subleaf, order[i][1]);
    }
    assert_int_equal(g.records[1].edx, 0xbfebfbff);
    assert_int_equal(g.masks[1].leaf, 7);
    assert_int_equal(g.masks[1].subleaf, 0);
    assert_int_equal(g.queried[0].leaf, 0);
    assert_int_equal(g.queried[1].leaf, 1);
    assert_int_equal(g.queried[2].leaf, 7);
    assert_int_equal(g.queried[2].subleaf, 1);
    /* The encoding is canonical: re-encoding gives the same bytes. */
    uint8_t *a, *b;
    size_t al, bl;
    rrt_cpuid_manifest norm;
    assert_int_equal(rrt_cpuid_manifest_copy(&norm, &m, &err), RRT_OK);
    assert_int_equal(rrt_cpuid_manifest_normalize(&norm, &err), RRT_OK);
    assert_int_equal(rrt_cpuid_manifest_encode(&norm, &a, &al, &err), RRT_OK);
    assert_int_equal(rrt_cpuid_manifest_encode(&g, &b, &bl, &err), RRT_OK);
    assert_int_equal(al, bl);
    assert_memory_equal(a, b, al);
    free(a);
    free(b);
    rrt_cpuid_manifest_clear(&norm);
    rrt_cpuid_manifest_clear(&g);
    rrt_cpuid_manifest_clear(&m);
    /* A manifest with duplicate leaves is refused. */
    fill_manifest(&m);
    m.records[1] = m.records[2];
    w = create(tpath("dup.rrt"), 1);
    assert_int_equal(rrt_writer_set_cpuid(w, &m, &err), RRT_E_INVALID);
    assert_non_null(strstr(err.message, "duplicate"));
    rrt_writer_free(w);
    rrt_cpuid_manifest_clear(&m);
}

static void test_cpuid_effective_semantics(void **state)
{
    (void)state;
    rrt_cpuid_manifest m;
    rrt_error err;
    fill_manifest(&m);
    assert_int_equal(rrt_cpuid_manifest_normalize(&m, &err), RRT_OK);
    uint32_t o[4];
    /* Leaf 1: masked by the (1,0) mask. */
    assert_true(rrt_cpuid_manifest_effective(&m, 1, 0, o));
    assert_int_equal(o[0], 0x906ea);
    assert_int_equal(o[2], 0x7ffafbff & 0xfffffffe);
    assert_int_equal(o[3], 0xbfebfbff & 0x0fffffff);
    /* Leaf 1 is not subleaf-indexed: any ECX gives the same record. */
    assert_true(rrt_cpuid_manifest_effective(&m, 1, 5, o));
    assert_int_equal(o[3], 0xbfebfbff & 0x0fffffff);
    assert_ptr_equal(rrt_cpuid_manifest_find(&m, 1, 5),
                     rrt_cpuid_manifest_find(&m, 1, 0));
    /* Leaf 7.0: the leaf-wide mask (7, no SUBLEAF_INDEXED) applies. */
    assert_true(rrt_cpuid_manifest_effective(&m, 7, 0, o));
    assert_int_equal(o[1], 0xff);
    assert_int_equal(o[2], 0xffff);
    /* Leaf 7.1: its own subleaf mask wins over the leaf-wide one. */
    assert_true(rrt_cpuid_manifest_effective(&m, 7, 1, o));
    assert_int_equal(o[0], 0x11 & 0x1);
    /* Leaf 7.2: indexed leaf, no record for that subleaf. */
    assert_false(rrt_cpuid_manifest_effective(&m, 7, 2, o));
    assert_null(rrt_cpuid_manifest_find(&m, 7, 2));
    /* Unmasked extended leaf. */
    assert_true(rrt_cpuid_manifest_effective(&m, 0x80000001u, 0, o));
    assert_int_equal(o[2], 0x121);
    /* Above the maximum basic (0xd) and extended (0x80000008) leaves:
     * zeroes. */
    memset(o, 0xaa, sizeof(o));
    assert_true(rrt_cpuid_manifest_effective(&m, 0x20, 0, o));
    assert_true(o[0] == 0 && o[1] == 0 && o[2] == 0 && o[3] == 0);
    memset(o, 0xaa, sizeof(o));
    assert_true(rrt_cpuid_manifest_effective(&m, 0x80000009u, 0, o));
    assert_true(o[0] == 0 && o[3] == 0);
    /* In range but not recorded: unknown. */
    assert_false(rrt_cpuid_manifest_effective(&m, 0xb, 0, o));
    assert_false(rrt_cpuid_manifest_effective(&m, 0x80000004u, 0, o));
    rrt_cpuid_manifest_clear(&m);
    /* No leaf 0 at all: nothing is known. */
    rrt_cpuid_manifest empty = {0};
    assert_false(rrt_cpuid_manifest_effective(&empty, 0x20, 0, o));
}

/* The same calls with two thread counts; returns the file's bytes. */
static uint8_t *session(const char *name, unsigned threads, bool pipe_dup,
                        size_t *len)
{
    const char *path = tpath(name);
    rrt_writer *w = create(path, threads);
    rrt_error err;
    uint8_t *big = make_data(40 * CHUNK + 11, 99);
    rrt_blob_id id;
    for (uint32_t i = 0; i < 12; i++) {
        size_t n = i * 1500 + (i % 3) * CHUNK;
        uint8_t *d = make_data(n, i);
        assert_int_equal(rrt_writer_add_blob(w, d, n, &id, &err), RRT_OK);
        free(d);
        assert_int_equal(rrt_writer_add_event(w, i, "evt", 3, &err), RRT_OK);
    }
    assert_int_equal(rrt_writer_add_blob(w, big, 40 * CHUNK + 11, &id, &err),
                     RRT_OK);
    rrt_file_entry e = {0};
    e.path = "big";
    e.flags = RRT_FILE_HAS_BLOB;
    e.size = 40 * CHUNK + 11;
    e.blob = id;
    assert_int_equal(rrt_writer_add_file(w, &e, &err), RRT_OK);
    if (pipe_dup) {
        /* The same content again through a pipe: only known to be a
         * duplicate once the whole stream has been read. */
        pid_t pid;
        int pfd = pipe_from_child(big, 40 * CHUNK + 11, &pid);
        assert_int_equal(
            rrt_writer_add_blob_fd(w, pfd, "pipe", &id, NULL, &err), RRT_OK);
        close(pfd);
        waitpid(pid, NULL, 0);
    }
    for (uint32_t i = 0; i < 300; i++)
        assert_int_equal(rrt_writer_add_event(w, i % 7, big + i, i % 40, &err),
                         RRT_OK);
    assert_int_equal(rrt_writer_set_meta(w, "tool", "test", &err), RRT_OK);
    finish(w);
    free(big);
    uint8_t *p = read_all(path, len);
    verify_ok(path);
    return p;
}

/* A process-directed signal must reach the caller's thread: rrt record
 * blocks SIGCHLD and waits for it with sigtimedwait, and a worker that
 * left it unblocked would take it (and drop it), so the recorder slept
 * to its serialization limit. Every worker blocks every signal. */
static void test_writer_workers_block_signals(void **state)
{
    (void)state;
    rrt_writer *w = create(tpath("sig.rrt"), 3);
    char path[300], line[256];
    int workers = 0;
    DIR *d = opendir("/proc/self/task");
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || atoi(e->d_name) == getpid())
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        unsigned long long blk = 0;
        while (fgets(line, sizeof(line), f))
            if (strncmp(line, "SigBlk:", 7) == 0)
                blk = strtoull(line + 7, NULL, 16);
        fclose(f);
        workers++;
        assert_true((blk & (1ull << (SIGCHLD - 1))) != 0);
        assert_true((blk & (1ull << (SIGINT - 1))) != 0);
    }
    closedir(d);
    assert_int_equal(workers, 3);
    finish(w);
}

static void test_thread_count_does_not_change_a_byte(void **state)
{
    (void)state;
    size_t l1, l4;
    uint8_t *a = session("t1.rrt", 1, false, &l1);
    uint8_t *b = session("t4.rrt", 4, false, &l4);
    assert_int_equal(l1, l4);
    assert_memory_equal(a, b, l1);
    free(a);
    free(b);
}

/* Spec 6: "the thread count does not change a byte" - also when a pipe
 * turns out to duplicate a blob already stored. */
static void test_thread_count_independent_with_pipe_duplicate(void **state)
{
    (void)state;
    size_t l1, l4;
    uint8_t *a = session("p1.rrt", 1, true, &l1);
    uint8_t *b = session("p4.rrt", 4, true, &l4);
    assert_int_equal(l1, l4);
    assert_memory_equal(a, b, l1);
    free(a);
    free(b);
}

typedef struct mem_src {
    const uint8_t *p;
    size_t n, pos;
    unsigned calls;
} mem_src;

/* Returns at most 1000 bytes a call, to exercise partial reads. */
static ssize_t mem_read(void *ctx, void *buf, size_t n)
{
    mem_src *m = ctx;
    m->calls++;
    size_t k = m->n - m->pos;
    if (k > n)
        k = n;
    if (k > 1000)
        k = 1000;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    return (ssize_t)k;
}

static void test_add_blob_reader_expect_semantics(void **state)
{
    (void)state;
    const char *path = tpath("reader.rrt");
    rrt_writer *w = create(path, 1);
    rrt_error err;
    size_t n = 3 * CHUNK + 10;
    uint8_t *d = make_data(n, 77);
    rrt_blob_id id, got;
    rrt_blob_id_of(d, n, &id);
    uint64_t size = 0;
    /* Unknown id, right content: stored. */
    mem_src src = {d, n, 0, 0};
    assert_int_equal(rrt_writer_add_blob_reader(w, mem_read, &src, "mem", &id,
                                                &got, &size, &err),
                     RRT_OK);
    assert_int_equal(rrt_blob_id_cmp(&got, &id), 0);
    assert_true(size == n);
    /* Known id: nothing is read. */
    mem_src again = {d, n, 0, 0};
    assert_int_equal(rrt_writer_add_blob_reader(w, mem_read, &again, "mem", &id,
                                                &got, &size, &err),
                     RRT_OK);
    assert_int_equal(again.calls, 0);
    assert_true(size == n);
    /* Wrong id: RRT_E_HASH naming the source, and nothing stored. */
    rrt_blob_id wrong;
    rrt_blob_id_of("wrong", 5, &wrong);
    uint8_t *other = make_data(n, 78);
    rrt_blob_id other_id;
    rrt_blob_id_of(other, n, &other_id);
    mem_src bad = {other, n, 0, 0};
    assert_int_equal(rrt_writer_add_blob_reader(w, mem_read, &bad, "mem-src",
                                                &wrong, &got, &size, &err),
                     RRT_E_HASH);
    assert_non_null(strstr(err.message, "mem-src"));
    assert_non_null(strstr(err.message, "does not match its id"));
    assert_false(rrt_writer_has_blob(w, &wrong));
    assert_false(rrt_writer_has_blob(w, &other_id));
    /* The writer is still usable after a rejected blob. */
    assert_int_equal(rrt_writer_add_blob(w, "ok", 2, NULL, &err), RRT_OK);
    finish(w);
    rrt_reader *r = open_ok(path);
    assert_int_equal(rrt_reader_blob_count(r), 2);
    check_blob(r, &id, d, n);
    rrt_reader_close(r);
    verify_ok(path);
    free(d);
    free(other);
}

/* A blob rejected for a wrong expected id, with two thread counts. */
static uint8_t *rejected_session(const char *name, unsigned threads,
                                 size_t *len)
{
    const char *path = tpath(name);
    rrt_writer *w = create(path, threads);
    rrt_error err;
    size_t n = 30 * CHUNK;
    uint8_t *d = make_data(n, 5);
    rrt_blob_id wrong;
    rrt_blob_id_of("wrong", 5, &wrong);
    mem_src src = {d, n, 0, 0};
    assert_int_equal(rrt_writer_add_blob_reader(w, mem_read, &src, "mem",
                                                &wrong, NULL, NULL, &err),
                     RRT_E_HASH);
    assert_int_equal(rrt_writer_add_blob(w, "after", 5, NULL, &err), RRT_OK);
    finish(w);
    free(d);
    return read_all(path, len);
}

static void test_thread_count_independent_with_rejected_blob(void **state)
{
    (void)state;
    size_t l1, l4;
    uint8_t *a = rejected_session("r1.rrt", 1, &l1);
    uint8_t *b = rejected_session("r4.rrt", 4, &l4);
    assert_int_equal(l1, l4);
    assert_memory_equal(a, b, l1);
    free(a);
    free(b);
}

/* Every adding call after finish is refused like add_blob is, instead of
 * accepting data that can never reach the file. */
static void test_calls_after_finish_are_refused(void **state)
{
    (void)state;
    const char *path = tpath("after.rrt");
    rrt_writer *w = create(path, 1);
    rrt_error err;
    assert_int_equal(rrt_writer_finish(w, &err), RRT_OK);
    rrt_file_entry e = {0};
    e.path = "/x";
    e.flags = RRT_FILE_EXTERNAL;
    rrt_cpuid_manifest m = {0};
    assert_int_equal(rrt_writer_add_blob(w, "x", 1, NULL, &err), RRT_E_STATE);
    assert_int_equal(rrt_writer_add_event(w, 1, "a", 1, &err), RRT_E_STATE);
    assert_int_equal(rrt_writer_add_file(w, &e, &err), RRT_E_STATE);
    assert_int_equal(rrt_writer_set_meta(w, "k", "v", &err), RRT_E_STATE);
    assert_int_equal(rrt_writer_set_cpuid(w, &m, &err), RRT_E_STATE);
    assert_non_null(strstr(err.message, "already finished"));
    rrt_writer_free(w);
}

static void test_writer_rejects_bad_options_and_states(void **state)
{
    (void)state;
    rrt_writer_options o = small_opts(1);
    rrt_writer *w = NULL;
    rrt_error err;
    const char *path = tpath("opts.rrt");
    o.chunk_size = 4095;
    assert_int_equal(rrt_writer_create(path, &o, &w, &err), RRT_E_INVALID);
    assert_null(w);
    o = small_opts(1);
    o.quality = 12;
    assert_int_equal(rrt_writer_create(path, &o, &w, &err), RRT_E_INVALID);
    o = small_opts(1);
    o.event_batch = 0;
    assert_int_equal(rrt_writer_create(path, &o, &w, &err), RRT_E_INVALID);
    assert_false(exists(tpath("opts.rrt.partial")));
    o = small_opts(1);
    o.mode = 0600;
    assert_int_equal(rrt_writer_create(path, &o, &w, &err), RRT_OK);
    assert_true(exists(tpath("opts.rrt.partial")));
    assert_false(exists(path));
    assert_int_equal(rrt_writer_finish(w, &err), RRT_OK);
    assert_int_equal(rrt_writer_finish(w, &err), RRT_E_STATE);
    assert_int_equal(rrt_writer_add_blob(w, "x", 1, NULL, &err), RRT_E_STATE);
    rrt_writer_free(w);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    /* Free after finish keeps the archive. */
    assert_true(exists(path));
    rrt_reader *r = open_ok(path);
    rrt_reader_close(r);
    /* An empty archive: header, INDX with no entries, footer. */
    assert_int_equal(sb.st_size, 16 + 24 + 24 + 32);
}

int main(int argc, char **argv)
{
    /* Library bugs still open, run as their own ctest (see
     * tests/format_tests.cmake). */
    const struct CMUnitTest known_bugs[] = {
        cmocka_unit_test(test_thread_count_independent_with_pipe_duplicate),
        cmocka_unit_test(test_thread_count_independent_with_rejected_blob),
        cmocka_unit_test(test_calls_after_finish_are_refused),
    };
    if (argc == 2 && strcmp(argv[1], "--known-bugs") == 0)
        return cmocka_run_group_tests(known_bugs, setup_dir, teardown_dir);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blobs_roundtrip_at_chunk_boundaries),
        cmocka_unit_test(test_shared_chunks_roundtrip_and_file_order),
        cmocka_unit_test(test_same_content_twice_is_one_blob),
        cmocka_unit_test(test_add_blob_fd_regular_file_and_pipe),
        cmocka_unit_test(test_files_embedded_and_external),
        cmocka_unit_test(test_events_many_batches_and_seek),
        cmocka_unit_test(test_event_iter_peek_across_batches),
        cmocka_unit_test(test_event_iters_share_batches),
        cmocka_unit_test(test_event_iter_on_archive_without_events),
        cmocka_unit_test(
            test_find_file_in_archive_without_files_leaves_entry_zeroed),
        cmocka_unit_test(test_oversized_event_is_refused),
        cmocka_unit_test(test_meta_later_section_overrides),
        cmocka_unit_test(test_cpuid_manifest_roundtrip),
        cmocka_unit_test(test_cpuid_effective_semantics),
        cmocka_unit_test(test_thread_count_does_not_change_a_byte),
        cmocka_unit_test(test_writer_workers_block_signals),
        cmocka_unit_test(test_add_blob_reader_expect_semantics),
        cmocka_unit_test(test_writer_rejects_bad_options_and_states),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
