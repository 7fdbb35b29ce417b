/* The CPU compatibility rules (spec/compat.md): named features, XSAVE
 * state components and layout, plus the differences reported only as
 * information; the report of the blocking ones; the intersection of hosts
 * (`rrt cpuid --common`). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrt/compat.h"
#include "rrti.h"

void rrt_compat_clear(rrt_compat *c)
{
    free(c->missing);
    free(c->not_needed);
    free(c->system_missing);
    memset(c, 0, sizeof(*c));
}

bool rrt_cpuid_leaf_queried(const rrt_cpuid_manifest *m, uint32_t leaf,
                            uint32_t subleaf)
{
    if (!(m->flags & RRT_CPUID_QUERIED_KNOWN))
        return true;
    bool indexed = rrt_cpuid_leaf_is_indexed(leaf);
    for (size_t i = 0; i < m->n_queried; i++)
        if (m->queried[i].leaf == leaf &&
            (!indexed || m->queried[i].subleaf == subleaf))
            return true;
    return false;
}

const char *rrt_xsave_component_name(unsigned i)
{
    /* Intel SDM vol. 1, 13.1 "XSAVE-supported features and state-component
     * bitmaps"; names follow Linux's xfeature names, shortened. */
    static const char *const names[] = {
        "x87",    "sse",       "avx",      "bndregs",   "bndcsr",
        "opmask", "zmm_hi256", "hi16_zmm", "pt",        "pkru",
        "pasid",  "cet_u",     "cet_s",    "hdc",       "uintr",
        "lbr",    "hwp",       "xtilecfg", "xtiledata", "apx",
    };
    return i < sizeof(names) / sizeof(names[0]) ? names[i] : "unknown";
}

bool rrt_cpu_signature(const rrt_cpuid_manifest *m, unsigned *family,
                       unsigned *model, unsigned *stepping)
{
    const rrt_cpuid_record *r = rrt_cpuid_manifest_find(m, 1, 0);
    if (!r)
        return false;
    unsigned base_family = (r->eax >> 8) & 0xf;
    unsigned base_model = (r->eax >> 4) & 0xf;
    *family = base_family;
    if (base_family == 0xf)
        *family += (r->eax >> 20) & 0xff;
    *model = base_model;
    if (base_family == 0x6 || base_family == 0xf)
        *model |= ((r->eax >> 16) & 0xf) << 4;
    *stepping = r->eax & 0xf;
    return true;
}

void rrt_cpu_brand(const rrt_cpuid_manifest *m, char out[49])
{
    size_t n = 0;
    for (uint32_t leaf = 0x80000002u; leaf <= 0x80000004u; leaf++) {
        const rrt_cpuid_record *r = rrt_cpuid_manifest_find(m, leaf, 0);
        if (!r)
            break;
        uint32_t regs[4] = {r->eax, r->ebx, r->ecx, r->edx};
        memcpy(out + n, regs, 16);
        n += 16;
    }
    out[n] = 0;
    size_t len = strnlen(out, n);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] >= 0x7f)
            out[i] = '?';
    while (len && out[len - 1] == ' ')
        out[--len] = 0;
    size_t lead = strspn(out, " ");
    memmove(out, out + lead, len - lead + 1);
}

/* Adds f to one of the three lists (each sized for the whole table). */
static void classify(rrt_compat *c, const rrt_cpuid_manifest *rec,
                     const rrt_cpu_feature *f)
{
    if (!(f->flags & RRT_FEAT_USER))
        c->system_missing[c->n_system_missing++] = f;
    else if (!rrt_cpuid_leaf_queried(rec, f->leaf, f->subleaf))
        c->not_needed[c->n_not_needed++] = f;
    else
        c->missing[c->n_missing++] = f;
}

static void check_features(rrt_compat *c, const rrt_cpuid_manifest *rec,
                           const rrt_cpuid_manifest *host)
{
    size_t n = rrt_cpu_feature_count();
    for (size_t i = 0; i < n; i++) {
        const rrt_cpu_feature *f = rrt_cpu_feature_at(i);
        if (rrt_cpu_feature_present(rec, f) &&
            !rrt_cpu_feature_present(host, f))
            classify(c, rec, f);
    }
}

