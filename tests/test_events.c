/* librrt's recording events (rrt/events.h, spec/events.md): exact bytes of
 * each type, round trips, and rejection of truncated, trailing, overlong
 * and out-of-range input. Uses only the public API, as tools do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rrt/rrt.h>

/* Golden payloads, byte for byte as spec/events.md describes them (and as
 * the recorder has always written them). */
/* clang-format off */
static const uint8_t g_syscall[] = {
    0xe7, 0x24,                   /* tid 4711 */
    0x00,                         /* nr 0 (read) */
    0x03,                         /* args[0] 3 */
    0x80, 0x80, 0xf4, 0xff, 0x07, /* args[1] 0x7ffd0000 */
    0x80, 0x20,                   /* args[2] 4096 */
    0x00, 0x00, 0x00,             /* args[3..5] */
    0x0a,                         /* ret 5 (zig-zag) */
    0x00,                         /* flags */
    0x01,                         /* n_mem */
    0x80, 0x80, 0xf4, 0xff, 0x07, /* addr */
    0x05, 'h', 'e', 'l', 'l', 'o'};
static const uint8_t g_syscall_stdio[] = {
    0x01, 0x01, 0x01, 0x80, 0x20, 0x02, 0x00, 0x00, 0x00,
    0x11,       /* ret -9 */
    0x03,       /* FILE | STDIO */
    0x00,       /* n_mem */
    0x07,       /* file_index */
    0x01,       /* stdout */
    0x02, 'h', 'i'};
static const uint8_t g_rdtsc[] = {0xe7, 0x24, 0x01, 0xef, 0xcd, 0xab,
                                  0x89, 0x67, 0x45, 0x23, 0x01, 0x03};
static const uint8_t g_cpuid[] = {0xe7, 0x24, 0x07, 0x00, 0x01, 0x00, 0x00,
                                  0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00,
                                  0x00, 0x00, 0x04, 0x00, 0x00, 0x00};
static const uint8_t g_exit[] = {0xe7, 0x24, 0x01, 0x09};
static const uint8_t g_clone[] = {0xe7, 0x24, 0xe8, 0x24,
                                  0x91, 0x80, 0x80, 0x09};
static const uint8_t g_exec[] = {
    0xe7, 0x24, 0x02, 0x10, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
    0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x02, 0x06,
    0x80, 0x20, 0x19, 0x80, 0x80, 0xf0, 0xff, 0x07, 0x04};
/* EXEC_SCRIPT: tid 4711, script_file 300 */
static const uint8_t g_exec_script[] = {0xe7, 0x24, 0xac, 0x02};
/* SIGNAL_FRAME: tid 4711; r15..rdi 0..14; orig_rax -1; rip 0x401000;
 * cs 0x33; eflags 0x246; rsp 0x7ffd0000; ss 0x2b; the rest 0; mask
 * SIGALRM; a 3-byte frame */
static const uint8_t g_signal_frame[] = {
    0xe7, 0x24,
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
    0x0c, 0x0d, 0x0e,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    0x80, 0xa0, 0x80, 0x02,
    0x33,
    0xc6, 0x04,
    0x80, 0x80, 0xf4, 0xff, 0x07,
    0x2b,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x03, 'f', 'r', 'm'};
/* XGETBV: tid 4711, XCR0, value 0x2e7 */
static const uint8_t g_xgetbv[] = {0xe7, 0x24, 0x00, 0xe7, 0x02, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x00};
/* SHARED_MAP: tid 4711, object 3 */
static const uint8_t g_shared_map[] = {0xe7, 0x24, 0x03};
/* SHARED_WRITE: tid 4711, object 3, offset 300, "abc" */
static const uint8_t g_shared_write[] = {0xe7, 0x24, 0x03, 0xac, 0x02,
                                         0x03, 'a',  'b',  'c'};
/* PREEMPT: tid 4711 resumes */
static const uint8_t g_preempt[] = {0xe7, 0x24, 0x01};
/* DETACH: tid 4711 */
static const uint8_t g_detach[] = {0xe7, 0x24};
/* SYSCALLBUF: tid 4711, STOP, 2 records: read = 5 at 0x7ffd0000 "hello";
 * close = -9 (EBADF), no output */
static const uint8_t g_syscallbuf[] = {
    0xe7, 0x24, 0x01, 0x02,
    0x00, 0x0a, 0x80, 0x80, 0xf4, 0xff, 0x07, 0x05, 'h', 'e', 'l', 'l', 'o',
    0x03, 0x11, 0x00, 0x00};
/* SYSCALLBUF_PATCH: tid 4711, rip 0x401005, stub 0x7fffe0020000 (4
 * bytes), site 0x401000 (5 bytes) */
static const uint8_t g_syscallbuf_patch[] = {
    0xe7, 0x24, 0x85, 0xa0, 0x80, 0x02, 0x80, 0x80, 0x88, 0x80, 0xfe, 0xff,
    0x1f, 0x04, 0x0f, 0x05, 0xc3, 0x90, 0x80, 0xa0, 0x80, 0x02, 0x05, 0xe9,
    0x01, 0x02, 0x03, 0x04};
/* CPUID_PATCH: tid 4711, stub 0x7fffe0020000 (4 bytes), site 0x401000
 * (5 bytes) */
static const uint8_t g_cpuid_patch[] = {
    0xe7, 0x24, 0x80, 0x80, 0x88, 0x80, 0xfe, 0xff, 0x1f, 0x04, 0xe8, 0x01,
    0x02, 0x03, 0x80, 0xa0, 0x80, 0x02, 0x05, 0xe9, 0x01, 0x02, 0x03, 0x04};
/* SYSCALLBUF_INIT: tid 4711, base 0x7fffe0000000, image "ELF!", stdout
 * dev 5 ino 7, no stderr */
static const uint8_t g_syscallbuf_init[] = {
    0xe7, 0x24, 0x80, 0x80, 0x80, 0x80, 0xfe, 0xff, 0x1f, 0x04,
    'E',  'L',  'F',  '!',  0x01, 0x05, 0x07, 0x00, 0x00, 0x00};
/* clang-format on */

