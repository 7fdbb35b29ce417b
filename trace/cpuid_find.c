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
    free(s->disp);
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
    uint8_t *d = realloc(s->disp, cap);
    if (!d)
        return false; /* off grew: harmless, cap stays */
    s->disp = d;
    s->cap = cap;
    return true;
}

bool trace_sites_push(trace_sites *s, uint64_t off)
{
    if (!reserve(s, s->n + 1))
        return false;
    s->disp[s->n] = 0;
    s->off[s->n++] = off;
    return true;
}

bool trace_sites_set(trace_sites *s, const uint64_t *off, const uint8_t *disp,
                     size_t n)
{
    if (!reserve(s, n))
        return false;
    if (n) {
        memcpy(s->off, off, n * sizeof(*off));
        if (disp)
            memcpy(s->disp, disp, n);
        else
            memset(s->disp, 0, n);
    }
    s->n = n;
    return true;
}

bool trace_cpuid_disp_ok(uint64_t off, uint8_t disp, uint64_t len)
{
    return disp == 0 ||
           (disp >= TRACE_CPUID_DISP_MIN && disp <= TRACE_CPUID_DISP_MAX &&
            off <= len && disp <= len - off);
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
static bool zydis_init(ZydisDecoder *dec)
{
    if (!ZYAN_SUCCESS(ZydisDecoderInit(dec, ZYDIS_MACHINE_MODE_LONG_64,
                                       ZYDIS_STACK_WIDTH_64)) ||
        !ZYAN_SUCCESS(ZydisDecoderEnableMode(dec, ZYDIS_DECODER_MODE_MINIMAL,
                                             ZYAN_TRUE))) {
        errno = ENOSYS;
        return false;
    }
    return true;
}

/* Whether a stub may run insn (decoded at offset at of the span) in the
 * site's place; a rip-relative memory operand goes to fix. */
static bool displaceable(const ZydisDecodedInstruction *in, size_t at,
                         trace_rip_fix *fix, size_t *nfix)
{
    switch (in->meta.category) {
    case ZYDIS_CATEGORY_CALL:
    case ZYDIS_CATEGORY_COND_BR:
    case ZYDIS_CATEGORY_UNCOND_BR:
    case ZYDIS_CATEGORY_RET:
    case ZYDIS_CATEGORY_SYSCALL:
    case ZYDIS_CATEGORY_SYSRET:
    case ZYDIS_CATEGORY_INTERRUPT:
    case ZYDIS_CATEGORY_SYSTEM:
    case ZYDIS_CATEGORY_UINTR:
    case ZYDIS_CATEGORY_SGX:
    case ZYDIS_CATEGORY_VTX:
        return false;
    default:
        break;
    }
    switch (in->mnemonic) {
    case ZYDIS_MNEMONIC_CPUID:
    case ZYDIS_MNEMONIC_XGETBV:
    case ZYDIS_MNEMONIC_RDTSC:
    case ZYDIS_MNEMONIC_RDTSCP:
    case ZYDIS_MNEMONIC_SYSCALL:
    case ZYDIS_MNEMONIC_SYSENTER:
    case ZYDIS_MNEMONIC_UD0:
    case ZYDIS_MNEMONIC_UD1:
    case ZYDIS_MNEMONIC_UD2:
    case ZYDIS_MNEMONIC_HLT:
    case ZYDIS_MNEMONIC_INT:
    case ZYDIS_MNEMONIC_INT1:
    case ZYDIS_MNEMONIC_INT3:
    case ZYDIS_MNEMONIC_INTO:
    case ZYDIS_MNEMONIC_XBEGIN:
    case ZYDIS_MNEMONIC_XABORT:
    case ZYDIS_MNEMONIC_XEND:
        return false;
    default:
        break;
    }
    if (in->raw.imm[0].is_relative || in->raw.imm[1].is_relative)
        return false;
    bool rip =
        in->raw.modrm.offset && in->raw.modrm.mod == 0 && in->raw.modrm.rm == 5;
    if (!rip)
        return !(in->attributes & ZYDIS_ATTRIB_IS_RELATIVE);
    if (in->address_width != 64 || in->raw.disp.size != 32 ||
        *nfix >= TRACE_CPUID_FIXES)
        return false;
    fix[*nfix].at = (uint8_t)(at + in->raw.disp.offset);
    fix[*nfix].end = (uint8_t)(at + in->length);
    (*nfix)++;
    return true;
}

/* The displaced span of the site at off: the CPUID and whole instructions
 * after it up to at least TRACE_CPUID_DISP_MIN bytes, or 0. */
static uint8_t span_zydis(const ZydisDecoder *dec, const uint8_t *code,
                          size_t len, uint64_t off, const uint8_t *targets)
{
    trace_rip_fix fix[TRACE_CPUID_FIXES];
    size_t nfix = 0, j = 2;
    while (j < TRACE_CPUID_DISP_MIN) {
        ZydisDecodedInstruction in;
        size_t left = len - off - j;
        if (!left ||
            !ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(
                dec, NULL, code + off + j, left, &in)) ||
            j + in.length > TRACE_CPUID_DISP_MAX ||
            !displaceable(&in, j, fix, &nfix))
            return 0;
        j += in.length;
    }
    for (size_t k = 1; k < j; k++)
        if (targets[(off + k) >> 3] & (1u << ((off + k) & 7)))
            return 0;
    return (uint8_t)j;
}

