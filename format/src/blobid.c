/* Content ids: XXH3-128 of a blob's bytes, in canonical (big-endian) form. */
#include <string.h>

#include "rrti_xxhash.h"

#include "rrti.h"

void rrt_blob_id_of(const void *data, size_t len, rrt_blob_id *out)
{
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(data, len));
    memcpy(out->bytes, c.digest, 16);
}

void rrt_blob_id_to_hex(const rrt_blob_id *id, char hex[33])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        hex[2 * i] = digits[id->bytes[i] >> 4];
        hex[2 * i + 1] = digits[id->bytes[i] & 15];
    }
    hex[32] = 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool rrt_blob_id_from_hex(const char *hex, rrt_blob_id *out)
{
    if (strlen(hex) != 32)
        return false;
    for (int i = 0; i < 16; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out->bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

int rrt_blob_id_cmp(const rrt_blob_id *a, const rrt_blob_id *b)
{
    return memcmp(a->bytes, b->bytes, 16);
}