static uint8_t siginfo_bytes(size_t i)
{
    return (uint8_t)(i * 7 + 1);
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* One decoder behind a common signature, for the sweeps. It also
 * re-encodes what it decoded, so the sweeps can check canonical form. */
typedef rrt_status (*decode_fn)(const uint8_t *p, size_t n, rrt_buf *re,
                                rrt_error *err);

#define DECODER(name, T, clear)                                                \
    static rrt_status dec_##name(const uint8_t *p, size_t n, rrt_buf *re,      \
                                 rrt_error *err)                               \
    {                                                                          \
        T e;                                                                   \
        memset(&e, 0xa5, sizeof(e));                                           \
        rrt_status st = rrt_ev_decode_##name(p, n, &e, err);                   \
        if (st == RRT_OK && re)                                                \
            assert_int_equal(rrt_ev_encode_##name(re, &e), RRT_OK);            \
        if (st != RRT_OK)                                                      \
            assert_true(all_zero(&e, sizeof(e))); /* failure clears */         \
        clear;                                                                 \
        return st;                                                             \
    }

DECODER(syscall, rrt_ev_syscall, rrt_ev_syscall_clear(&e))
DECODER(rdtsc, rrt_ev_rdtsc, (void)0)
DECODER(cpuid, rrt_ev_cpuid, (void)0)
DECODER(signal, rrt_ev_signal, (void)0)
DECODER(exit, rrt_ev_exit, (void)0)
DECODER(clone, rrt_ev_clone, (void)0)
DECODER(exec, rrt_ev_exec, (void)0)
DECODER(exec_script, rrt_ev_exec_script, (void)0)
DECODER(signal_frame, rrt_ev_signal_frame, (void)0)
DECODER(xgetbv, rrt_ev_xgetbv, (void)0)
DECODER(shared_map, rrt_ev_shared_map, (void)0)
DECODER(shared_write, rrt_ev_shared_write, (void)0)
DECODER(preempt, rrt_ev_preempt, (void)0)
DECODER(detach, rrt_ev_detach, (void)0)
DECODER(syscallbuf, rrt_ev_syscallbuf, rrt_ev_syscallbuf_clear(&e))
DECODER(syscallbuf_patch, rrt_ev_syscallbuf_patch, (void)0)
DECODER(syscallbuf_init, rrt_ev_syscallbuf_init, (void)0)
DECODER(cpuid_patch, rrt_ev_cpuid_patch, (void)0)

typedef struct sample {
    const char *name;
    decode_fn dec;
    const uint8_t *p;
    size_t n;
    size_t legacy_len; /* a shorter prefix that is valid too (EXEC), or 0 */
} sample;

static uint8_t g_signal[6 + RRT_EV_SIGINFO_SIZE];

static void make_signal(void)
{
    g_signal[0] = 0xe7, g_signal[1] = 0x24; /* tid 4711 */
    g_signal[2] = 11;                       /* SIGSEGV */
    g_signal[3] = 1;                        /* sync */
    g_signal[4] = 0x80, g_signal[5] = 0x01; /* bytes length 128 */
    for (size_t i = 0; i < RRT_EV_SIGINFO_SIZE; i++)
        g_signal[6 + i] = siginfo_bytes(i);
}

static size_t samples(sample *s)
{
    make_signal();
    size_t n = 0;
    s[n++] = (sample){"syscall", dec_syscall, g_syscall, sizeof(g_syscall), 0};
    s[n++] = (sample){"syscall_stdio", dec_syscall, g_syscall_stdio,
                      sizeof(g_syscall_stdio), 0};
    s[n++] = (sample){"rdtsc", dec_rdtsc, g_rdtsc, sizeof(g_rdtsc), 0};
    s[n++] = (sample){"cpuid", dec_cpuid, g_cpuid, sizeof(g_cpuid), 0};
    s[n++] = (sample){"signal", dec_signal, g_signal, sizeof(g_signal), 0};
    s[n++] = (sample){"exit", dec_exit, g_exit, sizeof(g_exit), 0};
    s[n++] = (sample){"clone", dec_clone, g_clone, sizeof(g_clone), 0};
    s[n++] =
        (sample){"exec", dec_exec, g_exec, sizeof(g_exec), sizeof(g_exec) - 1};
    s[n++] = (sample){"exec_script", dec_exec_script, g_exec_script,
                      sizeof(g_exec_script), 0};
    s[n++] = (sample){"signal_frame", dec_signal_frame, g_signal_frame,
                      sizeof(g_signal_frame), 0};
    s[n++] = (sample){"xgetbv", dec_xgetbv, g_xgetbv, sizeof(g_xgetbv), 0};
    s[n++] = (sample){"shared_map", dec_shared_map, g_shared_map,
                      sizeof(g_shared_map), 0};
    s[n++] = (sample){"shared_write", dec_shared_write, g_shared_write,
                      sizeof(g_shared_write), 0};
    s[n++] = (sample){"preempt", dec_preempt, g_preempt, sizeof(g_preempt), 0};
    s[n++] = (sample){"detach", dec_detach, g_detach, sizeof(g_detach), 0};
    s[n++] = (sample){"syscallbuf", dec_syscallbuf, g_syscallbuf,
                      sizeof(g_syscallbuf), 0};
    s[n++] = (sample){"syscallbuf_patch", dec_syscallbuf_patch,
                      g_syscallbuf_patch, sizeof(g_syscallbuf_patch), 0};
    s[n++] = (sample){"syscallbuf_init", dec_syscallbuf_init, g_syscallbuf_init,
                      sizeof(g_syscallbuf_init), 0};
    s[n++] = (sample){"cpuid_patch", dec_cpuid_patch, g_cpuid_patch,
                      sizeof(g_cpuid_patch), 0};
    return n;
}

/* ------------------------------------------------------------------ */

static void test_events_decode_golden_bytes(void **state)
{
    (void)state;
    rrt_error err;
    rrt_ev_syscall sc;
    assert_int_equal(
        rrt_ev_decode_syscall(g_syscall, sizeof(g_syscall), &sc, &err), RRT_OK);
    assert_int_equal(sc.tid, 4711);
    assert_int_equal(sc.nr, 0);
    assert_true(sc.args[1] == 0x7ffd0000);
    assert_int_equal(sc.args[2], 4096);
    assert_int_equal(sc.ret, 5);
    assert_int_equal(sc.n_mem, 1);
    assert_true(sc.mem[0].addr == 0x7ffd0000);
    assert_int_equal(sc.mem[0].len, 5);
    assert_memory_equal(sc.mem[0].data, "hello", 5);
    rrt_ev_syscall_clear(&sc);

    assert_int_equal(rrt_ev_decode_syscall(g_syscall_stdio,
                                           sizeof(g_syscall_stdio), &sc, &err),
                     RRT_OK);
    assert_int_equal(sc.ret, -9);
    assert_int_equal(sc.flags, RRT_EV_SC_FILE | RRT_EV_SC_STDIO);
    assert_int_equal(sc.n_mem, 0);
    assert_null(sc.mem);
    assert_int_equal(sc.file_index, 7);
    assert_int_equal(sc.stdio_stream, 1);
    assert_int_equal(sc.stdio_len, 2);
    assert_memory_equal(sc.stdio_data, "hi", 2);
    rrt_ev_syscall_clear(&sc);

    rrt_ev_rdtsc rd;
    assert_int_equal(rrt_ev_decode_rdtsc(g_rdtsc, sizeof(g_rdtsc), &rd, &err),
                     RRT_OK);
    assert_int_equal(rd.rdtscp, 1);
    assert_true(rd.tsc == 0x0123456789abcdefull);
    assert_int_equal(rd.aux, 3);

    rrt_ev_cpuid cp;
    assert_int_equal(rrt_ev_decode_cpuid(g_cpuid, sizeof(g_cpuid), &cp, &err),
                     RRT_OK);
    assert_int_equal(cp.leaf, 7);
    assert_int_equal(cp.subleaf, 0);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(cp.regs[i], i + 1);

    make_signal();
    rrt_ev_signal sg;
    assert_int_equal(
        rrt_ev_decode_signal(g_signal, sizeof(g_signal), &sg, &err), RRT_OK);
    assert_int_equal(sg.signo, 11);
    assert_int_equal(sg.sync, 1);
    assert_int_equal(sg.siginfo[5], siginfo_bytes(5));

    rrt_ev_exit ex;
    assert_int_equal(rrt_ev_decode_exit(g_exit, sizeof(g_exit), &ex, &err),
                     RRT_OK);
    assert_int_equal(ex.killed, 1);
    assert_int_equal(ex.code, 9);

    rrt_ev_clone cl;
    assert_int_equal(rrt_ev_decode_clone(g_clone, sizeof(g_clone), &cl, &err),
                     RRT_OK);
    assert_int_equal(cl.parent, 4711);
    assert_int_equal(cl.child, 4712);
    assert_true(cl.flags == 0x01200011);

    rrt_ev_exec xe;
    assert_int_equal(rrt_ev_decode_exec(g_exec, sizeof(g_exec), &xe, &err),
                     RRT_OK);
    assert_int_equal(xe.exe_file, 2);
    assert_int_equal(xe.at_random[15], 15);
    assert_int_equal(xe.n_auxv, 2);
    assert_true(xe.auxv[0][0] == 6 && xe.auxv[0][1] == 4096);
    assert_true(xe.auxv[1][0] == 25 && xe.auxv[1][1] == 0x7ffc0000);
    assert_true(xe.has_interp);
    assert_int_equal(xe.interp_file, 3);
}

static void test_events_exec_without_interpreter_field_is_accepted(void **state)
{
    (void)state;
    /* Payloads written before interpreters were recorded end after auxv. */
    rrt_ev_exec xe;
    assert_int_equal(rrt_ev_decode_exec(g_exec, sizeof(g_exec) - 1, &xe, NULL),
                     RRT_OK);
    assert_false(xe.has_interp);
    assert_int_equal(xe.n_auxv, 2);
    /* An explicit 0 means "no interpreter" as well. */
    uint8_t p[sizeof(g_exec)];
    memcpy(p, g_exec, sizeof(p));
    p[sizeof(p) - 1] = 0;
    assert_int_equal(rrt_ev_decode_exec(p, sizeof(p), &xe, NULL), RRT_OK);
    assert_false(xe.has_interp);
}

/* Encoding the structs a recorder fills gives the golden bytes. */
static void test_events_encode_golden_bytes(void **state)
{
    (void)state;
    rrt_buf b;
    rrt_buf_init(&b);
    rrt_ev_mem mem = {0x7ffd0000, 5, (const uint8_t *)"hello"};
    rrt_ev_syscall sc = {.tid = 4711,
                         .nr = 0,
                         .args = {3, 0x7ffd0000, 4096, 0, 0, 0},
                         .ret = 5,
                         .n_mem = 1,
                         .mem = &mem};
    assert_int_equal(rrt_ev_encode_syscall(&b, &sc), RRT_OK);
    assert_int_equal(b.len, sizeof(g_syscall));
    assert_memory_equal(b.data, g_syscall, b.len);

    rrt_buf_reset(&b);
    rrt_ev_syscall sc2 = {.tid = 1,
                          .nr = 1,
                          .args = {1, 0x1000, 2},
                          .ret = -9,
                          .flags = RRT_EV_SC_FILE | RRT_EV_SC_STDIO,
                          .file_index = 7,
                          .stdio_stream = 1,
                          .stdio_len = 2,
                          .stdio_data = (const uint8_t *)"hi"};
    assert_int_equal(rrt_ev_encode_syscall(&b, &sc2), RRT_OK);
    assert_int_equal(b.len, sizeof(g_syscall_stdio));
    assert_memory_equal(b.data, g_syscall_stdio, b.len);

    rrt_buf_reset(&b);
    rrt_ev_rdtsc rd = {4711, 1, 0x0123456789abcdefull, 3};
    assert_int_equal(rrt_ev_encode_rdtsc(&b, &rd), RRT_OK);
    assert_int_equal(b.len, sizeof(g_rdtsc));
    assert_memory_equal(b.data, g_rdtsc, b.len);

    rrt_buf_reset(&b);
    rrt_ev_cpuid cp = {4711, 7, 0, {1, 2, 3, 4}};
    assert_int_equal(rrt_ev_encode_cpuid(&b, &cp), RRT_OK);
    assert_int_equal(b.len, sizeof(g_cpuid));
    assert_memory_equal(b.data, g_cpuid, b.len);

    rrt_buf_reset(&b);
    make_signal();
    rrt_ev_signal sg = {.tid = 4711, .signo = 11, .sync = 1};
    for (size_t i = 0; i < RRT_EV_SIGINFO_SIZE; i++)
        sg.siginfo[i] = siginfo_bytes(i);
    assert_int_equal(rrt_ev_encode_signal(&b, &sg), RRT_OK);
    assert_int_equal(b.len, sizeof(g_signal));
    assert_memory_equal(b.data, g_signal, b.len);

    rrt_buf_reset(&b);
    rrt_ev_exit ex = {4711, 1, 9};
    assert_int_equal(rrt_ev_encode_exit(&b, &ex), RRT_OK);
    assert_int_equal(b.len, sizeof(g_exit));
    assert_memory_equal(b.data, g_exit, b.len);

    rrt_buf_reset(&b);
    rrt_ev_clone cl = {4711, 4712, 0x01200011};
    assert_int_equal(rrt_ev_encode_clone(&b, &cl), RRT_OK);
    assert_int_equal(b.len, sizeof(g_clone));
    assert_memory_equal(b.data, g_clone, b.len);

    rrt_buf_reset(&b);
    rrt_ev_exec xe = {.tid = 4711,
                      .exe_file = 2,
                      .has_interp = true,
                      .interp_file = 3,
                      .n_auxv = 2,
                      .auxv = {{6, 4096}, {25, 0x7ffc0000}}};
    for (uint8_t i = 0; i < 16; i++)
        xe.at_random[i] = i;
    assert_int_equal(rrt_ev_encode_exec(&b, &xe), RRT_OK);
    assert_int_equal(b.len, sizeof(g_exec));
    assert_memory_equal(b.data, g_exec, b.len);

    rrt_buf_reset(&b);
    rrt_ev_exec_script xs = {.tid = 4711, .script_file = 300};
    assert_int_equal(rrt_ev_encode_exec_script(&b, &xs), RRT_OK);
    assert_int_equal(b.len, sizeof(g_exec_script));
    assert_memory_equal(b.data, g_exec_script, b.len);
    rrt_error err;
    rrt_ev_exec_script back;
    assert_int_equal(rrt_ev_decode_exec_script(
                         g_exec_script, sizeof(g_exec_script), &back, &err),
                     RRT_OK);
    assert_int_equal(back.tid, 4711);
    assert_int_equal(back.script_file, 300);
    rrt_buf_reset(&b);
    rrt_ev_signal_frame sf = {.tid = 4711,
                              .mask = 1u << 13,
                              .frame_len = 3,
                              .frame = (const uint8_t *)"frm"};
    for (int i = 0; i < 15; i++)
        sf.regs[i] = (uint64_t)i;
    sf.regs[15] = UINT64_MAX; /* orig_rax */
    sf.regs[16] = 0x401000;   /* rip */
    sf.regs[17] = 0x33;       /* cs */
    sf.regs[18] = 0x246;      /* eflags */
    sf.regs[19] = 0x7ffd0000; /* rsp */
    sf.regs[20] = 0x2b;       /* ss */
    assert_int_equal(rrt_ev_encode_signal_frame(&b, &sf), RRT_OK);
    assert_int_equal(b.len, sizeof(g_signal_frame));
    assert_memory_equal(b.data, g_signal_frame, b.len);
    rrt_ev_signal_frame sfb;
    assert_int_equal(rrt_ev_decode_signal_frame(
                         g_signal_frame, sizeof(g_signal_frame), &sfb, NULL),
                     RRT_OK);
    assert_int_equal(sfb.regs[19], 0x7ffd0000);
    assert_int_equal(sfb.mask, 1u << 13);
    assert_int_equal(sfb.frame_len, 3);
    assert_memory_equal(sfb.frame, "frm", 3);

    rrt_buf_reset(&b);
    rrt_ev_xgetbv xg = {.tid = 4711, .xcr = 0, .value = 0x2e7};
    assert_int_equal(rrt_ev_encode_xgetbv(&b, &xg), RRT_OK);
    assert_int_equal(b.len, sizeof(g_xgetbv));
    assert_memory_equal(b.data, g_xgetbv, b.len);

    rrt_buf_reset(&b);
    rrt_ev_shared_map sm = {.tid = 4711, .object = 3};
    assert_int_equal(rrt_ev_encode_shared_map(&b, &sm), RRT_OK);
    assert_int_equal(b.len, sizeof(g_shared_map));
    assert_memory_equal(b.data, g_shared_map, b.len);

    rrt_buf_reset(&b);
    rrt_ev_shared_write sw = {.tid = 4711,
                              .object = 3,
                              .offset = 300,
                              .len = 3,
                              .data = (const uint8_t *)"abc"};
    assert_int_equal(rrt_ev_encode_shared_write(&b, &sw), RRT_OK);
    assert_int_equal(b.len, sizeof(g_shared_write));
    assert_memory_equal(b.data, g_shared_write, b.len);
    /* what a decoder would refuse is not encoded */
    rrt_buf_reset(&b);
    sw.offset = UINT64_MAX - 1;
    assert_int_equal(rrt_ev_encode_shared_write(&b, &sw), RRT_E_INVALID);

    rrt_buf_reset(&b);
    rrt_ev_preempt pe = {.tid = 4711, .resume = 1};
    assert_int_equal(rrt_ev_encode_preempt(&b, &pe), RRT_OK);
    assert_int_equal(b.len, sizeof(g_preempt));
    assert_memory_equal(b.data, g_preempt, b.len);

    rrt_buf_reset(&b);
    rrt_ev_detach de = {.tid = 4711};
    assert_int_equal(rrt_ev_encode_detach(&b, &de), RRT_OK);
    assert_int_equal(b.len, sizeof(g_detach));
    assert_memory_equal(b.data, g_detach, b.len);

    rrt_buf_reset(&b);
    rrt_ev_sb_rec recs[2] = {
        {.nr = 0,
         .ret = 5,
         .addr = 0x7ffd0000,
         .len = 5,
         .data = (const uint8_t *)"hello"},
        {.nr = 3, .ret = -9},
    };
    rrt_ev_syscallbuf sb = {
        .tid = 4711, .flags = RRT_EV_SB_STOP, .n_recs = 2, .recs = recs};
    assert_int_equal(rrt_ev_encode_syscallbuf(&b, &sb), RRT_OK);
    assert_int_equal(b.len, sizeof(g_syscallbuf));
    assert_memory_equal(b.data, g_syscallbuf, b.len);
    /* piece by piece, as the recorder writes it: the same bytes */
    rrt_buf_reset(&b);
    assert_int_equal(rrt_ev_encode_syscallbuf_head(&b, 4711, RRT_EV_SB_STOP, 2),
                     RRT_OK);
    assert_int_equal(rrt_ev_encode_sb_rec(&b, &recs[0]), RRT_OK);
    assert_int_equal(rrt_ev_encode_sb_rec(&b, &recs[1]), RRT_OK);
    assert_int_equal(b.len, sizeof(g_syscallbuf));
    assert_memory_equal(b.data, g_syscallbuf, b.len);

    rrt_buf_reset(&b);
    rrt_ev_syscallbuf_patch sp = {
        .tid = 4711,
        .rip = 0x401005,
        .stub = 0x7fffe0020000,
        .stub_len = 4,
        .stub_bytes = (const uint8_t *)"\x0f\x05\xc3\x90",
        .site = 0x401000,
        .site_len = 5,
        .site_bytes = (const uint8_t *)"\xe9\x01\x02\x03\x04"};
    assert_int_equal(rrt_ev_encode_syscallbuf_patch(&b, &sp), RRT_OK);
    assert_int_equal(b.len, sizeof(g_syscallbuf_patch));
    assert_memory_equal(b.data, g_syscallbuf_patch, b.len);

    rrt_buf_reset(&b);
    rrt_ev_cpuid_patch cpp = {.tid = 4711,
                              .stub = 0x7fffe0020000,
                              .stub_len = 4,
                              .stub_bytes = (const uint8_t *)"\xe8\x01\x02\x03",
                              .site = 0x401000,
                              .site_len = 5,
                              .site_bytes =
                                  (const uint8_t *)"\xe9\x01\x02\x03\x04"};
    assert_int_equal(rrt_ev_encode_cpuid_patch(&b, &cpp), RRT_OK);
    assert_int_equal(b.len, sizeof(g_cpuid_patch));
    assert_memory_equal(b.data, g_cpuid_patch, b.len);
    cpp.site_len = 4;
    assert_int_equal(rrt_ev_encode_cpuid_patch(&b, &cpp), RRT_E_INVALID);

    rrt_buf_reset(&b);
    rrt_ev_syscallbuf_init si = {.tid = 4711,
                                 .base = 0x7fffe0000000,
                                 .image_len = 4,
                                 .image = (const uint8_t *)"ELF!"};
    si.out[0].ok = 1, si.out[0].dev = 5, si.out[0].ino = 7;
    assert_int_equal(rrt_ev_encode_syscallbuf_init(&b, &si), RRT_OK);
    assert_int_equal(b.len, sizeof(g_syscallbuf_init));
    assert_memory_equal(b.data, g_syscallbuf_init, b.len);
    rrt_buf_free(&b);
}

/* Every sample decodes, and re-encodes to exactly the same bytes. */
static void test_events_round_trip_every_type(void **state)
{
    (void)state;
    sample s[32];
    size_t n = samples(s);
    rrt_buf b;
    rrt_buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        rrt_buf_reset(&b);
        rrt_error err;
        rrt_status st = s[i].dec(s[i].p, s[i].n, &b, &err);
        if (st != RRT_OK)
            fail_msg("%s: %s", s[i].name, err.message);
        assert_int_equal(b.len, s[i].n);
        assert_memory_equal(b.data, s[i].p, s[i].n);
    }
    rrt_buf_free(&b);
}

