/* Export of an archive as plain files (a directory, tar, tar.gz or zip),
 * written through libarchive. The layout (see rrt export --help):
 *   meta.json, cpuid.json, files.json, files/<path>, blobs/<id>, events.json
 * files.json keeps the whole file table, so import can rebuild it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pack.h"
#include "pack_int.h"
#include "pack_la.h"
#include "strmap.h"

#define COPY_BUF (1u << 20)
#define FLUSH_AT (1u << 20)

bool pack_safe_name(const char *path, char *buf, size_t n)
{
    size_t len = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *s = p;
        while (*p && *p != '/')
            p++;
        size_t k = (size_t)(p - s);
        if (k == 0 || (k == 1 && s[0] == '.') ||
            (k == 2 && s[0] == '.' && s[1] == '.'))
            continue;
        if (len + k + 2 > n)
            return false;
        if (len)
            buf[len++] = '/';
        memcpy(buf + len, s, k);
        len += k;
    }
    if (!len || n == 0)
        return false;
    buf[len] = 0;
    return true;
}

typedef struct exp_ctx {
    struct archive *a;
    char prefix[PATH_MAX + 2]; /* "DIR/" when writing to disk, else "" */
    rrt_reader *r;
    pack_export_report *rep;
    rrt_error *err;
    const char *out;
    uint8_t *buf;
    bool to_disk;               /* unpack: the extraction bounds apply */
    uint64_t members, declared; /* so far, to check them */
} exp_ctx;

static rrt_status arc_fail(exp_ctx *x, const char *member)
{
    /* libarchive's "Write error" alone does not say the disk is full: add
     * the system error it kept. Its own codes (-1, and EILSEQ and EINVAL
     * for format and usage errors) are no system errors. */
    int e = LA(archive_errno)(x->a);
    if (e < 0 || e == EILSEQ || e == EINVAL)
        e = 0;
    return pack_fail(x->err, RRT_E_IO, e, "%s: %s: %s", x->out, member,
                     LA(archive_error_string)(x->a)
                         ? LA(archive_error_string)(x->a)
                         : "write failed");
}

static rrt_status put_header(exp_ctx *x, const char *name, uint64_t size,
                             unsigned mode, int64_t mtime_ns)
{
    /* A small archive can declare a huge blob (chunks may repeat): check
     * each member's size before any of its bytes reach the disk. */
    if (x->to_disk && ++x->members > PACK_MAX_ENTRIES)
        return pack_fail(x->err, RRT_E_LIMIT, 0,
                         "%s: more than %u members to extract",
                         rrt_reader_path(x->r), PACK_MAX_ENTRIES);
    if (x->to_disk &&
        (size > PACK_MAX_TOTAL || (x->declared += size) > PACK_MAX_TOTAL))
        return pack_fail(x->err, RRT_E_LIMIT, 0,
                         "%s: member '%s': more than %llu bytes to "
                         "extract in all",
                         rrt_reader_path(x->r), name,
                         (unsigned long long)PACK_MAX_TOTAL);
    char full[PATH_MAX + 4200];
    snprintf(full, sizeof(full), "%s%s", x->prefix, name);
    struct archive_entry *e = LA(archive_entry_new)();
    if (!e)
        return pack_fail(x->err, RRT_E_NOMEM, 0, "out of memory");
    LA(archive_entry_set_pathname)(e, full);
    LA(archive_entry_set_filetype)(e, AE_IFREG);
    /* Never setuid/setgid/sticky, always readable by the owner. */
    LA(archive_entry_set_perm)(e, (mode & 0755u) | 0644u);
    LA(archive_entry_set_size)(e, (la_int64_t)size);
    LA(archive_entry_set_mtime)
    (e, (time_t)(mtime_ns / 1000000000), (long)(mtime_ns % 1000000000));
    int r = LA(archive_write_header)(x->a, e);
    LA(archive_entry_free)(e);
    return r < ARCHIVE_WARN ? arc_fail(x, name) : RRT_OK;
}

