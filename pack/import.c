/* Reading tar/zip input: rrt import (an export back into an archive) and
 * pack_extract (safe extraction to disk). Every member is checked before
 * anything is done with it; the input is treated as hostile. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "pack.h"
#include "pack_int.h"
#include "pack_la.h"
#include "strmap.h"

#define READ_BLOCK 65536

bool pack_is_rrt(const char *path)
{
    static const uint8_t magic[8] = {0x89, 'R',  'R',  'T',
                                     '\r', '\n', 0x1a, '\n'};
    uint8_t h[8];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = read(fd, h, 8) == 8 && memcmp(h, magic, 8) == 0;
    close(fd);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Member checks shared by import and extract                         */

typedef struct tar_in {
    struct archive *a;
    int fd;
    const char *src;
    uint64_t entries, declared, read_bytes;
    bool read_failed; /* read_member failed: the input is to blame */
    rrt_error *err;
} tar_in;

static void close_input(tar_in *t)
{
    if (t->a)
        LA(archive_read_free)(t->a);
    t->a = NULL;
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}

/* Opens the file itself: libarchive's "Failed to open" does not say why,
 * and of a directory it says only "Error reading". */
static rrt_status open_input(tar_in *t, const char *src, rrt_error *err)
{
    memset(t, 0, sizeof(*t));
    t->src = src;
    t->err = err;
    t->fd = -1;
    rrt_status st = pack_la_load(err);
    if (st != RRT_OK)
        return st;
    t->fd = open(src, O_RDONLY | O_CLOEXEC);
    if (t->fd < 0)
        return pack_fail(err, errno == ENOENT ? RRT_E_NOT_FOUND : RRT_E_IO,
                         errno, "%s: cannot open", src);
    struct stat sb;
    int e = fstat(t->fd, &sb) != 0 ? errno : S_ISDIR(sb.st_mode) ? EISDIR : 0;
    if (e) {
        close_input(t);
        return pack_fail(err, RRT_E_INVALID, e, "%s: cannot read", src);
    }
    t->a = LA(archive_read_new)();
    if (!t->a) {
        close_input(t);
        return pack_fail(err, RRT_E_NOMEM, 0, "out of memory");
    }
    LA(archive_read_support_format_tar)(t->a);
    LA(archive_read_support_format_zip)(t->a);
    LA(archive_read_support_filter_gzip)(t->a);
    if (LA(archive_read_open_fd)(t->a, t->fd, READ_BLOCK) != ARCHIVE_OK) {
        st = pack_fail(err, RRT_E_PARSE, 0, "%s: %s", src,
                       LA(archive_error_string)(t->a));
        close_input(t);
        return st;
    }
    return RRT_OK;
}

/* The longest member an export writes: "files/" and a recorded path of
 * the format's 4096 bytes at most. */
#define MAX_MEMBER_NAME (6 + 4096)

/* A relative name without '..' components: what an export contains. */
static bool name_ok(const char *p)
{
    if (!*p || *p == '/')
        return false;
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        size_t k = e ? (size_t)(e - s) : strlen(s);
        if (k == 2 && s[0] == '.' && s[1] == '.')
            return false;
        s += k;
        while (*s == '/')
            s++;
    }
    return true;
}

/* Checks the next member; *name points into the entry (leading "./"
 * removed). Directories set *is_dir. */
