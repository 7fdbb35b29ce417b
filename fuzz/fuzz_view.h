/* Checks shared by the harnesses of decoders that return views into their
 * input (fuzz_rec_events, fuzz_syscallbuf): public API only, header-only
 * like fuzz_util.h. */
#ifndef RRT_FUZZ_VIEW_H
#define RRT_FUZZ_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when every byte of p[0..n) is zero (what a failed decode leaves). */
__attribute__((unused)) static bool fz_all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* True when p[0..n) lies within data[0..size) (a decoded view must point
 * into the payload it came from); an empty range is anywhere. */
__attribute__((unused)) static bool fz_inside(const uint8_t *p, size_t n,
                                              const uint8_t *data, size_t size)
{
    if (!n)
        return true;
    return p && p >= data && n <= size && p - data <= (ptrdiff_t)(size - n);
}

#endif
