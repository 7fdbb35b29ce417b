/* rrt pack: copies an archive through a new writer, embedding each external
 * reference once its identity is checked, so the input is replaced only by
 * a complete, synced archive (the writer's .partial + rename). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "pack.h"
#include "pack_int.h"

#define IO_BUF (1u << 20)

void pack_options_init(pack_options *opt)
{
    memset(opt, 0, sizeof(*opt));
    opt->quality = -1;
}

static int64_t mtime_of(const struct stat *sb)
{
    return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

static ssize_t read_fd_cb(void *ctx, void *buf, size_t n)
{
    return read(*(int *)ctx, buf, n);
}

/* XXH3-128 of fd from offset 0, in the byte order of rrt_blob_id. */
static rrt_status hash_fd(int fd, const char *name, rrt_blob_id *id,
                          uint64_t *size, rrt_error *err)
{
    uint8_t *buf = malloc(IO_BUF);
    XXH3_state_t *xs = XXH3_createState();
    rrt_status st = RRT_OK;
    if (!buf || !xs) {
        st = pack_fail(err, RRT_E_NOMEM, 0, "%s: out of memory", name);
        goto out;
    }
    XXH3_128bits_reset(xs);
    uint64_t off = 0;
    for (;;) {
        ssize_t k = pread(fd, buf, IO_BUF, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            st = pack_fail(err, RRT_E_IO, errno, "%s: read failed", name);
            goto out;
        }
        if (k == 0)
            break;
        XXH3_128bits_update(xs, buf, (size_t)k);
        off += (uint64_t)k;
    }
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(xs));
    memcpy(id->bytes, c.digest, 16);
    *size = off;
out:
    free(buf);
    XXH3_freeState(xs);
    return st;
}

/* ------------------------------------------------------------------ */
/* Blob store                                                         */

static bool store_path(const char *dir, const rrt_blob_id *id, char *buf,
                       size_t n, bool subdir_only)
{
    char hex[33];
    rrt_blob_id_to_hex(id, hex);
    int k = subdir_only ? snprintf(buf, n, "%s/%.2s", dir, hex)
                        : snprintf(buf, n, "%s/%.2s/%s", dir, hex, hex + 2);
    return k > 0 && (size_t)k < n;
}

bool pack_store_has(const char *dir, const rrt_blob_id *id)
{
    char p[4200];
    struct stat sb;
    return store_path(dir, id, p, sizeof(p), false) && stat(p, &sb) == 0 &&
           S_ISREG(sb.st_mode);
}

static rrt_status sync_dir(const char *dir, rrt_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return pack_fail(err, RRT_E_IO, e, "%s: cannot sync", dir);
    }
    close(fd);
    return RRT_OK;
}

/* Writes all n bytes to fd (named name in the error). */
static rrt_status put_all(int fd, const uint8_t *p, size_t n, const char *name,
                          rrt_error *err)
{
    int e = rrtx_write_all(fd, p, n, NULL);
    return e ? pack_fail(err, RRT_E_IO, e, "%s: write failed", name) : RRT_OK;
}

/* Copies fd to tmp_fd while hashing, so the stored bytes are exactly the
 * bytes that hash to the id. */
static rrt_status copy_hashed(int fd, int tmp_fd, const char *name,
                              const char *tmp, const rrt_blob_id *id,
                              rrt_error *err)
{
    uint8_t *buf = malloc(IO_BUF);
    XXH3_state_t *xs = XXH3_createState();
    rrt_status st = RRT_OK;
    if (!buf || !xs) {
        st = pack_fail(err, RRT_E_NOMEM, 0, "%s: out of memory", name);
        goto out;
    }
    XXH3_128bits_reset(xs);
    for (uint64_t off = 0;;) {
        ssize_t k = pread(fd, buf, IO_BUF, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            st = pack_fail(err, RRT_E_IO, errno, "%s: read failed", name);
            goto out;
        }
        if (k == 0)
            break;
        XXH3_128bits_update(xs, buf, (size_t)k);
        st = put_all(tmp_fd, buf, (size_t)k, tmp, err);
        if (st != RRT_OK)
            goto out;
        off += (uint64_t)k;
    }
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(xs));
    if (memcmp(c.digest, id->bytes, 16) != 0)
        st = pack_fail(err, RRT_E_CHANGED, 0,
                       "%s: file changed while it was being read", name);
