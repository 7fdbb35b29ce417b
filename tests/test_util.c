/* The rrtx helpers (util/): error filling, checked growth, hex, the JSON
 * writer and atomic files. Each test fails when its helper is broken. */
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

#include "rrtx.h"

/* ------------------------------------------------------------------ */
/* Errors                                                             */

static void test_fail_formats_path_offset_and_errno(void **state)
{
    (void)state;
    rrt_error e;
    assert_int_equal(rrtx_fail(&e, RRT_E_IO, ENOENT, "a.rrt", 81920,
                               "blob %d: read failed", 3),
                     RRT_E_IO);
    assert_string_equal(e.message, "a.rrt: blob 3: read failed at offset "
                                   "81920: No such file or directory");
    assert_int_equal(e.status, RRT_E_IO);
    assert_int_equal(e.sys_errno, ENOENT);
    assert_true(e.offset == 81920);
    rrtx_fail(&e, RRT_E_PARSE, 0, NULL, UINT64_MAX, "just %s", "this");
    assert_string_equal(e.message, "just this");
    assert_int_equal(e.sys_errno, 0);
    assert_true(e.offset == UINT64_MAX);
    assert_int_equal(rrtx_fail(NULL, RRT_E_LIMIT, 0, NULL, 0, "x"),
                     RRT_E_LIMIT);
}

/* Every part may overflow the 512-byte message: it must end cut short and
 * NUL-terminated, never written past. */
