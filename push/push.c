/* rrt push: each blob of the archive and its recording manifest become a
 * compressed store object (spec/store.md 3.1) and go to the store (HEAD
 * each, PUT the missing ones, parallel); the reference goes last. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_dl.h"
#include "storei.h"

typedef enum { SRC_FILE, SRC_MEMORY } src_kind;

typedef struct object {
    store_xfer x;
    const store_store_url *u;
    src_kind kind;
    char hex[65];
    uint64_t size;
    /* sources */
    char path[4200];
    FILE *f;
    const char *mem;
    size_t pos;
    bool counted; /* a blob of the recording (not manifest/config) */
    bool mkcol;   /* collections were created after a 409 */
    bool resumed; /* an OCI upload session was opened again */
    bool present, sent;
} object;

static bool obj_begin(store_xfer *x, rrt_error *err)
{
    object *o = x->ctx;
    o->pos = 0;
    if (!x->upload)
        return true;
    if (o->kind == SRC_FILE) {
        if (!o->f)
            o->f = fopen(o->path, "rb");
        if (!o->f || fseek(o->f, 0, SEEK_SET) != 0) {
            store_fail_msg(err, RRT_E_IO, "%s: %s", o->path, strerror(errno));
            return false;
        }
    }
    return true;
}

static size_t obj_read(store_xfer *x, char *buf, size_t n)
{
    object *o = x->ctx;
    if (o->kind == SRC_MEMORY) {
        size_t left = (size_t)o->size - o->pos;
        size_t k = n < left ? n : left;
        memcpy(buf, o->mem + o->pos, k);
        o->pos += k;
        return k;
    }
    size_t k = fread(buf, 1, n, o->f);
    if (k == 0 && ferror(o->f)) {
        rrtx_format(x->why, sizeof(x->why), "%s: read failed", o->path);
        return SIZE_MAX;
    }
    return k;
}

enum { STEP_HEAD, STEP_PUT, STEP_OCI_PUT, STEP_MKCOL_BLOBS, STEP_MKCOL_SHA };

static void set_put(object *o)
{
    store_xfer *x = &o->x;
    x->step = STEP_PUT;
    x->upload = true;
    x->upload_size = o->size;
    x->method = "PUT";
    x->content_type = "application/octet-stream";
    store_blob_url(o->u, o->hex, x->url, sizeof(x->url));
}

/* WebDAV servers that do not create parents on PUT answer 409: create
 * ROOT/blobs and ROOT/blobs/sha256 once, then PUT again. 405 means the
 * collection exists already (another transfer made it). */
static store_xfer_next obj_mkcol(store_xfer *x, rrt_error *err)
{
    object *o = x->ctx;
    if (x->step == STEP_PUT) {
        o->mkcol = true;
        x->step = STEP_MKCOL_BLOBS;
        x->upload = false;
        x->upload_size = 0;
        x->method = "MKCOL";
        x->content_type = NULL;
        rrtx_format(x->url, sizeof(x->url), "%s/blobs/", o->u->base);
        return STORE_XFER_AGAIN;
    }
    if (!store_ok_status(x->status) && x->status != 405) {
        store_http_status_error(x, err);
        return STORE_XFER_FAIL;
    }
    if (x->step == STEP_MKCOL_BLOBS) {
        x->step = STEP_MKCOL_SHA;
        rrtx_format(x->url, sizeof(x->url), "%s/blobs/sha256/", o->u->base);
        return STORE_XFER_AGAIN;
    }
    set_put(o);
    return STORE_XFER_AGAIN;
}

static void object_release(object *o);

static store_xfer_next oci_post(object *o)
{
    store_xfer *x = &o->x;
    x->step = STEP_PUT;
    x->upload_size = 0;
    x->upload = false;
    x->method = "POST";
    x->content_type = NULL;
    rrtx_format(x->url, sizeof(x->url), "%s/blobs/uploads/", o->u->base);
    return STORE_XFER_AGAIN;
}

/* The state machine of one object: HEAD, then (if missing) PUT, or for
 * OCI a POST that opens an upload session and a PUT that closes it. */
