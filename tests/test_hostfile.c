/* Host description formats: `cpuid -r` dumps, libvirt cpudata XML and
 * saved rrt files; format detection; the bad-input corpus; truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hostfile.h"
#include "rrti.h"

#ifndef RRT_TEST_DATA
#error "RRT_TEST_DATA must name tests/data"
#endif

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

static void good_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/cpus/%s", RRT_TEST_DATA, name);
}

static void load_good(const char *name, host_desc *h)
{
    char path[512];
    good_path(path, sizeof(path), name);
    rrt_error err;
    rrt_error_clear(&err);
    if (host_load(path, h, &err) != RRT_OK)
        fail_msg("%s", err.message);
}

static void test_raw_dump_reads_first_cpu_only(void **state)
{
    (void)state;
    host_desc h;
    load_good("xeon-vm-amx.cpuid-r.txt", &h); /* has CPU 0: and CPU 1: */
    assert_int_equal(h.format, HOST_CPUID_RAW);
    assert_string_equal(h.m.vendor, "GenuineIntel");
    /* x2APIC ID (leaf 0xB EDX) is 0 on CPU 0 and 1 on CPU 1. */
    const rrt_cpuid_record *r = rrt_cpuid_manifest_find(&h.m, 0xb, 0);
    assert_non_null(r);
    assert_int_equal(r->edx, 0);
    assert_int_equal(r->flags, RRT_CPUID_SUBLEAF_INDEXED);
    assert_int_equal(h.m.xcr0, 0x600e7);
    assert_true(h.xcr0_derived);
    assert_int_equal(h.faulting, -1);
    host_clear(&h);
}

static void test_raw_dump_drops_leaves_outside_cpu_ranges(void **state)
{
    (void)state;
    host_desc h;
    load_good("haswell-i7-4770.cpuid-r.txt", &h);
    static const uint32_t dropped[] = {0x20000000, 0x40000000, 0x80860000,
                                       0xc0000000};
    for (size_t i = 0; i < 4; i++)
        assert_null(rrt_cpuid_manifest_find(&h.m, dropped[i], 0));
    assert_non_null(rrt_cpuid_manifest_find(&h.m, 0x80000008, 0));
    const rrt_cpuid_record *r = rrt_cpuid_manifest_find(&h.m, 1, 0);
    assert_int_equal(r->eax, 0x000306c3);
    assert_int_equal(r->flags, 0);
    assert_int_equal(h.m.xcr0, 0x7);
    assert_int_equal(rrt_cpuid_level_of(&h.m), 3);
    host_clear(&h);
}

static void test_libvirt_xml_parses_and_ignores_msr(void **state)
{
    (void)state;
    host_desc h;
    load_good("skylake-i5-6600.xml", &h);
    assert_int_equal(h.format, HOST_LIBVIRT);
    assert_string_equal(h.m.vendor, "GenuineIntel");
    const rrt_cpuid_record *r = rrt_cpuid_manifest_find(&h.m, 7, 0);
    assert_non_null(r);
    assert_int_equal(r->ebx, 0x029c6fbf);
    assert_int_equal(h.m.xcr0, 0x1f);
    assert_true(rrt_cpu_feature_present(&h.m, rrt_cpu_feature_find("mpx")));
    host_clear(&h);
    load_good("epyc-9654-kvm-noavx512.xml", &h);
    assert_string_equal(h.m.vendor, "AuthenticAMD");
    assert_false(
        rrt_cpu_feature_present(&h.m, rrt_cpu_feature_find("avx512f")));
    assert_true(rrt_cpu_feature_present(&h.m, rrt_cpu_feature_find("sse4a")));
    host_clear(&h);
}

static void test_xml_accepts_old_function_attribute_and_comments(void **state)
{
    (void)state;
    static const char doc[] =
        "<?xml version='1.0'?>\n<!-- old libvirt -->\n"
        "<cpudata arch=\"x86\">\n"
        "  <!-- leaf 0 -->\n"
        "  <cpuid function='0x0' eax='0x1' ebx='0x756e6547' "
        "ecx='0x6c65746e' edx='0x49656e69'/>\n"
        "  <cpuid function='0x1' eax='0x306c3' ebx='0x0' ecx='0x1' "
        "edx='0x0'/>\n"
        "</cpudata >\n<!-- end -->\n";
    rrt_cpuid_manifest m;
    rrt_error err;
    rrt_error_clear(&err);
    if (rrti_cpuid_xml_parse(doc, sizeof(doc) - 1, "old.xml", &m, &err) !=
        RRT_OK)
        fail_msg("%s", err.message);
    assert_int_equal(m.n_records, 2);
    assert_true(rrt_cpu_feature_present(&m, rrt_cpu_feature_find("pni")));
    rrt_cpuid_manifest_clear(&m);
}

