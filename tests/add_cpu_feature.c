/* Test helper: copies recording IN to OUT through the public API with one
 * CPU feature added to its CPUID manifest, a user feature this host lacks,
 * so that OUT needs a CPU this machine is not. Prints the feature's name.
 * usage: add_cpu_feature IN OUT   (exit 77 when this host lacks nothing) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rrt/rrt.h>

/* The first user feature, preferring leaf 7 subleaf 0, that the host lacks
 * and that becomes visible in m when its bit is set. Sets it. */
static const rrt_cpu_feature *add_missing(rrt_cpuid_manifest *m,
                                          const rrt_cpuid_manifest *host)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < rrt_cpu_feature_count(); i++) {
            const rrt_cpu_feature *f = rrt_cpu_feature_at(i);
            bool leaf7 = f->leaf == 7 && f->subleaf == 0;
            if (!(f->flags & RRT_FEAT_USER) || leaf7 != (pass == 0) ||
                rrt_cpu_feature_present(host, f) ||
                rrt_cpu_feature_present(m, f))
                continue;
            rrt_cpuid_record *r = (rrt_cpuid_record *)rrt_cpuid_manifest_find(
                m, f->leaf, f->subleaf);
            if (!r)
                continue;
            uint32_t *regs[4] = {&r->eax, &r->ebx, &r->ecx, &r->edx};
            uint32_t old = *regs[f->reg & 3];
            *regs[f->reg & 3] |= 1u << f->bit;
            if (rrt_cpu_feature_present(m, f))
                return f;
            *regs[f->reg & 3] = old; /* masked at record time */
        }
    return NULL;
}

typedef struct blob_src {
    rrt_blob_stream *s;
    rrt_error *err;
} blob_src;

static ssize_t read_blob(void *ctx, void *buf, size_t n)
{
    blob_src *b = ctx;
    size_t got = 0;
    if (rrt_blob_stream_read(b->s, buf, n, &got, b->err) != RRT_OK)
        return -1;
    return (ssize_t)got;
}

static rrt_status copy_blobs(rrt_reader *rd, rrt_writer *w, rrt_error *err)
{
    for (size_t i = 0; i < rrt_reader_blob_count(rd); i++) {
        rrt_blob_id id;
        uint64_t size;
        rrt_reader_blob(rd, i, &id, &size);
        blob_src b = {NULL, err};
        rrt_status st = rrt_blob_stream_open(rd, &id, &b.s, err);
        if (st == RRT_OK)
            st = rrt_writer_add_blob_reader(w, read_blob, &b, "blob", &id, NULL,
                                            NULL, err);
        rrt_blob_stream_close(b.s);
        if (st != RRT_OK)
            return st;
    }
    return RRT_OK;
}

static rrt_status copy_rest(rrt_reader *rd, rrt_writer *w, rrt_error *err)
{
    rrt_status st = RRT_OK;
    for (size_t i = 0; st == RRT_OK && i < rrt_reader_file_count(rd); i++) {
        rrt_file_entry e;
        st = rrt_reader_file(rd, i, &e, err);
        if (st == RRT_OK) {
            st = rrt_writer_add_file(w, &e, err);
            rrt_file_entry_clear(&e);
        }
    }
    const rrt_meta_entry *meta;
    size_t n = 0;
    if (st == RRT_OK)
        st = rrt_reader_meta(rd, &meta, &n, err);
    for (size_t i = 0; st == RRT_OK && i < n; i++)
        st = rrt_writer_set_meta(w, meta[i].key, meta[i].value, err);
    rrt_event_iter *it = NULL;
    if (st == RRT_OK)
        st = rrt_event_iter_open(rd, 0, &it, err);
    rrt_event ev;
    while (st == RRT_OK && (st = rrt_event_iter_next(it, &ev, err)) == RRT_OK)
        st = rrt_writer_add_event(w, ev.type, ev.data, ev.len, err);
    rrt_event_iter_close(it);
    return st == RRT_END ? RRT_OK : st;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: add_cpu_feature IN OUT\n");
        return 2;
    }
    rrt_error err;
    rrt_error_clear(&err);
    rrt_reader *rd = NULL;
    rrt_writer *w = NULL;
    rrt_cpuid_manifest m = {0}, host = {0};
    int rc = 2;
    rrt_status st = rrt_reader_open(argv[1], &rd, &err);
    if (st == RRT_OK)
        st = rrt_reader_cpuid(rd, &m, &err);
    if (st == RRT_OK)
        st = rrt_cpuid_capture_host(&host, &err);
    if (st != RRT_OK)
        goto out;
    const rrt_cpu_feature *f = add_missing(&m, &host);
    if (!f) {
        printf("SKIP: this host has every user feature the table knows\n");
        rc = 77;
        goto out;
    }
    rrt_writer_options opt;
    rrt_writer_options_init(&opt);
    opt.no_sync = true;
    st = rrt_writer_create(argv[2], &opt, &w, &err);
    if (st == RRT_OK)
        st = rrt_writer_set_cpuid(w, &m, &err);
    if (st == RRT_OK)
        st = copy_blobs(rd, w, &err);
    if (st == RRT_OK)
        st = copy_rest(rd, w, &err);
    if (st == RRT_OK)
        st = rrt_writer_finish(w, &err);
    if (st == RRT_OK) {
        printf("%s\n", f->name);
        rc = 0;
    }
out:
    if (rc == 2)
        fprintf(stderr, "add_cpu_feature: %s\n", err.message);
    rrt_writer_free(w);
    rrt_reader_close(rd);
    rrt_cpuid_manifest_clear(&m);
    rrt_cpuid_manifest_clear(&host);
    return rc;
}