static void test_fail_truncates_long_messages_safely(void **state)
{
    (void)state;
    char longpath[900];
    memset(longpath, 'p', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = 0;
    struct {
        rrt_error e;
        char guard[64];
    } s;
    memset(s.guard, 0x5a, sizeof(s.guard));
    for (size_t cut = 0; cut < 600; cut += 7) {
        rrtx_fail(&s.e, RRT_E_IO, EIO, longpath + cut, 1234, "%s",
                  longpath + 300);
        size_t n = strnlen(s.e.message, sizeof(s.e.message));
        assert_true(n < sizeof(s.e.message));
        assert_int_equal(n, sizeof(s.e.message) - 1);
        for (size_t i = 0; i < sizeof(s.guard); i++)
            assert_int_equal((unsigned char)s.guard[i], 0x5a);
    }
    /* A path that just fits leaves no room for the rest: still one line. */
    rrtx_fail(&s.e, RRT_E_IO, EIO, longpath + 900 - 1 - 509, 5, "what");
    assert_int_equal(strlen(s.e.message), 511);
    assert_memory_equal(s.e.message + 509, ": ", 2);
}

static void test_format_reports_truncation(void **state)
{
    (void)state;
    char buf[8];
    assert_true(rrtx_format(buf, sizeof(buf), "%s", "1234567"));
    assert_string_equal(buf, "1234567");
    assert_false(rrtx_format(buf, sizeof(buf), "%s", "12345678"));
    assert_string_equal(buf, "1234567");
}

/* ------------------------------------------------------------------ */
/* Growth                                                             */

static void test_grow_doubles_and_keeps_contents(void **state)
{
    (void)state;
    size_t cap = 0;
    int *v = NULL;
    for (int i = 0; i < 1000; i++) {
        int *p = rrtx_grow(v, &cap, (size_t)i + 1, sizeof(*v));
        assert_non_null(p);
        assert_true(cap >= (size_t)i + 1);
        v = p;
        v[i] = i * 3;
    }
    assert_true(cap < 2048); /* doubling, not one element at a time */
    for (int i = 0; i < 1000; i++)
        assert_int_equal(v[i], i * 3);
    /* Enough room already: the same array back, capacity unchanged. */
    size_t before = cap;
    assert_ptr_equal(rrtx_grow(v, &cap, 10, sizeof(*v)), v);
    assert_int_equal(cap, before);
    /* A jump past double the capacity gets at least what was asked. */
    int *p = rrtx_grow(v, &cap, 100000, sizeof(*v));
    assert_non_null(p);
    assert_true(cap >= 100000);
    free(p);
}

static void test_grow_refuses_overflow(void **state)
{
    (void)state;
    size_t cap = 4;
    uint64_t *v = malloc(4 * sizeof(*v));
    assert_non_null(v);
    /* need * size overflows size_t: refused, array and capacity kept. */
    assert_null(rrtx_grow(v, &cap, SIZE_MAX / 8 + 2, sizeof(*v)));
    assert_int_equal(cap, 4);
    assert_null(rrtx_grow(v, &cap, SIZE_MAX, 2));
    assert_int_equal(cap, 4);
    assert_null(rrtx_grow(NULL, &cap, (SIZE_MAX >> 4) + 1, 16));
    assert_int_equal(cap, 4);
    assert_null(rrtx_grow(v, &cap, 5, 0));
    /* No object is larger than PTRDIFF_MAX: refused before realloc, which
     * under ASan would abort rather than fail (rrt_buf_reserve relies on
     * it for a hostile length). */
    assert_null(rrtx_grow(v, &cap, (size_t)PTRDIFF_MAX + 1, 1));
    assert_null(rrtx_grow(v, &cap, SIZE_MAX - 8, 1));
    assert_int_equal(cap, 4);
    v[3] = 7; /* still ours */
    free(v);
}

/* ------------------------------------------------------------------ */
/* Hex                                                                */

static void test_hex_round_trip(void **state)
{
    (void)state;
    uint8_t in[256], out[256];
    for (int i = 0; i < 256; i++)
        in[i] = (uint8_t)i;
    char hex[513];
    rrtx_hex_encode(in, sizeof(in), hex);
    assert_int_equal(strlen(hex), 512);
    assert_memory_equal(hex, "000102", 6);
    assert_string_equal(hex + 506, "fdfeff");
    assert_true(rrtx_hex_decode(hex, 512, out));
    assert_memory_equal(in, out, sizeof(in));
    assert_true(rrtx_hex_decode("DEADbeef", 8, out));
    assert_memory_equal(out, "\xde\xad\xbe\xef", 4);
    rrtx_hex_encode(in, 0, hex);
    assert_string_equal(hex, "");
}

static void test_hex_rejects_bad_digits_and_odd_length(void **state)
{
    (void)state;
    uint8_t out[4];
    assert_false(rrtx_hex_decode("0g", 2, out));
    assert_false(rrtx_hex_decode("g0", 2, out));
    assert_false(rrtx_hex_decode("12 4", 4, out));
    assert_false(rrtx_hex_decode("0x12", 4, out));
    assert_false(rrtx_hex_decode("abc", 3, out));
    assert_false(rrtx_hex_decode("1\0", 2, out));
    assert_int_equal(rrtx_hex_digit('/'), -1);
    assert_int_equal(rrtx_hex_digit(':'), -1);
    assert_int_equal(rrtx_hex_digit('@'), -1);
    assert_int_equal(rrtx_hex_digit('G'), -1);
    assert_int_equal(rrtx_hex_digit('`'), -1);
    assert_int_equal(rrtx_hex_digit('g'), -1);
    assert_int_equal(rrtx_hex_digit('9'), 9);
    assert_int_equal(rrtx_hex_digit('F'), 15);
    assert_int_equal(rrtx_hex_digit('a'), 10);
}

/* ------------------------------------------------------------------ */
/* JSON                                                               */

typedef struct text {
    char s[1024];
    size_t n;
} text;

static void put_text(void *ctx, const void *p, size_t n)
{
    text *t = ctx;
    assert_true(t->n + n < sizeof(t->s));
    memcpy(t->s + t->n, p, n);
    t->n += n;
    t->s[t->n] = 0;
}

static const char *json_of(const void *p, size_t n, unsigned flags, text *t)
{
    rrtx_json j;
    t->n = 0;
    t->s[0] = 0;
    rrtx_json_init(&j, put_text, t, flags);
    rrtx_json_bytes(&j, p, n);
    return t->s;
}

static void test_json_escapes_quotes_backslash_and_controls(void **state)
{
    (void)state;
    text t;
    assert_string_equal(json_of("a\"b\\c/d", 7, 0, &t), "\"a\\\"b\\\\c/d\"");
    assert_string_equal(json_of("\x01\n\r\t\x1f ~\x7f", 8, 0, &t),
                        "\"\\u0001\\u000a\\u000d\\u0009\\u001f ~\\u007f\"");
    assert_string_equal(
        json_of("\x01\n\r\t\x1f", 5, RRTX_JSON_SHORT_ESCAPES, &t),
        "\"\\u0001\\n\\r\\t\\u001f\"");
    /* A NUL inside the bytes is kept, escaped. */
    assert_string_equal(json_of("a\0b", 3, 0, &t), "\"a\\u0000b\"");
    assert_string_equal(json_of("", 0, 0, &t), "\"\"");
}

/* Bytes >= 0x80 (UTF-8 or not) become one \u00XX each, so any path is
 * valid JSON and round-trips byte for byte. */
static void test_json_escapes_every_high_byte(void **state)
{
    (void)state;
    text t;
    assert_string_equal(json_of("\xc3\xa9\xff\x80", 4, 0, &t),
                        "\"\\u00c3\\u00a9\\u00ff\\u0080\"");
    assert_string_equal(json_of("\xff", 1, RRTX_JSON_SHORT_ESCAPES, &t),
                        "\"\\u00ff\"");
}

static void test_json_values_and_members(void **state)
{
    (void)state;
    text t = {.n = 0};
    rrtx_json j;
    rrtx_json_init(&j, put_text, &t, 0);
    rrtx_json_raw(&j, "{");
    rrtx_json_key(&j, "", "k\"");
    rrtx_json_u64(&j, UINT64_MAX);
    rrtx_json_key(&j, ", ", "i");
    rrtx_json_i64(&j, INT64_MIN);
    rrtx_json_key(&j, ", ", "h");
    rrtx_json_hex(&j, "\x00\xab", 2);
    rrtx_json_key(&j, ", ", "b");
    rrtx_json_bool(&j, true);
    rrtx_json_raw(&j, ", \"a\": [");
    rrtx_json_str(&j, "x");
    rrtx_json_raw(&j, ", ");
    rrtx_json_bool(&j, false);
    rrtx_json_raw(&j, "]}");
    assert_string_equal(t.s, "{\"k\\\"\": 18446744073709551615, "
                             "\"i\": -9223372036854775808, \"h\": \"00ab\", "
                             "\"b\": true, \"a\": [\"x\", false]}");
    /* Long hex goes out whole, not cut at an internal buffer. */
    uint8_t big[200];
    memset(big, 0x5c, sizeof(big));
    t.n = 0;
    rrtx_json_hex(&j, big, sizeof(big));
    assert_int_equal(t.n, 2 * sizeof(big) + 2);
    assert_int_equal(strspn(t.s + 1, "5c"), 2 * sizeof(big));
}

static void test_json_file_sink(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    rrtx_json j;
    rrtx_json_init_file(&j, f, RRTX_JSON_SHORT_ESCAPES);
    rrtx_json_str(&j, "tab\there");
    fclose(f);
    assert_string_equal(buf, "\"tab\\there\"");
    free(buf);
}

/* ------------------------------------------------------------------ */
/* Atomic files                                                       */

static char g_dir[64];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/rrt-test-util.XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static bool exists(const char *dir, const char *name)
{
    char p[256];
    struct stat sb;
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    return lstat(p, &sb) == 0;
}

static void path_of(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", g_dir, name);
}

static void test_atomic_commit_publishes_the_file(void **state)
{
    (void)state;
    char path[256];
    path_of(path, sizeof(path), "ok.out");
    rrtx_atomic a;
    rrt_error e;
    assert_int_equal(rrtx_atomic_open(&a, path, ".partial", 0600, NULL, &e),
                     RRT_OK);
    assert_true(exists(g_dir, "ok.out.partial"));
    assert_false(exists(g_dir, "ok.out"));
    assert_int_equal(rrtx_atomic_write(&a, "hello", 5, &e), RRT_OK);
    assert_int_equal(rrtx_atomic_commit(&a, &e), RRT_OK);
    rrtx_atomic_free(&a);
    assert_true(exists(g_dir, "ok.out"));
    assert_false(exists(g_dir, "ok.out.partial"));
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 5);
    assert_int_equal(sb.st_mode & 0777, 0600);
}