static void test_format_is_detected_by_content_not_name(void **state)
{
    (void)state;
    size_t len;
    char path[512];
    good_path(path, sizeof(path), "skylake-i5-6600.xml");
    char *xml = slurp(path, &len);
    host_desc h;
    assert_int_equal(host_parse_text(xml, len, "x.txt", &h, NULL), RRT_OK);
    assert_int_equal(h.format, HOST_LIBVIRT);
    host_clear(&h);
    free(xml);
}

/* tests/data/bad/cpus/EXPECTED: "file<TAB>substring". */
static void test_bad_inputs_fail_with_one_line_naming_the_file(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof(path), "%s/bad/cpus/EXPECTED", RRT_TEST_DATA);
    size_t len;
    char *table = slurp(path, &len);
    size_t n = 0;
    for (char *line = strtok(table, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = 0;
        const char *want = tab + 1;
        snprintf(path, sizeof(path), "%s/bad/cpus/%s", RRT_TEST_DATA, line);
        host_desc h;
        rrt_error err;
        rrt_error_clear(&err);
        if (host_load(path, &h, &err) == RRT_OK)
            fail_msg("%s was accepted", line);
        if (!strstr(err.message, line) || !strstr(err.message, want) ||
            strchr(err.message, '\n'))
            fail_msg("%s: message '%s' lacks '%s'", line, err.message, want);
        assert_int_equal(h.m.n_records, 0);
        n++;
    }
    assert_true(n >= 20);
    free(table);
}

static void test_more_than_4096_records_rejected(void **state)
{
    (void)state;
    size_t cap = 5000 * 90;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t len = 0;
    for (unsigned i = 0; i < 5000; i++)
        len += (size_t)snprintf(buf + len, cap - len,
                                "   0x%08x 0x00: eax=0x00000001 ebx=0x0 "
                                "ecx=0x0 edx=0x0\n",
                                i);
    rrt_cpuid_manifest m;
    rrt_error err;
    rrt_error_clear(&err);
    assert_int_equal(rrti_cpuid_raw_parse(buf, len, "big.txt", &m, &err),
                     RRT_E_LIMIT);
    assert_non_null(strstr(err.message, "big.txt: line 4097: more than 4096"));
    free(buf);
}

static void test_huge_max_leaf_does_not_keep_hypervisor_leaves(void **state)
{
    (void)state;
    static const char dump[] =
        "   0x00000000 0x00: eax=0xffffffff ebx=0x0 ecx=0x0 edx=0x0\n"
        "   0x40000000 0x00: eax=0x40000001 ebx=0x4b4d564b ecx=0x0 edx=0x0\n"
        "   0x80000000 0x00: eax=0xffffffff ebx=0x0 ecx=0x0 edx=0x0\n"
        "   0x8fffffff 0x00: eax=0x1 ebx=0x0 ecx=0x0 edx=0x0\n";
    rrt_cpuid_manifest m;
    assert_int_equal(
        rrti_cpuid_raw_parse(dump, sizeof(dump) - 1, "d", &m, NULL), RRT_OK);
    assert_int_equal(m.n_records, 2);
    assert_null(rrt_cpuid_manifest_find(&m, 0x40000000, 0));
    rrt_cpuid_manifest_clear(&m);
}

/* Every prefix of a good file either parses or fails with a message; a
 * prefix of the XML fails unless it ends after </cpudata>. */
static void truncation_sweep(const char *name, bool xml)
{
    char path[512];
    good_path(path, sizeof(path), name);
    size_t len;
    char *data = slurp(path, &len);
    const char *close = strstr(data, "</cpudata>");
    size_t complete = close ? (size_t)(close - data) + 10 : len;
    for (size_t n = 0; n < len; n++) {
        rrt_cpuid_manifest m;
        rrt_error err;
        rrt_error_clear(&err);
        rrt_status st = xml ? rrti_cpuid_xml_parse(data, n, name, &m, &err)
                            : rrti_cpuid_raw_parse(data, n, name, &m, &err);
        if (st == RRT_OK) {
            if (xml && n < complete)
                fail_msg("%s: prefix of %zu bytes accepted", name, n);
            rrt_cpuid_manifest_clear(&m);
        } else {
            assert_non_null(strstr(err.message, name));
            assert_int_equal(m.n_records, 0);
        }
    }
    free(data);
}

static void test_truncation_sweep_xml(void **state)
{
    (void)state;
    truncation_sweep("epyc-9654-kvm-noavx512.xml", true);
}

