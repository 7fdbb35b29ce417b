/* CPUID sites: the sweep on crafted code (0F A2 inside other instructions
 * is not a site), Zydis against capstone on real libraries, the per-user
 * site cache (hits, damaged and forged entries, the size bound, unusable
 * directories), and the archive's CSIT table (round trip, merge, hostile
 * payloads, pack and recover).
 *   test_cpuid_sites                run the tests (ctest)
 *   test_cpuid_sites --bench FILE.. MB/s of each decoder and of the key hash
 *                                   on the executable segments of FILEs */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <rrt/rrt.h>

#include "cpuid_find.h"
#include "rrti.h"
#include "rrti_xxhash.h"
#include "site_cache.h"
#include "trace.h"
#ifdef RRT_TEST_PACK
#include "pack.h"
#endif

static char g_dir[64];

static void path_in(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", g_dir, name);
}

/* ------------------------------------------------------------------ */
/* Code regions                                                       */

/* The executable segments of an ELF file, as the loader maps them (whole
 * pages, clamped to the file). */
typedef struct region {
    uint8_t *code;
    size_t len;
} region;

typedef struct regions {
    region v[8];
    size_t n;
} regions;

static bool load_exec_segments(const char *path, regions *out)
{
    memset(out, 0, sizeof(*out));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size < (off_t)sizeof(Elf64_Ehdr)) {
        close(fd);
        return false;
    }
    size_t size = (size_t)sb.st_size;
    uint8_t *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return false;
    Elf64_Ehdr eh;
    memcpy(&eh, m, sizeof(eh));
    bool ok = memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
              eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_machine == EM_X86_64 &&
              eh.e_phoff < size &&
              eh.e_phnum <= (size - eh.e_phoff) / sizeof(Elf64_Phdr);
    for (size_t i = 0; ok && i < eh.e_phnum && out->n < 8; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, m + eh.e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
            continue;
        size_t lo = ph.p_offset & ~(size_t)4095;
        size_t hi = (ph.p_offset + ph.p_filesz + 4095) & ~(size_t)4095;
        if (hi > size)
            hi = size;
        if (lo >= hi)
            continue;
        region *r = &out->v[out->n++];
        r->len = hi - lo;
        r->code = malloc(r->len);
        assert_non_null(r->code);
        memcpy(r->code, m + lo, r->len);
    }
    munmap(m, size);
    return ok && out->n > 0;
}

static void free_regions(regions *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free(rs->v[i].code);
    rs->n = 0;
}

static size_t count_pairs(const uint8_t *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i + 1 < n; i++)
        k += p[i] == 0x0f && p[i + 1] == 0xa2;
    return k;
}

/* ------------------------------------------------------------------ */
/* Crafted code                                                       */

/* A code buffer built piece by piece, with the sites it must yield. */
typedef struct crafted {
    uint8_t code[512];
    size_t len;
    uint64_t sites[32];
    size_t nsites;
} crafted;

/* Appends an instruction; site_at >= 0 marks its 0F A2 at that index. */
static void put(crafted *c, const char *hex, int site_at)
{
    if (site_at >= 0)
        c->sites[c->nsites++] = c->len + (size_t)site_at;
    for (const char *p = hex; *p; p++) {
        if (*p == ' ')
            continue;
        unsigned v;
        assert_int_equal(sscanf(p, "%2x", &v), 1);
        c->code[c->len++] = (uint8_t)v;
        p++;
    }
}

static const trace_decoder decoders[] = {TRACE_DECODER_ZYDIS,
                                         TRACE_DECODER_CAPSTONE};

static void expect_sites(const crafted *c)
{
    for (size_t d = 0; d < 2; d++) {
        if (!trace_decoder_available(decoders[d]))
            continue;
        trace_sites s;
        trace_sites_init(&s);
        long n = trace_cpuid_find_with(decoders[d], c->code, c->len, &s);
        if (n != (long)c->nsites ||
            (c->nsites &&
             memcmp(s.off, c->sites, c->nsites * sizeof(uint64_t)) != 0)) {
            print_error("%s: %ld sites:", trace_decoder_name(decoders[d]), n);
            for (size_t i = 0; i < s.n; i++)
                print_error(" %llu", (unsigned long long)s.off[i]);
            print_error("; expected %zu\n", c->nsites);
            fail();
        }
        assert_true(trace_sites_check(c->code, c->len, s.off, s.n));
        trace_sites_free(&s);
    }
}

static void test_find_skips_0f_a2_inside_other_instructions(void **state)
{
    (void)state;
    crafted c = {0};
    put(&c, "b8 0f a2 00 00", -1);                /* mov eax, 0xa20f */
    put(&c, "0f a2", 0);                          /* cpuid */
    put(&c, "48 b8 0f a2 0f a2 0f a2 0f a2", -1); /* movabs rax, imm64 */
    put(&c, "c7 44 24 08 0f a2 00 00", -1);       /* mov [rsp+8], 0xa20f */
    put(&c, "e8 0f a2 00 00", -1);                /* call rel32 */
    put(&c, "48 8d 05 0f a2 00 00", -1);          /* lea rax, [rip+..] */
    put(&c, "0f a2", 0);                          /* cpuid */
    put(&c, "66 0f 1f 44 00 0f", -1);             /* nop word [rax+rax*1+0xf] */
    put(&c, "a2 01 02 03 04 05 06 07 08", -1);    /* movabs [moffs64], al */
    put(&c, "c3", -1);                            /* ret */
    assert_int_equal(count_pairs(c.code, c.len), 11);
    expect_sites(&c);
}

static void test_find_resyncs_after_an_undecodable_byte(void **state)
{
    (void)state;
    crafted c = {0};
    put(&c, "90", -1);
    put(&c, "06", -1);   /* push es: invalid in 64-bit mode */
    put(&c, "0f a2", 0); /* found on the next byte */
    put(&c, "d6", -1);   /* salc: invalid in 64-bit mode */
    put(&c, "0f a2", 0);
    put(&c, "0f a2", 0); /* back to back */
    put(&c, "0f", -1);   /* a truncated instruction at the end */
    expect_sites(&c);
}

/* A prefixed CPUID is one instruction: its site is the 0F, where UD2 goes. */
static void test_find_reports_a_prefixed_cpuid_at_its_opcode(void **state)
{
    (void)state;
    crafted c = {0};
    put(&c, "66 0f a2", 1);
    put(&c, "4c 0f a2", 1); /* REX.WR, seen in libLLVM */
    put(&c, "0f a2", 0);
    expect_sites(&c);
}

static void test_prefix_len_finds_the_opcode_of_a_prefixed_site(void **state)
{
    (void)state;
    static const uint8_t plain[] = {0x0f, 0x0b};
    static const uint8_t rex[] = {0x4c, 0x0f, 0x0b};
    static const uint8_t many[] = {0x66, 0xf3, 0x2e, 0x48, 0x0f, 0x0b};
    static const uint8_t all[16] = {0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                    0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                    0x66, 0x66, 0x66, 0x66};
    assert_int_equal(trace_x86_prefix_len(plain, sizeof(plain)), 0);
    assert_int_equal(trace_x86_prefix_len(rex, sizeof(rex)), 1);
    assert_int_equal(trace_x86_prefix_len(many, sizeof(many)), 4);
    assert_int_equal(trace_x86_prefix_len(many, 2), 2);
    assert_int_equal(trace_x86_prefix_len(all, sizeof(all)), 14);
}

static void test_find_without_0f_a2_finds_nothing(void **state)
{
    (void)state;
    static const uint8_t code[] = {0x0f, 0x0b, 0xa2, 0x0f, 0x31, 0x0f};
    trace_sites s;
    trace_sites_init(&s);
    assert_int_equal(trace_cpuid_find(code, sizeof(code), &s), 0);
    assert_int_equal(trace_cpuid_find(code, 0, &s), 0);
    assert_int_equal(trace_cpuid_find(code, 1, &s), 0);
    assert_int_equal(s.n, 0);
    trace_sites_free(&s);
}

/* Each site's disp (CPUID stubs): the CPUID and whole instructions after
 * it up to 5 bytes or more, none a branch or another trapped instruction,
 * none of whose inside a branch of the region targets; 0 otherwise (and
 * always with capstone). */