static rrt_status check_member(tar_in *t, struct archive_entry *e,
                               const char **name, bool *is_dir)
{
    const char *p = LA(archive_entry_pathname)(e);
    if (++t->entries > PACK_MAX_ENTRIES)
        return pack_fail(t->err, RRT_E_LIMIT, 0, "%s: more than %u members",
                         t->src, PACK_MAX_ENTRIES);
    if (!p)
        return pack_fail(t->err, RRT_E_PARSE, 0, "%s: member without a name",
                         t->src);
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    if (!*p)
        p = "."; /* "./", the top of a tar made with -C DIR . */
    *name = p;
    const char *why = NULL;
    unsigned type = LA(archive_entry_filetype)(e);
    if (LA(archive_entry_hardlink)(e))
        why = "hard links are not allowed";
    else if (type == AE_IFLNK)
        why = "symbolic links are not allowed";
    else if (type != AE_IFREG && type != AE_IFDIR)
        why = "devices, fifos and sockets are not allowed";
    else if (strlen(p) > MAX_MEMBER_NAME)
        why = "name longer than 4102 bytes";
    else if (!name_ok(p) && !(type == AE_IFDIR && !strcmp(p, ".")))
        why = "absolute or '..' names are not allowed";
    if (why)
        return pack_fail(t->err, RRT_E_INVALID, 0, "%s: member '%s': %s",
                         t->src, LA(archive_entry_pathname)(e), why);
    *is_dir = type == AE_IFDIR;
    if (LA(archive_entry_size_is_set)(e)) {
        la_int64_t sz = LA(archive_entry_size)(e);
        if (sz < 0 || (uint64_t)sz > PACK_MAX_TOTAL ||
            (t->declared += (uint64_t)sz) > PACK_MAX_TOTAL)
            return pack_fail(t->err, RRT_E_LIMIT, 0,
                             "%s: member '%s': declared size exceeds "
                             "the %llu-byte limit",
                             t->src, p, (unsigned long long)PACK_MAX_TOTAL);
    }
    return RRT_OK;
}

/* Reads member data, counting against the total limit (a zip may not
 * declare sizes up front). */
static ssize_t read_member(void *ctx, void *buf, size_t n)
{
    tar_in *t = ctx;
    la_ssize_t k = LA(archive_read_data)(t->a, buf, n);
    if (k < 0) {
        t->read_failed = true;
        errno = EIO;
        return -1;
    }
    t->read_bytes += (uint64_t)k;
    if (t->read_bytes > PACK_MAX_TOTAL) {
        t->read_failed = true;
        errno = EFBIG;
        return -1;
    }
    return (ssize_t)k;
}

static rrt_status read_fail(tar_in *t, const char *name)
{
    if (t->read_bytes > PACK_MAX_TOTAL)
        return pack_fail(t->err, RRT_E_LIMIT, 0,
                         "%s: member '%s': more than %llu bytes in all", t->src,
                         name, (unsigned long long)PACK_MAX_TOTAL);
    return pack_fail(t->err, RRT_E_IO, 0, "%s: member '%s': %s", t->src, name,
                     LA(archive_error_string)(t->a)
                         ? LA(archive_error_string)(t->a)
                         : "read failed");
}

/* ------------------------------------------------------------------ */
/* Extraction to disk                                                 */

static rrt_status extract_one(tar_in *t, struct archive *disk,
                              struct archive_entry *e, const char *prefix,
                              const char *name, bool is_dir,
                              pack_extract_report *rep)
{
    char full[PATH_MAX + 4200];
    snprintf(full, sizeof(full), "%s%s", prefix, name);
    /* name points into e's pathname, which the next call replaces (and
     * may free): messages use the copy inside full. */
    name = full + strlen(prefix);
    LA(archive_entry_set_pathname)(e, full);
    LA(archive_entry_set_perm)(e, LA(archive_entry_perm)(e) & 0755u);
    LA(archive_entry_set_uid)(e, 0);
    LA(archive_entry_set_gid)(e, 0);
    if (LA(archive_write_header)(disk, e) < ARCHIVE_WARN)
        return pack_fail(t->err, RRT_E_IO, 0, "%s: member '%s': %s", t->src,
                         name, LA(archive_error_string)(disk));
    if (is_dir) {
        rep->dirs++;
        return LA(archive_write_finish_entry)(disk) < ARCHIVE_WARN
                   ? pack_fail(t->err, RRT_E_IO, 0, "%s: %s", name,
                               LA(archive_error_string)(disk))
                   : RRT_OK;
    }
    char buf[READ_BLOCK];
    for (;;) {
        ssize_t k = read_member(t, buf, sizeof(buf));
        if (k < 0)
            return read_fail(t, name);
        if (k == 0)
            break;
        if (LA(archive_write_data)(disk, buf, (size_t)k) != k)
            return pack_fail(t->err, RRT_E_IO, 0, "%s: member '%s': %s", t->src,
                             name, LA(archive_error_string)(disk));
        rep->bytes += (uint64_t)k;
    }
    rep->files++;
    return LA(archive_write_finish_entry)(disk) < ARCHIVE_WARN
               ? pack_fail(t->err, RRT_E_IO, 0, "%s: %s", name,
                           LA(archive_error_string)(disk))
               : RRT_OK;
}

