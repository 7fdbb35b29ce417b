/* Fuzzes the CSIT payload decoder (CPUID sites, spec/format.md 3.8): an
 * accepted table must keep every rule of the spec (keys strictly
 * increasing, sites increasing by at least 2 and inside their region, the
 * limits), find every entry by its key, and re-encode to exactly the input
 * (the decoder accepts only the canonical form); a refused one returns no
 * table. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FZ_MAX_INPUT)
        return 0;
    rrt_cpuid_sites *t = NULL;
    rrt_error err;
    if (rrt_cpuid_sites_decode(data, size, &t, &err) != RRT_OK) {
        if (t)
            fz_die("rrt_cpuid_sites_decode failed but returned a table");
        if (!strstr(err.message, "CPUID sites") &&
            !strstr(err.message, "out of memory"))
            fz_die("decode error does not say what failed");
        return 0;
    }
    size_t k = rrt_cpuid_sites_count(t);
    if (k == 0 || k > RRTI_MAX_CSIT_COUNT)
        fz_die("entry count outside 1..65536 accepted");
    rrt_blob_id prev;
    for (size_t i = 0; i < k; i++) {
        rrt_blob_id key;
        uint64_t len, len2;
        const uint64_t *off, *off2;
        size_t n, n2;
        rrt_cpuid_sites_entry(t, i, &key, &len, &off, &n);
        if (i && rrt_blob_id_cmp(&prev, &key) >= 0)
            fz_die("keys are not strictly increasing");
        prev = key;
        if (len < 2 || len > RRT_CPUID_SITES_MAX_CODE || n > len / 2 ||
            n > RRT_CPUID_SITES_MAX_PER_REGION)
            fz_die("entry outside the limits accepted");
        for (size_t j = 0; j < n; j++)
            if (off[j] > len - 2 || (j && off[j] < off[j - 1] + 2))
                fz_die("site out of order or outside its region accepted");
        if (!rrt_cpuid_sites_find(t, &key, &len2, &off2, &n2) || len2 != len ||
            off2 != off || n2 != n)
            fz_die("find misses an entry or returns another one");
    }
    rrt_buf b;
    rrt_buf_init(&b);
    rrti_cpuid_sites_encode(&b, t);
    if (b.failed)
        abort();
    if (b.len != size || memcmp(b.data, data, size) != 0)
        fz_die("sites table does not re-encode to its input");
    rrt_buf_free(&b);
    rrt_cpuid_sites_free(t);
    return 0;
}
