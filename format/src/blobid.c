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
    rrtx_hex_encode(id->bytes, 16, hex);
}

bool rrt_blob_id_from_hex(const char *hex, rrt_blob_id *out)
{
    return strlen(hex) == 32 && rrtx_hex_decode(hex, 32, out->bytes);
}

int rrt_blob_id_cmp(const rrt_blob_id *a, const rrt_blob_id *b)
{
    return memcmp(a->bytes, b->bytes, 16);
}