static long sweep_zydis(const uint8_t *code, size_t len, size_t last,
                        trace_sites *out)
{
    ZydisDecoder dec;
    if (!zydis_init(&dec))
        return -1;
    /* direct branch targets, one bit per byte of the region, for the
     * sites' spans: found by sweeping on to the region's end */
    uint8_t *targets = calloc(len / 8 + 1, 1);
    if (!targets)
        return -1;
    uint8_t *plain = NULL; /* site i is a CPUID without prefix */
    size_t nplain = 0;
    ZydisDecodedInstruction insn;
    long n = -1;
    size_t i = 0;
    while (i < len) {
        if (i > last && out->n == 0)
            break;
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&dec, NULL, code + i,
                                                        len - i, &insn))) {
            i++; /* undecodable byte: resynchronize on the next one */
            continue;
        }
        for (int k = 0; k < 2; k++) {
            if (!insn.raw.imm[k].is_relative)
                continue;
            int64_t to = (int64_t)(i + insn.length) + insn.raw.imm[k].value.s;
            if (to >= 0 && (uint64_t)to < len)
                targets[(uint64_t)to >> 3] |= (uint8_t)(1u << (to & 7));
        }
        if (insn.mnemonic == ZYDIS_MNEMONIC_CPUID && i <= last) {
            if (!trace_sites_push(out, i + insn.length - 2u))
                goto out;
            uint8_t *p = realloc(plain, out->n);
            if (!p)
                goto out;
            plain = p;
            plain[nplain++] = insn.length == 2;
        }
        i += insn.length;
    }
    for (size_t s = 0; s < out->n; s++)
        out->disp[s] =
            plain[s] ? span_zydis(&dec, code, len, out->off[s], targets) : 0;
    n = (long)out->n;
out:
    free(plain);
    free(targets);
    return n;
}

bool trace_cpuid_displaced(const uint8_t *code, size_t n, trace_rip_fix *fix,
                           size_t *nfix)
{
    ZydisDecoder dec;
    *nfix = 0;
    if (n < TRACE_CPUID_DISP_MIN || n > TRACE_CPUID_DISP_MAX ||
        !zydis_init(&dec))
        return false;
    for (size_t j = 2; j < n;) {
        ZydisDecodedInstruction in;
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&dec, NULL, code + j,
                                                        n - j, &in)) ||
            !displaceable(&in, j, fix, nfix))
            return false;
        j += in.length;
    }
    return true;
}
#else
bool trace_cpuid_displaced(const uint8_t *code, size_t n, trace_rip_fix *fix,
                           size_t *nfix)
{
    (void)code, (void)n, (void)fix;
    *nfix = 0;
    return false;
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
