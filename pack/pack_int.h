/* Helpers shared by the files of the pack module (not used elsewhere). */
#ifndef RRT_PACK_INT_H
#define RRT_PACK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rrt/rrt.h>

#include "rrtx.h"

/* Fills err (may be NULL) with a message; appends strerror(e) when e != 0.
 * Messages name their file themselves. */
#define rrti_pack_fail(err, st, e, ...)                                       \
    rrtx_fail(err, st, e, NULL, UINT64_MAX, __VA_ARGS__)

struct archive;
struct archive_entry;

/* A libarchive disk writer rooted at DIR (created if missing); prefix gets
 * DIR's real path and a '/', to put before each (checked) member name. */
struct archive *rrti_open_disk(const char *dir, char *prefix, size_t n,
                               rrt_error *err);

/* JSON output into an rrt_buf: strings escape every byte outside printable
 * ASCII as \u00XX (the convention of rrt dump), so any path round-trips. */
void rrti_json_bytes(rrt_buf *b, const void *p, size_t n);
void rrti_json_str(rrt_buf *b, const char *s);
void rrti_json_hex(rrt_buf *b, const uint8_t *p, size_t n);
void rrti_json_u64(rrt_buf *b, uint64_t v);
void rrti_json_i64(rrt_buf *b, int64_t v);
void rrti_json_raw(rrt_buf *b, const char *s);

/* A bounds-checked JSON cursor for the few fixed shapes import reads.
 * Any error sets `failed`; callers check once. */
typedef struct rrti_jcur {
    const char *p, *end;
    bool failed;
    unsigned depth;
} rrti_jcur;

void rrti_jinit(rrti_jcur *c, const char *p, size_t n);
/* Skips white space; true and consumes ch if it comes next. */
bool rrti_jtry(rrti_jcur *c, char ch);
/* Like rrti_jtry, but a missing ch is an error. */
bool rrti_jexpect(rrti_jcur *c, char ch);
/* true if the next token is the literal null (consumed). */
bool rrti_jnull(rrti_jcur *c);
/* A string, decoded into a malloc'ed NUL-terminated buffer (NULL on
 * error; *len excludes the NUL). \u00XX gives byte XX. */
char *rrti_jstring(rrti_jcur *c, size_t *len);
uint64_t rrti_ju64(rrti_jcur *c);
int64_t rrti_ji64(rrti_jcur *c);
/* Skips any value (depth-limited). */
void rrti_jskip(rrti_jcur *c);
/* Inside an object or array after its opening bracket: true while another
 * member follows (consumes the ',' between members), false at the closing
 * bracket (consumed). `first` is set by the caller to true before the
 * first call. */
bool rrti_jmore(rrti_jcur *c, char close, bool *first);
/* Decodes hex text into bytes (malloc'ed); false on odd length or junk. */
bool rrti_unhex(const char *s, size_t n, uint8_t **out, size_t *out_len);

#endif