static void test_events_reject_truncation_at_every_offset(void **state)
{
    (void)state;
    sample s[32];
    size_t n = samples(s);
    for (size_t i = 0; i < n; i++) {
        for (size_t len = 0; len < s[i].n; len++) {
            if (len == s[i].legacy_len && len)
                continue;
            /* a copy of exactly len bytes, so ASan sees any over-read */
            uint8_t *p = malloc(len ? len : 1);
            assert_non_null(p);
            memcpy(p, s[i].p, len);
            rrt_error err;
            memset(&err, 0, sizeof(err));
            rrt_status st = s[i].dec(p, len, NULL, &err);
            free(p);
            if (st == RRT_OK)
                fail_msg("%s: truncated to %zu bytes accepted", s[i].name, len);
            assert_int_equal(err.status, st);
            assert_non_null(strstr(err.message, " event: "));
        }
    }
}

static void test_events_reject_trailing_bytes(void **state)
{
    (void)state;
    sample s[32];
    size_t n = samples(s);
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = malloc(s[i].n + 1);
        assert_non_null(p);
        memcpy(p, s[i].p, s[i].n);
        p[s[i].n] = 0;
        rrt_error err;
        rrt_status st = s[i].dec(p, s[i].n + 1, NULL, &err);
        free(p);
        if (st != RRT_E_CORRUPT)
            fail_msg("%s: trailing byte gave %s", s[i].name,
                     rrt_status_name(st));
        assert_non_null(strstr(err.message, "bytes after the last field"));
    }
}

