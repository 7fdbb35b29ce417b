/* Internals of the push module: the libcurl transfer engine, SHA-256, and
 * the recording manifest codec. Not used outside push/. */
#ifndef RRT_PUSH_STOREI_H
#define RRT_PUSH_STOREI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rrt/rrt.h>

#include "rrtx.h"
#include "store.h"

/* ------------------------------------------------------------------ */
/* SHA-256 (OpenSSL libcrypto, see CMakeLists.txt for why)            */

typedef struct store_sha256 store_sha256;
store_sha256 *store_sha256_new(void);
void store_sha256_update(store_sha256 *h, const void *p, size_t n);
void store_sha256_final(store_sha256 *h, uint8_t out[32]); /* and resets */
void store_sha256_free(store_sha256 *h);
/* SHA-256 of a whole file; false on I/O error. */
bool store_sha256_file(const char *path, uint8_t out[32], uint64_t *size);

/* ------------------------------------------------------------------ */
/* Transfers                                                          */

/* What a transfer's completion hook decides. */
typedef enum {
    STORE_XFER_DONE,  /* finished (success or a tolerated answer) */
    STORE_XFER_AGAIN, /* hook changed method/url/body: send a new request */
    STORE_XFER_FAIL,  /* hook filled the error */
} store_xfer_next;

typedef struct store_xfer store_xfer;
struct store_xfer {
    const char *method; /* "HEAD", "GET", "PUT", "POST" */
    char url[2048];
    const char *content_type; /* request body type, or NULL */
    const char *accept;       /* Accept header, or NULL */
    /* Upload body: `upload_size` bytes from `read`, restarted by `begin`. */
    bool upload;
    uint64_t upload_size;
    /* (Re)starts the body source and/or the download sink before every
     * attempt; false with err filled aborts. */
    bool (*begin)(store_xfer *x, rrt_error *err);
    size_t (*read)(store_xfer *x, char *buf, size_t n); /* SIZE_MAX: abort */
    bool (*write)(store_xfer *x, const char *p, size_t n);
    /* Called with the final HTTP status of an attempt that was not retried. */
    store_xfer_next (*done)(store_xfer *x, rrt_error *err);
    void *ctx;
    unsigned step; /* free for the hooks' state machine */
    /* Results of the last attempt. */
    long status;
    int64_t content_length; /* -1 if none */
    char location[2048];
    uint64_t bytes;      /* body bytes moved in this attempt */
    char why[256];       /* set by a hook that aborts the transfer */
    uint64_t credit;     /* progress bytes a hook counts as moved
                          * without a transfer (blob already there) */
    char challenge[512]; /* WWW-Authenticate: Bearer ... of a 401 */
    /* Engine state. */
    unsigned auth_gen; /* registry token generation it was sent with */
    unsigned attempts;
    uint64_t not_before_ms;
};

typedef struct store_http store_http;

/* `origin` (scheme://host[:port]) is the store's: credentials go only to
 * requests for it (and to a registry's token service), never to another
 * host that an upload Location names. */
rrt_status store_http_new(const store_options *o, const char *origin,
                          store_http **out, rrt_error *err);
void store_http_free(store_http *h);
/* Runs the transfers, `parallel` at a time, retrying 5xx, 429 and
 * connection errors with exponential backoff. Stops at the first failure
 * (after the running ones end). `label` names the phase in the progress
 * line; `total` is the byte count the progress bar measures against. */
rrt_status store_http_run(store_http *h, store_xfer **xs, size_t n,
                          const char *label, uint64_t total, rrt_error *err);
uint64_t store_http_retries(const store_http *h);

/* Fills err with a one-line message for an unexpected HTTP answer. */
rrt_status store_http_status_error(const store_xfer *x, rrt_error *err);

/* A sink that keeps a small response body in memory (cap bytes). */
typedef struct store_membuf {
    char *data;
    size_t len, cap;
} store_membuf;
bool store_membuf_write(store_xfer *x, const char *p,
                        size_t n); /* ctx = membuf */
bool store_membuf_begin(store_xfer *x, rrt_error *err);

/* Fills err (may be NULL) with just the message. */
#define store_fail_msg(err, st, ...)                                           \
    rrtx_fail(err, st, 0, NULL, UINT64_MAX, __VA_ARGS__)

/* A single request with an in-memory body (NULL for none) and response
 * (at most resp->cap bytes); a non-2xx answer is an error. */
rrt_status store_http_simple(store_http *h, const char *method, const char *url,
                             const char *ctype, const char *accept,
                             const char *body, store_membuf *resp, long *status,
                             rrt_error *err);

static inline bool store_ok_status(long s)
{
    return s >= 200 && s <= 299;
}

/* ------------------------------------------------------------------ */
/* Store URLs and object names (spec/store.md, section 2)             */

