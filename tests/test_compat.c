/* Replay compatibility rules: each rule failing alone on synthetic
 * manifests, then real CPU descriptions from tests/data/cpus. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rrt/compat.h>

#include "hostfile.h"

#ifndef RRT_TEST_DATA
#error "RRT_TEST_DATA must name tests/data"
#endif

/* A small Haswell-like CPU: SSE..AVX2, XCR0 = x87|SSE|AVX. */
static const rrt_cpuid_record base_records[] = {
    {0x0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69},
    {0x1, 0, 0, 0x000306c3, 0x00100800, 0x7ffafbff, 0xbfebfbff},
    {0x4, 0, RRT_CPUID_SUBLEAF_INDEXED, 0x1c004121, 0x01c0003f, 0x3f, 0},
    {0x4, 1, RRT_CPUID_SUBLEAF_INDEXED, 0, 0, 0, 0},
    {0x7, 0, RRT_CPUID_SUBLEAF_INDEXED, 0, 0x000027ab, 0, 0},
    {0xb, 0, RRT_CPUID_SUBLEAF_INDEXED, 1, 2, 0x100, 0},
    {0xb, 1, RRT_CPUID_SUBLEAF_INDEXED, 0, 0, 0x1, 0},
    {0xd, 0, RRT_CPUID_SUBLEAF_INDEXED, 0x7, 0x340, 0x340, 0},
    {0xd, 1, RRT_CPUID_SUBLEAF_INDEXED, 0x1, 0, 0, 0},
    {0xd, 2, RRT_CPUID_SUBLEAF_INDEXED, 0x100, 0x240, 0, 0},
    {0x80000000, 0, 0, 0x80000001, 0, 0, 0},
    {0x80000001, 0, 0, 0, 0, 0x21, 0x2c100800},
};

static void make(rrt_cpuid_manifest *m)
{
    memset(m, 0, sizeof(*m));
    m->records = malloc(sizeof(base_records));
    assert_non_null(m->records);
    memcpy(m->records, base_records, sizeof(base_records));
    m->n_records = sizeof(base_records) / sizeof(base_records[0]);
    memcpy(m->vendor, "GenuineIntel", 13);
    m->xcr0 = 0x7;
}

static rrt_cpuid_record *rec(rrt_cpuid_manifest *m, uint32_t leaf, uint32_t sub)
{
    for (size_t i = 0; i < m->n_records; i++)
        if (m->records[i].leaf == leaf && m->records[i].subleaf == sub)
            return &m->records[i];
    fail_msg("no record 0x%x.%u", leaf, sub);
    return NULL;
}

static void add_record(rrt_cpuid_manifest *m, rrt_cpuid_record r)
{
    m->records = realloc(m->records, (m->n_records + 1) * sizeof(*m->records));
    assert_non_null(m->records);
    m->records[m->n_records++] = r;
    assert_int_equal(rrt_cpuid_manifest_normalize(m, NULL), RRT_OK);
}

static void clear_bit(rrt_cpuid_manifest *m, const char *name)
{
    const rrt_cpu_feature *f = rrt_cpu_feature_find(name);
    assert_non_null(f);
    rrt_cpuid_record *r = rec(m, f->leaf, f->subleaf);
    uint32_t *regs[4] = {&r->eax, &r->ebx, &r->ecx, &r->edx};
    *regs[f->reg] &= ~(1u << f->bit);
}

static void set_bit(rrt_cpuid_manifest *m, const char *name)
{
    const rrt_cpu_feature *f = rrt_cpu_feature_find(name);
    assert_non_null(f);
    rrt_cpuid_record *r = rec(m, f->leaf, f->subleaf);
    uint32_t *regs[4] = {&r->eax, &r->ebx, &r->ecx, &r->edx};
    *regs[f->reg] |= 1u << f->bit;
}

/* The recording host also had protection keys, so its program could use
 * PKRU state (component 9). */
static void enable_pkru(rrt_cpuid_manifest *m)
{
    set_bit(m, "pku");
    set_bit(m, "ospke");
    m->xcr0 |= 0x200;
}

static bool listed(const rrt_cpu_feature **v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i]->name, name) == 0)
            return true;
    return false;
}

static void check(const rrt_cpuid_manifest *r, const rrt_cpuid_manifest *h,
                  rrt_compat *c)
{
    assert_int_equal(rrt_compat_check(r, h, c, NULL), RRT_OK);
}

typedef struct pair {
    rrt_cpuid_manifest rec, host;
    rrt_compat c;
} pair;

static int pair_setup(void **state)
{
    pair *p = calloc(1, sizeof(*p));
    if (!p)
        return -1;
    make(&p->rec);
    make(&p->host);
    *state = p;
    return 0;
}

static int pair_teardown(void **state)
{
    pair *p = *state;
    rrt_cpuid_manifest_clear(&p->rec);
    rrt_cpuid_manifest_clear(&p->host);
    rrt_compat_clear(&p->c);
    free(p);
    return 0;
}

static void test_identical_cpus_are_compatible(void **state)
{
    pair *p = *state;
    check(&p->rec, &p->host, &p->c);
    assert_true(p->c.compatible);
    assert_int_equal(p->c.n_missing + p->c.n_not_needed +
                         p->c.n_system_missing + p->c.n_layout,
                     0);
    assert_false(p->c.vendor_differs || p->c.signature_differs ||
                 p->c.cache_differs || p->c.topology_differs);
}

static void test_missing_user_feature_blocks(void **state)
{
    pair *p = *state;
    clear_bit(&p->host, "avx2");
    clear_bit(&p->host, "abm");
    check(&p->rec, &p->host, &p->c);
    assert_false(p->c.compatible);
    assert_int_equal(p->c.n_missing, 2);
    assert_string_equal(p->c.missing[0]->name, "avx2"); /* table order */
    assert_string_equal(p->c.missing[1]->name, "abm");
    assert_int_equal(p->c.xcr0_missing, 0);
}

