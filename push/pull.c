/* rrt pull: reference, manifest and blobs into a verified cache, then the
 * archive rebuilt from the manifest, verified, and renamed into place.
 * Store layout 2 holds compressed objects (one-blob archives), layout 1
 * raw bytes; the reference says which. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "store_dl.h"
#include "storei.h"

static rrt_status mkdirs(const char *path, rrt_error *err)
{
    char buf[4096];
    rrtx_format(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return store_fail_msg(err, RRT_E_IO, "%s: cannot create: %s", buf,
                                  strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return store_fail_msg(err, RRT_E_IO, "%s: cannot create: %s", buf,
                              strerror(errno));
    return RRT_OK;
}

static rrt_status cache_dir(const store_options *o, char *out, size_t size,
                            rrt_error *err)
{
    const char *env = getenv("RRT_CACHE_DIR");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (o->cache_dir)
        rrtx_format(out, size, "%s/sha256", o->cache_dir);
    else if (env && *env)
        rrtx_format(out, size, "%s/sha256", env);
    else if (xdg && *xdg)
        rrtx_format(out, size, "%s/rrt/sha256", xdg);
    else if (home && *home)
        rrtx_format(out, size, "%s/.cache/rrt/sha256", home);
    else
        return store_fail_msg(err, RRT_E_INVALID,
                              "no cache directory: set "
                              "RRT_CACHE_DIR or use --cache DIR");
    return mkdirs(out, err);
}

/* A download into the cache: written to HEX.tmp, checked, renamed. */
typedef struct fetch {
    store_xfer x;
    char path[4200], tmp[4220];
    uint8_t sha256[32];
    char hex[65];
    uint64_t size, got;
    FILE *f;
    store_sha256 *h;
    const char *what;
    bool fetched;
} fetch;

static bool fetch_begin(store_xfer *x, rrt_error *err)
{
    fetch *f = x->ctx;
    if (f->f)
        fclose(f->f);
    f->f = fopen(f->tmp, "wb");
    f->got = 0;
    if (!f->f) {
        store_fail_msg(err, RRT_E_IO, "%s: %s", f->tmp, strerror(errno));
        return false;
    }
    if (!f->h)
        f->h = store_sha256_new();
    else
        store_sha256_final(f->h, (uint8_t[32]){0}); /* reset */
    if (!f->h) {
        store_fail_msg(err, RRT_E_NOMEM, "out of memory");
        return false;
    }
    return true;
}

static bool fetch_write(store_xfer *x, const char *p, size_t n)
{
    fetch *f = x->ctx;
    if (n > f->size - f->got) {
        rrtx_format(x->why, sizeof(x->why),
                    "%s sha256:%.16s..: the store sent "
                    "more than the %llu bytes the manifest lists",
                    f->what, f->hex, (unsigned long long)f->size);
        return false;
    }
    if (fwrite(p, 1, n, f->f) != n) {
        rrtx_format(x->why, sizeof(x->why), "%s: %s", f->tmp, strerror(errno));
        return false;
    }
    store_sha256_update(f->h, p, n);
    f->got += n;
    return true;
}

static store_xfer_next fetch_done(store_xfer *x, rrt_error *err)
{
    fetch *f = x->ctx;
    if (x->status != 200) {
        store_http_status_error(x, err);
        return STORE_XFER_FAIL;
    }
    uint8_t d[32];
    store_sha256_final(f->h, d);
    bool ok = fclose(f->f) == 0;
    f->f = NULL;
    if (!ok) {
        store_fail_msg(err, RRT_E_IO, "%s: %s", f->tmp, strerror(errno));
        return STORE_XFER_FAIL;
    }
    if (f->got != f->size || memcmp(d, f->sha256, 32) != 0) {
        unlink(f->tmp);
        char hex[65];
        rrtx_hex_encode(d, 32, hex);
        store_fail_msg(err, RRT_E_HASH,
                       "%s sha256:%s from %s is damaged: got "
                       "%llu bytes with SHA-256 %.16s.., the manifest lists "
                       "%llu bytes",
                       f->what, f->hex, x->url, (unsigned long long)f->got, hex,
                       (unsigned long long)f->size);
        return STORE_XFER_FAIL;
    }
    if (rename(f->tmp, f->path) != 0) {
        store_fail_msg(err, RRT_E_IO, "%s: %s", f->path, strerror(errno));
        return STORE_XFER_FAIL;
    }
    f->fetched = true;
    return STORE_XFER_DONE;
}