static void test_find_gives_each_site_its_stub_span(void **state)
{
    (void)state;
    static const uint8_t code[] = {
        /* 0: cpuid; mov %eax,%edx; and $0x1f,%edx: 7 */
        0x0f, 0xa2, 0x89, 0xc2, 0x83, 0xe2, 0x1f,
        /* 7: cpuid; mov %ebx,0x10(%rip): 8, rip-relative */
        0x0f, 0xa2, 0x89, 0x1d, 0x10, 0x00, 0x00, 0x00,
        /* 15: cpuid; test %ebx,%ebx; je +2: a branch in the span */
        0x0f, 0xa2, 0x85, 0xdb, 0x74, 0x02,
        /* 21: cpuid; mov %eax,%edx (a target); mov %eax,%ecx */
        0x0f, 0xa2, 0x89, 0xc2, 0x89, 0xc1,
        /* 27: cpuid; cpuid; nop x3 (the first: another CPUID) */
        0x0f, 0xa2, 0x0f, 0xa2, 0x90, 0x90, 0x90,
        /* 34: REX.W cpuid; nop x3: a prefix */
        0x48, 0x0f, 0xa2, 0x90, 0x90, 0x90,
        /* 40: jmp to 23, inside the span of 21 */
        0xeb, 0xed,
        /* 42: cpuid; nop: the region ends */
        0x0f, 0xa2, 0x90};
    trace_sites s;
    trace_sites_init(&s);
    assert_int_equal(trace_cpuid_find(code, sizeof(code), &s), 8);
    const uint64_t off[8] = {0, 7, 15, 21, 27, 29, 35, 42};
    bool zydis =
        strcmp(trace_decoder_name(TRACE_DECODER_DEFAULT), "zydis") == 0;
    const uint8_t disp[8] = {7, 8, 0, 0, 0, 5, 0, 0};
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(s.off[i], off[i]);
        assert_int_equal(s.disp[i], zydis ? disp[i] : 0);
        assert_true(trace_cpuid_disp_ok(s.off[i], s.disp[i], sizeof(code)));
    }
    trace_sites_free(&s);
    trace_rip_fix fix[TRACE_CPUID_FIXES];
    size_t nfix = 9;
    assert_int_equal(trace_cpuid_displaced(code + 7, 8, fix, &nfix), zydis);
    if (zydis) {
        assert_int_equal(nfix, 1);
        assert_int_equal(fix[0].at, 4);
        assert_int_equal(fix[0].end, 8);
    }
    /* the span must end on an instruction's end */
    assert_false(trace_cpuid_displaced(code + 7, 7, fix, &nfix));
    assert_false(trace_cpuid_displaced(code + 15, 6, fix, &nfix));
    assert_false(trace_cpuid_disp_ok(0, 4, 100));
    assert_false(trace_cpuid_disp_ok(96, 5, 100));
    assert_false(trace_cpuid_disp_ok(0, 17, 100));
}

static void test_sites_check_rejects_bad_lists(void **state)
{
    (void)state;
    static const uint8_t code[] = {0x0f, 0xa2, 0x0f, 0xa2, 0x90, 0x0f, 0xa2};
    const uint64_t good[] = {0, 2, 5};
    assert_true(trace_sites_check(code, sizeof(code), good, 3));
    assert_true(trace_sites_check(code, sizeof(code), good, 0));
    const uint64_t unsorted[] = {2, 0};
    const uint64_t dup[] = {2, 2};
    const uint64_t overlap[] = {0, 1};
    const uint64_t not_cpuid[] = {4};
    const uint64_t past_end[] = {6};
    const uint64_t huge[] = {UINT64_MAX};
    assert_false(trace_sites_check(code, sizeof(code), unsorted, 2));
    assert_false(trace_sites_check(code, sizeof(code), dup, 2));
    assert_false(trace_sites_check(code, sizeof(code), overlap, 2));
    assert_false(trace_sites_check(code, sizeof(code), not_cpuid, 1));
    assert_false(trace_sites_check(code, sizeof(code), past_end, 1));
    assert_false(trace_sites_check(code, sizeof(code), huge, 1));
    assert_false(trace_sites_check(code, 1, good, 1));
}

/* ------------------------------------------------------------------ */
/* Zydis against capstone on real code                                */

/* Both decoders must give the same sites on the code people record: the
 * cache and the archive table hold one list whichever build wrote it.
 * They do differ on some invalid encodings (capstone decodes `mov cs, r`
 * and LOCK on register operands, which fault; it gives 66 E8 a rel16) that
 * compilers do not emit, so random bytes are not part of this test. */
static const char *const real_files[] = {
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "/lib64/ld-linux-x86-64.so.2",
    "/usr/bin/python3",
    "/usr/bin/node",
    "/usr/lib/x86_64-linux-gnu/libcapstone.so.4",
    "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
};

static void test_zydis_and_capstone_agree_on_real_code(void **state)
{
    (void)state;
    if (!trace_decoder_available(TRACE_DECODER_ZYDIS))
        skip();
    size_t files = 0, pairs = 0, sites = 0;
    for (size_t f = 0; f < sizeof(real_files) / sizeof(*real_files); f++) {
        regions rs;
        if (!load_exec_segments(real_files[f], &rs))
            continue;
        files++;
        for (size_t i = 0; i < rs.n; i++) {
            trace_sites z, c;
            trace_sites_init(&z);
            trace_sites_init(&c);
            long nz = trace_cpuid_find_with(TRACE_DECODER_ZYDIS, rs.v[i].code,
                                            rs.v[i].len, &z);
            long nc = trace_cpuid_find_with(TRACE_DECODER_CAPSTONE,
                                            rs.v[i].code, rs.v[i].len, &c);
            if (nz != nc ||
                (z.n && memcmp(z.off, c.off, z.n * sizeof(*z.off)))) {
                print_error("%s segment %zu: zydis %ld sites, capstone %ld\n",
                            real_files[f], i, nz, nc);
                fail();
            }
            assert_true(
                trace_sites_check(rs.v[i].code, rs.v[i].len, z.off, z.n));
            pairs += count_pairs(rs.v[i].code, rs.v[i].len);
            sites += z.n;
            trace_sites_free(&z);
            trace_sites_free(&c);
        }
        free_regions(&rs);
    }
    if (files == 0)
        skip();
    print_message("%zu files: %zu 0F A2 pairs, %zu CPUID sites\n", files, pairs,
                  sites);
    /* ld.so alone holds dozens of CPUIDs. */
    assert_true(sites > 0);
}

/* ------------------------------------------------------------------ */
/* The site cache                                                     */

/* 64 KiB of code: NOPs, CPUIDs, and 0F A2 pairs inside immediates. */
#define CODE_LEN (64u << 10)
static uint8_t g_code[CODE_LEN];
static uint64_t g_code_sites[64];
static size_t g_code_nsites;

static void make_code(uint8_t *code, uint32_t seed)
{
    memset(code, 0x90, CODE_LEN);
    g_code_nsites = 0;
    uint32_t x = seed;
    for (size_t at = 100; at + 16 < CODE_LEN && g_code_nsites < 64;) {
        x = x * 1103515245u + 12345u;
        if (x >> 31) {
            static const uint8_t mov[] = {0xb8, 0x0f, 0xa2, 0x00, 0x00};
            memcpy(code + at, mov, sizeof(mov));
            at += sizeof(mov);
        } else {
            code[at] = 0x0f;
            code[at + 1] = 0xa2;
            g_code_sites[g_code_nsites++] = at;
            at += 2;
        }
        at += 200 + (x >> 16) % 1500;
    }
}

static void cache_dir_in(char *buf, size_t n, const char *name)
{
    path_in(buf, n, name);
    mkdir(buf, 0700);
}

static trace_site_cache *open_cache(const char *dir, uint64_t max_bytes)
{
    trace_site_cache_options o;
    trace_site_cache_options_init(&o);
    o.dir = dir;
    o.max_bytes = max_bytes;
    o.min_len = 0;
    trace_site_cache *c = trace_site_cache_open(&o);
    assert_non_null(c);
    return c;
}

static void expect_code_sites(const trace_sites *s)
{
    assert_int_equal(s->n, g_code_nsites);
    assert_memory_equal(s->off, g_code_sites, s->n * sizeof(*s->off));
}

static void entry_path(char *buf, size_t n, const char *dir,
                       const uint8_t *code, size_t len)
{
    rrt_blob_id key;
    char hex[33];
    trace_code_key(code, len, &key);
    rrt_blob_id_to_hex(&key, hex);
    snprintf(buf, n, "%s/%s.%s2", dir, hex,
             trace_decoder_name(TRACE_DECODER_DEFAULT));
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *p = malloc(1 << 20);
    *n = fread(p, 1, 1 << 20, f);
    fclose(f);
    return p;
}

static void spew(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Decodes (stores), then finds the same sites in the cache. */
static void fill_cache(trace_site_cache *c, const uint8_t *code, trace_sites *s)
{
    rrt_blob_id key, key2;
    assert_int_equal(trace_sites_for(NULL, c, code, CODE_LEN, &key, s),
                     TRACE_SITES_DECODED);
    expect_code_sites(s);
    assert_int_equal(trace_sites_for(NULL, c, code, CODE_LEN, &key2, s),
                     TRACE_SITES_CACHED);
    expect_code_sites(s);
    assert_memory_equal(&key, &key2, sizeof(key));
}

static void test_cache_hit_after_store(void **state)
{
    (void)state;
    char dir[128];
    cache_dir_in(dir, sizeof(dir), "cache-hit");
    make_code(g_code, 1);
    trace_site_cache *c = open_cache(dir, 0);
    assert_string_equal(trace_site_cache_dir(c), dir);
    trace_sites s;
    trace_sites_init(&s);
    fill_cache(c, g_code, &s);
    trace_site_cache_stats st;
    trace_site_cache_stats_get(c, &st);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.stores, 1);
    assert_int_equal(st.rejected, 0);
    /* Another handle (another recording) finds it too. */
    trace_site_cache *c2 = open_cache(dir, 0);
    rrt_blob_id key;
    assert_true(trace_sites_lookup(c2, g_code, CODE_LEN, &key, &s));
    expect_code_sites(&s);
    rrt_blob_id want;
    rrt_blob_id_of(g_code, CODE_LEN, &want);
    assert_memory_equal(&key, &want, sizeof(key));
    /* One byte of code changed: another key, a miss. */
    g_code[7] ^= 1;
    assert_false(trace_sites_lookup(c2, g_code, CODE_LEN, NULL, &s));
    g_code[7] ^= 1;
    /* No 0F A2 at all: nothing hashed, looked up or stored. */
    static const uint8_t plain[4096];
    assert_int_equal(trace_sites_for(NULL, c2, plain, sizeof(plain), &key, &s),
                     TRACE_SITES_NONE);
    assert_int_equal(s.n, 0);
    trace_site_cache_stats_get(c2, &st);
    assert_int_equal(st.hits + st.misses + st.stores, 2);
    trace_site_cache_close(c2);
    trace_site_cache_close(c);
    trace_sites_free(&s);
}