static store_xfer_next obj_done(store_xfer *x, rrt_error *err)
{
    object *o = x->ctx;
    if (x->step == STEP_MKCOL_BLOBS || x->step == STEP_MKCOL_SHA ||
        (x->step == STEP_PUT && x->status == 409 && !o->u->oci && !o->mkcol))
        return obj_mkcol(x, err);
    if (x->step == STEP_HEAD) {
        if (x->status == 200 &&
            (x->content_length < 0 || (uint64_t)x->content_length == o->size)) {
            o->present = true;
            x->credit = o->size;
            return STORE_XFER_DONE;
        }
        if (x->status != 404 && x->status != 200) {
            store_http_status_error(x, err);
            return STORE_XFER_FAIL;
        }
        if (o->u->oci)
            return oci_post(o);
        set_put(o);
        return STORE_XFER_AGAIN;
    }
    if (x->step == STEP_PUT && o->u->oci) {
        if (x->status != 202 || !x->location[0]) {
            store_http_status_error(x, err);
            return STORE_XFER_FAIL;
        }
        const char *sep = strchr(x->location, '?') ? "&" : "?";
        if (x->location[0] == '/')
            rrtx_format(x->url, sizeof(x->url), "%s%s%sdigest=sha256:%s",
                        o->u->origin, x->location, sep, o->hex);
        else
            rrtx_format(x->url, sizeof(x->url), "%s%sdigest=sha256:%s",
                        x->location, sep, o->hex);
        x->step = STEP_OCI_PUT;
        x->method = "PUT";
        x->upload = true;
        x->upload_size = o->size;
        x->content_type = "application/octet-stream";
        return STORE_XFER_AGAIN;
    }
    /* A session lost to a registry restart (404 BLOB_UPLOAD_UNKNOWN, 400
     * BLOB_UPLOAD_INVALID) is opened again, once. */
    if (x->step == STEP_OCI_PUT && (x->status == 404 || x->status == 400) &&
        !o->resumed) {
        o->resumed = true;
        return oci_post(o);
    }
    if (!store_ok_status(x->status)) {
        store_http_status_error(x, err);
        return STORE_XFER_FAIL;
    }
    o->sent = true;
    object_release(o); /* no open blob streams pile up over a long push */
    return STORE_XFER_DONE;
}

static void object_init(object *o, const store_store_url *u,
                        const uint8_t sha[32], uint64_t size)
{
    memset(o, 0, sizeof(*o));
    o->u = u;
    rrtx_hex_encode(sha, 32, o->hex);
    o->size = size;
    o->x.method = "HEAD";
    o->x.begin = obj_begin;
    o->x.read = obj_read;
    o->x.done = obj_done;
    o->x.ctx = o;
    store_blob_url(u, o->hex, o->x.url, sizeof(o->x.url));
}

static void object_release(object *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
}

static void put_buf(void *ctx, const void *p, size_t n)
{
    rrt_buf_put(ctx, p, n);
}

/* A descriptor in compact JSON, the OCI spelling. */
static void descriptor(rrtx_json *j, const char *type, const char *hex,
                       uint64_t size)
{
    rrtx_json_raw(j, "{\"mediaType\":");
    rrtx_json_str(j, type);
    rrtx_json_raw(j, ",\"digest\":\"sha256:");
    rrtx_json_raw(j, hex);
    rrtx_json_raw(j, "\",\"size\":");
    rrtx_json_u64(j, size);
    rrtx_json_raw(j, "}");
}

/* The image manifest naming the recording manifest and every blob
 * (malloc'ed; NULL when out of memory). */