/* Every component some table feature uses (rrt_cpu_feature_xstate). */
static uint64_t xstate_known(void)
{
    uint64_t known = 0;
    size_t n = rrt_cpu_feature_count();
    for (size_t i = 0; i < n; i++)
        known |= rrt_cpu_feature_xstate(rrt_cpu_feature_at(i));
    return known;
}

uint64_t rrt_xsave_usable(const rrt_cpuid_manifest *m)
{
    /* x87 and SSE need no feature beyond the baseline; a component no
     * feature of the table names may be used by anything. */
    uint64_t usable = 0x3 | ~xstate_known();
    size_t n = rrt_cpu_feature_count();
    for (size_t i = 0; i < n; i++) {
        const rrt_cpu_feature *f = rrt_cpu_feature_at(i);
        uint64_t x = rrt_cpu_feature_xstate(f);
        if (x && rrt_cpu_feature_present(m, f) &&
            rrt_cpuid_leaf_queried(m, f->leaf, f->subleaf))
            usable |= x;
    }
    return usable & m->xcr0;
}

/* CPUID 0xD.0 EBX as the program saw it: the XSAVE area size for the
 * components enabled in XCR0; 0 when not described. */
static uint32_t xsave_area_size(const rrt_cpuid_manifest *m)
{
    uint32_t v[4];
    return rrt_cpuid_manifest_effective(m, 0xd, 0, v) ? v[RRT_REG_EBX] : 0;
}

/* XCR0 cannot be trapped (XGETBV is not CPUID), so the host's XCR0 is what
 * it is. A component matters only if the recorded program could use it:
 * then the host must enable it, with the same size and offset, or the
 * XSAVE images the program keeps in memory differ between record and
 * replay. The others are reported as information. */
static void check_xsave(rrt_compat *c, const rrt_cpuid_manifest *rec,
                        const rrt_cpuid_manifest *host)
{
    c->rec_usable = rrt_xsave_usable(rec);
    uint64_t missing = rec->xcr0 & ~host->xcr0;
    c->xcr0_missing = missing & c->rec_usable;
    c->xcr0_missing_unused = missing & ~c->rec_usable;
    c->rec_xsave_size = xsave_area_size(rec);
    c->host_xsave_size = xsave_area_size(host);
    uint64_t both = rec->xcr0 & host->xcr0;
    for (unsigned i = 2; i < 64; i++) {
        uint64_t bit = (uint64_t)1 << i;
        if (!(both & bit))
            continue;
        const rrt_cpuid_record *r = rrt_cpuid_manifest_find(rec, 0xd, i);
        const rrt_cpuid_record *h = rrt_cpuid_manifest_find(host, 0xd, i);
        if (!r || !h) {
            c->layout_unknown |= bit;
            continue;
        }
        if (r->eax == h->eax && r->ebx == h->ebx)
            continue;
        rrt_xsave_diff d = {i, r->eax, r->ebx, h->eax, h->ebx};
        if (c->rec_usable & bit)
            c->layout[c->n_layout++] = d;
        else
            c->layout_unused[c->n_layout_unused++] = d;
    }
}

/* True when both manifests hold the same records for `leaf`, comparing
 * only the registers in reg_mask (bit i = register i). */
static bool same_leaf(const rrt_cpuid_manifest *a, const rrt_cpuid_manifest *b,
                      uint32_t leaf, unsigned reg_mask)
{
    for (uint32_t sub = 0; sub < 64; sub++) {
        const rrt_cpuid_record *x = rrt_cpuid_manifest_find(a, leaf, sub);
        const rrt_cpuid_record *y = rrt_cpuid_manifest_find(b, leaf, sub);
        if (!x && !y)
            return true;
        if (!x || !y)
            return false;
        uint32_t rx[4] = {x->eax, x->ebx, x->ecx, x->edx};
        uint32_t ry[4] = {y->eax, y->ebx, y->ecx, y->edx};
        for (unsigned r = 0; r < 4; r++)
            if ((reg_mask >> r & 1) && rx[r] != ry[r])
                return false;
        if (!(x->flags & RRT_CPUID_SUBLEAF_INDEXED))
            return true;
    }
    return true;
}