static rrt_status put_data(exp_ctx *x, const char *name, const void *p,
                           size_t n)
{
    const uint8_t *q = p;
    while (n) {
        la_ssize_t k = LA(archive_write_data)(x->a, q, n);
        if (k <= 0)
            return arc_fail(x, name);
        q += k;
        n -= (size_t)k;
        x->rep->bytes += (uint64_t)k;
    }
    return RRT_OK;
}

static rrt_status put_finish(exp_ctx *x, const char *name)
{
    return LA(archive_write_finish_entry)(x->a) < ARCHIVE_WARN
               ? arc_fail(x, name)
               : RRT_OK;
}

static rrt_status put_member(exp_ctx *x, const char *name, const rrt_buf *b)
{
    if (b->failed)
        return pack_fail(x->err, RRT_E_NOMEM, 0, "out of memory");
    rrt_status st = put_header(x, name, b->len, 0644, 0);
    if (st == RRT_OK)
        st = put_data(x, name, b->data, b->len);
    return st == RRT_OK ? put_finish(x, name) : st;
}

static rrt_status put_blob(exp_ctx *x, const char *name, const rrt_blob_id *id,
                           unsigned mode, int64_t mtime_ns)
{
    uint64_t size;
    rrt_status st = rrt_reader_blob_size(x->r, id, &size, x->err);
    if (st == RRT_OK)
        st = put_header(x, name, size, mode, mtime_ns);
    rrt_blob_stream *s;
    if (st != RRT_OK || (st = rrt_blob_stream_open(x->r, id, &s, x->err)))
        return st;
    for (;;) {
        size_t got = 0;
        st = rrt_blob_stream_read(s, x->buf, COPY_BUF, &got, x->err);
        if (st != RRT_OK || got == 0)
            break;
        st = put_data(x, name, x->buf, got);
        if (st != RRT_OK)
            break;
    }
    rrt_blob_stream_close(s);
    return st == RRT_OK ? put_finish(x, name) : st;
}

/* ------------------------------------------------------------------ */
/* JSON members                                                       */

static void put_buf(void *ctx, const void *p, size_t n)
{
    rrt_buf_put(ctx, p, n);
}

static rrt_status meta_json(exp_ctx *x, rrtx_json *j)
{
    const rrt_meta_entry *meta;
    size_t n;
    rrt_status st = rrt_reader_meta(x->r, &meta, &n, x->err);
    if (st != RRT_OK)
        return st;
    rrtx_json_raw(j, "{");
    for (size_t i = 0; i < n; i++) {
        rrtx_json_key(j, i ? ",\n  " : "\n  ", meta[i].key);
        rrtx_json_str(j, meta[i].value);
    }
    rrtx_json_raw(j, "\n}\n");
    return RRT_OK;
}

static void cpuid_list(rrtx_json *j, const char *name,
                       const rrt_cpuid_record *v, size_t n)
{
    rrtx_json_raw(j, ",\n  \"");
    rrtx_json_raw(j, name);
    rrtx_json_raw(j, "\": [");
    for (size_t i = 0; i < n; i++) {
        const uint32_t f[7] = {v[i].leaf, v[i].subleaf, v[i].flags, v[i].eax,
                               v[i].ebx,  v[i].ecx,     v[i].edx};
        rrtx_json_raw(j, i ? ",\n    [" : "\n    [");
        for (int k = 0; k < 7; k++) {
            if (k)
                rrtx_json_raw(j, ", ");
            rrtx_json_u64(j, f[k]);
        }
        rrtx_json_raw(j, "]");
    }
    rrtx_json_raw(j, "]");
}

