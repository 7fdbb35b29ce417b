/* Unit tests of the record/replay trace layer (event codecs, the syscall
 * table, metadata lists) and an end-to-end check that replay reports a
 * divergence when an archive's event does not match what the program
 * does. The end-to-end test needs RRT_CLI and RRT_TRACEE in the
 * environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "producer.h"
#include "recorder.h"
#include "recorderi.h"
#include "trace.h"

/* The records the recorder reads from a tracee's syscall buffer (its own
 * side while the task runs, sb_flush.c): a whole chain is counted; a
 * header cut short, a size that is not a multiple of 8, runs past the
 * end or is smaller than a header, and output longer than its record are
 * refused with the offset of the bad record. */
static void test_sb_records_are_checked_before_use(void **state)
{
    (void)state;
    uint8_t buf[256];
    memset(buf, 0, sizeof(buf));
    struct sb_rec a = {.nr = 0, .size = 48, .ret = 5, .len = 5};
    struct sb_rec b = {.nr = 3, .size = 32, .ret = -9, .len = 0};
    memcpy(buf, &a, sizeof(a));
    memcpy(buf + 48, &b, sizeof(b));
    uint64_t n;
    assert_true(rec_sb_check_records(buf, 80, &n));
    assert_int_equal(n, 2);
    assert_true(rec_sb_check_records(buf, 0, &n));
    assert_int_equal(n, 0);
    /* the second header cut short: an exact-size copy, so that ASan sees
     * a read of the whole header */
    uint8_t *cut = malloc(60);
    assert_non_null(cut);
    memcpy(cut, buf, 60);
    assert_false(rec_sb_check_records(cut, 60, &n));
    assert_int_equal(n, 48);
    free(cut);
    /* the first record runs past the end */
    assert_false(rec_sb_check_records(buf, 40, &n));
    assert_int_equal(n, 0);
    struct sb_rec bad = a;
    bad.size = 44; /* not a multiple of 8 */
    memcpy(buf + 48, &bad, sizeof(bad));
    assert_false(rec_sb_check_records(buf, 96, &n));
    assert_int_equal(n, 48);
    bad.size = 24; /* smaller than a header */
    memcpy(buf + 48, &bad, sizeof(bad));
    assert_false(rec_sb_check_records(buf, 96, &n));
    bad.size = 40, bad.len = 9; /* 8 bytes of room */
    memcpy(buf + 48, &bad, sizeof(bad));
    assert_false(rec_sb_check_records(buf, 96, &n));
    assert_int_equal(n, 48);
}

static void test_syscall_event_round_trips(void **state)
{
    (void)state;
    char path[] = "/tmp/rrt-ev.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    rrt_writer *w;
    rrt_writer_options wo;
    rrt_writer_options_init(&wo);
    wo.no_sync = true;
    assert_int_equal(rrt_writer_create(path, &wo, &w, NULL), RRT_OK);
    rec_producer p;
    rec_producer_init(&p, w);
    static const uint8_t data[] = "buffer contents";
    rrt_ev_mem mem[2] = {{0x1000, 5, data}, {0x7fffffffe000, 16, data}};
    rrt_ev_syscall e = {.tid = 42,
                        .nr = SYS_read,
                        .args = {3, 0x1000, 5, 0, 0, UINT64_MAX},
                        .ret = -14,
                        .flags = RRT_EV_SC_STDIO | RRT_EV_SC_FILE,
                        .n_mem = 2,
                        .mem = mem,
                        .file_index = 7,
                        .stdio_stream = 2,
                        .stdio_len = 3,
                        .stdio_data = data};
    assert_int_equal(rec_emit_syscall(&p, &e, NULL), RRT_OK);
    rrt_ev_signal sg = {.tid = 42, .signo = 10, .sync = 1};
    sg.siginfo[0] = 10;
    assert_int_equal(rec_emit_signal(&p, &sg, NULL), RRT_OK);
    assert_int_equal(rrt_writer_finish(w, NULL), RRT_OK);
    rrt_writer_free(w);
    rec_producer_free(&p);

    rrt_reader *r;
    rrt_event_iter *it;
    rrt_event ev;
    assert_int_equal(rrt_reader_open(path, &r, NULL), RRT_OK);
    assert_int_equal(rrt_event_iter_open(r, 0, &it, NULL), RRT_OK);
    assert_int_equal(rrt_event_iter_next(it, &ev, NULL), RRT_OK);
    assert_int_equal(ev.type, RRT_EV_SYSCALL);
    rrt_ev_syscall d;
    assert_int_equal(rrt_ev_decode_syscall(ev.data, ev.len, &d, NULL), RRT_OK);
    const rrt_ev_mem *dm = d.mem;
    assert_int_equal(d.tid, 42);
    assert_int_equal(d.ret, -14);
    assert_true(d.args[5] == UINT64_MAX);
    assert_int_equal(d.n_mem, 2);
    assert_true(dm[1].addr == 0x7fffffffe000);
    assert_memory_equal(dm[1].data, data, 16);
    assert_int_equal(d.file_index, 7);
    assert_int_equal(d.stdio_stream, 2);
    assert_memory_equal(d.stdio_data, "buf", 3);
    /* every truncation of the payload is rejected, never over-read */
    rrt_ev_syscall_clear(&d);
    for (size_t n = 0; n < ev.len; n++) {
        assert_int_not_equal(rrt_ev_decode_syscall(ev.data, n, &d, NULL),
                             RRT_OK);
        rrt_ev_syscall_clear(&d);
    }
    assert_int_equal(rrt_event_iter_next(it, &ev, NULL), RRT_OK);
    rrt_ev_signal ds;
    assert_int_equal(rrt_ev_decode_signal(ev.data, ev.len, &ds, NULL), RRT_OK);
    assert_int_equal(ds.signo, 10);
    assert_int_equal(ds.sync, 1);
    assert_int_equal(ds.siginfo[0], 10);
    rrt_event_iter_close(it);
    rrt_reader_close(r);
    unlink(path);
}