static void test_extra_host_features_do_not_matter(void **state)
{
    pair *p = *state;
    clear_bit(&p->rec, "avx2");
    clear_bit(&p->rec, "vmx");
    check(&p->rec, &p->host, &p->c);
    assert_true(p->c.compatible);
}

static void test_feature_hidden_by_record_mask_is_not_required(void **state)
{
    pair *p = *state;
    clear_bit(&p->host, "avx2");
    assert_int_equal(rrt_cpuid_mask_features(&p->rec, "avx2", NULL), RRT_OK);
    check(&p->rec, &p->host, &p->c);
    assert_true(p->c.compatible);
    assert_int_equal(p->c.n_missing, 0);
}

static void test_feature_of_leaf_above_host_maximum_is_missing(void **state)
{
    pair *p = *state;
    /* An older host: maximum basic leaf 6, so no leaf 7 record. */
    rec(&p->host, 0, 0)->eax = 6;
    rrt_cpuid_record *r7 = rec(&p->host, 7, 0);
    size_t tail = (size_t)(p->host.records + p->host.n_records - (r7 + 1));
    memmove(r7, r7 + 1, tail * sizeof(*r7));
    p->host.n_records--;
    check(&p->rec, &p->host, &p->c);
    assert_false(p->c.compatible);
    assert_true(listed(p->c.missing, p->c.n_missing, "avx2"));
    assert_true(listed(p->c.missing, p->c.n_missing, "bmi2"));
}

static void test_feature_in_unqueried_leaf_is_not_needed(void **state)
{
    pair *p = *state;
    clear_bit(&p->host, "avx2");
    p->rec.flags |= RRT_CPUID_QUERIED_KNOWN;
    p->rec.queried = calloc(2, sizeof(*p->rec.queried));
    p->rec.queried[0] = (rrt_cpuid_leaf){0, 0};
    p->rec.queried[1] = (rrt_cpuid_leaf){7, 1}; /* another subleaf of 7 */
    p->rec.n_queried = 2;
    check(&p->rec, &p->host, &p->c);
    assert_true(p->c.compatible);
    assert_int_equal(p->c.n_missing, 0);
    assert_int_equal(p->c.n_not_needed, 1);
    assert_string_equal(p->c.not_needed[0]->name, "avx2");
}

static void test_feature_in_queried_leaf_blocks(void **state)
{
    pair *p = *state;
    clear_bit(&p->host, "avx2");
    p->rec.flags |= RRT_CPUID_QUERIED_KNOWN;
    p->rec.queried = calloc(1, sizeof(*p->rec.queried));
    p->rec.queried[0] = (rrt_cpuid_leaf){7, 0};
    p->rec.n_queried = 1;
    check(&p->rec, &p->host, &p->c);
    assert_false(p->c.compatible);
    assert_int_equal(p->c.n_missing, 1);
    assert_int_equal(p->c.n_not_needed, 0);
}

static void test_queried_list_ignored_unless_known(void **state)
{
    pair *p = *state;
    clear_bit(&p->host, "avx2");
    p->rec.queried = calloc(1, sizeof(*p->rec.queried));
    p->rec.queried[0] = (rrt_cpuid_leaf){0, 0};
    p->rec.n_queried = 1; /* no RRT_CPUID_QUERIED_KNOWN */
    check(&p->rec, &p->host, &p->c);
    assert_false(p->c.compatible);
}

static void test_missing_system_feature_is_information(void **state)
{
    pair *p = *state;
    clear_bit(&p->host, "vmx");
    clear_bit(&p->host, "erms");
    check(&p->rec, &p->host, &p->c);
    assert_true(p->c.compatible);
    assert_int_equal(p->c.n_system_missing, 2);
    assert_string_equal(p->c.system_missing[0]->name, "vmx");
    assert_string_equal(p->c.system_missing[1]->name, "erms");
}

static void test_xcr0_component_missing_on_host_blocks(void **state)
{
    pair *p = *state;
    enable_pkru(&p->rec);
    set_bit(&p->host, "pku");
    set_bit(&p->host, "ospke"); /* but the host's OS left PKRU off */
    check(&p->rec, &p->host, &p->c);
    assert_false(p->c.compatible);
    assert_int_equal(p->c.n_missing, 0);
    assert_int_equal(p->c.xcr0_missing, 0x200);
    assert_int_equal(p->c.xcr0_missing_unused, 0);
}

static void test_xsave_layout_difference_blocks(void **state)
{
    pair *p = *state;
    enable_pkru(&p->rec);
    enable_pkru(&p->host);
    add_record(&p->rec, (rrt_cpuid_record){0xd, 9, RRT_CPUID_SUBLEAF_INDEXED, 8,
                                           0xa80, 0, 0});
    add_record(&p->host, (rrt_cpuid_record){0xd, 9, RRT_CPUID_SUBLEAF_INDEXED,
                                            8, 0x980, 0, 0});
    check(&p->rec, &p->host, &p->c);
    assert_false(p->c.compatible);
    assert_int_equal(p->c.xcr0_missing, 0);
    assert_int_equal(p->c.n_layout, 1);
    assert_int_equal(p->c.layout[0].component, 9);
    assert_int_equal(p->c.layout[0].rec_offset, 0xa80);
    assert_int_equal(p->c.layout[0].host_offset, 0x980);
    assert_int_equal(p->c.layout[0].host_size, 8);
}

