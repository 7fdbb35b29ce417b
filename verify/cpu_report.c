/* Text and JSON output shared by `rrt verify --host` and `rrt cpuid`. */
#include "cpu_report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rrtx.h"

void host_print_cpu_line(FILE *f, const rrt_cpuid_manifest *m)
{
    unsigned fam, model, step;
    fputs(m->vendor[0] ? m->vendor : "(unknown vendor)", f);
    if (rrt_cpu_signature(m, &fam, &model, &step))
        fprintf(f, " family 0x%x model 0x%x stepping %u", fam, model, step);
    char brand[49];
    rrt_cpu_brand(m, brand);
    if (brand[0])
        fprintf(f, " (%s)", brand);
}

void host_json_feature_names(FILE *f, const rrt_cpu_feature *const *v, size_t n)
{
    rrtx_json j;
    rrtx_json_init_file(&j, f, RRTX_JSON_SHORT_ESCAPES);
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        rrtx_json_str(&j, v[i]->name);
    }
    fputc(']', f);
}

void host_json_features(FILE *f, const rrt_cpu_feature *const *v, size_t n)
{
    rrtx_json j;
    rrtx_json_init_file(&j, f, RRTX_JSON_SHORT_ESCAPES);
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s{\"name\": ", i ? ", " : "");
        rrtx_json_str(&j, v[i]->name);
        fprintf(f,
                ", \"leaf\": \"0x%08" PRIx32 "\", \"subleaf\": %" PRIu32
                ", \"reg\": \"%s\", \"bit\": %u, \"user\": %s}",
                v[i]->leaf, v[i]->subleaf, rrt_cpuid_reg_name(v[i]->reg),
                v[i]->bit, (v[i]->flags & RRT_FEAT_USER) ? "true" : "false");
    }
    fputc(']', f);
}

void host_json_components(FILE *f, uint64_t mask)
{
    rrtx_json j;
    rrtx_json_init_file(&j, f, RRTX_JSON_SHORT_ESCAPES);
    fputc('[', f);
    const char *sep = "";
    for (unsigned i = 0; i < 64; i++)
        if (mask & ((uint64_t)1 << i)) {
            fprintf(f, "%s{\"component\": %u, \"name\": ", sep, i);
            rrtx_json_str(&j, rrt_xsave_component_name(i));
            fputc('}', f);
            sep = ", ";
        }
    fputc(']', f);
}

void host_json_tristate(FILE *f, int v)
{
    fputs(v < 0 ? "null" : v ? "true" : "false", f);
}

void host_json_cpu_members(FILE *f, const rrt_cpuid_manifest *m)
{
    rrtx_json j;
    rrtx_json_init_file(&j, f, RRTX_JSON_SHORT_ESCAPES);
    unsigned fam = 0, model = 0, step = 0;
    bool sig = rrt_cpu_signature(m, &fam, &model, &step);
    char brand[49];
    rrt_cpu_brand(m, brand);
    fputs("\"vendor\": ", f);
    rrtx_json_str(&j, m->vendor);
    if (sig)
        fprintf(f, ", \"family\": %u, \"model\": %u, \"stepping\": %u", fam,
                model, step);
    fputs(", \"brand\": ", f);
    rrtx_json_str(&j, brand);
    fprintf(f,
            ", \"xcr0\": \"0x%016" PRIx64 "\", \"xcr0_components\": ", m->xcr0);
    host_json_components(f, m->xcr0);
    fprintf(f, ", \"psabi_level\": %u, \"mask_name\": ", rrt_cpuid_level_of(m));
    rrtx_json_str(&j, m->mask_name);
    fprintf(f,
            ", \"flags\": {\"faulting_used\": %s, \"patching_used\": %s, "
            "\"masked\": %s, \"queried_known\": %s}",
            (m->flags & RRT_CPUID_FAULTING_USED) ? "true" : "false",
            (m->flags & RRT_CPUID_PATCHING_USED) ? "true" : "false",
            (m->flags & RRT_CPUID_MASKED) ? "true" : "false",
            (m->flags & RRT_CPUID_QUERIED_KNOWN) ? "true" : "false");
}

static void json_records(FILE *f, const rrt_cpuid_record *r, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f,
                "%s\n    {\"leaf\": \"0x%08" PRIx32 "\", \"subleaf\": %" PRIu32
                ", \"indexed\": %s, \"eax\": \"0x%08" PRIx32
                "\", \"ebx\": \"0x%08" PRIx32 "\", \"ecx\": \"0x%08" PRIx32
                "\", \"edx\": \"0x%08" PRIx32 "\"}",
                i ? "," : "", r[i].leaf, r[i].subleaf,
                (r[i].flags & RRT_CPUID_SUBLEAF_INDEXED) ? "true" : "false",
                r[i].eax, r[i].ebx, r[i].ecx, r[i].edx);
    fputc(']', f);
}

void host_json_raw_members(FILE *f, const rrt_cpuid_manifest *m)
{
    fputs("\"records\": ", f);
    json_records(f, m->records, m->n_records);
    fputs(",\n  \"masks\": ", f);
    json_records(f, m->masks, m->n_masks);
    fputs(",\n  \"queried\": [", f);
    for (size_t i = 0; i < m->n_queried; i++)
        fprintf(f,
                "%s{\"leaf\": \"0x%08" PRIx32 "\", \"subleaf\": %" PRIu32 "}",
                i ? ", " : "", m->queried[i].leaf, m->queried[i].subleaf);
    fputc(']', f);
}

const rrt_cpu_feature **host_features_of(const rrt_cpuid_manifest *m, size_t *n)
{
    size_t cap = rrt_cpu_feature_count();
    const rrt_cpu_feature **v = calloc(cap, sizeof(*v));
    if (!v) {
        *n = 0;
        return NULL;
    }
    *n = rrt_cpu_features_list(m, v, cap);
    return v;
}
