/* Memory at replay: the vDSO, and the shared copies of files mapped
 * MAP_SHARED. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "replayi.h"

#define AT_SYSINFO_EHDR_ 33u

static uint64_t auxv_get(const rrt_ev_exec *e, uint64_t key)
{
    for (size_t i = 0; i < e->n_auxv; i++)
        if (e->auxv[i][0] == key)
            return e->auxv[i][1];
    return 0;
}

bool rep_vdso_check(replayer *r, ptask *t, const rrt_ev_exec *rec,
                    const rrt_ev_exec *now)
{
    uint64_t want = auxv_get(rec, AT_SYSINFO_EHDR_);
    uint64_t got = auxv_get(now, AT_SYSINFO_EHDR_);
    if (!want)
        return true;
    if (want == got) {
        /* the same functions, but a program that reads the image itself
         * reads this kernel's */
        const char *hex = rrt_reader_meta_get(r->rd, "record.vdso");
        rrt_blob_id rec_id, id;
        if (hex && rrt_blob_id_from_hex(hex, &rec_id) &&
            trace_vdso_id(t->base.memfd, got, &id) &&
            rrt_blob_id_cmp(&id, &rec_id) != 0)
            rep_warn_once(r, "the vDSO",
                          "differs from the recording's (another kernel); a "
                          "program that reads it may diverge");
        return true;
    }
    if (!got)
        return rep_fail_at(r, t,
                           "the recording kept the vDSO at 0x%llx; this "
                           "host's could not be made to match it",
                           (unsigned long long)want);
    return rep_fail_at(r, t,
                       "the vDSO is at 0x%llx here, at 0x%llx in the "
                       "recording (another kernel?)",
                       (unsigned long long)got, (unsigned long long)want);
}

/* ------------------------------------------------------------------ */
/* Shared file mappings                                               */

/* The recording numbers the files mapped MAP_SHARED (SHARED_MAP events)
 * densely from 0; more objects than this is a damaged archive. */
#define MAX_OBJECTS (1u << 20)

/* One copy of a file mapped MAP_SHARED: a memfd every mapping of the file
 * maps, in every process, so that they see each other's writes. */
typedef struct rep_shared {
    int fd;              /* the copy, -1 until first mapped */
    uint64_t file_index; /* the file entry it was last filled from */
} rep_shared;

typedef struct rep_mem {
    rep_shared *shared; /* by object number */
    size_t n_shared;
    int empty_fd; /* an empty memfd: its mappings raise SIGBUS */
    /* checkpoint.c: a fork shares a MAP_SHARED mapping instead of copying
     * it; and a copy rewritten shows through the MAP_PRIVATE pages of
     * every earlier fork that it has not written itself */
    bool mapped_shared;
    uint64_t rewrites;
    unsigned refs; /* the replayer's, and the checkpoints' */
} rep_mem;

bool rep_mem_forkable(const replayer *r)
{
    return !r->mem || !r->mem->mapped_shared;
}

uint64_t rep_mem_rewrites(const struct rep_mem *m)
{
    return m ? m->rewrites : 0;
}

struct rep_mem *rep_mem_ref(replayer *r)
{
    if (r->mem)
        r->mem->refs++;
    return r->mem;
}

void rep_mem_unref(struct rep_mem *m)
{
    if (!m || --m->refs > 0)
        return;
    for (size_t i = 0; i < m->n_shared; i++)
        if (m->shared[i].fd >= 0)
            close(m->shared[i].fd);
    if (m->empty_fd >= 0)
        close(m->empty_fd);
    free(m->shared);
    free(m);
}

void rep_mem_set(replayer *r, struct rep_mem *m)
{
    if (m)
        m->refs++;
    rep_mem_unref(r->mem);
    r->mem = m;
}

static rep_mem *mem_state(replayer *r, ptask *t)
{
    if (!r->mem) {
        r->mem = calloc(1, sizeof(*r->mem));
        if (!r->mem) {
            rep_fail_at(r, t, "out of memory");
            return NULL;
        }
        r->mem->empty_fd = -1;
        r->mem->refs = 1;
    }
    return r->mem;
}

static rep_shared *object(replayer *r, ptask *t, uint32_t id)
{
    rep_mem *m = mem_state(r, t);
    if (!m)
        return NULL;
    if (id < m->n_shared)
        return &m->shared[id];
    if (id >= MAX_OBJECTS) {
        rep_fail_at(r, t, "shared object %u: too many", id);
        return NULL;
    }
    rep_shared *grown = realloc(m->shared, (id + 1) * sizeof(*grown));
    if (!grown) {
        rep_fail_at(r, t, "out of memory");
        return NULL;
    }
    for (size_t i = m->n_shared; i <= id; i++)
        grown[i] = (rep_shared){-1, UINT64_MAX};
    m->shared = grown;
    m->n_shared = id + 1;
    return &m->shared[id];
}