static void fetch_init(fetch *f, const store_store_url *u, const char *dir,
                       const uint8_t sha[32], uint64_t size, const char *what)
{
    memset(f, 0, sizeof(*f));
    memcpy(f->sha256, sha, 32);
    rrtx_hex_encode(sha, 32, f->hex);
    f->size = size;
    f->what = what;
    rrtx_format(f->path, sizeof(f->path), "%s/%s", dir, f->hex);
    rrtx_format(f->tmp, sizeof(f->tmp), "%s.%ld.tmp", f->path, (long)getpid());
    f->x.method = "GET";
    f->x.begin = fetch_begin;
    f->x.write = fetch_write;
    f->x.done = fetch_done;
    f->x.ctx = f;
    store_blob_url(u, f->hex, f->x.url, sizeof(f->x.url));
}

static void fetch_release(fetch *f)
{
    if (f->f) {
        fclose(f->f);
        unlink(f->tmp);
    }
    store_sha256_free(f->h);
    f->f = NULL;
    f->h = NULL;
}

static bool cached(const char *path, uint64_t size)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
           (uint64_t)sb.st_size == size;
}

/* 64 lowercase digits, the only spelling a pointer uses. */
static bool parse_hex32(const char *s, uint8_t out[32])
{
    return strspn(s, "0123456789abcdef") >= 64 && rrtx_hex_decode(s, 64, out);
}

static rrt_status parse_pointer(const store_store_url *u, const store_membuf *b,
                                uint8_t sha[32], uint64_t *size,
                                unsigned *layout, rrt_error *err)
{
    const char *p = b->data ? b->data : "";
    size_t ml = strlen(POINTER_MAGIC);
    char *end;
    *layout = b->len >= ml && strncmp(p, POINTER_MAGIC_V1, ml) == 0 ? 1 : 2;
    if (b->len < ml + 7 + 64 + 2 ||
        strncmp(p, *layout == 1 ? POINTER_MAGIC_V1 : POINTER_MAGIC, ml) != 0 ||
        strncmp(p + ml, "sha256:", 7) != 0 || !parse_hex32(p + ml + 7, sha) ||
        p[ml + 71] != ' ')
        return store_fail_msg(err, RRT_E_PARSE, "%s: not an rrt recording",
                              u->shown);
    errno = 0;
    unsigned long long v = strtoull(p + ml + 72, &end, 10);
    if (errno || end == p + ml + 72 || strcmp(end, "\n") != 0 ||
        v > (1ull << 40))
        return store_fail_msg(err, RRT_E_PARSE, "%s: not an rrt recording",
                              u->shown);
    *size = v;
    return RRT_OK;
}