static void test_undescribed_xsave_layout_is_information(void **state)
{
    pair *p = *state;
    rrt_cpuid_record *r = rec(&p->host, 0xd, 2);
    r->subleaf = 3; /* host description lacks subleaf 2 */
    r->eax = 0;
    assert_int_equal(rrt_cpuid_manifest_normalize(&p->host, NULL), RRT_OK);
    check(&p->rec, &p->host, &p->c);
    assert_true(p->c.compatible);
    assert_int_equal(p->c.layout_unknown, 0x4);
}

static void test_vendor_model_cache_topology_are_information(void **state)
{
    pair *p = *state;
    memcpy(p->host.vendor, "AuthenticAMD", 13);
    rec(&p->host, 1, 0)->eax = 0x00a10f11;
    rec(&p->host, 4, 0)->ecx = 0x7f;
    rec(&p->host, 0xb, 0)->ebx = 16;
    check(&p->rec, &p->host, &p->c);
    assert_true(p->c.compatible);
    assert_true(p->c.vendor_differs);
    assert_true(p->c.signature_differs);
    assert_true(p->c.cache_differs);
    assert_true(p->c.topology_differs);
}

static void test_topology_ignores_x2apic_id(void **state)
{
    pair *p = *state;
    rec(&p->host, 0xb, 0)->edx = 3;
    rec(&p->host, 0xb, 1)->edx = 3;
    check(&p->rec, &p->host, &p->c);
    assert_false(p->c.topology_differs);
}

static void test_signature_decodes_extended_family_and_model(void **state)
{
    pair *p = *state;
    unsigned fam, model, step;
    assert_true(rrt_cpu_signature(&p->rec, &fam, &model, &step));
    assert_int_equal(fam, 6);
    assert_int_equal(model, 0x3c);
    assert_int_equal(step, 3);
    rec(&p->rec, 1, 0)->eax = 0x00a10f11;
    assert_true(rrt_cpu_signature(&p->rec, &fam, &model, &step));
    assert_int_equal(fam, 0x19);
    assert_int_equal(model, 0x11);
    assert_int_equal(step, 1);
}

static void test_leaf_queried_honours_subleaf_of_indexed_leaves(void **state)
{
    pair *p = *state;
    assert_true(rrt_cpuid_leaf_queried(&p->rec, 7, 0)); /* list unknown */
    p->rec.flags |= RRT_CPUID_QUERIED_KNOWN;
    p->rec.queried = calloc(2, sizeof(*p->rec.queried));
    assert_non_null(p->rec.queried);
    p->rec.queried[0] = (rrt_cpuid_leaf){1, 0};
    p->rec.queried[1] = (rrt_cpuid_leaf){7, 1};
    p->rec.n_queried = 2;
    assert_true(rrt_cpuid_leaf_queried(&p->rec, 1, 0));
    assert_true(rrt_cpuid_leaf_queried(&p->rec, 7, 1));
    assert_false(rrt_cpuid_leaf_queried(&p->rec, 7, 0));
    assert_false(rrt_cpuid_leaf_queried(&p->rec, 0xd, 0));
}