static rrt_status cpuid_json(exp_ctx *x, rrtx_json *j)
{
    rrt_cpuid_manifest m;
    rrt_status st = rrt_reader_cpuid(x->r, &m, x->err);
    if (st == RRT_E_NOT_FOUND) {
        rrtx_json_raw(j, "null\n");
        return RRT_OK;
    }
    if (st != RRT_OK)
        return st;
    rrtx_json_raw(j, "{\n  \"vendor\": ");
    rrtx_json_str(j, m.vendor);
    rrtx_json_raw(j, ",\n  \"flags\": ");
    rrtx_json_u64(j, m.flags);
    rrtx_json_raw(j, ",\n  \"xcr0\": ");
    rrtx_json_u64(j, m.xcr0);
    rrtx_json_raw(j, ",\n  \"mask_name\": ");
    rrtx_json_str(j, m.mask_name);
    cpuid_list(j, "records", m.records, m.n_records);
    cpuid_list(j, "masks", m.masks, m.n_masks);
    rrtx_json_raw(j, ",\n  \"queried\": [");
    for (size_t i = 0; i < m.n_queried; i++) {
        rrtx_json_raw(j, i ? ", [" : "[");
        rrtx_json_u64(j, m.queried[i].leaf);
        rrtx_json_raw(j, ", ");
        rrtx_json_u64(j, m.queried[i].subleaf);
        rrtx_json_raw(j, "]");
    }
    rrtx_json_raw(j, "]\n}\n");
    rrt_cpuid_manifest_clear(&m);
    return RRT_OK;
}

/* ------------------------------------------------------------------ */
/* Files and blobs                                                    */

typedef struct file_plan {
    char **member; /* per file entry: member name or NULL (external) */
    size_t n;
    pack_strmap written; /* member names already written */
} file_plan;

static void plan_free(file_plan *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->member[i]);
    free(p->member);
    pack_strmap_free(&p->written);
}

static char *blob_member(const rrt_blob_id *id)
{
    char hex[33], *s = malloc(40);
    rrt_blob_id_to_hex(id, hex);
    if (s)
        snprintf(s, 40, "blobs/%s", hex);
    return s;
}

/* files/<path> holds the entry a look-up by path finds (the last one);
 * an entry shadowed by a later one of the same name, and any blob no
 * file names, goes to blobs/<id>. */
static rrt_status plan_files(exp_ctx *x, file_plan *p)
{
    pack_strmap last;
    pack_strmap_init(&last);
    p->n = rrt_reader_file_count(x->r);
    p->member = calloc(p->n ? p->n : 1, sizeof(*p->member));
    rrt_status st =
        p->member ? RRT_OK : pack_fail(x->err, RRT_E_NOMEM, 0, "out of memory");
    char safe[4200], name[4210];
    for (int pass = 0; pass < 2 && st == RRT_OK; pass++) {
        for (size_t i = 0; i < p->n && st == RRT_OK; i++) {
            rrt_file_entry e;
            if ((st = rrt_reader_file(x->r, i, &e, x->err)) != RRT_OK)
                break;
            bool embedded = !(e.flags & RRT_FILE_EXTERNAL);
            bool ok = pack_safe_name(e.path, safe, sizeof(safe));
            snprintf(name, sizeof(name), "files/%s", safe);
            if (pass == 0 && embedded && ok && !pack_strmap_put(&last, name, i))
                st = pack_fail(x->err, RRT_E_NOMEM, 0, "out of memory");
            size_t at;
            if (pass == 1 && embedded)
                p->member[i] =
                    ok && pack_strmap_get(&last, name, &at) && at == i
                        ? strdup(name)
                        : blob_member(&e.blob);
            if (pass == 1 && embedded && !p->member[i])
                st = pack_fail(x->err, RRT_E_NOMEM, 0, "out of memory");
            rrt_file_entry_clear(&e);
        }
    }
    pack_strmap_free(&last);
    return st;
}