out:
    free(buf);
    XXH3_freeState(xs);
    return st;
}

rrt_status pack_store_put_fd(const char *dir, int fd, const char *name,
                             const rrt_blob_id *id, bool no_sync,
                             rrt_error *err)
{
    char sub[4200], final[4200], tmp[4300];
    if (!store_path(dir, id, sub, sizeof(sub), true) ||
        !store_path(dir, id, final, sizeof(final), false))
        return pack_fail(err, RRT_E_INVALID, 0, "%s: path too long", dir);
    if (pack_store_has(dir, id))
        return RRT_OK;
    if ((mkdir(dir, 0755) != 0 && errno != EEXIST) ||
        (mkdir(sub, 0755) != 0 && errno != EEXIST))
        return pack_fail(err, RRT_E_IO, errno, "%s: cannot create", sub);
    snprintf(tmp, sizeof(tmp), "%s/.tmp-XXXXXX", sub);
    int tfd = mkstemp(tmp);
    if (tfd < 0)
        return pack_fail(err, RRT_E_IO, errno, "%s: cannot create", tmp);
    rrt_status st = copy_hashed(fd, tfd, name, tmp, id, err);
    if (st == RRT_OK && fchmod(tfd, 0444) != 0)
        st = pack_fail(err, RRT_E_IO, errno, "%s: chmod failed", tmp);
    if (st == RRT_OK && !no_sync && fsync(tfd) != 0)
        st = pack_fail(err, RRT_E_IO, errno, "%s: fsync failed", tmp);
    close(tfd);
    /* Two packs may store the same id at once: rename makes the last one
     * win, and both wrote the same bytes. */
    if (st == RRT_OK && rename(tmp, final) != 0)
        st = pack_fail(err, RRT_E_IO, errno, "%s: rename failed", final);
    if (st != RRT_OK) {
        unlink(tmp);
        return st;
    }
    return no_sync ? RRT_OK : sync_dir(sub, err);
}

/* ------------------------------------------------------------------ */
/* Packing                                                            */

typedef struct pack_ctx {
    const pack_options *opt;
    pack_report *rep;
    rrt_reader *r;
    rrt_writer *w;
    rrt_error *err;
    uint64_t total;
} pack_ctx;

static void note(pack_ctx *c, pack_note n, const char *path, const char *detail)
{
    if (c->opt->notify)
        c->opt->notify(c->opt->notify_ctx, n, path, detail, c->rep->files,
                       c->total);
}

typedef struct stream_src {
    rrt_blob_stream *s;
    rrt_error err;
} stream_src;

static ssize_t read_stream_cb(void *ctx, void *buf, size_t n)
{
    stream_src *src = ctx;
    size_t got = 0;
    if (rrt_blob_stream_read(src->s, buf, n, &got, &src->err) != RRT_OK) {
        errno = EIO;
        return -1;
    }
    return (ssize_t)got;
}

/* Copies one blob of the input (recompressed at the chosen quality). */
static rrt_status copy_blob(pack_ctx *c, const rrt_blob_id *id)
{
    if (rrt_writer_has_blob(c->w, id))
        return RRT_OK;
    stream_src src = {0};
    rrt_status st = rrt_blob_stream_open(c->r, id, &src.s, c->err);
    if (st != RRT_OK)
        return st;
    st = rrt_writer_add_blob_reader(c->w, read_stream_cb, &src,
                                    rrt_reader_path(c->r), id, NULL, NULL,
                                    c->err);
    rrt_blob_stream_close(src.s);
    if (st != RRT_OK && src.err.status != RRT_OK && c->err)
        *c->err = src.err; /* the reader's message says what is damaged */
    if (st == RRT_OK)
        c->rep->blobs_copied++;
    return st;
}

