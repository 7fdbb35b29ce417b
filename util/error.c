/* The one way every module fills an rrt_error. */
#include <stdio.h>
#include <string.h>

#include "rrtx.h"

/* snprintf's count, clamped to what fits: n stays <= cap. */
static size_t added(int k, size_t n, size_t cap)
{
    if (k < 0)
        return n;
    return (size_t)k < cap - n ? n + (size_t)k : cap;
}

rrt_status rrtx_vfail(rrt_error *err, rrt_status status, int sys_errno,
                      const char *path, uint64_t offset, const char *fmt,
                      va_list ap)
{
    if (!err)
        return status;
    err->status = status;
    err->sys_errno = sys_errno;
    err->offset = offset;
    char *m = err->message;
    size_t cap = sizeof(err->message), n = 0;
    m[0] = 0;
    if (path)
        n = added(snprintf(m, cap, "%s: ", path), n, cap);
    if (n < cap)
        n = added(vsnprintf(m + n, cap - n, fmt, ap), n, cap);
    if (n < cap && offset != UINT64_MAX)
        n = added(snprintf(m + n, cap - n, " at offset %llu",
                           (unsigned long long)offset),
                  n, cap);
    if (n < cap && sys_errno)
        snprintf(m + n, cap - n, ": %s", strerror(sys_errno));
    return status;
}

rrt_status rrtx_fail(rrt_error *err, rrt_status status, int sys_errno,
                     const char *path, uint64_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rrtx_vfail(err, status, sys_errno, path, offset, fmt, ap);
    va_end(ap);
    return status;
}

bool rrtx_format(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < size;
}
