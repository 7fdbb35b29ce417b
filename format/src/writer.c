/* Archive writer: a FIFO of pending sections, compressed by worker threads
 * and written in submission order by the caller's thread, so the output is
 * the same whatever the thread count and memory stays bounded. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rrti_xxhash.h"

#include "writeri.h"

/* ------------------------------------------------------------------ */
/* Failure and raw output                                             */

rrt_status rrti_wr_fail(rrt_writer *w, rrt_status st, int e, const char *fmt,
                        ...)
{
    if (w->status != RRT_OK)
        return w->status;
    va_list ap;
    va_start(ap, fmt);
    w->status =
        rrtx_vfail(&w->err, st, e, w->file.partial, UINT64_MAX, fmt, ap);
    va_end(ap);
    return st;
}

static rrt_status report(rrt_writer *w, rrt_error *err)
{
    if (err && w->status != RRT_OK)
        *err = w->err;
    return w->status;
}

static rrt_status write_all(rrt_writer *w, const uint8_t *p, size_t n)
{
    int e = rrtx_write_all(w->file.fd, p, n, &w->file.io);
    return e ? rrti_wr_fail(w, RRT_E_IO, e, "write failed") : RRT_OK;
}

static rrt_status obuf_flush(rrt_writer *w)
{
    if (w->status != RRT_OK)
        return w->status;
    rrt_status st = write_all(w, w->obuf, w->olen);
    w->olen = 0;
    return st;
}

static rrt_status out(rrt_writer *w, const void *p, size_t n)
{
    if (w->status != RRT_OK)
        return w->status;
    if (n > OBUF_SIZE - w->olen) {
        if (obuf_flush(w) != RRT_OK)
            return w->status;
        if (n >= OBUF_SIZE) {
            if (write_all(w, p, n) != RRT_OK)
                return w->status;
            w->off += n;
            return RRT_OK;
        }
    }
    memcpy(w->obuf + w->olen, p, n);
    w->olen += n;
    w->off += n;
    return RRT_OK;
}

/* Writes one section from a prefix and a body; returns its offset. */
static rrt_status out_section(rrt_writer *w, uint32_t type, uint32_t flags,
                              const uint8_t *pre, size_t pre_len,
                              const uint8_t *body, size_t body_len,
                              uint64_t *at)
{
    uint8_t h[RRTI_SECTION_HEADER];
    rrti_put_u32(h, type);
    rrti_put_u32(h + 4, flags);
    rrti_put_u64(h + 8, pre_len + body_len);
    XXH3_state_t xs;
    XXH3_64bits_reset(&xs);
    XXH3_64bits_update(&xs, h, sizeof(h));
    if (pre_len)
        XXH3_64bits_update(&xs, pre, pre_len);
    if (body_len)
        XXH3_64bits_update(&xs, body, body_len);
    uint8_t sum[8];
    rrti_put_u64(sum, XXH3_64bits_digest(&xs));
    *at = w->off;
    out(w, h, sizeof(h));
    if (pre_len)
        out(w, pre, pre_len);
    if (body_len)
        out(w, body, body_len);
    return out(w, sum, sizeof(sum));
}

static rrt_status add_section_entry(rrt_writer *w, uint32_t type,
                                    uint32_t flags, uint64_t off, uint64_t len,
                                    uint64_t aux)
{
    rrt_section_info *p =
        rrtx_grow(w->secs, &w->capsec, w->nsec + 1, sizeof(*p));
    if (!p)
        return rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
    w->secs = p;
    w->secs[w->nsec++] = (rrt_section_info){type, flags, off, len, aux};
    return RRT_OK;
}

/* ------------------------------------------------------------------ */
/* Blob id table                                                      */

static size_t id_hash(const rrt_blob_id *id, size_t cap)
{
    return (size_t)rrti_get_u64(id->bytes + 8) & (cap - 1);
}

static rrti_index_blob *find_blob(const rrt_writer *w, const rrt_blob_id *id)
{
    if (!w->table_cap)
        return NULL;
    for (size_t i = id_hash(id, w->table_cap);;
         i = (i + 1) & (w->table_cap - 1)) {
        uint32_t slot = w->table[i];
        if (!slot)
            return NULL;
        if (rrt_blob_id_cmp(&w->blobs[slot - 1].id, id) == 0)
            return &w->blobs[slot - 1];
    }
}

static void table_insert(uint32_t *table, size_t cap, const rrt_blob_id *id,
                         uint32_t slot)
{
    size_t i = id_hash(id, cap);
    while (table[i])
        i = (i + 1) & (cap - 1);
    table[i] = slot;
}

/* Registers an id; the descriptor offset is filled when it is written. */
rrt_status rrti_wr_add_blob_entry(rrt_writer *w, const rrt_blob_id *id,
                                  uint64_t off, uint64_t size)
{
    if (w->nblob >= UINT32_MAX - 1)
        return rrti_wr_fail(w, RRT_E_LIMIT, 0, "too many blobs");
    rrti_index_blob *p =
        rrtx_grow(w->blobs, &w->capblob, w->nblob + 1, sizeof(*p));
    if (!p)
        return rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
    w->blobs = p;
    if (2 * (w->nblob + 1) > w->table_cap) {
        size_t cap = w->table_cap ? w->table_cap * 2 : 128;
        uint32_t *t = calloc(cap, sizeof(*t));
        if (!t)
            return rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
        for (size_t i = 0; i < w->nblob; i++)
            table_insert(t, cap, &w->blobs[i].id, (uint32_t)(i + 1));
        free(w->table);
        w->table = t;
        w->table_cap = cap;
    }
    w->blobs[w->nblob] = (rrti_index_blob){*id, off, size};
    w->nblob++;
    table_insert(w->table, w->table_cap, id, (uint32_t)w->nblob);
    return RRT_OK;
}

