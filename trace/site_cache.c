/* The per-user cache of CPUID sites (site_cache.h): one small file per code
 * region, named by its key, read and written relative to an open directory.
 *
 * One file per key rather than one file for all: a recorder stores an entry
 * with one rename and no lock, so concurrent recordings never lose each
 * other's entries or rewrite a shared file; a look-up reads only its own
 * few hundred bytes; a damaged entry costs only itself; eviction is
 * unlink. The price is a directory scan to enforce the size bound, done
 * when a handle stores its first entry and every 64th after that, so the
 * bound can be overrun by at most 64 entries per open handle in between.
 * Eviction removes the least recently used entries first (a hit sets the
 * file's mtime, if it is older than TOUCH_EVERY) until the entries fit.
 *
 * Entry file, all integers little-endian:
 *   0   8   magic "rrtsites"
 *   8   2   format version, 2 (1 had no disp bytes)
 *   10  2   sweep version (SWEEP_VERSION): what trace_cpuid_find computes;
 *           bumped when its results change, so old answers are not reused
 *   12  1   decoder: 1 zydis, 2 capstone (also in the file name: the two
 *           differ on some invalid encodings, and an entry is exactly what
 *           its decoder gave)
 *   13  3   reserved, 0
 *   16  16  key (XXH3-128 of the code, rrt_blob_id byte order)
 *   32  8   code length N
 *   40  8   site count n, with 9n = file size - 56 and n <= N / 2
 *   48  8n  site offsets, u64 each
 *   ..  n   each site's disp (trace_sites, trace_cpuid_disp_ok)
 *   ..  8   XXH3-64 of all the bytes before it
 * No fsync before the rename: after a power cut the file may be empty or
 * partial under its final name, and the checksum makes that a miss. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "site_cache.h"
#include "site_cache_priv.h"
#include "rrtx.h"

#define MAGIC "rrtsites"
#define FORMAT_VERSION 2
#define HEADER 48u
#define TRAILER 8u
#define CHECK_EVERY 64u
#define TMP_PREFIX ".tmp."
#define TMP_MAX_AGE 3600 /* seconds before a temporary file is litter */

void trace_site_cache_options_init(trace_site_cache_options *o)
{
    memset(o, 0, sizeof(*o));
    o->min_len = SIZE_MAX;
}

/* ------------------------------------------------------------------ */
/* Opening                                                            */

/* $RRT_CACHE_DIR, $XDG_CACHE_HOME/rrt or ~/.cache/rrt, plus
 * "/cpuid-sites"; NULL when there is no home. */
static char *default_dir(void)
{
    const char *root = getenv("RRT_CACHE_DIR"), *suffix = "";
    if (!root || !*root) {
        root = getenv("XDG_CACHE_HOME");
        suffix = "/rrt";
        /* The XDG spec says relative paths are to be ignored. */
        if (!root || root[0] != '/') {
            root = getenv("HOME");
            if (!root || root[0] != '/') {
                struct passwd *pw = getpwuid(geteuid());
                root = pw ? pw->pw_dir : NULL;
            }
            suffix = "/.cache/rrt";
        }
    }
    if (!root || !*root)
        return NULL;
    size_t n = strlen(root) + strlen(suffix) + sizeof("/cpuid-sites");
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s/cpuid-sites", root, suffix);
    return p;
}

/* mkdir -p, creating what is missing with mode 0700. */
static void make_dirs(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        mkdir(p, 0700);
        *s = '/';
    }
    mkdir(p, 0700);
    free(p);
}

/* Whoever can write the directory decides the sites we patch: it must be
 * ours alone (site_cache.h, "Trust"). */