static void check_info(rrt_compat *c, const rrt_cpuid_manifest *rec,
                       const rrt_cpuid_manifest *host)
{
    c->vendor_differs = strcmp(rec->vendor, host->vendor) != 0;
    unsigned f1 = 0, m1 = 0, s1 = 0, f2 = 0, m2 = 0, s2 = 0;
    bool k1 = rrt_cpu_signature(rec, &f1, &m1, &s1);
    bool k2 = rrt_cpu_signature(host, &f2, &m2, &s2);
    c->signature_differs = k1 != k2 || f1 != f2 || m1 != m2 || s1 != s2;
    static const uint32_t cache[] = {0x2, 0x4, 0x80000005u, 0x80000006u,
                                     0x8000001du};
    for (size_t i = 0; i < sizeof(cache) / sizeof(cache[0]); i++)
        if (!same_leaf(rec, host, cache[i], 0xf))
            c->cache_differs = true;
    /* EDX of the topology leaves is the x2APIC ID of the CPU that ran
     * CPUID, which differs between CPUs of one machine. */
    static const uint32_t topo[] = {0xb, 0x1f, 0x80000026u};
    for (size_t i = 0; i < sizeof(topo) / sizeof(topo[0]); i++)
        if (!same_leaf(rec, host, topo[i], 0x7))
            c->topology_differs = true;
}

rrt_status rrt_compat_check(const rrt_cpuid_manifest *rec,
                            const rrt_cpuid_manifest *host, rrt_compat *out,
                            rrt_error *err)
{
    memset(out, 0, sizeof(*out));
    size_t n = rrt_cpu_feature_count();
    out->missing = calloc(n, sizeof(*out->missing));
    out->not_needed = calloc(n, sizeof(*out->not_needed));
    out->system_missing = calloc(n, sizeof(*out->system_missing));
    if (!out->missing || !out->not_needed || !out->system_missing) {
        rrt_compat_clear(out);
        return rrtx_fail(err, RRT_E_NOMEM, 0, NULL, UINT64_MAX,
                         "out of memory comparing CPUs");
    }
    out->rec_xcr0 = rec->xcr0;
    out->host_xcr0 = host->xcr0;
    check_features(out, rec, host);
    check_xsave(out, rec, host);
    check_info(out, rec, host);
    out->compatible =
        out->n_missing == 0 && out->xcr0_missing == 0 && out->n_layout == 0;
    return RRT_OK;
}

/* ------------------------------------------------------------------ */
/* Reports (`rrt verify --host`, `rrt replay`, `rrt cpuid`)           */

#define WRAP 79

static bool same_group(const rrt_cpu_feature *a, const rrt_cpu_feature *b)
{
    return a->leaf == b->leaf && a->subleaf == b->subleaf && a->reg == b->reg;
}

static int group_label(char *out, size_t cap, const rrt_cpu_feature *f)
{
    static const char *const regs[] = {"EAX", "EBX", "ECX", "EDX"};
    if (rrt_cpuid_leaf_is_indexed(f->leaf))
        return snprintf(out, cap,
                        "CPUID 0x%" PRIx32 ".%" PRIu32 " %s:", f->leaf,
                        f->subleaf, regs[f->reg & 3]);
    return snprintf(out, cap, "CPUID 0x%" PRIx32 " %s:", f->leaf,
                    regs[f->reg & 3]);
}

void rrt_cpu_features_format(const rrt_cpu_feature *const *v, size_t n,
                             const char *indent, FILE *f)
{
    size_t ind = strlen(indent);
    for (size_t i = 0; i < n;) {
        char label[48];
        int k = group_label(label, sizeof(label), v[i]);
        size_t col = ind + (k > 0 ? (size_t)k : 0);
        fprintf(f, "%s%s", indent, label);
        size_t j = i;
        for (; j < n && same_group(v[i], v[j]); j++) {
            size_t w = strlen(v[j]->name) + 1;
            if (col + w > WRAP && col > ind + 8) {
                fprintf(f, "\n%s   ", indent);
                col = ind + 3;
            }
            fprintf(f, " %s", v[j]->name);
            col += w;
        }
        fputc('\n', f);
        i = j;
    }
}

void rrt_xsave_components_format(uint64_t mask, FILE *f)
{
    const char *sep = "";
    for (unsigned i = 0; i < 64; i++)
        if (mask & ((uint64_t)1 << i)) {
            const char *name = rrt_xsave_component_name(i);
            if (strcmp(name, "unknown") == 0)
                fprintf(f, "%scomponent%u", sep, i);
            else
                fprintf(f, "%s%s", sep, name);
            sep = " ";
        }
    if (!*sep)
        fputs("none", f);
}

