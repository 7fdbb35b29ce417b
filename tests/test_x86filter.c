/* The x86 branch filter of CHNK method 2 against the reference: liblzma's
 * x86 BCJ filter with start offset 0. liblzma only runs the filter in front
 * of LZMA2, so the reference output is obtained by encoding with
 * [x86, LZMA2] and decoding with [LZMA2] alone, which undoes LZMA2 and
 * leaves the filtered bytes. Inputs: real x86-64 code (this test's own
 * executable and libc), every length 0..64 of call-dense bytes, and random
 * bytes biased towards E8/E9 and 00/FF so that the overlapping-candidate
 * rules (prev_mask) are exercised. Also: decode(encode(x)) == x, and the
 * chunk coder's method choice and round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lzma.h>

#include "rrti.h"

/* The x86-filtered form of buf, computed by liblzma. */
static uint8_t *reference_filter(const uint8_t *buf, size_t n)
{
    lzma_options_lzma lz;
    assert_false(lzma_lzma_preset(&lz, 0));
    lzma_filter enc_chain[] = {{LZMA_FILTER_X86, NULL},
                               {LZMA_FILTER_LZMA2, &lz},
                               {LZMA_VLI_UNKNOWN, NULL}};
    lzma_filter dec_chain[] = {{LZMA_FILTER_LZMA2, &lz},
                               {LZMA_VLI_UNKNOWN, NULL}};
    size_t cap = n + n / 2 + 4096;
    uint8_t *packed = malloc(cap);
    uint8_t *out = malloc(n + 1);
    assert_non_null(packed);
    assert_non_null(out);

    lzma_stream s = LZMA_STREAM_INIT;
    assert_int_equal(lzma_raw_encoder(&s, enc_chain), LZMA_OK);
    s.next_in = buf;
    s.avail_in = n;
    s.next_out = packed;
    s.avail_out = cap;
    assert_int_equal(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
    size_t packed_len = cap - s.avail_out;
    lzma_end(&s);

    lzma_stream d = LZMA_STREAM_INIT;
    assert_int_equal(lzma_raw_decoder(&d, dec_chain), LZMA_OK);
    d.next_in = packed;
    d.avail_in = packed_len;
    d.next_out = out;
    d.avail_out = n + 1;
    lzma_ret r = lzma_code(&d, LZMA_FINISH);
    assert_true(r == LZMA_STREAM_END || r == LZMA_OK);
    assert_int_equal(n + 1 - d.avail_out, n);
    lzma_end(&d);
    free(packed);
    return out;
}

static void check_against_reference(const uint8_t *buf, size_t n)
{
    uint8_t *ref = reference_filter(buf, n);
    uint8_t *ours = malloc(n + 1);
    assert_non_null(ours);
    memcpy(ours, buf, n);
    rrti_x86_encode(ours, n);
    if (n)
        assert_memory_equal(ours, ref, n);
    rrti_x86_decode(ours, n);
    if (n)
        assert_memory_equal(ours, buf, n);
    free(ours);
    free(ref);
}

static uint8_t *read_prefix(const char *path, size_t max, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *p = malloc(max);
    assert_non_null(p);
    *n = fread(p, 1, max, f);
    fclose(f);
    return p;
}

static const char *self_path;

static void test_real_code(void **state)
{
    (void)state;
    const char *paths[] = {self_path, "/lib/x86_64-linux-gnu/libc.so.6"};
    int checked = 0;
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        size_t n;
        uint8_t *p = read_prefix(paths[i], 4u << 20, &n);
        if (!p)
            continue;
        assert_true(rrti_is_x86_elf(p, n));
        /* The filter must actually change real code, or the test proves
         * nothing. */
        uint8_t *copy = malloc(n);
        assert_non_null(copy);
        memcpy(copy, p, n);
        rrti_x86_encode(copy, n);
        assert_true(memcmp(copy, p, n) != 0);
        free(copy);
        check_against_reference(p, n);
        free(p);
        checked++;
    }
    assert_true(checked >= 1);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* Bytes where opcodes and near-branch top bytes are frequent. */
static void fill_biased(uint8_t *p, size_t n)
{
    static const uint8_t pick[] = {0xe8, 0xe9, 0x00, 0xff, 0xe8, 0x00};
    for (size_t i = 0; i < n; i++) {
        uint32_t r = next_rand();
        p[i] = (r & 3) ? pick[(r >> 8) % sizeof(pick)] : (uint8_t)(r >> 16);
    }
}

static void test_short_and_biased(void **state)
{
    (void)state;
    uint8_t buf[4096];
    for (size_t n = 0; n <= 64; n++) {
        for (int round = 0; round < 20; round++) {
            fill_biased(buf, n);
            check_against_reference(buf, n);
        }
    }
    for (int round = 0; round < 200; round++) {
        size_t n = next_rand() % sizeof(buf);
        fill_biased(buf, n);
        check_against_reference(buf, n);
    }
}

static void test_elf_detection(void **state)
{
    (void)state;
    uint8_t h[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    rrti_put_u16(h + 18, 62);
    assert_true(rrti_is_x86_elf(h, sizeof(h)));
    rrti_put_u16(h + 18, 3);
    assert_true(rrti_is_x86_elf(h, sizeof(h)));
    rrti_put_u16(h + 18, 183); /* EM_AARCH64 */
    assert_false(rrti_is_x86_elf(h, sizeof(h)));
    rrti_put_u16(h + 18, 62);
    h[5] = 2; /* big-endian */
    assert_false(rrti_is_x86_elf(h, sizeof(h)));
    h[5] = 1;
    assert_false(rrti_is_x86_elf(h, 19));
    h[0] = 0x7e;
    assert_false(rrti_is_x86_elf(h, sizeof(h)));
}

/* The chunk coder: method 2 for code when it pays, stored originals when
 * nothing pays, and a round trip through the decoder either way. */
static void test_chunk_coder(void **state)
{
    (void)state;
    size_t n;
    uint8_t *code = read_prefix(self_path, 1u << 20, &n);
    assert_non_null(code);
    uint8_t *z, method;
    size_t zn;
    assert_int_equal(rrti_compress_chunk(5, true, code, n, &z, &zn, &method),
                     RRT_OK);
    assert_int_equal(method, RRTI_METHOD_BROTLI_X86);
    uint8_t *back = malloc(n);
    assert_non_null(back);
    rrt_error err;
    assert_int_equal(
        rrti_decompress_chunk(method, true, z, zn, back, n, "t", 0, &err),
        RRT_OK);
    assert_memory_equal(back, code, n);
    /* Without the header flag, method 2 is corrupt, with a message. */
    assert_int_equal(
        rrti_decompress_chunk(method, false, z, zn, back, n, "t", 0, &err),
        RRT_E_CORRUPT);
    assert_non_null(strstr(err.message, "x86 filter"));
    /* Event batches never accept method 2. */
    assert_int_equal(rrti_decompress(method, z, zn, back, n, "t", 0, &err),
                     RRT_E_CORRUPT);
    free(z);

    /* Incompressible bytes that the filter changes: stored, and stored
     * unfiltered. */
    uint8_t noise[8192], filtered[8192];
    for (size_t i = 0; i < sizeof(noise); i++)
        noise[i] = (uint8_t)next_rand();
    for (size_t i = 0; i + 5 <= sizeof(noise); i += 512) {
        noise[i] = 0xe8;
        noise[i + 4] = 0x00;
    }
    memcpy(filtered, noise, sizeof(noise));
    rrti_x86_encode(filtered, sizeof(filtered));
    assert_true(memcmp(filtered, noise, sizeof(noise)) != 0);
    assert_int_equal(
        rrti_compress_chunk(5, true, noise, sizeof(noise), &z, &zn, &method),
        RRT_OK);
    assert_int_equal(method, RRTI_METHOD_STORED);
    assert_int_equal(zn, sizeof(noise));
    assert_memory_equal(z, noise, sizeof(noise));
    free(z);
    free(back);
    free(code);
}

int main(int argc, char **argv)
{
    (void)argc;
    self_path = argv[0];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_code),
        cmocka_unit_test(test_short_and_biased),
        cmocka_unit_test(test_elf_detection),
        cmocka_unit_test(test_chunk_coder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