static void test_list_codec_round_trips_newlines_and_backslashes(void **state)
{
    (void)state;
    char *items[] = {"plain", "two\nlines", "back\\slash", "x=\\n"};
    char *text = rrt_list_encode(items, 4);
    assert_non_null(text);
    size_t lines = 0;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 3); /* separators only: the item's is escaped */
    size_t n;
    char **v = rrt_list_decode(text, &n);
    assert_non_null(v);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(v[i], items[i]);
    assert_null(v[4]);
    free(v);
    free(text);
}

static void test_env_secret_names(void **state)
{
    (void)state;
    static const char *secret[] = {"GITHUB_TOKEN", "api_key", "MY_SECRET",
                                   "DB_PASSWORD", "AWS_REGION"};
    static const char *plain[] = {"HOME", "PATH", "LANG", "TERM", "XAWS_X"};
    for (size_t i = 0; i < 5; i++) {
        assert_true(rec_env_is_secret(secret[i], strlen(secret[i])));
        assert_false(rec_env_is_secret(plain[i], strlen(plain[i])));
    }
}

static void test_syscall_table_rows_name_their_calls(void **state)
{
    (void)state;
    char buf[32];
    size_t rows = 0;
    for (long nr = 0; nr < 512; nr++) {
        const trace_sc_desc *d = trace_syscall_desc(nr);
        if (!trace_syscall_known(nr))
            continue;
        rows++;
        assert_string_equal(d->name, trace_syscall_name(nr, buf));
        assert_true(d->nargs <= 6);
    }
    assert_true(rows > 150);
    /* refused at record so that libc falls back */
    assert_int_equal(trace_syscall_desc(SYS_clone3)->mode, TRACE_SC_ENOSYS);
    assert_int_equal(trace_syscall_desc(SYS_rseq)->mode, TRACE_SC_ENOSYS);
    /* emulated, with their outputs described by code */
    assert_int_equal(trace_syscall_desc(SYS_sendmmsg)->mode, TRACE_SC_EMULATE);
    assert_int_equal(trace_syscall_desc(SYS_sendmmsg)->nargs, 4);
    assert_int_equal(trace_syscall_desc(SYS_recvmmsg)->out0.kind,
                     TRACE_OUT_SPECIAL);
    assert_int_equal(trace_syscall_desc(SYS_recvmmsg)->out1.kind,
                     TRACE_OUT_FIXED); /* the timeout it updates */
    /* the kernel writes io_uring completions outside system calls */
    assert_int_equal(trace_syscall_desc(SYS_io_uring_setup)->mode,
                     TRACE_SC_ENOSYS);
    assert_string_equal(trace_syscall_name(SYS_io_uring_setup, buf),
                        "io_uring_setup");
}

/* Copies an archive's metadata (key, if not NULL, set to value), file
 * entries and CPUID manifest from r to w. */