/* Checks every member header before anything is written, so a hostile
 * archive (100k entries, a symlink at the end) leaves DIR as it was. */
static rrt_status prescan(const char *in, rrt_error *err)
{
    tar_in t;
    rrt_status st = open_input(&t, in, err);
    struct archive_entry *e;
    int r;
    while (st == RRT_OK &&
           (r = LA(archive_read_next_header)(t.a, &e)) != ARCHIVE_EOF) {
        const char *name;
        bool is_dir;
        if (r < ARCHIVE_WARN)
            st = pack_fail(err, RRT_E_PARSE, 0, "%s: %s", in,
                           LA(archive_error_string)(t.a));
        else
            st = check_member(&t, e, &name, &is_dir);
    }
    close_input(&t);
    return st;
}

rrt_status pack_extract(const char *in, const char *dir,
                        pack_extract_report *rep, rrt_error *err)
{
    pack_extract_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof(*rep));
    /* The input is read twice: every member is checked before any is
     * written. A pipe would be empty the second time. */
    struct stat sb;
    if (stat(in, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
        return pack_fail(err, RRT_E_INVALID, 0,
                         "%s: not a regular file (unpack reads its "
                         "input twice; save it to a file first)",
                         in);
    rrt_status st = prescan(in, err);
    if (st != RRT_OK)
        return st;
    tar_in t;
    st = open_input(&t, in, err);
    if (st != RRT_OK)
        return st;
    char prefix[PATH_MAX + 2];
    struct archive *disk = pack_open_disk(dir, prefix, sizeof(prefix), err);
    if (!disk) {
        close_input(&t);
        return err ? err->status : RRT_E_IO;
    }
    struct archive_entry *e;
    int r;
    while (st == RRT_OK &&
           (r = LA(archive_read_next_header)(t.a, &e)) != ARCHIVE_EOF) {
        if (r < ARCHIVE_WARN) {
            st = pack_fail(err, RRT_E_PARSE, 0, "%s: %s", in,
                           LA(archive_error_string)(t.a));
            break;
        }
        const char *name;
        bool is_dir;
        st = check_member(&t, e, &name, &is_dir);
        if (st == RRT_OK && strcmp(name, ".") != 0)
            st = extract_one(&t, disk, e, prefix, name, is_dir, rep);
    }
    LA(archive_write_close)(disk);
    LA(archive_write_free)(disk);
    close_input(&t);
    return st;
}

/* ------------------------------------------------------------------ */
/* Import                                                             */

typedef struct member_blob {
    rrt_blob_id id;
    uint64_t size;
} member_blob;

typedef struct imp_ctx {
    tar_in t;
    rrt_writer *w;
    pack_strmap members; /* member name -> index into blobs */
    member_blob *blobs;
    size_t nblobs, capblobs;
    char *json[4]; /* meta, cpuid, files, events */
    size_t json_len[4];
    const char *out;
    int quality; /* the writer's: what packed.quality must say */
    pack_import_report *rep;
    rrt_error *err;
} imp_ctx;

/* The writer refuses bad data naming OUT (or the member name it was
 * given), but the data came from IN: name IN and where in it instead.
 * Its own failures (a full disk) keep their message. */
static rrt_status blame_input(imp_ctx *c, const char *name, const char *where,
                              rrt_status st)
{
    if ((st != RRT_E_INVALID && st != RRT_E_LIMIT && st != RRT_E_HASH &&
         st != RRT_E_CORRUPT) ||
        !c->err)
        return st;
    const char *m = c->err->message;
    const char *pre[2] = {c->out, name};
    for (int i = 0; i < 2; i++) {
        size_t n = pre[i] ? strlen(pre[i]) : 0;
        if (n && strncmp(m, pre[i], n) == 0 && m[n] == ':' && m[n + 1] == ' ') {
            m += n + 2;
            break;
        }
    }
    char msg[sizeof(c->err->message)];
    snprintf(msg, sizeof(msg), "%s", m);
    return pack_fail(c->err, st, 0, "%s: %s: %s", c->t.src, where, msg);
}

static const char *const json_names[4] = {"meta.json", "cpuid.json",
                                          "files.json", "events.json"};

static rrt_status slurp(imp_ctx *c, int k, const char *name)
{
    if (c->json[k])
        return pack_fail(c->err, RRT_E_PARSE, 0, "%s: '%s' twice", c->t.src,
                         name);
    rrt_buf b;
    rrt_buf_init(&b);
    char buf[READ_BLOCK];
    for (;;) {
        ssize_t n = read_member(&c->t, buf, sizeof(buf));
        if (n < 0) {
            rrt_buf_free(&b);
            return read_fail(&c->t, name);
        }
        if (n == 0)
            break;
        if (b.len + (size_t)n > PACK_MAX_JSON) {
            rrt_buf_free(&b);
            return pack_fail(c->err, RRT_E_LIMIT, 0,
                             "%s: '%s' is larger than %zu bytes", c->t.src,
                             name, PACK_MAX_JSON);
        }
        rrt_buf_put(&b, buf, (size_t)n);
    }
    rrt_buf_put_u8(&b, 0);
    if (b.failed) {
        rrt_buf_free(&b);
        return pack_fail(c->err, RRT_E_NOMEM, 0, "out of memory");
    }
    c->json[k] = (char *)b.data;
    c->json_len[k] = b.len - 1;
    return RRT_OK;
}

static bool is_blob_name(const char *name, rrt_blob_id *id)
{
    return strncmp(name, "blobs/", 6) == 0 &&
           rrt_blob_id_from_hex(name + 6, id);
}

/* Adds a files/ or blobs/ member as a blob and remembers its id. */
static rrt_status add_member_blob(imp_ctx *c, const char *name)
{
    rrt_blob_id want, id;
    bool named = is_blob_name(name, &want);
    uint64_t size = 0;
    rrt_error werr;
    rrt_status st =
        rrt_writer_add_blob_reader(c->w, read_member, &c->t, name,
                                   named ? &want : NULL, &id, &size, &werr);
    /* The writer reports its own write errors (a full disk) as RRT_E_IO
     * too: blame the input only when reading it failed. */
    if (st != RRT_OK && c->t.read_failed)
        return read_fail(&c->t, name);
    if (st != RRT_OK) {
        if (c->err)
            *c->err = werr;
        char where[4200];
        snprintf(where, sizeof(where), "member '%s'", name);
        return blame_input(c, name, where, st);
    }
    member_blob *p =
        rrtx_grow(c->blobs, &c->capblobs, c->nblobs + 1, sizeof(*p));
    if (!p)
        return pack_fail(c->err, RRT_E_NOMEM, 0, "out of memory");
    c->blobs = p;
    c->blobs[c->nblobs] = (member_blob){id, size};
    if (!pack_strmap_put(&c->members, name, c->nblobs++))
        return pack_fail(c->err, RRT_E_NOMEM, 0, "out of memory");
    if (named)
        c->rep->blobs++;
    return RRT_OK;
}

static rrt_status read_members(imp_ctx *c)
{
    struct archive_entry *e;
    int r;
    rrt_status st = RRT_OK;
    while (st == RRT_OK &&
           (r = LA(archive_read_next_header)(c->t.a, &e)) != ARCHIVE_EOF) {
        if (r < ARCHIVE_WARN)
            return pack_fail(c->err, RRT_E_PARSE, 0, "%s: %s", c->t.src,
                             LA(archive_error_string)(c->t.a));
        const char *name;
        bool is_dir;
        size_t dummy;
        if ((st = check_member(&c->t, e, &name, &is_dir)) != RRT_OK || is_dir)
            continue;
        int k = 0;
        while (k < 4 && strcmp(name, json_names[k]) != 0)
            k++;
        if (k < 4)
            st = slurp(c, k, name);
        else if (pack_strmap_get(&c->members, name, &dummy))
            st = pack_fail(c->err, RRT_E_PARSE, 0, "%s: member '%s' twice",
                           c->t.src, name);
        else if (strncmp(name, "files/", 6) == 0 ||
                 strncmp(name, "blobs/", 6) == 0)
            st = add_member_blob(c, name);
        else
            st = pack_fail(c->err, RRT_E_PARSE, 0,
                           "%s: member '%s' is not part of an rrt export",
                           c->t.src, name);
    }
    return st;
}

/* ------------------------------------------------------------------ */
/* The JSON members, read with jansson (the input is hostile: no
 * hand-written parser). The export writes every byte outside printable
 * ASCII as \u00XX, so after decoding, code points up to U+00FF stand for
 * single bytes again; larger ones (only in hand-edited files) stay
 * UTF-8. */

static rrt_status json_fail(imp_ctx *c, int k, const char *what)
{
    return pack_fail(c->err, RRT_E_PARSE, 0, "%s: %s: %s", c->t.src,
                     json_names[k], what);
}

/* A JSON syntax error, with where jansson found it. */
static rrt_status json_syntax(imp_ctx *c, int k, const json_error_t *je)
{
    return pack_fail(c->err, RRT_E_PARSE, 0,
                     "%s: %s: malformed (line %d, column %d: %s)", c->t.src,
                     json_names[k], je->line, je->column, je->text);
}

/* The bytes that n bytes of decoded UTF-8 stand for (malloc'ed,
 * NUL-terminated; *len excludes the NUL). NULL when out of memory. */
static char *to_bytes(const char *utf8, size_t n, size_t *len)
{
    const unsigned char *s = (const unsigned char *)utf8;
    char *out = malloc(n + 1);
    size_t o = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        /* jansson hands out valid UTF-8: C2 and C3 lead U+0080..U+00FF. */
        if ((s[i] == 0xc2 || s[i] == 0xc3) && i + 1 < n) {
            out[o++] = (char)((s[i] & 0x1f) << 6 | (s[i + 1] & 0x3f));
            i++;
        } else {
            out[o++] = (char)s[i];
        }
    }
    out[o] = 0;
    *len = o;
    return out;
}