/* Makes o's copy hold the recorded file `index` (the file's contents when
 * the recording mapped it). */
static bool fill_object(replayer *r, ptask *t, rep_shared *o, uint64_t index)
{
    rrt_file_entry f = {0};
    rrt_error err;
    if (rrt_reader_file(r->rd, (size_t)index, &f, &err) != RRT_OK)
        return rep_fail_at(r, t, "file %llu: %s", (unsigned long long)index,
                           err.message);
    int src = -1;
    bool ok = false;
    size_t bufsize = 1u << 20;
    uint8_t *buf = malloc(bufsize);
    if (!buf) {
        rep_fail_at(r, t, "out of memory");
        goto out;
    }
    if (o->fd < 0)
        o->fd = memfd_create("rrt-shared", MFD_CLOEXEC);
    else
        r->mem->rewrites++;
    /* Overwritten, not emptied first: emptying would also drop the pages
     * private mappings of it have written (the kernel zaps those too). */
    if (o->fd < 0 || ftruncate(o->fd, (off_t)f.size) != 0) {
        rep_fail_at(r, t, "%s: cannot make its shared copy: %s", f.path,
                    strerror(errno));
        goto out;
    }
    if ((f.flags & RRT_FILE_EXTERNAL) &&
        (src = rep_open_recorded(r, t, &f)) < 0)
        goto out;
    for (uint64_t pos = 0; pos < f.size;) {
        size_t want = f.size - pos < bufsize ? (size_t)(f.size - pos) : bufsize;
        size_t got = 0;
        if (src >= 0) {
            ssize_t n = pread(src, buf, want, (off_t)pos);
            got = n > 0 ? (size_t)n : 0;
        } else if (rrt_reader_pread_blob(r->rd, &f.blob, pos, buf, want, &got,
                                         &err) != RRT_OK) {
            rep_fail_at(r, t, "%s", err.message);
            goto out;
        }
        if (got == 0 || pwrite(o->fd, buf, got, (off_t)pos) != (ssize_t)got) {
            rep_fail_at(r, t, "%s: cannot copy offset %llu", f.path,
                        (unsigned long long)pos);
            goto out;
        }
        pos += got;
    }
    o->file_index = index;
    ok = true;
out:
    if (src >= 0)
        close(src);
    free(buf);
    rrt_file_entry_clear(&f);
    return ok;
}

/* The object of the SHARED_MAP event right after the current one, if it
 * is tid's. */
static bool next_shared_map(replayer *r, uint32_t tid, uint32_t *obj)
{
    rrt_event ev;
    rrt_error err;
    rrt_ev_shared_map m;
    bool found = false;
    if (rep_peek_event(r, &ev) && ev.type == RRT_EV_SHARED_MAP &&
        rrt_ev_decode_shared_map(ev.data, ev.len, &m, &err) == RRT_OK &&
        m.tid == tid) {
        *obj = m.object;
        found = true;
    }
    return found;
}

static bool inject(ptask *t, long nr, uint64_t a0, uint64_t a1, uint64_t a2,
                   uint64_t a3, uint64_t a4, uint64_t a5, long *ret)
{
    uint64_t args[6] = {a0, a1, a2, a3, a4, a5};
    return trace_inject_syscall(t->base.tid, t->base.memfd, nr, args, 6, ret);
}

/* Maps the replayer's descriptor fd over [addr, addr+len) of t (an
 * anonymous mapping replay made, at a system-call exit stop): the tracee
 * opens it through /proc, maps it and closes it, with one stop
 * (trace_map_path). */
static bool map_fd(ptask *t, int fd, int oflags, uint64_t addr, uint64_t len,
                   uint64_t prot, uint64_t flags, uint64_t off)
{
    char path[64];
    long ret;
    snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)getpid(), fd);
    return trace_map_path(t->base.tid, t->base.memfd, path, oflags | O_CLOEXEC,
                          addr, len, prot, flags | MAP_FIXED, off, &ret) &&
           (uint64_t)ret == addr;
}

int rep_mem_shared_mmap(replayer *r, ptask *t, const rrt_ev_syscall *e)
{
    uint32_t id;
    if (!next_shared_map(r, e->tid, &id))
        return 0;
    rep_shared *o = object(r, t, id);
    if (!o)
        return -1;
    if (o->file_index != e->file_index && !fill_object(r, t, o, e->file_index))
        return -1;
    uint64_t addr = (uint64_t)e->ret;
    bool priv = (e->args[3] & (MAP_SHARED | MAP_PRIVATE)) == MAP_PRIVATE;
    if (!priv)
        r->mem->mapped_shared = true;
    if (!map_fd(t, o->fd, O_RDWR, addr, e->args[1], e->args[2],
                (priv ? MAP_PRIVATE : MAP_SHARED) |
                    (e->args[3] & (MAP_POPULATE | MAP_NORESERVE)),
                e->args[5])) {
        rep_fail_at(r, t, "cannot map the shared copy of file %llu at 0x%llx",
                    (unsigned long long)e->file_index,
                    (unsigned long long)addr);
        return -1;
    }
    return rep_sb_mirror(r) ? 1 : -1;
}

