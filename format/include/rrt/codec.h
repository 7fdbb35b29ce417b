/* Little-endian and varint encoding helpers: growable output buffer and a
 * bounds-checked input cursor. Engines use them to encode event payloads. */
#ifndef RRT_CODEC_H
#define RRT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Growable byte buffer. After an allocation failure `failed` is set and all
 * further puts are ignored, so callers check once at the end. */
typedef struct rrt_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    bool failed;
} rrt_buf;

RRT_API void rrt_buf_init(rrt_buf *b);
RRT_API void rrt_buf_free(rrt_buf *b);
RRT_API void rrt_buf_reset(rrt_buf *b); /* len = 0, keeps memory */
RRT_API bool rrt_buf_reserve(rrt_buf *b, size_t extra);
RRT_API void rrt_buf_put(rrt_buf *b, const void *p, size_t n);
RRT_API void rrt_buf_put_u8(rrt_buf *b, uint8_t v);
RRT_API void rrt_buf_put_u16(rrt_buf *b, uint16_t v);
RRT_API void rrt_buf_put_u32(rrt_buf *b, uint32_t v);
RRT_API void rrt_buf_put_u64(rrt_buf *b, uint64_t v);
/* Unsigned LEB128, at most 10 bytes. */
RRT_API void rrt_buf_put_varint(rrt_buf *b, uint64_t v);
/* Zig-zag signed varint. */
RRT_API void rrt_buf_put_svarint(rrt_buf *b, int64_t v);
/* varint length followed by the bytes. */
RRT_API void rrt_buf_put_lenbytes(rrt_buf *b, const void *p, size_t n);

/* Bounds-checked reader. Any read past the end, or a malformed varint, sets
 * `failed`, returns 0 and leaves the cursor at its end. */
typedef struct rrt_cursor {
    const uint8_t *p;
    const uint8_t *end;
    bool failed;
} rrt_cursor;

RRT_API void rrt_cursor_init(rrt_cursor *c, const void *p, size_t n);
RRT_API size_t rrt_cursor_left(const rrt_cursor *c);
RRT_API uint8_t rrt_cursor_u8(rrt_cursor *c);
RRT_API uint16_t rrt_cursor_u16(rrt_cursor *c);
RRT_API uint32_t rrt_cursor_u32(rrt_cursor *c);
RRT_API uint64_t rrt_cursor_u64(rrt_cursor *c);
/* Rejects overlong encodings and values above 2^64-1. */
RRT_API uint64_t rrt_cursor_varint(rrt_cursor *c);
RRT_API int64_t rrt_cursor_svarint(rrt_cursor *c);
/* Returns a pointer to the next n bytes (inside the input) or NULL. */
RRT_API const uint8_t *rrt_cursor_bytes(rrt_cursor *c, size_t n);
/* varint length + bytes; the length is checked against what is left. */
RRT_API const uint8_t *rrt_cursor_lenbytes(rrt_cursor *c, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