/* Fault hooks: fail the write, the fsync or the rename. */
typedef struct faults {
    int fail; /* 1 write, 2 fsync, 3 rename */
} faults;

static ssize_t h_write(void *ctx, int fd, const void *p, size_t n)
{
    faults *f = ctx;
    if (f->fail == 1) {
        errno = ENOSPC;
        return -1;
    }
    /* Short writes must be continued, not taken as the end. */
    return write(fd, p, n > 3 ? 3 : n);
}

static int h_fsync(void *ctx, int fd)
{
    faults *f = ctx;
    if (f->fail == 2) {
        errno = EIO;
        return -1;
    }
    return fsync(fd);
}

static int h_rename(void *ctx, const char *from, const char *to)
{
    faults *f = ctx;
    if (f->fail == 3) {
        errno = EXDEV;
        return -1;
    }
    return rename(from, to);
}

static void test_atomic_failure_leaves_no_file(void **state)
{
    (void)state;
    static const char *const why[] = {"write failed", "fsync failed",
                                      "rename to "};
    for (int k = 1; k <= 3; k++) {
        char path[256], name[32];
        snprintf(name, sizeof(name), "f%d.out", k);
        path_of(path, sizeof(path), name);
        faults f = {k};
        rrt_io_hooks io = {h_write, h_fsync, h_rename, &f};
        rrtx_atomic a;
        rrt_error e;
        assert_int_equal(rrtx_atomic_open(&a, path, ".partial", 0600, &io, &e),
                         RRT_OK);
        rrt_status st = rrtx_atomic_write(&a, "0123456789", 10, &e);
        if (st == RRT_OK)
            st = rrtx_atomic_commit(&a, &e);
        else
            rrtx_atomic_abort(&a);
        rrtx_atomic_free(&a);
        assert_int_equal(st, RRT_E_IO);
        if (!strstr(e.message, why[k - 1]) || !strstr(e.message, ".partial"))
            fail_msg("fault %d: %s", k, e.message);
        char partial[64];
        snprintf(partial, sizeof(partial), "%s.partial", name);
        assert_false(exists(g_dir, name));
        assert_false(exists(g_dir, partial));
    }
}