/* A string value as bytes; NULL if v is not a string, or when !nul_ok and
 * it holds a NUL byte (or memory runs out). */
static char *jbytes(const json_t *v, bool nul_ok, size_t *len)
{
    if (!json_is_string(v))
        return NULL;
    char *s = to_bytes(json_string_value(v), json_string_length(v), len);
    if (s && !nul_ok && strlen(s) != *len) {
        free(s);
        return NULL;
    }
    return s;
}

static char *jtext(const json_t *v)
{
    size_t n;
    return jbytes(v, false, &n);
}

/* A non-negative integer no larger than max. */
static bool ju64(const json_t *v, uint64_t max, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) > max)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static bool ju32(const json_t *v, uint32_t *out)
{
    uint64_t x = 0;
    bool ok = ju64(v, UINT32_MAX, &x);
    *out = (uint32_t)x;
    return ok;
}

/* Loads a whole member (meta.json, cpuid.json). */
static json_t *load_member(imp_ctx *c, int k, rrt_status *st)
{
    json_error_t je;
    json_t *root = json_loadb(c->json[k], c->json_len[k],
                              JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!root)
        *st = json_syntax(c, k, &je);
    return root;
}

/* Calls fn for each element of the array that is member k, parsing one
 * element at a time: files.json and events.json can be large, and a whole
 * document tree would take several times the text's size. */
