/* rrtx: helpers that several rrt modules would otherwise each write again
 * (error filling, array growth, JSON output, atomic files, hex). Internal:
 * compiled into librrt with hidden visibility; in-tree modules link it
 * through the static librrt. Nothing here is public API. */
#ifndef RRTX_H
#define RRTX_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rrt/archive.h>
#include <rrt/status.h>

/* The first 8 bytes of every archive (spec/format.md, section 2). The one
 * spelling of them: the format writes and checks it, pack and verify sniff
 * files with it. */
#define RRTX_ARCHIVE_MAGIC "\x89RRT\r\n\x1a\n"
#define RRTX_ARCHIVE_MAGIC_LEN 8u

/* ------------------------------------------------------------------ */
/* Error context                                                      */

/* Fills err (NULL allowed) and returns status. The message reads
 * "PATH: WHAT at offset N: strerror(sys_errno)": the path part only when
 * path is not NULL, the offset part only when offset != UINT64_MAX, the
 * errno part only when sys_errno != 0. A message too long for
 * err->message is cut short, always NUL-terminated. */
rrt_status rrtx_fail(rrt_error *err, rrt_status status, int sys_errno,
                     const char *path, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
rrt_status rrtx_vfail(rrt_error *err, rrt_status status, int sys_errno,
                      const char *path, uint64_t offset, const char *fmt,
                      va_list ap) __attribute__((format(printf, 6, 0)));

/* snprintf that reports truncation (false) instead of hiding it. */
bool rrtx_format(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------ */
/* Growing arrays                                                     */

/* Makes room for `need` elements of `size` bytes in array p of *cap
 * elements, doubling the capacity (at least 16). Returns the array (p
 * itself when it is big enough) and updates *cap; returns NULL when
 * need * size passes PTRDIFF_MAX (the largest object there can be) or
 * memory runs out, leaving p and *cap as they were. need must be at
 * least 1. */
void *rrtx_grow(void *p, size_t *cap, size_t need, size_t size);

/* ------------------------------------------------------------------ */
/* Hex                                                                */

/* 0..15 for a hex digit (either case), else -1. */
int rrtx_hex_digit(char c);
/* Writes 2n lowercase digits and a NUL to out (2n + 1 bytes). */
void rrtx_hex_encode(const void *p, size_t n, char *out);
/* Decodes n digits (either case) into n / 2 bytes at out; false, with out
 * in an unspecified state, when n is odd or a character is not a digit. */
bool rrtx_hex_decode(const char *s, size_t n, void *out);

/* ------------------------------------------------------------------ */
/* JSON output                                                        */

/* Escaping, the same for every caller: '"' and '\' get a backslash; every
 * other byte outside printable ASCII (controls, DEL, and every byte >=
 * 0x80, so text that is not UTF-8 still makes valid JSON) becomes \u00XX,
 * one escape per byte. RRTX_JSON_SHORT_ESCAPES writes \n, \r and \t
 * instead of \u000a, \u000d and \u0009 (the CLI's --json output). */
enum { RRTX_JSON_SHORT_ESCAPES = 1u };

/* Where JSON text goes: put(ctx, bytes, n). */
typedef void (*rrtx_json_put_fn)(void *ctx, const void *p, size_t n);

typedef struct rrtx_json {
    rrtx_json_put_fn put;
    void *ctx;
    unsigned flags;
} rrtx_json;

void rrtx_json_init(rrtx_json *j, rrtx_json_put_fn put, void *ctx,
                    unsigned flags);
/* Writes to a stdio stream (errors show in ferror(f)). */
void rrtx_json_init_file(rrtx_json *j, FILE *f, unsigned flags);

/* Text written as is: brackets, separators, layout. */
void rrtx_json_raw(rrtx_json *j, const char *s);
/* A string value from n bytes, or a NUL-terminated string. */
void rrtx_json_bytes(rrtx_json *j, const void *p, size_t n);
void rrtx_json_str(rrtx_json *j, const char *s);
/* An object member's start: sep (e.g. ", "), the key as a string, ": ". */
void rrtx_json_key(rrtx_json *j, const char *sep, const char *key);
/* Bytes as a string of lowercase hex digits. */
void rrtx_json_hex(rrtx_json *j, const void *p, size_t n);
void rrtx_json_u64(rrtx_json *j, uint64_t v);
void rrtx_json_i64(rrtx_json *j, int64_t v);
void rrtx_json_bool(rrtx_json *j, bool v);

/* ------------------------------------------------------------------ */
/* Atomic files                                                       */

/* A file that appears under its final name only when complete: written as
 * PATH + suffix (created O_EXCL, so a file already there is never taken
 * over), then fsynced, renamed to PATH, and the directory fsynced. On any
 * failure neither name is left behind by us. `io` (NULL for none) routes
 * write, fsync and rename through the caller's hooks (fault injection).
 * Life cycle: open, write (or write to fd directly), then commit or abort,
 * then free. */
typedef struct rrtx_atomic {
    char *path;    /* final name */
    char *partial; /* PATH + suffix; NULL when the file is not ours */
    int fd;
    bool no_sync; /* skip both fsyncs (scratch files, tests) */
    bool renamed; /* the partial file was renamed to path */
    rrt_io_hooks io;
} rrtx_atomic;

/* Creates PATH + suffix with mode (before the umask). EEXIST is
 * RRT_E_EXISTS, other errors RRT_E_IO; the message names the partial file
 * ("cannot create"). Call rrtx_atomic_free() after a failure too. */
rrt_status rrtx_atomic_open(rrtx_atomic *a, const char *path,
                            const char *suffix, unsigned mode,
                            const rrt_io_hooks *io, rrt_error *err);
/* Writes all n bytes (through the hook, if any). */
rrt_status rrtx_atomic_write(rrtx_atomic *a, const void *p, size_t n,
                             rrt_error *err);
/* fsync, close, rename to the final name, fsync the directory. On failure
 * the partial file is removed, and so is the final name when only the
 * directory sync failed (without it the caller cannot rely on the file).
 * Messages name the partial file: "fsync failed", "close failed",
 * "rename to PATH failed", "directory fsync failed". */
rrt_status rrtx_atomic_commit(rrtx_atomic *a, rrt_error *err);
/* Closes the file and removes it unless it was renamed. Idempotent. */
void rrtx_atomic_abort(rrtx_atomic *a);
/* Closes the file (never removes it: after abort or commit, or to leave an
 * unfinished file for recovery) and frees the names. */
void rrtx_atomic_free(rrtx_atomic *a);

/* Writes all n bytes to fd, retrying short writes and EINTR; 0 or errno
 * (EIO when write returns 0). */
int rrtx_write_all(int fd, const void *p, size_t n, const rrt_io_hooks *io);

#endif
