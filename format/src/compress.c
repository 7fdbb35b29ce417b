/* Brotli coding of chunks and event batches, with exact output sizes so a
 * hostile stream can never expand past what its header declares. */
#include <stdlib.h>
#include <string.h>

#include <brotli/decode.h>
#include <brotli/encode.h>

#include "rrti.h"

/* The smallest window that covers the whole input (2^16 .. 2^24): a
 * window larger than the chunk buys nothing and costs encoder memory. The
 * decoder accepts any window, so this is an encoder choice only. */
static int window_for(size_t n)
{
    int lg = 16;
    while (lg < 24 && ((size_t)1 << lg) - 16 < n)
        lg++;
    return lg;
}

/* Settings for x86 code of qualities 5-9 from 1 MiB up, where brotli
 * 1.0.9 would switch to a match finder that hashes 5 bytes. Code is made
 * of short matches, and of distances that are multiples of 8 (pointers,
 * table entries): telling the encoder the input is under 1 MiB keeps the
 * finder that hashes 4 bytes, and 3 postfix bits code the low bits of a
 * distance apart. On the 23 libraries of a Python recording (4 MiB
 * chunks) that made q5 1.6% smaller and 10% faster, q6 1.8% smaller; on
 * Python source the same settings lost 2%, so they stay on code. Smaller
 * chunks keep the one-shot call (whose finder is already the 4-byte one),
 * so archives of small files keep their bytes (spec/vectors). A decoder
 * sees only a valid stream. Any change here changes the bytes, hence the
 * digests, of the objects rrt push stores (spec/store.md 3.1): content
 * pushed before and after is then stored twice, never wrongly. */
#define CODE_SIZE_HINT ((1u << 20) - 1)
#define CODE_NPOSTFIX 3

static bool encode(int quality, bool code, const uint8_t *in, size_t n,
                   uint8_t *buf, size_t *len)
{
    if (!code || n <= CODE_SIZE_HINT || quality < 5 || quality > 9)
        return BrotliEncoderCompress(quality, window_for(n),
                                     BROTLI_MODE_GENERIC, n, in, len,
                                     buf) == BROTLI_TRUE;
    BrotliEncoderState *s = BrotliEncoderCreateInstance(NULL, NULL, NULL);
    if (!s)
        return false;
    size_t avail_in = n, avail_out = *len;
    const uint8_t *next_in = in;
    uint8_t *next_out = buf;
    bool ok =
        BrotliEncoderSetParameter(s, BROTLI_PARAM_QUALITY, (uint32_t)quality) &&
        BrotliEncoderSetParameter(s, BROTLI_PARAM_LGWIN,
                                  (uint32_t)window_for(n)) &&
        BrotliEncoderSetParameter(s, BROTLI_PARAM_SIZE_HINT, CODE_SIZE_HINT) &&
        BrotliEncoderSetParameter(s, BROTLI_PARAM_NPOSTFIX, CODE_NPOSTFIX) &&
        BrotliEncoderCompressStream(s, BROTLI_OPERATION_FINISH, &avail_in,
                                    &next_in, &avail_out, &next_out, NULL) &&
        BrotliEncoderIsFinished(s);
    BrotliEncoderDestroyInstance(s);
    *len -= avail_out;
    return ok;
}

static rrt_status compress(int quality, bool code, const uint8_t *in, size_t n,
                           uint8_t **out, size_t *out_len, uint8_t *method)
{
    size_t cap = BrotliEncoderMaxCompressedSize(n);
    uint8_t *buf = cap ? malloc(cap) : NULL;
    if (buf) {
        size_t len = cap;
        if (encode(quality, code, in, n, buf, &len) && len < n) {
            *out = buf;
            *out_len = len;
            *method = RRTI_METHOD_BROTLI;
            return RRT_OK;
        }
        free(buf);
    }
    /* Stored: incompressible data, or no memory for the encoder's bound. */
    buf = malloc(n ? n : 1);
    if (!buf)
        return RRT_E_NOMEM;
    memcpy(buf, in, n);
    *out = buf;
    *out_len = n;
    *method = RRTI_METHOD_STORED;
    return RRT_OK;
}