typedef rrt_status (*element_fn)(imp_ctx *c, const json_t *v, size_t i);

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static rrt_status each_element(imp_ctx *c, int k, element_fn fn)
{
    const char *p = c->json[k], *end = p + c->json_len[k];
    p = skip_ws(p, end);
    if (p == end || *p != '[')
        return json_fail(c, k, "malformed (not an array)");
    p = skip_ws(p + 1, end);
    bool more = p < end && *p != ']';
    rrt_status st = RRT_OK;
    for (size_t i = 0; st == RRT_OK && more; i++) {
        json_error_t je;
        /* Elements are objects: jansson stops right after the '}'. */
        json_t *v = json_loadb(p, (size_t)(end - p),
                               JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &je);
        if (!v) {
            /* Report the line and column in the whole member. */
            const char *at = p + (je.position > 0 ? je.position : 0);
            je.line = 1;
            je.column = 1;
            for (const char *q = c->json[k]; q < at && q < end; q++) {
                je.line += *q == '\n';
                je.column = *q == '\n' ? 1 : je.column + 1;
            }
            return json_syntax(c, k, &je);
        }
        st = fn(c, v, i);
        json_decref(v);
        p = skip_ws(p + je.position, end);
        more = p < end && *p == ',';
        if (more)
            p = skip_ws(p + 1, end);
        else if (p == end || *p != ']')
            st = st != RRT_OK ? st
                              : json_fail(c, k,
                                          "malformed (',' or ']' expected "
                                          "between elements)");
    }
    if (st == RRT_OK && (p == end || *p != ']'))
        st = json_fail(c, k, "malformed (unterminated array)");
    if (st == RRT_OK && skip_ws(p + 1, end) != end)
        st = json_fail(c, k, "malformed (text after the array)");
    return st;
}