bool rrt_writer_has_blob(const rrt_writer *w, const rrt_blob_id *id)
{
    return find_blob(w, id) != NULL;
}

/* ------------------------------------------------------------------ */
/* Queue                                                              */

static bool needs_compression(const item *it)
{
    return it->kind == ITEM_CHUNK || it->kind == ITEM_EVTS;
}

static void compress_item(const rrt_writer *w, item *it)
{
    if (it->kind == ITEM_CHUNK)
        it->result =
            rrti_compress_chunk(w->opt.quality, it->x86, it->raw, it->raw_len,
                                &it->out, &it->out_len, &it->method);
    else
        it->result = rrti_compress(w->opt.quality, it->raw, it->raw_len,
                                   &it->out, &it->out_len, &it->method);
    free(it->raw);
    it->raw = NULL;
}

/* The largest item waiting for a worker: a big chunk started last would
 * keep one thread busy while the others have nothing left (longest first
 * packs the threads' time best). Only the order of work changes; items
 * are still written in queue order. */
static item *next_work(rrt_writer *w)
{
    item *best = NULL;
    for (item *it = w->head; it; it = it->next)
        if (it->state == 0 && needs_compression(it) &&
            (!best || it->raw_len > best->raw_len))
            best = it;
    return best;
}

static void *worker(void *arg)
{
    rrt_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        item *it = next_work(w);
        if (!it) {
            if (w->stop)
                break;
            pthread_cond_wait(&w->work_cv, &w->mu);
            continue;
        }
        it->state = 1;
        pthread_mutex_unlock(&w->mu);
        compress_item(w, it);
        pthread_mutex_lock(&w->mu);
        it->state = 2;
        pthread_cond_broadcast(&w->done_cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

void rrti_wr_blob_unref(blob_build *b)
{
    if (b && --b->refs == 0) {
        free(b->chunks);
        free(b);
    }
}

void rrti_wr_item_free(item *it)
{
    free(it->raw);
    free(it->out);
    rrti_wr_blob_unref(it->blob);
    for (size_t i = 0; i < it->nmembers; i++)
        rrti_wr_blob_unref(it->members[i]);
    free(it->members);
    free(it);
}

static rrt_status write_blob_desc(rrt_writer *w, blob_build *b)
{
    rrt_buf p;
    rrt_buf_init(&p);
    rrt_buf_put(&p, b->id.bytes, 16);
    rrt_buf_put_u64(&p, b->size);
    rrt_buf_put_u32(&p, b->piece ? 0 : b->chunk_size);
    rrt_buf_put_u32(&p, b->n_chunks);
    for (uint32_t i = 0; i < b->n_chunks; i++) {
        rrt_buf_put_u64(&p, b->chunks[i].offset);
        rrt_buf_put_u64(&p, b->chunks[i].raw_hash);
    }
    if (b->piece)
        rrt_buf_put_u64(&p, b->piece_off);
    if (p.failed) {
        rrt_buf_free(&p);
        return rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
    }
    uint64_t at;
    out_section(w, RRT_SEC_BLOB, RRT_SECF_REQUIRED, p.data, p.len, NULL, 0,
                &at);
    rrt_buf_free(&p);
    rrti_index_blob *e = find_blob(w, &b->id);
    if (e)
        e->offset = at;
    return w->status;
}

static rrt_status write_item(rrt_writer *w, item *it)
{
    uint8_t pre[RRTI_EVTS_PREFIX] = {0};
    uint64_t at;
    if (it->result != RRT_OK)
        return rrti_wr_fail(w, it->result, 0,
                            "cannot compress (out of memory)");
    switch (it->kind) {
    case ITEM_CHUNK:
        /* Written even when its blob is dropped (an error or a late
         * duplicate): whether a chunk was still queued then depends on
         * the thread count, and the bytes must not. */
        pre[0] = it->method;
        rrti_put_u32(pre + 4, (uint32_t)it->raw_len);
        out_section(w, RRT_SEC_CHUNK, RRT_SECF_REQUIRED, pre, RRTI_CHUNK_PREFIX,
                    it->out, it->out_len, &at);
        if (it->blob)
            it->blob->chunks[it->chunk_index].offset = at;
        for (size_t i = 0; i < it->nmembers; i++)
            it->members[i]->chunks[0].offset = at;
        return w->status;
    case ITEM_EVTS:
        rrti_put_u64(pre, it->first);
        rrti_put_u32(pre + 8, it->count);
        pre[12] = it->method;
        rrti_put_u32(pre + 16, (uint32_t)it->raw_len);
        out_section(w, RRT_SEC_EVENTS, RRT_SECF_REQUIRED, pre, RRTI_EVTS_PREFIX,
                    it->out, it->out_len, &at);
        return add_section_entry(w, RRT_SEC_EVENTS, RRT_SECF_REQUIRED, at,
                                 RRTI_EVTS_PREFIX + it->out_len, it->first);
    case ITEM_BLOB:
        return write_blob_desc(w, it->blob);
    case ITEM_SECTION: {
        /* Optional sections: a reader that does not know them loses
         * nothing it needs to read the rest (spec 3). */
        bool optional =
            it->type == RRT_SEC_META || it->type == RRT_SEC_CPUID_SITES;
        uint32_t flags = optional ? 0 : RRT_SECF_REQUIRED;
        out_section(w, it->type, flags, NULL, 0, it->raw, it->raw_len, &at);
        return add_section_entry(w, it->type, flags, at, it->raw_len, 0);
    }
    }
    return RRT_OK;
}

/* Pops the queue head once it is ready and writes it. */
static rrt_status drain_one(rrt_writer *w)
{
    pthread_mutex_lock(&w->mu);
    item *it = w->head;
    while (it && needs_compression(it) && it->state != 2)
        pthread_cond_wait(&w->done_cv, &w->mu);
    if (it) {
        w->head = it->next;
        if (!w->head)
            w->tail = NULL;
        w->queued--;
        if (needs_compression(it)) {
            w->compressing_items--;
            w->pending_raw -= it->raw_len;
        }
    }
    pthread_mutex_unlock(&w->mu);
    if (!it)
        return w->status;
    if (w->status == RRT_OK)
        write_item(w, it);
    rrti_wr_item_free(it);
    return w->status;
}

static rrt_status drain_all(rrt_writer *w)
{
    while (w->head)
        drain_one(w);
    return w->status;
}

/* Puts an item on the queue (its blob reference already counted); takes
 * ownership of it in all cases. */
rrt_status rrti_wr_queue_item(rrt_writer *w, item *it)
{
    if (w->status != RRT_OK) {
        rrti_wr_item_free(it);
        return w->status;
    }
    bool comp = needs_compression(it);
    if (comp && w->nthreads == 0) {
        compress_item(w, it);
        it->state = 2;
    }
    /* Compression is bounded by bytes, not items: while a worker is on a
     * big chunk at the head, the others must find more work queued behind
     * it (small pieces and event batches must not fill the queue), and
     * the main thread must keep reading rather than wait for the head. */
    uint64_t budget = (2 * (uint64_t)w->nthreads + 2) * w->opt.chunk_size;
    while (w->queued >= MAX_QUEUE || (comp && w->compressing_items > 0 &&
                                      w->pending_raw + it->raw_len > budget))
        if (drain_one(w) != RRT_OK) {
            rrti_wr_item_free(it);
            return w->status;
        }
    pthread_mutex_lock(&w->mu);
    if (w->tail)
        w->tail->next = it;
    else
        w->head = it;
    w->tail = it;
    w->queued++;
    if (comp) {
        w->compressing_items++;
        w->pending_raw += it->raw_len;
    }
    pthread_cond_signal(&w->work_cv);
    pthread_mutex_unlock(&w->mu);
    if (w->nthreads == 0)
        return drain_all(w);
    return RRT_OK;
}

/* Queues an item, or holds it back while a shared chunk is open; takes
 * ownership of it in all cases. */
static rrt_status enqueue(rrt_writer *w, item *it)
{
    if (w->status != RRT_OK) {
        rrti_wr_item_free(it);
        return w->status;
    }
    if (it->blob)
        it->blob->refs++;
    shared_group *g = &w->group;
    if (!g->chunk)
        return rrti_wr_queue_item(w, it);
    if (g->held_tail)
        g->held_tail->next = it;
    else
        g->held_head = it;
    g->held_tail = it;
    g->held++;
    g->held_bytes += it->raw_len;
    if (g->held >= MAX_HELD || g->held_bytes >= w->opt.chunk_size)
        return rrti_wr_seal_group(w);
    return RRT_OK;
}

item *rrti_wr_new_item(rrt_writer *w, item_kind kind)
{
    item *it = calloc(1, sizeof(*it));
    if (!it)
        rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
    else
        it->kind = kind;
    return it;
}

/* Queues a non-compressed section; copies the payload. */
static rrt_status enqueue_section(rrt_writer *w, uint32_t type,
                                  const uint8_t *p, size_t n)
{
    item *it = rrti_wr_new_item(w, ITEM_SECTION);
    if (!it)
        return w->status;
    it->type = type;
    it->raw = malloc(n ? n : 1);
    if (!it->raw) {
        rrti_wr_item_free(it);
        return rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
    }
    memcpy(it->raw, p, n);
    it->raw_len = n;
    return enqueue(w, it);
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                         */

void rrt_writer_options_init(rrt_writer_options *opt)
{
    memset(opt, 0, sizeof(*opt));
    opt->quality = 5;
    opt->threads = 0;
    opt->chunk_size = 1u << 20;
    opt->event_batch = 256u << 10;
    opt->mode = 0644;
    opt->x86_filter = true;
    opt->shared_chunks = true;
}

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    return n > 8 ? 8 : (unsigned)n;
}

rrt_status rrt_writer_create(const char *path, const rrt_writer_options *opt,
                             rrt_writer **wp, rrt_error *err)
{
    return rrti_writer_create_via(path, ".partial", opt, wp, err);
}

rrt_status rrti_writer_create_via(const char *path, const char *suffix,
                                  const rrt_writer_options *opt,
                                  rrt_writer **wp, rrt_error *err)
{
    *wp = NULL;
    rrt_writer_options o;
    if (opt)
        o = *opt;
    else
        rrt_writer_options_init(&o);
    if (o.quality < 0 || o.quality > 11 || o.chunk_size < RRTI_MIN_CHUNK ||
        o.chunk_size > RRTI_MAX_RAW || o.event_batch == 0 ||
        o.event_batch > RRTI_MAX_RAW || (o.mode & ~07777u))
        return rrtx_fail(err, RRT_E_INVALID, 0, path, UINT64_MAX,
                         "invalid writer options");
    rrt_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return rrtx_fail(err, RRT_E_NOMEM, 0, path, UINT64_MAX,
                         "out of memory");
    w->file.fd = -1;
    w->opt = o;
    w->obuf = malloc(OBUF_SIZE);
    rrt_buf_init(&w->events);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work_cv, NULL);
    pthread_cond_init(&w->done_cv, NULL);
    if (!w->obuf) {
        rrt_writer_free(w);
        return rrtx_fail(err, RRT_E_NOMEM, 0, path, UINT64_MAX,
                         "out of memory");
    }
    rrt_status st = rrtx_atomic_open(&w->file, path, suffix, 0600, o.io, err);
    w->file.no_sync = o.no_sync;
    if (st == RRT_E_EXISTS)
        rrtx_fail(err, st, EEXIST, NULL, UINT64_MAX,
                  "%s%s: cannot create (another writer is running, or a "
                  "crash left it: rrt recover it or remove it)",
                  path, suffix);
    if (st != RRT_OK) {
        rrt_writer_free(w);
        return st;
    }
    unsigned n = o.threads ? o.threads : default_threads();
    if (n > 1) {
        /* Workers take no signal: one the caller waits for (rrt record's
         * SIGCHLD, by sigtimedwait) would be lost on a worker that does
         * not block it. They start with all blocked. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        w->threads = calloc(n, sizeof(*w->threads));
        for (unsigned i = 0; w->threads && i < n; i++) {
            if (pthread_create(&w->threads[i], NULL, worker, w) != 0)
                break;
            w->nthreads++;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    uint8_t *h = w->header;
    memcpy(h, RRTX_ARCHIVE_MAGIC, RRTX_ARCHIVE_MAGIC_LEN);
    rrti_put_u16(h + 8, RRT_FORMAT_MAJOR);
    rrti_put_u16(h + 10, RRT_FORMAT_MINOR);
    rrti_put_u32(h + 12, (o.x86_filter ? RRT_HFLAG_X86_FILTER : 0) |
                             (o.shared_chunks ? RRT_HFLAG_SHARED_CHUNKS : 0));
    if (out(w, h, RRTI_HEADER_SIZE) != RRT_OK) {
        st = report(w, err);
        rrt_writer_free(w);
        return st;
    }
    *wp = w;
    return RRT_OK;
}

static void stop_workers(rrt_writer *w)
{
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_broadcast(&w->work_cv);
    pthread_mutex_unlock(&w->mu);
    for (unsigned i = 0; i < w->nthreads; i++)
        pthread_join(w->threads[i], NULL);
    w->nthreads = 0;
}

static void destroy(rrt_writer *w, bool remove_partial)
{
    stop_workers(w);
    while (w->head) {
        item *it = w->head;
        w->head = it->next;
        rrti_wr_item_free(it);
    }
    if (w->group.chunk)
        rrti_wr_item_free(w->group.chunk);
    rrti_wr_free_held(&w->group);
    if (remove_partial && !w->finished)
        rrtx_atomic_abort(&w->file);
    rrtx_atomic_free(&w->file); /* keeps an abandoned file for recovery */
    for (size_t i = 0; i < w->nmeta; i++) {
        free(w->meta_keys[i]);
        free(w->meta_vals[i]);
    }
    free(w->meta_keys);
    free(w->meta_vals);
    rrt_cpuid_sites_free(w->sites);
    rrt_buf_free(&w->events);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work_cv);
    pthread_cond_destroy(&w->done_cv);
    free(w->threads);
    free(w->secs);
    free(w->blobs);
    free(w->table);
    free(w->obuf);
    free(w);
}

void rrt_writer_free(rrt_writer *w)
{
    if (w)
        destroy(w, true);
}

void rrt_writer_abandon(rrt_writer *w)
{
    if (!w)
        return;
    if (!w->finished)
        rrt_writer_flush(w, NULL);
    destroy(w, false);
}

/* ------------------------------------------------------------------ */
/* Blobs                                                              */

blob_build *rrti_wr_new_blob(rrt_writer *w)
{
    blob_build *b = calloc(1, sizeof(*b));
    if (!b) {
        rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
        return NULL;
    }
    b->chunk_size = w->opt.chunk_size;
    b->refs = 1; /* the builder's own reference */
    return b;
}

/* Queues one chunk of a blob; takes ownership of data. */
static rrt_status push_chunk(rrt_writer *w, blob_build *b, uint8_t *data,
                             size_t n)
{
    /* Chunks of big blobs are never held back (memory stays bounded). */
    if (w->group.chunk && rrti_wr_seal_group(w) != RRT_OK) {
        free(data);
        return w->status;
    }
    size_t cap = b->cap;
    rrti_chunk_ref *p =
        rrtx_grow(b->chunks, &cap, (size_t)b->n_chunks + 1, sizeof(*p));
    if (!p || cap > UINT32_MAX) {
        free(data);
        return rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
    }
    b->chunks = p;
    b->cap = (uint32_t)cap;
    item *it = rrti_wr_new_item(w, ITEM_CHUNK);
    if (!it) {
        free(data);
        return w->status;
    }
    /* The first chunk decides: an x86 ELF header filters every chunk. */
    if (b->n_chunks == 0)
        b->x86 = w->opt.x86_filter && rrti_is_x86_elf(data, n);
    b->chunks[b->n_chunks].offset = 0;
    b->chunks[b->n_chunks].raw_hash = XXH3_64bits(data, n);
    it->raw = data;
    it->raw_len = n;
    it->blob = b;
    it->x86 = b->x86;
    it->chunk_index = b->n_chunks++;
    b->size += n;
    return enqueue(w, it);
}

/* Registers the finished blob and queues its descriptor. */
static rrt_status finish_blob(rrt_writer *w, blob_build *b)
{
    if (rrti_wr_add_blob_entry(w, &b->id, 0, b->size) != RRT_OK)
        return w->status;
    item *it = rrti_wr_new_item(w, ITEM_BLOB);
    if (!it)
        return w->status;
    it->blob = b;
    return enqueue(w, it);
}

static rrt_status check_open(rrt_writer *w, rrt_error *err)
{
    if (w->finished)
        return rrtx_fail(err, RRT_E_STATE, 0, w->file.path, UINT64_MAX,
                         "writer already finished");
    return report(w, err);
}

rrt_status rrt_writer_add_blob(rrt_writer *w, const void *data, size_t len,
                               rrt_blob_id *id_out, rrt_error *err)
{
    rrt_status open_st = check_open(w, err);
    if (open_st != RRT_OK)
        return open_st;
    if ((uint64_t)len > RRTI_MAX_BLOB)
        return rrtx_fail(err, RRT_E_LIMIT, 0, w->file.path, UINT64_MAX,
                         "blob of %zu bytes exceeds 2^48", len);
    rrt_blob_id id;
    rrt_blob_id_of(data, len, &id);
    if (id_out)
        *id_out = id;
    if (find_blob(w, &id))
        return RRT_OK;
    if (len > 0 && len <= rrti_wr_piece_max(w)) {
        rrti_wr_add_piece(w, &id, data, len);
        return report(w, err);
    }
    blob_build *b = rrti_wr_new_blob(w);
    if (!b)
        return report(w, err);
    b->id = id;
    const uint8_t *p = data;
    for (size_t done = 0; done < len && w->status == RRT_OK;) {
        size_t n = len - done < b->chunk_size ? len - done : b->chunk_size;
        uint8_t *copy = malloc(n);
        if (!copy) {
            rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
            break;
        }
        memcpy(copy, p + done, n);
        push_chunk(w, b, copy, n);
        done += n;
    }
    if (w->status == RRT_OK)
        finish_blob(w, b);
    rrti_wr_blob_unref(b);
    return report(w, err);
}

/* Reads up to n bytes (fewer only at EOF). */
static ssize_t read_full(int fd, uint8_t *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = read(fd, p + done, n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        done += (size_t)k;
    }
    return (ssize_t)done;
}

/* First pass over a seekable file: its id, so that duplicates cost no
 * compression and no space. */
static rrt_status hash_fd(rrt_writer *w, int fd, const char *name, off_t start,
                          rrt_blob_id *id, uint64_t *size, rrt_error *err)
{
    size_t cap = 1u << 20;
    uint8_t *buf = malloc(cap);
    XXH3_state_t *xs = XXH3_createState();
    rrt_status st = RRT_OK;
    if (!buf || !xs) {
        st = rrtx_fail(err, RRT_E_NOMEM, 0, name, UINT64_MAX, "out of memory");
        goto out;
    }
    XXH3_128bits_reset(xs);
    *size = 0;
    for (;;) {
        ssize_t k = read_full(fd, buf, cap);
        if (k < 0) {
            st = rrtx_fail(err, RRT_E_IO, errno, name, UINT64_MAX,
                           "read failed");
            goto out;
        }
        if (k == 0)
            break;
        XXH3_128bits_update(xs, buf, (size_t)k);
        *size += (uint64_t)k;
    }
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(xs));
    memcpy(id->bytes, c.digest, 16);
    if (lseek(fd, start, SEEK_SET) < 0)
        st = rrtx_fail(err, RRT_E_IO, errno, name, UINT64_MAX, "seek failed");
out:
    free(buf);
    XXH3_freeState(xs);
    (void)w;
    return st;
}

