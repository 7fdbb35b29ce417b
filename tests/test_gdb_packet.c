/* The gdb remote protocol's wire layer (replay/gdb_packet.c): framing,
 * escapes, checksums, limits, and decoding into commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gdb_packet.h"

static gdbp_parser P;
static gdbp_cmd C;

/* Feeds s; returns the kind of the first complete item. */
static gdbp_kind feed(const char *s, size_t n, size_t *used)
{
    gdbp_kind k;
    *used = gdbp_feed(&P, (const uint8_t *)s, n, &k);
    return k;
}

static void test_packet_frames_and_checks_sum(void **state)
{
    (void)state;
    size_t used;
    gdbp_init(&P);
    assert_int_equal(feed("+$g#67", 6, &used), GDBP_ACK);
    assert_int_equal(used, 1);
    assert_int_equal(feed("$g#67", 5, &used), GDBP_PACKET);
    assert_int_equal(used, 5);
    assert_string_equal(P.buf, "g");
    assert_int_equal(feed("$g#68", 5, &used), GDBP_BADSUM);
    assert_int_equal(feed("\003", 1, &used), GDBP_INTERRUPT);
    assert_int_equal(feed("-", 1, &used), GDBP_NACK);
}

static void test_packet_split_across_reads(void **state)
{
    (void)state;
    size_t used;
    gdbp_init(&P);
    assert_int_equal(feed("$m10", 4, &used), GDBP_NONE);
    assert_int_equal(used, 4);
    assert_int_equal(feed(",4#", 3, &used), GDBP_NONE);
    assert_int_equal(feed("f", 1, &used), GDBP_NONE);
    /* "m10,4": 6d 31 30 2c 34 = 0x12e -> 2e */
    assert_int_equal(feed("c", 1, &used), GDBP_BADSUM);
    gdbp_init(&P);
    assert_int_equal(feed("$m10,4#2e", 9, &used), GDBP_PACKET);
    assert_string_equal(P.buf, "m10,4");
}

static void test_packet_unescapes_binary(void **state)
{
    (void)state;
    char framed[64];
    const char raw[] = {'X', '$', '#', '}', '*', 0, 'a'};
    size_t n = gdbp_frame(raw, sizeof(raw), framed, sizeof(framed));
    assert_true(n > 0);
    size_t used;
    gdbp_init(&P);
    assert_int_equal(feed(framed, n, &used), GDBP_PACKET);
    assert_int_equal(used, n);
    assert_int_equal(P.len, sizeof(raw));
    assert_memory_equal(P.buf, raw, sizeof(raw));
    assert_int_equal(gdbp_frame(raw, sizeof(raw), framed, 8), 0);
}

static void test_packet_rejects_oversized_and_garbage(void **state)
{
    (void)state;
    static char big[GDBP_MAX_PACKET + 16];
    size_t used;
    gdbp_init(&P);
    big[0] = '$';
    memset(big + 1, 'a', sizeof(big) - 1);
    assert_int_equal(feed(big, sizeof(big), &used), GDBP_ERROR);
    assert_non_null(strstr(P.error, "longer than"));
    /* and stays in error */
    assert_int_equal(feed("$g#67", 5, &used), GDBP_ERROR);
    gdbp_init(&P);
    assert_int_equal(feed("hello", 5, &used), GDBP_ERROR);
    gdbp_init(&P);
    assert_int_equal(feed("$g#zz", 5, &used), GDBP_ERROR);
    gdbp_init(&P);
    assert_int_equal(feed("$a$b#00", 7, &used), GDBP_ERROR);
}

static void decode(const char *s)
{
    gdbp_decode(s, strlen(s), &C);
}

static void test_decode_memory_and_registers(void **state)
{
    (void)state;
    decode("m7fff0010,40");
    assert_int_equal(C.kind, GDBP_C_READ_MEM);
    assert_int_equal(C.addr, 0x7fff0010);
    assert_int_equal(C.len, 0x40);
    decode("M1000,2:abcd");
    assert_int_equal(C.kind, GDBP_C_WRITE_MEM);
    assert_int_equal(C.ndata, 2);
    assert_int_equal(C.data[0], 0xab);
    decode("M1000,3:abcd");
    assert_int_equal(C.kind, GDBP_C_BAD);
    decode("m1000");
    assert_int_equal(C.kind, GDBP_C_BAD);
    decode("m11112222333344445,1");
    assert_int_equal(C.kind, GDBP_C_BAD);
    decode("p10");
    assert_int_equal(C.kind, GDBP_C_READ_REG);
    assert_int_equal(C.reg, 16);
    decode("P10=0100000000000000");
    assert_int_equal(C.kind, GDBP_C_WRITE_REG);
    assert_int_equal(C.ndata, 8);
    decode("P10=01x");
    assert_int_equal(C.kind, GDBP_C_BAD);
    decode("g");
    assert_int_equal(C.kind, GDBP_C_READ_REGS);
}

