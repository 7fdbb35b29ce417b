/* Checked grow-by-doubling for the arrays every module builds. */
#include <stdint.h>
#include <stdlib.h>

#include "rrtx.h"

#define MIN_CAP 16u

void *rrtx_grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap && p)
        return p;
    if (size == 0 || need > SIZE_MAX / size)
        return NULL;
    size_t c = *cap > MIN_CAP ? *cap : MIN_CAP;
    while (c < need)
        c = c > SIZE_MAX / 2 ? need : 2 * c;
    /* Doubling may pass the limit that `need` itself respects. */
    if (c > SIZE_MAX / size)
        c = need;
    void *q = realloc(p, c * size);
    if (!q)
        return NULL;
    *cap = c;
    return q;
}
