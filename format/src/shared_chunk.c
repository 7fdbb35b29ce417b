/* Shared chunks (spec 3.2.1): small blobs become pieces of one brotli
 * chunk, so that they borrow context from each other as in a tar stream,
 * and every other item is held back until the chunk is sealed. */
#include <stdlib.h>
#include <string.h>

#include "writeri.h"

/* ------------------------------------------------------------------ */
/* Shared chunks                                                      */

/* Blobs up to this size are pieces of a shared chunk; 0: none are. */
size_t rrti_wr_piece_max(const rrt_writer *w)
{
    return w->opt.shared_chunks ? w->opt.chunk_size / 4 : 0;
}

/* Queues the open shared chunk, its pieces' descriptors, then the items
 * held back meanwhile. */
rrt_status rrti_wr_seal_group(rrt_writer *w)
{
    shared_group *g = &w->group;
    item *c = g->chunk;
    if (!c)
        return w->status;
    g->chunk = NULL;
    /* Filter when most of the bytes are x86 code. */
    c->x86 = w->opt.x86_filter && 2 * g->x86_bytes >= c->raw_len;
    g->x86_bytes = 0;
    g->cap = 0;
    item *held = g->held_head;
    g->held_head = g->held_tail = NULL;
    g->held = g->held_bytes = 0;
    /* The descriptors are made first: once queued, c may be written and
     * freed at any moment. */
    item *descs = NULL, **tail = &descs;
    for (size_t i = 0; i < c->nmembers; i++) {
        item *d = rrti_wr_new_item(w, ITEM_BLOB);
        if (!d)
            break;
        d->blob = c->members[i];
        d->blob->refs++;
        *tail = d;
        tail = &d->next;
    }
    rrti_wr_queue_item(w, c);
    while (descs) {
        item *next = descs->next;
        descs->next = NULL;
        rrti_wr_queue_item(w, descs);
        descs = next;
    }
    while (held) {
        item *next = held->next;
        held->next = NULL;
        rrti_wr_queue_item(w, held); /* frees it after a failure */
        held = next;
    }
    return w->status;
}

/* Adds a small blob, already known to be new, as a piece of the open
 * shared chunk (opening one when needed). Copies data. */
rrt_status rrti_wr_add_piece(rrt_writer *w, const rrt_blob_id *id,
                             const uint8_t *data, size_t n)
{
    shared_group *g = &w->group;
    if (g->chunk && g->chunk->raw_len + n > w->opt.chunk_size)
        rrti_wr_seal_group(w);
    if (w->status != RRT_OK)
        return w->status;
    if (!g->chunk) {
        g->chunk = rrti_wr_new_item(w, ITEM_CHUNK);
        if (!g->chunk)
            return w->status;
    }
    item *c = g->chunk;
    uint8_t *p = rrtx_grow(c->raw, &g->cap, c->raw_len + n, 1);
    if (!p)
        return rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
    c->raw = p;
    blob_build **m =
        rrtx_grow(c->members, &c->capmembers, c->nmembers + 1, sizeof(*m));
    if (!m)
        return rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
    c->members = m;
    blob_build *b = rrti_wr_new_blob(w);
    if (!b)
        return w->status;
    b->chunks = malloc(sizeof(*b->chunks));
    if (!b->chunks || rrti_wr_add_blob_entry(w, id, 0, n) != RRT_OK) {
        rrti_wr_blob_unref(b);
        return rrti_wr_fail(w, RRT_E_NOMEM, 0, "out of memory");
    }
    b->id = *id;
    b->size = n;
    b->piece = true;
    b->piece_off = c->raw_len;
    b->n_chunks = b->cap = 1;
    b->chunks[0] = (rrti_chunk_ref){0, XXH3_64bits(data, n)};
    c->members[c->nmembers++] = b; /* the builder's reference moves here */
    memcpy(c->raw + c->raw_len, data, n);
    c->raw_len += n;
    if (rrti_is_x86_elf(data, n))
        g->x86_bytes += n;
    return w->status;
}

void rrti_wr_free_held(shared_group *g)
{
    while (g->held_head) {
        item *it = g->held_head;
        g->held_head = it->next;
        rrti_wr_item_free(it);
    }
    g->held_tail = NULL;
    g->held = g->held_bytes = 0;
}