static void test_truncation_sweep_raw(void **state)
{
    (void)state;
    truncation_sweep("haswell-i7-4770.cpuid-r.txt", false);
}

static void tmp_path(char *out, size_t cap, const char *name)
{
    const char *dir = getenv("TMPDIR");
    snprintf(out, cap, "%s/rrt-test-hostfile-%ld-%s", dir ? dir : "/tmp",
             (long)getpid(), name);
    unlink(out);
}

static void test_saved_host_file_round_trips(void **state)
{
    (void)state;
    host_desc h, back;
    load_good("haswell-i7-4770.cpuid-r.txt", &h);
    h.faulting = 0;
    char path[512];
    tmp_path(path, sizeof(path), "hsw.cpuid");
    rrt_error err;
    rrt_error_clear(&err);
    if (host_save(path, &h, HOST_KIND_HOST, &err) != RRT_OK)
        fail_msg("%s", err.message);
    if (host_load(path, &back, &err) != RRT_OK)
        fail_msg("%s", err.message);
    assert_int_equal(back.format, HOST_ARCHIVE);
    assert_string_equal(back.kind, HOST_KIND_HOST);
    assert_int_equal(back.faulting, 0);
    assert_true(back.xcr0_derived);
    assert_int_equal(back.m.xcr0, h.m.xcr0);
    assert_string_equal(back.m.vendor, h.m.vendor);
    assert_int_equal(back.m.n_records, h.m.n_records);
    assert_memory_equal(back.m.records, h.m.records,
                        h.m.n_records * sizeof(*h.m.records));
    unlink(path);
    host_clear(&h);
    host_clear(&back);
}

static void test_live_capture_round_trips(void **state)
{
    (void)state;
    host_desc h, back;
    assert_int_equal(host_capture(&h, NULL), RRT_OK);
    assert_int_equal(h.format, HOST_LIVE);
    assert_false(h.xcr0_derived);
    assert_true(h.faulting == 0 || h.faulting == 1);
    char path[512];
    tmp_path(path, sizeof(path), "live.cpuid");
    assert_int_equal(host_save(path, &h, HOST_KIND_HOST, NULL), RRT_OK);
    assert_int_equal(host_load(path, &back, NULL), RRT_OK);
    assert_int_equal(back.faulting, h.faulting);
    assert_false(back.xcr0_derived);
    assert_int_equal(back.m.n_records, h.m.n_records);
    assert_string_equal(back.hostname, h.hostname);
    unlink(path);
    host_clear(&h);
    host_clear(&back);
}

static void test_archive_without_cpuid_is_an_error(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, sizeof(path), "empty.rrt");
    rrt_writer_options opt;
    rrt_writer_options_init(&opt);
    opt.no_sync = true;
    rrt_writer *w;
    assert_int_equal(rrt_writer_create(path, &opt, &w, NULL), RRT_OK);
    assert_int_equal(rrt_writer_finish(w, NULL), RRT_OK);
    rrt_writer_free(w);
    host_desc h;
    rrt_error err;
    rrt_error_clear(&err);
    assert_int_equal(host_load(path, &h, &err), RRT_E_NOT_FOUND);
    assert_non_null(strstr(err.message, "no CPUID manifest"));
    assert_non_null(strstr(err.message, path));
    unlink(path);
}

static void test_missing_file_is_an_error(void **state)
{
    (void)state;
    host_desc h;
    rrt_error err;
    rrt_error_clear(&err);
    assert_int_equal(host_load("/nonexistent/host.xml", &h, &err), RRT_E_IO);
    assert_non_null(strstr(err.message, "/nonexistent/host.xml"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_dump_reads_first_cpu_only),
        cmocka_unit_test(test_raw_dump_drops_leaves_outside_cpu_ranges),
        cmocka_unit_test(test_libvirt_xml_parses_and_ignores_msr),
        cmocka_unit_test(test_xml_accepts_old_function_attribute_and_comments),
        cmocka_unit_test(test_format_is_detected_by_content_not_name),
        cmocka_unit_test(test_bad_inputs_fail_with_one_line_naming_the_file),
        cmocka_unit_test(test_more_than_4096_records_rejected),
        cmocka_unit_test(test_huge_max_leaf_does_not_keep_hypervisor_leaves),
        cmocka_unit_test(test_truncation_sweep_xml),
        cmocka_unit_test(test_truncation_sweep_raw),
        cmocka_unit_test(test_saved_host_file_round_trips),
        cmocka_unit_test(test_live_capture_round_trips),
        cmocka_unit_test(test_archive_without_cpuid_is_an_error),
        cmocka_unit_test(test_missing_file_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
