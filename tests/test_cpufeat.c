/* The CPU feature table, name look-up, masks by name and psABI level, and
 * the host capture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cpuid.h>

#include <rrt/cpufeat.h>
#include <rrt/rrt.h>

/* A manifest with every feature register of the table set to all ones, and
 * leaves 0 / 0x80000000 claiming the highest leaves used. */
static void all_ones(rrt_cpuid_manifest *m)
{
    memset(m, 0, sizeof(*m));
    static const rrt_cpuid_record base[] = {
        {0x0, 0, 0, 0x19, 0, 0, 0},
        {0x1, 0, 0, ~0u, ~0u, ~0u, ~0u},
        {0x7, 0, RRT_CPUID_SUBLEAF_INDEXED, 2, ~0u, ~0u, ~0u},
        {0x7, 1, RRT_CPUID_SUBLEAF_INDEXED, ~0u, ~0u, ~0u, ~0u},
        {0x7, 2, RRT_CPUID_SUBLEAF_INDEXED, ~0u, ~0u, ~0u, ~0u},
        {0xd, 1, RRT_CPUID_SUBLEAF_INDEXED, ~0u, ~0u, ~0u, ~0u},
        {0x14, 0, RRT_CPUID_SUBLEAF_INDEXED, ~0u, ~0u, ~0u, ~0u},
        {0x19, 0, 0, ~0u, ~0u, ~0u, ~0u},
        {0x80000000, 0, 0, 0x80000021, 0, 0, 0},
        {0x80000001, 0, 0, ~0u, ~0u, ~0u, ~0u},
        {0x80000007, 0, 0, ~0u, ~0u, ~0u, ~0u},
        {0x80000008, 0, 0, ~0u, ~0u, ~0u, ~0u},
        {0x80000021, 0, 0, ~0u, ~0u, ~0u, ~0u},
    };
    m->records = malloc(sizeof(base));
    assert_non_null(m->records);
    memcpy(m->records, base, sizeof(base));
    m->n_records = sizeof(base) / sizeof(base[0]);
    memcpy(m->vendor, "GenuineIntel", 13);
    assert_int_equal(rrt_cpuid_manifest_normalize(m, NULL), RRT_OK);
}

static bool has(const rrt_cpuid_manifest *m, const char *name)
{
    const rrt_cpu_feature *f = rrt_cpu_feature_find(name);
    assert_non_null(f);
    return rrt_cpu_feature_present(m, f);
}

static void test_feature_table_is_sorted_unique_and_well_formed(void **state)
{
    (void)state;
    size_t n = rrt_cpu_feature_count();
    assert_true(n > 200);
    for (size_t i = 0; i < n; i++) {
        const rrt_cpu_feature *f = rrt_cpu_feature_at(i);
        assert_true(f->reg < 4);
        assert_true(f->bit < 32);
        assert_true(f->level <= 4);
        if (!rrt_cpuid_leaf_is_indexed(f->leaf))
            assert_int_equal(f->subleaf, 0);
        if (f->level)
            assert_true(f->flags & RRT_FEAT_USER);
        assert_ptr_equal(rrt_cpu_feature_find(f->name), f);
        if (i == 0)
            continue;
        const rrt_cpu_feature *p = rrt_cpu_feature_at(i - 1);
        uint64_t a = (uint64_t)p->leaf << 32 | (uint64_t)p->subleaf << 8 |
                     (uint64_t)p->reg << 5 | p->bit;
        uint64_t b = (uint64_t)f->leaf << 32 | (uint64_t)f->subleaf << 8 |
                     (uint64_t)f->reg << 5 | f->bit;
        if (a >= b)
            fail_msg("table out of order at %s after %s", f->name, p->name);
    }
    assert_null(rrt_cpu_feature_at(n));
}