static rrt_status files_json(exp_ctx *x, const file_plan *p, rrtx_json *j)
{
    rrtx_json_raw(j, "[");
    for (size_t i = 0; i < p->n; i++) {
        rrt_file_entry e;
        rrt_status st = rrt_reader_file(x->r, i, &e, x->err);
        if (st != RRT_OK)
            return st;
        char hex[33] = "";
        if (e.flags & RRT_FILE_HAS_BLOB)
            rrt_blob_id_to_hex(&e.blob, hex);
        rrtx_json_raw(j, i ? ",\n  {\"path\": " : "\n  {\"path\": ");
        rrtx_json_str(j, e.path);
        rrtx_json_raw(j, ", \"flags\": ");
        rrtx_json_u64(j, e.flags);
        rrtx_json_raw(j, ", \"mode\": ");
        rrtx_json_u64(j, e.mode);
        rrtx_json_raw(j, ", \"size\": ");
        rrtx_json_u64(j, e.size);
        rrtx_json_raw(j, ", \"mtime_ns\": ");
        rrtx_json_i64(j, e.mtime_ns);
        rrtx_json_raw(j, ", \"dev\": ");
        rrtx_json_u64(j, e.dev);
        rrtx_json_raw(j, ", \"ino\": ");
        rrtx_json_u64(j, e.ino);
        rrtx_json_raw(j, ", \"blob\": ");
        rrtx_json_str(j, hex);
        rrtx_json_raw(j, ", \"member\": ");
        rrtx_json_str(j, p->member[i] ? p->member[i] : "");
        rrtx_json_raw(j, "}");
        rrt_file_entry_clear(&e);
    }
    rrtx_json_raw(j, "\n]\n");
    return RRT_OK;
}

/* Writes each member once; `written` also records the hex ids whose bytes
 * are already in the export, so orphan blobs are the ones left over. */
static rrt_status write_files(exp_ctx *x, file_plan *p)
{
    char hex[33];
    size_t dummy;
    for (size_t i = 0; i < p->n; i++) {
        if (!p->member[i] || pack_strmap_get(&p->written, p->member[i], &dummy))
            continue;
        rrt_file_entry e;
        rrt_status st = rrt_reader_file(x->r, i, &e, x->err);
        if (st != RRT_OK)
            return st;
        st = put_blob(x, p->member[i], &e.blob, e.mode, e.mtime_ns);
        rrt_blob_id_to_hex(&e.blob, hex);
        rrt_file_entry_clear(&e);
        if (st != RRT_OK)
            return st;
        if (!pack_strmap_put(&p->written, p->member[i], i) ||
            !pack_strmap_put(&p->written, hex, i))
            return pack_fail(x->err, RRT_E_NOMEM, 0, "out of memory");
        if (strncmp(p->member[i], "files/", 6) == 0)
            x->rep->files++;
        else
            x->rep->blobs++;
    }
    for (size_t i = 0; i < rrt_reader_blob_count(x->r); i++) {
        rrt_blob_id id;
        uint64_t size;
        rrt_reader_blob(x->r, i, &id, &size);
        rrt_blob_id_to_hex(&id, hex);
        if (pack_strmap_get(&p->written, hex, &dummy))
            continue;
        char name[40];
        snprintf(name, sizeof(name), "blobs/%s", hex);
        rrt_status st = put_blob(x, name, &id, 0644, 0);
        if (st != RRT_OK)
            return st;
        x->rep->blobs++;
    }
    return RRT_OK;
}

/* ------------------------------------------------------------------ */
/* Events: streamed twice, once to learn the member's size (a tar header
 * comes first) and once to write it, so memory stays bounded.        */

typedef struct sink {
    exp_ctx *x;
    rrt_buf b;
    rrtx_json j; /* writes into b */
    uint64_t total;
    bool counting;
    rrt_status st;
} sink;

static void sink_flush(sink *s)
{
    if (s->b.failed && s->st == RRT_OK)
        s->st = pack_fail(s->x->err, RRT_E_NOMEM, 0, "out of memory");
    if (!s->counting && s->st == RRT_OK && s->b.len)
        s->st = put_data(s->x, "events.json", s->b.data, s->b.len);
    s->total += s->b.len;
    rrt_buf_reset(&s->b);
}

