/* Generates the seed corpora in fuzz/corpus/<target>/ with the public
 * writer: small valid archives, their section payloads in each harness's
 * input format, and a few damaged variants. Output is deterministic.
 * Usage: rrt_make_seeds OUTDIR   (normally fuzz/corpus) */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rrt/cpufeat.h"

#include "fuzz_util.h"

static const char *outdir;

static void put_seed(const char *target, const char *name, const void *data,
                     size_t len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", outdir, target);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    printf("%s (%zu bytes)\n", path, len);
}

/* A section of a file, by position in the body (INDX included). */
typedef struct sec {
    uint32_t type;
    const uint8_t *payload;
    size_t len;
} sec;

static size_t walk(const uint8_t *p, size_t size, sec *out, size_t max)
{
    size_t n = 0;
    uint64_t off = RRTI_HEADER_SIZE;
    while (n < max && off + RRTI_SECTION_OVERHEAD <= size) {
        uint64_t len = rrti_get_u64(p + off + 8);
        if (len > size - off - RRTI_SECTION_OVERHEAD)
            break;
        out[n++] = (sec){rrti_get_u32(p + off), p + off + RRTI_SECTION_HEADER,
                         (size_t)len};
        off += RRTI_SECTION_OVERHEAD + len;
    }
    return n;
}

static uint8_t *build(const char *name, bool finish, size_t *len)
{
    char path[256], real[300];
    snprintf(path, sizeof(path), "%s/%s", fz_dir(), name);
    snprintf(real, sizeof(real), "%s%s", path, finish ? "" : ".partial");
    unlink(real);
    rrt_error err;
    if (fz_build_reference(path, finish, &err) != RRT_OK) {
        fprintf(stderr, "make_seeds: %s\n", err.message);
        exit(1);
    }
    uint8_t *p = fz_slurp(real, len);
    unlink(real);
    if (!p)
        exit(1);
    return p;
}

static void archive_seeds(const uint8_t *ref, size_t ref_len,
                          const uint8_t *part, size_t part_len)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/empty.rrt", fz_dir());
    unlink(path);
    rrt_writer_options opt;
    fz_writer_options(&opt);
    rrt_writer *w;
    rrt_error err;
    size_t len;
    if (rrt_writer_create(path, &opt, &w, &err) != RRT_OK ||
        rrt_writer_finish(w, &err) != RRT_OK) {
        fprintf(stderr, "make_seeds: %s\n", err.message);
        exit(1);
    }
    rrt_writer_free(w);
    uint8_t *empty = fz_slurp(path, &len);
    unlink(path);
    if (!empty)
        exit(1);
    /* Recovering it once hit UBSan in the writer (memset(NULL, 0, 0) in
     * write_index with no blobs): kept under its regression name. */
    put_seed("archive", "regress-finish-no-blobs", empty, len);
    free(empty);

    put_seed("archive", "reference.rrt", ref, ref_len);
    put_seed("archive", "partial.rrt", part, part_len);
    put_seed("archive", "truncated-footer.rrt", ref, ref_len - 10);
    uint8_t *flip = malloc(ref_len);
    memcpy(flip, ref, ref_len);
    flip[ref_len / 2] ^= 0x10;
    put_seed("archive", "bitflip.rrt", flip, ref_len);
    free(flip);
    static const uint8_t lf_only[] = {0x89, 'R', 'R', 'T', '\n', 0x1a, '\n',
                                      1,    0,   0,   0,   0,    0,    0};
    put_seed("archive", "text-mode.rrt", lf_only, sizeof(lf_only));
}