static char *oci_manifest_json(const object *objs, size_t n, const object *man)
{
    rrt_buf b;
    rrt_buf_init(&b);
    rrtx_json j;
    rrtx_json_init(&j, put_buf, &b, 0);
    rrtx_json_raw(&j, "{\"schemaVersion\":2,\"mediaType\":");
    rrtx_json_str(&j, OCI_MANIFEST_TYPE);
    rrtx_json_raw(&j, ",\"artifactType\":");
    rrtx_json_str(&j, RRT_ARTIFACT_TYPE);
    rrtx_json_raw(&j, ",\"config\":");
    descriptor(&j, OCI_EMPTY_TYPE, OCI_EMPTY_DIGEST, 2);
    rrtx_json_raw(&j, ",\"layers\":[");
    descriptor(&j, RRT_MANIFEST_TYPE, man->hex, man->size);
    for (size_t i = 0; i < n; i++)
        if (objs[i].counted) {
            rrtx_json_raw(&j, ",");
            descriptor(&j, RRT_BLOB_TYPE, objs[i].hex, objs[i].size);
        }
    rrtx_json_raw(&j, "]}");
    rrt_buf_put_u8(&b, 0);
    if (b.failed)
        rrt_buf_free(&b);
    return (char *)b.data;
}

static rrt_status put_reference(store_http *h, const store_store_url *u,
                                const object *objs, size_t n, const object *man,
                                rrt_error *err)
{
    long status;
    if (!u->oci) {
        char ptr[160];
        rrtx_format(ptr, sizeof(ptr), POINTER_MAGIC "sha256:%s %llu\n",
                    man->hex, (unsigned long long)man->size);
        return store_http_simple(h, "PUT", u->ref, "text/plain", NULL, ptr,
                                 NULL, &status, err);
    }
    char *json = oci_manifest_json(objs, n, man);
    if (!json)
        return store_fail_msg(err, RRT_E_NOMEM, "out of memory");
    rrt_status st = store_http_simple(h, "PUT", u->ref, OCI_MANIFEST_TYPE, NULL,
                                      json, NULL, &status, err);
    free(json);
    return st;
}

/* A private directory for the objects of one push. */
static bool temp_dir(char *path, size_t size)
{
    const char *dir = getenv("TMPDIR");
    rrtx_format(path, size, "%s/rrt-push-XXXXXX", dir && *dir ? dir : "/tmp");
    return mkdtemp(path) != NULL;
}

static void remove_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char p[4400];
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            rrtx_format(p, sizeof(p), "%s/%s", path, e->d_name))
            unlink(p);
    }
    closedir(d);
    rmdir(path);
}

static ssize_t file_read(void *ctx, void *buf, size_t n)
{
    return (ssize_t)fread(buf, 1, n, ctx);
}

/* The manifest of the archive as an object in dir: the raw manifest
 * first (a temporary file), then its one-blob archive. */
static rrt_status manifest_object(rrt_reader *r, const char *dir,
                                  const store_blob_ref *blobs, size_t nb,
                                  char *path, size_t size, uint8_t sha[32],
                                  uint64_t *osize, rrt_error *err)
{
    char raw[4200];
    rrtx_format(raw, sizeof(raw), "%s/manifest", dir);
    rrtx_format(path, size, "%s/manifest.rrt", dir);
    FILE *f = fopen(raw, "w+b");
    if (!f)
        return store_fail_msg(err, RRT_E_IO, "%s: %s", raw, strerror(errno));
    rrt_status st = store_manifest_write(r, f, 2, blobs, nb, err);
    if (st == RRT_OK && fseek(f, 0, SEEK_SET) != 0)
        st = store_fail_msg(err, RRT_E_IO, "%s: %s", raw, strerror(errno));
    if (st == RRT_OK)
        st = store_object_write(path, file_read, f, raw, NULL, NULL, NULL, err);
    fclose(f);
    unlink(raw);
    if (st == RRT_OK && !store_sha256_file(path, sha, osize))
        st = store_fail_msg(err, RRT_E_IO, "%s: %s", path, strerror(errno));
    return st;
}

static void count_push(const object *objs, size_t n, store_summary *sum)
{
    for (size_t i = 0; i < n; i++) {
        if (objs[i].sent)
            sum->bytes_uploaded += objs[i].size;
        if (!objs[i].counted)
            continue;
        sum->blobs++;
        if (objs[i].sent) {
            sum->sent++;
            sum->bytes_sent += objs[i].size;
        } else if (objs[i].present) {
            sum->skipped++;
            sum->bytes_skipped += objs[i].size;
        }
    }
}