static char *format_of(const rrt_compat *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    rrt_compat_format(c, f);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void test_format_groups_missing_features_by_register(void **state)
{
    pair *p = *state;
    clear_bit(&p->host, "avx2");
    clear_bit(&p->host, "bmi2");
    clear_bit(&p->host, "abm");
    enable_pkru(&p->rec);
    check(&p->rec, &p->host, &p->c);
    char *text = format_of(&p->c);
    assert_string_equal(text,
                        "  missing CPU features the recording may use (5):\n"
                        "    CPUID 0x7.0 EBX: avx2 bmi2\n"
                        "    CPUID 0x7.0 ECX: pku ospke\n"
                        "    CPUID 0x80000001 ECX: abm\n"
                        "  XSAVE state components not enabled on the host: "
                        "pkru\n"
                        "    (XCR0 0x207 recorded, 0x7 on the host)\n");
    free(text);
}

static void test_format_names_xsave_layout_differences(void **state)
{
    pair *p = *state;
    enable_pkru(&p->rec);
    enable_pkru(&p->host);
    add_record(&p->rec, (rrt_cpuid_record){0xd, 9, RRT_CPUID_SUBLEAF_INDEXED, 8,
                                           0xa80, 0, 0});
    add_record(&p->host, (rrt_cpuid_record){0xd, 9, RRT_CPUID_SUBLEAF_INDEXED,
                                            8, 0x980, 0, 0});
    check(&p->rec, &p->host, &p->c);
    char *text = format_of(&p->c);
    assert_string_equal(text, "  XSAVE component 9 (pkru) differs: size 8 "
                              "offset 2688 recorded, size 8 offset 2432 on "
                              "the host\n");
    free(text);
}

static void test_format_is_empty_when_compatible(void **state)
{
    pair *p = *state;
    clear_bit(&p->host, "vmx"); /* information only */
    check(&p->rec, &p->host, &p->c);
    assert_true(p->c.compatible);
    char *text = format_of(&p->c);
    assert_string_equal(text, "");
    free(text);
}

static void test_xsave_component_names(void **state)
{
    (void)state;
    assert_string_equal(rrt_xsave_component_name(2), "avx");
    assert_string_equal(rrt_xsave_component_name(9), "pkru");
    assert_string_equal(rrt_xsave_component_name(18), "xtiledata");
    assert_string_equal(rrt_xsave_component_name(63), "unknown");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    rrt_xsave_components_format(0x8000000000000206ull, f);
    fputc('|', f);
    rrt_xsave_components_format(0, f);
    assert_int_equal(fclose(f), 0);
    assert_string_equal(buf, "sse avx pkru component63|none");
    free(buf);
}

/* ------------------------------------------------------------------ */
/* XSAVE rules follow the mask                                        */

static void
test_component_of_feature_the_program_cannot_see_is_a_note(void **state)
{
    pair *p = *state;
    p->rec.xcr0 = 0x207; /* PKRU enabled, but no pku/ospke in CPUID */
    check(&p->rec, &p->host, &p->c);
    assert_true(p->c.compatible);
    assert_int_equal(p->c.xcr0_missing, 0);
    assert_int_equal(p->c.xcr0_missing_unused, 0x200);
    assert_int_equal(p->c.rec_usable, 0x7);
}

static void test_component_hidden_by_record_mask_is_a_note(void **state)
{
    pair *p = *state;
    enable_pkru(&p->rec);
    assert_int_equal(rrt_cpuid_mask_features(&p->rec, "pku,ospke", NULL),
                     RRT_OK);
    check(&p->rec, &p->host, &p->c);
    assert_true(p->c.compatible);
    assert_int_equal(p->c.xcr0_missing, 0);
    assert_int_equal(p->c.xcr0_missing_unused, 0x200);
    char *text = format_of(&p->c);
    assert_string_equal(text, "");
    free(text);
}

static void
test_component_blocks_while_one_of_its_features_is_visible(void **state)
{
    pair *p = *state;
    enable_pkru(&p->rec);
    assert_int_equal(rrt_cpuid_mask_features(&p->rec, "pku", NULL), RRT_OK);
    check(&p->rec, &p->host, &p->c); /* ospke alone still lets it RDPKRU */
    assert_false(p->c.compatible);
    assert_int_equal(p->c.xcr0_missing, 0x200);
}

static void test_layout_difference_of_hidden_component_is_a_note(void **state)
{
    pair *p = *state;
    enable_pkru(&p->rec);
    enable_pkru(&p->host);
    add_record(&p->rec, (rrt_cpuid_record){0xd, 9, RRT_CPUID_SUBLEAF_INDEXED, 8,
                                           0xa80, 0, 0});
    add_record(&p->host, (rrt_cpuid_record){0xd, 9, RRT_CPUID_SUBLEAF_INDEXED,
                                            8, 0x980, 0, 0});
    assert_int_equal(rrt_cpuid_mask_features(&p->rec, "pku,ospke", NULL),
                     RRT_OK);
    check(&p->rec, &p->host, &p->c);
    assert_true(p->c.compatible);
    assert_int_equal(p->c.n_layout, 0);
    assert_int_equal(p->c.n_layout_unused, 1);
    assert_int_equal(p->c.layout_unused[0].component, 9);
    assert_int_equal(p->c.layout_unused[0].rec_offset, 0xa80);
    assert_int_equal(p->c.layout_unused[0].host_offset, 0x980);
}

static void test_component_of_unqueried_leaf_is_a_note(void **state)
{
    pair *p = *state;
    enable_pkru(&p->rec);
    set_bit(&p->host, "pku");
    set_bit(&p->host, "ospke");
    p->rec.flags |= RRT_CPUID_QUERIED_KNOWN;
    p->rec.queried = calloc(1, sizeof(*p->rec.queried));
    p->rec.queried[0] = (rrt_cpuid_leaf){1, 0}; /* never leaf 7 */
    p->rec.n_queried = 1;
    check(&p->rec, &p->host, &p->c);
    assert_true(p->c.compatible);
    assert_int_equal(p->c.xcr0_missing_unused, 0x200);
}

static void test_unknown_component_blocks(void **state)
{
    pair *p = *state;
    p->rec.xcr0 |= (uint64_t)1 << 40; /* no feature of the table uses it */
    check(&p->rec, &p->host, &p->c);
    assert_false(p->c.compatible);
    assert_int_equal(p->c.xcr0_missing, (uint64_t)1 << 40);
}

static void test_avx_state_follows_every_vex_feature(void **state)
{
    pair *p = *state;
    p->host.xcr0 = 0x3; /* no AVX state on the host */
    assert_int_equal(rrt_cpuid_mask_features(&p->rec, "avx", NULL), RRT_OK);
    check(&p->rec, &p->host, &p->c); /* avx2, fma, f16c still visible */
    assert_int_equal(p->c.xcr0_missing, 0x4);
    rrt_compat_clear(&p->c);
    assert_int_equal(rrt_cpuid_mask_level(&p->rec, 2, NULL), RRT_OK);
    check(&p->rec, &p->host, &p->c);
    assert_true(p->c.compatible);
    assert_int_equal(p->c.xcr0_missing_unused, 0x4);
    assert_int_equal(rrt_xsave_usable(&p->rec), 0x3);
}

static void test_xsave_area_size_is_information(void **state)
{
    pair *p = *state;
    rec(&p->host, 0xd, 0)->ebx = 0xa88; /* a host with more state enabled */
    check(&p->rec, &p->host, &p->c);
    assert_true(p->c.compatible);
    assert_int_equal(p->c.rec_xsave_size, 0x340);
    assert_int_equal(p->c.host_xsave_size, 0xa88);
}

/* The table of spec/compat.md, "Which features use which state", row by
 * row, and features with legacy-encoded forms or no state of their own. */
static void test_feature_xstate_matches_the_spec(void **state)
{
    (void)state;
    static const struct {
        uint64_t xstate;
        const char *names;
    } spec[] = {
        {0x4, "avx avx2 fma f16c vaes vpclmulqdq avx_vnni avx_ifma "
              "avx_vnni_int8 avx_ne_convert avx_vnni_int16 sha512 sm3 sm4 "
              "xop fma4"},
        {0x18, "mpx"},
        {0xe4, "avx512f avx512vl avx512_fp16 avx512_bf16 avx10"},
        {0x200, "pku ospke"},
        {0x60000, "amx_tile amx_int8 amx_bf16 amx_fp16 amx_complex"},
        {0x80000, "apx_f"},
        {0x4000000000000000ull, "lwp"},
        {0, "sse4_2 aes gfni xsave osxsave sse4a vmx"},
    };
    for (size_t i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
        char names[256];
        snprintf(names, sizeof(names), "%s", spec[i].names);
        for (char *save, *name = strtok_r(names, " ", &save); name;
             name = strtok_r(NULL, " ", &save)) {
            const rrt_cpu_feature *f = rrt_cpu_feature_find(name);
            if (!f)
                fail_msg("%s is not in the feature table", name);
            if (rrt_cpu_feature_xstate(f) != spec[i].xstate)
                fail_msg("%s uses 0x%llx, the spec says 0x%llx", name,
                         (unsigned long long)rrt_cpu_feature_xstate(f),
                         (unsigned long long)spec[i].xstate);
        }
    }
    /* Every avx512* row, present and future, uses the AVX-512 state. */
    for (size_t i = 0; i < rrt_cpu_feature_count(); i++) {
        const rrt_cpu_feature *f = rrt_cpu_feature_at(i);
        if (strncmp(f->name, "avx512", 6) == 0)
            assert_int_equal(rrt_cpu_feature_xstate(f), 0xe4);
    }
    assert_int_equal(rrt_cpu_feature_xstate(NULL), 0);
}

static void test_mask_for_host_hides_what_the_host_cannot_replay(void **state)
{
    pair *p = *state;
    enable_pkru(&p->rec);
    enable_pkru(&p->host);
    clear_bit(&p->host, "bmi2");
    add_record(&p->rec, (rrt_cpuid_record){0xd, 9, RRT_CPUID_SUBLEAF_INDEXED, 8,
                                           0xa80, 0, 0});
    add_record(&p->host, (rrt_cpuid_record){0xd, 9, RRT_CPUID_SUBLEAF_INDEXED,
                                            8, 0x980, 0, 0});
    check(&p->rec, &p->host, &p->c);
    assert_false(p->c.compatible);
    rrt_compat_clear(&p->c);
    assert_int_equal(rrt_cpuid_mask_for_host(&p->rec, &p->host, NULL), RRT_OK);
    assert_false(
        rrt_cpu_feature_present(&p->rec, rrt_cpu_feature_find("bmi2")));
    assert_false(rrt_cpu_feature_present(&p->rec, rrt_cpu_feature_find("pku")));
    assert_true(rrt_cpu_feature_present(&p->rec, rrt_cpu_feature_find("avx2")));
    assert_true(p->rec.flags & RRT_CPUID_MASKED);
    check(&p->rec, &p->host, &p->c);
    assert_true(p->c.compatible);
    assert_int_equal(p->c.n_layout_unused, 1);
}

/* ------------------------------------------------------------------ */
/* Real CPUs                                                          */

static void load(const char *name, host_desc *h)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/cpus/%s", RRT_TEST_DATA, name);
    rrt_error err;
    rrt_error_clear(&err);
    if (host_load(path, h, &err) != RRT_OK)
        fail_msg("%s", err.message);
}