static int open_dir(const char *path)
{
    make_dirs(path);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != geteuid() ||
        (sb.st_mode & 022) || faccessat(fd, ".", W_OK, AT_EACCESS) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

trace_site_cache *trace_site_cache_open(const trace_site_cache_options *o)
{
    trace_site_cache_options d;
    if (!o) {
        trace_site_cache_options_init(&d);
        o = &d;
    }
    trace_site_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->dfd = -1;
    c->max_bytes = o->max_bytes ? o->max_bytes : TRACE_SITE_CACHE_MAX_BYTES;
    c->min_len = o->min_len == SIZE_MAX ? TRACE_SITE_CACHE_MIN_LEN : o->min_len;
    c->decoder_name = trace_decoder_name(TRACE_DECODER_DEFAULT);
    c->decoder = strcmp(c->decoder_name, "zydis") == 0 ? 1 : 2;
    c->dir = o->dir ? strdup(o->dir) : default_dir();
    if (c->dir)
        c->dfd = open_dir(c->dir);
    if (c->dfd < 0) {
        free(c->dir);
        c->dir = NULL;
    }
    return c;
}

void trace_site_cache_close(trace_site_cache *c)
{
    if (!c)
        return;
    if (c->dfd >= 0)
        close(c->dfd);
    free(c->dir);
    free(c);
}

const char *trace_site_cache_dir(const trace_site_cache *c)
{
    return c ? c->dir : NULL;
}

void trace_site_cache_stats_get(const trace_site_cache *c,
                                trace_site_cache_stats *out)
{
    if (c)
        *out = c->stats;
    else
        memset(out, 0, sizeof(*out));
}

void trace_code_key(const uint8_t *code, size_t len, rrt_blob_id *key)
{
    rrt_blob_id_of(code, len, key);
}

/* ------------------------------------------------------------------ */
/* Entry files                                                        */

void trace_sc_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void trace_sc_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint16_t trace_sc_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

uint64_t trace_sc_get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* "<32 hex digits>.<decoder>2" (NAME_FORMAT) */
static void entry_name(const trace_site_cache *c, const rrt_blob_id *key,
                       char name[64])
{
    char hex[33];
    rrt_blob_id_to_hex(key, hex);
    snprintf(name, 64, "%s.%s" NAME_FORMAT, hex, c->decoder_name);
}

/* Largest file a region of len bytes can have: n <= len / 2, n <= 2^24. */
static uint64_t max_file(uint64_t len)
{
    uint64_t n = len / 2;
    if (n > RRT_CPUID_SITES_MAX_PER_REGION)
        n = RRT_CPUID_SITES_MAX_PER_REGION;
    return HEADER + 9 * n + TRAILER;
}

/* Decodes an entry file as hostile input. True when it is a well-formed
 * entry of this format, sweep and decoder for exactly (key, len) whose
 * sites hold 0F A2 in code; then *out holds its sites. */
static bool decode_entry(const trace_site_cache *c, const uint8_t *p,
                         size_t size, const rrt_blob_id *key,
                         const uint8_t *code, size_t len, trace_sites *out)
{
    static const uint8_t zero[3] = {0};
    if (size < HEADER + TRAILER || (size - HEADER - TRAILER) % 9 != 0)
        return false;
    uint64_t n = (size - HEADER - TRAILER) / 9;
    if (memcmp(p, MAGIC, 8) != 0 || trace_sc_get_u16(p + 8) != FORMAT_VERSION ||
        trace_sc_get_u16(p + 10) != SWEEP_VERSION || p[12] != c->decoder ||
        memcmp(p + 13, zero, 3) != 0 || memcmp(p + 16, key->bytes, 16) != 0 ||
        trace_sc_get_u64(p + 32) != len || trace_sc_get_u64(p + 40) != n ||
        n > len / 2)
        return false;
    if (trace_sc_get_u64(p + size - TRAILER) != XXH3_64bits(p, size - TRAILER))
        return false;
    uint64_t *off = malloc(n ? (size_t)n * sizeof(*off) : 1);
    if (!off)
        return false;
    const uint8_t *disp = p + HEADER + 8 * n;
    bool ok = true;
    for (uint64_t i = 0; i < n; i++) {
        off[i] = trace_sc_get_u64(p + HEADER + 8 * i);
        ok = ok && trace_cpuid_disp_ok(off[i], disp[i], len);
    }
    ok = ok && trace_sites_check(code, len, off, (size_t)n) &&
         trace_sites_set(out, off, disp, (size_t)n);
    free(off);
    return ok;
}

void trace_sc_touch(int fd, const struct stat *sb)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec - sb->st_mtim.tv_sec >= TOUCH_EVERY)
        futimens(fd, NULL);
}

