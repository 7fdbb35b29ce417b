/* Memory calls at record time: what mmap maps (a file, /dev/zero), and the
 * memory that calls replay runs again leave behind but replay cannot
 * reproduce by running them: replay backs file mappings with anonymous
 * memory, so the file contents that madvise(MADV_DONTNEED) brings back and
 * that a growing mremap maps in are recorded as the call's outputs; and
 * files mapped MAP_SHARED are numbered (SHARED_MAP), with the writes to
 * them that their mappings see (SHARED_WRITE), so that replay keeps one
 * copy of each. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "recorderi.h"
#include "rrtx.h"

#define PAGE 4096u
/* outputs are captured in pieces below rec_add_out's limit */
#define CHUNK (16u << 20)

/* Files replay keeps one copy of, whole: shared ones up to this size,
 * private data files up to this one (larger: a copy of each mapping) */
#define SHARED_COPY_MAX (256ull << 20)
#define PRIVATE_COPY_MAX (16ull << 20)

#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif

/* A file mapped MAP_SHARED during the recording: object number = index. */
typedef struct rec_shared {
    uint64_t dev, ino;
} rec_shared;

static uint64_t page_up(uint64_t v)
{
    return (v + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

static int64_t find_shared(const recorder *r, const struct stat *sb)
{
    for (size_t i = 0; i < r->n_shared; i++)
        if (r->shared[i].dev == (uint64_t)sb->st_dev &&
            r->shared[i].ino == (uint64_t)sb->st_ino)
            return (int64_t)i;
    return -1;
}

/* A file a program may change while it maps it privately (which shows
 * the changes in the pages it has not written): not code, neither mapped
 * executable nor with an execute bit nor ELF (libraries stay a copy of
 * the range mapped, which their programs never change). */
static bool is_data_file(const char *fdp, const struct stat *sb, uint64_t prot)
{
    if ((prot & PROT_EXEC) || (sb->st_mode & 0111))
        return false;
    char magic[4] = {0};
    int fd = open(fdp, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (pread(fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic))
            magic[0] = 0;
        close(fd);
    }
    return memcmp(magic,
                  "\x7f"
                  "ELF",
                  4) != 0;
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
    bool priv = (t->args[3] & (MAP_SHARED | MAP_PRIVATE)) == MAP_PRIVATE;
    if (priv && !is_data_file(fdp, &sb, t->args[2]))
        return true;
    /* replay holds the whole file in memory: a window into a huge one
     * stays a copy of the window */
    if ((uint64_t)sb.st_size > (priv ? PRIVATE_COPY_MAX : SHARED_COPY_MAX) &&
        find_shared(r, &sb) < 0)
        return true;
    /* one copy per file, whose pages MAP_SHARED mappings share and
     * MAP_PRIVATE ones show until they write them */
    int64_t obj = find_shared(r, &sb);
    if (obj < 0) {
        rec_shared *grown = rrtx_grow(r->shared, &r->cap_shared,
                                      r->n_shared + 1, sizeof(*grown));
        if (!grown)
            return rec_fail(r, "out of memory");
        r->shared = grown;
        r->shared[r->n_shared] =
            (rec_shared){(uint64_t)sb.st_dev, (uint64_t)sb.st_ino};
        obj = (int64_t)r->n_shared++;
    }
    r->map_object = obj;
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

/* The parts of [lo, hi) that are private file mappings: replay's copies
 * of them are anonymous memory. (Shared ones are one copy of the file at
 * replay, which keeps what the kernel keeps; they may also be read-only,
 * which a debugger's write cannot force.) */
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
        if (en <= lo || s >= hi || ino == 0 || perms[3] != 'p')
            continue;
        ok = capture_readable(r, t, s > lo ? s : lo, en < hi ? en : hi);
    }
    fclose(f);
    return ok;
}

static bool fd_info(pid_t tid, int fd, uint64_t *pos, unsigned *flags);
static bool is_file_write(long nr);

/* A write to the program's own memory through /proc/PID/mem (the file
 * offset is the address): the bytes it wrote, which replay, emulating the
 * write, puts there. Another process's memory is not followed. */
static bool self_mem_write(recorder *r, rtask *t, const rrt_ev_syscall *e)
{
    char fdp[64], path[64], want[64];
    snprintf(fdp, sizeof(fdp), "/proc/%d/fd/%d", (int)t->base.tid,
             (int)t->args[0]);
    ssize_t n = readlink(fdp, path, sizeof(path) - 1);
    if (n < 4 || memcmp(path + n - 4, "/mem", 4) != 0)
        return true; /* (a pipe, a file: no need of the thread group) */
    path[n] = 0;
    snprintf(want, sizeof(want), "/proc/%d/mem", (int)trace_tgid(t->base.tid));
    if (strcmp(path, want) != 0)
        return true;
    uint64_t pos = 0, len = (uint64_t)e->ret;
    unsigned flags = 0;
    bool positioned = t->nr == SYS_pwrite64 || t->nr == SYS_pwritev ||
                      (t->nr == SYS_pwritev2 && (int64_t)t->args[3] != -1);
    if (positioned)
        pos = t->args[3];
    else if (fd_info(t->base.tid, (int)t->args[0], &pos, &flags) && pos >= len)
        pos -= len;
    else
        return rec_fail(r, "process %d: cannot read the position of fd %d",
                        (int)t->base.tid, (int)t->args[0]);
    return rec_add_out(r, t, pos, len);
}

bool rec_mem_outputs(recorder *r, rtask *t, const rrt_ev_syscall *e)
{
    /* madvise over a range with a hole acts on the mapped part and fails
     * with ENOMEM */
    bool acted = t->nr == SYS_madvise && e->ret == -ENOMEM;
    if ((rec_is_err(e->ret) && !acted) || t->forced)
        return true;
    if (is_file_write(t->nr) && e->ret > 0 && !(e->flags & RRT_EV_SC_STDIO))
        return self_mem_write(r, t, e);
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

/* ------------------------------------------------------------------ */
/* Writes to the files of shared objects                              */

/* The file position and open flags of t's descriptor fd (fdinfo). */
static bool fd_info(pid_t tid, int fd, uint64_t *pos, unsigned *flags)
{
    char path[64], line[128];
    snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)tid, fd);
    FILE *f = fopen(path, "re");
    int got = 0;
    while (f && fgets(line, sizeof(line), f)) {
        unsigned long long v;
        if (sscanf(line, "pos: %llu", &v) == 1)
            *pos = v, got |= 1;
        else if (sscanf(line, "flags: %o", flags) == 1)
            got |= 2;
    }
    if (f)
        fclose(f);
    return got == 3;
}