static void test_atomic_short_writes_are_completed(void **state)
{
    (void)state;
    char path[256];
    path_of(path, sizeof(path), "short.out");
    faults f = {0};
    rrt_io_hooks io = {h_write, h_fsync, h_rename, &f};
    rrtx_atomic a;
    rrt_error e;
    assert_int_equal(rrtx_atomic_open(&a, path, ".tmp", 0644, &io, &e), RRT_OK);
    assert_int_equal(rrtx_atomic_write(&a, "0123456789", 10, &e), RRT_OK);
    assert_int_equal(rrtx_atomic_commit(&a, &e), RRT_OK);
    rrtx_atomic_free(&a);
    char buf[16] = "";
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, buf, sizeof(buf)), 10);
    close(fd);
    assert_memory_equal(buf, "0123456789", 10);
}

/* A partial file that is already there belongs to someone else: refused,
 * and left exactly as it was, even by abort. */
static void test_atomic_refuses_and_keeps_an_existing_partial(void **state)
{
    (void)state;
    char path[256], partial[280];
    path_of(path, sizeof(path), "busy.out");
    snprintf(partial, sizeof(partial), "%s.partial", path);
    int fd = open(partial, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "theirs", 6), 6);
    close(fd);
    rrtx_atomic a;
    rrt_error e;
    assert_int_equal(rrtx_atomic_open(&a, path, ".partial", 0600, NULL, &e),
                     RRT_E_EXISTS);
    assert_non_null(strstr(e.message, "busy.out.partial: cannot create"));
    rrtx_atomic_abort(&a);
    rrtx_atomic_free(&a);
    struct stat sb;
    assert_int_equal(stat(partial, &sb), 0);
    assert_int_equal(sb.st_size, 6);
    assert_false(exists(g_dir, "busy.out"));
}

static void test_atomic_open_in_missing_directory_fails_cleanly(void **state)
{
    (void)state;
    char path[256];
    path_of(path, sizeof(path), "no/such/dir/x.out");
    rrtx_atomic a;
    rrt_error e;
    assert_int_equal(rrtx_atomic_open(&a, path, ".partial", 0600, NULL, &e),
                     RRT_E_IO);
    assert_int_equal(e.sys_errno, ENOENT);
    assert_int_equal(rrtx_atomic_commit(&a, &e), RRT_E_STATE);
    rrtx_atomic_abort(&a);
    rrtx_atomic_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_formats_path_offset_and_errno),
        cmocka_unit_test(test_fail_truncates_long_messages_safely),
        cmocka_unit_test(test_format_reports_truncation),
        cmocka_unit_test(test_grow_doubles_and_keeps_contents),
        cmocka_unit_test(test_grow_refuses_overflow),
        cmocka_unit_test(test_hex_round_trip),
        cmocka_unit_test(test_hex_rejects_bad_digits_and_odd_length),
        cmocka_unit_test(test_json_escapes_quotes_backslash_and_controls),
        cmocka_unit_test(test_json_escapes_every_high_byte),
        cmocka_unit_test(test_json_values_and_members),
        cmocka_unit_test(test_json_file_sink),
        cmocka_unit_test_setup_teardown(test_atomic_commit_publishes_the_file,
                                        setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_atomic_failure_leaves_no_file,
                                        setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_atomic_short_writes_are_completed,
                                        setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(
            test_atomic_refuses_and_keeps_an_existing_partial, setup_dir,
            teardown_dir),
        cmocka_unit_test_setup_teardown(
            test_atomic_open_in_missing_directory_fails_cleanly, setup_dir,
            teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