#define XEON "xeon-vm-amx.cpuid-r.txt"
#define EPYC "epyc-9654-kvm-noavx512.xml"
#define HASWELL "haswell-i7-4770.cpuid-r.txt"
#define SKYLAKE "skylake-i5-6600.xml"
#define SANDY "sandybridge-i7-2600.xml"

static void compare_files(const char *rec_name, const char *host_name,
                          rrt_compat *c)
{
    host_desc r, h;
    load(rec_name, &r);
    load(host_name, &h);
    check(&r.m, &h.m, c);
    host_clear(&r);
    host_clear(&h);
}

static void test_xeon_recording_incompatible_with_zen4_vm(void **state)
{
    (void)state;
    rrt_compat c;
    compare_files(XEON, EPYC, &c);
    assert_false(c.compatible);
    static const char *const must[] = {
        "avx512f",     "avx512dq", "avx512cd", "avx512bw",    "avx512vl",
        "amx_tile",    "amx_int8", "amx_bf16", "avx512_fp16", "avx_vnni",
        "avx512_bf16", "movdiri",  "serialize"};
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
        if (!listed(c.missing, c.n_missing, must[i]))
            fail_msg("%s not reported missing on the Zen 4 VM", must[i]);
    static const char *const fine[] = {"avx2",  "sha_ni", "vaes",  "gfni",
                                       "rdpid", "fsrm",   "xsavec"};
    for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
        if (listed(c.missing, c.n_missing, fine[i]))
            fail_msg("%s wrongly reported missing", fine[i]);
    /* opmask, zmm_hi256, hi16_zmm, xtilecfg, xtiledata */
    assert_int_equal(c.xcr0_missing, 0x600e0);
    assert_int_equal(c.n_layout, 0);
    assert_true(c.vendor_differs);
    assert_true(c.signature_differs);
    rrt_compat_clear(&c);
}

static void test_haswell_recording_compatible_on_xeon(void **state)
{
    (void)state;
    rrt_compat c;
    compare_files(HASWELL, XEON, &c);
    assert_true(c.compatible);
    assert_int_equal(c.n_missing, 0);
    /* A bare-metal desktop sees VMX and thermal monitors; the VM does not,
     * and programs cannot use them anyway. */
    assert_true(listed(c.system_missing, c.n_system_missing, "vmx"));
    assert_true(listed(c.system_missing, c.n_system_missing, "est"));
    assert_false(c.vendor_differs);
    assert_true(c.signature_differs);
    rrt_compat_clear(&c);
}

static void test_skylake_recording_needs_mpx_on_xeon(void **state)
{
    (void)state;
    rrt_compat c;
    compare_files(SKYLAKE, XEON, &c);
    assert_false(c.compatible);
    assert_int_equal(c.n_missing, 1);
    assert_string_equal(c.missing[0]->name, "mpx");
    assert_int_equal(c.xcr0_missing, 0x18); /* bndregs, bndcsr */
    rrt_compat_clear(&c);
}

