/* Files that appear under their final name only when complete. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rrtx.h"

int rrtx_write_all(int fd, const void *p, size_t n, const rrt_io_hooks *io)
{
    const uint8_t *s = p;
    while (n) {
        ssize_t k =
            io && io->write ? io->write(io->ctx, fd, s, n) : write(fd, s, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return k < 0 && errno ? errno : EIO;
        s += k;
        n -= (size_t)k;
    }
    return 0;
}

rrt_status rrtx_atomic_open(rrtx_atomic *a, const char *path,
                            const char *suffix, unsigned mode,
                            const rrt_io_hooks *io, rrt_error *err)
{
    memset(a, 0, sizeof(*a));
    a->fd = -1;
    if (io)
        a->io = *io;
    size_t plen = strlen(path), slen = strlen(suffix);
    a->path = strdup(path);
    char *partial = malloc(plen + slen + 1);
    if (!a->path || !partial) {
        free(partial);
        return rrtx_fail(err, RRT_E_NOMEM, 0, path, UINT64_MAX,
                         "out of memory");
    }
    memcpy(partial, path, plen);
    memcpy(partial + plen, suffix, slen + 1);
    a->fd =
        open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
    if (a->fd < 0) {
        int e = errno;
        rrtx_fail(err, e == EEXIST ? RRT_E_EXISTS : RRT_E_IO, e, partial,
                  UINT64_MAX, "cannot create");
        free(partial); /* not ours: never removed */
        return e == EEXIST ? RRT_E_EXISTS : RRT_E_IO;
    }
    a->partial = partial;
    return RRT_OK;
}

rrt_status rrtx_atomic_write(rrtx_atomic *a, const void *p, size_t n,
                             rrt_error *err)
{
    int e = rrtx_write_all(a->fd, p, n, &a->io);
    if (e)
        return rrtx_fail(err, RRT_E_IO, e, a->partial, UINT64_MAX,
                         "write failed");
    return RRT_OK;
}

static int sync_fd(const rrtx_atomic *a, int fd)
{
    if (a->no_sync)
        return 0;
    int r = a->io.fsync ? a->io.fsync(a->io.ctx, fd) : fsync(fd);
    return r == 0 ? 0 : errno ? errno : EIO;
}

/* 0, or errno of a failed directory fsync. A directory that cannot be
 * opened has nothing we can sync: the rename itself is done. */
static int sync_dir(const rrtx_atomic *a)
{
    char *copy = strdup(a->path);
    if (!copy)
        return ENOMEM;
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (dfd < 0)
        return 0;
    int e = sync_fd(a, dfd);
    close(dfd);
    return e;
}

rrt_status rrtx_atomic_commit(rrtx_atomic *a, rrt_error *err)
{
    if (!a->partial || a->fd < 0)
        return rrtx_fail(err, RRT_E_STATE, 0, a->path, UINT64_MAX,
                         "not open for writing");
    rrt_status st = RRT_OK;
    int e = sync_fd(a, a->fd);
    if (e)
        st =
            rrtx_fail(err, RRT_E_IO, e, a->partial, UINT64_MAX, "fsync failed");
    if (close(a->fd) != 0 && st == RRT_OK)
        st = rrtx_fail(err, RRT_E_IO, errno, a->partial, UINT64_MAX,
                       "close failed");
    a->fd = -1;
    if (st == RRT_OK) {
        int r = a->io.rename ? a->io.rename(a->io.ctx, a->partial, a->path)
                             : rename(a->partial, a->path);
        if (r != 0)
            st = rrtx_fail(err, RRT_E_IO, errno ? errno : EIO, a->partial,
                           UINT64_MAX, "rename to %s failed", a->path);
    }
    if (st != RRT_OK) {
        unlink(a->partial);
        return st;
    }
    a->renamed = true;
    /* Without a durable directory entry the caller cannot rely on the
     * file, so a failed directory sync also takes the final name away. */
    e = sync_dir(a);
    if (e) {
        unlink(a->path);
        return rrtx_fail(err, e == ENOMEM ? RRT_E_NOMEM : RRT_E_IO,
                         e == ENOMEM ? 0 : e, a->partial, UINT64_MAX,
                         e == ENOMEM ? "out of memory"
                                     : "directory fsync failed");
    }
    return RRT_OK;
}

void rrtx_atomic_abort(rrtx_atomic *a)
{
    if (a->fd >= 0)
        close(a->fd);
    a->fd = -1;
    if (a->partial && !a->renamed)
        unlink(a->partial);
}

void rrtx_atomic_free(rrtx_atomic *a)
{
    if (a->fd >= 0)
        close(a->fd);
    a->fd = -1;
    free(a->partial);
    free(a->path);
    a->partial = a->path = NULL;
}
