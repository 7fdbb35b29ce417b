/* Fuzzes the CPID payload codec. The encoding is canonical, so a payload the
 * decoder accepts must re-encode to the same bytes, and decoding those must
 * give the same manifest; the decoded lists must already be normalized.
 * Decoded manifests then go through the feature masks (cpufeat.h), which
 * `rrt record --cpu-level` and `rrt verify` apply to archive manifests: a
 * masked feature must be absent afterwards, whatever masks were there. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrt/cpufeat.h"

#include "fuzz_util.h"

static bool same_manifest(const rrt_cpuid_manifest *a,
                          const rrt_cpuid_manifest *b)
{
    return memcmp(a->vendor, b->vendor, sizeof(a->vendor)) == 0 &&
           a->flags == b->flags && a->xcr0 == b->xcr0 &&
           strcmp(a->mask_name, b->mask_name) == 0 &&
           a->n_records == b->n_records && a->n_masks == b->n_masks &&
           a->n_queried == b->n_queried &&
           (!a->n_records || memcmp(a->records, b->records,
                                    a->n_records * sizeof(*a->records)) == 0) &&
           (!a->n_masks ||
            memcmp(a->masks, b->masks, a->n_masks * sizeof(*a->masks)) == 0) &&
           (!a->n_queried || memcmp(a->queried, b->queried,
                                    a->n_queried * sizeof(*a->queried)) == 0);
}

/* A masked manifest must stay canonical. */
static void check_roundtrip(const rrt_cpuid_manifest *m)
{
    uint8_t *enc;
    size_t len;
    rrt_cpuid_manifest back;
    if (rrt_cpuid_manifest_encode(m, &enc, &len, NULL) != RRT_OK ||
        rrt_cpuid_manifest_decode(enc, len, &back, NULL) != RRT_OK)
        fz_die("a masked manifest does not survive the codec");
    if (!same_manifest(m, &back))
        fz_die("a masked manifest changes through the codec");
    free(enc);
    rrt_cpuid_manifest_clear(&back);
}

static void check_features(const rrt_cpuid_manifest *m, uint8_t pick)
{
    size_t nf = rrt_cpu_feature_count();
    size_t n = rrt_cpu_features_list(m, NULL, 0);
    if (n > nf)
        fz_die("more features present than the table holds");
    unsigned level = rrt_cpuid_level_of(m);
    if (level > 4)
        fz_die("psABI level above 4");

    /* One feature, chosen by the input. */
    const rrt_cpu_feature *f = rrt_cpu_feature_at(pick % nf);
    rrt_cpuid_manifest c;
    if (!f || rrt_cpuid_manifest_copy(&c, m, NULL) != RRT_OK)
        abort();
    if (rrt_cpuid_mask_feature(&c, f, NULL) == RRT_OK) {
        if (rrt_cpu_feature_present(&c, f)) {
            fprintf(stderr, "feature %s\n", f->name);
            fz_die("a feature is still present after masking it");
        }
        if (rrt_cpu_features_list(&c, NULL, 0) > n)
            fz_die("masking made features appear");
        check_roundtrip(&c);
    }
    rrt_cpuid_manifest_clear(&c);

    /* A psABI level: every user feature outside it must be hidden. */
    unsigned want = 1u + pick % 4u;
    if (rrt_cpuid_manifest_copy(&c, m, NULL) != RRT_OK)
        abort();
    if (rrt_cpuid_mask_level(&c, want, NULL) == RRT_OK) {
        for (size_t i = 0; i < nf; i++) {
            const rrt_cpu_feature *g = rrt_cpu_feature_at(i);
            bool keep =
                !(g->flags & RRT_FEAT_USER) || (g->level && g->level <= want);
            if (!keep && rrt_cpu_feature_present(&c, g)) {
                fprintf(stderr, "feature %s, level %u\n", g->name, want);
                fz_die("a feature outside the level is still present");
            }
        }
        unsigned got = rrt_cpuid_level_of(&c);
        if (got > want || got > level)
            fz_die("masking to a level raised the level");
        check_roundtrip(&c);
    }
    rrt_cpuid_manifest_clear(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FZ_MAX_INPUT)
        return 0;
    rrt_cpuid_manifest m, m2, copy;
    rrt_error err;
    if (rrt_cpuid_manifest_decode(data, size, &m, &err) != RRT_OK)
        return 0;
    if (m.vendor[12] != 0 || strnlen(m.mask_name, 64) >= 64)
        fz_die("decoded strings are not terminated");

    uint8_t *enc;
    size_t enc_len;
    if (rrt_cpuid_manifest_encode(&m, &enc, &enc_len, &err) != RRT_OK)
        fz_die("a decoded manifest does not encode");
    if (enc_len != size || memcmp(enc, data, size) != 0)
        fz_die("encode(decode(x)) != x: the decoder accepts a non-canonical "
               "payload");
    if (rrt_cpuid_manifest_decode(enc, enc_len, &m2, &err) != RRT_OK)
        fz_die("an encoded manifest does not decode");
    if (!same_manifest(&m, &m2))
        fz_die("decode(encode(m)) != m");

    /* Decoded lists are sorted and unique: normalizing changes nothing. */
    if (rrt_cpuid_manifest_copy(&copy, &m, &err) != RRT_OK)
        abort();
    if (rrt_cpuid_manifest_normalize(&copy, &err) != RRT_OK ||
        !same_manifest(&copy, &m))
        fz_die("a decoded manifest is not normalized");

    /* Look-ups on every recorded leaf must find something. */
    uint32_t regs[4];
    for (size_t i = 0; i < m.n_records; i++) {
        const rrt_cpuid_record *r = &m.records[i];
        if (!rrt_cpuid_manifest_find(&m, r->leaf, r->subleaf) ||
            !rrt_cpuid_manifest_effective(&m, r->leaf, r->subleaf, regs))
            fz_die("a recorded leaf is not found");
    }
    rrt_cpuid_manifest_effective(&m, 0x80000008u, 0, regs);
    rrt_cpuid_manifest_effective(&m, 0x40000000u, 0, regs);

    check_features(&m, data[size - 1]);

    free(enc);
    rrt_cpuid_manifest_clear(&copy);
    rrt_cpuid_manifest_clear(&m2);
    rrt_cpuid_manifest_clear(&m);
    return 0;
}