/* Why a file no longer matches its recorded identity, or "" if it does. */
static void identity_diff(const rrt_file_entry *e, const struct stat *sb,
                          char *why, size_t n)
{
    why[0] = 0;
    if ((uint64_t)sb->st_size != e->size)
        snprintf(why, n, "size %llu, recorded %llu",
                 (unsigned long long)sb->st_size, (unsigned long long)e->size);
    else if (mtime_of(sb) != e->mtime_ns)
        snprintf(why, n, "modification time differs from the recorded one");
    else if ((uint64_t)sb->st_ino != e->ino || (uint64_t)sb->st_dev != e->dev)
        snprintf(why, n, "replaced by another file (device/inode differ)");
}

/* Takes an external entry's content from the blob store when it holds the
 * recorded id. Returns RRT_END when the store cannot supply it. */
static rrt_status from_store(pack_ctx *c, const rrt_file_entry *e)
{
    const char *dir = c->opt->blob_store;
    if (!dir || !(e->flags & RRT_FILE_HAS_BLOB) ||
        !pack_store_has(dir, &e->blob))
        return RRT_END;
    if (c->opt->refs_only)
        return RRT_OK;
    char p[4200];
    store_path(dir, &e->blob, p, sizeof(p), false);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return RRT_END;
    rrt_error serr;
    uint64_t size = 0;
    rrt_status st = rrt_writer_add_blob_reader(c->w, read_fd_cb, &fd, p,
                                               &e->blob, NULL, &size, &serr);
    close(fd);
    if (st == RRT_OK && size == e->size)
        return RRT_OK;
    if (st != RRT_OK && st != RRT_E_HASH && st != RRT_E_IO) {
        if (c->err)
            *c->err = serr;
        return st;
    }
    /* A damaged store file is not fatal: the original may still be there,
     * and removing the damage lets this pack store a good copy. */
    note(c, PACK_STORE_BAD, p, rrt_strerror(st));
    if (st == RRT_E_HASH)
        unlink(p);
    return RRT_END;
}

/* Opens an external file and checks its identity. *changed is set when it
 * differs and allow_changed lets it through. */