/* Streams a blob from a source into chunks. When `expect` is set the
 * content must hash to it. */
static rrt_status stream_blob(rrt_writer *w, rrt_read_fn fn, void *ctx,
                              const char *name, const rrt_blob_id *expect,
                              bool expect_changed_is_hash, rrt_blob_id *id_out,
                              uint64_t *size_out, rrt_error *err)
{
    blob_build *b = rrti_wr_new_blob(w);
    XXH3_state_t *xs = XXH3_createState();
    if (!b || !xs) {
        rrti_wr_blob_unref(b);
        XXH3_freeState(xs);
        rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
        return report(w, err);
    }
    XXH3_128bits_reset(xs);
    rrt_status st = RRT_OK;
    uint8_t *small = NULL; /* the whole blob, when it is a piece */
    size_t small_len = 0;
    while (w->status == RRT_OK) {
        uint8_t *buf = malloc(b->chunk_size);
        if (!buf) {
            rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
            break;
        }
        size_t k = 0;
        while (k < b->chunk_size) {
            ssize_t r = fn(ctx, buf + k, b->chunk_size - k);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                st = rrtx_fail(err, RRT_E_IO, errno, name, UINT64_MAX,
                               "read failed");
                break;
            }
            if (r == 0)
                break;
            k += (size_t)r;
        }
        if (st != RRT_OK || k == 0) {
            free(buf);
            break;
        }
        XXH3_128bits_update(xs, buf, k);
        if (b->size + k > RRTI_MAX_BLOB) {
            free(buf);
            st = rrtx_fail(err, RRT_E_LIMIT, 0, name, UINT64_MAX,
                           "larger than 2^48 bytes");
            break;
        }
        if (b->n_chunks == 0 && k < b->chunk_size &&
            k <= rrti_wr_piece_max(w)) {
            small = buf; /* all of it, read to its end */
            small_len = k;
            b->size = k;
            break;
        }
        push_chunk(w, b, buf, k);
        if (k < b->chunk_size)
            break; /* the source is at its end */
    }
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(xs));
    XXH3_freeState(xs);
    memcpy(b->id.bytes, c.digest, 16);
    if (st == RRT_OK && w->status == RRT_OK && expect &&
        rrt_blob_id_cmp(&b->id, expect) != 0) {
        char hex[33];
        rrt_blob_id_to_hex(expect, hex);
        st = expect_changed_is_hash
                 ? rrtx_fail(err, RRT_E_HASH, 0, name, UINT64_MAX,
                             "content does not match its id %s", hex)
                 : rrtx_fail(err, RRT_E_CHANGED, 0, name, UINT64_MAX,
                             "file changed while it was being read");
    }
    /* On an error or a late duplicate the blob gets no descriptor: its
     * chunks stay in the file as orphans, which verify reports as harmless
     * and pack drops. */
    if (st == RRT_OK && w->status == RRT_OK && !find_blob(w, &b->id)) {
        if (small)
            rrti_wr_add_piece(w, &b->id, small, small_len);
        else
            finish_blob(w, b);
    }
    free(small);
    if (st == RRT_OK && w->status == RRT_OK) {
        if (id_out)
            *id_out = b->id;
        if (size_out)
            *size_out = b->size;
    }
    rrti_wr_blob_unref(b);
    return st != RRT_OK ? st : report(w, err);
}