int rep_mem_map_file(ptask *t, int fd, uint64_t size, const rrt_ev_syscall *e)
{
    uint64_t addr = (uint64_t)e->ret, off = e->args[5];
    /* up to the page holding the file's end: the pages after it stay
     * anonymous, for rep_mem_past_eof */
    uint64_t end = (size + 4095) & ~(uint64_t)4095;
    uint64_t len = (e->args[1] + 4095) & ~(uint64_t)4095;
    if ((e->args[3] & (MAP_SHARED | MAP_PRIVATE)) != MAP_PRIVATE || end <= off)
        return 0;
    if (len > end - off)
        len = end - off;
    /* private: read access is enough, even where the mapping is writable
     * (and a file another process runs cannot be opened for writing). Not
     * mapped, the anonymous mapping is as it was, for the copy. */
    return map_fd(t, fd, O_RDONLY, addr, len, e->args[2],
                  MAP_PRIVATE | (e->args[3] & (MAP_POPULATE | MAP_NORESERVE)),
                  e->args[5])
               ? 1
               : 0;
}

bool rep_mem_past_eof(replayer *r, ptask *t, const rrt_ev_syscall *e)
{
    rrt_file_entry f = {0};
    rrt_error err;
    if (rrt_reader_file(r->rd, (size_t)e->file_index, &f, &err) != RRT_OK)
        return rep_fail_at(r, t, "file %llu: %s",
                           (unsigned long long)e->file_index, err.message);
    uint64_t size = f.size, off = e->args[5];
    uint64_t len = (e->args[1] + 4095) & ~(uint64_t)4095;
    rrt_file_entry_clear(&f);
    /* the page holding the file's end reads zeros after it; the pages
     * after that one raise SIGBUS */
    uint64_t end = (size + 4095) & ~(uint64_t)4095;
    if (off + len <= end)
        return true;
    uint64_t skip = end > off ? end - off : 0;
    rep_mem *m = mem_state(r, t);
    if (!m)
        return false;
    if (m->empty_fd < 0 &&
        (m->empty_fd = memfd_create("rrt-past-eof", MFD_CLOEXEC)) < 0)
        return rep_fail_at(r, t, "memfd_create: %s", strerror(errno));
    if (!map_fd(t, m->empty_fd, O_RDWR, (uint64_t)e->ret + skip, len - skip,
                e->args[2], MAP_PRIVATE, 0))
        return rep_fail_at(r, t, "cannot map the end of file %llu at 0x%llx",
                           (unsigned long long)e->file_index,
                           (unsigned long long)((uint64_t)e->ret + skip));
    return true;
}

bool rep_mem_shared_write(replayer *r, ptask *t, const rrt_ev_shared_write *e)
{
    rep_mem *m = r->mem;
    if (!m || e->object >= m->n_shared || m->shared[e->object].fd < 0)
        return rep_fail_at(r, t,
                           "SHARED_WRITE to shared object %u, which no "
                           "mapping made",
                           e->object);
    int fd = m->shared[e->object].fd;
    m->rewrites++;
    /* no data: the file was truncated or extended to `offset` bytes */
    bool ok = e->len ? pwrite(fd, e->data, e->len, (off_t)e->offset) ==
                           (ssize_t)e->len
                     : ftruncate(fd, (off_t)e->offset) == 0;
    if (!ok)
        return rep_fail_at(r, t, "shared object %u: cannot write: %s",
                           e->object, strerror(errno));
    return true;
}

void rep_mem_free(replayer *r)
{
    rep_mem_unref(r->mem);
    r->mem = NULL;
}

/* The mapping of t holding addr, if it is one rep_mem_past_eof made:
 * its bounds and protection. */
static bool past_eof_mapping(pid_t tid, uint64_t addr, uint64_t *lo,
                             uint64_t *hi, uint64_t *prot)
{
    trace_mapping m;
    if (!trace_mapping_at(tid, addr, &m) ||
        !strstr(m.path, "/memfd:rrt-past-eof"))
        return false;
    *lo = m.lo, *hi = m.hi;
    *prot = (m.perms[0] == 'r' ? PROT_READ : 0) |
            (m.perms[1] == 'w' ? PROT_WRITE : 0) |
            (m.perms[2] == 'x' ? PROT_EXEC : 0);
    return true;
}

