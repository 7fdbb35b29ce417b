/* What the archive writer's files share: its state, the queue's items,
 * and the functions writer.c and shared_chunk.c call across. Internal to
 * format/ (rrti_wr_*). */
#ifndef RRT_FORMAT_WRITERI_H
#define RRT_FORMAT_WRITERI_H

#include <pthread.h>

#include "rrti.h"
#include "rrti_xxhash.h"

#define OBUF_SIZE (256u << 10)
#define MAX_QUEUE 256u

typedef struct blob_build {
    rrt_blob_id id;
    uint64_t size;
    uint32_t chunk_size;
    uint32_t n_chunks, cap;
    bool x86;   /* x86 ELF: chunks go through the x86 filter */
    bool piece; /* its bytes are a piece of a shared chunk */
    uint64_t piece_off;
    rrti_chunk_ref *chunks;
    unsigned refs; /* queue items pointing here */
} blob_build;

typedef enum { ITEM_SECTION, ITEM_CHUNK, ITEM_EVTS, ITEM_BLOB } item_kind;

typedef struct item {
    item_kind kind;
    uint32_t type;
    uint8_t *raw; /* CHUNK/EVTS: bytes to compress; SECTION: payload */
    size_t raw_len;
    uint8_t *out; /* compressed form */
    size_t out_len;
    uint8_t method;
    uint64_t first; /* EVTS */
    uint32_t count; /* EVTS */
    blob_build *blob;
    uint32_t chunk_index;
    bool x86;             /* CHUNK: run the x86 filter */
    blob_build **members; /* shared CHUNK: the pieces it holds */
    size_t nmembers, capmembers;
    int state; /* 0 waiting, 1 being compressed, 2 ready */
    rrt_status result;
    struct item *next;
} item;

typedef struct blob_slot {
    rrti_index_blob entry;
} blob_slot;

/* The shared chunk being filled with small blobs (spec 3.2.1). Until it
 * is sealed, every other item is held back in order, so nothing in the
 * file refers to a piece before its descriptor; sealing queues the chunk,
 * the pieces' descriptors, then the held items. When it is sealed depends
 * only on the calls made, so the thread count still changes no byte. */
typedef struct shared_group {
    item *chunk;        /* NULL when no group is open */
    size_t cap;         /* bytes allocated for chunk->raw */
    uint64_t x86_bytes; /* bytes of pieces from x86 ELF files */
    item *held_head, *held_tail;
    size_t held, held_bytes;
} shared_group;

/* Limits on what an open group holds back (beyond its own bytes). */
#define MAX_HELD 256u

struct rrt_writer {
    rrtx_atomic file; /* PATH.partial until finish renames it */
    rrt_writer_options opt;
    uint64_t off;      /* file offset of the next byte handed to out() */
    rrt_status status; /* sticky: first failure */
    rrt_error err;
    bool finished;

    uint8_t *obuf;
    size_t olen;
    uint8_t header[RRTI_HEADER_SIZE];

    rrt_section_info *secs;
    size_t nsec, capsec;
    rrti_index_blob *blobs;
    size_t nblob, capblob;
    uint32_t *table; /* open addressing: blob index + 1, 0 = empty */
    size_t table_cap;

    rrt_buf events;
    uint32_t events_in_batch;
    uint64_t events_total;   /* events handed to add_event */
    uint64_t events_batched; /* events already in queued batches */

    char **meta_keys, **meta_vals;
    size_t nmeta, capmeta;

    rrt_cpuid_sites *sites; /* CPUID sites added (CSIT), on first use */

    shared_group group;

    /* Queue and workers. */
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    item *head, *tail;
    size_t queued, compressing_items;
    uint64_t pending_raw; /* raw bytes of the compression items queued */
    pthread_t *threads;
    unsigned nthreads;
    bool stop;
};

/* Makes the writer fail with a message (the first failure sticks). */
rrt_status rrti_wr_fail(rrt_writer *w, rrt_status st, int e, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));
rrt_status rrti_wr_add_blob_entry(rrt_writer *w, const rrt_blob_id *id,
                                  uint64_t off, uint64_t size);
void rrti_wr_blob_unref(blob_build *b);
void rrti_wr_item_free(item *it);
rrt_status rrti_wr_queue_item(rrt_writer *w, item *it);
item *rrti_wr_new_item(rrt_writer *w, item_kind kind);
blob_build *rrti_wr_new_blob(rrt_writer *w);
size_t rrti_wr_piece_max(const rrt_writer *w);
rrt_status rrti_wr_seal_group(rrt_writer *w);
rrt_status rrti_wr_add_piece(rrt_writer *w, const rrt_blob_id *id,
                             const uint8_t *data, size_t n);
void rrti_wr_free_held(shared_group *g);

#endif