/* The bytes a write put into the file of object obj, read back from the
 * file: [off, off+len), as SHARED_WRITE events. */
static bool emit_file_bytes(recorder *r, rtask *t, const char *fdp,
                            uint32_t obj, uint64_t off, uint64_t len)
{
    int fd = open(fdp, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rec_fail(r, "%s: %s", fdp, strerror(errno));
    rrt_buf_reset(&r->data);
    bool ok = true;
    while (ok && len) {
        size_t n = len < RRT_EV_SHARED_WRITE_MAX ? (size_t)len
                                                 : RRT_EV_SHARED_WRITE_MAX;
        rrt_buf_reset(&r->data);
        if (!rrt_buf_reserve(&r->data, n)) {
            ok = rec_fail(r, "out of memory");
            break;
        }
        ssize_t got = pread(fd, r->data.data, n, (off_t)off);
        if (got <= 0) /* truncated meanwhile: nothing more to mirror */
            break;
        rrt_ev_shared_write w = {.tid = (uint32_t)t->base.tid,
                                 .object = obj,
                                 .offset = off,
                                 .len = (size_t)got,
                                 .data = r->data.data};
        rrt_status st = rec_emit_shared_write(&r->prod, &w, &r->err);
        if (st != RRT_OK) {
            r->failed = true;
            ok = false;
        }
        off += (uint64_t)got;
        len -= (uint64_t)got;
    }
    rrt_buf_reset(&r->data);
    close(fd);
    return ok;
}

static bool is_file_write(long nr)
{
    return nr == SYS_write || nr == SYS_pwrite64 || nr == SYS_writev ||
           nr == SYS_pwritev || nr == SYS_pwritev2;
}

/* ftruncate or truncate of a shared object's file: a SHARED_WRITE with no
 * data gives its new size. */
static bool mirror_truncate(recorder *r, rtask *t)
{
    char path[PATH_MAX + 64];
    if (t->nr == SYS_ftruncate) {
        snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)t->base.tid,
                 (int)t->args[0]);
    } else {
        char name[PATH_MAX];
        size_t n = 0;
        while (n < sizeof(name) &&
               trace_mem_read(t->base.memfd, t->args[0] + n, name + n, 1) &&
               name[n])
            n++;
        if (n == 0 || n == sizeof(name) || name[n])
            return true;
        if (name[0] == '/')
            snprintf(path, sizeof(path), "%s", name);
        else
            snprintf(path, sizeof(path), "/proc/%d/cwd/%s", (int)t->base.tid,
                     name);
    }
    struct stat sb;
    int64_t obj =
        stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? find_shared(r, &sb) : -1;
    if (obj < 0)
        return true;
    rrt_ev_shared_write w = {.tid = (uint32_t)t->base.tid,
                             .object = (uint32_t)obj,
                             .offset = t->args[1]};
    if (rec_emit_shared_write(&r->prod, &w, &r->err) != RRT_OK) {
        r->failed = true;
        return false;
    }
    return true;
}