bool trace_sc_read_all(int fd, uint8_t *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = pread(fd, p + done, n - done, (off_t)done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        done += (size_t)k;
    }
    return true;
}

/* Opens, checks and decodes the entry; -1 no entry, 0 refused, 1 hit. */
static int load(trace_site_cache *c, const char *name, const rrt_blob_id *key,
                const uint8_t *code, size_t len, trace_sites *out)
{
    int fd =
        openat(c->dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? -1 : 0;
    struct stat sb;
    int got = 0;
    uint8_t *p = NULL;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
        (sb.st_mode & 022) || (uint64_t)sb.st_size > max_file(len) ||
        (uint64_t)sb.st_size < HEADER + TRAILER)
        goto out;
    size_t size = (size_t)sb.st_size;
    p = malloc(size);
    if (!p || !trace_sc_read_all(fd, p, size))
        goto out;
    if (decode_entry(c, p, size, key, code, len, out)) {
        got = 1;
        trace_sc_touch(fd, &sb);
    }
out:
    free(p);
    close(fd);
    return got;
}

bool trace_sites_lookup_key(trace_site_cache *c, const rrt_blob_id *key,
                            const uint8_t *code, size_t len, trace_sites *out)
{
    out->n = 0;
    if (!c || c->dfd < 0 || len < c->min_len || len < 2)
        return false;
    char name[64];
    entry_name(c, key, name);
    int r = load(c, name, key, code, len, out);
    if (r == 1) {
        c->stats.hits++;
        return true;
    }
    c->stats.misses++;
    if (r == 0) {
        /* Damaged or not ours: drop it so that a good one replaces it. */
        c->stats.rejected++;
        unlinkat(c->dfd, name, 0);
    }
    return false;
}

bool trace_sites_lookup(trace_site_cache *c, const uint8_t *code, size_t len,
                        rrt_blob_id *key, trace_sites *out)
{
    rrt_blob_id k;
    trace_code_key(code, len, &k);
    if (key)
        *key = k;
    return trace_sites_lookup_key(c, &k, code, len, out);
}

/* ------------------------------------------------------------------ */
/* Storing and eviction                                               */

bool trace_sc_write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