/* Flipping any bit never over-reads, and whatever still decodes is in
 * canonical form (re-encodes to the same bytes). */
static void test_events_bit_flips_decode_canonically_or_fail(void **state)
{
    (void)state;
    sample s[32];
    size_t n = samples(s);
    rrt_buf b;
    rrt_buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = malloc(s[i].n);
        assert_non_null(p);
        for (size_t bit = 0; bit < 8 * s[i].n; bit++) {
            memcpy(p, s[i].p, s[i].n);
            p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            rrt_buf_reset(&b);
            if (s[i].dec(p, s[i].n, &b, NULL) != RRT_OK)
                continue;
            /* EXEC without the optional last field re-encodes it as 0 */
            bool legacy =
                b.len == s[i].n + 1 && s[i].legacy_len && b.data[s[i].n] == 0;
            if (!legacy)
                assert_int_equal(b.len, s[i].n);
            assert_memory_equal(b.data, p, s[i].n);
        }
        free(p);
    }
    rrt_buf_free(&b);
}

static rrt_status dec_bytes(decode_fn f, rrt_error *err, size_t n, ...)
{
    uint8_t p[64];
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)va_arg(ap, int);
    va_end(ap);
    return f(p, n, NULL, err);
}

static void expect(rrt_status got, rrt_status want, const rrt_error *err,
                   const char *text)
{
    assert_int_equal(got, want);
    if (!strstr(err->message, text))
        fail_msg("message \"%s\" lacks \"%s\"", err->message, text);
}