bool rec_mem_after_event(recorder *r, rtask *t, const rrt_ev_syscall *e)
{
    if (r->map_object >= 0) {
        rrt_ev_shared_map m = {(uint32_t)t->base.tid, (uint32_t)r->map_object};
        r->map_object = -1;
        if (rec_emit_shared_map(&r->prod, &m, &r->err) != RRT_OK)
            return r->failed = true, false;
        if (!rec_sb_mirror(r))
            return false;
    }
    if (!r->n_shared || t->forced || rec_is_err(e->ret))
        return true;
    if (t->nr == SYS_ftruncate || t->nr == SYS_truncate)
        return mirror_truncate(r, t);
    if (!is_file_write(t->nr) || e->ret <= 0 || (e->flags & RRT_EV_SC_STDIO))
        return true;
    char fdp[64];
    struct stat sb;
    int fd = (int)t->args[0];
    snprintf(fdp, sizeof(fdp), "/proc/%d/fd/%d", (int)t->base.tid, fd);
    int64_t obj =
        stat(fdp, &sb) == 0 && S_ISREG(sb.st_mode) ? find_shared(r, &sb) : -1;
    if (obj < 0)
        return true;
    uint64_t pos = 0, len = (uint64_t)e->ret, off;
    unsigned flags = 0;
    if (!fd_info(t->base.tid, fd, &pos, &flags))
        return rec_fail(r, "process %d: cannot read the position of fd %d",
                        (int)t->base.tid, fd);
    bool positioned = t->nr == SYS_pwrite64 || t->nr == SYS_pwritev ||
                      (t->nr == SYS_pwritev2 && (int64_t)t->args[3] != -1);
    if (flags & O_APPEND) /* Linux appends even for pwrite */
        off = (uint64_t)sb.st_size >= len ? (uint64_t)sb.st_size - len : 0;
    else if (positioned)
        off = t->args[3];
    else
        off = pos >= len ? pos - len : 0;
    return emit_file_bytes(r, t, fdp, (uint32_t)obj, off, len);
}

/* ------------------------------------------------------------------ */
/* The stack limit the program starts with                            */

/* RLIMIT_STACK decides the address-space layout the kernel gives the
 * program at exec (unlimited: the legacy bottom-up one) and where its
 * stack stops growing; the program inherits the recorder's. */
rrt_status rec_mem_meta(recorder *r)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_STACK, &rl) != 0)
        return RRT_OK;
    char buf[64], cur[24], max[24];
    if (rl.rlim_cur == RLIM_INFINITY)
        snprintf(cur, sizeof(cur), "unlimited");
    else
        snprintf(cur, sizeof(cur), "%llu", (unsigned long long)rl.rlim_cur);
    if (rl.rlim_max == RLIM_INFINITY)
        snprintf(max, sizeof(max), "unlimited");
    else
        snprintf(max, sizeof(max), "%llu", (unsigned long long)rl.rlim_max);
    snprintf(buf, sizeof(buf), "%s %s", cur, max);
    return rrt_writer_set_meta(r->w, "record.rlimit_stack", buf, &r->err);
}

bool rec_mem_after_exec(recorder *r, rtask *t, const rrt_ev_exec *ex)
{
    uint64_t base = 0;
    for (size_t i = 0; i < ex->n_auxv; i++)
        if (ex->auxv[i][0] == 33) /* AT_SYSINFO_EHDR: kept and patched */
            base = ex->auxv[i][1];
    rrt_blob_id id;
    char hex[33];
    if (r->vdso_noted || !base || !trace_vdso_id(t->base.memfd, base, &id))
        return true;
    r->vdso_noted = true;
    rrt_blob_id_to_hex(&id, hex);
    if (rrt_writer_set_meta(r->w, "record.vdso", hex, &r->err) != RRT_OK) {
        r->failed = true;
        return false;
    }
    return true;
}