static rrt_status parse_oci(const store_store_url *u, const store_membuf *b,
                            uint8_t sha[32], uint64_t *size, unsigned *layout,
                            rrt_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(b->data ? b->data : "", b->len, 0, &je);
    const char *at = NULL, *mt = NULL, *dg = NULL;
    json_int_t sz = -1;
    json_t *layers = root ? json_object_get(root, "layers") : NULL;
    json_t *first = json_is_array(layers) ? json_array_get(layers, 0) : NULL;
    if (root)
        json_unpack(root, "{s?s}", "artifactType", &at);
    if (first)
        json_unpack(first, "{s:s,s:s,s:I}", "mediaType", &mt, "digest", &dg,
                    "size", &sz);
    rrt_status st = RRT_OK;
    *layout = at && strcmp(at, RRT_ARTIFACT_TYPE_V1) == 0 ? 1 : 2;
    const char *want_at =
        *layout == 1 ? RRT_ARTIFACT_TYPE_V1 : RRT_ARTIFACT_TYPE;
    const char *want_mt =
        *layout == 1 ? RRT_MANIFEST_TYPE_V1 : RRT_MANIFEST_TYPE;
    if (!root)
        st = store_fail_msg(err, RRT_E_PARSE, "%s: bad OCI manifest: %s",
                            u->shown, je.text);
    else if (!at || strcmp(at, want_at) != 0 || !mt ||
             strcmp(mt, want_mt) != 0 || !dg ||
             strncmp(dg, "sha256:", 7) != 0 || strlen(dg) != 71 ||
             !parse_hex32(dg + 7, sha) || sz < 0)
        st = store_fail_msg(err, RRT_E_PARSE,
                            "%s: not an rrt recording "
                            "(artifactType %s)",
                            u->shown, at ? at : "none");
    else
        *size = (uint64_t)sz;
    json_decref(root);
    return st;
}

static rrt_status get_reference(store_http *h, const store_store_url *u,
                                uint8_t sha[32], uint64_t *size,
                                unsigned *layout, rrt_error *err)
{
    store_membuf b = {NULL, 0, u->oci ? 4u << 20 : 4096};
    long status;
    rrt_status st = store_http_simple(h, "GET", u->ref, NULL,
                                      u->oci ? OCI_MANIFEST_TYPE : NULL, NULL,
                                      &b, &status, err);
    if (st == RRT_OK)
        st = u->oci ? parse_oci(u, &b, sha, size, layout, err)
                    : parse_pointer(u, &b, sha, size, layout, err);
    free(b.data);
    return st;
}

/* Blob bytes for the writer, from the cache, with SHA-256 checked again
 * at the end (the writer checks the XXH3 id itself). */
typedef struct cache_read {
    int fd;
    store_sha256 *h;
    const store_blob_ref *b;
    uint64_t got;
    bool bad;
} cache_read;

static ssize_t cache_read_fn(void *ctx, void *buf, size_t n)
{
    cache_read *c = ctx;
    ssize_t k = read(c->fd, buf, n);
    if (k > 0) {
        store_sha256_update(c->h, buf, (size_t)k);
        c->got += (uint64_t)k;
    } else if (k == 0) {
        uint8_t d[32];
        store_sha256_final(c->h, d);
        if (c->got != c->b->size || memcmp(d, c->b->sha256, 32) != 0) {
            c->bad = true;
            errno = EBADMSG;
            return -1;
        }
    }
    return k;
}

typedef struct pull_src {
    const char *dir;
    unsigned layout;
    store_sha256 *h;
} pull_src;

typedef struct object_read {
    rrt_blob_stream *s;
    rrt_error err;
    bool failed;
} object_read;

static ssize_t object_read_fn(void *ctx, void *buf, size_t n)
{
    object_read *o = ctx;
    size_t got = 0;
    if (rrt_blob_stream_read(o->s, buf, n, &got, &o->err) != RRT_OK) {
        o->failed = true;
        errno = EBADMSG;
        return -1;
    }
    return (ssize_t)got;
}

/* Layout 2: the cached object is hashed again (it may have changed since
 * it was verified), opened as a one-blob archive, and its blob, whose
 * chunks and id the reader checks, streamed into the writer. */