void rrt_compat_format(const rrt_compat *c, FILE *f)
{
    if (c->n_missing) {
        fprintf(f, "  missing CPU features the recording may use (%zu):\n",
                c->n_missing);
        rrt_cpu_features_format(c->missing, c->n_missing, "    ", f);
    }
    if (c->xcr0_missing) {
        fputs("  XSAVE state components not enabled on the host: ", f);
        rrt_xsave_components_format(c->xcr0_missing, f);
        fprintf(f,
                "\n    (XCR0 0x%" PRIx64 " recorded, 0x%" PRIx64
                " on the host)\n",
                c->rec_xcr0, c->host_xcr0);
    }
    for (size_t i = 0; i < c->n_layout; i++) {
        const rrt_xsave_diff *d = &c->layout[i];
        fprintf(f,
                "  XSAVE component %u (%s) differs: size %" PRIu32
                " offset %" PRIu32 " recorded, size %" PRIu32 " offset %" PRIu32
                " on the host\n",
                d->component, rrt_xsave_component_name(d->component),
                d->rec_size, d->rec_offset, d->host_size, d->host_offset);
    }
}

/* ------------------------------------------------------------------ */
/* Intersection of hosts (`rrt cpuid --common`)                       */

static uint32_t effective_reg(const rrt_cpuid_manifest *m, uint32_t leaf,
                              uint32_t subleaf, unsigned reg)
{
    uint32_t v[4];
    if (!rrt_cpuid_manifest_effective(m, leaf, subleaf, v))
        return 0; /* no record: the host does not offer these bits */
    return v[reg & 3];
}

static rrt_cpuid_mask *mask_for(rrt_cpuid_manifest *m, uint32_t leaf,
                                uint32_t subleaf)
{
    bool indexed = rrt_cpuid_leaf_is_indexed(leaf);
    uint32_t sub = indexed ? subleaf : 0;
    for (size_t i = 0; i < m->n_masks; i++)
        if (m->masks[i].leaf == leaf && m->masks[i].subleaf == sub)
            return &m->masks[i];
    return rrti_mask_add(m, leaf, sub);
}

/* One mask register per (leaf, subleaf, register) group of the table. */
static rrt_status common_masks(const rrt_cpuid_manifest *const *hosts, size_t n,
                               rrt_cpuid_manifest *out, rrt_error *err)
{
    size_t nf = rrt_cpu_feature_count();
    for (size_t i = 0; i < nf; i++) {
        const rrt_cpu_feature *f = rrt_cpu_feature_at(i);
        const rrt_cpu_feature *prev = i ? rrt_cpu_feature_at(i - 1) : NULL;
        if (prev && prev->leaf == f->leaf && prev->subleaf == f->subleaf &&
            prev->reg == f->reg)
            continue;
        uint32_t v = UINT32_MAX;
        for (size_t h = 0; h < n; h++)
            v &= effective_reg(hosts[h], f->leaf, f->subleaf, f->reg);
        rrt_cpuid_mask *k = mask_for(out, f->leaf, f->subleaf);
        if (!k)
            return rrtx_fail(err, RRT_E_NOMEM, 0, NULL, UINT64_MAX,
                             "out of memory building a CPU mask");
        uint32_t *regs[4] = {&k->eax, &k->ebx, &k->ecx, &k->edx};
        *regs[f->reg & 3] = v;
    }
    return rrt_cpuid_manifest_normalize(out, err);
}

/* Components of xcr0 whose size or offset differ between hosts. As in
 * rrt_compat_check, a host that does not describe a component (a
 * hand-written file without its leaf 0xD subleaf) is not compared. */
static uint64_t layout_conflicts_of(const rrt_cpuid_manifest *const *hosts,
                                    size_t n, uint64_t xcr0)
{
    uint64_t bad = 0;
    for (unsigned i = 2; i < 64; i++) {
        if (!(xcr0 & ((uint64_t)1 << i)))
            continue;
        const rrt_cpuid_record *ref = NULL;
        for (size_t h = 0; h < n; h++) {
            const rrt_cpuid_record *r =
                rrt_cpuid_manifest_find(hosts[h], 0xd, i);
            if (!r)
                continue;
            if (!ref)
                ref = r;
            else if (r->eax != ref->eax || r->ebx != ref->ebx)
                bad |= (uint64_t)1 << i;
        }
    }
    return bad;
}