rrt_status rrt_writer_add_blob_reader(rrt_writer *w, rrt_read_fn fn, void *ctx,
                                      const char *name,
                                      const rrt_blob_id *expect,
                                      rrt_blob_id *id_out, uint64_t *size_out,
                                      rrt_error *err)
{
    rrt_status open_st = check_open(w, err);
    if (open_st != RRT_OK)
        return open_st;
    const rrti_index_blob *have = expect ? find_blob(w, expect) : NULL;
    if (have) {
        if (id_out)
            *id_out = *expect;
        if (size_out)
            *size_out = have->size;
        return RRT_OK;
    }
    return stream_blob(w, fn, ctx, name, expect, true, id_out, size_out, err);
}

static ssize_t read_fd(void *ctx, void *buf, size_t n)
{
    return read(*(int *)ctx, buf, n);
}

rrt_status rrt_writer_add_blob_fd(rrt_writer *w, int fd, const char *name,
                                  rrt_blob_id *id_out, uint64_t *size_out,
                                  rrt_error *err)
{
    rrt_status open_st = check_open(w, err);
    if (open_st != RRT_OK)
        return open_st;
    struct stat sb;
    off_t start = lseek(fd, 0, SEEK_CUR);
    bool seekable = start >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
    if (!seekable)
        return stream_blob(w, read_fd, &fd, name, NULL, false, id_out, size_out,
                           err);
    rrt_blob_id pre_id;
    uint64_t pre_size = 0;
    rrt_status st = hash_fd(w, fd, name, start, &pre_id, &pre_size, err);
    if (st != RRT_OK)
        return st;
    const rrti_index_blob *have = find_blob(w, &pre_id);
    if (have) {
        if (id_out)
            *id_out = pre_id;
        if (size_out)
            *size_out = pre_size;
        return RRT_OK;
    }
    return stream_blob(w, read_fd, &fd, name, &pre_id, false, id_out, size_out,
                       err);
}