static rrt_status add_cached_object(rrt_writer *w, const store_blob_ref *b,
                                    const char *path, const char *idhex,
                                    rrt_error *err)
{
    uint8_t d[32];
    uint64_t size = 0;
    if (!store_sha256_file(path, d, &size))
        return store_fail_msg(err, RRT_E_IO, "%s: %s", path, strerror(errno));
    if (size != b->obj_size || memcmp(d, b->sha256, 32) != 0) {
        unlink(path);
        return store_fail_msg(err, RRT_E_HASH,
                              "blob %s: cached copy %s does "
                              "not match its SHA-256; removed it, pull again",
                              idhex, path);
    }
    rrt_reader *r = NULL;
    object_read o = {0};
    rrt_status st = store_object_open(path, "stored object", &b->id, b->size,
                                      &r, NULL, err);
    if (st == RRT_OK)
        st = rrt_blob_stream_open(r, &b->id, &o.s, err);
    if (st == RRT_OK) {
        st = rrt_writer_add_blob_reader(w, object_read_fn, &o, path, &b->id,
                                        NULL, NULL, err);
        if (st != RRT_OK && o.failed && err)
            *err = o.err; /* the reader says what is damaged */
        rrt_blob_stream_close(o.s);
    }
    rrt_reader_close(r);
    /* Its digest matched, so this is the object the manifest lists, and it
     * is bad: keep no copy of it. */
    if (st != RRT_OK && st != RRT_E_NOMEM && st != RRT_E_IO)
        unlink(path);
    return st;
}

static rrt_status add_cached_blob(void *ctx, rrt_writer *w,
                                  const store_blob_ref *b, rrt_error *err)
{
    pull_src *p = ctx;
    char hex[65], path[4200], idhex[33];
    rrtx_hex_encode(b->sha256, 32, hex);
    rrt_blob_id_to_hex(&b->id, idhex);
    rrtx_format(path, sizeof(path), "%s/%s", p->dir, hex);
    if (rrt_writer_has_blob(w, &b->id))
        return RRT_OK;
    if (p->layout == 2)
        return add_cached_object(w, b, path, idhex, err);
    cache_read c = {open(path, O_RDONLY | O_CLOEXEC), p->h, b, 0, false};
    if (c.fd < 0)
        return store_fail_msg(err, RRT_E_IO, "%s: %s", path, strerror(errno));
    store_sha256_final(p->h, (uint8_t[32]){0}); /* reset */
    rrt_status st = rrt_writer_add_blob_reader(w, cache_read_fn, &c, path,
                                               &b->id, NULL, NULL, err);
    close(c.fd);
    if (st == RRT_OK)
        return RRT_OK;
    /* A cached copy that no longer matches is dropped so that the next
     * pull downloads it again. */
    unlink(path);
    if (c.bad)
        return store_fail_msg(err, RRT_E_HASH,
                              "blob %s: cached copy %s does "
                              "not match its SHA-256; removed it, pull again",
                              idhex, path);
    if (st == RRT_E_HASH)
        return store_fail_msg(err, RRT_E_HASH,
                              "blob %s (sha256:%.16s..): "
                              "content does not match its XXH3-128 id; the "
                              "recording manifest is inconsistent",
                              idhex, hex);
    return st;
}

static void first_problem(void *ctx, const char *message)
{
    char *buf = ctx;
    if (!buf[0])
        rrtx_format(buf, 400, "%s", message);
}

/* Replays the manifest `in` (at its first op) into OUT.pulling, verifies
 * the result and renames it to OUT. */