static void test_events_reject_absurd_counts(void **state)
{
    (void)state;
    rrt_error err;
    /* n_mem = 2^64-1 with nothing after it: refused before allocating */
    expect(dec_bytes(dec_syscall, &err, 21, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
                     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0),
           RRT_E_CORRUPT, &err, "n_mem: more memory ranges than");
    /* n_mem = 3 but room for one */
    expect(dec_bytes(dec_syscall, &err, 14, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3,
                     0x10, 0x00, 0),
           RRT_E_CORRUPT, &err, "SYSCALL event: n_mem");
    /* n_auxv = 65 */
    uint8_t p[40] = {1, 0, 16};
    size_t len = 3 + 16;
    p[len++] = 65;
    rrt_ev_exec xe;
    expect(rrt_ev_decode_exec(p, len, &xe, &err), RRT_E_LIMIT, &err,
           "EXEC event: n_auxv: more than 64");
    /* a memory range whose length runs past the end */
    expect(dec_bytes(dec_syscall, &err, 14, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                     0x10, 0x7f, 0),
           RRT_E_TRUNCATED, &err, "mem.data: length runs past the end");
}

static void test_events_reject_bad_values(void **state)
{
    (void)state;
    rrt_error err;
    /* overlong varint (tid 0 in two bytes) */
    expect(dec_bytes(dec_exit, &err, 4, 0x80, 0x00, 0, 0), RRT_E_CORRUPT, &err,
           "EXIT event: tid: overlong");
    /* varint cut short */
    expect(dec_bytes(dec_exit, &err, 2, 1, 0x80), RRT_E_TRUNCATED, &err,
           "EXIT event: killed: truncated varint at payload byte 1");
    /* tid above 32 bits */
    expect(dec_bytes(dec_exit, &err, 7, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0),
           RRT_E_CORRUPT, &err, "tid: value does not fit 32 bits");
    expect(dec_bytes(dec_exit, &err, 3, 1, 2, 0), RRT_E_CORRUPT, &err,
           "killed: not 0 or 1");
    expect(dec_bytes(dec_rdtsc, &err, 11, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0),
           RRT_E_CORRUPT, &err, "rdtscp: not 0 or 1");
    expect(dec_bytes(dec_rdtsc, &err, 5, 1, 0, 0, 0, 0), RRT_E_TRUNCATED, &err,
           "RDTSC event: tsc: truncated");
    /* SYSCALL: undefined flag, bad stdio stream */
    expect(dec_bytes(dec_syscall, &err, 11, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0),
           RRT_E_CORRUPT, &err, "flags: undefined flag bits");
    expect(dec_bytes(dec_syscall, &err, 13, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0,
                     3, 0),
           RRT_E_CORRUPT, &err, "stdio_stream: not 1 or 2");
    /* SIGNAL: signo 0 and 65, siginfo of the wrong size */
    expect(dec_bytes(dec_signal, &err, 4, 1, 0, 0, 0), RRT_E_CORRUPT, &err,
           "signo: not a signal");
    expect(dec_bytes(dec_signal, &err, 4, 1, 65, 0, 0), RRT_E_CORRUPT, &err,
           "signo: not a signal");
    expect(dec_bytes(dec_signal, &err, 5, 1, 10, 0, 1, 0), RRT_E_CORRUPT, &err,
           "siginfo: wrong length");
    expect(dec_bytes(dec_signal, &err, 4, 1, 10, 2, 0), RRT_E_CORRUPT, &err,
           "sync: not 0 or 1");
    /* SIGNAL_FRAME: a frame longer than 1 MiB is refused before use */
    uint8_t *big = calloc(1, 28 + 8 + 4);
    assert_non_null(big);
    big[0] = 1;
    size_t at = 1 + 27 + 8;
    big[at++] = 0x81, big[at++] = 0x80, big[at++] = 0x40; /* 1 MiB + 1 */
    rrt_ev_signal_frame sf;
    expect(rrt_ev_decode_signal_frame(big, at, &sf, &err), RRT_E_TRUNCATED,
           &err, "SIGNAL_FRAME event: frame: length runs past the end");
    free(big);
    big = calloc(1, 40 + RRT_EV_FRAME_MAX + 1);
    assert_non_null(big);
    big[0] = 1;
    at = 1 + 27 + 8;
    big[at++] = 0x81, big[at++] = 0x80, big[at++] = 0x40;
    expect(
        rrt_ev_decode_signal_frame(big, at + RRT_EV_FRAME_MAX + 1, &sf, &err),
        RRT_E_LIMIT, &err, "SIGNAL_FRAME event: frame: larger than 1 MiB");
    free(big);
    /* XGETBV: value cut short */
    expect(dec_bytes(dec_xgetbv, &err, 6, 1, 0, 1, 2, 3, 4), RRT_E_TRUNCATED,
           &err, "XGETBV event: value: truncated");
    /* SHARED_WRITE: data past the largest offset, and too much of it */
    {
        uint8_t w[16] = {1,    0,    0xfe, 0xff, 0xff, 0xff, 0xff, 0xff,
                         0xff, 0xff, 0xff, 0x01, 0x02, 'a',  'b'};
        rrt_ev_shared_write sw;
        expect(rrt_ev_decode_shared_write(w, 15, &sw, &err), RRT_E_CORRUPT,
               &err,
               "SHARED_WRITE event: data: ends beyond the largest file "
               "offset");
        uint8_t *huge = calloc(1, 8 + RRT_EV_SHARED_WRITE_MAX + 1);
        assert_non_null(huge);
        huge[0] = 1, huge[1] = 0, huge[2] = 0;
        /* a length of 2^26 + 1: 0x81 0x80 0x80 0x20 */
        huge[3] = 0x81, huge[4] = 0x80, huge[5] = 0x80, huge[6] = 0x20;
        expect(rrt_ev_decode_shared_write(huge, 7 + RRT_EV_SHARED_WRITE_MAX + 1,
                                          &sw, &err),
               RRT_E_LIMIT, &err,
               "SHARED_WRITE event: data: larger than 64 MiB");
        free(huge);
    }
    /* EXEC: at_random of 15 bytes */
    uint8_t p[32] = {1, 0, 15};
    rrt_ev_exec xe;
    expect(rrt_ev_decode_exec(p, 3 + 15 + 1, &xe, &err), RRT_E_CORRUPT, &err,
           "at_random: wrong length");
}

