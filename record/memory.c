/* Memory calls at record time: what mmap maps (a file, /dev/zero), and the
 * memory that calls replay runs again leave behind but replay cannot
 * reproduce by running them: replay backs file mappings with anonymous
 * memory, so the file contents that madvise(MADV_DONTNEED) brings back and
 * that a growing mremap maps in are recorded as the call's outputs. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "recorderi.h"

#define PAGE 4096u
/* outputs are captured in pieces below rec_add_out's limit */
#define CHUNK (16u << 20)

#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif

static uint64_t page_up(uint64_t v)
{
    return (v + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

bool rec_mem_map_fd(recorder *r, rtask *t, rrt_ev_syscall *e)
{
    char fdp[64];
    struct stat sb;
    snprintf(fdp, sizeof(fdp), "/proc/%d/fd/%d", (int)t->base.tid,
             (int)t->args[4]);
    if (stat(fdp, &sb) != 0)
        return rec_fail(r, "%s: %s", fdp, strerror(errno));
    /* /dev/zero maps anonymous memory (shared memory when MAP_SHARED):
     * no FILE, and replay maps anonymous memory. Reading the device as a
     * file to embed it would never end. */
    if (S_ISCHR(sb.st_mode) && major(sb.st_rdev) == 1 && minor(sb.st_rdev) == 5)
        return true;
    if (!S_ISREG(sb.st_mode)) {
        char path[256];
        ssize_t n = readlink(fdp, path, sizeof(path) - 1);
        path[n > 0 ? n : 0] = 0;
        return rec_fail(r,
                        "process %d: mmap of %s, which is not a regular "
                        "file; rrt cannot record this program yet",
                        (int)t->base.tid, n > 0 ? path : fdp);
    }
    if (!rec_file_index(r, fdp,
                        trace_map_shared_writable(t->args[3], t->args[2]),
                        &e->file_index))
        return false;
    e->flags |= RRT_EV_SC_FILE;
    return true;
}

/* Adds the pages of [lo, hi) that can be read (a file mapping past the
 * end of its file cannot) to the call's outputs. */
static bool capture_readable(recorder *r, rtask *t, uint64_t lo, uint64_t hi)
{
    uint64_t run = lo;
    bool in = false;
    for (uint64_t a = lo; a < hi;) {
        uint64_t next = (a & ~(uint64_t)(PAGE - 1)) + PAGE;
        if (next > hi)
            next = hi;
        uint8_t probe;
        bool ok = pread(t->base.memfd, &probe, 1, (off_t)a) == 1;
        if (ok && !in)
            run = a;
        bool flush = in && (!ok || a - run >= CHUNK);
        if (flush && !rec_add_out(r, t, run, a - run))
            return false;
        if (flush && ok)
            run = a;
        in = ok;
        a = next;
    }
    return !in || rec_add_out(r, t, run, hi - run);
}

/* The parts of [lo, hi) that are not private anonymous memory (a file, a
 * shared mapping): replay's copies of them are anonymous. */
static bool capture_file_backed(recorder *r, rtask *t, uint64_t lo, uint64_t hi)
{
    char path[64], line[512];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)t->base.tid);
    FILE *f = fopen(path, "re");
    if (!f)
        return rec_fail(r, "%s: %s", path, strerror(errno));
    bool ok = true;
    while (ok && fgets(line, sizeof(line), f)) {
        uint64_t s, en, ino;
        char perms[8];
        if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %" SCNu64, &s,
                   &en, perms, &ino) != 4)
            continue;
        if (en <= lo || s >= hi || (ino == 0 && perms[3] == 'p'))
            continue;
        ok = capture_readable(r, t, s > lo ? s : lo, en < hi ? en : hi);
    }
    fclose(f);
    return ok;
}

bool rec_mem_outputs(recorder *r, rtask *t, const rrt_ev_syscall *e)
{
    if (rec_is_err(e->ret) || t->forced)
        return true;
    switch (t->nr) {
    case SYS_mincore: /* a byte a page */
        return rec_add_out(r, t, t->args[2], page_up(t->args[1]) / PAGE);
    case SYS_madvise:
        /* dropped pages of a file mapping read as the file again */
        if (t->args[2] != MADV_DONTNEED && t->args[2] != MADV_REMOVE &&
            t->args[2] != MADV_DONTNEED_LOCKED)
            return true;
        return capture_file_backed(r, t, t->args[0],
                                   t->args[0] + page_up(t->args[1]));
    case SYS_mremap: {
        /* a grown file mapping maps more of the file */
        uint64_t old_len = page_up(t->args[1]), new_len = page_up(t->args[2]);
        if (new_len <= old_len)
            return true;
        return capture_file_backed(r, t, (uint64_t)e->ret + old_len,
                                   (uint64_t)e->ret + new_len);
    }
    default:
        return true;
    }
}
