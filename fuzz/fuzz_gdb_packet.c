/* Fuzzes the gdb remote protocol's wire layer (replay/gdb_packet.c): any
 * byte stream frames into packets, acks, interrupts or one error that
 * sticks; every packet decodes; a frame of any payload parses back to the
 * same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb_packet.h"

static void die(const char *why)
{
    fprintf(stderr, "fuzz_gdb_packet: %s\n", why);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gdbp_parser p, q;
    static gdbp_cmd c;
    static char framed[2 * GDBP_MAX_PACKET + 8];
    if (size > (1u << 20))
        return 0;
    gdbp_init(&p);
    size_t at = 0;
    bool failed = false;
    while (at < size) {
        gdbp_kind k;
        size_t used = gdbp_feed(&p, data + at, size - at, &k);
        if (used > size - at)
            die("consumed more than it was given");
        if (k == GDBP_ERROR) {
            failed = true;
            break;
        }
        if (used == 0)
            die("no progress without an error");
        at += used;
        if (k != GDBP_PACKET && k != GDBP_BADSUM)
            continue;
        if (p.len > GDBP_MAX_PACKET || p.buf[p.len] != 0)
            die("packet not bounded or not NUL-ended");
        gdbp_decode(p.buf, p.len, &c);
        if (c.ndata > sizeof(c.data) || c.nactions > GDBP_MAX_ACTIONS)
            die("decoded sizes out of bounds");
        if (c.args < p.buf || c.args > p.buf + p.len)
            die("args outside the packet");
        /* framing the payload again parses back to the same bytes */
        size_t n = gdbp_frame(p.buf, p.len, framed, sizeof(framed));
        if (!n)
            die("frame of a packet does not fit twice its size");
        gdbp_init(&q);
        size_t u = gdbp_feed(&q, (const uint8_t *)framed, n, &k);
        if (k != GDBP_PACKET || u != n || q.len != p.len ||
            memcmp(q.buf, p.buf, p.len) != 0)
            die("re-framed packet does not parse back");
    }
    if (failed && !p.error[0])
        die("error without a message");
    return 0;
}