static void test_zen4_vm_recording_incompatible_on_xeon(void **state)
{
    (void)state;
    rrt_compat c;
    compare_files(EPYC, XEON, &c);
    assert_false(c.compatible);
    static const char *const must[] = {"sse4a",    "misalignsse", "mmxext",
                                       "fxsr_opt", "clzero",      "xsaveerptr",
                                       "pku",      "ospke"};
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
        if (!listed(c.missing, c.n_missing, must[i]))
            fail_msg("%s not reported missing on the Xeon", must[i]);
    assert_int_equal(c.xcr0_missing, 0x200); /* pkru */
    rrt_compat_clear(&c);
}

static void test_same_cpu_is_compatible_with_itself(void **state)
{
    (void)state;
    const char *all[] = {XEON, EPYC, HASWELL, SKYLAKE, SANDY};
    for (size_t i = 0; i < 5; i++) {
        rrt_compat c;
        compare_files(all[i], all[i], &c);
        if (!c.compatible)
            fail_msg("%s incompatible with itself", all[i]);
        assert_false(c.cache_differs || c.topology_differs);
        rrt_compat_clear(&c);
    }
}

static void test_common_mask_replays_on_every_input_host(void **state)
{
    (void)state;
    host_desc hosts[2], common;
    load(XEON, &hosts[0]);
    load(EPYC, &hosts[1]);
    uint64_t conflicts = 1;
    assert_int_equal(host_common(hosts, 2, &common, &conflicts, NULL), RRT_OK);
    assert_string_equal(common.m.mask_name, "common(2 hosts)");
    assert_string_equal(common.kind, HOST_KIND_MASK);
    assert_int_equal(common.m.flags, RRT_CPUID_MASKED);
    assert_int_equal(common.m.xcr0, 0x7);
    assert_int_equal(conflicts, 0); /* only AVX state is common: same layout */
    assert_int_equal(rrt_cpuid_level_of(&common.m), 3);
    const rrt_cpu_feature *avx512f = rrt_cpu_feature_find("avx512f");
    const rrt_cpu_feature *sse4a = rrt_cpu_feature_find("sse4a");
    const rrt_cpu_feature *avx2 = rrt_cpu_feature_find("avx2");
    assert_false(rrt_cpu_feature_present(&common.m, avx512f));
    assert_false(rrt_cpu_feature_present(&common.m, sse4a));
    assert_true(rrt_cpu_feature_present(&common.m, avx2));
    /* The host-file wrapper adds only metadata to librrt's intersection. */
    const rrt_cpuid_manifest *ms[2] = {&hosts[0].m, &hosts[1].m};
    rrt_cpuid_manifest direct;
    uint64_t direct_conflicts = 1;
    assert_int_equal(rrt_cpuid_common(ms, 2, &direct, &direct_conflicts, NULL),
                     RRT_OK);
    assert_int_equal(direct_conflicts, 0);
    assert_string_equal(direct.mask_name, common.m.mask_name);
    assert_int_equal(direct.xcr0, common.m.xcr0);
    assert_int_equal(direct.n_masks, common.m.n_masks);
    assert_memory_equal(direct.masks, common.m.masks,
                        direct.n_masks * sizeof(*direct.masks));
    rrt_cpuid_manifest_clear(&direct);
    for (size_t i = 0; i < 2; i++) {
        rrt_compat c;
        check(&common.m, &hosts[i].m, &c);
        if (!c.compatible)
            fail_msg("common mask incompatible with host %zu", i);
        rrt_compat_clear(&c);
    }
    host_clear(&common);
    host_clear(&hosts[0]);
    host_clear(&hosts[1]);
}

static void test_common_reports_xsave_layout_conflicts(void **state)
{
    (void)state;
    host_desc hosts[2], common;
    load(XEON, &hosts[0]);
    load(XEON, &hosts[1]);
    rrt_cpuid_record *r =
        (rrt_cpuid_record *)rrt_cpuid_manifest_find(&hosts[1].m, 0xd, 5);
    assert_non_null(r);
    r->ebx += 64; /* opmask at another offset */
    uint64_t conflicts = 0;
    assert_int_equal(host_common(hosts, 2, &common, &conflicts, NULL), RRT_OK);
    assert_int_equal(conflicts, 0x20);
    host_clear(&common);
    assert_int_equal(host_common(hosts, 0, &common, &conflicts, NULL),
                     RRT_E_INVALID);
    rrt_cpuid_manifest none;
    assert_int_equal(rrt_cpuid_common(NULL, 0, &none, &conflicts, NULL),
                     RRT_E_INVALID);
    assert_null(none.records);
    host_clear(&hosts[0]);
    host_clear(&hosts[1]);
}

/* The first case: `rrt record --cpu-mask x86-64-v2` on a host with
 * AVX-512 and AMX, replayed on a Sandy Bridge (XCR0 x87|SSE|AVX). */
static void test_v2_mask_of_avx512_host_replays_on_sandy_bridge(void **state)
{
    (void)state;
    host_desc r, h;
    load(XEON, &r);
    load(SANDY, &h);
    rrt_compat c;
    check(&r.m, &h.m, &c);
    assert_false(c.compatible); /* unmasked: AVX-512 and AMX state blocks */
    assert_int_equal(c.xcr0_missing, 0x600e0);
    rrt_compat_clear(&c);
    assert_int_equal(rrt_cpuid_mask_level(&r.m, 2, NULL), RRT_OK);
    check(&r.m, &h.m, &c);
    assert_true(c.compatible);
    assert_int_equal(c.n_missing, 0);
    assert_int_equal(c.xcr0_missing, 0);
    assert_int_equal(c.xcr0_missing_unused, 0x600e0);
    assert_int_equal(c.rec_usable, 0x3); /* x86-64-v2 hides AVX too */
    rrt_compat_clear(&c);
    host_clear(&r);
    host_clear(&h);
}