/* Damage to an entry file is a miss, the file is dropped, and the next
 * call decodes and stores the right sites again. */
static void expect_refused_then_recomputed(trace_site_cache *c,
                                           const char *path,
                                           const uint8_t *bytes, size_t n)
{
    spew(path, bytes, n);
    trace_sites s;
    trace_sites_init(&s);
    assert_false(trace_sites_lookup(c, g_code, CODE_LEN, NULL, &s));
    assert_int_equal(s.n, 0);
    assert_int_equal(access(path, F_OK), -1); /* dropped */
    assert_int_equal(trace_sites_for(NULL, c, g_code, CODE_LEN, NULL, &s),
                     TRACE_SITES_DECODED);
    expect_code_sites(&s);
    trace_sites_free(&s);
}

static void test_cache_entry_truncated_or_flipped_is_a_miss(void **state)
{
    (void)state;
    char dir[128], path[256];
    cache_dir_in(dir, sizeof(dir), "cache-damage");
    make_code(g_code, 2);
    trace_site_cache *c = open_cache(dir, 0);
    trace_sites s;
    trace_sites_init(&s);
    fill_cache(c, g_code, &s);
    entry_path(path, sizeof(path), dir, g_code, CODE_LEN);
    size_t n = 0;
    uint8_t *good = slurp(path, &n);
    assert_non_null(good);
    assert_int_equal(n, 56 + 9 * g_code_nsites);
    for (size_t len = 0; len < n; len++)
        expect_refused_then_recomputed(c, path, good, len);
    for (size_t bit = 0; bit < 8 * n; bit++) {
        good[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        expect_refused_then_recomputed(c, path, good, n);
        good[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    trace_site_cache_stats st;
    trace_site_cache_stats_get(c, &st);
    assert_int_equal(st.rejected, n + 8 * n);
    assert_int_equal(st.hits, 1);
    free(good);
    trace_sites_free(&s);
    trace_site_cache_close(c);
}

/* An entry file written from the format in site_cache.c, with a correct
 * checksum: what a careful forger (or another version) could write. */
typedef struct forged {
    char magic[9];
    uint16_t version, sweep;
    uint8_t decoder, reserved;
    rrt_blob_id key;
    uint64_t len, count;
    const uint64_t *off;
    size_t n;     /* sites actually written */
    uint8_t disp; /* every site's disp */
} forged;

static void forge(const forged *f, uint8_t *p, size_t *size)
{
    memcpy(p, f->magic, 8);
    rrti_put_u16(p + 8, f->version);
    rrti_put_u16(p + 10, f->sweep);
    p[12] = f->decoder;
    p[13] = f->reserved;
    p[14] = p[15] = 0;
    memcpy(p + 16, f->key.bytes, 16);
    rrti_put_u64(p + 32, f->len);
    rrti_put_u64(p + 40, f->count);
    for (size_t i = 0; i < f->n; i++) {
        rrti_put_u64(p + 48 + 8 * i, f->off[i]);
        p[48 + 8 * f->n + i] = f->disp;
    }
    *size = 48 + 9 * f->n;
    rrti_put_u64(p + *size, XXH3_64bits(p, *size));
    *size += 8;
}

static void test_cache_entry_with_forged_fields_is_a_miss(void **state)
{
    (void)state;
    char dir[128], path[256];
    cache_dir_in(dir, sizeof(dir), "cache-forged");
    make_code(g_code, 3);
    entry_path(path, sizeof(path), dir, g_code, CODE_LEN);
    trace_site_cache *c = open_cache(dir, 0);
    bool zydis =
        strcmp(trace_decoder_name(TRACE_DECODER_DEFAULT), "zydis") == 0;
    forged good = {"rrtsites",
                   2,
                   2,
                   (uint8_t)(zydis ? 1 : 2),
                   0,
                   {{0}},
                   CODE_LEN,
                   g_code_nsites,
                   g_code_sites,
                   g_code_nsites,
                   0};
    trace_code_key(g_code, CODE_LEN, &good.key);
    uint8_t buf[2048];
    size_t n;
    /* The forger's own well-formed entry is a hit: the format is as
     * documented (and why the directory must be the user's alone). */
    forge(&good, buf, &n);
    spew(path, buf, n);
    trace_sites s;
    trace_sites_init(&s);
    assert_true(trace_sites_lookup(c, g_code, CODE_LEN, NULL, &s));
    expect_code_sites(&s);

    uint64_t moved[64];
    memcpy(moved, g_code_sites, sizeof(moved));
    moved[1] += 1; /* a site on bytes that are not 0F A2 */
    uint64_t past[1] = {CODE_LEN - 1};
    uint64_t overlap[2] = {g_code_sites[0], g_code_sites[0]};
    rrt_blob_id other;
    rrt_blob_id_of("other code", 10, &other);
    forged bad[14];
    for (size_t i = 0; i < 14; i++)
        bad[i] = good;
    bad[0].off = moved;
    bad[1].off = past, bad[1].n = bad[1].count = 1;
    bad[2].off = overlap, bad[2].n = bad[2].count = 2;
    bad[3].count = (uint64_t)1 << 40; /* count does not fit the file */
    bad[4].count = g_code_nsites - 1;
    bad[5].key = other;        /* entry of other code */
    bad[6].len = CODE_LEN + 2; /* other length */
    bad[7].version = 1;        /* the format before sites had a disp */
    bad[8].sweep = 1;
    bad[9].decoder = zydis ? 2 : 1; /* the other decoder's answer */
    bad[10].reserved = 1;
    memcpy(bad[11].magic, "rrtsitez", 8);
    bad[12].disp = 4;    /* shorter than a jump */
    bad[13].disp = 0xff; /* past the region's end, longer than a stub's */
    for (size_t i = 0; i < 14; i++) {
        forge(&bad[i], buf, &n);
        expect_refused_then_recomputed(c, path, buf, n);
    }
    /* More sites than half the code's bytes, in a small region. */
    static const uint8_t small[8] = {0x0f, 0xa2, 0x0f, 0xa2};
    const uint64_t five[5] = {0, 2, 4, 6, 8};
    forged many = good;
    trace_code_key(small, sizeof(small), &many.key);
    many.len = sizeof(small);
    many.off = five;
    many.n = many.count = 5;
    forge(&many, buf, &n);
    entry_path(path, sizeof(path), dir, small, sizeof(small));
    spew(path, buf, n);
    assert_false(trace_sites_lookup(c, small, sizeof(small), NULL, &s));
    /* A huge file is not even read. */
    spew(path, buf, n);
    assert_int_equal(truncate(path, 1 << 30), 0);
    assert_false(trace_sites_lookup(c, small, sizeof(small), NULL, &s));
    assert_int_equal(access(path, F_OK), -1);
    trace_sites_free(&s);
    trace_site_cache_close(c);
}

static void test_cache_not_owned_by_the_user_is_not_used(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip(); /* only root can give a file away */
    char dir[128], path[256];
    cache_dir_in(dir, sizeof(dir), "cache-owner");
    make_code(g_code, 4);
    trace_site_cache *c = open_cache(dir, 0);
    trace_sites s;
    trace_sites_init(&s);
    fill_cache(c, g_code, &s);
    entry_path(path, sizeof(path), dir, g_code, CODE_LEN);
    assert_int_equal(chown(path, 65534, 65534), 0);
    assert_false(trace_sites_lookup(c, g_code, CODE_LEN, NULL, &s));
    fill_cache(c, g_code, &s);              /* replaced by one of ours */
    assert_int_equal(chmod(path, 0622), 0); /* writable by others */
    assert_false(trace_sites_lookup(c, g_code, CODE_LEN, NULL, &s));
    trace_site_cache_close(c);
    /* A directory someone else owns, or others can write, is not used. */
    assert_int_equal(chown(dir, 65534, 65534), 0);
    c = open_cache(dir, 0);
    assert_null(trace_site_cache_dir(c));
    trace_site_cache_close(c);
    assert_int_equal(chown(dir, 0, 0), 0);
    assert_int_equal(chmod(dir, 0777), 0);
    c = open_cache(dir, 0);
    assert_null(trace_site_cache_dir(c));
    trace_site_cache_close(c);
    trace_sites_free(&s);
}

static size_t count_entries(const char *dir, const char *prefix)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "ls -A '%s' | grep -c '^%s' || true", dir,
             prefix);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = 0;
    assert_int_equal(fscanf(p, "%zu", &n), 1);
    pclose(p);
    return n;
}

static void test_cache_size_bound_evicts_least_recently_used(void **state)
{
    (void)state;
    char dir[128], path[256];
    cache_dir_in(dir, sizeof(dir), "cache-bound");
    /* Room for about 4 entries, whatever the file system's block size. */
    struct stat sb;
    make_code(g_code, 100);
    trace_site_cache *c = open_cache(dir, 0);
    trace_sites s;
    trace_sites_init(&s);
    fill_cache(c, g_code, &s);
    trace_site_cache_close(c);
    entry_path(path, sizeof(path), dir, g_code, CODE_LEN);
    assert_int_equal(stat(path, &sb), 0);
    struct timespec oldest[2] = {{999999, 0}, {999999, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, oldest, 0), 0);
    uint64_t one = (uint64_t)sb.st_blocks * 512 > (uint64_t)sb.st_size
                       ? (uint64_t)sb.st_blocks * 512
                       : (uint64_t)sb.st_size;
    uint64_t bound = 4 * one + one / 2;
    /* Ten regions, each stored by a new handle (a new recording checks
     * the bound at its first store), with increasing ages. */
    static uint8_t codes[10][CODE_LEN];
    for (int i = 0; i < 10; i++) {
        make_code(codes[i], 200 + (uint32_t)i);
        c = open_cache(dir, bound);
        assert_int_equal(trace_sites_for(NULL, c, codes[i], CODE_LEN, NULL, &s),
                         TRACE_SITES_DECODED);
        trace_site_cache_close(c);
        entry_path(path, sizeof(path), dir, codes[i], CODE_LEN);
        struct timespec t[2] = {{1000000 + i, 0}, {1000000 + i, 0}};
        assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
        if (i == 4) {
            /* Region 1 is used again: it becomes the most recent. */
            c = open_cache(dir, bound);
            assert_true(trace_sites_lookup(c, codes[1], CODE_LEN, NULL, &s));
            trace_site_cache_close(c);
        }
    }
    /* The last store evicted down to the bound: the newest entries and
     * the recently used one are left. */
    size_t n = count_entries(dir, "[0-9a-f]");
    assert_true(n <= 4);
    const int kept[] = {1, 8, 9};
    for (size_t k = 0; k < 3; k++) {
        c = open_cache(dir, bound);
        assert_true(trace_sites_lookup(c, codes[kept[k]], CODE_LEN, NULL, &s));
        trace_site_cache_close(c);
    }
    c = open_cache(dir, bound);
    assert_false(trace_sites_lookup(c, codes[0], CODE_LEN, NULL, &s));
    assert_false(trace_sites_lookup(c, codes[2], CODE_LEN, NULL, &s));
    trace_site_cache_close(c);
    trace_sites_free(&s);
}

static void test_cache_removes_stale_temporary_files(void **state)
{
    (void)state;
    char dir[128], old[256], young[256], other[256];
    cache_dir_in(dir, sizeof(dir), "cache-tmp");
    snprintf(old, sizeof(old), "%s/.tmp.1.2.3", dir);
    snprintf(young, sizeof(young), "%s/.tmp.4.5.6", dir);
    snprintf(other, sizeof(other), "%s/notes.txt", dir);
    spew(old, (const uint8_t *)"x", 1);
    spew(young, (const uint8_t *)"x", 1);
    spew(other, (const uint8_t *)"x", 1);
    struct timespec t[2] = {{1000, 0}, {1000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, old, t, 0), 0);
    make_code(g_code, 5);
    trace_site_cache *c = open_cache(dir, 1); /* evicts every entry */
    trace_sites s;
    trace_sites_init(&s);
    assert_int_equal(trace_sites_for(NULL, c, g_code, CODE_LEN, NULL, &s),
                     TRACE_SITES_DECODED);
    expect_code_sites(&s);
    trace_site_cache_close(c);
    assert_int_equal(access(old, F_OK), -1);
    assert_int_equal(access(young, F_OK), 0); /* may be a live writer's */
    assert_int_equal(access(other, F_OK), 0); /* not ours */
    assert_int_equal(count_entries(dir, "[0-9a-f]"), 0);
    trace_sites_free(&s);
}

static void test_unusable_cache_dir_is_harmless(void **state)
{
    (void)state;
    char file[128], under[160], open_dir[128];
    path_in(file, sizeof(file), "a-file");
    spew(file, (const uint8_t *)"x", 1);
    snprintf(under, sizeof(under), "%s/cache", file);
    cache_dir_in(open_dir, sizeof(open_dir), "world-writable");
    assert_int_equal(chmod(open_dir, 0777), 0);
    const char *dirs[] = {under, open_dir, "/proc/self/rrt-cache"};
    make_code(g_code, 6);
    trace_sites s;
    trace_sites_init(&s);
    for (size_t i = 0; i < 3; i++) {
        trace_site_cache *c = open_cache(dirs[i], 0);
        assert_null(trace_site_cache_dir(c));
        for (int k = 0; k < 2; k++) {
            assert_int_equal(
                trace_sites_for(NULL, c, g_code, CODE_LEN, NULL, &s),
                TRACE_SITES_DECODED);
            expect_code_sites(&s);
        }
        assert_false(trace_sites_lookup(c, g_code, CODE_LEN, NULL, &s));
        assert_false(trace_sites_store(c, &(rrt_blob_id){{0}}, CODE_LEN, &s));
        trace_site_cache_close(c);
    }
    assert_int_equal(count_entries(open_dir, "[0-9a-f.]"), 0);
    /* No cache at all works the same. */
    assert_int_equal(trace_sites_for(NULL, NULL, g_code, CODE_LEN, NULL, &s),
                     TRACE_SITES_DECODED);
    expect_code_sites(&s);
    trace_sites_free(&s);
}

static void test_cache_dir_comes_from_the_environment(void **state)
{
    (void)state;
    char root[128], want[200], xdg[128];
    path_in(root, sizeof(root), "env-root");
    path_in(xdg, sizeof(xdg), "xdg");
    char *saved[3];
    const char *names[3] = {"RRT_CACHE_DIR", "XDG_CACHE_HOME", "HOME"};
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(names[i]);
        saved[i] = v ? strdup(v) : NULL;
    }
    setenv("RRT_CACHE_DIR", root, 1);
    trace_site_cache *c = trace_site_cache_open(NULL);
    snprintf(want, sizeof(want), "%s/cpuid-sites", root);
    assert_string_equal(trace_site_cache_dir(c), want);
    trace_site_cache_close(c);
    unsetenv("RRT_CACHE_DIR");
    setenv("XDG_CACHE_HOME", xdg, 1);
    c = trace_site_cache_open(NULL);
    snprintf(want, sizeof(want), "%s/rrt/cpuid-sites", xdg);
    assert_string_equal(trace_site_cache_dir(c), want);
    trace_site_cache_close(c);
    setenv("XDG_CACHE_HOME", "relative/ignored", 1);
    setenv("HOME", root, 1);
    c = trace_site_cache_open(NULL);
    snprintf(want, sizeof(want), "%s/.cache/rrt/cpuid-sites", root);
    assert_string_equal(trace_site_cache_dir(c), want);
    struct stat sb;
    assert_int_equal(stat(want, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    trace_site_cache_close(c);
    for (int i = 0; i < 3; i++) {
        if (saved[i])
            setenv(names[i], saved[i], 1);
        else
            unsetenv(names[i]);
        free(saved[i]);
    }
}

/* Replay's order: a matching table entry, else the cache, else decoding;
 * a table entry is used only for the same bytes and only where they hold
 * 0F A2. */
static void test_sites_for_uses_a_matching_table_entry(void **state)
{
    (void)state;
    char dir[128];
    cache_dir_in(dir, sizeof(dir), "cache-table");
    make_code(g_code, 7);
    rrt_blob_id key;
    trace_code_key(g_code, CODE_LEN, &key);
    uint64_t moved[64];
    memcpy(moved, g_code_sites, sizeof(moved));
    moved[0] += 1;
    struct {
        uint64_t len;
        const uint64_t *off;
        trace_sites_how want;
    } cases[] = {
        {CODE_LEN, g_code_sites, TRACE_SITES_TABLE},
        {CODE_LEN + 2, g_code_sites, TRACE_SITES_DECODED}, /* other length */
        {CODE_LEN, moved, TRACE_SITES_CACHED}, /* a site not on 0F A2 */
    };
    trace_sites s;
    trace_sites_init(&s);
    trace_site_cache *c = open_cache(dir, 0);
    for (size_t i = 0; i < 3; i++) {
        rrt_cpuid_sites *w = rrti_cpuid_sites_new();
        assert_int_equal(rrti_cpuid_sites_add(w, &key, cases[i].len,
                                              cases[i].off, g_code_nsites, NULL,
                                              NULL),
                         RRT_OK);
        rrt_buf b;
        rrt_buf_init(&b);
        assert_int_equal(rrti_cpuid_sites_take(w, &b), 1);
        rrt_cpuid_sites *t;
        assert_int_equal(rrt_cpuid_sites_decode(b.data, b.len, &t, NULL),
                         RRT_OK);
        rrt_blob_id got;
        assert_int_equal(trace_sites_for(t, c, g_code, CODE_LEN, &got, &s),
                         cases[i].want);
        expect_code_sites(&s);
        assert_memory_equal(&got, &key, sizeof(key));
        rrt_cpuid_sites_free(t);
        rrt_cpuid_sites_free(w);
        rrt_buf_free(&b);
    }
    trace_site_cache_close(c);
    trace_sites_free(&s);
}

/* ------------------------------------------------------------------ */
/* The archive's CSIT table                                           */

static rrt_writer_options quick_opts(void)
{
    rrt_writer_options o;
    rrt_writer_options_init(&o);
    o.threads = 1;
    o.no_sync = true;
    return o;
}

typedef struct region_sites {
    rrt_blob_id key;
    uint64_t len;
    uint64_t off[4];
    size_t n;
} region_sites;

static region_sites regions_for_archive[4];

static void make_region_sites(void)
{
    for (size_t i = 0; i < 4; i++) {
        region_sites *r = &regions_for_archive[i];
        char name[32];
        snprintf(name, sizeof(name), "region %zu", i);
        rrt_blob_id_of(name, strlen(name), &r->key);
        r->len = 1000 + 100000 * i;
        r->n = i; /* 0 to 3 sites, the later ones far apart */
        for (size_t j = 0; j < i; j++)
            r->off[j] = 7 + j * (2 + 30000 * i);
    }
}

static void expect_table_holds(const rrt_cpuid_sites *t, size_t first,
                               size_t count)
{
    assert_int_equal(rrt_cpuid_sites_count(t), count);
    for (size_t i = first; i < first + count; i++) {
        const region_sites *r = &regions_for_archive[i];
        uint64_t len;
        const uint64_t *off;
        size_t n;
        assert_true(rrt_cpuid_sites_find(t, &r->key, &len, &off, &n));
        assert_int_equal(len, r->len);
        assert_int_equal(n, r->n);
        if (n)
            assert_memory_equal(off, r->off, n * sizeof(*off));
    }
}

static void write_sites_archive(const char *path, bool finish)
{
    make_region_sites();
    rrt_writer_options o = quick_opts();
    rrt_writer *w;
    rrt_error err;
    unlink(path);
    assert_int_equal(rrt_writer_create(path, &o, &w, &err), RRT_OK);
    for (size_t i = 0; i < 4; i++) {
        const region_sites *r = &regions_for_archive[i];
        assert_int_equal(
            rrt_writer_add_cpuid_sites(w, &r->key, r->len, r->off, r->n, &err),
            RRT_OK);
        if (i == 1)
            assert_int_equal(rrt_writer_flush(w, &err), RRT_OK);
    }
    /* The same again is no change. */
    const region_sites *r0 = &regions_for_archive[0];
    assert_int_equal(
        rrt_writer_add_cpuid_sites(w, &r0->key, r0->len, NULL, 0, &err),
        RRT_OK);
    assert_int_equal(rrt_writer_set_meta(w, "tool", "test", &err), RRT_OK);
    if (finish) {
        assert_int_equal(rrt_writer_finish(w, &err), RRT_OK);
        rrt_writer_free(w);
    } else {
        assert_int_equal(rrt_writer_flush(w, &err), RRT_OK);
        rrt_writer_abandon(w);
    }
}

static rrt_cpuid_sites *read_table(const char *path)
{
    rrt_reader *r;
    rrt_error err;
    assert_int_equal(rrt_reader_open(path, &r, &err), RRT_OK);
    rrt_cpuid_sites *t = NULL;
    rrt_status st = rrt_reader_cpuid_sites(r, &t, &err);
    if (st != RRT_OK)
        fail_msg("%s", err.message);
    rrt_reader_close(r);
    return t;
}

static void test_archive_sites_round_trip(void **state)
{
    (void)state;
    char path[128];
    path_in(path, sizeof(path), "sites.rrt");
    write_sites_archive(path, true);
    rrt_cpuid_sites *t = read_table(path);
    expect_table_holds(t, 0, 4);
    rrt_blob_id absent;
    rrt_blob_id_of("absent", 6, &absent);
    assert_false(rrt_cpuid_sites_find(t, &absent, NULL, NULL, NULL));
    rrt_cpuid_sites_free(t);
    /* Two CSIT sections (one per flush), both optional; verify accepts. */
    rrt_reader *r;
    assert_int_equal(rrt_reader_open(path, &r, NULL), RRT_OK);
    size_t ncsit = 0;
    for (size_t i = 0; i < rrt_reader_section_count(r); i++) {
        rrt_section_info s;
        rrt_reader_section(r, i, &s);
        if (s.type == RRT_SEC_CPUID_SITES) {
            ncsit++;
            assert_int_equal(s.flags & RRT_SECF_REQUIRED, 0);
        }
    }
    rrt_reader_close(r);
    assert_int_equal(ncsit, 2);
    rrt_verify_report rep;
    assert_int_equal(rrt_verify_archive(path, NULL, NULL, &rep, NULL), RRT_OK);
}

static void test_archive_without_sites_gives_an_empty_table(void **state)
{
    (void)state;
    char path[128];
    path_in(path, sizeof(path), "none.rrt");
    unlink(path);
    rrt_writer_options o = quick_opts();
    rrt_writer *w;
    assert_int_equal(rrt_writer_create(path, &o, &w, NULL), RRT_OK);
    assert_int_equal(rrt_writer_finish(w, NULL), RRT_OK);
    rrt_writer_free(w);
    rrt_cpuid_sites *t = read_table(path);
    assert_non_null(t);
    assert_int_equal(rrt_cpuid_sites_count(t), 0);
    rrt_cpuid_sites_free(t);
    assert_int_equal(rrt_cpuid_sites_count(NULL), 0);
    assert_false(rrt_cpuid_sites_find(NULL, &regions_for_archive[0].key, NULL,
                                      NULL, NULL));
}

static void test_writer_refuses_bad_sites(void **state)
{
    (void)state;
    char path[128];
    path_in(path, sizeof(path), "bad.rrt");
    unlink(path);
    rrt_writer_options o = quick_opts();
    rrt_writer *w;
    rrt_error err;
    assert_int_equal(rrt_writer_create(path, &o, &w, NULL), RRT_OK);
    rrt_blob_id k;
    rrt_blob_id_of("k", 1, &k);
    const uint64_t unsorted[] = {10, 4}, overlap[] = {4, 5}, past[] = {99};
    const uint64_t good[] = {4, 6};
    assert_int_equal(rrt_writer_add_cpuid_sites(w, &k, 100, unsorted, 2, &err),
                     RRT_E_INVALID);
    assert_int_equal(rrt_writer_add_cpuid_sites(w, &k, 100, overlap, 2, &err),
                     RRT_E_INVALID);
    assert_int_equal(rrt_writer_add_cpuid_sites(w, &k, 100, past, 1, &err),
                     RRT_E_INVALID);
    assert_int_equal(rrt_writer_add_cpuid_sites(w, &k, 1, NULL, 0, &err),
                     RRT_E_INVALID);
    assert_int_equal(rrt_writer_add_cpuid_sites(
                         w, &k, RRT_CPUID_SITES_MAX_CODE + 1, NULL, 0, &err),
                     RRT_E_LIMIT);
    assert_int_equal(rrt_writer_add_cpuid_sites(w, &k, 100, good, 2, &err),
                     RRT_OK);
    /* One key, one byte string: other sites under it are refused. */
    assert_int_equal(rrt_writer_add_cpuid_sites(w, &k, 100, good, 1, &err),
                     RRT_E_INVALID);
    assert_non_null(strstr(err.message, "added twice"));
    assert_int_equal(rrt_writer_add_cpuid_sites(w, &k, 101, good, 2, &err),
                     RRT_E_INVALID);
    /* Refused arguments do not break the writer. */
    assert_int_equal(rrt_writer_finish(w, &err), RRT_OK);
    rrt_writer_free(w);
    rrt_cpuid_sites *t = read_table(path);
    assert_int_equal(rrt_cpuid_sites_count(t), 1);
    rrt_cpuid_sites_free(t);
}

/* One payload with the given regions. */
static void encode_regions(rrt_buf *b, size_t first, size_t count)
{
    rrt_cpuid_sites *t = rrti_cpuid_sites_new();
    assert_non_null(t);
    for (size_t i = first; i < first + count; i++) {
        const region_sites *r = &regions_for_archive[i];
        assert_int_equal(
            rrti_cpuid_sites_add(t, &r->key, r->len, r->off, r->n, NULL, NULL),
            RRT_OK);
    }
    assert_int_equal(rrti_cpuid_sites_take(t, b), count);
    rrt_cpuid_sites_free(t);
}

static void test_later_section_replaces_a_key(void **state)
{
    (void)state;
    make_region_sites();
    rrt_buf a, b;
    rrt_buf_init(&a);
    rrt_buf_init(&b);
    encode_regions(&a, 1, 3);
    /* Region 2 again, now with region 3's sites and length. */
    region_sites saved = regions_for_archive[2];
    regions_for_archive[2].len = regions_for_archive[3].len;
    regions_for_archive[2].n = regions_for_archive[3].n;
    memcpy(regions_for_archive[2].off, regions_for_archive[3].off,
           sizeof(saved.off));
    encode_regions(&b, 2, 1);
    rrt_cpuid_sites *t = rrti_cpuid_sites_new();
    assert_int_equal(
        rrti_cpuid_sites_decode_into(t, a.data, a.len, NULL, 0, NULL), RRT_OK);
    assert_int_equal(
        rrti_cpuid_sites_decode_into(t, b.data, b.len, NULL, 0, NULL), RRT_OK);
    rrti_cpuid_sites_merge(t);
    expect_table_holds(t, 1, 3);
    /* A damaged payload leaves what was decoded before as it was. */
    b.data[b.len - 1] ^= 0x80;
    assert_int_equal(
        rrti_cpuid_sites_decode_into(t, b.data, b.len, NULL, 0, NULL),
        RRT_E_CORRUPT);
    expect_table_holds(t, 1, 3);
    rrt_cpuid_sites_free(t);
    regions_for_archive[2] = saved;
    rrt_buf_free(&a);
    rrt_buf_free(&b);
}

/* Every truncation is refused; every bit flip is refused or decodes to a
 * table that encodes back to the flipped bytes; none crashes. */
static void test_sites_payload_truncated_or_flipped(void **state)
{
    (void)state;
    make_region_sites();
    rrt_buf p;
    rrt_buf_init(&p);
    encode_regions(&p, 0, 4);
    rrt_cpuid_sites *t;
    rrt_error err;
    assert_int_equal(rrt_cpuid_sites_decode(p.data, p.len, &t, &err), RRT_OK);
    rrt_cpuid_sites_free(t);
    for (size_t n = 0; n < p.len; n++) {
        assert_int_equal(rrt_cpuid_sites_decode(p.data, n, &t, &err),
                         RRT_E_CORRUPT);
        assert_null(t);
    }
    size_t accepted = 0;
    for (size_t bit = 0; bit < 8 * p.len; bit++) {
        p.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (rrt_cpuid_sites_decode(p.data, p.len, &t, &err) == RRT_OK) {
            rrt_buf again;
            rrt_buf_init(&again);
            rrti_cpuid_sites_encode(&again, t);
            assert_int_equal(again.len, p.len);
            assert_memory_equal(again.data, p.data, p.len);
            rrt_buf_free(&again);
            rrt_cpuid_sites_free(t);
            accepted++;
        } else {
            assert_null(t);
            assert_non_null(strstr(err.message, "CPUID sites"));
        }
        p.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    /* Flips inside keys that keep them sorted are valid tables. */
    assert_true(accepted > 0 && accepted < 8 * p.len);
    rrt_buf_free(&p);
}

static void test_recover_keeps_the_sites_written_before_a_crash(void **state)
{
    (void)state;
    char path[128], out[128];
    path_in(path, sizeof(path), "crashed.rrt");
    path_in(out, sizeof(out), "recovered.rrt");
    unlink(out);
    write_sites_archive(path, false);
    char partial[160];
    snprintf(partial, sizeof(partial), "%s.partial", path);
    rrt_writer_options o = quick_opts();
    rrt_error err;
    assert_int_equal(rrt_recover(partial, out, &o, NULL, &err), RRT_OK);
    rrt_cpuid_sites *t = read_table(out);
    expect_table_holds(t, 0, 4);
    rrt_cpuid_sites_free(t);
    unlink(partial);
}

static void test_pack_keeps_the_sites(void **state)
{
    (void)state;
#ifdef RRT_TEST_PACK
    char in[128], out[128];
    path_in(in, sizeof(in), "topack.rrt");
    path_in(out, sizeof(out), "packed.rrt");
    unlink(out);
    write_sites_archive(in, true);
    pack_options po;
    pack_options_init(&po);
    po.output = out;
    po.quality = 3; /* a rewrite, not a copy */
    po.no_sync = true;
    pack_report rep;
    rrt_error err;
    assert_int_equal(pack_archive(in, &po, &rep, &err), RRT_OK);
    assert_false(rep.unchanged);
    rrt_cpuid_sites *t = read_table(out);
    expect_table_holds(t, 0, 4);
    rrt_cpuid_sites_free(t);
#else
    skip();
#endif
}

/* ------------------------------------------------------------------ */
/* Bench                                                              */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int bench(int argc, char **argv)
{
    double t_dec[2] = {0}, t_hash = 0, t_cold = 0, t_warm = 0, bytes = 0;
    size_t n_sites = 0;
    char dir[] = "/tmp/rrt_sites_bench_XXXXXX";
    if (!mkdtemp(dir))
        return 2;
    trace_site_cache *cache = open_cache(dir, 0);
    for (int a = 0; a < argc; a++) {
        regions rs;
        if (!load_exec_segments(argv[a], &rs)) {
            fprintf(stderr, "%s: not an x86-64 ELF file\n", argv[a]);
            return 2;
        }
        for (size_t i = 0; i < rs.n; i++) {
            trace_sites s[2];
            for (int d = 0; d < 2; d++) {
                trace_sites_init(&s[d]);
                if (!trace_decoder_available(decoders[d]))
                    continue;
                double t0 = now();
                trace_cpuid_find_with(decoders[d], rs.v[i].code, rs.v[i].len,
                                      &s[d]);
                t_dec[d] += now() - t0;
            }
            double t0 = now();
            rrt_blob_id key;
            rrt_blob_id_of(rs.v[i].code, rs.v[i].len, &key);
            t_hash += now() - t0;
            /* What a recording pays the first time and every time after. */
            trace_sites c;
            trace_sites_init(&c);
            t0 = now();
            trace_sites_for(NULL, cache, rs.v[i].code, rs.v[i].len, NULL, &c);
            t_cold += now() - t0;
            t0 = now();
            trace_sites_for(NULL, cache, rs.v[i].code, rs.v[i].len, NULL, &c);
            t_warm += now() - t0;
            trace_sites_free(&c);
            bool same = s[0].n == s[1].n &&
                        (!s[0].n || !memcmp(s[0].off, s[1].off,
                                            s[0].n * sizeof(uint64_t)));
            printf("%s [%zu]: %.1f MB, %zu pairs, %zu sites%s\n", argv[a], i,
                   (double)rs.v[i].len / 1e6,
                   count_pairs(rs.v[i].code, rs.v[i].len), s[1].n,
                   same || !trace_decoder_available(TRACE_DECODER_ZYDIS)
                       ? ""
                       : " (DECODERS DIFFER)");
            bytes += (double)rs.v[i].len;
            n_sites += s[1].n;
            trace_sites_free(&s[0]);
            trace_sites_free(&s[1]);
        }
        free_regions(&rs);
    }
    printf("%.1f MB of code, %zu sites\n", bytes / 1e6, n_sites);
    if (t_dec[0] > 0)
        printf("zydis     %8.1f MB/s\n", bytes / 1e6 / t_dec[0]);
    printf("capstone  %8.1f MB/s\n", bytes / 1e6 / t_dec[1]);
    printf("XXH3-128  %8.1f MB/s\n", bytes / 1e6 / t_hash);
    printf("sites_for %8.1f MB/s cold (decode, store), %.1f MB/s warm "
           "(hash, cache hit): %.3f s and %.3f s\n",
           bytes / 1e6 / t_cold, bytes / 1e6 / t_warm, t_cold, t_warm);
    trace_site_cache_close(cache);
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}

/* ------------------------------------------------------------------ */
/* The file identity index                                            */

/* Code A is g_code (make_code(7)); code B is A with the byte before A's
 * first CPUID turned into the opcode of MOV EAX, imm32: the same size, and
 * the first CPUID's 0F A2 now an immediate. Patching it there would break
 * the MOV; the sweep of B finds A's sites but the first. */
static void make_b(uint8_t *b)
{
    make_code(b, 7);
    b[g_code_sites[0] - 1] = 0xb8;
}

typedef struct mapped_run {
    long n;           /* trace_patch_mapped's result */
    uint64_t off[64]; /* the patched sites, relative to the mapping */
    trace_site_source src;
    trace_site_cache_stats st;
} mapped_run;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Maps `file` private and executable in this process (PROT_WRITE too when
 * `writable`; then `poke`, if not NULL, is copied over the mapping and it
 * is made read-only before patching, like text relocations), patches it
 * through /proc/self/mem with trace_patch_mapped and the cache at dir, and
 * unmaps it. */
static void run_mapped(const char *dir, const char *file, bool writable,
                       const uint8_t *poke, mapped_run *r)
{
    memset(r, 0, sizeof(*r));
    trace_site_cache *c = open_cache(dir, 0);
    int fd = open(file, O_RDONLY);
    int memfd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0 && memfd >= 0);
    int prot = PROT_READ | PROT_EXEC | (writable ? PROT_WRITE : 0);
    uint8_t *m = mmap(NULL, CODE_LEN, prot, MAP_PRIVATE, fd, 0);
    assert_true(m != MAP_FAILED);
    close(fd);
    if (poke) {
        memcpy(m, poke, CODE_LEN);
        assert_int_equal(mprotect(m, CODE_LEN, PROT_READ | PROT_EXEC), 0);
    }
    trace_pset *ps = trace_pset_new();
    ps->p.want = TRACE_SITE_CPUID;
    r->src.cache = c;
    r->src.by_identity = true;
    r->n = trace_patch_mapped(getpid(), memfd, (uint64_t)(uintptr_t)m, CODE_LEN,
                              &ps->p, &r->src);
    assert_true(ps->p.n <= 64);
    for (size_t i = 0; i < ps->p.n; i++) {
        r->off[i] = ps->p.addr[i] - (uint64_t)(uintptr_t)m;
        /* patched in memory, not in the file */
        assert_int_equal(m[r->off[i]], 0x0f);
        assert_int_equal(m[r->off[i] + 1], 0x0b);
    }
    qsort(r->off, ps->p.n, sizeof(r->off[0]), cmp_u64);
    trace_site_cache_stats_get(c, &r->st);
    trace_pset_unref(ps);
    munmap(m, CODE_LEN);
    close(memfd);
    trace_site_cache_close(c);
}

static bool read_code_at(void *ctx, uint64_t off, void *buf, size_t n)
{
    memcpy(buf, (const uint8_t *)ctx + off, n);
    return true;
}

static void expect_a(const mapped_run *r)
{
    assert_int_equal(r->n, (long)g_code_nsites);
    assert_memory_equal(r->off, g_code_sites, g_code_nsites * 8);
}

static void expect_b(const mapped_run *r)
{
    assert_int_equal(r->n, (long)g_code_nsites - 1);
    assert_memory_equal(r->off, g_code_sites + 1, (g_code_nsites - 1) * 8);
}

/* The one index entry ("i..." file) in dir. */
static void index_path(const char *dir, char *buf, size_t n)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int found = 0;
    while ((e = readdir(d)))
        if (e->d_name[0] == 'i') {
            snprintf(buf, n, "%s/%s", dir, e->d_name);
            found++;
        }
    closedir(d);
    assert_int_equal(found, 1);
}

/* A file with code A, recorded once (decoded and indexed), then found by
 * identity. */
static void index_a(const char *name, char *dir, char *file, size_t n,
                    mapped_run *r)
{
    cache_dir_in(dir, n, name);
    snprintf(file, n, "%s/code", dir);
    strcat(dir, "/cache");
    mkdir(dir, 0700);
    make_code(g_code, 7);
    spew(file, g_code, CODE_LEN);
    run_mapped(dir, file, false, NULL, r);
    expect_a(r);
    assert_int_equal(r->src.regions[TRACE_SITES_DECODED], 1);
    assert_int_equal(r->src.by_file_id, 0);
    assert_int_equal(r->st.id_stores, 1);
}

static void test_index_second_mapping_reads_nothing(void **state)
{
    (void)state;
    char dir[200], file[200];
    mapped_run r;
    index_a("index-hit", dir, file, sizeof(dir), &r);
    run_mapped(dir, file, false, NULL, &r);
    expect_a(&r);
    assert_int_equal(r.src.by_file_id, 1);
    assert_int_equal(r.src.regions[TRACE_SITES_CACHED], 1);
    assert_int_equal(r.src.regions[TRACE_SITES_DECODED], 0);
    assert_int_equal(r.st.id_hits, 1);
    /* the content entry was not even looked up: nothing was hashed */
    assert_int_equal(r.st.hits + r.st.misses, 0);
}

/* B written over A in place, same size, mtime set back (touch -d): the
 * ctime moved, so the entry is another identity's. */
static void test_index_stale_file_with_old_mtime_is_a_miss(void **state)
{
    (void)state;
    char dir[200], file[200];
    mapped_run r;
    index_a("index-stale", dir, file, sizeof(dir), &r);
    struct stat before;
    assert_int_equal(stat(file, &before), 0);
    uint8_t *b = malloc(CODE_LEN);
    make_b(b);
    int fd = open(file, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, b, CODE_LEN, 0), (ssize_t)CODE_LEN);
    struct timespec ts[2] = {before.st_atim, before.st_mtim};
    assert_int_equal(futimens(fd, ts), 0);
    close(fd);
    struct stat after;
    assert_int_equal(stat(file, &after), 0);
    assert_int_equal(after.st_ino, before.st_ino);
    assert_int_equal(after.st_size, before.st_size);
    assert_memory_equal(&after.st_mtim, &before.st_mtim, sizeof(after.st_mtim));
    run_mapped(dir, file, false, NULL, &r);
    expect_b(&r);
    assert_int_equal(r.src.by_file_id, 0);
    assert_int_equal(r.src.regions[TRACE_SITES_DECODED], 1);
    free(b);
}