static rrt_status build_archive(FILE *in, const store_blob_ref *blobs,
                                size_t nb, unsigned layout, const char *dir,
                                const char *out, rrt_error *err)
{
    char tmp[4200];
    rrtx_format(tmp, sizeof(tmp), "%s.pulling", out);
    rrt_writer *w = NULL;
    pull_src src = {dir, layout, store_sha256_new()};
    rrt_status st =
        src.h ? RRT_OK : store_fail_msg(err, RRT_E_NOMEM, "out of memory");
    rrt_writer_options wo;
    rrt_writer_options_init(&wo);
    /* Event batches end only at the manifest's FLUSH ops, where they ended
     * in the pushed archive, whatever batch size its writer used. */
    wo.event_batch = 16u << 20;
    /* A pull killed by SIGKILL leaves its writer's file behind; the name
     * is ours, so it is safe to clear. */
    char stale[4220];
    if (rrtx_format(stale, sizeof(stale), "%s.partial", tmp))
        unlink(stale);
    if (st == RRT_OK)
        st = rrt_writer_create(tmp, &wo, &w, err);
    if (st == RRT_OK)
        st =
            store_manifest_replay(in, blobs, nb, w, add_cached_blob, &src, err);
    if (st == RRT_OK)
        st = rrt_writer_finish(w, err);
    rrt_writer_free(w);
    store_sha256_free(src.h);
    if (st != RRT_OK)
        return st;
    char problem[400] = "";
    rrt_verify_report rep;
    st = rrt_verify_archive(tmp, first_problem, problem, &rep, err);
    if (st == RRT_OK && rename(tmp, out) != 0)
        st = store_fail_msg(err, RRT_E_IO, "%s: %s", out, strerror(errno));
    else if (st != RRT_OK && problem[0])
        store_fail_msg(err, st, "pulled archive fails verification: %s",
                       problem);
    if (st != RRT_OK)
        unlink(tmp);
    return st;
}

/* The manifest bytes: layout 1 stores them as they are, layout 2 as a
 * one-blob archive, decoded (chunk hashes and id checked) into a
 * temporary file. At most 2^40 bytes, what a layout 1 reference may
 * declare: a small object cannot make pull fill the disk. */
#define MAX_MANIFEST ((uint64_t)1 << 40)

static rrt_status open_manifest(const char *path, unsigned layout, FILE **out,
                                rrt_error *err)
{
    if (layout == 1) {
        *out = fopen(path, "rb");
        return *out ? RRT_OK
                    : store_fail_msg(err, RRT_E_IO, "%s: %s", path,
                                     strerror(errno));
    }
    rrt_reader *r = NULL;
    rrt_blob_id id;
    rrt_blob_stream *s = NULL;
    FILE *f = NULL;
    rrt_status st =
        store_object_open(path, "recording manifest", NULL, 0, &r, &id, err);
    uint64_t size = 0;
    if (st == RRT_OK && (rrt_reader_blob_size(r, &id, &size, err) != RRT_OK ||
                         size > MAX_MANIFEST))
        st = store_fail_msg(err, RRT_E_LIMIT,
                            "recording manifest %s: larger than 2^40 bytes",
                            path);
    if (st == RRT_OK && !(f = tmpfile()))
        st = store_fail_msg(err, RRT_E_IO, "cannot create a temporary file: %s",
                            strerror(errno));
    if (st == RRT_OK)
        st = rrt_blob_stream_open(r, &id, &s, err);
    char buf[65536];
    size_t got;
    while (st == RRT_OK &&
           (st = rrt_blob_stream_read(s, buf, sizeof(buf), &got, err)) ==
               RRT_OK &&
           got)
        if (fwrite(buf, 1, got, f) != got)
            st = store_fail_msg(err, RRT_E_IO, "temporary file: %s",
                                strerror(errno));
    if (st == RRT_OK && (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0))
        st = store_fail_msg(err, RRT_E_IO, "temporary file: %s",
                            strerror(errno));
    if (s)
        rrt_blob_stream_close(s);
    rrt_reader_close(r);
    if (st != RRT_OK) {
        if (f)
            fclose(f);
        return st;
    }
    *out = f;
    return RRT_OK;
}