/* ------------------------------------------------------------------ */
/* Files, events, metadata, CPUID                                     */

rrt_status rrt_writer_add_file(rrt_writer *w, const rrt_file_entry *e,
                               rrt_error *err)
{
    rrt_status open_st = check_open(w, err);
    if (open_st != RRT_OK)
        return open_st;
    size_t plen = e->path ? strlen(e->path) : 0;
    if (plen == 0 || plen > RRTI_MAX_PATH)
        return rrtx_fail(err, RRT_E_INVALID, 0, w->file.path, UINT64_MAX,
                         "file path is empty or longer than %u bytes",
                         RRTI_MAX_PATH);
    if ((e->flags & ~(RRT_FILE_HAS_BLOB | RRT_FILE_EXTERNAL)) ||
        !(e->flags & (RRT_FILE_HAS_BLOB | RRT_FILE_EXTERNAL)))
        return rrtx_fail(err, RRT_E_INVALID, 0, w->file.path, UINT64_MAX,
                         "%s: file entry flags are invalid", e->path);
    if (!(e->flags & RRT_FILE_EXTERNAL)) {
        const rrti_index_blob *b = find_blob(w, &e->blob);
        if (!b)
            return rrtx_fail(err, RRT_E_INVALID, 0, w->file.path, UINT64_MAX,
                             "%s: file names a blob not in the archive",
                             e->path);
        if (b->size != e->size)
            return rrtx_fail(err, RRT_E_INVALID, 0, w->file.path, UINT64_MAX,
                             "%s: file size %llu differs from its blob's %llu",
                             e->path, (unsigned long long)e->size,
                             (unsigned long long)b->size);
    }
    rrt_buf p;
    rrt_buf_init(&p);
    rrti_encode_file(&p, e);
    if (p.failed) {
        rrt_buf_free(&p);
        rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
        return report(w, err);
    }
    enqueue_section(w, RRT_SEC_FILE, p.data, p.len);
    rrt_buf_free(&p);
    return report(w, err);
}