static void test_feature_find_maps_linux_names_to_bits(void **state)
{
    (void)state;
    const rrt_cpu_feature *f = rrt_cpu_feature_find("avx512f");
    assert_non_null(f);
    assert_int_equal(f->leaf, 7);
    assert_int_equal(f->subleaf, 0);
    assert_int_equal(f->reg, RRT_REG_EBX);
    assert_int_equal(f->bit, 16);
    assert_int_equal(f->level, 4);
    f = rrt_cpu_feature_find("pni"); /* Linux's name for SSE3 */
    assert_int_equal(f->leaf, 1);
    assert_int_equal(f->reg, RRT_REG_ECX);
    assert_int_equal(f->bit, 0);
    f = rrt_cpu_feature_find("abm"); /* LZCNT */
    assert_int_equal(f->leaf, 0x80000001u);
    assert_int_equal(f->bit, 5);
    f = rrt_cpu_feature_find("avx512_bf16");
    assert_int_equal(f->leaf, 7);
    assert_int_equal(f->subleaf, 1);
    assert_int_equal(f->reg, RRT_REG_EAX);
    f = rrt_cpu_feature_find("xsaves");
    assert_int_equal(f->leaf, 0xd);
    assert_int_equal(f->subleaf, 1);
    assert_false(f->flags & RRT_FEAT_USER);
    assert_null(rrt_cpu_feature_find("AVX512F"));
    assert_null(rrt_cpu_feature_find("sse3"));
    assert_null(rrt_cpu_feature_find(""));
    assert_string_equal(rrt_cpuid_reg_name(RRT_REG_EDX), "edx");
    assert_string_equal(rrt_cpuid_reg_name(9), "?");
}

static void test_feature_present_applies_record_masks(void **state)
{
    (void)state;
    rrt_cpuid_manifest m;
    all_ones(&m);
    assert_true(has(&m, "avx512f"));
    m.masks = calloc(1, sizeof(*m.masks));
    m.masks[0] = (rrt_cpuid_mask){
        7, 0, RRT_CPUID_SUBLEAF_INDEXED, ~0u, ~(1u << 16), ~0u, ~0u};
    m.n_masks = 1;
    m.flags |= RRT_CPUID_MASKED;
    assert_false(has(&m, "avx512f"));
    assert_true(has(&m, "avx512dq"));
    assert_true(has(&m, "avx_vnni")); /* subleaf 1 is not masked */
    rrt_cpuid_manifest_clear(&m);
}

static void test_features_list_counts_beyond_capacity(void **state)
{
    (void)state;
    rrt_cpuid_manifest m;
    all_ones(&m);
    const rrt_cpu_feature *v[4];
    size_t n = rrt_cpu_features_list(&m, v, 4);
    assert_int_equal(n, rrt_cpu_feature_count());
    assert_ptr_equal(v[0], rrt_cpu_feature_at(0));
    assert_int_equal(rrt_cpu_features_list(&m, NULL, 0), n);
    rrt_cpuid_manifest_clear(&m);
}

static void test_mask_features_hides_named_features_only(void **state)
{
    (void)state;
    rrt_cpuid_manifest m;
    all_ones(&m);
    assert_int_equal(
        rrt_cpuid_mask_features(&m, " avx512f,amx_tile  lm,", NULL), RRT_OK);
    assert_true(m.flags & RRT_CPUID_MASKED);
    assert_false(has(&m, "avx512f"));
    assert_false(has(&m, "amx_tile"));
    assert_false(has(&m, "lm"));
    assert_true(has(&m, "avx512dq"));
    assert_true(has(&m, "amx_int8"));
    assert_true(has(&m, "syscall"));
    assert_int_equal(m.n_masks, 2); /* leaf 7.0 and leaf 0x80000001 */
    assert_int_equal(m.masks[0].leaf, 7);
    assert_int_equal(m.masks[0].flags, RRT_CPUID_SUBLEAF_INDEXED);
    assert_int_equal(m.masks[1].leaf, 0x80000001u);
    assert_int_equal(m.masks[1].flags, 0);
    /* Masks compose: a second call ANDs into the same records. */
    assert_int_equal(
        rrt_cpuid_mask_feature(&m, rrt_cpu_feature_find("avx512dq"), NULL),
        RRT_OK);
    assert_false(has(&m, "avx512dq"));
    assert_false(has(&m, "avx512f"));
    assert_int_equal(m.n_masks, 2);
    rrt_cpuid_manifest_clear(&m);
}