static void copy_head(rrt_reader *r, rrt_writer *w, const char *key,
                      const char *value)
{
    const rrt_meta_entry *meta;
    size_t n;
    assert_int_equal(rrt_reader_meta(r, &meta, &n, NULL), RRT_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(
            rrt_writer_set_meta(w, meta[i].key, meta[i].value, NULL), RRT_OK);
    if (key)
        assert_int_equal(rrt_writer_set_meta(w, key, value, NULL), RRT_OK);
    for (size_t i = 0; i < rrt_reader_file_count(r); i++) {
        rrt_file_entry f = {0};
        assert_int_equal(rrt_reader_file(r, i, &f, NULL), RRT_OK);
        assert_int_equal(rrt_writer_add_file(w, &f, NULL), RRT_OK);
        rrt_file_entry_clear(&f);
    }
    rrt_cpuid_manifest m = {0};
    assert_int_equal(rrt_reader_cpuid(r, &m, NULL), RRT_OK);
    assert_int_equal(rrt_writer_set_cpuid(w, &m, NULL), RRT_OK);
    rrt_cpuid_manifest_clear(&m);
}

/* Copies an archive, changing the last write(2) event: its argument 0,
 * or (bytes) the first byte it wrote to stdout. */
static void copy_with_altered_write(const char *in, const char *out, bool bytes,
                                    uint64_t *altered)
{
    rrt_reader *r;
    rrt_writer *w;
    rrt_writer_options wo;
    rrt_writer_options_init(&wo);
    wo.no_sync = true;
    assert_int_equal(rrt_reader_open(in, &r, NULL), RRT_OK);
    assert_int_equal(rrt_writer_create(out, &wo, &w, NULL), RRT_OK);
    copy_head(r, w, NULL, NULL);
    /* find the last write */
    rrt_event_iter *it;
    rrt_event ev;
    uint64_t last = UINT64_MAX;
    assert_int_equal(rrt_event_iter_open(r, 0, &it, NULL), RRT_OK);
    while (rrt_event_iter_next(it, &ev, NULL) == RRT_OK) {
        rrt_ev_syscall e;
        if (ev.type == RRT_EV_SYSCALL &&
            rrt_ev_decode_syscall(ev.data, ev.len, &e, NULL) == RRT_OK) {
            if (e.nr == SYS_write)
                last = ev.seq;
            rrt_ev_syscall_clear(&e);
        }
    }
    rrt_event_iter_close(it);
    assert_true(last != UINT64_MAX);
    rec_producer p;
    rec_producer_init(&p, w);
    assert_int_equal(rrt_event_iter_open(r, 0, &it, NULL), RRT_OK);
    while (rrt_event_iter_next(it, &ev, NULL) == RRT_OK) {
        if (ev.seq != last) {
            assert_int_equal(
                rrt_writer_add_event(w, ev.type, ev.data, ev.len, NULL),
                RRT_OK);
            continue;
        }
        rrt_ev_syscall e;
        assert_int_equal(rrt_ev_decode_syscall(ev.data, ev.len, &e, NULL),
                         RRT_OK);
        uint8_t *copy = NULL;
        if (bytes) {
            assert_true(e.flags & RRT_EV_SC_STDIO);
            copy = malloc(e.stdio_len);
            assert_non_null(copy);
            memcpy(copy, e.stdio_data, e.stdio_len);
            copy[0] ^= 0x20;
            e.stdio_data = copy;
        } else {
            e.args[0] = 2; /* the program writes to 1 */
        }
        assert_int_equal(rec_emit_syscall(&p, &e, NULL), RRT_OK);
        free(copy);
        rrt_ev_syscall_clear(&e);
    }
    rrt_event_iter_close(it);
    assert_int_equal(rrt_writer_finish(w, NULL), RRT_OK);
    rrt_writer_free(w);
    rec_producer_free(&p);
    rrt_reader_close(r);
    *altered = last;
}

/* The first size-1 bytes of the file at path, NUL-terminated. */
static void read_text(const char *path, char *text, size_t size)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t got = fread(text, 1, size - 1, f);
    text[got] = 0;
    fclose(f);
}