static rrt_status flush_events(rrt_writer *w)
{
    if (!w->events_in_batch || w->status != RRT_OK)
        return w->status;
    item *it = rrti_wr_new_item(w, ITEM_EVTS);
    if (!it)
        return w->status;
    it->raw = w->events.data;
    it->raw_len = w->events.len;
    it->first = w->events_batched;
    it->count = w->events_in_batch;
    w->events_batched += w->events_in_batch;
    w->events_in_batch = 0;
    rrt_buf_init(&w->events);
    return enqueue(w, it);
}

rrt_status rrt_writer_add_event(rrt_writer *w, uint32_t type, const void *data,
                                size_t len, rrt_error *err)
{
    rrt_status open_st = check_open(w, err);
    if (open_st != RRT_OK)
        return open_st;
    /* type and length varints take at most 5 and 10 bytes. */
    if (len > RRTI_MAX_RAW - 15)
        return rrtx_fail(err, RRT_E_LIMIT, 0, w->file.path, UINT64_MAX,
                         "event of %zu bytes exceeds the %u-byte batch limit",
                         len, RRTI_MAX_RAW);
    if (w->events_in_batch && (w->events.len + len + 15 > RRTI_MAX_RAW ||
                               w->events_in_batch == UINT32_MAX))
        if (flush_events(w) != RRT_OK)
            return report(w, err);
    rrt_buf_put_varint(&w->events, type);
    rrt_buf_put_lenbytes(&w->events, data, len);
    if (w->events.failed) {
        rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
        return report(w, err);
    }
    w->events_in_batch++;
    w->events_total++;
    if (w->events.len >= w->opt.event_batch)
        flush_events(w);
    return report(w, err);
}