static void test_v2_mask_of_this_host_replays_on_sandy_bridge(void **state)
{
    (void)state;
    host_desc r, h;
    assert_int_equal(host_capture(&r, NULL), RRT_OK);
    load(SANDY, &h);
    assert_int_equal(rrt_cpuid_mask_level(&r.m, 2, NULL), RRT_OK);
    rrt_compat c;
    check(&r.m, &h.m, &c);
    if (!c.compatible)
        rrt_compat_format(&c, stderr);
    assert_true(c.compatible);
    rrt_compat_clear(&c);
    host_clear(&r);
    host_clear(&h);
}

/* AMD and Intel put the AVX-512 state at different offsets: a second Xeon
 * with AMD's (opmask 832, zmm_hi256 896, hi16_zmm 1408) stands in for a
 * Zen 4 in a fleet. */
static void amd_avx512_layout(rrt_cpuid_manifest *m)
{
    static const uint32_t off[3] = {832, 896, 1408};
    for (uint32_t i = 0; i < 3; i++) {
        rrt_cpuid_record *r =
            (rrt_cpuid_record *)rrt_cpuid_manifest_find(m, 0xd, 5 + i);
        assert_non_null(r);
        r->ebx = off[i];
    }
}

static void
test_common_hides_features_of_state_laid_out_differently(void **state)
{
    (void)state;
    host_desc hosts[2], common;
    load(XEON, &hosts[0]);
    load(XEON, &hosts[1]);
    amd_avx512_layout(&hosts[1].m);
    uint64_t conflicts = 0;
    assert_int_equal(host_common(hosts, 2, &common, &conflicts, NULL), RRT_OK);
    assert_int_equal(conflicts, 0xe0);
    static const char *const hidden[] = {"avx512f", "avx512vl", "avx512_fp16",
                                         "avx512_bf16", "avx10"};
    for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
        if (rrt_cpu_feature_present(&common.m, rrt_cpu_feature_find(hidden[i])))
            fail_msg("%s left visible", hidden[i]);
    assert_true(
        rrt_cpu_feature_present(&common.m, rrt_cpu_feature_find("avx2")));
    assert_true(
        rrt_cpu_feature_present(&common.m, rrt_cpu_feature_find("amx_tile")));
    assert_int_equal(rrt_cpuid_level_of(&common.m), 3);
    for (size_t i = 0; i < 2; i++) {
        rrt_compat c;
        check(&common.m, &hosts[i].m, &c);
        if (!c.compatible)
            fail_msg("fleet mask incompatible with host %zu", i);
        assert_int_equal(c.n_layout_unused, i ? 3 : 0);
        rrt_compat_clear(&c);
    }
    host_clear(&common);
    host_clear(&hosts[0]);
    host_clear(&hosts[1]);
}

static void
test_common_hides_features_of_state_not_every_host_enables(void **state)
{
    (void)state;
    host_desc hosts[2], common;
    load(XEON, &hosts[0]);
    load(XEON, &hosts[1]);
    hosts[1].m.xcr0 &= ~(uint64_t)0x60000; /* an OS without AMX enabled */
    uint64_t conflicts = 1;
    assert_int_equal(host_common(hosts, 2, &common, &conflicts, NULL), RRT_OK);
    assert_int_equal(conflicts, 0);
    assert_false(
        rrt_cpu_feature_present(&common.m, rrt_cpu_feature_find("amx_tile")));
    assert_true(
        rrt_cpu_feature_present(&common.m, rrt_cpu_feature_find("avx512f")));
    host_clear(&common);
    host_clear(&hosts[0]);
    host_clear(&hosts[1]);
}

/* `rrt record --cpu-mask HOSTFILE` on any of these CPUs gives a recording
 * that `rrt verify --host --against HOSTFILE` accepts. */
static void test_mask_for_host_makes_every_pair_compatible(void **state)
{
    (void)state;
    const char *files[] = {XEON, EPYC, HASWELL, SKYLAKE, SANDY, NULL};
    enum { N = 6 };
    host_desc all[N];
    for (size_t i = 0; i < N; i++) {
        if (files[i])
            load(files[i], &all[i]);
        else
            assert_int_equal(host_capture(&all[i], NULL), RRT_OK);
    }
    amd_avx512_layout(&all[0].m); /* and one AVX-512 layout conflict */
    for (size_t a = 0; a < N; a++)
        for (size_t b = 0; b < N; b++) {
            rrt_cpuid_manifest m;
            assert_int_equal(rrt_cpuid_manifest_copy(&m, &all[a].m, NULL),
                             RRT_OK);
            assert_int_equal(rrt_cpuid_mask_for_host(&m, &all[b].m, NULL),
                             RRT_OK);
            rrt_compat c;
            check(&m, &all[b].m, &c);
            if (!c.compatible) {
                rrt_compat_format(&c, stderr);
                fail_msg("%s masked for %s is incompatible with it",
                         all[a].source, all[b].source);
            }
            rrt_compat_clear(&c);
            rrt_cpuid_manifest_clear(&m);
        }
    for (size_t i = 0; i < N; i++)
        host_clear(&all[i]);
}

/* `rrt record --cpu-mask FILE` for every format `--against` reads: the
 * masked manifest verifies against FILE and is named after it. */