static void test_decode_breakpoints_threads_resume(void **state)
{
    (void)state;
    decode("Z0,555555555149,1");
    assert_int_equal(C.kind, GDBP_C_INSERT_BP);
    assert_int_equal(C.bp_type, 0);
    assert_int_equal(C.addr, 0x555555555149);
    decode("z2,4010,8");
    assert_int_equal(C.kind, GDBP_C_REMOVE_BP);
    assert_int_equal(C.bp_type, 2);
    decode("Z9,1,1");
    assert_int_equal(C.kind, GDBP_C_BAD);
    decode("Hgp1f.20");
    assert_int_equal(C.kind, GDBP_C_SET_THREAD);
    assert_int_equal(C.op, 'g');
    assert_int_equal(C.tid.pid, 0x1f);
    assert_int_equal(C.tid.tid, 0x20);
    decode("Hc-1");
    assert_int_equal(C.tid.tid, -1);
    decode("H");
    assert_int_equal(C.kind, GDBP_C_BAD);
    decode("vCont;s:p1.2;c");
    assert_int_equal(C.kind, GDBP_C_RESUME);
    assert_int_equal(C.nactions, 2);
    assert_int_equal(C.actions[0].op, 's');
    assert_true(C.actions[0].has_tid);
    assert_int_equal(C.actions[0].tid.tid, 2);
    assert_int_equal(C.actions[1].op, 'c');
    assert_false(C.actions[1].has_tid);
    decode("vCont;C0b:3");
    assert_int_equal(C.actions[0].sig, 11);
    decode("vCont;x");
    assert_int_equal(C.kind, GDBP_C_BAD);
    decode("vCont;c;c;c;c;c;c;c;c;c");
    assert_int_equal(C.kind, GDBP_C_BAD);
    decode("vCont?");
    assert_int_equal(C.kind, GDBP_C_VCONT_QUERY);
}

static void test_decode_queries_and_files(void **state)
{
    (void)state;
    decode("qSupported:multiprocess+;swbreak+");
    assert_int_equal(C.kind, GDBP_C_QUERY);
    assert_string_equal(C.name, "Supported");
    assert_string_equal(C.args, "multiprocess+;swbreak+");
    decode("qXfer:features:read:target.xml:0,ffb");
    assert_int_equal(C.kind, GDBP_C_XFER_READ);
    assert_string_equal(C.object, "features");
    assert_string_equal(C.annex, "target.xml");
    assert_int_equal(C.len, 0xffb);
    decode("qXfer:auxv:read::10,20");
    assert_int_equal(C.kind, GDBP_C_XFER_READ);
    assert_string_equal(C.annex, "");
    decode("qXfer:auxv:write::10,20");
    assert_int_equal(C.kind, GDBP_C_UNKNOWN);
    decode("qXfer:auxv:read:");
    assert_int_equal(C.kind, GDBP_C_BAD);
    decode("QPassSignals:e;14");
    assert_int_equal(C.kind, GDBP_C_SET);
    assert_string_equal(C.name, "PassSignals");
    decode("vFile:pread:3,1000,0");
    assert_int_equal(C.kind, GDBP_C_VFILE);
    assert_string_equal(C.name, "pread");
    assert_string_equal(C.args, "3,1000,0");
    decode("vKill;1f");
    assert_int_equal(C.kind, GDBP_C_KILL);
    decode("vMustReplyEmpty");
    assert_int_equal(C.kind, GDBP_C_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packet_frames_and_checks_sum),
        cmocka_unit_test(test_packet_split_across_reads),
        cmocka_unit_test(test_packet_unescapes_binary),
        cmocka_unit_test(test_packet_rejects_oversized_and_garbage),
        cmocka_unit_test(test_decode_memory_and_registers),
        cmocka_unit_test(test_decode_breakpoints_threads_resume),
        cmocka_unit_test(test_decode_queries_and_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
