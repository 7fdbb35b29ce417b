/* Writer fault injection through rrt_writer_options.io: every write, every
 * fsync and the rename fail in turn; the error must name the .partial file
 * and the system error, and nothing may be left under either name. Also the
 * .partial life cycle: O_EXCL, free, abandon + recover. */
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

#include "rrti.h"

static char g_dir[64];
static char g_final[128], g_partial[160];
static unsigned g_threads = 1;

typedef struct faults {
    unsigned writes, fsyncs, renames;
    unsigned fail_write; /* 1-based call number to fail, 0 = none */
    unsigned fail_fsync;
    bool fail_rename;
    bool short_writes; /* write at most 1000 bytes per call */
    int err;           /* errno to inject */
} faults;

static ssize_t h_write(void *ctx, int fd, const void *buf, size_t n)
{
    faults *f = ctx;
    if (++f->writes == f->fail_write) {
        errno = f->err;
        return -1;
    }
    if (f->short_writes && n > 1000)
        n = 1000;
    return write(fd, buf, n);
}

static int h_fsync(void *ctx, int fd)
{
    faults *f = ctx;
    if (++f->fsyncs == f->fail_fsync) {
        errno = f->err;
        return -1;
    }
    return fsync(fd);
}

static int h_rename(void *ctx, const char *from, const char *to)
{
    faults *f = ctx;
    f->renames++;
    if (f->fail_rename) {
        errno = f->err;
        return -1;
    }
    return rename(from, to);
}

static bool exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

static uint8_t *noise(size_t n, uint32_t seed)
{
    uint8_t *p = malloc(n);
    uint32_t x = seed | 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return p;
}

/* The first failure of a session. */
typedef struct outcome {
    rrt_status st;
    rrt_error err;
    const char *where;
} outcome;

static void note(outcome *o, rrt_status st, const rrt_error *err,
                 const char *where)
{
    if (st != RRT_OK && o->st == RRT_OK) {
        o->st = st;
        o->err = *err;
        o->where = where;
    }
}

/* A representative session: blobs (one larger than the output buffer),
 * files, events, CPUID, metadata, flushes, finish. Keeps going after a
 * failure, as a careless caller would; returns the first failure. */
static outcome session(faults *f, bool sync)
{
    rrt_writer_options o;
    rrt_writer_options_init(&o);
    o.threads = g_threads;
    o.chunk_size = 4096;
    o.event_batch = 512;
    o.quality = 0;
    o.no_sync = !sync;
    rrt_io_hooks io = {h_write, h_fsync, h_rename, f};
    o.io = &io;
    outcome out = {RRT_OK, {0}, NULL};
    rrt_error err;
    rrt_writer *w;
    unlink(g_final);
    unlink(g_partial);
    rrt_status st = rrt_writer_create(g_final, &o, &w, &err);
    assert_int_equal(st, RRT_OK);
    uint8_t *big = noise(600000, 1);
    rrt_blob_id id;
    note(&out, rrt_writer_add_blob(w, big, 600000, &id, &err), &err,
         "add_blob");
    rrt_file_entry e = {0};
    e.path = "/big";
    e.flags = RRT_FILE_HAS_BLOB;
    e.size = 600000;
    e.blob = id;
    if (out.st == RRT_OK)
        note(&out, rrt_writer_add_file(w, &e, &err), &err, "add_file");
    note(&out, rrt_writer_flush(w, &err), &err, "flush");
    for (uint32_t i = 0; i < 5; i++) {
        note(&out, rrt_writer_add_blob(w, big + i * 1000, 5000 + i, &id, &err),
             &err, "add_blob");
        note(&out, rrt_writer_flush(w, &err), &err, "flush");
    }
    for (uint32_t i = 0; i < 400; i++)
        note(&out, rrt_writer_add_event(w, i % 9, big + i, i % 30, &err), &err,
             "add_event");
    rrt_cpuid_manifest m = {0};
    strcpy(m.vendor, "GenuineIntel");
    note(&out, rrt_writer_set_cpuid(w, &m, &err), &err, "set_cpuid");
    note(&out, rrt_writer_set_meta(w, "tool", "faults", &err), &err,
         "set_meta");
    note(&out, rrt_writer_flush(w, &err), &err, "flush");
    rrt_status fst = rrt_writer_finish(w, &err);
    note(&out, fst, &err, "finish");
    /* A failure anywhere fails the finish too. */
    if (out.st != RRT_OK)
        assert_int_equal(fst, out.st);
    rrt_writer_free(w);
    free(big);
    return out;
}

