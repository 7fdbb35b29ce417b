/* librrt codec: varint round trips, rejection of malformed varints, and the
 * bounds of the input cursor (spec/format.md, conventions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rrti.h"

static void roundtrip(uint64_t v, size_t want_len)
{
    rrt_buf b;
    rrt_buf_init(&b);
    rrt_buf_put_varint(&b, v);
    assert_false(b.failed);
    assert_int_equal(b.len, want_len);
    rrt_cursor c;
    rrt_cursor_init(&c, b.data, b.len);
    assert_true(rrt_cursor_varint(&c) == v);
    assert_false(c.failed);
    assert_int_equal(rrt_cursor_left(&c), 0);
    rrt_buf_free(&b);
}

static void test_varint_roundtrips_boundaries(void **state)
{
    (void)state;
    roundtrip(0, 1);
    roundtrip(1, 1);
    roundtrip(127, 1);
    roundtrip(128, 2);
    roundtrip(16383, 2);
    roundtrip(16384, 3);
    roundtrip(UINT32_MAX, 5);
    roundtrip((uint64_t)1 << 56, 9);
    roundtrip(((uint64_t)1 << 63) - 1, 9);
    roundtrip((uint64_t)1 << 63, 10);
    roundtrip(UINT64_MAX, 10);
}

static void test_varint_encodes_exact_bytes(void **state)
{
    (void)state;
    rrt_buf b;
    rrt_buf_init(&b);
    rrt_buf_put_varint(&b, 128);
    rrt_buf_put_varint(&b, 300);
    rrt_buf_put_varint(&b, UINT64_MAX);
    static const uint8_t want[] = {0x80, 0x01, 0xac, 0x02, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.data, want, sizeof(want));
    rrt_buf_free(&b);
}

/* A decode that must fail: returns 0, sets failed, leaves no bytes. */
static void expect_bad_varint(const uint8_t *p, size_t n)
{
    rrt_cursor c;
    rrt_cursor_init(&c, p, n);
    assert_true(rrt_cursor_varint(&c) == 0);
    assert_true(c.failed);
    assert_int_equal(rrt_cursor_left(&c), 0);
}

static void test_varint_rejects_overlong(void **state)
{
    (void)state;
    static const uint8_t zero2[] = {0x80, 0x00};
    static const uint8_t one3[] = {0x81, 0x80, 0x00};
    static const uint8_t max_pad[] = {0xff, 0xff, 0xff, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0x80, 0x00};
    expect_bad_varint(zero2, sizeof(zero2));
    expect_bad_varint(one3, sizeof(one3));
    expect_bad_varint(max_pad, sizeof(max_pad));
}

static void test_varint_rejects_eleven_bytes_and_overflow(void **state)
{
    (void)state;
    static const uint8_t eleven[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0x81, 0x00};
    static const uint8_t ten_cont[] = {0x80, 0x80, 0x80, 0x80, 0x80,
                                       0x80, 0x80, 0x80, 0x80, 0x81};
    /* 10th byte carrying 2 -> value 2^64: does not fit. */
    static const uint8_t too_big[] = {0x80, 0x80, 0x80, 0x80, 0x80,
                                      0x80, 0x80, 0x80, 0x80, 0x02};
    expect_bad_varint(eleven, sizeof(eleven));
    expect_bad_varint(ten_cont, sizeof(ten_cont));
    expect_bad_varint(too_big, sizeof(too_big));
}

static void test_varint_rejects_truncated(void **state)
{
    (void)state;
    static const uint8_t t1[] = {0x80};
    static const uint8_t t9[] = {0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff};
    expect_bad_varint(t1, sizeof(t1));
    expect_bad_varint(t9, sizeof(t9));
    expect_bad_varint(t1, 0);
}

static void test_svarint_roundtrips(void **state)
{
    (void)state;
    const int64_t vals[] = {0, -1, 1, -64, 64, INT64_MIN, INT64_MAX};
    rrt_buf b;
    rrt_buf_init(&b);
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
        rrt_buf_put_svarint(&b, vals[i]);
    rrt_cursor c;
    rrt_cursor_init(&c, b.data, b.len);
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
        assert_true(rrt_cursor_svarint(&c) == vals[i]);
    assert_false(c.failed);
    assert_int_equal(rrt_cursor_left(&c), 0);
    rrt_buf_free(&b);
}

