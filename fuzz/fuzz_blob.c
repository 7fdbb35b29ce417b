/* Fuzzes the blob-level decoders on one input: rrti_decode_blob (a BLOB
 * payload), rrti_decode_chunk_header + rrti_decompress (a CHNK payload),
 * and rrti_decompress alone with method = byte 0 and raw_len = the u32 at
 * bytes 4..7 (capped at 1 MiB), checked against an independent brotli
 * decode. The output buffer is exactly raw_len plus a canary, so a decoder
 * writing past raw_len trips ASan or the canary. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brotli/decode.h>

#include "fuzz_util.h"

#define CAP (1u << 20)
#define CANARY 64

static void check_blob_desc(const uint8_t *data, size_t size)
{
    /* Seeds come from small archives: their chunks lie before 1 MiB. */
    uint64_t self_off = 1u << 20;
    rrti_blob_desc d;
    rrt_error err;
    if (rrti_decode_blob(data, size, self_off, true, &d, "fuzz", &err) !=
        RRT_OK)
        return;
    if (d.piece) {
        /* Pieces need the header flag, and fit in a chunk. */
        rrti_blob_desc d2;
        if (rrti_decode_blob(data, size, self_off, false, &d2, "fuzz", &err) ==
            RRT_OK)
            fz_die("piece descriptor accepted without SHARED_CHUNKS");
        if (d.n_chunks != 1 || d.size == 0 || d.size != d.chunk_size ||
            d.piece_off + d.size > RRTI_MAX_RAW ||
            size != RRTI_BLOB_PREFIX + RRTI_PIECE_ENTRY ||
            rrti_get_u32(data + 24) != 0)
            fz_die("rrti_decode_blob accepted a bad piece");
    } else if (d.size > RRTI_MAX_BLOB || d.chunk_size < RRTI_MIN_CHUNK ||
               d.chunk_size > RRTI_MAX_RAW ||
               size != RRTI_BLOB_PREFIX + 16 * (size_t)d.n_chunks) {
        fz_die("rrti_decode_blob accepted out-of-range fields");
    }
    uint64_t sum = 0;
    for (uint32_t i = 0; i < d.n_chunks; i++) {
        if (d.chunks[i].offset < RRTI_HEADER_SIZE ||
            d.chunks[i].offset >= self_off)
            fz_die("rrti_decode_blob accepted a chunk after its descriptor");
        uint32_t n = rrti_chunk_raw_len(&d, i);
        if (n == 0 || n > d.chunk_size)
            fz_die("rrti_chunk_raw_len out of range");
        sum += n;
    }
    if (sum != d.size)
        fz_die("blob chunks do not add up to the blob size");
    free(d.chunks);
}

/* Decodes into an exact-size buffer and checks the result against the
 * reference decoder. */
static void check_decompress(uint8_t method, const uint8_t *in, size_t n,
                             size_t raw_len)
{
    uint8_t *out = malloc(raw_len + CANARY);
    if (!out)
        return;
    memset(out + raw_len, 0xa5, CANARY);
    rrt_error err;
    rrt_status st = rrti_decompress_chunk(method, true, in, n, out, raw_len,
                                          "fuzz", 0, &err);
    /* Method 2 needs the header flag; events never take it. */
    if (method == RRTI_METHOD_BROTLI_X86 &&
        (rrti_decompress_chunk(method, false, in, n, out, raw_len, "fuzz", 0,
                               &err) == RRT_OK ||
         rrti_decompress(method, in, n, out, raw_len, "fuzz", 0, &err) ==
             RRT_OK))
        fz_die("method 2 accepted without the X86_FILTER flag");
    for (size_t i = 0; i < CANARY; i++)
        if (out[raw_len + i] != 0xa5)
            fz_die("rrti_decompress wrote past raw_len");
    if (st == RRT_OK) {
        if (method == RRTI_METHOD_STORED) {
            if (n != raw_len || (n && memcmp(out, in, n) != 0))
                fz_die("stored data decoded to different bytes");
        } else if (method == RRTI_METHOD_BROTLI ||
                   method == RRTI_METHOD_BROTLI_X86) {
            /* One byte of room more than raw_len: a stream that decodes
             * to more must not have been accepted. */
            size_t ref_len = raw_len + 1;
            uint8_t *ref = malloc(ref_len);
            if (!ref)
                abort();
            BrotliDecoderResult r =
                BrotliDecoderDecompress(n, in, &ref_len, ref);
            if (method == RRTI_METHOD_BROTLI_X86 &&
                r == BROTLI_DECODER_RESULT_SUCCESS && ref_len == raw_len)
                rrti_x86_decode(ref, ref_len);
            if (r != BROTLI_DECODER_RESULT_SUCCESS || ref_len != raw_len ||
                memcmp(ref, out, raw_len) != 0)
                fz_die("rrti_decompress accepted a stream that does not "
                       "decode to exactly raw_len bytes");
            free(ref);
        } else {
            fz_die("rrti_decompress accepted an unknown method");
        }
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FZ_MAX_INPUT)
        return 0;
    check_blob_desc(data, size);

    rrti_chunk_header ch;
    rrt_error err;
    bool same = false;
    if (rrti_decode_chunk_header(data, size, &ch, "fuzz", 0, &err) == RRT_OK) {
        if (ch.raw_len == 0 || ch.raw_len > RRTI_MAX_RAW ||
            ch.method != data[0])
            fz_die("rrti_decode_chunk_header accepted a bad header");
        if (ch.raw_len <= CAP) {
            check_decompress(ch.method, data + RRTI_CHUNK_PREFIX,
                             size - RRTI_CHUNK_PREFIX, ch.raw_len);
            same = true;
        }
    }
    /* The same bytes without the header's checks (reserved, 0 length). */
    if (size >= RRTI_CHUNK_PREFIX && !same)
        check_decompress(data[0], data + RRTI_CHUNK_PREFIX,
                         size - RRTI_CHUNK_PREFIX,
                         rrti_get_u32(data + 4) % (CAP + 1));
    return 0;
}