uint64_t rrt_writer_event_count(const rrt_writer *w)
{
    return w->events_total;
}

rrt_status rrt_writer_set_cpuid(rrt_writer *w, const rrt_cpuid_manifest *m,
                                rrt_error *err)
{
    rrt_status open_st = check_open(w, err);
    if (open_st != RRT_OK)
        return open_st;
    rrt_cpuid_manifest copy;
    rrt_status st = rrt_cpuid_manifest_copy(&copy, m, err);
    if (st != RRT_OK)
        return st;
    uint8_t *p = NULL;
    size_t n = 0;
    st = rrt_cpuid_manifest_normalize(&copy, err);
    if (st == RRT_OK)
        st = rrt_cpuid_manifest_encode(&copy, &p, &n, err);
    rrt_cpuid_manifest_clear(&copy);
    if (st != RRT_OK)
        return st;
    enqueue_section(w, RRT_SEC_CPUID, p, n);
    free(p);
    return report(w, err);
}

rrt_status rrt_writer_set_meta(rrt_writer *w, const char *key,
                               const char *value, rrt_error *err)
{
    rrt_status open_st = check_open(w, err);
    if (open_st != RRT_OK)
        return open_st;
    size_t kl = strlen(key), vl = strlen(value);
    if (kl == 0 || kl > RRTI_MAX_META_KEY || vl > RRTI_MAX_META_VALUE)
        return rrtx_fail(err, RRT_E_INVALID, 0, w->file.path, UINT64_MAX,
                         "metadata key '%.64s' or its value is too long", key);
    size_t lo = 0, hi = w->nmeta;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(w->meta_keys[mid], key);
        if (c == 0) {
            char *v = strdup(value);
            if (!v) {
                rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
                return report(w, err);
            }
            free(w->meta_vals[mid]);
            w->meta_vals[mid] = v;
            return RRT_OK;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (w->nmeta >= RRTI_MAX_META_COUNT)
        return rrtx_fail(err, RRT_E_LIMIT, 0, w->file.path, UINT64_MAX,
                         "more than %u metadata keys", RRTI_MAX_META_COUNT);
    if (w->nmeta == w->capmeta) {
        /* Keys and values grow together; capmeta counts both. */
        size_t kcap = w->capmeta, vcap = w->capmeta;
        char **k = rrtx_grow(w->meta_keys, &kcap, w->nmeta + 1, sizeof(*k));
        if (k)
            w->meta_keys = k;
        char **v =
            k ? rrtx_grow(w->meta_vals, &vcap, w->nmeta + 1, sizeof(*v)) : NULL;
        if (v)
            w->meta_vals = v;
        if (!k || !v) {
            rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
            return report(w, err);
        }
        w->capmeta = kcap < vcap ? kcap : vcap;
    }
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
        return report(w, err);
    }
    memmove(w->meta_keys + lo + 1, w->meta_keys + lo,
            (w->nmeta - lo) * sizeof(char *));
    memmove(w->meta_vals + lo + 1, w->meta_vals + lo,
            (w->nmeta - lo) * sizeof(char *));
    w->meta_keys[lo] = k;
    w->meta_vals[lo] = v;
    w->nmeta++;
    return RRT_OK;
}