/* Where the identity repeats with other bytes (a file system image mounted
 * again, a clock set back), the sample of the bytes in memory refuses the
 * entry: here a forged identity equal to the stored one. */
static void test_index_same_identity_other_bytes_is_a_miss(void **state)
{
    (void)state;
    char dir[128];
    cache_dir_in(dir, sizeof(dir), "index-sample");
    trace_site_cache *c = open_cache(dir, 0);
    make_code(g_code, 7);
    uint8_t *b = malloc(CODE_LEN);
    make_b(b);
    trace_file_id id = {.dev = 1, .ino = 2, .size = CODE_LEN, .len = CODE_LEN};
    trace_sites s;
    trace_sites_init(&s);
    assert_true(trace_sites_set(&s, g_code_sites, NULL, g_code_nsites));
    rrt_blob_id key, k2;
    trace_code_key(g_code, CODE_LEN, &key);
    assert_true(trace_site_index_store(c, &id, g_code, true, &key, &s));
    /* the bytes it was made from: a hit */
    bool pairs = false;
    assert_true(
        trace_site_index_lookup(c, &id, read_code_at, g_code, &pairs, &k2, &s));
    assert_true(pairs);
    expect_code_sites(&s);
    assert_memory_equal(&k2, &key, sizeof(key));
    /* B under the same identity: a miss, and the entry is gone */
    assert_false(
        trace_site_index_lookup(c, &id, read_code_at, b, &pairs, &k2, &s));
    assert_int_equal(s.n, 0);
    assert_false(
        trace_site_index_lookup(c, &id, read_code_at, g_code, &pairs, &k2, &s));
    trace_site_cache_stats st;
    trace_site_cache_stats_get(c, &st);
    assert_int_equal(st.id_hits, 1);
    assert_int_equal(st.id_rejected, 1);
    trace_sites_free(&s);
    trace_site_cache_close(c);
    free(b);
}

