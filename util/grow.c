/* Checked grow-by-doubling for the arrays every module builds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "rrtx.h"

#define MIN_CAP 16u

void *rrtx_grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap && p)
        return p;
    /* No object may be larger than PTRDIFF_MAX bytes (malloc refuses
     * them; sanitizers abort instead): such a request fails here. */
    const size_t max = (size_t)PTRDIFF_MAX;
    if (size == 0 || need > max / size)
        return NULL;
    size_t c = *cap > MIN_CAP ? *cap : MIN_CAP;
    while (c < need)
        c = c > max / 2 ? need : 2 * c;
    /* Doubling may pass the limit that `need` itself respects. */
    if (c > max / size)
        c = need;
    void *q = realloc(p, c * size);
    if (!q)
        return NULL;
    *cap = c;
    return q;
}
