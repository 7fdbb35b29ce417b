/* The x86 branch filter of CHNK method 2 (spec/format.md 3.1.1): rewrites
 * the 32-bit displacement of E8 (CALL rel32) and E9 (JMP rel32) into an
 * absolute target, so that calls to one function repeat byte for byte and
 * brotli finds them. This is the "BCJ" x86 filter of 7-Zip and xz (both
 * public domain), applied to one whole chunk with start offset 0, and
 * byte-identical to xz's: tests/test_x86filter.c checks it against
 * liblzma. No Debian package exposes the filter on its own (liblzma only
 * runs it in front of LZMA2), hence this copy.
 *
 * The filter is a bijection on any buffer: decode(encode(x)) == x for all
 * x, and decode never fails, so a damaged stream can only produce wrong
 * bytes, which the chunk hash then catches. */
#include "rrti.h"

/* A displacement is converted only when its top byte is 00 or FF, i.e. it
 * looks like a near branch rather than data. */
static bool near_byte(uint8_t b)
{
    return b == 0x00 || b == 0xff;
}

static void x86_code(uint8_t *buf, size_t size, bool encode)
{
    static const bool mask_allowed[8] = {true, true,  true,  false,
                                         true, false, false, false};
    static const uint32_t mask_bit[8] = {0, 1, 2, 2, 3, 3, 3, 3};
    if (size < 5)
        return;
    /* prev_mask remembers which of the 4 bytes before an opcode were
     * E8/E9 too, so overlapping candidates are treated as in xz. */
    uint32_t prev_mask = 0;
    uint32_t prev_pos = (uint32_t)-5;
    size_t limit = size - 5;
    size_t pos = 0;
    while (pos <= limit) {
        uint8_t b = buf[pos];
        if (b != 0xe8 && b != 0xe9) {
            pos++;
            continue;
        }
        uint32_t offset = (uint32_t)pos - prev_pos;
        prev_pos = (uint32_t)pos;
        if (offset > 5) {
            prev_mask = 0;
        } else {
            for (uint32_t i = 0; i < offset; i++) {
                prev_mask &= 0x77;
                prev_mask <<= 1;
            }
        }
        b = buf[pos + 4];
        if (near_byte(b) && mask_allowed[(prev_mask >> 1) & 7] &&
            (prev_mask >> 1) < 0x10) {
            uint32_t src = (uint32_t)b << 24 | (uint32_t)buf[pos + 3] << 16 |
                           (uint32_t)buf[pos + 2] << 8 | buf[pos + 1];
            uint32_t here = (uint32_t)pos + 5;
            uint32_t dest;
            for (;;) {
                dest = encode ? src + here : src - here;
                if (prev_mask == 0)
                    break;
                uint32_t i = mask_bit[prev_mask >> 1];
                b = (uint8_t)(dest >> (24 - i * 8));
                if (!near_byte(b))
                    break;
                src = dest ^ ((1u << (32 - i * 8)) - 1);
            }
            /* Bits 25..31 follow bit 24, so the top byte stays 00/FF. */
            buf[pos + 4] = (uint8_t) ~(((dest >> 24) & 1) - 1);
            buf[pos + 3] = (uint8_t)(dest >> 16);
            buf[pos + 2] = (uint8_t)(dest >> 8);
            buf[pos + 1] = (uint8_t)dest;
            pos += 5;
            prev_mask = 0;
        } else {
            pos++;
            prev_mask |= 1;
            if (near_byte(b))
                prev_mask |= 0x10;
        }
    }
}

void rrti_x86_encode(uint8_t *buf, size_t size)
{
    x86_code(buf, size, true);
}

void rrti_x86_decode(uint8_t *buf, size_t size)
{
    x86_code(buf, size, false);
}

bool rrti_is_x86_elf(const uint8_t *p, size_t n)
{
    /* e_ident: 7F 'E' 'L' 'F', class 1|2, data 1 (little-endian); e_machine
     * at offset 18: EM_386 (3) or EM_X86_64 (62). */
    if (n < 20 || p[0] != 0x7f || p[1] != 'E' || p[2] != 'L' || p[3] != 'F')
        return false;
    if ((p[4] != 1 && p[4] != 2) || p[5] != 1)
        return false;
    uint16_t machine = rrti_get_u16(p + 18);
    return machine == 3 || machine == 62;
}
