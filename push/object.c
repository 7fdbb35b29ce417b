/* Store objects of layout 2 (spec/store.md 3.1): a blob, or the recording
 * manifest, kept compressed as an .rrt archive that holds that one blob and
 * nothing else, written with fixed writer options so that the same bytes
 * always give the same object and digest, and dedupe works across machines. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storei.h"

static void object_options(rrt_writer_options *o)
{
    rrt_writer_options_init(o);
    o->quality = STORE_OBJECT_QUALITY;
    o->chunk_size = STORE_OBJECT_CHUNK;
    o->x86_filter = true;
    o->shared_chunks = false; /* one blob: nothing to share */
    o->threads = 1;           /* callers run several objects at once */
    o->no_sync = true;        /* a temporary file, hashed, then sent */
    o->mode = 0600;
}

rrt_status store_object_write(const char *path, rrt_read_fn fn, void *ctx,
                              const char *name, const rrt_blob_id *expect,
                              rrt_blob_id *id, uint64_t *size, rrt_error *err)
{
    rrt_writer_options o;
    object_options(&o);
    unlink(path);
    rrt_writer *w;
    rrt_status st = rrt_writer_create(path, &o, &w, err);
    if (st != RRT_OK)
        return st;
    st = rrt_writer_add_blob_reader(w, fn, ctx, name, expect, id, size, err);
    if (st == RRT_OK)
        st = rrt_writer_finish(w, err);
    rrt_writer_free(w);
    return st;
}

rrt_status store_object_open(const char *path, const char *what,
                             const rrt_blob_id *id, uint64_t size,
                             rrt_reader **out, rrt_blob_id *got, rrt_error *err)
{
    rrt_reader *r;
    rrt_status st = rrt_reader_open(path, &r, err);
    if (st != RRT_OK)
        return st;
    rrt_archive_info in;
    rrt_reader_info(r, &in);
    rrt_blob_id have = {0};
    uint64_t have_size = 0;
    if (in.n_blobs == 1)
        rrt_reader_blob(r, 0, &have, &have_size);
    const char *why = NULL;
    if (in.n_blobs != 1 || in.n_files || in.n_events)
        why = "is not an archive of exactly one blob";
    else if (id && rrt_blob_id_cmp(&have, id) != 0)
        why = "holds another blob than the manifest lists";
    else if (id && have_size != size)
        why = "holds a blob of another size than the manifest lists";
    if (why) {
        rrt_reader_close(r);
        return store_fail_msg(err, RRT_E_CORRUPT, "%s %s %s", what, path, why);
    }
    if (got)
        *got = have;
    *out = r;
    return RRT_OK;
}

/* ------------------------------------------------------------------ */
/* Building the objects of an archive's blobs, several at once        */

typedef struct build {
    const char *archive, *dir;
    store_blob_ref *blobs;
    size_t n;
    size_t *order; /* largest first: a big blob started last runs alone */
    pthread_mutex_t mu;
    size_t next;
    rrt_status status;
    rrt_error err;
} build;

typedef struct stream_src {
    rrt_blob_stream *s;
    rrt_error err;
    bool failed;
} stream_src;

static ssize_t stream_read(void *ctx, void *buf, size_t n)
{
    stream_src *src = ctx;
    size_t got = 0;
    if (rrt_blob_stream_read(src->s, buf, n, &got, &src->err) != RRT_OK) {
        src->failed = true;
        errno = EIO;
        return -1;
    }
    return (ssize_t)got;
}

void store_object_path(const char *dir, size_t i, char *out, size_t size)
{
    rrtx_format(out, size, "%s/%zu.rrt", dir, i);
}

static rrt_status build_one(build *b, rrt_reader *r, size_t i, rrt_error *err)
{
    store_blob_ref *ref = &b->blobs[i];
    char path[4200];
    store_object_path(b->dir, i, path, sizeof(path));
    stream_src src = {0};
    rrt_status st = rrt_blob_stream_open(r, &ref->id, &src.s, err);
    if (st != RRT_OK)
        return st;
    st = store_object_write(path, stream_read, &src, b->archive, &ref->id, NULL,
                            NULL, err);
    rrt_blob_stream_close(src.s);
    if (st != RRT_OK && src.failed && err)
        *err = src.err; /* the reader's message names the damage */
    if (st == RRT_OK && !store_sha256_file(path, ref->sha256, &ref->obj_size))
        st = store_fail_msg(err, RRT_E_IO, "%s: %s", path, strerror(errno));
    return st;
}

static void *build_worker(void *arg)
{
    build *b = arg;
    rrt_reader *r = NULL;
    rrt_error err;
    rrt_error_clear(&err);
    rrt_status st = rrt_reader_open(b->archive, &r, &err);
    for (;;) {
        pthread_mutex_lock(&b->mu);
        if (st != RRT_OK && b->status == RRT_OK) {
            b->status = st;
            b->err = err;
        }
        size_t k = b->status == RRT_OK && b->next < b->n ? b->next++ : b->n;
        pthread_mutex_unlock(&b->mu);
        if (k == b->n)
            break;
        st = build_one(b, r, b->order[k], &err);
    }
    rrt_reader_close(r);
    return NULL;
}

static int by_size_desc(const void *pa, const void *pb, void *ctx)
{
    const store_blob_ref *blobs = ctx;
    uint64_t a = blobs[*(const size_t *)pa].size;
    uint64_t b = blobs[*(const size_t *)pb].size;
    if (a != b)
        return a > b ? -1 : 1;
    return *(const size_t *)pa < *(const size_t *)pb ? -1 : 1;
}

static unsigned build_threads(size_t n)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned t = cpus < 1 ? 1 : cpus > 8 ? 8 : (unsigned)cpus;
    return n < t ? (n ? (unsigned)n : 1) : t;
}

rrt_status store_objects_build(const char *archive, const char *dir,
                               store_blob_ref *blobs, size_t n, rrt_error *err)
{
    build b = {.archive = archive, .dir = dir, .blobs = blobs, .n = n};
    b.order = malloc((n ? n : 1) * sizeof(*b.order));
    if (!b.order)
        return store_fail_msg(err, RRT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        b.order[i] = i;
    qsort_r(b.order, n, sizeof(*b.order), by_size_desc, blobs);
    rrt_error_clear(&b.err);
    pthread_mutex_init(&b.mu, NULL);
    unsigned want = build_threads(n), started = 0;
    pthread_t t[8];
    for (; started < want - 1; started++)
        if (pthread_create(&t[started], NULL, build_worker, &b) != 0)
            break;
    build_worker(&b); /* the calling thread is one of the workers */
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    pthread_mutex_destroy(&b.mu);
    free(b.order);
    if (b.status != RRT_OK && err)
        *err = b.err;
    return b.status;
}
