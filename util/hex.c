/* Hex digits: blob ids, SHA-256 digests, event payloads in JSON. */
#include <stdint.h>

#include "rrtx.h"

static const char digits[] = "0123456789abcdef";

int rrtx_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void rrtx_hex_encode(const void *p, size_t n, char *out)
{
    const uint8_t *s = p;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[s[i] >> 4];
        out[2 * i + 1] = digits[s[i] & 15];
    }
    out[2 * n] = 0;
}

bool rrtx_hex_decode(const char *s, size_t n, void *out)
{
    if (n % 2)
        return false;
    uint8_t *o = out;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = rrtx_hex_digit(s[2 * i]), lo = rrtx_hex_digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        o[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}