bool rep_mem_past_eof_tripped(replayer *r, ptask *t, const stop *s)
{
    (void)r;
    siginfo_t si;
    uint64_t lo, hi, prot;
    if (s->sig != SIGBUS ||
        ptrace(PTRACE_GETSIGINFO, t->base.tid, NULL, &si) != 0 ||
        si.si_code != BUS_ADRERR ||
        !past_eof_mapping(t->base.tid, (uint64_t)(uintptr_t)si.si_addr, &lo,
                          &hi, &prot))
        return false;
    /* The file grew at record time before this access, which so raised
     * nothing: the pages read as the zeros a grown file reads (what the
     * program did with them was recorded), in this process only. */
    long ret;
    return inject(t, SYS_mmap, lo, hi - lo, prot,
                  MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, (uint64_t)-1, 0,
                  &ret) &&
           (uint64_t)ret == lo;
}

bool rep_mem_emulated(replayer *r, ptask *t, const rrt_ev_syscall *e)
{
    uint64_t res, ptr, who = 0;
    if (e->ret != 0)
        return true;
    if (e->nr == SYS_setrlimit)
        res = e->args[0], ptr = e->args[1];
    else if (e->nr == SYS_prlimit64)
        who = e->args[0], res = e->args[1], ptr = e->args[2];
    else
        return true;
    if (res != RLIMIT_STACK || !ptr)
        return true;
    /* the recorded process it named, by its live id */
    ptask *p = who ? trace_task_find(r->tasks, (uint32_t)who) : t;
    struct rlimit rl;
    if (!p || !trace_mem_read(t->base.memfd, ptr, &rl, sizeof(rl)))
        return true;
    if (prlimit(p->base.tid, RLIMIT_STACK, &rl, NULL) != 0)
        return rep_fail_at(r, t, "cannot set the stack size limit: %s",
                           strerror(errno));
    return true;
}

bool rep_mem_failed_but_acted(const rrt_ev_syscall *e)
{
    return (e->nr == SYS_madvise || e->nr == SYS_mprotect) && e->ret == -ENOMEM;
}

static bool parse_limit(const char *s, char **end, rlim_t *v)
{
    if (strncmp(s, "unlimited", 9) == 0) {
        *v = RLIM_INFINITY;
        *end = (char *)s + 9;
        return true;
    }
    errno = 0;
    unsigned long long n = strtoull(s, end, 10);
    *v = (rlim_t)n;
    return *end != s && errno == 0;
}

bool rep_signals_meta(replayer *r, trace_spawn_opts *so)
{
    const char *m = rrt_reader_meta_get(r->rd, "record.signals");
    unsigned long long ign = 0, blk = 0;
    int n = -1;
    /* recorded before the key existed: rrt record had reset SIGINT and
     * SIGTERM, and most programs start with nothing ignored or blocked */
    if (m && (sscanf(m, "ignored %llx blocked %llx%n", &ign, &blk, &n) != 2 ||
              n < 0 || m[n]))
        return rep_failed(r, RRT_E_CORRUPT,
                          "metadata record.signals: \"%s\" is not "
                          "\"ignored HEX blocked HEX\"",
                          m);
    so->set_signals = true;
    so->ignored = ign;
    so->blocked = blk;
    return true;
}

bool rep_mem_spawned(replayer *r, pid_t pid)
{
    const char *m = rrt_reader_meta_get(r->rd, "record.rlimit_stack");
    struct rlimit want, have;
    char *end;
    if (!m) /* recorded before the key existed: this host's limit */
        return true;
    if (!parse_limit(m, &end, &want.rlim_cur) || *end != ' ' ||
        !parse_limit(end + 1, &end, &want.rlim_max) || *end ||
        want.rlim_cur > want.rlim_max)
        return rep_failed(r, RRT_E_CORRUPT,
                          "metadata record.rlimit_stack: \"%s\" is not two "
                          "limits",
                          m);
    if (prlimit(pid, RLIMIT_STACK, NULL, &have) != 0)
        return rep_failed(r, RRT_E_IO, "cannot read the stack limit: %s",
                          strerror(errno));
    if (have.rlim_cur == want.rlim_cur)
        return true;
    /* the hard limit can only come down without privilege: keep ours */
    if (want.rlim_max > have.rlim_max)
        want.rlim_max = have.rlim_max;
    if (want.rlim_cur > want.rlim_max ||
        prlimit(pid, RLIMIT_STACK, &want, NULL) != 0)
        return rep_failed(r, RRT_E_IO,
                          "the recording ran with a stack limit of %s; "
                          "cannot set it here (ulimit -Hs allows less?)",
                          m);
    return true;
}