/* Layout 2: objects are one-blob .rrt archives ("+rrt", section 3.1). */
#define RRT_ARTIFACT_TYPE "application/vnd.rrt.recording.v2"
#define RRT_MANIFEST_TYPE "application/vnd.rrt.manifest.v2+rrt"
#define RRT_BLOB_TYPE "application/vnd.rrt.blob.v1+rrt"
/* Layout 1 (store format 1.0, still pulled): raw bytes. */
#define RRT_ARTIFACT_TYPE_V1 "application/vnd.rrt.recording.v1"
#define RRT_MANIFEST_TYPE_V1 "application/vnd.rrt.manifest.v1"
#define OCI_MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define OCI_EMPTY_TYPE "application/vnd.oci.empty.v1+json"
/* sha256("{}"), the OCI empty descriptor. */
#define OCI_EMPTY_DIGEST                                                       \
    "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define POINTER_MAGIC "rrt-recording 2\n"
#define POINTER_MAGIC_V1 "rrt-recording 1\n"

typedef struct store_store_url {
    bool oci;
    char origin[512]; /* scheme://host[:port] */
    char base[1536];  /* HTTP: ROOT; OCI: origin/v2/REPO */
    char ref[1536];   /* HTTP: ROOT/NAME; OCI: base/manifests/TAG */
    char shown[2048]; /* what messages print */
} store_store_url;

rrt_status store_parse_url(const char *url, store_store_url *u, rrt_error *err);
/* URL of the blob with SHA-256 `hex` (64 digits). */
void store_blob_url(const store_store_url *u, const char *hex, char *out,
                    size_t size);

/* ------------------------------------------------------------------ */
/* Recording manifest (spec/store.md, section 3)                      */

/* One entry of the blob table. The object is what the store holds under
 * sha256: layout 2, the blob's one-blob archive of obj_size bytes; layout
 * 1, the blob's own bytes (obj_size == size). */
typedef struct store_blob_ref {
    rrt_blob_id id;
    uint64_t size;
    uint8_t sha256[32];
    uint64_t obj_size;
} store_blob_ref;

/* The blob table of the open archive (id order): ids and sizes. */
rrt_status store_manifest_blobs(rrt_reader *r, store_blob_ref **blobs,
                                size_t *n_blobs, rrt_error *err);
/* Layout 1: sets each entry's sha256 to that of the blob's bytes. */
rrt_status store_manifest_hash_raw(rrt_reader *r, store_blob_ref *blobs,
                                   size_t n_blobs, rrt_error *err);
/* Writes the manifest of the open archive to `out` for store layout
 * `major` (1 or 2), with the blob table as filled in by the caller. */
rrt_status store_manifest_write(rrt_reader *r, FILE *out, unsigned major,
                                const store_blob_ref *blobs, size_t n_blobs,
                                rrt_error *err);

/* Reads the blob table of a manifest; leaves `in` at the first op. Fails
 * unless the manifest is of layout `major`. */
rrt_status store_manifest_read_blobs(FILE *in, unsigned major,
                                     store_blob_ref **blobs, size_t *n_blobs,
                                     rrt_error *err);

/* Supplies a blob's bytes while the manifest is replayed. */
typedef rrt_status (*store_blob_source)(void *ctx, rrt_writer *w,
                                        const store_blob_ref *b,
                                        rrt_error *err);

/* Replays the ops that follow the blob table into the writer. */
rrt_status store_manifest_replay(FILE *in, const store_blob_ref *blobs,
                                 size_t n_blobs, rrt_writer *w,
                                 store_blob_source src, void *ctx,
                                 rrt_error *err);

/* ------------------------------------------------------------------ */
/* Store objects of layout 2 (object.c, spec/store.md 3.1)            */

/* The writer options of every object: they decide its bytes. */
#define STORE_OBJECT_QUALITY 5
#define STORE_OBJECT_CHUNK (4u << 20)

/* Writes the object holding the blob read from fn at path. */
rrt_status store_object_write(const char *path, rrt_read_fn fn, void *ctx,
                              const char *name, const rrt_blob_id *expect,
                              rrt_blob_id *id, uint64_t *size, rrt_error *err);
/* Opens an object and checks that it holds one blob and nothing else: `id`
 * of `size` bytes, or (id NULL) any, whose id goes to *got. `what` names
 * the object in messages. */
rrt_status store_object_open(const char *path, const char *what,
                             const rrt_blob_id *id, uint64_t size,
                             rrt_reader **out, rrt_blob_id *got,
                             rrt_error *err);
/* DIR/I.rrt: where store_objects_build puts the object of blobs[I]. */
void store_object_path(const char *dir, size_t i, char *out, size_t size);
/* Writes the object of every blob of the archive into dir, several at once
 * (one thread per CPU, at most 8), filling sha256 and obj_size. */
rrt_status store_objects_build(const char *archive, const char *dir,
                               store_blob_ref *blobs, size_t n, rrt_error *err);

#endif
