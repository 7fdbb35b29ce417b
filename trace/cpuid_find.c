/* CPUID sites by a linear-sweep disassembly: Zydis in minimal mode (it
 * only finds lengths and mnemonics) where the build has it, capstone (which
 * also formats every instruction's text, several times slower) otherwise. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <capstone/capstone.h>
#ifdef RRT_HAVE_ZYDIS
#include <Zydis/Zydis.h>
#endif

#include "cpuid_find.h"

void trace_sites_init(trace_sites *s)
{
    memset(s, 0, sizeof(*s));
}

void trace_sites_free(trace_sites *s)
{
    free(s->off);
    memset(s, 0, sizeof(*s));
}

static bool reserve(trace_sites *s, size_t n)
{
    if (n <= s->cap)
        return true;
    size_t cap = s->cap ? s->cap : 16;
    while (cap < n) {
        if (cap > SIZE_MAX / 2 / sizeof(*s->off))
            return false;
        cap *= 2;
    }
    uint64_t *p = realloc(s->off, cap * sizeof(*p));
    if (!p)
        return false;
    s->off = p;
    s->cap = cap;
    return true;
}

bool trace_sites_push(trace_sites *s, uint64_t off)
{
    if (!reserve(s, s->n + 1))
        return false;
    s->off[s->n++] = off;
    return true;
}

bool trace_sites_set(trace_sites *s, const uint64_t *off, size_t n)
{
    if (!reserve(s, n))
        return false;
    if (n)
        memcpy(s->off, off, n * sizeof(*off));
    s->n = n;
    return true;
}

bool trace_sites_check(const uint8_t *code, size_t len, const uint64_t *off,
                       size_t n)
{
    uint64_t next = 0; /* lowest offset the next site may have */
    for (size_t i = 0; i < n; i++) {
        if (off[i] < next || len < 2 || off[i] > len - 2)
            return false;
        if (code[off[i]] != 0x0f || code[off[i] + 1] != 0xa2)
            return false;
        next = off[i] + 2;
    }
    return true;
}

size_t trace_x86_prefix_len(const uint8_t *p, size_t n)
{
    size_t k = 0;
    while (k < n && k < 14) {
        uint8_t b = p[k];
        bool legacy = b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 ||
                      b == 0xf3 || b == 0x2e || b == 0x36 || b == 0x3e ||
                      b == 0x26 || b == 0x64 || b == 0x65;
        if (!legacy && (b & 0xf0) != 0x40)
            break;
        k++;
    }
    return k;
}

/* Offset of the last 0F A2 pair, or -1. No site can start after it, so the
 * sweep stops there; before it every byte must be decoded, since where an
 * instruction starts depends on all the ones before. */
static long long last_pair(const uint8_t *code, size_t len)
{
    const uint8_t *end = code + len;
    while (end > code + 1) {
        const uint8_t *a = memrchr(code + 1, 0xa2, (size_t)(end - code - 1));
        if (!a)
            return -1;
        if (a[-1] == 0x0f)
            return (long long)(a - 1 - code);
        end = a;
    }
    return -1;
}

#ifdef RRT_HAVE_ZYDIS
static long sweep_zydis(const uint8_t *code, size_t len, size_t last,
                        trace_sites *out)
{
    ZydisDecoder dec;
    if (!ZYAN_SUCCESS(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64,
                                       ZYDIS_STACK_WIDTH_64)) ||
        !ZYAN_SUCCESS(ZydisDecoderEnableMode(&dec, ZYDIS_DECODER_MODE_MINIMAL,
                                             ZYAN_TRUE))) {
        errno = ENOSYS;
        return -1;
    }
    ZydisDecodedInstruction insn;
    size_t i = 0;
    while (i <= last) {
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&dec, NULL, code + i,
                                                        len - i, &insn))) {
            i++; /* undecodable byte: resynchronize on the next one */
            continue;
        }
        if (insn.mnemonic == ZYDIS_MNEMONIC_CPUID &&
            !trace_sites_push(out, i + insn.length - 2u))
            return -1;
        i += insn.length;
    }
    return (long)out->n;
}
#endif