static void test_mask_features_rejects_unknown_name_unchanged(void **state)
{
    (void)state;
    rrt_cpuid_manifest m;
    all_ones(&m);
    rrt_error err;
    rrt_error_clear(&err);
    assert_int_equal(rrt_cpuid_mask_features(&m, "avx2,avx9000", &err),
                     RRT_E_INVALID);
    assert_non_null(strstr(err.message, "'avx9000'"));
    assert_int_equal(m.n_masks, 0);
    assert_true(has(&m, "avx2"));
    assert_int_equal(rrt_cpuid_mask_features(&m, NULL, &err), RRT_E_INVALID);
    rrt_cpuid_manifest_clear(&m);
}

static void test_mask_level_v3_keeps_v3_and_system_features(void **state)
{
    (void)state;
    rrt_cpuid_manifest m;
    all_ones(&m);
    assert_int_equal(rrt_cpuid_level_of(&m), 4);
    assert_int_equal(rrt_cpuid_mask_level(&m, 3, NULL), RRT_OK);
    assert_int_equal(rrt_cpuid_level_of(&m), 3);
    static const char *const kept[] = {
        "avx2",    "fma",    "bmi2",       "movbe",   "abm",
        "osxsave", "sse4_2", "cx16",       "lahf_lm", "sse2",
        "lm",      "x2apic", "hypervisor", "erms",    "xsaves"};
    static const char *const hidden[] = {
        "avx512f",  "avx512vl", "aes",    "rdrand", "sha_ni", "amx_tile",
        "avx_vnni", "xsavec",   "rdtscp", "sse4a",  "clzero"};
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        if (!has(&m, kept[i]))
            fail_msg("x86-64-v3 mask hid %s", kept[i]);
    for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
        if (has(&m, hidden[i]))
            fail_msg("x86-64-v3 mask kept %s", hidden[i]);
    assert_int_equal(rrt_cpuid_mask_level(&m, 2, NULL), RRT_OK);
    assert_int_equal(rrt_cpuid_level_of(&m), 2);
    assert_false(has(&m, "avx2"));
    assert_true(has(&m, "popcnt"));
    assert_int_equal(rrt_cpuid_mask_level(&m, 5, NULL), RRT_E_INVALID);
    rrt_cpuid_manifest_clear(&m);
}

static void test_level_names_parse(void **state)
{
    (void)state;
    unsigned level = 0;
    assert_true(rrt_cpuid_level_parse("x86-64", &level));
    assert_int_equal(level, 1);
    assert_true(rrt_cpuid_level_parse("x86-64-v1", &level));
    assert_int_equal(level, 1);
    assert_true(rrt_cpuid_level_parse("x86-64-v4", &level));
    assert_int_equal(level, 4);
    assert_false(rrt_cpuid_level_parse("x86-64-v5", &level));
    assert_false(rrt_cpuid_level_parse("v3", &level));
    assert_false(rrt_cpuid_level_parse(NULL, &level));
}

