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
#define pack_fail(err, st, e, ...)                                             \
    rrtx_fail(err, st, e, NULL, UINT64_MAX, __VA_ARGS__)

struct archive;
struct archive_entry;

/* A libarchive disk writer rooted at DIR (created if missing); prefix gets
 * DIR's real path and a '/', to put before each (checked) member name. */
struct archive *pack_open_disk(const char *dir, char *prefix, size_t n,
                               rrt_error *err);

#endif