static rrt_status import_meta(imp_ctx *c)
{
    if (!c->json[0])
        return RRT_OK;
    rrt_status st = RRT_OK;
    json_t *root = load_member(c, 0, &st);
    if (!root)
        return st;
    if (!json_is_object(root))
        st = json_fail(c, 0, "malformed (not an object)");
    /* The blobs are compressed anew here: 'rrt pack -q' decides by this
     * key whether there is work to do, so it must tell the truth. */
    char q[16];
    snprintf(q, sizeof(q), "%d", c->quality);
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        if (st != RRT_OK)
            break;
        size_t kl;
        char *k = to_bytes(key, strlen(key), &kl), *v = jtext(val);
        if (!k || !v)
            st = json_fail(c, 0, "malformed (a value is not text)");
        else
            st = blame_input(
                c, NULL, json_names[0],
                rrt_writer_set_meta(
                    c->w, k, strcmp(k, "packed.quality") ? v : q, c->err));
        free(k);
        free(v);
    }
    json_decref(root);
    return st;
}

/* An array of at most 65536 records of `width` numbers each. */
static bool cpuid_records(const json_t *a, rrt_cpuid_record **out, size_t *n,
                          size_t width)
{
    if (!json_is_array(a) || json_array_size(a) > 65536)
        return false;
    size_t count = json_array_size(a);
    free(*out);
    *out = calloc(count ? count : 1, sizeof(**out));
    *n = 0;
    if (!*out)
        return false;
    for (size_t i = 0; i < count; i++) {
        const json_t *r = json_array_get(a, i);
        uint32_t f[7] = {0};
        if (!json_is_array(r) || json_array_size(r) != width)
            return false;
        for (size_t k = 0; k < width; k++)
            if (!ju32(json_array_get(r, k), &f[k]))
                return false;
        (*out)[(*n)++] =
            (rrt_cpuid_record){f[0], f[1], f[2], f[3], f[4], f[5], f[6]};
    }
    return true;
}

static bool copy_str(const json_t *v, char *dst, size_t cap)
{
    char *s = jtext(v);
    bool ok = s && strlen(s) < cap;
    if (ok)
        memcpy(dst, s, strlen(s) + 1);
    free(s);
    return ok;
}