static void payload_seeds(const uint8_t *ref, size_t ref_len)
{
    sec s[64];
    size_t n = walk(ref, ref_len, s, 64);
    unsigned nchunk = 0, nblob = 0, nmeta = 0;
    rrt_buf verbatim, raw, packed;
    rrt_buf_init(&verbatim);
    rrt_buf_init(&raw);
    rrt_buf_init(&packed);
    rrt_buf_put_u8(&verbatim, 0);
    rrt_buf_put_u8(&raw, 1);
    rrt_buf_put_u8(&packed, 3);
    char name[64];
    for (size_t i = 0; i < n; i++) {
        switch (s[i].type) {
        case RRT_SEC_CHUNK:
            if (nchunk < 5) {
                snprintf(name, sizeof(name), "chunk-%u", nchunk++);
                put_seed("blob", name, s[i].payload, s[i].len);
            }
            break;
        case RRT_SEC_BLOB:
            snprintf(name, sizeof(name), "blob-%u", nblob++);
            put_seed("blob", name, s[i].payload, s[i].len);
            break;
        case RRT_SEC_CPUID:
            put_seed("cpuid_manifest", "reference", s[i].payload, s[i].len);
            break;
        case RRT_SEC_META:
            snprintf(name, sizeof(name), "meta-%u", nmeta++);
            put_seed("meta", name, s[i].payload, s[i].len);
            break;
        case RRT_SEC_INDEX:
            put_seed("index", "reference", s[i].payload, s[i].len);
            break;
        case RRT_SEC_CPUID_SITES:
            put_seed("cpuid_sites", "reference", s[i].payload, s[i].len);
            break;
        case RRT_SEC_EVENTS: {
            rrt_buf_put_u16(&verbatim, (uint16_t)s[i].len);
            rrt_buf_put(&verbatim, s[i].payload, s[i].len);
            uint8_t *ev;
            rrti_evts_header h;
            rrt_error err;
            if (rrti_decode_evts(s[i].payload, s[i].len, &ev, &h, NULL, 0,
                                 &err) != RRT_OK ||
                h.count > 255) {
                fprintf(stderr, "make_seeds: bad reference batch\n");
                exit(1);
            }
            rrt_buf *both[2] = {&raw, &packed};
            for (int k = 0; k < 2; k++) {
                rrt_buf_put_u8(both[k], (uint8_t)h.count);
                rrt_buf_put_u16(both[k], (uint16_t)h.raw_len);
                rrt_buf_put(both[k], ev, h.raw_len);
            }
            free(ev);
            break;
        }
        default:
            break;
        }
    }
    put_seed("events", "verbatim", verbatim.data, verbatim.len);
    put_seed("events", "raw", raw.data, raw.len);
    put_seed("events", "brotli", packed.data, packed.len);
    verbatim.data[0] = 4; /* index counts one event too many */
    put_seed("events", "count-mismatch", verbatim.data, verbatim.len);
    put_seed("events", "empty", "", 0);
    rrt_buf_free(&verbatim);
    rrt_buf_free(&raw);
    rrt_buf_free(&packed);
}