rrt_status store_push(const char *archive, const char *url,
                      const store_options *o, store_summary *sum,
                      rrt_error *err)
{
    memset(sum, 0, sizeof(*sum));
    rrt_status st = store_dl_load(err);
    if (st != RRT_OK)
        return st;
    store_store_url u;
    st = store_parse_url(url, &u, err);
    if (st != RRT_OK)
        return st;
    rrt_reader *r = NULL;
    store_http *h = NULL;
    store_blob_ref *blobs = NULL;
    size_t nb = 0, nobj = 0;
    object *objs = NULL;
    store_xfer **xs = NULL;
    char tmp[4096] = "", mpath[4200];
    uint8_t msha[32];
    uint64_t msize = 0;
    if ((st = rrt_reader_open(archive, &r, err)) != RRT_OK)
        goto cleanup;
    if ((st = store_http_new(o, u.origin, &h, err)) != RRT_OK)
        goto cleanup;
    if (!temp_dir(tmp, sizeof(tmp))) {
        st = store_fail_msg(err, RRT_E_IO,
                            "cannot create a temporary directory: %s",
                            strerror(errno));
        tmp[0] = 0;
        goto cleanup;
    }
    /* Every object is made before any transfer: its digest, which names
     * it, is that of its compressed bytes. */
    if ((st = store_manifest_blobs(r, &blobs, &nb, err)) != RRT_OK ||
        (st = store_objects_build(archive, tmp, blobs, nb, err)) != RRT_OK ||
        (st = manifest_object(r, tmp, blobs, nb, mpath, sizeof(mpath), msha,
                              &msize, err)) != RRT_OK)
        goto cleanup;
    /* blobs, the manifest, and for OCI the empty config. */
    objs = calloc(nb + 2, sizeof(*objs));
    xs = calloc(nb + 2, sizeof(*xs));
    if (!objs || !xs) {
        st = store_fail_msg(err, RRT_E_NOMEM, "out of memory");
        goto cleanup;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < nb; i++, nobj++) {
        object_init(&objs[nobj], &u, blobs[i].sha256, blobs[i].obj_size);
        objs[nobj].kind = SRC_FILE;
        store_object_path(tmp, i, objs[nobj].path, sizeof(objs[nobj].path));
        objs[nobj].counted = true;
        total += blobs[i].obj_size;
    }
    object *man = &objs[nobj++];
    object_init(man, &u, msha, msize);
    man->kind = SRC_FILE;
    rrtx_format(man->path, sizeof(man->path), "%s", mpath);
    total += msize;
    if (u.oci) {
        object *cfg = &objs[nobj++];
        static const uint8_t empty[32] = {
            0x44, 0x13, 0x6f, 0xa3, 0x55, 0xb3, 0x67, 0x8a, 0x11, 0x46, 0xad,
            0x16, 0xf7, 0xe8, 0x64, 0x9e, 0x94, 0xfb, 0x4f, 0xc2, 0x1f, 0xe7,
            0x7e, 0x83, 0x10, 0xc0, 0x60, 0xf6, 0x1c, 0xaa, 0xff, 0x8a};
        object_init(cfg, &u, empty, 2);
        cfg->kind = SRC_MEMORY;
        cfg->mem = "{}";
    }
    for (size_t i = 0; i < nobj; i++)
        xs[i] = &objs[i].x;
    st = store_http_run(h, xs, nobj, "push", total, err);
    count_push(objs, nobj, sum);
    /* The name is written only once every blob is in the store, so a
     * reader never sees a recording whose blobs are missing. */
    if (st == RRT_OK)
        st = put_reference(h, &u, objs, nobj, man, err);
    rrtx_format(sum->manifest, sizeof(sum->manifest), "sha256:%s", man->hex);
cleanup:
    if (h)
        sum->retries = store_http_retries(h);
    for (size_t i = 0; i < nobj; i++)
        object_release(&objs[i]);
    free(objs);
    free(xs);
    free(blobs);
    if (tmp[0])
        remove_dir(tmp);
    store_http_free(h);
    rrt_reader_close(r);
    return st;
}