static void expect_io_failure(const outcome *o, int e, const char *what)
{
    if (o->st != RRT_E_IO)
        fail_msg("%s: expected RRT_E_IO, got %s (%s)", what,
                 rrt_status_name(o->st), o->err.message);
    assert_int_equal(o->err.sys_errno, e);
    if (!strstr(o->err.message, g_partial) ||
        !strstr(o->err.message, strerror(e)) || strchr(o->err.message, '\n'))
        fail_msg("%s: message does not name %s and '%s': %s", what, g_partial,
                 strerror(e), o->err.message);
    if (exists(g_final) || exists(g_partial))
        fail_msg("%s: %s or its .partial left behind", what, g_final);
}

static void test_clean_session_counts_calls(void **state)
{
    (void)state;
    faults f = {0};
    outcome o = session(&f, true);
    if (o.st != RRT_OK)
        fail_msg("%s", o.err.message);
    assert_true(exists(g_final));
    assert_false(exists(g_partial));
    assert_true(f.writes >= 6);
    assert_int_equal(f.fsyncs, 2); /* the file, then its directory */
    assert_int_equal(f.renames, 1);
    rrt_verify_report rep;
    rrt_error err;
    assert_int_equal(rrt_verify_archive(g_final, NULL, NULL, &rep, &err),
                     RRT_OK);
    print_message("session: %u writes, %u fsyncs, %u renames\n", f.writes,
                  f.fsyncs, f.renames);
}

static void test_short_writes_are_completed(void **state)
{
    (void)state;
    faults f = {0};
    f.short_writes = true;
    outcome o = session(&f, false);
    if (o.st != RRT_OK)
        fail_msg("%s", o.err.message);
    rrt_verify_report rep;
    rrt_error err;
    assert_int_equal(rrt_verify_archive(g_final, NULL, NULL, &rep, &err),
                     RRT_OK);
    assert_true(f.writes > 600);
}

static void test_every_failed_write_is_reported(void **state)
{
    (void)state;
    faults clean = {0};
    session(&clean, true);
    unsigned n = clean.writes;
    const int errs[] = {EIO, ENOSPC};
    /* With worker threads too: queued work must be dropped cleanly. */
    for (size_t e = 0; e < 4; e++) {
        g_threads = e < 2 ? 1 : 3;
        for (unsigned k = 1; k <= n; k++) {
            faults f = {0};
            f.fail_write = k;
            f.err = errs[e % 2];
            outcome o = session(&f, true);
            char what[80];
            snprintf(what, sizeof(what),
                     "write %u of %u failing with %s (%u "
                     "threads)",
                     k, n, strerror(errs[e % 2]), g_threads);
            expect_io_failure(&o, errs[e % 2], what);
            assert_non_null(strstr(o.err.message, "write failed"));
            /* No fsync or rename after a failed write. */
            assert_int_equal(f.renames, 0);
        }
    }
    g_threads = 1;
}

static void test_every_failed_fsync_is_reported(void **state)
{
    (void)state;
    for (unsigned k = 1; k <= 2; k++) {
        faults f = {0};
        f.fail_fsync = k;
        f.err = EIO;
        outcome o = session(&f, true);
        char what[32];
        snprintf(what, sizeof(what), "fsync %u failing", k);
        expect_io_failure(&o, EIO, what);
        assert_string_equal(o.where, "finish");
        assert_non_null(strstr(o.err.message,
                               k == 1 ? ": fsync failed" : "directory fsync"));
    }
}

static void test_failed_rename_is_reported(void **state)
{
    (void)state;
    faults f = {0};
    f.fail_rename = true;
    f.err = EXDEV;
    outcome o = session(&f, true);
    expect_io_failure(&o, EXDEV, "rename failing");
    assert_non_null(strstr(o.err.message, "rename to"));
    assert_non_null(strstr(o.err.message, g_final));
}

static void test_existing_partial_is_refused_and_untouched(void **state)
{
    (void)state;
    unlink(g_final);
    FILE *p = fopen(g_partial, "w");
    fputs("someone else's partial\n", p);
    fclose(p);
    rrt_writer *w = (rrt_writer *)1;
    rrt_error err;
    assert_int_equal(rrt_writer_create(g_final, NULL, &w, &err), RRT_E_EXISTS);
    assert_null(w);
    assert_non_null(strstr(err.message, g_partial));
    assert_non_null(strstr(err.message, "rrt recover"));
    char buf[64] = {0};
    p = fopen(g_partial, "r");
    assert_non_null(fgets(buf, sizeof(buf), p));
    fclose(p);
    assert_string_equal(buf, "someone else's partial\n");
    assert_false(exists(g_final));
    unlink(g_partial);
}

