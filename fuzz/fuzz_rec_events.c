/* Fuzzes the recording event decoders (rrt/events.h) through the public
 * API, rrt_ev_decode_any and each type's encoder. Byte 0 picks the type
 * (0: every type, and two unknown ones), the rest is the payload. An
 * accepted payload must satisfy the documented bounds and re-encode to
 * exactly the input (the decoders accept only the canonical form; an EXEC
 * without its optional last field re-encodes with it as 0); a rejected one
 * must leave a message and a cleared result. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rrt/rrt.h>

#include "fuzz_view.h"

#define FZ_MAX_PAYLOAD (1u << 16)

static void die(uint32_t type, const char *what)
{
    fprintf(stderr, "fuzz_rec_events: %s event: %s\n", rrt_ev_type_name(type),
            what);
    abort();
}

/* Decodes data as `type` through rrt_ev_decode_any; on success re-encodes
 * into b. Returns the status after checking what a success or failure
 * promises. */
static rrt_status check(uint32_t type, const uint8_t *data, size_t size,
                        rrt_buf *b)
{
    rrt_ev_any e;
    rrt_error err;
    memset(&err, 0, sizeof(err));
    memset(&e, 0x5a, sizeof(e));
    rrt_status st = rrt_ev_decode_any(type, data, size, &e, &err);
    if (st != RRT_OK) {
        if (st != RRT_E_TRUNCATED && st != RRT_E_CORRUPT && st != RRT_E_LIMIT &&
            st != RRT_E_NOMEM)
            die(type, "unexpected status");
        if (err.status != st || !err.message[0])
            die(type, "failure without an error message");
        if (!fz_all_zero(&e, sizeof(e)))
            die(type, "failure left a partly filled result");
        return st;
    }
    if (e.type != type)
        die(type, "decoded as another type");
    switch (type) {
    case RRT_EV_SYSCALL: {
        const rrt_ev_syscall *sc = &e.u.syscall;
        if (sc->flags & ~RRT_EV_SC_KNOWN)
            die(type, "undefined flags accepted");
        if ((sc->n_mem != 0) != (sc->mem != NULL))
            die(type, "n_mem and mem disagree");
        for (size_t i = 0; i < sc->n_mem; i++)
            if (!fz_inside(sc->mem[i].data, sc->mem[i].len, data, size))
                die(type, "memory range points outside the input");
        if ((sc->flags & RRT_EV_SC_STDIO) &&
            ((sc->stdio_stream != 1 && sc->stdio_stream != 2) ||
             !fz_inside(sc->stdio_data, sc->stdio_len, data, size)))
            die(type, "bad stdio fields accepted");
        break;
    }
    case RRT_EV_SIGNAL:
        if (e.u.signal.signo == 0 || e.u.signal.signo > 64)
            die(type, "signal number out of range accepted");
        break;
    case RRT_EV_EXEC:
        if (e.u.exec.n_auxv > RRT_EV_MAX_AUXV)
            die(type, "too many auxv entries accepted");
        break;
    case RRT_EV_SIGNAL_FRAME:
        if (!fz_inside(e.u.signal_frame.frame, e.u.signal_frame.frame_len, data,
                       size))
            die(type, "frame bytes point outside the input");
        break;
    }
    rrt_status enc = RRT_E_INVALID;
    switch (type) {
#define ENCODE(NAME, name, num)                                                \
    case RRT_EV_##NAME:                                                        \
        enc = rrt_ev_encode_##name(b, &e.u.name);                              \
        break;
        RRT_EVENT_LIST(ENCODE)
#undef ENCODE
    default:
        abort();
    }
    rrt_ev_any_clear(&e);
    if (!fz_all_zero(&e, sizeof(e)))
        die(type, "rrt_ev_any_clear left something behind");
    if (enc != RRT_OK)
        die(type, "a decoded event does not encode again");
    return st;
}

/* A type no decoder knows is refused as such, whatever the payload. */
static void check_unknown(uint32_t type, const uint8_t *data, size_t size)
{
    rrt_ev_any e;
    rrt_error err;
    memset(&err, 0, sizeof(err));
    memset(&e, 0x5a, sizeof(e));
    if (rrt_ev_decode_any(type, data, size, &e, &err) != RRT_E_UNSUPPORTED ||
        err.status != RRT_E_UNSUPPORTED || !err.message[0] ||
        !fz_all_zero(&e, sizeof(e))) {
        fprintf(stderr, "fuzz_rec_events: type %u: not refused as unknown\n",
                type);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FZ_MAX_PAYLOAD + 1)
        return 0;
    uint32_t sel = data[0] % (RRT_EV_CPUID_PATCH + 1u);
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    /* An exact-size copy, so that sanitizers catch any over-read. */
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return 0;
    memcpy(copy, p, n);
    if (!sel) {
        check_unknown(0, copy, n);
        check_unknown(RRT_EV_CPUID_PATCH + 1, copy, n);
    }
    rrt_buf b;
    rrt_buf_init(&b);
    for (uint32_t type = RRT_EV_SYSCALL; type <= RRT_EV_CPUID_PATCH; type++) {
        if ((sel && type != sel) || !rrt_ev_type_name(type))
            continue;
        rrt_buf_reset(&b);
        if (check(type, copy, n, &b) != RRT_OK)
            continue;
        bool legacy = type == RRT_EV_EXEC && b.len == n + 1 && b.data[n] == 0;
        if ((b.len != n && !legacy) || (n && memcmp(b.data, copy, n) != 0))
            die(type, "accepted a payload that does not re-encode to itself");
        /* What the encoder writes, the decoder reads. */
        uint8_t *again = malloc(b.len ? b.len : 1);
        if (!again)
            break;
        memcpy(again, b.data, b.len);
        size_t len = b.len;
        rrt_buf_reset(&b);
        if (check(type, again, len, &b) != RRT_OK || b.len != len ||
            memcmp(b.data, again, len) != 0)
            die(type, "an encoded payload does not decode to itself");
        free(again);
    }
    rrt_buf_free(&b);
    free(copy);
    return 0;
}
