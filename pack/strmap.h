/* A string -> size_t hash map (open addressing), for member names. */
#ifndef RRT_PACK_STRMAP_H
#define RRT_PACK_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pack_strmap {
    char **keys;
    size_t *vals;
    size_t n, cap;
} pack_strmap;

void pack_strmap_init(pack_strmap *m);
void pack_strmap_free(pack_strmap *m);
/* Inserts or replaces; false when out of memory. */
bool pack_strmap_put(pack_strmap *m, const char *key, size_t val);
bool pack_strmap_get(const pack_strmap *m, const char *key, size_t *val);

#endif