/* The syscall buffer's events: counts, lengths and values out of range
 * are refused with the field named, before anything is allocated. */
static void test_events_syscallbuf_rejects_bad_values(void **state)
{
    (void)state;
    rrt_error err;
    rrt_ev_syscallbuf sb;
    /* no records */
    expect(dec_bytes(dec_syscallbuf, &err, 3, 1, 0, 0), RRT_E_CORRUPT, &err,
           "SYSCALLBUF event: n: no records");
    /* 32769 records (0x81 0x80 0x02) */
    expect(dec_bytes(dec_syscallbuf, &err, 5, 1, 0, 0x81, 0x80, 0x02),
           RRT_E_LIMIT, &err, "n: more than 32768 records");
    /* 3 records but room for one (4 bytes) */
    expect(dec_bytes(dec_syscallbuf, &err, 7, 1, 0, 3, 0, 0, 0, 0),
           RRT_E_CORRUPT, &err, "n: more records than the payload can hold");
    /* an undefined flag */
    expect(dec_bytes(dec_syscallbuf, &err, 7, 1, 2, 1, 0, 0, 0, 0),
           RRT_E_CORRUPT, &err, "flags: undefined flag bits set");
    /* a record's data running past the end */
    expect(dec_bytes(dec_syscallbuf, &err, 8, 1, 0, 1, 0, 0, 0, 9, 'x'),
           RRT_E_TRUNCATED, &err, "records.data: length runs past the end");
    /* a record number of 2^32 */
    expect(dec_bytes(dec_syscallbuf, &err, 12, 1, 0, 1, 0x80, 0x80, 0x80, 0x80,
                     0x10, 0, 0, 0, 0),
           RRT_E_CORRUPT, &err, "records.nr: value does not fit 32 bits");
    assert_int_equal(rrt_ev_decode_syscallbuf(g_syscallbuf, 4, &sb, &err),
                     RRT_E_CORRUPT);
    assert_null(sb.recs);

    /* PATCH: a 4-byte site, a 12-byte site, a 49-byte stub */
    uint8_t p[80];
    size_t n = 0;
    p[n++] = 1, p[n++] = 2, p[n++] = 3; /* tid, rip, stub */
    p[n++] = 1, p[n++] = 0x90;          /* stub_bytes */
    p[n++] = 4;                         /* site */
    p[n++] = 4;
    memset(p + n, 0x90, 4), n += 4;
    rrt_ev_syscallbuf_patch sp;
    expect(rrt_ev_decode_syscallbuf_patch(p, n, &sp, &err), RRT_E_CORRUPT, &err,
           "site_bytes: not 5 to 11 bytes");
    p[6] = 12;
    memset(p + 7, 0x90, 12), n = 19;
    expect(rrt_ev_decode_syscallbuf_patch(p, n, &sp, &err), RRT_E_CORRUPT, &err,
           "site_bytes: not 5 to 11 bytes");
    n = 3;
    p[n++] = 49;
    memset(p + n, 0x90, 49), n += 49;
    p[n++] = 4, p[n++] = 5;
    memset(p + n, 0x90, 5), n += 5;
    expect(rrt_ev_decode_syscallbuf_patch(p, n, &sp, &err), RRT_E_CORRUPT, &err,
           "stub_bytes: longer than 48 bytes");
    p[3] = 48; /* 48 is the most: one byte of the stub is now the site */
    memmove(p + 52, p + 53, n - 53), n--;
    assert_int_equal(rrt_ev_decode_syscallbuf_patch(p, n, &sp, &err), RRT_OK);
    assert_int_equal(sp.stub_len, 48);
    assert_int_equal(sp.site_len, 5);

    /* INIT: ok = 2; an image of 64 KiB + 1 */
    rrt_ev_syscallbuf_init si;
    uint8_t q[24];
    memcpy(q, g_syscallbuf_init, sizeof(g_syscallbuf_init));
    q[14] = 2;
    expect(
        rrt_ev_decode_syscallbuf_init(q, sizeof(g_syscallbuf_init), &si, &err),
        RRT_E_CORRUPT, &err, "SYSCALLBUF_INIT event: out[0].ok: not 0 or 1");
    size_t big = 3 + 3 + RRT_EV_SB_IMAGE_MAX + 1 + 6;
    uint8_t *x = calloc(1, big);
    assert_non_null(x);
    x[0] = 1, x[1] = 2;
    x[2] = 0x81, x[3] = 0x80, x[4] = 0x04; /* 65537 */
    expect(rrt_ev_decode_syscallbuf_init(x, big - 1, &si, &err), RRT_E_LIMIT,
           &err, "image: larger than 64 KiB");
    free(x);

    /* The encoders refuse the same. */
    rrt_buf b;
    rrt_buf_init(&b);
    rrt_ev_syscallbuf e = {.tid = 1};
    assert_int_equal(rrt_ev_encode_syscallbuf(&b, &e), RRT_E_INVALID);
    assert_int_equal(rrt_ev_encode_syscallbuf_head(&b, 1, 0, 0), RRT_E_INVALID);
    assert_int_equal(
        rrt_ev_encode_syscallbuf_head(&b, 1, 0, RRT_EV_SB_MAX_RECS + 1),
        RRT_E_INVALID);
    assert_int_equal(rrt_ev_encode_syscallbuf_head(&b, 1, 2, 1), RRT_E_INVALID);
    rrt_ev_sb_rec r = {.len = 1};
    assert_int_equal(rrt_ev_encode_sb_rec(&b, &r), RRT_E_INVALID);
    static const uint8_t zeros[RRT_EV_SB_STUB_MAX + 1];
    rrt_ev_syscallbuf_patch pe = {.stub_len = RRT_EV_SB_STUB_MAX + 1,
                                  .stub_bytes = zeros,
                                  .site_len = 5,
                                  .site_bytes = zeros};
    assert_int_equal(rrt_ev_encode_syscallbuf_patch(&b, &pe), RRT_E_INVALID);
    pe.stub_len = 4, pe.site_len = 4;
    assert_int_equal(rrt_ev_encode_syscallbuf_patch(&b, &pe), RRT_E_INVALID);
    pe.site_len = 12;
    assert_int_equal(rrt_ev_encode_syscallbuf_patch(&b, &pe), RRT_E_INVALID);
    rrt_ev_syscallbuf_init ie = {.image_len = RRT_EV_SB_IMAGE_MAX + 1,
                                 .image = zeros};
    assert_int_equal(rrt_ev_encode_syscallbuf_init(&b, &ie), RRT_E_INVALID);
    ie.image_len = 0;
    ie.out[1].ok = 2;
    assert_int_equal(rrt_ev_encode_syscallbuf_init(&b, &ie), RRT_E_INVALID);
    assert_int_equal(b.len, 0);
    rrt_buf_free(&b);
}