static void divergence_case(bool bytes, const char *expect)
{
    const char *cli = getenv("RRT_CLI"), *tracee = getenv("RRT_TRACEE");
    if (!cli || !tracee)
        skip();
    char dir[] = "/tmp/rrt-div.XXXXXX", cmd[2048], a[64], b[64], log[64];
    assert_non_null(mkdtemp(dir));
    snprintf(a, sizeof(a), "%s/a.rrt", dir);
    snprintf(b, sizeof(b), "%s/b.rrt", dir);
    snprintf(log, sizeof(log), "%s/err", dir);
    snprintf(cmd, sizeof(cmd), "'%s' record -o %s '%s' >/dev/null", cli, a,
             tracee);
    assert_int_equal(system(cmd), 0);
    uint64_t altered;
    copy_with_altered_write(a, b, bytes, &altered);
    snprintf(cmd, sizeof(cmd), "'%s' replay %s >/dev/null 2>%s", cli, b, log);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 125); /* a divergence */
    char text[4096];
    read_text(log, text, sizeof(text));
    char want[128];
    snprintf(want, sizeof(want), "divergence at event %llu",
             (unsigned long long)altered);
    assert_non_null(strstr(text, want));
    if (!strstr(text, expect))
        fprintf(stderr, "replay said:\n%s", text);
    assert_non_null(strstr(text, expect));
    assert_non_null(strstr(text, "registers: rip="));
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void
test_replay_reports_divergence_with_event_and_registers(void **state)
{
    (void)state;
    divergence_case(false, "): write argument 0: expected 0x2, found 0x1");
}

static void test_replay_compares_bytes_written_to_stdout(void **state)
{
    (void)state;
    divergence_case(true, "bytes written to fd 1: expected the recorded ");
}

/* A recording made with a syscall buffer protocol this rrt does not know
 * is refused before it runs, with the value named, not met as a
 * divergence at the first request the library makes. */
static void test_replay_refuses_unknown_syscall_buffer_protocol(void **state)
{
    (void)state;
    const char *cli = getenv("RRT_CLI"), *tracee = getenv("RRT_TRACEE");
    if (!cli || !tracee)
        skip();
    char dir[] = "/tmp/rrt-sbproto.XXXXXX", cmd[2048], a[64], b[64], log[64];
    assert_non_null(mkdtemp(dir));
    snprintf(a, sizeof(a), "%s/a.rrt", dir);
    snprintf(b, sizeof(b), "%s/b.rrt", dir);
    snprintf(log, sizeof(log), "%s/err", dir);
    snprintf(cmd, sizeof(cmd),
             "'%s' record --syscall-buffer -o %s '%s' >/dev/null", cli, a,
             tracee);
    assert_int_equal(system(cmd), 0);
    rrt_reader *r;
    rrt_writer *w;
    rrt_writer_options wo;
    rrt_writer_options_init(&wo);
    wo.no_sync = true;
    assert_int_equal(rrt_reader_open(a, &r, NULL), RRT_OK);
    assert_string_equal(rrt_reader_meta_get(r, "record.syscallbuf"), "3");
    assert_int_equal(rrt_writer_create(b, &wo, &w, NULL), RRT_OK);
    copy_head(r, w, "record.syscallbuf", "4");
    rrt_event_iter *it;
    rrt_event ev;
    assert_int_equal(rrt_event_iter_open(r, 0, &it, NULL), RRT_OK);
    while (rrt_event_iter_next(it, &ev, NULL) == RRT_OK)
        assert_int_equal(
            rrt_writer_add_event(w, ev.type, ev.data, ev.len, NULL), RRT_OK);
    rrt_event_iter_close(it);
    assert_int_equal(rrt_writer_finish(w, NULL), RRT_OK);
    rrt_writer_free(w);
    rrt_reader_close(r);
    snprintf(cmd, sizeof(cmd), "'%s' replay %s >/dev/null 2>%s", cli, b, log);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    assert_int_not_equal(WEXITSTATUS(st), 0);
    assert_int_not_equal(WEXITSTATUS(st), 125); /* not a divergence */
    char text[4096];
    read_text(log, text, sizeof(text));
    if (!strstr(text, "syscall buffer protocol 4"))
        fprintf(stderr, "replay said:\n%s", text);
    assert_non_null(strstr(text, "syscall buffer protocol 4"));
    assert_non_null(strstr(text, "b.rrt"));
    snprintf(cmd, sizeof(cmd), "'%s' replay %s >/dev/null", cli, a);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syscall_event_round_trips),
        cmocka_unit_test(test_list_codec_round_trips_newlines_and_backslashes),
        cmocka_unit_test(test_env_secret_names),
        cmocka_unit_test(test_syscall_table_rows_name_their_calls),
        cmocka_unit_test(
            test_replay_reports_divergence_with_event_and_registers),
        cmocka_unit_test(test_replay_compares_bytes_written_to_stdout),
        cmocka_unit_test(test_replay_refuses_unknown_syscall_buffer_protocol),
        cmocka_unit_test(test_sb_records_are_checked_before_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