/* Index entries truncated, with a flipped bit, or with a correct checksum
 * and sites moved to 0F A2 inside an immediate or to bytes that are not
 * 0F A2: each a miss, and the sites patched are the sweep's. */
static void test_index_damaged_or_forged_entry_is_a_miss(void **state)
{
    (void)state;
    char dir[200], file[200], ipath[512];
    mapped_run r;
    index_a("index-damaged", dir, file, sizeof(dir), &r);
    index_path(dir, ipath, sizeof(ipath));
    size_t size = 0;
    uint8_t *good = slurp(ipath, &size);
    assert_non_null(good);
    assert_int_equal(size, 136 + 9 * g_code_nsites);
    /* the offset of a 0F A2 inside a MOV immediate */
    uint64_t in_mov = 0;
    for (uint64_t i = 1; i + 1 < CODE_LEN && !in_mov; i++)
        if (g_code[i - 1] == 0xb8 && g_code[i] == 0x0f && g_code[i + 1] == 0xa2)
            in_mov = i;
    assert_true(in_mov != 0);
    uint8_t *bad = malloc(size);
    for (int how = 0; how < 5; how++) {
        memcpy(bad, good, size);
        size_t n = size;
        switch (how) {
        case 0:
            n = size / 2;
            break; /* truncated */
        case 1:
            bad[100] ^= 0x10;
            break; /* a bit of the key */
        case 2:
            bad[size - 20] ^= 0x01;
            break; /* a bit of a site */
        case 3:    /* first site moved into a MOV, checksum redone */
        case 4:    /* first site moved to plain NOPs, checksum redone */
            rrti_put_u64(bad + 128, how == 3 ? in_mov : 2);
            rrti_put_u64(bad + size - 8, XXH3_64bits(bad, size - 8));
            break;
        }
        spew(ipath, bad, n);
        run_mapped(dir, file, false, NULL, &r);
        expect_a(&r);
        assert_int_equal(r.src.by_file_id, 0);
        assert_int_equal(r.st.id_rejected, 1);
        /* the full path rewrote a good entry, found next time */
        run_mapped(dir, file, false, NULL, &r);
        expect_a(&r);
        assert_int_equal(r.src.by_file_id, 1);
    }
    free(bad);
    free(good);
}