static void test_events_encoders_refuse_what_decoders_reject(void **state)
{
    (void)state;
    rrt_buf b;
    rrt_buf_init(&b);
    rrt_ev_syscall sc = {.flags = 0x20};
    assert_int_equal(rrt_ev_encode_syscall(&b, &sc), RRT_E_INVALID);
    sc.flags = RRT_EV_SC_STDIO;
    sc.stdio_stream = 0;
    assert_int_equal(rrt_ev_encode_syscall(&b, &sc), RRT_E_INVALID);
    sc.flags = 0;
    sc.n_mem = 1;
    assert_int_equal(rrt_ev_encode_syscall(&b, &sc), RRT_E_INVALID);
    rrt_ev_signal sg = {.tid = 1, .signo = 0};
    assert_int_equal(rrt_ev_encode_signal(&b, &sg), RRT_E_INVALID);
    sg.signo = 65;
    assert_int_equal(rrt_ev_encode_signal(&b, &sg), RRT_E_INVALID);
    rrt_ev_exec xe = {.n_auxv = RRT_EV_MAX_AUXV + 1};
    assert_int_equal(rrt_ev_encode_exec(&b, &xe), RRT_E_INVALID);
    xe.n_auxv = 0;
    xe.has_interp = true;
    xe.interp_file = UINT64_MAX;
    assert_int_equal(rrt_ev_encode_exec(&b, &xe), RRT_E_INVALID);
    rrt_ev_rdtsc rd = {.rdtscp = 2};
    assert_int_equal(rrt_ev_encode_rdtsc(&b, &rd), RRT_E_INVALID);
    rrt_ev_exit ex = {.killed = 2};
    assert_int_equal(rrt_ev_encode_exit(&b, &ex), RRT_E_INVALID);
    rrt_ev_signal_frame sf = {.frame_len = 1};
    assert_int_equal(rrt_ev_encode_signal_frame(&b, &sf), RRT_E_INVALID);
    sf.frame = (const uint8_t *)"x";
    sf.frame_len = RRT_EV_FRAME_MAX + 1;
    assert_int_equal(rrt_ev_encode_signal_frame(&b, &sf), RRT_E_INVALID);
    assert_int_equal(b.len, 0); /* nothing appended */
    rrt_buf_free(&b);
}

static void test_events_type_and_syscall_names(void **state)
{
    (void)state;
    assert_string_equal(rrt_ev_type_name(RRT_EV_SYSCALL), "SYSCALL");
    assert_string_equal(rrt_ev_type_name(RRT_EV_EXEC), "EXEC");
    assert_string_equal(rrt_ev_type_name(RRT_EV_EXEC_SCRIPT), "EXEC_SCRIPT");
    /* The numbers and names of spec/events.md, section 1. */
    static const char *const spec[] = {NULL,    "SYSCALL", "RDTSC",
                                       "CPUID", "SIGNAL",  "EXIT",
                                       "CLONE", "EXEC",    "EXEC_SCRIPT"};
    for (uint32_t t = 1; t < sizeof(spec) / sizeof(spec[0]); t++)
        assert_string_equal(rrt_ev_type_name(t), spec[t]);
    assert_null(rrt_ev_type_name(0));
    assert_string_equal(rrt_ev_type_name(RRT_EV_SIGNAL_FRAME), "SIGNAL_FRAME");
    assert_string_equal(rrt_ev_type_name(RRT_EV_XGETBV), "XGETBV");
    assert_string_equal(rrt_ev_type_name(RRT_EV_PREEMPT), "PREEMPT");
    assert_string_equal(rrt_ev_type_name(RRT_EV_DETACH), "DETACH");
    assert_string_equal(rrt_ev_type_name(11), "SYSCALLBUF");
    assert_string_equal(rrt_ev_type_name(12), "SYSCALLBUF_PATCH");
    assert_string_equal(rrt_ev_type_name(13), "SYSCALLBUF_INIT");
    assert_null(rrt_ev_type_name(1000));
    assert_null(rrt_ev_type_name(UINT32_MAX));
    assert_string_equal(rrt_syscall_name(0), "read");
    assert_string_equal(rrt_syscall_name(59), "execve");
    assert_string_equal(rrt_syscall_name(231), "exit_group");
    assert_null(rrt_syscall_name(100000));
    assert_null(rrt_syscall_name(UINT32_MAX));
}

/* ------------------------------------------------------------------ */
/* rrt_ev_decode_any                                                  */

/* Every type of RRT_EVENT_LIST with its golden payload and typed decoder:
 * a type added to the list without a golden payload does not compile. */
typedef struct any_case {
    uint32_t type;
    const char *name;
    decode_fn dec;
    const uint8_t *p;
    size_t n;
} any_case;

static size_t any_cases(any_case *c)
{
    make_signal();
    size_t n = 0;
#define ANY_CASE(NAME, name, num)                                              \
    c[n++] = (any_case){RRT_EV_##NAME, #NAME, dec_##name, g_##name,            \
                        sizeof(g_##name)};
    RRT_EVENT_LIST(ANY_CASE)
#undef ANY_CASE
    return n;
}

/* Encodes e's member with its type's encoder. */
static rrt_status encode_any(rrt_buf *b, const rrt_ev_any *e)
{
    switch (e->type) {
#define ENCODE_ANY(NAME, name, num)                                            \
    case RRT_EV_##NAME:                                                        \
        return rrt_ev_encode_##name(b, &e->u.name);
        RRT_EVENT_LIST(ENCODE_ANY)
#undef ENCODE_ANY
    }
    return RRT_E_INVALID;
}

/* Each type's golden payload (what its encoder makes of the structs in
 * test_events_encode_golden_bytes) decodes through rrt_ev_decode_any into
 * the member of its type, which encodes back to the same bytes. */
static void test_events_decode_any_round_trips_every_type(void **state)
{
    (void)state;
    any_case c[32];
    size_t n = any_cases(c);
    assert_int_equal(n, 18);
    rrt_buf b;
    rrt_buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        rrt_ev_any e;
        rrt_error err;
        memset(&e, 0xa5, sizeof(e));
        rrt_status st = rrt_ev_decode_any(c[i].type, c[i].p, c[i].n, &e, &err);
        if (st != RRT_OK)
            fail_msg("%s: %s", c[i].name, err.message);
        assert_int_equal(e.type, c[i].type);
        rrt_buf_reset(&b);
        assert_int_equal(encode_any(&b, &e), RRT_OK);
        assert_int_equal(b.len, c[i].n);
        assert_memory_equal(b.data, c[i].p, c[i].n);
        rrt_ev_any_clear(&e); /* frees the SYSCALL's mem (ASan checks) */
        assert_true(all_zero(&e, sizeof(e)));
    }
    /* The decoded SYSCALL is the one the typed decoder gives. */
    rrt_ev_any e;
    assert_int_equal(rrt_ev_decode_any(RRT_EV_SYSCALL, g_syscall,
                                       sizeof(g_syscall), &e, NULL),
                     RRT_OK);
    assert_int_equal(e.u.syscall.tid, 4711);
    assert_int_equal(e.u.syscall.n_mem, 1);
    assert_memory_equal(e.u.syscall.mem[0].data, "hello", 5);
    rrt_ev_any_clear(&e);
    rrt_ev_any_clear(&e); /* harmless on a cleared struct */
    rrt_buf_free(&b);
}

/* A type no decoder knows (a newer producer's) gives RRT_E_UNSUPPORTED,
 * which no payload decoder returns, a message and a zeroed result. */
static void test_events_decode_any_refuses_unknown_types(void **state)
{
    (void)state;
    static const uint32_t unknown[] = {0, 1000, 99, UINT32_MAX};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        rrt_ev_any e;
        rrt_error err;
        memset(&e, 0xa5, sizeof(e));
        assert_int_equal(
            rrt_ev_decode_any(unknown[i], g_exit, sizeof(g_exit), &e, &err),
            RRT_E_UNSUPPORTED);
        assert_int_equal(err.status, RRT_E_UNSUPPORTED);
        assert_true(all_zero(&e, sizeof(e)));
        char want[64];
        snprintf(want, sizeof(want), "event type %u: ", unknown[i]);
        if (!strstr(err.message, want))
            fail_msg("message \"%s\" lacks \"%s\"", err.message, want);
        rrt_ev_any_clear(&e);
    }
    /* err is optional, and an unknown type's payload is not read. */
    rrt_ev_any e;
    assert_int_equal(rrt_ev_decode_any(99, NULL, 0, &e, NULL),
                     RRT_E_UNSUPPORTED);
    assert_true(all_zero(&e, sizeof(e)));
}

