/* Fuzzes the recording event decoders (rrt/events.h) through the public
 * API. Byte 0 picks the type (0: every type), the rest is the payload. An
 * accepted payload must satisfy the documented bounds and re-encode to
 * exactly the input (the decoders accept only the canonical form; an EXEC
 * without its optional last field re-encodes with it as 0); a rejected one
 * must leave a message and a cleared result. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rrt/rrt.h>

#define FZ_MAX_PAYLOAD (1u << 16)

static void die(uint32_t type, const char *what)
{
    fprintf(stderr, "fuzz_rec_events: %s event: %s\n", rrt_ev_type_name(type),
            what);
    abort();
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static bool inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
    if (!n)
        return true;
    return p && p >= data && n <= size && p - data <= (ptrdiff_t)(size - n);
}

/* Decodes data as `type`; on success re-encodes into b. Returns the status
 * after checking what a success or failure promises. */
static rrt_status check(uint32_t type, const uint8_t *data, size_t size,
                        rrt_buf *b)
{
    union {
        rrt_ev_syscall sc;
        rrt_ev_rdtsc rd;
        rrt_ev_cpuid cp;
        rrt_ev_signal sg;
        rrt_ev_exit ex;
        rrt_ev_clone cl;
        rrt_ev_exec xe;
        rrt_ev_exec_script xs;
    } u;
    size_t usize = 0;
    rrt_error err;
    memset(&err, 0, sizeof(err));
    rrt_status st = RRT_E_INVALID, enc = RRT_OK;
    memset(&u, 0x5a, sizeof(u));
    switch (type) {
    case RRT_EV_SYSCALL:
        usize = sizeof(u.sc);
        st = rrt_ev_decode_syscall(data, size, &u.sc, &err);
        if (st != RRT_OK)
            break;
        if (u.sc.flags & ~RRT_EV_SC_KNOWN)
            die(type, "undefined flags accepted");
        if ((u.sc.n_mem != 0) != (u.sc.mem != NULL))
            die(type, "n_mem and mem disagree");
        for (size_t i = 0; i < u.sc.n_mem; i++)
            if (!inside(u.sc.mem[i].data, u.sc.mem[i].len, data, size))
                die(type, "memory range points outside the input");
        if ((u.sc.flags & RRT_EV_SC_STDIO) &&
            ((u.sc.stdio_stream != 1 && u.sc.stdio_stream != 2) ||
             !inside(u.sc.stdio_data, u.sc.stdio_len, data, size)))
            die(type, "bad stdio fields accepted");
        enc = rrt_ev_encode_syscall(b, &u.sc);
        rrt_ev_syscall_clear(&u.sc);
        break;
    case RRT_EV_RDTSC:
        usize = sizeof(u.rd);
        st = rrt_ev_decode_rdtsc(data, size, &u.rd, &err);
        if (st == RRT_OK)
            enc = rrt_ev_encode_rdtsc(b, &u.rd);
        break;
    case RRT_EV_CPUID:
        usize = sizeof(u.cp);
        st = rrt_ev_decode_cpuid(data, size, &u.cp, &err);
        if (st == RRT_OK)
            enc = rrt_ev_encode_cpuid(b, &u.cp);
        break;
    case RRT_EV_SIGNAL:
        usize = sizeof(u.sg);
        st = rrt_ev_decode_signal(data, size, &u.sg, &err);
        if (st == RRT_OK && (u.sg.signo == 0 || u.sg.signo > 64))
            die(type, "signal number out of range accepted");
        if (st == RRT_OK)
            enc = rrt_ev_encode_signal(b, &u.sg);
        break;
    case RRT_EV_EXIT:
        usize = sizeof(u.ex);
        st = rrt_ev_decode_exit(data, size, &u.ex, &err);
        if (st == RRT_OK)
            enc = rrt_ev_encode_exit(b, &u.ex);
        break;
    case RRT_EV_CLONE:
        usize = sizeof(u.cl);
        st = rrt_ev_decode_clone(data, size, &u.cl, &err);
        if (st == RRT_OK)
            enc = rrt_ev_encode_clone(b, &u.cl);
        break;
    case RRT_EV_EXEC:
        usize = sizeof(u.xe);
        st = rrt_ev_decode_exec(data, size, &u.xe, &err);
        if (st == RRT_OK && u.xe.n_auxv > RRT_EV_MAX_AUXV)
            die(type, "too many auxv entries accepted");
        if (st == RRT_OK)
            enc = rrt_ev_encode_exec(b, &u.xe);
        break;
    case RRT_EV_EXEC_SCRIPT:
        usize = sizeof(u.xs);
        st = rrt_ev_decode_exec_script(data, size, &u.xs, &err);
        if (st == RRT_OK)
            enc = rrt_ev_encode_exec_script(b, &u.xs);
        break;
    default:
        abort();
    }
    if (st == RRT_OK) {
        if (enc != RRT_OK)
            die(type, "a decoded event does not encode again");
        return st;
    }
    if (st != RRT_E_TRUNCATED && st != RRT_E_CORRUPT && st != RRT_E_LIMIT &&
        st != RRT_E_NOMEM)
        die(type, "unexpected status");
    if (err.status != st || !err.message[0])
        die(type, "failure without an error message");
    if (!all_zero(&u, usize))
        die(type, "failure left a partly filled result");
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FZ_MAX_PAYLOAD + 1)
        return 0;
    uint32_t sel = data[0] % 9u;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    /* An exact-size copy, so that sanitizers catch any over-read. */
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return 0;
    memcpy(copy, p, n);
    rrt_buf b;
    rrt_buf_init(&b);
    for (uint32_t type = RRT_EV_SYSCALL; type <= RRT_EV_EXEC_SCRIPT; type++) {
        if (sel && type != sel)
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