static rrt_status open_checked(pack_ctx *c, const rrt_file_entry *e, int *fd,
                               struct stat *sb, bool *changed)
{
    /* O_NONBLOCK: a path that is now a FIFO or a device must fail the
     * regular-file check below, not block the open forever. It changes
     * nothing for regular files. */
    *fd = open(e->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (*fd < 0)
        return pack_fail(c->err, errno == ENOENT ? RRT_E_NOT_FOUND : RRT_E_IO,
                         errno, "%s: cannot open recorded file", e->path);
    char why[160];
    if (fstat(*fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
        close(*fd);
        *fd = -1;
        return pack_fail(c->err, RRT_E_CHANGED, 0,
                         "%s: no longer a regular file", e->path);
    }
    identity_diff(e, sb, why, sizeof(why));
    *changed = why[0] != 0;
    if (!*changed)
        return RRT_OK;
    if (c->opt->allow_changed) {
        note(c, PACK_CHANGED, e->path, why);
        return RRT_OK;
    }
    close(*fd);
    *fd = -1;
    return pack_fail(c->err, RRT_E_CHANGED, 0,
                     "%s: changed since it was recorded (%s); "
                     "--allow-changed embeds it anyway",
                     e->path, why);
}

/* Reads an opened external file into the writer (and the store). */
static rrt_status embed_fd(pack_ctx *c, rrt_file_entry *e, int fd,
                           const struct stat *sb, bool changed)
{
    rrt_blob_id id;
    uint64_t size = 0;
    rrt_status st = hash_fd(fd, e->path, &id, &size, c->err);
    if (st != RRT_OK)
        return st;
    if (!changed && (e->flags & RRT_FILE_HAS_BLOB) &&
        rrt_blob_id_cmp(&id, &e->blob) != 0) {
        if (!c->opt->allow_changed)
            return pack_fail(c->err, RRT_E_CHANGED, 0,
                             "%s: content differs from its recorded hash; "
                             "--allow-changed embeds it anyway",
                             e->path);
        note(c, PACK_CHANGED, e->path, "content differs from its hash");
        changed = true;
    }
    bool dup = !c->opt->refs_only && rrt_writer_has_blob(c->w, &id);
    if (!dup && !c->opt->refs_only) {
        if (lseek(fd, 0, SEEK_SET) < 0)
            return pack_fail(c->err, RRT_E_IO, errno, "%s: seek failed",
                             e->path);
        st = rrt_writer_add_blob_reader(c->w, read_fd_cb, &fd, e->path, &id,
                                        NULL, NULL, c->err);
        if (st == RRT_E_HASH)
            return pack_fail(c->err, RRT_E_CHANGED, 0,
                             "%s: file changed while it was being read",
                             e->path);
        if (st != RRT_OK)
            return st;
    }
    struct stat after;
    if (fstat(fd, &after) != 0 || after.st_size != sb->st_size ||
        mtime_of(&after) != mtime_of(sb))
        return pack_fail(c->err, RRT_E_CHANGED, 0,
                         "%s: file changed while it was being read", e->path);
    if (c->opt->blob_store && !pack_store_has(c->opt->blob_store, &id)) {
        st = pack_store_put_fd(c->opt->blob_store, fd, e->path, &id,
                               c->opt->no_sync, c->err);
        if (st != RRT_OK)
            return st;
        c->rep->stored++;
        note(c, PACK_STORED, e->path, NULL);
    }
    if (changed) {
        c->rep->changed++;
        e->mtime_ns = mtime_of(sb);
    }
    e->blob = id;
    e->size = size;
    if (dup) {
        c->rep->deduplicated++;
        c->rep->dedup_bytes += size;
        note(c, PACK_DEDUP, e->path, NULL);
    } else {
        c->rep->embedded++;
        c->rep->embedded_bytes += size;
        note(c, PACK_EMBEDDED, e->path, NULL);
    }
    return RRT_OK;
}

/* Resolves one external entry into an embedded one (or, with refs_only, an
 * external one with a content id in the store). */
static rrt_status pack_external(pack_ctx *c, rrt_file_entry *e)
{
    bool known = e->flags & RRT_FILE_HAS_BLOB;
    rrt_status st;
    if (known && !c->opt->refs_only && rrt_writer_has_blob(c->w, &e->blob)) {
        /* Same recorded content id as a blob already embedded: the bytes
         * are certain without reading the file. */
        c->rep->deduplicated++;
        c->rep->dedup_bytes += e->size;
        note(c, PACK_DEDUP, e->path, NULL);
    } else if ((st = from_store(c, e)) != RRT_END) {
        if (st != RRT_OK)
            return st;
        c->rep->from_store++;
        note(c, PACK_FROM_STORE, e->path, NULL);
    } else {
        int fd;
        struct stat sb;
        bool changed = false;
        st = open_checked(c, e, &fd, &sb, &changed);
        if (st != RRT_OK)
            return st;
        st = embed_fd(c, e, fd, &sb, changed);
        close(fd);
        if (st != RRT_OK)
            return st;
    }
    if (c->opt->refs_only) {
        e->flags = RRT_FILE_EXTERNAL | RRT_FILE_HAS_BLOB;
    } else {
        e->flags = RRT_FILE_HAS_BLOB;
        e->dev = e->ino = 0;
    }
    return RRT_OK;
}

static rrt_status add_debug_files(pack_ctx *c, size_t nfiles);

static rrt_status copy_files(pack_ctx *c)
{
    size_t n = rrt_reader_file_count(c->r);
    c->total = n;
    for (size_t i = 0; i < n; i++) {
        rrt_file_entry e;
        rrt_status st = rrt_reader_file(c->r, i, &e, c->err);
        if (st != RRT_OK)
            return st;
        if (!(e.flags & RRT_FILE_EXTERNAL))
            st = copy_blob(c, &e.blob);
        else if (!(c->opt->refs_only && (e.flags & RRT_FILE_HAS_BLOB) &&
                   pack_store_has(c->opt->blob_store, &e.blob)))
            st = pack_external(c, &e);
        if (st == RRT_OK)
            st = rrt_writer_add_file(c->w, &e, c->err);
        rrt_file_entry_clear(&e);
        if (st != RRT_OK)
            return st;
        c->rep->files++;
        note(c, PACK_PROGRESS, NULL, NULL);
    }
    if (c->opt->debug_info) {
        rrt_status st = add_debug_files(c, n);
        if (st != RRT_OK)
            return st;
    }
    /* Blobs no file names (a recorder may store memory images by id). */
    for (size_t i = 0; i < rrt_reader_blob_count(c->r); i++) {
        rrt_blob_id id;
        uint64_t size;
        rrt_reader_blob(c->r, i, &id, &size);
        rrt_status st = copy_blob(c, &id);
        if (st != RRT_OK)
            return st;
    }
    return RRT_OK;
}

/* ------------------------------------------------------------------ */
/* Separate debug information (--debug-info)                          */

#define DEBUG_DIR "/usr/lib/debug/.build-id/"

/* Reads n bytes at off of a file-table entry: its blob, or the external
 * file (fd). */
static bool entry_read(pack_ctx *c, const rrt_file_entry *e, int fd,
                       uint64_t off, void *buf, size_t n)
{
    size_t got = 0;
    if (fd >= 0)
        return pread(fd, buf, n, (off_t)off) == (ssize_t)n;
    return (e->flags & RRT_FILE_HAS_BLOB) &&
           rrt_reader_pread_blob(c->r, &e->blob, off, buf, n, &got, NULL) ==
               RRT_OK &&
           got == n;
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* The GNU build-id of a 64-bit little-endian ELF file, in hex (from its
 * PT_NOTE segments); false when it is not one or has none. */
static bool build_id(pack_ctx *c, const rrt_file_entry *e, int fd,
                     char hex[2 * 64 + 1])
{
    uint8_t h[64];
    if (e->size < 64 || !entry_read(c, e, fd, 0, h, 64) ||
        memcmp(h,
               "\x7f"
               "ELF",
               4) != 0 ||
        h[4] != 2 || h[5] != 1)
        return false;
    uint64_t phoff = le(h + 32, 8), phent = le(h + 54, 2),
             phnum = le(h + 56, 2);
    if (phent < 56 || phnum > 256)
        return false;
    for (uint64_t i = 0; i < phnum; i++) {
        uint8_t ph[56], notes[4096];
        if (!entry_read(c, e, fd, phoff + i * phent, ph, 56) ||
            le(ph, 4) != 4 /* PT_NOTE */)
            continue;
        uint64_t off = le(ph + 8, 8), len = le(ph + 32, 8);
        if (len > sizeof(notes))
            len = sizeof(notes);
        if (off > e->size || len > e->size - off ||
            !entry_read(c, e, fd, off, notes, (size_t)len))
            continue;
        for (uint64_t at = 0; at + 12 <= len;) {
            uint64_t nsz = le(notes + at, 4), dsz = le(notes + at + 4, 4);
            uint64_t type = le(notes + at + 8, 4);
            uint64_t name = at + 12, desc = name + ((nsz + 3) & ~3ull);
            if (nsz > len || dsz > len || desc + dsz > len)
                break;
            if (type == 3 && nsz == 4 && memcmp(notes + name, "GNU", 4) == 0 &&
                dsz >= 2 && dsz <= 64) {
                for (uint64_t k = 0; k < dsz; k++)
                    snprintf(hex + 2 * k, 3, "%02x", notes[desc + k]);
                return true;
            }
            at = desc + ((dsz + 3) & ~3ull);
        }
    }
    return false;
}

/* Adds /usr/lib/debug/.build-id/xx/rest.debug of every ELF file of the
 * archive that has one on this host (gdb finds them there by build-id,
 * and the replay serves them from the archive). */
static rrt_status add_debug_files(pack_ctx *c, size_t nfiles)
{
    char **seen = NULL;
    size_t nseen = 0, capseen = 0;
    rrt_status st = RRT_OK;
    for (size_t i = 0; i < nfiles && st == RRT_OK; i++) {
        rrt_file_entry e, d = {0};
        char hex[129], path[PATH_MAX];
        if (rrt_reader_file(c->r, i, &e, NULL) != RRT_OK)
            continue;
        int fd = (e.flags & RRT_FILE_EXTERNAL)
                     ? open(e.path, O_RDONLY | O_CLOEXEC)
                     : -1;
        bool have = (!(e.flags & RRT_FILE_EXTERNAL) || fd >= 0) &&
                    build_id(c, &e, fd, hex);
        if (fd >= 0)
            close(fd);
        rrt_file_entry_clear(&e);
        if (!have)
            continue;
        snprintf(path, sizeof(path), DEBUG_DIR "%.2s/%s.debug", hex, hex + 2);
        bool dup = false;
        for (size_t k = 0; k < nseen && !dup; k++)
            dup = strcmp(seen[k], path) == 0;
        if (dup || rrt_reader_find_file(c->r, path, &d, NULL) == RRT_OK) {
            rrt_file_entry_clear(&d);
            continue;
        }
        char **n = rrtx_grow(seen, &capseen, nseen + 1, sizeof(*n));
        if (!n || !(n[nseen] = strdup(path))) {
            if (n)
                seen = n;
            st = pack_fail(c->err, RRT_E_NOMEM, 0, "out of memory");
            break;
        }
        seen = n;
        nseen++;
        struct stat sb;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            if (fd >= 0)
                close(fd);
            continue; /* none on this host: gdb goes without */
        }
        d.path = seen[nseen - 1];
        d.mode = sb.st_mode;
        d.size = (uint64_t)sb.st_size;
        d.mtime_ns = mtime_of(&sb);
        st = embed_fd(c, &d, fd, &sb, false);
        close(fd);
        if (st == RRT_OK) {
            d.flags = RRT_FILE_HAS_BLOB;
            st = rrt_writer_add_file(c->w, &d, c->err);
            c->rep->debug_files++;
        }
    }
    for (size_t k = 0; k < nseen; k++)
        free(seen[k]);
    free(seen);
    return st;
}

static rrt_status copy_events(pack_ctx *c)
{
    rrt_event_iter *it;
    rrt_status st = rrt_event_iter_open(c->r, 0, &it, c->err);
    if (st != RRT_OK)
        return st;
    rrt_event ev;
    while ((st = rrt_event_iter_next(it, &ev, c->err)) == RRT_OK) {
        st = rrt_writer_add_event(c->w, ev.type, ev.data, ev.len, c->err);
        if (st != RRT_OK)
            break;
        c->rep->events++;
    }
    rrt_event_iter_close(it);
    return st == RRT_END ? RRT_OK : st;
}

static void format_now(char *buf, size_t n)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    char *end = NULL;
    unsigned long long v = sde ? strtoull(sde, &end, 10) : 0;
    time_t t = sde && *sde && end && !*end ? (time_t)v : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The CPUID sites table (CSIT): replay patches CPUIDs from it instead of
 * disassembling, so an archive packed without it replays slower. */
static rrt_status copy_cpuid_sites(pack_ctx *c)
{
    rrt_cpuid_sites *t;
    rrt_status st = rrt_reader_cpuid_sites(c->r, &t, c->err);
    for (size_t i = 0; st == RRT_OK && i < rrt_cpuid_sites_count(t); i++) {
        rrt_blob_id key;
        uint64_t len;
        const uint64_t *off;
        size_t n;
        rrt_cpuid_sites_entry(t, i, &key, &len, &off, &n);
        st = rrt_writer_add_cpuid_sites(c->w, &key, len, off, n, c->err);
    }
    rrt_cpuid_sites_free(t);
    return st;
}

static rrt_status copy_meta_cpuid(pack_ctx *c, int quality)
{
    rrt_cpuid_manifest m;
    rrt_status st = rrt_reader_cpuid(c->r, &m, c->err);
    if (st == RRT_OK) {
        st = rrt_writer_set_cpuid(c->w, &m, c->err);
        rrt_cpuid_manifest_clear(&m);
    } else if (st == RRT_E_NOT_FOUND) {
        st = RRT_OK;
    }
    if (st == RRT_OK)
        st = copy_cpuid_sites(c);
    if (st != RRT_OK)
        return st;
    const rrt_meta_entry *meta;
    size_t n;
    st = rrt_reader_meta(c->r, &meta, &n, c->err);
    for (size_t i = 0; st == RRT_OK && i < n; i++)
        st = rrt_writer_set_meta(c->w, meta[i].key, meta[i].value, c->err);
    char when[64], q[16];
    format_now(when, sizeof(when));
    snprintf(q, sizeof(q), "%d", quality);
    if (st == RRT_OK)
        st = rrt_writer_set_meta(c->w, "packed", when, c->err);
    if (st == RRT_OK)
        st = rrt_writer_set_meta(c->w, "packed.quality", q, c->err);
    return st;
}

/* True when packing would change nothing: no external entry left to
 * resolve and no different quality or filter setting asked for. */
static bool already_packed(pack_ctx *c)
{
    if (c->opt->debug_info)
        return false; /* debug files may be missing: look */
    size_t n = rrt_reader_file_count(c->r);
    for (size_t i = 0; i < n; i++) {
        rrt_file_entry e;
        if (rrt_reader_file(c->r, i, &e, NULL) != RRT_OK)
            return false;
        bool ext = e.flags & RRT_FILE_EXTERNAL;
        bool stored = c->opt->refs_only && (e.flags & RRT_FILE_HAS_BLOB) &&
                      pack_store_has(c->opt->blob_store, &e.blob);
        rrt_file_entry_clear(&e);
        if (ext && !stored)
            return false;
    }
    /* A recording that was never packed holds the recorder's fast,
     * light compression (`rrt record -q`, default 1): recompress it. */
    if (!rrt_reader_meta_get(c->r, "packed"))
        return false;
    rrt_archive_info info;
    rrt_reader_info(c->r, &info);
    /* The 1.1 features the output would use, against those the input
     * has: dropping one is always a reason to rewrite, adding one only
     * with -q (without it, a packed archive counts as packed). */
    uint32_t features = RRT_HFLAG_X86_FILTER | RRT_HFLAG_SHARED_CHUNKS;
    uint32_t want_f = (c->opt->no_filter ? 0 : RRT_HFLAG_X86_FILTER) |
                      (c->opt->no_shared ? 0 : RRT_HFLAG_SHARED_CHUNKS);
    uint32_t has_f = info.header_flags & features;
    if (has_f & ~want_f)
        return false;
    if (c->opt->quality < 0)
        return true;
    if (has_f != want_f)
        return false;
    const char *q = rrt_reader_meta_get(c->r, "packed.quality");
    char want[16];
    snprintf(want, sizeof(want), "%d", c->opt->quality);
    return q && strcmp(q, want) == 0;
}

/* Copies ifd to ofd from their current offsets. copy_file_range first;
 * read/write where it cannot work (another file system: EXDEV). */
static rrt_status copy_fd(int ifd, const char *in, int ofd, const char *out,
                          rrt_error *err)
{
    for (;;) {
        ssize_t k = copy_file_range(ifd, NULL, ofd, NULL, 1u << 30, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                      errno == EOPNOTSUPP))
            break;
        if (k < 0)
            return pack_fail(err, RRT_E_IO, errno, "%s: copy failed", out);
        if (k == 0)
            return RRT_OK;
    }
    uint8_t *buf = malloc(IO_BUF);
    if (!buf)
        return pack_fail(err, RRT_E_NOMEM, 0, "%s: out of memory", out);
    rrt_status st = RRT_OK;
    for (;;) {
        ssize_t k = read(ifd, buf, IO_BUF);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            st = pack_fail(err, RRT_E_IO, errno, "%s: read failed", in);
            break;
        }
        if (k == 0)
            break;
        st = put_all(ofd, buf, (size_t)k, out, err);
        if (st != RRT_OK)
            break;
    }
    free(buf);
    return st;
}