/* Cut at every offset (and with a byte too many), each payload fails
 * through rrt_ev_decode_any with the typed decoder's status and message,
 * and leaves the whole result zeroed. */
static void
test_events_decode_any_truncated_fails_like_typed_decoder(void **state)
{
    (void)state;
    any_case c[32];
    size_t n = any_cases(c);
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = malloc(c[i].n + 1);
        assert_non_null(p);
        memcpy(p, c[i].p, c[i].n);
        p[c[i].n] = 0;
        for (size_t len = 0; len <= c[i].n + 1; len++) {
            /* the full payload, and EXEC without its optional field */
            if (len == c[i].n ||
                (c[i].type == RRT_EV_EXEC && len == c[i].n - 1))
                continue;
            /* an exact-size copy, so ASan sees any over-read */
            uint8_t *q = malloc(len ? len : 1);
            assert_non_null(q);
            memcpy(q, p, len);
            rrt_error typed, any;
            memset(&typed, 0, sizeof(typed));
            memset(&any, 0, sizeof(any));
            rrt_status want = c[i].dec(q, len, NULL, &typed);
            rrt_ev_any e;
            memset(&e, 0xa5, sizeof(e));
            rrt_status got = rrt_ev_decode_any(c[i].type, q, len, &e, &any);
            free(q);
            if (want == RRT_OK || got != want)
                fail_msg("%s cut to %zu bytes: typed %s, any %s", c[i].name,
                         len, rrt_status_name(want), rrt_status_name(got));
            assert_int_equal(any.status, typed.status);
            assert_string_equal(any.message, typed.message);
            assert_true(all_zero(&e, sizeof(e)));
        }
        free(p);
    }
}

/* `rrt dump` (RRT_CLI) decodes a recording's events and prints the raw
 * line for an unknown type or a payload that does not decode. */
static void test_events_dump_decodes_recording_events(void **state)
{
    (void)state;
    const char *cli = getenv("RRT_CLI");
    if (!cli)
        skip();
    char path[] = "/tmp/rrt-evdump.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    rrt_writer *w;
    rrt_writer_options wo;
    rrt_writer_options_init(&wo);
    wo.no_sync = true;
    assert_int_equal(rrt_writer_create(path, &wo, &w, NULL), RRT_OK);
    assert_int_equal(rrt_writer_set_meta(w, "tool", "rrt record", NULL),
                     RRT_OK);
    assert_int_equal(rrt_writer_add_event(w, RRT_EV_SYSCALL, g_syscall,
                                          sizeof(g_syscall), NULL),
                     RRT_OK);
    assert_int_equal(
        rrt_writer_add_event(w, RRT_EV_EXIT, g_exit, sizeof(g_exit), NULL),
        RRT_OK);
    assert_int_equal(rrt_writer_add_event(w, RRT_EV_EXIT, g_exit, 3, NULL),
                     RRT_OK);
    assert_int_equal(rrt_writer_add_event(w, 99, g_exit, 2, NULL), RRT_OK);
    assert_int_equal(rrt_writer_add_event(w, RRT_EV_SIGNAL_FRAME,
                                          g_signal_frame,
                                          sizeof(g_signal_frame), NULL),
                     RRT_OK);
    assert_int_equal(rrt_writer_add_event(w, RRT_EV_XGETBV, g_xgetbv,
                                          sizeof(g_xgetbv), NULL),
                     RRT_OK);
    assert_int_equal(rrt_writer_add_event(w, RRT_EV_SHARED_MAP, g_shared_map,
                                          sizeof(g_shared_map), NULL),
                     RRT_OK);
    assert_int_equal(rrt_writer_add_event(w, RRT_EV_SHARED_WRITE,
                                          g_shared_write,
                                          sizeof(g_shared_write), NULL),
                     RRT_OK);
    assert_int_equal(rrt_writer_add_event(w, RRT_EV_SYSCALLBUF, g_syscallbuf,
                                          sizeof(g_syscallbuf), NULL),
                     RRT_OK);
    assert_int_equal(rrt_writer_add_event(w, RRT_EV_SYSCALLBUF_PATCH,
                                          g_syscallbuf_patch,
                                          sizeof(g_syscallbuf_patch), NULL),
                     RRT_OK);
    assert_int_equal(rrt_writer_add_event(w, RRT_EV_SYSCALLBUF_INIT,
                                          g_syscallbuf_init,
                                          sizeof(g_syscallbuf_init), NULL),
                     RRT_OK);
    assert_int_equal(rrt_writer_finish(w, NULL), RRT_OK);
    rrt_writer_free(w);

    char cmd[512];
    snprintf(cmd, sizeof(cmd),
             "'%s' dump '%s' 2>/dev/null | grep '^event\\|^  '", cli, path);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char out[2048];
    size_t n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = 0;
    pclose(f);
    unlink(path);
    assert_string_equal(
        out, "event 0 SYSCALL tid 4711 read(3, 0x7ffd0000, 4096, 0, 0, 0) = 5 "
             "[1 mem write, 5 bytes]\n"
             "event 1 EXIT tid 4711 killed by signal 9 (SIGKILL)\n"
             "event 2 type 5, 3 bytes\n"
             "event 3 type 99, 2 bytes\n"
             "event 4 SIGNAL_FRAME tid 4711 handler 0x401000 rsp 0x7ffd0000 "
             "mask 0x2000, 3-byte frame\n"
             "event 5 XGETBV tid 4711 xcr0 = 0x2e7\n"
             "event 6 SHARED_MAP tid 4711 object 3\n"
             "event 7 SHARED_WRITE tid 4711 object 3 offset 300, 3 bytes\n"
             "event 8 SYSCALLBUF tid 4711, 2 records, stops after them\n"
             "  read = 5 [5 bytes at 0x7ffd0000]\n"
             "  close = -9\n"
             "event 9 SYSCALLBUF_PATCH tid 4711 site 0x401000 (5 bytes) jumps "
             "to stub 0x7fffe0020000 (4 bytes), continues at 0x401005\n"
             "event 10 SYSCALLBUF_INIT tid 4711 library at 0x7fffe0000000, "
             "4-byte image; stdout dev 5 ino 7; stderr not open\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_decode_golden_bytes),
        cmocka_unit_test(
            test_events_exec_without_interpreter_field_is_accepted),
        cmocka_unit_test(test_events_encode_golden_bytes),
        cmocka_unit_test(test_events_round_trip_every_type),
        cmocka_unit_test(test_events_reject_truncation_at_every_offset),
        cmocka_unit_test(test_events_reject_trailing_bytes),
        cmocka_unit_test(test_events_bit_flips_decode_canonically_or_fail),
        cmocka_unit_test(test_events_reject_absurd_counts),
        cmocka_unit_test(test_events_reject_bad_values),
        cmocka_unit_test(test_events_encoders_refuse_what_decoders_reject),
        cmocka_unit_test(test_events_type_and_syscall_names),
        cmocka_unit_test(test_events_decode_any_round_trips_every_type),
        cmocka_unit_test(test_events_decode_any_refuses_unknown_types),
        cmocka_unit_test(
            test_events_decode_any_truncated_fails_like_typed_decoder),
        cmocka_unit_test(test_events_dump_decodes_recording_events),
        cmocka_unit_test(test_events_syscallbuf_rejects_bad_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