rrt_status rrti_compress(int quality, const uint8_t *in, size_t n,
                         uint8_t **out, size_t *out_len, uint8_t *method)
{
    return compress(quality, false, in, n, out, out_len, method);
}

rrt_status rrti_compress_chunk(int quality, bool x86, const uint8_t *in,
                               size_t n, uint8_t **out, size_t *out_len,
                               uint8_t *method)
{
    if (!x86)
        return compress(quality, false, in, n, out, out_len, method);
    uint8_t *filtered = malloc(n ? n : 1);
    if (!filtered)
        return RRT_E_NOMEM;
    memcpy(filtered, in, n);
    rrti_x86_encode(filtered, n);
    rrt_status st = compress(quality, true, filtered, n, out, out_len, method);
    if (st == RRT_OK && *method == RRTI_METHOD_BROTLI) {
        *method = RRTI_METHOD_BROTLI_X86;
    } else if (st == RRT_OK) {
        /* Not smaller: store the original bytes, not the filtered ones. */
        memcpy(*out, in, n);
    }
    free(filtered);
    return st;
}

rrt_status rrti_decompress_chunk(uint8_t method, bool allow_x86,
                                 const uint8_t *in, size_t n, uint8_t *out,
                                 size_t raw_len, const char *path,
                                 uint64_t offset, rrt_error *err)
{
    if (method != RRTI_METHOD_BROTLI_X86)
        return rrti_decompress(method, in, n, out, raw_len, path, offset, err);
    if (!allow_x86)
        return rrtx_fail(err, RRT_E_CORRUPT, 0, path, offset,
                         "chunk uses the x86 filter (method 2) but the "
                         "header does not declare it");
    rrt_status st = rrti_decompress(RRTI_METHOD_BROTLI, in, n, out, raw_len,
                                    path, offset, err);
    if (st == RRT_OK)
        rrti_x86_decode(out, raw_len);
    return st;
}

rrt_status rrti_decompress(uint8_t method, const uint8_t *in, size_t n,
                           uint8_t *out, size_t raw_len, const char *path,
                           uint64_t offset, rrt_error *err)
{
    if (method == RRTI_METHOD_STORED) {
        if (n != raw_len)
            return rrtx_fail(err, RRT_E_CORRUPT, 0, path, offset,
                             "stored data is %zu bytes, header says %zu", n,
                             raw_len);
        memcpy(out, in, n);
        return RRT_OK;
    }
    if (method != RRTI_METHOD_BROTLI)
        return rrtx_fail(err, RRT_E_CORRUPT, 0, path, offset,
                         "unknown compression method %u", method);
    BrotliDecoderState *st = BrotliDecoderCreateInstance(NULL, NULL, NULL);
    if (!st)
        return rrtx_fail(err, RRT_E_NOMEM, 0, path, offset,
                         "cannot allocate decoder");
    size_t avail_in = n, avail_out = raw_len;
    const uint8_t *next_in = in;
    uint8_t *next_out = out;
    BrotliDecoderResult res = BrotliDecoderDecompressStream(
        st, &avail_in, &next_in, &avail_out, &next_out, NULL);
    rrt_status status = RRT_OK;
    if (res == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT ||
        (res == BROTLI_DECODER_RESULT_SUCCESS && avail_out == 0 &&
         BrotliDecoderHasMoreOutput(st)))
        status = rrtx_fail(err, RRT_E_LIMIT, 0, path, offset,
                           "compressed data expands past its declared "
                           "size of %zu bytes",
                           raw_len);
    else if (res != BROTLI_DECODER_RESULT_SUCCESS)
        status = rrtx_fail(
            err, RRT_E_CORRUPT, 0, path, offset, "bad compressed data (%s)",
            res == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT
                ? "stream ends early"
                : BrotliDecoderErrorString(BrotliDecoderGetErrorCode(st)));
    else if (avail_out != 0)
        status = rrtx_fail(err, RRT_E_CORRUPT, 0, path, offset,
                           "compressed data decodes to %zu bytes, header "
                           "says %zu",
                           raw_len - avail_out, raw_len);
    else if (avail_in != 0)
        status = rrtx_fail(err, RRT_E_CORRUPT, 0, path, offset,
                           "%zu bytes of junk after compressed data", avail_in);
    BrotliDecoderDestroyInstance(st);
    return status;
}