/* Code written into the mapping before it was made executable is not the
 * file's: a writable executable mapping is not looked up, and a mapping
 * written then mprotect'ed (which the engines never look up, as its
 * sites come from trace_patch_range) is refused by the sample. */
static void test_index_written_mapping_is_not_trusted(void **state)
{
    (void)state;
    char dir[200], file[200];
    mapped_run r;
    index_a("index-written", dir, file, sizeof(dir), &r);
    uint8_t *b = malloc(CODE_LEN);
    make_b(b);
    run_mapped(dir, file, true, NULL, &r); /* rwxp */
    expect_a(&r);
    assert_int_equal(r.src.by_file_id, 0);
    assert_int_equal(r.st.id_hits + r.st.id_misses, 0);
    run_mapped(dir, file, true, b, &r); /* written, then r-xp */
    expect_b(&r);
    assert_int_equal(r.src.by_file_id, 0);
    free(b);
}

/* Every truncation and every bit flip of an index entry is a miss (the
 * checksum, or a field check before it), never other sites. */
static void test_index_entry_every_truncation_and_flip_is_a_miss(void **state)
{
    (void)state;
    char dir[128], ipath[512];
    cache_dir_in(dir, sizeof(dir), "index-sweep");
    trace_site_cache *c = open_cache(dir, 0);
    make_code(g_code, 7);
    trace_file_id id = {.dev = 3, .ino = 4, .size = CODE_LEN, .len = CODE_LEN};
    trace_sites s;
    trace_sites_init(&s);
    assert_true(trace_sites_set(&s, g_code_sites, NULL, g_code_nsites));
    rrt_blob_id key, k2;
    trace_code_key(g_code, CODE_LEN, &key);
    assert_true(trace_site_index_store(c, &id, g_code, true, &key, &s));
    index_path(dir, ipath, sizeof(ipath));
    size_t size = 0;
    uint8_t *good = slurp(ipath, &size), *bad = malloc(size);
    bool pairs;
    for (size_t cut = 0; cut < size; cut++) {
        spew(ipath, good, cut);
        assert_false(trace_site_index_lookup(c, &id, read_code_at, g_code,
                                             &pairs, &k2, &s));
    }
    for (size_t bit = 0; bit < size * 8; bit++) {
        memcpy(bad, good, size);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        spew(ipath, bad, size);
        assert_false(trace_site_index_lookup(c, &id, read_code_at, g_code,
                                             &pairs, &k2, &s));
        assert_int_equal(s.n, 0);
    }
    spew(ipath, good, size);
    assert_true(
        trace_site_index_lookup(c, &id, read_code_at, g_code, &pairs, &k2, &s));
    expect_code_sites(&s);
    free(bad);
    free(good);
    trace_sites_free(&s);
    trace_site_cache_close(c);
}

