/* String hash map used by export and import to track member names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

void pack_strmap_init(pack_strmap *m)
{
    memset(m, 0, sizeof(*m));
}

void pack_strmap_free(pack_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

static size_t slot(const pack_strmap *m, const char *key)
{
    size_t i = hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static bool grow(pack_strmap *m)
{
    size_t cap = m->cap ? 2 * m->cap : 64;
    pack_strmap g = {calloc(cap, sizeof(char *)), calloc(cap, sizeof(size_t)),
                     m->n, cap};
    if (!g.keys || !g.vals) {
        free(g.keys);
        free(g.vals);
        return false;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t k = slot(&g, m->keys[i]);
        g.keys[k] = m->keys[i];
        g.vals[k] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    *m = g;
    return true;
}

bool pack_strmap_put(pack_strmap *m, const char *key, size_t val)
{
    if ((m->n + 1) * 2 > m->cap && !grow(m))
        return false;
    size_t i = slot(m, key);
    if (!m->keys[i]) {
        m->keys[i] = strdup(key);
        if (!m->keys[i])
            return false;
        m->n++;
    }
    m->vals[i] = val;
    return true;
}

bool pack_strmap_get(const pack_strmap *m, const char *key, size_t *val)
{
    if (!m->cap)
        return false;
    size_t i = slot(m, key);
    if (!m->keys[i])
        return false;
    *val = m->vals[i];
    return true;
}
