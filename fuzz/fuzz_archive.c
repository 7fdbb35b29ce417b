/* Fuzzes the whole public reading surface on one archive: open, index, files,
 * blobs (whole, pread, stream), CPUID, metadata, events, verify and recover.
 * Oracles: an archive rrt_verify_archive passes must read without errors,
 * and whatever rrt_recover writes must verify and read cleanly. Every input
 * runs twice: as is, and with its checksums repaired so mutations reach the
 * payload decoders. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"

static void run_one(const uint8_t *data, size_t size)
{
    const char *path = fz_memfile(data, size);
    fz_verify_oracle(path, fz_exercise(path));

    char out[128];
    snprintf(out, sizeof(out), "%s/recovered.rrt", fz_dir());
    unlink(out);
    char partial[160];
    snprintf(partial, sizeof(partial), "%s.partial", out);
    unlink(partial);
    rrt_writer_options opt;
    fz_writer_options(&opt);
    rrt_recover_report rr;
    rrt_verify_report rep;
    rrt_error err;
    rrt_status st = rrt_recover(path, out, &opt, &rr, &err);
    if (st == RRT_OK) {
        rrt_error verr;
        if (rrt_verify_archive(out, NULL, NULL, &rep, &verr) != RRT_OK) {
            fprintf(stderr, "recovered archive: %s\n", verr.message);
            fz_die("rrt_recover wrote an archive that does not verify");
        }
        if (!fz_exercise(out))
            fz_die("rrt_recover wrote an archive the reader cannot read");
        /* Recovery is idempotent: a recovered archive is its own longest
         * consistent prefix, so recovering it again changes no byte. */
        char again[160];
        snprintf(again, sizeof(again), "%s/again.rrt", fz_dir());
        unlink(again);
        if (rrt_recover(out, again, &opt, &rr, &verr) != RRT_OK)
            fz_die("a recovered archive cannot be recovered");
        size_t n1, n2;
        uint8_t *a = fz_slurp(out, &n1), *b = fz_slurp(again, &n2);
        if (!a || !b)
            abort();
        if (n1 != n2 || memcmp(a, b, n1) != 0)
            fz_die("recovering a recovered archive changes it");
        free(a);
        free(b);
        unlink(again);
        unlink(out);
    }
}

#define FIX_MAX_CHUNKS 256
#define FIX_MAX_BLOBS 64
#define FIX_BUDGET (1u << 20)

typedef struct fix_chunk {
    uint64_t off;
    const uint8_t *payload;
    size_t len;
} fix_chunk;

typedef struct fix_blob {
    uint64_t off;
    uint8_t id[16];
    uint64_t size;
} fix_blob;

static int cmp_index_entry(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

/* Rewrites one BLOB payload's chunk hashes and id from the chunks it names.
 * Returns false when some chunk does not decode within the budget. */
static bool fix_blob_payload(uint8_t *pl, size_t len, const fix_chunk *ch,
                             size_t nch, uint8_t *raw, size_t *budget)
{
    uint32_t n = rrti_get_u32(pl + 28);
    if ((len - RRTI_BLOB_PREFIX) / 16 != n ||
        (len - RRTI_BLOB_PREFIX) % 16 != 0)
        return false;
    XXH3_state_t xs;
    XXH3_128bits_reset(&xs);
    bool all = true;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *ref = pl + RRTI_BLOB_PREFIX + 16 * (size_t)i;
        uint64_t at = rrti_get_u64(ref);
        const fix_chunk *c = NULL;
        for (size_t k = 0; k < nch && !c; k++)
            if (ch[k].off == at)
                c = &ch[k];
        if (!c || c->len < RRTI_CHUNK_PREFIX) {
            all = false;
            continue;
        }
        uint32_t rl = rrti_get_u32(c->payload + 4);
        if (rl == 0 || rl > *budget ||
            rrti_decompress_chunk(
                c->payload[0], true, c->payload + RRTI_CHUNK_PREFIX,
                c->len - RRTI_CHUNK_PREFIX, raw, rl, NULL, 0, NULL) != RRT_OK) {
            all = false;
            continue;
        }
        *budget -= rl;
        rrti_put_u64(ref + 8, XXH3_64bits(raw, rl));
        XXH3_128bits_update(&xs, raw, rl);
    }
    if (all) {
        XXH128_canonical_t c;
        XXH128_canonicalFromHash(&c, XXH3_128bits_digest(&xs));
        memcpy(pl, c.digest, 16);
    }
    return all;
}

/* Recomputes chunk hashes and blob ids in BLOB descriptors from the CHNK
 * sections they name, then the index blob table from the descriptors
 * (re-sorted by id), so mutated blob contents and layouts get past the
 * content checks. Section checksums are fixed afterwards. */
static void fix_hashes(uint8_t *p, size_t size)
{
    static fix_chunk ch[FIX_MAX_CHUNKS];
    static fix_blob bl[FIX_MAX_BLOBS];
    size_t nch = 0, nbl = 0, budget = FIX_BUDGET;
    uint8_t *raw = malloc(FIX_BUDGET);
    if (!raw)
        return;
    uint64_t off = RRTI_HEADER_SIZE;
    while (off <= size && size - off >= RRTI_SECTION_OVERHEAD) {
        uint32_t type = rrti_get_u32(p + off);
        uint64_t len = rrti_get_u64(p + off + 8);
        if (len > size - off - RRTI_SECTION_OVERHEAD)
            break;
        uint8_t *pl = p + off + RRTI_SECTION_HEADER;
        if (type == RRT_SEC_CHUNK && nch < FIX_MAX_CHUNKS) {
            ch[nch++] = (fix_chunk){off, pl, (size_t)len};
        } else if (type == RRT_SEC_BLOB && len >= RRTI_BLOB_PREFIX &&
                   fix_blob_payload(pl, (size_t)len, ch, nch, raw, &budget) &&
                   nbl < FIX_MAX_BLOBS) {
            bl[nbl].off = off;
            memcpy(bl[nbl].id, pl, 16);
            bl[nbl].size = rrti_get_u64(pl + 16);
            nbl++;
        } else if (type == RRT_SEC_INDEX && len >= 24) {
            uint64_t ns = rrti_get_u64(pl), nb = rrti_get_u64(pl + 8);
            uint64_t room = (len - 24) / RRTI_INDEX_ENTRY;
            if (ns <= room && nb <= room - ns) {
                uint8_t *t = pl + 24 + RRTI_INDEX_ENTRY * ns;
                for (uint64_t i = 0; i < nb; i++) {
                    uint8_t *e = t + RRTI_INDEX_ENTRY * i;
                    for (size_t k = 0; k < nbl; k++)
                        if (bl[k].off == rrti_get_u64(e + 16)) {
                            memcpy(e, bl[k].id, 16);
                            rrti_put_u64(e + 24, bl[k].size);
                        }
                }
                if (nb > 1)
                    qsort(t, (size_t)nb, RRTI_INDEX_ENTRY, cmp_index_entry);
            }
            break;
        }
        off += RRTI_SECTION_OVERHEAD + len;
    }
    free(raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FZ_MAX_INPUT)
        return 0;
    run_one(data, size);
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    /* The minor version (readers accept any) picks how much to repair: an
     * odd one repairs checksums only, so bad hashes stay reachable too. */
    if (size < 16 || !(data[10] & 1))
        fix_hashes(copy, size);
    fz_fix_checksums(copy, size);
    if (size && memcmp(copy, data, size) != 0)
        run_one(copy, size);
    free(copy);
    return 0;
}
