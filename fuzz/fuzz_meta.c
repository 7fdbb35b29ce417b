/* Fuzzes the META payload decoder: accepted entries must have non-empty,
 * NUL-free, strictly increasing keys within the size limits, and must
 * re-encode to exactly the input (nothing dropped or truncated). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FZ_MAX_INPUT)
        return 0;
    rrti_meta m;
    rrt_error err;
    if (rrti_decode_meta(data, size, &m, "fuzz", 0, &err) != RRT_OK) {
        if (m.entries || m.n)
            fz_die("rrti_decode_meta failed but returned entries");
        return 0;
    }
    if (m.n > RRTI_MAX_META_COUNT)
        fz_die("too many metadata entries accepted");
    rrt_buf b;
    rrt_buf_init(&b);
    rrt_buf_put_varint(&b, m.n);
    for (size_t i = 0; i < m.n; i++) {
        const char *k = m.entries[i].key, *v = m.entries[i].value;
        size_t kl = strlen(k), vl = strlen(v);
        if (kl == 0 || kl > RRTI_MAX_META_KEY || vl > RRTI_MAX_META_VALUE)
            fz_die("metadata entry outside the limits accepted");
        if (i && strcmp(m.entries[i - 1].key, k) >= 0)
            fz_die("metadata keys are not strictly increasing");
        rrt_buf_put_lenbytes(&b, k, kl);
        rrt_buf_put_lenbytes(&b, v, vl);
    }
    if (b.failed)
        abort();
    /* A NUL inside a key or value would make strlen() shorter than the
     * stored length, and the re-encoding would differ. */
    if (b.len != size || memcmp(b.data, data, size) != 0)
        fz_die("metadata does not re-encode to its input (embedded NUL?)");
    rrt_buf_free(&b);
    rrti_meta_free(&m);
    return 0;
}