/* Copies the bytes of an archive that needs no change to a new name,
 * atomically, without recompressing. */
static rrt_status copy_file_atomic(const char *in, const char *out,
                                   unsigned mode, bool no_sync, rrt_error *err)
{
    int ifd = open(in, O_RDONLY | O_CLOEXEC);
    if (ifd < 0)
        return pack_fail(err, RRT_E_IO, errno, "%s: cannot open", in);
    rrtx_atomic f;
    rrt_status st = rrtx_atomic_open(&f, out, ".partial", mode, NULL, err);
    f.no_sync = no_sync;
    if (st == RRT_OK)
        st = copy_fd(ifd, in, f.fd, f.partial, err);
    close(ifd);
    if (st == RRT_OK)
        st = rrtx_atomic_commit(&f, err);
    else
        rrtx_atomic_abort(&f);
    rrtx_atomic_free(&f);
    return st;
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static rrt_status pack_into(pack_ctx *c, const char *out, unsigned mode)
{
    rrt_writer_options wo;
    rrt_writer_options_init(&wo);
    wo.quality = c->opt->quality >= 0 ? c->opt->quality : PACK_QUALITY;
    wo.threads = c->opt->threads;
    wo.chunk_size = c->opt->chunk_size ? c->opt->chunk_size : PACK_CHUNK;
    wo.event_batch = PACK_EVENT_BATCH;
    wo.x86_filter = !c->opt->no_filter;
    wo.shared_chunks = !c->opt->no_shared;
    wo.no_sync = c->opt->no_sync;
    wo.mode = mode;
    wo.io = c->opt->io;
    rrt_status st = rrt_writer_create(out, &wo, &c->w, c->err);
    if (st != RRT_OK)
        return st;
    st = copy_meta_cpuid(c, wo.quality);
    if (st == RRT_OK)
        st = copy_files(c);
    if (st == RRT_OK)
        st = copy_events(c);
    if (st == RRT_OK)
        st = rrt_writer_finish(c->w, c->err);
    rrt_writer_free(c->w); /* removes OUT.partial unless finished */
    c->w = NULL;
    return st;
}

rrt_status pack_archive(const char *in, const pack_options *opt,
                        pack_report *rep, rrt_error *err)
{
    pack_options defaults;
    if (!opt) {
        pack_options_init(&defaults);
        opt = &defaults;
    }
    pack_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof(*rep));
    if (opt->refs_only && !opt->blob_store)
        return pack_fail(err, RRT_E_INVALID, 0,
                         "references only make sense with a blob store");
    pack_ctx c = {.opt = opt, .rep = rep, .err = err};
    struct stat sb;
    if (stat(in, &sb) != 0)
        return pack_fail(err, RRT_E_IO, errno, "%s: cannot stat", in);
    rep->in_size = (uint64_t)sb.st_size;
    const char *out = opt->output ? opt->output : in;
    bool in_place = out == in || same_file(in, out);
    /* In place through a symlink replaces the file it names, not the
     * link (which would leave the target unpacked). */
    char real[PATH_MAX];
    struct stat lb;
    if (in_place && lstat(in, &lb) == 0 && S_ISLNK(lb.st_mode) &&
        realpath(in, real))
        in = real;
    if (in_place)
        out = in;
    struct stat ob;
    if (!in_place && !opt->force && lstat(out, &ob) == 0)
        return pack_fail(err, RRT_E_EXISTS, 0,
                         "%s: already exists (use --force to replace it)", out);
    rrt_status st = rrt_reader_open(in, &c.r, err);
    if (st != RRT_OK)
        return st;
    unsigned mode = sb.st_mode & 0777u;
    if (already_packed(&c)) {
        rep->unchanged = true;
        rep->files = rrt_reader_file_count(c.r);
        rep->out_size = rep->in_size;
        rrt_reader_close(c.r);
        if (in_place)
            return RRT_OK;
        rep->copied = true;
        return copy_file_atomic(in, out, mode, opt->no_sync, err);
    }
    st = pack_into(&c, out, mode);
    rrt_reader_close(c.r);
    if (st == RRT_OK && stat(out, &ob) == 0)
        rep->out_size = (uint64_t)ob.st_size;
    return st;
}
