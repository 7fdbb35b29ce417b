/* Fuzzes the syscall buffer's event decoders (rrt/events.h, types 11-13,
 * spec/events.md 3.11-3.13) through the public API. Byte 0 picks the type
 * (0 SYSCALLBUF, 1 SYSCALLBUF_PATCH, 2 SYSCALLBUF_INIT), the rest is the
 * payload. An accepted payload must satisfy the documented bounds (what a
 * replayer relies on before it writes records, stubs and the image into a
 * tracee), point only into the input, and re-encode to exactly itself; a
 * rejected one must leave a message and a cleared result. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rrt/rrt.h>

#include "fuzz_view.h"

#define FZ_MAX_PAYLOAD (1u << 20)

static void die(const char *what)
{
    fprintf(stderr, "fuzz_syscallbuf: %s\n", what);
    abort();
}

static void failed(rrt_status st, const rrt_error *err, const void *e,
                   size_t esize)
{
    if (st != RRT_E_TRUNCATED && st != RRT_E_CORRUPT && st != RRT_E_LIMIT &&
        st != RRT_E_NOMEM)
        die("unexpected status");
    if (err->status != st || !err->message[0])
        die("failure without an error message");
    if (!fz_all_zero(e, esize))
        die("failure left a partly filled result");
}

static void same(const rrt_buf *b, const uint8_t *data, size_t size)
{
    if (b->len != size || (size && memcmp(b->data, data, size) != 0))
        die("accepted a payload that does not re-encode to itself");
}

static void flush(const uint8_t *data, size_t size, rrt_buf *b)
{
    rrt_ev_syscallbuf e;
    rrt_error err;
    memset(&err, 0, sizeof(err));
    memset(&e, 0x5a, sizeof(e));
    rrt_status st = rrt_ev_decode_syscallbuf(data, size, &e, &err);
    if (st != RRT_OK) {
        failed(st, &err, &e, sizeof(e));
        return;
    }
    if (e.flags & ~RRT_EV_SB_KNOWN)
        die("undefined flags accepted");
    if (e.n_recs == 0 || e.n_recs > RRT_EV_SB_MAX_RECS || !e.recs)
        die("record count out of range accepted");
    /* each record takes 4 bytes at least, so its data fits the input */
    uint64_t total = 0;
    for (size_t i = 0; i < e.n_recs; i++) {
        if (!fz_inside(e.recs[i].data, e.recs[i].len, data, size))
            die("record data points outside the input");
        total += e.recs[i].len;
    }
    if (total > size)
        die("records hold more bytes than the payload");
    if (rrt_ev_encode_syscallbuf(b, &e) != RRT_OK)
        die("a decoded SYSCALLBUF does not encode again");
    rrt_ev_syscallbuf_clear(&e);
    if (!fz_all_zero(&e, sizeof(e)))
        die("rrt_ev_syscallbuf_clear left something behind");
    same(b, data, size);
}

static void patch(const uint8_t *data, size_t size, rrt_buf *b)
{
    rrt_ev_syscallbuf_patch e;
    rrt_error err;
    memset(&err, 0, sizeof(err));
    memset(&e, 0x5a, sizeof(e));
    rrt_status st = rrt_ev_decode_syscallbuf_patch(data, size, &e, &err);
    if (st != RRT_OK) {
        failed(st, &err, &e, sizeof(e));
        return;
    }
    if (e.stub_len > RRT_EV_SB_STUB_MAX || e.site_len < RRT_EV_SB_SITE_MIN ||
        e.site_len > RRT_EV_SB_SITE_MAX)
        die("stub or site length out of range accepted");
    if (!fz_inside(e.stub_bytes, e.stub_len, data, size) ||
        !fz_inside(e.site_bytes, e.site_len, data, size))
        die("stub or site bytes point outside the input");
    if (rrt_ev_encode_syscallbuf_patch(b, &e) != RRT_OK)
        die("a decoded SYSCALLBUF_PATCH does not encode again");
    same(b, data, size);
}

static void init(const uint8_t *data, size_t size, rrt_buf *b)
{
    rrt_ev_syscallbuf_init e;
    rrt_error err;
    memset(&err, 0, sizeof(err));
    memset(&e, 0x5a, sizeof(e));
    rrt_status st = rrt_ev_decode_syscallbuf_init(data, size, &e, &err);
    if (st != RRT_OK) {
        failed(st, &err, &e, sizeof(e));
        return;
    }
    if (e.image_len > RRT_EV_SB_IMAGE_MAX || e.out[0].ok > 1 || e.out[1].ok > 1)
        die("image length or out flag out of range accepted");
    if (!fz_inside(e.image, e.image_len, data, size))
        die("image points outside the input");
    if (rrt_ev_encode_syscallbuf_init(b, &e) != RRT_OK)
        die("a decoded SYSCALLBUF_INIT does not encode again");
    same(b, data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FZ_MAX_PAYLOAD + 1)
        return 0;
    /* an exact-size copy, so that sanitizers catch any over-read */
    size_t n = size - 1;
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return 0;
    memcpy(copy, data + 1, n);
    rrt_buf b;
    rrt_buf_init(&b);
    switch (data[0] % 3) {
    case 0:
        flush(copy, n, &b);
        break;
    case 1:
        patch(copy, n, &b);
        break;
    default:
        init(copy, n, &b);
        break;
    }
    rrt_buf_free(&b);
    free(copy);
    return 0;
}