static rrt_status events_json(exp_ctx *x, sink *s)
{
    rrt_event_iter *it;
    rrt_status st = rrt_event_iter_open(x->r, 0, &it, x->err);
    if (st != RRT_OK)
        return st;
    rrtx_json_raw(&s->j, "[");
    rrt_event ev;
    uint64_t n = 0;
    while (s->st == RRT_OK &&
           (st = rrt_event_iter_next(it, &ev, x->err)) == RRT_OK) {
        rrtx_json_raw(&s->j, n++ ? ",\n  {\"seq\": " : "\n  {\"seq\": ");
        rrtx_json_u64(&s->j, ev.seq);
        rrtx_json_raw(&s->j, ", \"type\": ");
        rrtx_json_u64(&s->j, ev.type);
        rrtx_json_raw(&s->j, ", \"data\": ");
        rrtx_json_hex(&s->j, ev.data, ev.len);
        rrtx_json_raw(&s->j, "}");
        if (s->b.len >= FLUSH_AT)
            sink_flush(s);
    }
    rrt_event_iter_close(it);
    rrtx_json_raw(&s->j, "\n]\n");
    sink_flush(s);
    if (!s->counting)
        x->rep->events = n;
    if (st != RRT_END)
        return st;
    return s->st;
}

static rrt_status write_events(exp_ctx *x)
{
    sink s = {.x = x, .counting = true};
    rrt_buf_init(&s.b);
    rrtx_json_init(&s.j, put_buf, &s.b, 0);
    rrt_status st = events_json(x, &s);
    uint64_t size = s.total;
    if (st == RRT_OK)
        st = put_header(x, "events.json", size, 0644, 0);
    if (st == RRT_OK) {
        s.counting = false;
        s.total = 0;
        st = events_json(x, &s);
    }
    rrt_buf_free(&s.b);
    if (st == RRT_OK && s.total != size)
        st = pack_fail(x->err, RRT_E_STATE, 0,
                       "events.json changed size between passes");
    return st == RRT_OK ? put_finish(x, "events.json") : st;
}

static rrt_status write_all(exp_ctx *x)
{
    rrt_buf b;
    rrt_buf_init(&b);
    rrtx_json j;
    rrtx_json_init(&j, put_buf, &b, 0);
    file_plan p = {0};
    pack_strmap_init(&p.written);
    rrt_status st = meta_json(x, &j);
    if (st == RRT_OK)
        st = put_member(x, "meta.json", &b);
    rrt_buf_reset(&b);
    if (st == RRT_OK)
        st = cpuid_json(x, &j);
    if (st == RRT_OK)
        st = put_member(x, "cpuid.json", &b);
    rrt_buf_reset(&b);
    if (st == RRT_OK)
        st = plan_files(x, &p);
    if (st == RRT_OK)
        st = files_json(x, &p, &j);
    if (st == RRT_OK)
        st = put_member(x, "files.json", &b);
    for (size_t i = 0; st == RRT_OK && i < p.n; i++)
        x->rep->skipped_external += p.member[i] ? 0 : 1;
    if (st == RRT_OK)
        st = write_files(x, &p);
    if (st == RRT_OK)
        st = write_events(x);
    rrt_buf_free(&b);
    plan_free(&p);
    return st;
}

/* ------------------------------------------------------------------ */
/* Destinations                                                       */

/* Flags for every write to disk: libarchive refuses '..', writing through
 * symlinks, and never restores owners or setuid bits (no _PERM/_OWNER). */
#define PACK_DISK_FLAGS                                                        \
    (ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |       \
     ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_UNLINK)

/* Opens a disk writer rooted at DIR (created if missing). The prefix is
 * DIR's real path, so libarchive's symlink check sees no link in it. */