static int setup(void **state)
{
    (void)state;
    strcpy(g_dir, "/tmp/rrt_sites_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Regions known by the bytes replay wrote (trace_patch_known)         */

/* A table with one entry: key, len, sites. */
static rrt_cpuid_sites *table_of(const rrt_blob_id *key, uint64_t len,
                                 const uint64_t *off, size_t n)
{
    rrt_cpuid_sites *w = rrti_cpuid_sites_new();
    assert_int_equal(rrti_cpuid_sites_add(w, key, len, off, n, NULL, NULL),
                     RRT_OK);
    rrt_buf b;
    rrt_buf_init(&b);
    assert_int_equal(rrti_cpuid_sites_take(w, &b), 1);
    rrt_cpuid_sites *t;
    assert_int_equal(rrt_cpuid_sites_decode(b.data, b.len, &t, NULL), RRT_OK);
    rrt_cpuid_sites_free(w);
    rrt_buf_free(&b);
    return t;
}

/* Feeds code[0..len) in uneven pieces (a 0F A2 pair may be split), the
 * last `zeros` bytes as trace_code_stream_zeros. */
static void stream_code(trace_code_stream *cs, const uint8_t *code, size_t len,
                        size_t zeros)
{
    assert_true(trace_code_stream_init(cs));
    size_t at = 0, step = 1;
    while (at < len - zeros) {
        size_t k = len - zeros - at < step ? len - zeros - at : step;
        trace_code_stream_feed(cs, code + at, k);
        at += k;
        step = step * 3 + 1;
    }
    trace_code_stream_zeros(cs, zeros);
}

typedef struct known_run {
    long n;
    trace_site_source src;
    size_t npatched;
    uint64_t off[64];
} known_run;

/* Copies code into a fresh anonymous mapping, patches it through
 * /proc/self/mem with trace_patch_known and the stream cs (freed). */
static void run_known(const uint8_t *code, const rrt_cpuid_sites *table,
                      trace_code_stream *cs, known_run *r)
{
    memset(r, 0, sizeof(*r));
    int memfd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
    assert_true(memfd >= 0);
    uint8_t *m = mmap(NULL, CODE_LEN, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(m != MAP_FAILED);
    memcpy(m, code, CODE_LEN);
    trace_pset *ps = trace_pset_new();
    ps->p.want = TRACE_SITE_CPUID;
    r->src.table = table;
    r->n = trace_patch_known(memfd, (uint64_t)(uintptr_t)m, CODE_LEN, &ps->p,
                             &r->src, cs);
    trace_code_stream_free(cs);
    assert_true(ps->p.n <= 64);
    r->npatched = ps->p.n;
    for (size_t i = 0; i < ps->p.n; i++) {
        r->off[i] = ps->p.addr[i] - (uint64_t)(uintptr_t)m;
        assert_int_equal(m[r->off[i]], 0x0f);
        assert_int_equal(m[r->off[i] + 1], 0x0b);
    }
    qsort(r->off, ps->p.n, sizeof(r->off[0]), cmp_u64);
    trace_pset_unref(ps);
    munmap(m, CODE_LEN);
    close(memfd);
}

static void expect_known_sites(const known_run *r)
{
    assert_int_equal(r->n, (long)g_code_nsites);
    assert_int_equal(r->npatched, g_code_nsites);
    for (size_t i = 0; i < g_code_nsites; i++)
        assert_int_equal(r->off[i], g_code_sites[i]);
}

static void test_known_region_is_patched_without_reading(void **state)
{
    (void)state;
    make_code(g_code, 11);
    memset(g_code + CODE_LEN - 300, 0, 300); /* the zeros after a file */
    rrt_blob_id key, streamed;
    trace_code_key(g_code, CODE_LEN, &key);
    trace_code_stream cs;
    stream_code(&cs, g_code, CODE_LEN, 300);
    assert_true(trace_code_stream_key(&cs, &streamed));
    assert_memory_equal(&streamed, &key, sizeof(key));
    trace_code_stream_free(&cs);

    rrt_cpuid_sites *t = table_of(&key, CODE_LEN, g_code_sites, g_code_nsites);
    known_run r;
    stream_code(&cs, g_code, CODE_LEN, 300);
    run_known(g_code, t, &cs, &r);
    expect_known_sites(&r);
    assert_int_equal(r.src.read, 0);
    assert_int_equal(r.src.by_fill, 1);
    assert_int_equal(r.src.regions[TRACE_SITES_TABLE], 1);

    /* no 0F A2 at all: nothing to patch, nothing read, no entry needed */
    static uint8_t plain[CODE_LEN];
    memset(plain, 0x90, sizeof(plain));
    stream_code(&cs, plain, CODE_LEN, 0);
    run_known(plain, NULL, &cs, &r);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.src.read, 0);
    assert_int_equal(r.src.by_fill, 1);
    /* a pair split between two feeds is seen */
    plain[999] = 0x0f, plain[1000] = 0xa2;
    assert_true(trace_code_stream_init(&cs));
    trace_code_stream_feed(&cs, plain, 1000);
    assert_false(cs.pairs);
    trace_code_stream_feed(&cs, plain + 1000, CODE_LEN - 1000);
    assert_true(cs.pairs);
    trace_code_stream_free(&cs);
    rrt_cpuid_sites_free(t);
}

/* Whatever does not prove the entry describes the bytes in memory takes
 * the full path, which reads the region and decodes it: the sites patched
 * are always the true ones. */
static void test_known_region_doubt_reads_it(void **state)
{
    (void)state;
    make_code(g_code, 12);
    rrt_blob_id key;
    trace_code_key(g_code, CODE_LEN, &key);
    uint64_t moved[64];
    memcpy(moved, g_code_sites, sizeof(moved));
    moved[0] += 1;
    rrt_blob_id other = key;
    other.bytes[0] ^= 1;
    struct {
        const char *what;
        rrt_blob_id key;
        uint64_t len;
        const uint64_t *off;
        int stream; /* 0 whole, 1 given up, 2 one byte short, 3 none */
    } cases[] = {
        {"a site not on 0F A2", key, CODE_LEN, moved, 0},
        {"another region's key", other, CODE_LEN, g_code_sites, 0},
        {"another length", key, CODE_LEN + 2, g_code_sites, 0},
        {"a stream given up", key, CODE_LEN, g_code_sites, 1},
        {"a stream of other length", key, CODE_LEN, g_code_sites, 2},
        {"no stream", key, CODE_LEN, g_code_sites, 3},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rrt_cpuid_sites *t =
            table_of(&cases[i].key, cases[i].len, cases[i].off, g_code_nsites);
        trace_code_stream cs = {0};
        if (cases[i].stream != 3)
            stream_code(&cs, g_code,
                        cases[i].stream == 2 ? CODE_LEN - 1 : CODE_LEN, 0);
        if (cases[i].stream == 1)
            cs.ok = false;
        known_run r;
        print_message("%s\n", cases[i].what);
        run_known(g_code, t, &cs, &r);
        expect_known_sites(&r);
        assert_int_equal(r.src.read, 1);
        assert_int_equal(r.src.by_fill, 0);
        rrt_cpuid_sites_free(t);
    }
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--bench") == 0)
        return bench(argc - 2, argv + 2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_skips_0f_a2_inside_other_instructions),
        cmocka_unit_test(test_find_resyncs_after_an_undecodable_byte),
        cmocka_unit_test(test_find_gives_each_site_its_stub_span),
        cmocka_unit_test(test_find_reports_a_prefixed_cpuid_at_its_opcode),
        cmocka_unit_test(test_prefix_len_finds_the_opcode_of_a_prefixed_site),
        cmocka_unit_test(test_find_without_0f_a2_finds_nothing),
        cmocka_unit_test(test_sites_check_rejects_bad_lists),
        cmocka_unit_test(test_zydis_and_capstone_agree_on_real_code),
        cmocka_unit_test(test_cache_hit_after_store),
        cmocka_unit_test(test_index_second_mapping_reads_nothing),
        cmocka_unit_test(test_index_stale_file_with_old_mtime_is_a_miss),
        cmocka_unit_test(test_index_same_identity_other_bytes_is_a_miss),
        cmocka_unit_test(test_index_damaged_or_forged_entry_is_a_miss),
        cmocka_unit_test(test_index_written_mapping_is_not_trusted),
        cmocka_unit_test(test_index_entry_every_truncation_and_flip_is_a_miss),
        cmocka_unit_test(test_cache_entry_truncated_or_flipped_is_a_miss),
        cmocka_unit_test(test_cache_entry_with_forged_fields_is_a_miss),
        cmocka_unit_test(test_cache_not_owned_by_the_user_is_not_used),
        cmocka_unit_test(test_cache_size_bound_evicts_least_recently_used),
        cmocka_unit_test(test_cache_removes_stale_temporary_files),
        cmocka_unit_test(test_unusable_cache_dir_is_harmless),
        cmocka_unit_test(test_cache_dir_comes_from_the_environment),
        cmocka_unit_test(test_sites_for_uses_a_matching_table_entry),
        cmocka_unit_test(test_known_region_is_patched_without_reading),
        cmocka_unit_test(test_known_region_doubt_reads_it),
        cmocka_unit_test(test_archive_sites_round_trip),
        cmocka_unit_test(test_archive_without_sites_gives_an_empty_table),
        cmocka_unit_test(test_writer_refuses_bad_sites),
        cmocka_unit_test(test_later_section_replaces_a_key),
        cmocka_unit_test(test_sites_payload_truncated_or_flipped),
        cmocka_unit_test(test_recover_keeps_the_sites_written_before_a_crash),
        cmocka_unit_test(test_pack_keeps_the_sites),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