/* The manifest's members; false on anything malformed. */
static bool cpuid_fields(const json_t *root, rrt_cpuid_manifest *m,
                         rrt_cpuid_record **queried, size_t *nq)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)root, k, v)
    {
        bool ok = true;
        if (!strcmp(k, "vendor"))
            ok = copy_str(v, m->vendor, sizeof(m->vendor));
        else if (!strcmp(k, "mask_name"))
            ok = copy_str(v, m->mask_name, sizeof(m->mask_name));
        else if (!strcmp(k, "flags"))
            ok = ju32(v, &m->flags);
        else if (!strcmp(k, "xcr0"))
            ok = ju64(v, UINT64_MAX, &m->xcr0);
        else if (!strcmp(k, "records"))
            ok = cpuid_records(v, &m->records, &m->n_records, 7);
        else if (!strcmp(k, "masks"))
            ok = cpuid_records(v, &m->masks, &m->n_masks, 7);
        else if (!strcmp(k, "queried"))
            ok = cpuid_records(v, queried, nq, 2);
        if (!ok)
            return false;
    }
    return true;
}

static rrt_status import_cpuid(imp_ctx *c)
{
    if (!c->json[1])
        return RRT_OK;
    rrt_status st = RRT_OK;
    json_t *root = load_member(c, 1, &st);
    if (!root)
        return st;
    if (json_is_null(root)) {
        json_decref(root);
        return RRT_OK;
    }
    rrt_cpuid_manifest m;
    memset(&m, 0, sizeof(m));
    rrt_cpuid_record *queried = NULL;
    size_t nq = 0;
    bool ok = json_is_object(root) && cpuid_fields(root, &m, &queried, &nq);
    json_decref(root);
    if (ok && nq) {
        m.queried = calloc(nq, sizeof(*m.queried));
        for (size_t i = 0; m.queried && i < nq; i++)
            m.queried[i] =
                (rrt_cpuid_leaf){queried[i].leaf, queried[i].subleaf};
        m.n_queried = m.queried ? nq : 0;
        ok = m.queried != NULL;
    }
    free(queried);
    if (!ok)
        st = json_fail(c, 1, "malformed");
    else
        st = blame_input(c, NULL, json_names[1],
                         rrt_writer_set_cpuid(c->w, &m, c->err));
    rrt_cpuid_manifest_clear(&m);
    return st;
}

/* One object of files.json into e (path malloc'ed) and its member name;
 * false when it is malformed. */
static bool parse_file(const json_t *o, rrt_file_entry *e, char **member)
{
    if (!json_is_object(o))
        return false;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        bool ok = true;
        if (!strcmp(k, "path")) {
            free(e->path);
            ok = (e->path = jtext(v)) != NULL;
        } else if (!strcmp(k, "member")) {
            free(*member);
            ok = (*member = jtext(v)) != NULL;
        } else if (!strcmp(k, "blob")) {
            char *h = jtext(v);
            ok = h && (!*h || rrt_blob_id_from_hex(h, &e->blob));
            free(h);
        } else if (!strcmp(k, "flags")) {
            ok = ju32(v, &e->flags);
        } else if (!strcmp(k, "mode")) {
            ok = ju32(v, &e->mode);
        } else if (!strcmp(k, "size")) {
            ok = ju64(v, UINT64_MAX, &e->size);
        } else if (!strcmp(k, "mtime_ns")) {
            ok = json_is_integer(v);
            e->mtime_ns = json_integer_value(v);
        } else if (!strcmp(k, "dev")) {
            ok = ju64(v, UINT64_MAX, &e->dev);
        } else if (!strcmp(k, "ino")) {
            ok = ju64(v, UINT64_MAX, &e->ino);
        }
        if (!ok)
            return false;
    }
    return true;
}