static void test_capture_host_is_normalized_and_complete(void **state)
{
    (void)state;
    rrt_cpuid_manifest m;
    assert_int_equal(rrt_cpuid_capture_host(&m, NULL), RRT_OK);
    assert_int_equal(strlen(m.vendor), 12);
    const rrt_cpuid_record *l0 = rrt_cpuid_manifest_find(&m, 0, 0);
    assert_non_null(l0);
    unsigned a, b, c, d;
    __cpuid(0, a, b, c, d);
    assert_int_equal(l0->eax, a);
    for (size_t i = 1; i < m.n_records; i++) {
        const rrt_cpuid_record *p = &m.records[i - 1], *r = &m.records[i];
        assert_true(p->leaf < r->leaf ||
                    (p->leaf == r->leaf && p->subleaf < r->subleaf));
    }
    for (size_t i = 0; i < m.n_records; i++) {
        bool indexed = rrt_cpuid_leaf_is_indexed(m.records[i].leaf);
        assert_int_equal(m.records[i].flags,
                         indexed ? RRT_CPUID_SUBLEAF_INDEXED : 0);
        if (m.records[i].leaf < 0x80000000u)
            assert_true(m.records[i].leaf <= a);
    }
    if (a >= 7)
        assert_non_null(rrt_cpuid_manifest_find(&m, 7, 0));
    __cpuid(1, a, b, c, d);
    if (c & (1u << 27)) { /* OSXSAVE: x87 and SSE state are always on */
        assert_int_equal(m.xcr0 & 3, 3);
        assert_non_null(rrt_cpuid_manifest_find(&m, 0xd, 1));
    }
    assert_true(rrt_cpuid_level_of(&m) >= 1);
    rrt_cpuid_manifest_clear(&m);
}

/* Every table feature Linux shows in /proc/cpuinfo must be set in the
 * captured CPUID: checks names and bit positions against the kernel. */
static void test_capture_agrees_with_proc_cpuinfo(void **state)
{
    (void)state;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        skip();
    char *line = NULL;
    size_t cap = 0;
    char *flags = NULL;
    while (getline(&line, &cap, f) > 0)
        if (strncmp(line, "flags", 5) == 0) {
            flags = strdup(strchr(line, ':') ? strchr(line, ':') + 1 : "");
            break;
        }
    free(line);
    fclose(f);
    if (!flags)
        skip();
    rrt_cpuid_manifest m;
    assert_int_equal(rrt_cpuid_capture_host(&m, NULL), RRT_OK);
    size_t checked = 0;
    for (char *tok = strtok(flags, " \n"); tok; tok = strtok(NULL, " \n")) {
        const rrt_cpu_feature *feat = rrt_cpu_feature_find(tok);
        /* nonstop_tsc is also set by the kernel from CPU model quirks. */
        if (!feat || strcmp(tok, "nonstop_tsc") == 0)
            continue;
        checked++;
        if (!rrt_cpu_feature_present(&m, feat))
            fail_msg("/proc/cpuinfo has %s but CPUID 0x%x.%u %s bit %u is "
                     "clear",
                     tok, feat->leaf, feat->subleaf,
                     rrt_cpuid_reg_name(feat->reg), feat->bit);
    }
    assert_true(checked > 20);
    free(flags);
    rrt_cpuid_manifest_clear(&m);
}

static void test_faulting_probe_leaves_cpuid_enabled(void **state)
{
    (void)state;
    bool has_faulting = rrt_cpuid_host_has_faulting();
    unsigned a, b, c, d;
    __cpuid(0, a, b, c, d); /* would SIGSEGV if the probe left it off */
    assert_true(a > 0);
    assert_int_equal(rrt_cpuid_host_has_faulting(), has_faulting);
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[4096];
    bool kernel_says = false;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "flags", 5) == 0) {
            kernel_says = strstr(line, " cpuid_fault") != NULL;
            break;
        }
    fclose(f);
    if (kernel_says && !has_faulting)
        fail_msg("/proc/cpuinfo lists cpuid_fault but the probe failed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feature_table_is_sorted_unique_and_well_formed),
        cmocka_unit_test(test_feature_find_maps_linux_names_to_bits),
        cmocka_unit_test(test_feature_present_applies_record_masks),
        cmocka_unit_test(test_features_list_counts_beyond_capacity),
        cmocka_unit_test(test_mask_features_hides_named_features_only),
        cmocka_unit_test(test_mask_features_rejects_unknown_name_unchanged),
        cmocka_unit_test(test_mask_level_v3_keeps_v3_and_system_features),
        cmocka_unit_test(test_level_names_parse),
        cmocka_unit_test(test_capture_host_is_normalized_and_complete),
        cmocka_unit_test(test_capture_agrees_with_proc_cpuinfo),
        cmocka_unit_test(test_faulting_probe_leaves_cpuid_enabled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