static rrt_status fetch_blobs(store_http *h, const store_store_url *u,
                              const char *dir, const store_blob_ref *blobs,
                              size_t nb, store_summary *sum, rrt_error *err)
{
    fetch *fs = calloc(nb ? nb : 1, sizeof(*fs));
    store_xfer **xs = calloc(nb ? nb : 1, sizeof(*xs));
    size_t n = 0;
    uint64_t total = 0;
    rrt_status st = RRT_OK;
    if (!fs || !xs) {
        st = store_fail_msg(err, RRT_E_NOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < nb; i++) {
        fetch_init(&fs[n], u, dir, blobs[i].sha256, blobs[i].obj_size, "blob");
        sum->blobs++;
        if (cached(fs[n].path, blobs[i].obj_size)) {
            sum->cached++;
            sum->bytes_cached += blobs[i].obj_size;
            continue;
        }
        /* Two ids with one digest cannot happen; one fetch per file. */
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++)
            dup = strcmp(fs[j].path, fs[n].path) == 0;
        if (dup)
            continue;
        xs[n] = &fs[n].x;
        total += blobs[i].obj_size;
        n++;
    }
    st = store_http_run(h, xs, n, "pull", total, err);
    for (size_t i = 0; i < n; i++) {
        if (fs[i].fetched) {
            sum->fetched++;
            sum->bytes_fetched += fs[i].size;
        }
    }
cleanup:
    for (size_t i = 0; fs && i < n; i++)
        fetch_release(&fs[i]);
    free(fs);
    free(xs);
    return st;
}

rrt_status store_pull(const char *url, const char *out, const store_options *o,
                      store_summary *sum, rrt_error *err)
{
    memset(sum, 0, sizeof(*sum));
    rrt_status st = store_dl_load(err);
    if (st != RRT_OK)
        return st;
    store_store_url u;
    st = store_parse_url(url, &u, err);
    if (st != RRT_OK)
        return st;
    struct stat sb;
    if (!o->force && lstat(out, &sb) == 0)
        return store_fail_msg(err, RRT_E_EXISTS,
                              "%s: already exists (use "
                              "--force to replace it)",
                              out);
    char dir[4096];
    if ((st = cache_dir(o, dir, sizeof(dir), err)) != RRT_OK)
        return st;
    store_http *h = NULL;
    store_blob_ref *blobs = NULL;
    size_t nb = 0;
    FILE *in = NULL;
    fetch mf;
    memset(&mf, 0, sizeof(mf));
    if ((st = store_http_new(o, u.origin, &h, err)) != RRT_OK)
        goto cleanup;
    uint8_t msha[32];
    uint64_t msize = 0;
    unsigned layout = 0;
    if ((st = get_reference(h, &u, msha, &msize, &layout, err)) != RRT_OK)
        goto cleanup;
    fetch_init(&mf, &u, dir, msha, msize, "recording manifest");
    rrtx_hex_encode(msha, 32, sum->manifest + 7);
    memcpy(sum->manifest, "sha256:", 7);
    /* The manifest is content-addressed too: a cached copy is re-hashed
     * before it is trusted. */
    uint8_t d[32];
    uint64_t dsize = 0;
    if (!cached(mf.path, msize) || !store_sha256_file(mf.path, d, &dsize) ||
        memcmp(d, msha, 32) != 0) {
        store_xfer *one[1] = {&mf.x};
        if ((st = store_http_run(h, one, 1, "manifest", 0, err)) != RRT_OK)
            goto cleanup;
    }
    if ((st = open_manifest(mf.path, layout, &in, err)) != RRT_OK)
        goto cleanup;
    if ((st = store_manifest_read_blobs(in, layout, &blobs, &nb, err)) !=
        RRT_OK)
        goto cleanup;
    if ((st = fetch_blobs(h, &u, dir, blobs, nb, sum, err)) != RRT_OK)
        goto cleanup;
    st = build_archive(in, blobs, nb, layout, dir, out, err);
cleanup:
    if (h)
        sum->retries = store_http_retries(h);
    if (in)
        fclose(in);
    fetch_release(&mf);
    free(blobs);
    store_http_free(h);
    return st;
}