struct archive *pack_open_disk(const char *dir, char *prefix, size_t n,
                               rrt_error *err)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        pack_fail(err, RRT_E_IO, errno, "%s: cannot create", dir);
        return NULL;
    }
    char real[PATH_MAX];
    if (!realpath(dir, real)) {
        pack_fail(err, RRT_E_IO, errno, "%s: cannot resolve", dir);
        return NULL;
    }
    struct stat sb;
    if (stat(real, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        pack_fail(err, RRT_E_INVALID, 0, "%s: not a directory", dir);
        return NULL;
    }
    snprintf(prefix, n, "%s/", strcmp(real, "/") ? real : "");
    struct archive *a = LA(archive_write_disk_new)();
    if (!a ||
        LA(archive_write_disk_set_options)(a, PACK_DISK_FLAGS) != ARCHIVE_OK) {
        LA(archive_write_free)(a);
        pack_fail(err, RRT_E_NOMEM, 0, "out of memory");
        return NULL;
    }
    return a;
}

static struct archive *open_file_writer(const char *format, int fd,
                                        const char *out, rrt_error *err)
{
    struct archive *a = LA(archive_write_new)();
    int r = a ? ARCHIVE_OK : ARCHIVE_FATAL;
    if (r == ARCHIVE_OK && !strcmp(format, "zip"))
        r = LA(archive_write_set_format_zip)(a);
    else if (r == ARCHIVE_OK &&
             (!strcmp(format, "tar") || !strcmp(format, "tar.gz")))
        r = LA(archive_write_set_format_pax_restricted)(a);
    else if (r == ARCHIVE_OK)
        r = ARCHIVE_FATAL;
    if (r == ARCHIVE_OK && !strcmp(format, "tar.gz"))
        r = LA(archive_write_add_filter_gzip)(a);
    if (r == ARCHIVE_OK)
        r = LA(archive_write_open_fd)(a, fd);
    if (r != ARCHIVE_OK) {
        pack_fail(err, RRT_E_INVALID, 0, "%s: cannot write format %s%s%s", out,
                  format, a ? ": " : "",
                  a && LA(archive_error_string)(a) ? LA(archive_error_string)(a)
                                                   : "");
        LA(archive_write_free)(a);
        return NULL;
    }
    return a;
}

static rrt_status export_dir(exp_ctx *x)
{
    x->to_disk = true;
    x->a = pack_open_disk(x->out, x->prefix, sizeof(x->prefix), x->err);
    if (!x->a)
        return x->err ? x->err->status : RRT_E_IO;
    rrt_status st = write_all(x);
    if (LA(archive_write_close)(x->a) != ARCHIVE_OK && st == RRT_OK)
        st = arc_fail(x, "close");
    LA(archive_write_free)(x->a);
    return st;
}

/* Writes OUT.partial and renames it only when complete, like the archive
 * writer, so a failed export leaves nothing under OUT. */
static rrt_status export_file(exp_ctx *x, const char *format)
{
    rrtx_atomic f;
    rrt_status st =
        rrtx_atomic_open(&f, x->out, ".partial", 0644, NULL, x->err);
    if (st == RRT_OK) {
        x->a = open_file_writer(format, f.fd, x->out, x->err);
        if (!x->a)
            st = x->err ? x->err->status : RRT_E_INVALID;
    }
    if (st == RRT_OK)
        st = write_all(x);
    if (x->a && LA(archive_write_close)(x->a) != ARCHIVE_OK && st == RRT_OK)
        st = arc_fail(x, "close");
    LA(archive_write_free)(x->a);
    if (st == RRT_OK)
        st = rrtx_atomic_commit(&f, x->err);
    else
        rrtx_atomic_abort(&f);
    rrtx_atomic_free(&f);
    return st;
}

rrt_status pack_export(const char *in, const char *out, const char *format,
                       pack_export_report *rep, rrt_error *err)
{
    pack_export_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof(*rep));
    rrt_status st = pack_la_load(err);
    if (st != RRT_OK)
        return st;
    exp_ctx x = {.rep = rep, .err = err, .out = out};
    x.buf = malloc(COPY_BUF);
    if (!x.buf)
        return pack_fail(err, RRT_E_NOMEM, 0, "out of memory");
    st = rrt_reader_open(in, &x.r, err);
    if (st == RRT_OK) {
        st = !strcmp(format, "dir") ? export_dir(&x) : export_file(&x, format);
        rrt_reader_close(x.r);
    }
    free(x.buf);
    return st;
}