static rrt_status flush_meta(rrt_writer *w)
{
    if (!w->nmeta || w->status != RRT_OK)
        return w->status;
    rrt_buf p;
    rrt_buf_init(&p);
    rrt_buf_put_varint(&p, w->nmeta);
    for (size_t i = 0; i < w->nmeta; i++) {
        rrt_buf_put_lenbytes(&p, w->meta_keys[i], strlen(w->meta_keys[i]));
        rrt_buf_put_lenbytes(&p, w->meta_vals[i], strlen(w->meta_vals[i]));
        free(w->meta_keys[i]);
        free(w->meta_vals[i]);
    }
    w->nmeta = 0;
    if (p.failed) {
        rrt_buf_free(&p);
        return rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
    }
    enqueue_section(w, RRT_SEC_META, p.data, p.len);
    rrt_buf_free(&p);
    return w->status;
}

rrt_status rrt_writer_add_cpuid_sites(rrt_writer *w, const rrt_blob_id *key,
                                      uint64_t code_len,
                                      const uint64_t *offsets, size_t n,
                                      rrt_error *err)
{
    rrt_status open_st = check_open(w, err);
    if (open_st != RRT_OK)
        return open_st;
    if (!w->sites && !(w->sites = rrti_cpuid_sites_new())) {
        rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
        return report(w, err);
    }
    /* A bad argument is the caller's error, not the archive's: only running
     * out of memory stops the writer. */
    rrt_status st = rrti_cpuid_sites_add(w->sites, key, code_len, offsets, n,
                                         w->file.path, err);
    if (st == RRT_E_NOMEM) {
        rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
        return report(w, err);
    }
    return st;
}

static rrt_status flush_sites(rrt_writer *w)
{
    while (w->sites && w->status == RRT_OK) {
        rrt_buf p;
        rrt_buf_init(&p);
        size_t n = rrti_cpuid_sites_take(w->sites, &p);
        if (n && p.failed)
            rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
        else if (n)
            enqueue_section(w, RRT_SEC_CPUID_SITES, p.data, p.len);
        rrt_buf_free(&p);
        if (!n)
            break;
    }
    return w->status;
}

rrt_status rrt_writer_flush(rrt_writer *w, rrt_error *err)
{
    if (w->finished)
        return RRT_OK;
    flush_events(w);
    flush_meta(w);
    flush_sites(w);
    rrti_wr_seal_group(w);
    drain_all(w);
    obuf_flush(w);
    return report(w, err);
}

/* ------------------------------------------------------------------ */
/* Finish                                                             */

static rrt_status write_index(rrt_writer *w)
{
    rrt_buf p;
    rrt_buf_init(&p);
    rrti_encode_index(&p, w->secs, w->nsec, w->blobs, w->nblob,
                      w->events_batched);
    /* Sorting moved the blobs: the hash table is stale from here on. */
    free(w->table);
    w->table = NULL;
    w->table_cap = 0;
    if (p.failed) {
        rrt_buf_free(&p);
        return rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
    }
    if (p.len > RRTI_MAX_PAYLOAD) {
        rrt_buf_free(&p);
        return rrti_wr_fail(w, RRT_E_LIMIT, 0,
                            "index exceeds the section limit");
    }
    uint64_t at;
    out_section(w, RRT_SEC_INDEX, RRT_SECF_REQUIRED, NULL, 0, p.data, p.len,
                &at);
    rrt_buf_free(&p);
    uint8_t foot[RRTI_FOOTER_SIZE];
    rrti_encode_footer(foot, w->header, at, w->off - at);
    return out(w, foot, sizeof(foot));
}

rrt_status rrt_writer_finish(rrt_writer *w, rrt_error *err)
{
    if (w->finished)
        return rrtx_fail(err, RRT_E_STATE, 0, w->file.path, UINT64_MAX,
                         "writer already finished");
    rrt_writer_flush(w, NULL);
    if (w->status == RRT_OK)
        write_index(w);
    obuf_flush(w);
    if (w->status == RRT_OK && fchmod(w->file.fd, (mode_t)w->opt.mode) != 0)
        rrti_wr_fail(w, RRT_E_IO, errno, "chmod failed");
    if (w->status == RRT_OK)
        w->status = rrtx_atomic_commit(&w->file, &w->err);
    else
        rrtx_atomic_abort(&w->file);
    /* Renamed, even if the directory sync then took the name away. */
    w->finished = w->file.renamed;
    return report(w, err);
}

/* ------------------------------------------------------------------ */
/* Recovery support                                                   */

rrt_status rrti_writer_append_raw(rrt_writer *w, int src_fd,
                                  const char *src_path, uint64_t src_off,
                                  uint64_t len, rrt_error *err)
{
    uint8_t *buf = malloc(1u << 20);
    if (!buf)
        return rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory"), report(w, err);
    rrt_status st = RRT_OK;
    while (len && st == RRT_OK && w->status == RRT_OK) {
        size_t n = len < (1u << 20) ? (size_t)len : (1u << 20);
        st = rrti_pread_all(src_fd, src_path, buf, n, src_off, err);
        if (st == RRT_OK)
            out(w, buf, n);
        src_off += n;
        len -= n;
    }
    free(buf);
    return st != RRT_OK ? st : report(w, err);
}

rrt_status rrti_writer_register_section(rrt_writer *w,
                                        const rrt_section_info *s,
                                        rrt_error *err)
{
    add_section_entry(w, s->type, s->flags, s->offset, s->length, s->aux);
    return report(w, err);
}

rrt_status rrti_writer_register_blob(rrt_writer *w, const rrt_blob_id *id,
                                     uint64_t offset, uint64_t size,
                                     rrt_error *err)
{
    rrti_wr_add_blob_entry(w, id, offset, size);
    return report(w, err);
}

void rrti_writer_set_event_count(rrt_writer *w, uint64_t n)
{
    w->events_batched = n;
    w->events_total = n;
}