/* Hides every user feature visible in m that uses a component in bad. */
static rrt_status hide_xstate_users(rrt_cpuid_manifest *m, uint64_t bad,
                                    rrt_error *err)
{
    size_t n = rrt_cpu_feature_count();
    for (size_t i = 0; i < n; i++) {
        const rrt_cpu_feature *f = rrt_cpu_feature_at(i);
        if (!(rrt_cpu_feature_xstate(f) & bad) ||
            !rrt_cpu_feature_present(m, f))
            continue;
        rrt_status st = rrt_cpuid_mask_feature(m, f, err);
        if (st != RRT_OK)
            return st;
    }
    return RRT_OK;
}

/* Components a feature can make usable that a program could not use on
 * every one of these hosts: not enabled in `xcr0`, or laid out
 * differently (conflicts). */
static uint64_t unusable_everywhere(uint64_t xcr0, uint64_t conflicts)
{
    return (xstate_known() & ~xcr0) | conflicts;
}

rrt_status rrt_cpuid_mask_for_host(rrt_cpuid_manifest *m,
                                   const rrt_cpuid_manifest *host,
                                   rrt_error *err)
{
    size_t n = rrt_cpu_feature_count();
    for (size_t i = 0; i < n; i++) {
        const rrt_cpu_feature *f = rrt_cpu_feature_at(i);
        if (!(f->flags & RRT_FEAT_USER) || !rrt_cpu_feature_present(m, f) ||
            rrt_cpu_feature_present(host, f))
            continue;
        rrt_status st = rrt_cpuid_mask_feature(m, f, err);
        if (st != RRT_OK)
            return st;
    }
    const rrt_cpuid_manifest *pair[2] = {m, host};
    uint64_t conflicts = layout_conflicts_of(pair, 2, m->xcr0 & host->xcr0);
    return hide_xstate_users(m, unusable_everywhere(host->xcr0, conflicts),
                             err);
}

rrt_status rrt_cpuid_mask_from_file(rrt_cpuid_manifest *m, const char *path,
                                    rrt_error *err)
{
    rrt_cpuid_manifest host;
    rrt_cpuid_source source;
    rrt_status st = rrt_cpuid_load(path, &host, &source, err);
    if (st == RRT_OK)
        st = rrt_cpuid_mask_for_host(m, &host, err);
    rrt_cpuid_manifest_clear(&host);
    if (st != RRT_OK)
        return st;
    const char *base = strrchr(path, '/');
    snprintf(m->mask_name, sizeof(m->mask_name), "%s", base ? base + 1 : path);
    return RRT_OK;
}

rrt_status rrt_cpuid_common(const rrt_cpuid_manifest *const *hosts, size_t n,
                            rrt_cpuid_manifest *out, uint64_t *layout_conflicts,
                            rrt_error *err)
{
    memset(out, 0, sizeof(*out));
    *layout_conflicts = 0;
    if (n == 0)
        return rrtx_fail(err, RRT_E_INVALID, 0, NULL, UINT64_MAX,
                         "no hosts to combine");
    rrt_status st = rrt_cpuid_manifest_copy(out, hosts[0], err);
    if (st != RRT_OK)
        return st;
    free(out->masks);
    free(out->queried);
    out->masks = NULL;
    out->queried = NULL;
    out->n_masks = out->n_queried = 0;
    out->flags = RRT_CPUID_MASKED;
    snprintf(out->mask_name, sizeof(out->mask_name), "common(%zu host%s)", n,
             n == 1 ? "" : "s");
    for (size_t h = 0; h < n; h++)
        out->xcr0 &= hosts[h]->xcr0;
    st = common_masks(hosts, n, out, err);
    uint64_t conflicts = layout_conflicts_of(hosts, n, out->xcr0);
    if (st == RRT_OK)
        st = hide_xstate_users(out, unusable_everywhere(out->xcr0, conflicts),
                               err);
    if (st != RRT_OK) {
        rrt_cpuid_manifest_clear(out);
        return st;
    }
    *layout_conflicts = conflicts;
    return RRT_OK;
}