static long sweep_capstone(const uint8_t *code, size_t len, size_t last,
                           trace_sites *out)
{
    csh h = 0;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
        errno = ENOSYS;
        return -1;
    }
    cs_insn *insn = cs_malloc(h);
    long n = -1;
    if (!insn)
        goto out;
    const uint8_t *c = code;
    size_t left = len;
    uint64_t addr = 0;
    while ((size_t)(c - code) <= last) {
        if (!cs_disasm_iter(h, &c, &left, &addr, insn)) {
            c++; /* undecodable byte: resynchronize on the next one */
            left--;
            addr++;
            continue;
        }
        if (insn->id == X86_INS_CPUID &&
            !trace_sites_push(out, insn->address + insn->size - 2u))
            goto out;
    }
    n = (long)out->n;
out:
    if (insn)
        cs_free(insn, 1);
    cs_close(&h);
    return n;
}

/* Whether insn can be followed by the next instruction (calls_only: is a
 * call). */
static bool falls_through(const cs_insn *insn, bool calls_only)
{
    switch (insn->id) {
    case X86_INS_CALL:
    case X86_INS_LCALL:
        return true;
    case X86_INS_JMP:
    case X86_INS_LJMP:
    case X86_INS_RET:
    case X86_INS_RETF:
    case X86_INS_IRET:
    case X86_INS_IRETD:
    case X86_INS_IRETQ:
    case X86_INS_UD2:
    case X86_INS_HLT:
    case X86_INS_INT3:
        return false;
    default:
        return !calls_only;
    }
}

size_t trace_x86_preds(const uint8_t *code, size_t n, bool calls_only,
                       uint8_t *lens, size_t max)
{
    csh h = 0;
    unsigned votes[16] = {0};
    bool fits[16] = {false};
    if (n > 15 || cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        return 0;
    cs_insn *insn = cs_malloc(h);
    /* a linear sweep from each byte before A: x86 code resynchronizes
     * within a few instructions, so the length of the instruction that
     * ends at A in most sweeps is the likely one */
    for (size_t from = 0; insn && from < n; from++) {
        const uint8_t *c = code + from;
        size_t left = n - from;
        uint64_t addr = from;
        size_t last = 0;
        bool ok = true;
        while (left > 0 && ok) {
            ok = cs_disasm_iter(h, &c, &left, &addr, insn);
            last = insn->size;
        }
        if (ok && last >= 1 && last <= n) {
            votes[last]++;
            if (votes[last] == 1)
                fits[last] = falls_through(insn, calls_only);
        }
    }
    if (insn)
        cs_free(insn, 1);
    cs_close(&h);
    size_t found = 0;
    while (found < max) {
        size_t best = 0;
        for (size_t k = 1; k <= n; k++)
            if (fits[k] && votes[k] > votes[best])
                best = k;
        if (!best)
            break;
        lens[found++] = (uint8_t)best;
        fits[best] = false;
    }
    return found;
}

static trace_decoder resolve(trace_decoder d)
{
    if (d != TRACE_DECODER_DEFAULT)
        return d;
#ifdef RRT_HAVE_ZYDIS
    return TRACE_DECODER_ZYDIS;
#else
    return TRACE_DECODER_CAPSTONE;
#endif
}

bool trace_decoder_available(trace_decoder d)
{
#ifndef RRT_HAVE_ZYDIS
    if (resolve(d) == TRACE_DECODER_ZYDIS)
        return false;
#endif
    (void)d;
    return true;
}

const char *trace_decoder_name(trace_decoder d)
{
    return resolve(d) == TRACE_DECODER_ZYDIS ? "zydis" : "capstone";
}

long trace_cpuid_find_with(trace_decoder d, const uint8_t *code, size_t len,
                           trace_sites *out)
{
    out->n = 0;
    if (!trace_decoder_available(d)) {
        errno = ENOSYS;
        return -1;
    }
    long long last = last_pair(code, len);
    if (last < 0)
        return 0;
        /* Sites are only ever chosen by decoding, never by the byte search:
         * most 0F A2 pairs in real code are inside other instructions. */
#ifdef RRT_HAVE_ZYDIS
    if (resolve(d) == TRACE_DECODER_ZYDIS)
        return sweep_zydis(code, len, (size_t)last, out);
#endif
    return sweep_capstone(code, len, (size_t)last, out);
}

long trace_cpuid_find(const uint8_t *code, size_t len, trace_sites *out)
{
    return trace_cpuid_find_with(TRACE_DECODER_DEFAULT, code, len, out);
}