static void small_seeds(void)
{
    static const uint8_t zero_index[24] = {0};
    put_seed("index", "empty", zero_index, sizeof(zero_index));
    put_seed("meta", "empty", "\0", 1);
    /* One region, no sites; and one whose two sites take multi-byte
     * deltas (16384 bytes apart) in a region of 2^20 bytes. */
    uint8_t key[16];
    memset(key, 0xaa, sizeof(key));
    rrt_buf cs;
    rrt_buf_init(&cs);
    rrt_buf_put_varint(&cs, 1);
    rrt_buf_put(&cs, key, 16);
    rrt_buf_put_varint(&cs, 2);
    rrt_buf_put_varint(&cs, 0);
    put_seed("cpuid_sites", "no-sites", cs.data, cs.len);
    rrt_buf_reset(&cs);
    rrt_buf_put_varint(&cs, 1);
    rrt_buf_put(&cs, key, 16);
    rrt_buf_put_varint(&cs, 1u << 20);
    rrt_buf_put_varint(&cs, 2);
    rrt_buf_put_varint(&cs, 300);
    rrt_buf_put_varint(&cs, 16384);
    put_seed("cpuid_sites", "far-apart", cs.data, cs.len);
    rrt_buf_free(&cs);
    rrt_cpuid_manifest m = {.vendor = "AuthenticAMD"};
    uint8_t *p;
    size_t len;
    rrt_error err;
    if (rrt_cpuid_manifest_encode(&m, &p, &len, &err) != RRT_OK)
        exit(1);
    put_seed("cpuid_manifest", "empty", p, len);
    free(p);
    /* A blob descriptor for an empty blob, and a brotli chunk whose stream
     * decodes to more than it declares. */
    uint8_t desc[32] = {0};
    rrti_put_u32(desc + 24, 4096);
    put_seed("blob", "blob-empty", desc, sizeof(desc));
    static const uint8_t text[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    uint8_t *z;
    size_t zlen;
    uint8_t method;
    if (rrti_compress(5, text, sizeof(text), &z, &zlen, &method) != RRT_OK)
        exit(1);
    rrt_buf b;
    rrt_buf_init(&b);
    rrt_buf_put_u8(&b, method);
    rrt_buf_put(&b, "\0\0\0", 3);
    rrt_buf_put_u32(&b, (uint32_t)sizeof(text) - 1);
    rrt_buf_put(&b, z, zlen);
    put_seed("blob", "chunk-too-long", b.data, b.len);
    rrt_buf_free(&b);
    free(z);

    /* A method-2 chunk: calls to a few targets, so the x86 filter pays. */
    uint8_t code[2048] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    rrti_put_u16(code + 18, 62);
    for (size_t i = 64; i + 8 <= sizeof(code); i += 8) {
        code[i] = 0xe8;
        rrti_put_u32(code + i + 1,
                     (uint32_t)(0x40 * (i % 3)) - (uint32_t)(i + 5));
        code[i + 5] = 0x48;
        code[i + 6] = 0x89;
        code[i + 7] = 0xc7;
    }
    if (rrti_compress_chunk(5, true, code, sizeof(code), &z, &zlen, &method) !=
            RRT_OK ||
        method != RRTI_METHOD_BROTLI_X86)
        exit(1);
    rrt_buf_init(&b);
    rrt_buf_put_u8(&b, method);
    rrt_buf_put(&b, "\0\0\0", 3);
    rrt_buf_put_u32(&b, (uint32_t)sizeof(code));
    rrt_buf_put(&b, z, zlen);
    put_seed("blob", "chunk-x86", b.data, b.len);
    rrt_buf_free(&b);
    free(z);
}

/* Reproducer: a blob whose first chunk checks out and whose second does
 * not. rrt_recover must drop both chunks with the rejected descriptor; it
 * used to keep the first (marked used before the descriptor failed), so a
 * second recovery changed the output. */
static void regress_seeds(void)
{
    static uint8_t zeros[4096];
    uint8_t *z;
    size_t zlen;
    uint8_t method;
    if (rrti_compress(5, zeros, sizeof(zeros), &z, &zlen, &method) != RRT_OK)
        exit(1);
    rrt_buf b, p;
    rrt_buf_init(&b);
    rrt_buf_init(&p);
    fz_put_header(&b);
    rrt_buf_put_u8(&p, method);
    rrt_buf_put(&p, "\0\0\0", 3);
    rrt_buf_put_u32(&p, sizeof(zeros));
    rrt_buf_put(&p, z, zlen);
    uint64_t a =
        fz_put_section(&b, RRT_SEC_CHUNK, RRT_SECF_REQUIRED, p.data, p.len);
    rrt_buf_reset(&p);
    rrt_buf_put(&p, "\0\0\0\0\1\0\0\0x", 9); /* stored, 1 byte */
    uint64_t c =
        fz_put_section(&b, RRT_SEC_CHUNK, RRT_SECF_REQUIRED, p.data, p.len);
    rrt_buf_reset(&p);
    rrt_blob_id id;
    memset(&id, 0x42, sizeof(id));
    rrt_buf_put(&p, id.bytes, 16);
    rrt_buf_put_u64(&p, sizeof(zeros) + 1);
    rrt_buf_put_u32(&p, sizeof(zeros));
    rrt_buf_put_u32(&p, 2);
    rrt_buf_put_u64(&p, a);
    rrt_buf_put_u64(&p, XXH3_64bits(zeros, sizeof(zeros)));
    rrt_buf_put_u64(&p, c);
    rrt_buf_put_u64(&p, 0); /* wrong hash of "x" */
    fz_put_section(&b, RRT_SEC_BLOB, RRT_SECF_REQUIRED, p.data, p.len);
    put_seed("archive", "regress-recover-orphan-chunk", b.data, b.len);
    rrt_buf_free(&b);
    rrt_buf_free(&p);
    free(z);

    /* Reproducer: masks for leaf 7 both whole-leaf and for subleaf 1, and
     * a leaf 7.1 feature to hide, picked by the payload's last byte (the
     * high byte of the last queried subleaf). Masking must clear the bit
     * in the subleaf-1 mask, which is the one that applies. */
    size_t pick = 0;
    while (pick < rrt_cpu_feature_count() &&
           (rrt_cpu_feature_at(pick)->leaf != 7 ||
            rrt_cpu_feature_at(pick)->subleaf != 1))
        pick++;
    if (pick > 255)
        exit(1);
    rrt_cpuid_record rec = {7,   1,  RRT_CPUID_SUBLEAF_INDEXED, ~0u, ~0u,
                            ~0u, ~0u};
    rrt_cpuid_mask masks[2] = {
        {7, 0, 0, ~0u, ~0u, ~0u, ~0u},
        {7, 1, RRT_CPUID_SUBLEAF_INDEXED, ~0u, ~0u, ~0u, ~0u}};
    rrt_cpuid_leaf q = {0xffffffffu, (uint32_t)pick << 24};
    rrt_cpuid_manifest m = {.vendor = "GenuineIntel",
                            .n_records = 1,
                            .records = &rec,
                            .n_masks = 2,
                            .masks = masks,
                            .n_queried = 1,
                            .queried = &q};
    uint8_t *enc;
    size_t len;
    if (rrt_cpuid_manifest_encode(&m, &enc, &len, NULL) != RRT_OK)
        exit(1);
    put_seed("cpuid_manifest", "regress-mask-mixed-leaf", enc, len);
    free(enc);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    size_t ref_len, part_len;
    uint8_t *ref = build("reference.rrt", true, &ref_len);
    uint8_t *part = build("partial.rrt", false, &part_len);
    archive_seeds(ref, ref_len, part, part_len);
    payload_seeds(ref, ref_len);
    small_seeds();
    regress_seeds();
    free(ref);
    free(part);
    return 0;
}
