/* Host CPU descriptions with what `rrt verify` and `rrt cpuid` say about
 * them (format, faulting, host name): this host, and files, whose CPUID
 * librrt reads (format/src/cpuid_text.c); saving host and mask files. */
#include "hostfile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void host_init(host_desc *h)
{
    memset(h, 0, sizeof(*h));
    h->faulting = -1;
}

void host_clear(host_desc *h)
{
    rrt_cpuid_manifest_clear(&h->m);
    host_init(h);
}

const char *host_format_name(host_format f)
{
    switch (f) {
    case HOST_LIVE:
        return "live";
    case HOST_ARCHIVE:
        return "rrt";
    case HOST_CPUID_RAW:
        return "cpuid-raw";
    case HOST_LIBVIRT:
        return "libvirt-xml";
    }
    return "?";
}

rrt_status host_capture(host_desc *h, rrt_error *err)
{
    host_init(h);
    rrt_status st = rrt_cpuid_capture_host(&h->m, err);
    if (st != RRT_OK)
        return st;
    h->format = HOST_LIVE;
    h->faulting = rrt_cpuid_host_has_faulting() ? 1 : 0;
    snprintf(h->source, sizeof(h->source), "this host");
    if (gethostname(h->hostname, sizeof(h->hostname) - 1) != 0)
        h->hostname[0] = 0;
    return RRT_OK;
}

/* ------------------------------------------------------------------ */
/* Files: librrt reads the CPUID (rrt_cpuid_load); saved host and mask
 * files also carry metadata. */

static void from_text(host_desc *h, const char *name, rrt_cpuid_source src)
{
    h->format = src == RRT_CPUID_SOURCE_LIBVIRT ? HOST_LIBVIRT : HOST_CPUID_RAW;
    h->xcr0_derived = true;
    snprintf(h->source, sizeof(h->source), "%s", name);
}

rrt_status host_parse_text(const void *data, size_t len, const char *name,
                           host_desc *h, rrt_error *err)
{
    host_init(h);
    rrt_cpuid_source src;
    rrt_status st = rrt_cpuid_parse_text(data, len, name, &h->m, &src, err);
    if (st != RRT_OK)
        return st;
    from_text(h, name, src);
    return RRT_OK;
}

rrt_status host_load(const char *path, host_desc *h, rrt_error *err)
{
    host_init(h);
    rrt_cpuid_source src;
    rrt_status st = rrt_cpuid_load(path, &h->m, &src, err);
    if (st != RRT_OK)
        return st;
    if (src == RRT_CPUID_SOURCE_ARCHIVE) {
        host_clear(h); /* read again with its metadata */
        return host_load_archive(path, h, err);
    }
    from_text(h, path, src);
    return RRT_OK;
}

static void copy_meta(rrt_reader *r, const char *key, char *dst, size_t cap)
{
    const char *v = rrt_reader_meta_get(r, key);
    snprintf(dst, cap, "%s", v ? v : "");
}

rrt_status host_load_archive(const char *path, host_desc *h, rrt_error *err)
{
    host_init(h);
    rrt_reader *r = NULL;
    rrt_status st = rrt_reader_open(path, &r, err);
    if (st != RRT_OK)
        return st;
    st = rrt_reader_cpuid(r, &h->m, err);
    if (st == RRT_E_NOT_FOUND)
        st = host_fail(err, st,
                       "%s: archive has no CPUID manifest (CPID "
                       "section)",
                       path);
    if (st == RRT_OK) {
        h->format = HOST_ARCHIVE;
        snprintf(h->source, sizeof(h->source), "%s", path);
        copy_meta(r, HOST_META_KIND, h->kind, sizeof(h->kind));
        copy_meta(r, HOST_META_HOSTNAME, h->hostname, sizeof(h->hostname));
        const char *f = rrt_reader_meta_get(r, HOST_META_FAULTING);
        h->faulting = !f ? -1 : strcmp(f, "yes") == 0 ? 1 : 0;
        const char *d = rrt_reader_meta_get(r, HOST_META_XCR0_DERIVED);
        h->xcr0_derived = d && strcmp(d, "yes") == 0;
    }
    rrt_reader_close(r);
    if (st != RRT_OK)
        host_clear(h);
    return st;
}

static rrt_status save_meta(rrt_writer *w, const host_desc *h, const char *kind,
                            rrt_error *err)
{
    char source[300];
    snprintf(source, sizeof(source), "%s:%s", host_format_name(h->format),
             h->source);
    rrt_status st = rrt_writer_set_meta(w, HOST_META_KIND, kind, err);
    if (st == RRT_OK)
        st = rrt_writer_set_meta(w, HOST_META_SOURCE, source, err);
    if (st == RRT_OK && h->faulting >= 0)
        st = rrt_writer_set_meta(w, HOST_META_FAULTING,
                                 h->faulting ? "yes" : "no", err);
    if (st == RRT_OK && h->xcr0_derived)
        st = rrt_writer_set_meta(w, HOST_META_XCR0_DERIVED, "yes", err);
    if (st == RRT_OK && h->hostname[0])
        st = rrt_writer_set_meta(w, HOST_META_HOSTNAME, h->hostname, err);
    return st;
}

rrt_status host_save(const char *path, const host_desc *h, const char *kind,
                     rrt_error *err)
{
    rrt_writer_options opt;
    rrt_writer_options_init(&opt);
    opt.threads = 1;
    rrt_writer *w = NULL;
    rrt_status st = rrt_writer_create(path, &opt, &w, err);
    if (st != RRT_OK)
        return st;
    st = rrt_writer_set_cpuid(w, &h->m, err);
    if (st == RRT_OK)
        st = save_meta(w, h, kind, err);
    if (st == RRT_OK)
        st = rrt_writer_finish(w, err);
    rrt_writer_free(w);
    return st;
}

rrt_status host_common(const host_desc *hosts, size_t n, host_desc *out,
                       uint64_t *layout_conflicts, rrt_error *err)
{
    host_init(out);
    *layout_conflicts = 0;
    const rrt_cpuid_manifest **m = calloc(n ? n : 1, sizeof(*m));
    if (!m)
        return host_fail(err, RRT_E_NOMEM, "out of memory combining hosts");
    for (size_t i = 0; i < n; i++)
        m[i] = &hosts[i].m;
    rrt_status st = rrt_cpuid_common(m, n, &out->m, layout_conflicts, err);
    free(m);
    if (st != RRT_OK) {
        host_clear(out);
        return st;
    }
    for (size_t i = 0; i < n; i++)
        out->xcr0_derived |= hosts[i].xcr0_derived;
    out->format = HOST_ARCHIVE;
    out->faulting = -1;
    snprintf(out->kind, sizeof(out->kind), "%s", HOST_KIND_MASK);
    snprintf(out->source, sizeof(out->source), "%s", out->m.mask_name);
    return RRT_OK;
}