static rrt_status add_parsed_file(imp_ctx *c, rrt_file_entry *e,
                                  const char *member)
{
    if (!e->path)
        return json_fail(c, 2, "a file has no path");
    if (!(e->flags & RRT_FILE_EXTERNAL)) {
        size_t at;
        if (!member || !pack_strmap_get(&c->members, member, &at))
            return pack_fail(c->err, RRT_E_PARSE, 0,
                             "%s: files.json: %s: member '%s' missing",
                             c->t.src, e->path, member ? member : "");
        const member_blob *b = &c->blobs[at];
        if ((e->flags & RRT_FILE_HAS_BLOB) &&
            rrt_blob_id_cmp(&e->blob, &b->id) != 0)
            return pack_fail(c->err, RRT_E_HASH, 0,
                             "%s: %s: content does not match its id", c->t.src,
                             member);
        e->blob = b->id;
        e->size = b->size;
        e->flags |= RRT_FILE_HAS_BLOB;
    }
    c->rep->files++;
    return blame_input(c, NULL, json_names[2],
                       rrt_writer_add_file(c->w, e, c->err));
}

static rrt_status import_file(imp_ctx *c, const json_t *v, size_t i)
{
    (void)i;
    rrt_file_entry e;
    memset(&e, 0, sizeof(e));
    char *member = NULL;
    rrt_status st = parse_file(v, &e, &member) ? add_parsed_file(c, &e, member)
                                               : json_fail(c, 2, "malformed");
    free(member);
    rrt_file_entry_clear(&e);
    return st;
}

static rrt_status import_files(imp_ctx *c)
{
    if (!c->json[2])
        return json_fail(c, 2, "missing (not an rrt export?)");
    return each_element(c, 2, import_file);
}

static rrt_status import_event(imp_ctx *c, const json_t *o, size_t i)
{
    uint64_t seq = UINT64_MAX;
    uint32_t type = 0;
    const char *hex = json_string_value(json_object_get(o, "data"));
    size_t n = json_string_length(json_object_get(o, "data"));
    uint8_t *data = hex ? malloc(n / 2 + 1) : NULL;
    bool ok = json_is_object(o) &&
              ju64(json_object_get(o, "seq"), UINT64_MAX, &seq) && seq == i &&
              ju32(json_object_get(o, "type"), &type) && data &&
              rrtx_hex_decode(hex, n, data);
    rrt_status st =
        ok ? blame_input(c, NULL, json_names[3],
                         rrt_writer_add_event(c->w, type, data, n / 2, c->err))
           : json_fail(c, 3, "malformed event or events out of order");
    free(data);
    if (st == RRT_OK)
        c->rep->events++;
    return st;
}

static rrt_status import_events(imp_ctx *c)
{
    if (!c->json[3])
        return RRT_OK;
    return each_element(c, 3, import_event);
}

rrt_status pack_import(const char *in, const char *out,
                       const rrt_writer_options *wo, bool force,
                       pack_import_report *rep, rrt_error *err)
{
    pack_import_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof(*rep));
    struct stat sb;
    if (!force && lstat(out, &sb) == 0)
        return pack_fail(err, RRT_E_EXISTS, 0,
                         "%s: already exists (use --force to replace it)", out);
    rrt_writer_options defaults;
    rrt_writer_options_init(&defaults);
    imp_ctx c = {.out = out,
                 .quality = (wo ? wo : &defaults)->quality,
                 .rep = rep,
                 .err = err};
    pack_strmap_init(&c.members);
    rrt_status st = open_input(&c.t, in, err);
    if (st == RRT_OK)
        st = rrt_writer_create(out, wo, &c.w, err);
    if (st == RRT_OK)
        st = read_members(&c);
    if (st == RRT_OK)
        st = import_meta(&c);
    if (st == RRT_OK)
        st = import_cpuid(&c);
    if (st == RRT_OK)
        st = import_files(&c);
    if (st == RRT_OK)
        st = import_events(&c);
    if (st == RRT_OK)
        st = rrt_writer_finish(c.w, err);
    rrt_writer_free(c.w);
    close_input(&c.t);
    for (int k = 0; k < 4; k++)
        free(c.json[k]);
    free(c.blobs);
    pack_strmap_free(&c.members);
    return st;
}
