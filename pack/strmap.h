/* A string -> size_t hash map (open addressing), for member names. */
#ifndef RRT_PACK_STRMAP_H
#define RRT_PACK_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rrti_strmap {
    char **keys;
    size_t *vals;
    size_t n, cap;
} rrti_strmap;

void rrti_strmap_init(rrti_strmap *m);
void rrti_strmap_free(rrti_strmap *m);
/* Inserts or replaces; false when out of memory. */
bool rrti_strmap_put(rrti_strmap *m, const char *key, size_t val);
bool rrti_strmap_get(const rrti_strmap *m, const char *key, size_t *val);

#endif
