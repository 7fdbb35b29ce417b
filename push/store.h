/* rrt push / rrt pull: moving .rrt archives to and from content-addressed
 * stores (a plain HTTP/WebDAV layout or an OCI registry), spec/store.md. */
#ifndef RRT_PUSH_STORE_H
#define RRT_PUSH_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rrt/rrt.h>

typedef struct store_options {
    unsigned parallel; /* transfers at once, 1..16, default 4 */
    unsigned retries;  /* extra attempts on 5xx/connection errors, default 5 */
    unsigned backoff_ms; /* first retry delay, doubled each time, default 500 */
    uint64_t limit_rate; /* bytes/s per transfer, 0 = unlimited */
    const char *cache_dir; /* pull: verified blobs kept here; NULL = default */
    bool force;            /* pull: replace an existing output */
    bool progress;         /* draw a progress line on `log` */
    FILE *log;             /* progress output (stderr) */
} store_options;

void store_options_init(store_options *o);

typedef struct store_summary {
    uint64_t blobs; /* blobs in the recording (not counting the manifest) */
    uint64_t sent, skipped; /* push: uploaded / already in the store */
    uint64_t bytes_sent, bytes_skipped; /* as stored (compressed) */
    uint64_t bytes_uploaded;  /* push: request bodies of every object sent
                               * (blobs, manifest, OCI config) */
    uint64_t fetched, cached; /* pull: downloaded / taken from the cache */
    uint64_t bytes_fetched, bytes_cached;
    uint64_t retries;  /* transfer attempts that were repeated */
    char manifest[72]; /* "sha256:<64 hex>" of the recording manifest */
} store_summary;

/* Uploads ARCHIVE to URL (http(s)://ROOT/NAME or oci://HOST/REPO:TAG,
 * oci+http:// for a registry without TLS) in store layout 2: each blob
 * compressed, deterministically. Blobs the store already has are not
 * sent; the recording's name is written last. */
rrt_status store_push(const char *archive, const char *url,
                      const store_options *o, store_summary *sum,
                      rrt_error *err);

/* Downloads the recording at URL into OUT (atomically), checking every
 * object against its SHA-256, every blob against its XXH3-128 id, and the
 * result with rrt_verify_archive(). Reads store layouts 1 and 2. */
rrt_status store_pull(const char *url, const char *out, const store_options *o,
                      store_summary *sum, rrt_error *err);

/* Copies URL into buf without its userinfo ("user:pass@"), for messages. */
void store_redact_url(const char *url, char *buf, size_t size);

#endif
