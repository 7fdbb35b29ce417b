/* The list encoding of a recording's `argv` and `env` metadata
 * (spec/events.md, "List encoding"): items joined by newlines, with
 * backslash and newline escaped inside an item. */
#ifndef RRT_LIST_H
#define RRT_LIST_H

#include <stddef.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The n items joined and escaped, as malloc'ed text; NULL when out of
 * memory. An empty item list gives "". */
RRT_API char *rrt_list_encode(char *const *items, size_t n);

/* Splits text into a NULL-terminated vector of *n decoded items, in one
 * malloc'ed block (free the vector alone); NULL when out of memory. Any
 * text decodes: a backslash before another byte stands for that byte, a
 * trailing backslash for itself. */
RRT_API char **rrt_list_decode(const char *text, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