static void test_cursor_fixed_width_little_endian(void **state)
{
    (void)state;
    static const uint8_t p[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
    rrt_cursor c;
    rrt_cursor_init(&c, p, sizeof(p));
    assert_int_equal(rrt_cursor_u8(&c), 0x01);
    assert_int_equal(rrt_cursor_u16(&c), 0x0302);
    assert_int_equal(rrt_cursor_u32(&c), 0x07060504);
    assert_true(rrt_cursor_u64(&c) == 0x0f0e0d0c0b0a0908ull);
    assert_false(c.failed);
    assert_int_equal(rrt_cursor_left(&c), 0);
}

static void test_cursor_read_past_end_fails_and_sticks(void **state)
{
    (void)state;
    static const uint8_t p[] = {1, 2, 3};
    rrt_cursor c;
    rrt_cursor_init(&c, p, sizeof(p));
    assert_int_equal(rrt_cursor_u32(&c), 0);
    assert_true(c.failed);
    assert_int_equal(rrt_cursor_left(&c), 0);
    /* Once failed, even a read that would fit returns 0. */
    rrt_cursor_init(&c, p, sizeof(p));
    assert_null(rrt_cursor_bytes(&c, 4));
    assert_true(c.failed);
    assert_int_equal(rrt_cursor_u8(&c), 0);
    rrt_cursor_init(&c, p, sizeof(p));
    assert_non_null(rrt_cursor_bytes(&c, 3));
    assert_false(c.failed);
    assert_non_null(rrt_cursor_bytes(&c, 0));
    assert_int_equal(rrt_cursor_u8(&c), 0);
    assert_true(c.failed);
}

static void test_cursor_lenbytes_checks_length(void **state)
{
    (void)state;
    static const uint8_t ok[] = {3, 'a', 'b', 'c', 9};
    rrt_cursor c;
    size_t n = 99;
    rrt_cursor_init(&c, ok, sizeof(ok));
    const uint8_t *s = rrt_cursor_lenbytes(&c, &n);
    assert_non_null(s);
    assert_int_equal(n, 3);
    assert_memory_equal(s, "abc", 3);
    assert_int_equal(rrt_cursor_left(&c), 1);
    /* Declared length one past the input. */
    static const uint8_t bad[] = {4, 'a', 'b', 'c'};
    rrt_cursor_init(&c, bad, sizeof(bad));
    n = 99;
    assert_null(rrt_cursor_lenbytes(&c, &n));
    assert_int_equal(n, 0);
    assert_true(c.failed);
    /* A 2^63 length must not wrap any pointer arithmetic. */
    static const uint8_t huge[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                   0x80, 0x80, 0x80, 0x01, 'x'};
    rrt_cursor_init(&c, huge, sizeof(huge));
    assert_null(rrt_cursor_lenbytes(&c, &n));
    assert_true(c.failed);
}

static void test_buf_put_fixed_and_lenbytes(void **state)
{
    (void)state;
    rrt_buf b;
    rrt_buf_init(&b);
    rrt_buf_put_u16(&b, 0x1234);
    rrt_buf_put_u32(&b, 0xdeadbeef);
    rrt_buf_put_u64(&b, 0x0102030405060708ull);
    rrt_buf_put_lenbytes(&b, "hi", 2);
    rrt_buf_put(&b, NULL, 0);
    static const uint8_t want[] = {0x34, 0x12, 0xef, 0xbe, 0xad, 0xde,
                                   0x08, 0x07, 0x06, 0x05, 0x04, 0x03,
                                   0x02, 0x01, 0x02, 'h',  'i'};
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.data, want, sizeof(want));
    rrt_buf_reset(&b);
    assert_int_equal(b.len, 0);
    /* A reservation that cannot fit fails and makes the buffer sticky. */
    assert_false(rrt_buf_reserve(&b, SIZE_MAX - 8));
    assert_true(b.failed);
    rrt_buf_put_u8(&b, 1);
    assert_int_equal(b.len, 0);
    rrt_buf_free(&b);
}

static void test_blob_id_hex_roundtrip(void **state)
{
    (void)state;
    rrt_blob_id id, back;
    rrt_blob_id_of("abc", 3, &id);
    char hex[33];
    rrt_blob_id_to_hex(&id, hex);
    assert_int_equal(strlen(hex), 32);
    assert_true(rrt_blob_id_from_hex(hex, &back));
    assert_int_equal(rrt_blob_id_cmp(&id, &back), 0);
    assert_false(rrt_blob_id_from_hex("00", &back));
    assert_false(
        rrt_blob_id_from_hex("0123456789abcdef0123456789abcdeg", &back));
    /* The empty blob's id is XXH3-128("") in big-endian halves. */
    rrt_blob_id_of("", 0, &id);
    rrt_blob_id_to_hex(&id, hex);
    assert_string_equal(hex, "99aa06d3014798d86001c324468d497f");
}

static void test_status_names_and_strings(void **state)
{
    (void)state;
    assert_string_equal(rrt_status_name(RRT_E_CHECKSUM), "RRT_E_CHECKSUM");
    assert_string_equal(rrt_strerror(RRT_E_TRUNCATED), "truncated");
    assert_int_equal(RRT_E_PARSE, 18);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint_roundtrips_boundaries),
        cmocka_unit_test(test_varint_encodes_exact_bytes),
        cmocka_unit_test(test_varint_rejects_overlong),
        cmocka_unit_test(test_varint_rejects_eleven_bytes_and_overflow),
        cmocka_unit_test(test_varint_rejects_truncated),
        cmocka_unit_test(test_svarint_roundtrips),
        cmocka_unit_test(test_cursor_fixed_width_little_endian),
        cmocka_unit_test(test_cursor_read_past_end_fails_and_sticks),
        cmocka_unit_test(test_cursor_lenbytes_checks_length),
        cmocka_unit_test(test_buf_put_fixed_and_lenbytes),
        cmocka_unit_test(test_blob_id_hex_roundtrip),
        cmocka_unit_test(test_status_names_and_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