static void test_free_without_finish_removes_partial(void **state)
{
    (void)state;
    unlink(g_final);
    rrt_writer_options o;
    rrt_writer_options_init(&o);
    o.no_sync = true;
    rrt_writer *w;
    rrt_error err;
    assert_int_equal(rrt_writer_create(g_final, &o, &w, &err), RRT_OK);
    struct stat sb;
    assert_int_equal(stat(g_partial, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    assert_int_equal(rrt_writer_add_blob(w, "abc", 3, NULL, &err), RRT_OK);
    rrt_writer_free(w);
    assert_false(exists(g_partial));
    assert_false(exists(g_final));
}

static void test_abandon_keeps_partial_and_recover_restores_it(void **state)
{
    (void)state;
    unlink(g_final);
    rrt_writer_options o;
    rrt_writer_options_init(&o);
    o.no_sync = true;
    o.chunk_size = 4096;
    o.event_batch = 100;
    o.threads = 2;
    rrt_writer *w;
    rrt_error err;
    assert_int_equal(rrt_writer_create(g_final, &o, &w, &err), RRT_OK);
    uint8_t *d = noise(20000, 5);
    rrt_blob_id id;
    assert_int_equal(rrt_writer_add_blob(w, d, 20000, &id, &err), RRT_OK);
    rrt_file_entry e = {0};
    e.path = "/d";
    e.flags = RRT_FILE_HAS_BLOB;
    e.size = 20000;
    e.blob = id;
    assert_int_equal(rrt_writer_add_file(w, &e, &err), RRT_OK);
    for (uint32_t i = 0; i < 50; i++)
        assert_int_equal(rrt_writer_add_event(w, 3, &i, sizeof(i), &err),
                         RRT_OK);
    assert_int_equal(rrt_writer_set_meta(w, "exit_status", "killed", &err),
                     RRT_OK);
    /* Abandon flushes what is pending, as a recorder does on SIGTERM. */
    rrt_writer_abandon(w);
    assert_true(exists(g_partial));
    assert_false(exists(g_final));
    rrt_reader *r;
    assert_int_equal(rrt_reader_open(g_partial, &r, &err), RRT_E_TRUNCATED);
    assert_non_null(strstr(err.message, "rrt recover"));

    char out[192];
    snprintf(out, sizeof(out), "%s/recovered.rrt", g_dir);
    unlink(out);
    rrt_recover_report rep;
    assert_int_equal(rrt_recover(g_partial, out, &o, &rep, &err), RRT_OK);
    assert_true(rep.bytes_dropped == 0);
    assert_true(exists(g_partial)); /* the input is never modified */
    assert_int_equal(rrt_verify_archive(out, NULL, NULL, NULL, &err), RRT_OK);
    assert_int_equal(rrt_reader_open(out, &r, &err), RRT_OK);
    uint8_t *got;
    size_t n;
    assert_int_equal(rrt_reader_read_blob(r, &id, 1 << 20, &got, &n, &err),
                     RRT_OK);
    assert_int_equal(n, 20000);
    assert_memory_equal(got, d, n);
    free(got);
    rrt_file_entry g;
    assert_int_equal(rrt_reader_find_file(r, "/d", &g, &err), RRT_OK);
    rrt_file_entry_clear(&g);
    rrt_archive_info info;
    rrt_reader_info(r, &info);
    assert_true(info.n_events == 50);
    rrt_event_iter *it;
    assert_int_equal(rrt_event_iter_open(r, 49, &it, &err), RRT_OK);
    rrt_event ev;
    assert_int_equal(rrt_event_iter_next(it, &ev, &err), RRT_OK);
    uint32_t last;
    memcpy(&last, ev.data, 4);
    assert_int_equal(last, 49);
    rrt_event_iter_close(it);
    assert_string_equal(rrt_reader_meta_get(r, "exit_status"), "killed");
    rrt_reader_close(r);
    unlink(g_partial);
    free(d);
}

static int setup(void **state)
{
    (void)state;
    strcpy(g_dir, "/tmp/rrt_flt_XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    snprintf(g_final, sizeof(g_final), "%s/out.rrt", g_dir);
    snprintf(g_partial, sizeof(g_partial), "%s.partial", g_final);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_session_counts_calls),
        cmocka_unit_test(test_short_writes_are_completed),
        cmocka_unit_test(test_every_failed_write_is_reported),
        cmocka_unit_test(test_every_failed_fsync_is_reported),
        cmocka_unit_test(test_failed_rename_is_reported),
        cmocka_unit_test(test_existing_partial_is_refused_and_untouched),
        cmocka_unit_test(test_free_without_finish_removes_partial),
        cmocka_unit_test(test_abandon_keeps_partial_and_recover_restores_it),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