/* A temporary file in the cache directory, O_EXCL under a fresh name. */
int trace_sc_make_temp(trace_site_cache *c, char name[64])
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    for (int tries = 0; tries < 16; tries++) {
        snprintf(name, 64, TMP_PREFIX "%d.%u.%lx", (int)getpid(),
                 c->tmp_counter++, (unsigned long)(ts.tv_nsec + tries));
        int fd =
            openat(c->dfd, name,
                   O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

typedef struct entry_stat {
    struct timespec mtime;
    uint64_t bytes;
    char name[64];
} entry_stat;

static int older_first(const void *a, const void *b)
{
    const entry_stat *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* An entry's name: 32 hex digits, a dot, a decoder name; a file identity
 * index entry (site_index.c) has an "i" before the digits. */
static bool is_entry_name(const char *s)
{
    if (s[0] == 'i')
        s++;
    for (int i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    static const char *const suffix[] = {
        "zydis", "capstone", "zydis" NAME_FORMAT, "capstone" NAME_FORMAT};
    if (s[32] != '.')
        return false;
    for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++)
        if (strcmp(s + 33, suffix[i]) == 0)
            return true;
    return false;
}

/* Removes litter (temporary files of killed writers) and, while the
 * entries take more than max_bytes, the least recently used ones. Files
 * that are neither are left alone and not counted. */
static void evict(trace_site_cache *c)
{
    int fd = dup(c->dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    rewinddir(d);
    entry_stat *v = NULL;
    size_t n = 0, cap = 0;
    uint64_t total = 0;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d))) {
        bool tmp = strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0;
        if (!tmp && !is_entry_name(e->d_name))
            continue;
        struct stat sb;
        if (fstatat(c->dfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(sb.st_mode))
            continue;
        if (tmp) {
            if (now - sb.st_mtim.tv_sec > TMP_MAX_AGE)
                unlinkat(c->dfd, e->d_name, 0);
            continue;
        }
        entry_stat *nv = rrtx_grow(v, &cap, n + 1, sizeof(*nv));
        if (!nv)
            break;
        v = nv;
        uint64_t blocks = (uint64_t)sb.st_blocks * 512;
        v[n].mtime = sb.st_mtim;
        v[n].bytes =
            blocks > (uint64_t)sb.st_size ? blocks : (uint64_t)sb.st_size;
        /* is_entry_name bounds the length: at most 1 + 32 + 1 + 9. */
        memcpy(v[n].name, e->d_name, strlen(e->d_name) + 1);
        total += v[n].bytes;
        n++;
    }
    closedir(d);
    if (total > c->max_bytes && n) {
        qsort(v, n, sizeof(*v), older_first);
        for (size_t i = 0; i < n && total > c->max_bytes; i++) {
            if (unlinkat(c->dfd, v[i].name, 0) == 0)
                c->stats.evicted++;
            total -= v[i].bytes;
        }
    }
    free(v);
}

bool trace_sites_store(trace_site_cache *c, const rrt_blob_id *key, size_t len,
                       const trace_sites *s)
{
    if (!c || c->dfd < 0 || len < c->min_len || len < 2 ||
        s->n > RRT_CPUID_SITES_MAX_PER_REGION || s->n > len / 2)
        return false;
    size_t size = HEADER + 9 * s->n + TRAILER;
    uint8_t *p = calloc(1, size);
    if (!p)
        return false;
    memcpy(p, MAGIC, 8);
    trace_sc_put_u16(p + 8, FORMAT_VERSION);
    trace_sc_put_u16(p + 10, SWEEP_VERSION);
    p[12] = c->decoder;
    memcpy(p + 16, key->bytes, 16);
    trace_sc_put_u64(p + 32, len);
    trace_sc_put_u64(p + 40, s->n);
    for (size_t i = 0; i < s->n; i++) {
        trace_sc_put_u64(p + HEADER + 8 * i, s->off[i]);
        p[HEADER + 8 * s->n + i] = s->disp[i];
    }
    trace_sc_put_u64(p + size - TRAILER, XXH3_64bits(p, size - TRAILER));
    char name[64];
    entry_name(c, key, name);
    bool ok = trace_sc_publish(c, name, p, size);
    free(p);
    return ok;
}

bool trace_sc_publish(trace_site_cache *c, const char *name, const uint8_t *p,
                      size_t size)
{
    char tmp[64];
    int fd = trace_sc_make_temp(c, tmp);
    bool ok = fd >= 0 && trace_sc_write_all(fd, p, size);
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    /* The rename makes the whole entry appear at once, or not at all. */
    if (ok)
        ok = renameat(c->dfd, tmp, c->dfd, name) == 0;
    if (!ok && fd >= 0)
        unlinkat(c->dfd, tmp, 0);
    if (!ok)
        return false;
    c->stats.stores++;
    if (c->stores++ % CHECK_EVERY == 0)
        evict(c);
    return true;
}

/* ------------------------------------------------------------------ */
/* The engines' entry point                                           */

trace_sites_how trace_sites_for(const rrt_cpuid_sites *table,
                                trace_site_cache *c, const uint8_t *code,
                                size_t len, rrt_blob_id *key, trace_sites *out)
{
    out->n = 0;
    if (len < 2 || !memmem(code, len, "\x0f\xa2", 2))
        return TRACE_SITES_NONE;
    rrt_blob_id k;
    trace_code_key(code, len, &k);
    if (key)
        *key = k;
    uint64_t tlen;
    const uint64_t *toff;
    size_t tn;
    if (table && rrt_cpuid_sites_find(table, &k, &tlen, &toff, &tn) &&
        tlen == len && trace_sites_check(code, len, toff, tn))
        return trace_sites_set(out, toff, NULL, tn) ? TRACE_SITES_TABLE
                                                    : TRACE_SITES_FAILED;
    if (trace_sites_lookup_key(c, &k, code, len, out))
        return TRACE_SITES_CACHED;
    if (trace_cpuid_find(code, len, out) < 0)
        return TRACE_SITES_FAILED;
    trace_sites_store(c, &k, len, out);
    return TRACE_SITES_DECODED;
}