static void test_mask_from_file_reads_every_host_format(void **state)
{
    (void)state;
    char saved[] = "/tmp/rrt-test-mask-XXXXXX";
    int fd = mkstemp(saved);
    assert_true(fd >= 0);
    close(fd);
    unlink(saved); /* the writer creates it */
    host_desc hsw;
    load(HASWELL, &hsw);
    assert_int_equal(host_save(saved, &hsw, HOST_KIND_HOST, NULL), RRT_OK);
    host_clear(&hsw);
    const char *files[] = {SANDY, HASWELL, EPYC, SKYLAKE, saved};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[512];
        if (files[i][0] == '/')
            snprintf(path, sizeof(path), "%s", files[i]);
        else
            snprintf(path, sizeof(path), "%s/cpus/%s", RRT_TEST_DATA, files[i]);
        host_desc r, h;
        load(XEON, &r);
        rrt_error err;
        rrt_error_clear(&err);
        if (rrt_cpuid_mask_from_file(&r.m, path, &err) != RRT_OK)
            fail_msg("%s", err.message);
        const char *base = strrchr(path, '/') + 1;
        assert_string_equal(r.m.mask_name, base);
        assert_true(r.m.flags & RRT_CPUID_MASKED);
        assert_int_equal(host_load(path, &h, NULL), RRT_OK);
        rrt_compat c;
        check(&r.m, &h.m, &c);
        if (!c.compatible)
            fail_msg("Xeon masked with %s is incompatible with it", base);
        rrt_compat_clear(&c);
        host_clear(&r);
        host_clear(&h);
    }
    unlink(saved);
}

static void test_mask_from_file_names_the_file_on_error(void **state)
{
    (void)state;
    host_desc r;
    load(XEON, &r);
    rrt_error err;
    rrt_error_clear(&err);
    char path[512];
    snprintf(path, sizeof(path), "%s/bad/cpus/bad-hex.xml", RRT_TEST_DATA);
    assert_int_equal(rrt_cpuid_mask_from_file(&r.m, path, &err), RRT_E_PARSE);
    assert_non_null(strstr(err.message, "bad-hex.xml: line 3: bad hex"));
    rrt_error_clear(&err);
    assert_int_equal(
        rrt_cpuid_mask_from_file(&r.m, "/nonexistent/box.txt", &err), RRT_E_IO);
    assert_non_null(strstr(err.message, "/nonexistent/box.txt"));
    host_clear(&r);
}

#define PAIR_TEST(f)                                                           \
    cmocka_unit_test_setup_teardown(f, pair_setup, pair_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        PAIR_TEST(test_identical_cpus_are_compatible),
        PAIR_TEST(test_missing_user_feature_blocks),
        PAIR_TEST(test_extra_host_features_do_not_matter),
        PAIR_TEST(test_feature_hidden_by_record_mask_is_not_required),
        PAIR_TEST(test_feature_of_leaf_above_host_maximum_is_missing),
        PAIR_TEST(test_feature_in_unqueried_leaf_is_not_needed),
        PAIR_TEST(test_feature_in_queried_leaf_blocks),
        PAIR_TEST(test_queried_list_ignored_unless_known),
        PAIR_TEST(test_missing_system_feature_is_information),
        PAIR_TEST(test_xcr0_component_missing_on_host_blocks),
        PAIR_TEST(test_xsave_layout_difference_blocks),
        PAIR_TEST(test_undescribed_xsave_layout_is_information),
        PAIR_TEST(test_vendor_model_cache_topology_are_information),
        PAIR_TEST(test_topology_ignores_x2apic_id),
        PAIR_TEST(test_signature_decodes_extended_family_and_model),
        PAIR_TEST(test_leaf_queried_honours_subleaf_of_indexed_leaves),
        PAIR_TEST(test_format_groups_missing_features_by_register),
        PAIR_TEST(test_format_names_xsave_layout_differences),
        PAIR_TEST(test_format_is_empty_when_compatible),
        PAIR_TEST(test_component_of_feature_the_program_cannot_see_is_a_note),
        PAIR_TEST(test_component_hidden_by_record_mask_is_a_note),
        PAIR_TEST(test_component_blocks_while_one_of_its_features_is_visible),
        PAIR_TEST(test_layout_difference_of_hidden_component_is_a_note),
        PAIR_TEST(test_component_of_unqueried_leaf_is_a_note),
        PAIR_TEST(test_unknown_component_blocks),
        PAIR_TEST(test_avx_state_follows_every_vex_feature),
        PAIR_TEST(test_xsave_area_size_is_information),
        cmocka_unit_test(test_feature_xstate_matches_the_spec),
        PAIR_TEST(test_mask_for_host_hides_what_the_host_cannot_replay),
        cmocka_unit_test(test_xsave_component_names),
        cmocka_unit_test(test_xeon_recording_incompatible_with_zen4_vm),
        cmocka_unit_test(test_haswell_recording_compatible_on_xeon),
        cmocka_unit_test(test_skylake_recording_needs_mpx_on_xeon),
        cmocka_unit_test(test_zen4_vm_recording_incompatible_on_xeon),
        cmocka_unit_test(test_same_cpu_is_compatible_with_itself),
        cmocka_unit_test(test_common_mask_replays_on_every_input_host),
        cmocka_unit_test(test_common_reports_xsave_layout_conflicts),
        cmocka_unit_test(test_v2_mask_of_avx512_host_replays_on_sandy_bridge),
        cmocka_unit_test(test_v2_mask_of_this_host_replays_on_sandy_bridge),
        cmocka_unit_test(
            test_common_hides_features_of_state_laid_out_differently),
        cmocka_unit_test(
            test_common_hides_features_of_state_not_every_host_enables),
        cmocka_unit_test(test_mask_for_host_makes_every_pair_compatible),
        cmocka_unit_test(test_mask_from_file_reads_every_host_format),
        cmocka_unit_test(test_mask_from_file_names_the_file_on_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
