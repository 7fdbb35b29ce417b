/* Fuzzes event batches: the input becomes the EVTS sections of an archive
 * (valid checksums, an index listing them) whose events are then iterated
 * and sought, and each payload also goes through rrti_decode_evts directly.
 *
 * Input: byte 0 selects the mode, the rest is a list of records.
 *   bit 0 clear: records are [u16 len][EVTS payload], used verbatim.
 *   bit 0 set:   records are [u8 count][u16 len][raw event bytes]; the
 *                harness writes a correct batch header and stores the bytes
 *                (bit 1 clear) or brotli-compresses them (bit 1 set).
 *   bit 2 set:   the index counts one event more than the batches hold.
 * Oracle: the reader iterates the stream without error exactly when every
 * batch decodes on its own and the batches are contiguous. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#define MAX_BATCHES 256

typedef struct batch {
    uint8_t *payload;
    size_t len;
} batch;

/* Splits the input into EVTS payloads; returns how many. */
static size_t split(const uint8_t *p, size_t n, uint8_t mode, batch *out)
{
    size_t k = 0;
    uint64_t first = 0;
    while (n && k < MAX_BATCHES) {
        uint8_t count = 0;
        if (mode & 1) {
            count = p[0];
            p++;
            n--;
        }
        size_t len = n >= 2 ? rrti_get_u16(p) : n;
        size_t skip = n >= 2 ? 2 : 0;
        p += skip;
        n -= skip;
        if (len > n)
            len = n;
        rrt_buf b;
        rrt_buf_init(&b);
        if (mode & 1) {
            uint8_t *data = NULL, method = RRTI_METHOD_STORED;
            size_t dlen = len;
            const uint8_t *d = p;
            if ((mode & 2) && len &&
                rrti_compress(1, p, len, &data, &dlen, &method) == RRT_OK)
                d = data;
            else
                dlen = len;
            rrt_buf_put_u64(&b, first);
            rrt_buf_put_u32(&b, count);
            rrt_buf_put_u8(&b, method);
            rrt_buf_put(&b, "\0\0\0", 3);
            rrt_buf_put_u32(&b, (uint32_t)len);
            rrt_buf_put(&b, d, dlen);
            free(data);
            first += count;
        } else {
            rrt_buf_put(&b, p, len);
        }
        if (b.failed)
            abort();
        out[k].payload = b.data;
        out[k].len = b.len;
        k++;
        p += len;
        n -= len;
    }
    return k;
}

/* Re-walks a batch decode_evts accepted: exactly `count` events, no
 * trailing bytes. */
static void check_decoded(const uint8_t *raw, const rrti_evts_header *h)
{
    rrt_cursor c;
    rrt_cursor_init(&c, raw, h->raw_len);
    for (uint32_t i = 0; i < h->count; i++) {
        uint64_t type = rrt_cursor_varint(&c);
        size_t len;
        rrt_cursor_lenbytes(&c, &len);
        if (c.failed || type > UINT32_MAX)
            fz_die("rrti_decode_evts accepted a malformed event");
    }
    if (rrt_cursor_left(&c))
        fz_die("rrti_decode_evts accepted trailing bytes");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FZ_MAX_INPUT)
        return 0;
    uint8_t mode = data[0];
    static batch batches[MAX_BATCHES];
    size_t nb = split(data + 1, size - 1, mode, batches);

    rrt_buf b;
    rrt_buf_init(&b);
    fz_put_header(&b);
    rrt_section_info secs[MAX_BATCHES];
    uint64_t total = 0;
    bool all_ok = true;
    for (size_t i = 0; i < nb; i++) {
        const uint8_t *p = batches[i].payload;
        size_t len = batches[i].len;
        uint64_t first = len >= 8 ? rrti_get_u64(p) : 0;
        uint32_t count = len >= 12 ? rrti_get_u32(p + 8) : 0;
        secs[i] = (rrt_section_info){RRT_SEC_EVENTS, RRT_SECF_REQUIRED, 0, len,
                                     first};
        secs[i].offset =
            fz_put_section(&b, RRT_SEC_EVENTS, RRT_SECF_REQUIRED, p, len);

        uint8_t *raw;
        rrti_evts_header h;
        rrt_error err;
        if (rrti_decode_evts(p, len, &raw, &h, "fuzz", 0, &err) == RRT_OK) {
            if (h.first != first || h.count != count || !h.count)
                fz_die("rrti_decode_evts returned a different header");
            check_decoded(raw, &h);
            free(raw);
        } else {
            all_ok = false;
        }
        if (first != total)
            all_ok = false;
        total += count;
    }
    uint64_t nevents = total + ((mode & 4) ? 1 : 0);
    if (mode & 4)
        all_ok = false;
    rrt_buf idx;
    rrt_buf_init(&idx);
    rrti_encode_index(&idx, secs, nb, NULL, 0, nevents);
    fz_put_index_footer(&b, idx.data, idx.len);
    rrt_buf_free(&idx);
    if (b.failed)
        abort();
    const char *path = fz_memfile(b.data, b.len);
    rrt_buf_free(&b);

    bool read_ok = fz_exercise(path);
    if (all_ok && !read_ok)
        fz_die("the reader rejects valid, contiguous event batches");
    if (read_ok && !all_ok && total < FZ_MAX_EVENTS)
        fz_die("the reader accepts an event stream with a bad batch");
    fz_verify_oracle(path, read_ok);
    for (size_t i = 0; i < nb; i++)
        free(batches[i].payload);
    return 0;
}
