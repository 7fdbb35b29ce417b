/* Helpers shared by the fuzz harnesses and the seed generator: in-memory
 * archive files, a scratch directory, and section/index/footer builders that
 * give fuzzer-chosen payloads valid checksums. Header-only on purpose: each
 * harness is one translation unit plus the replay driver. */
#ifndef RRT_FUZZ_UTIL_H
#define RRT_FUZZ_UTIL_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rrti.h"
#include "rrti_xxhash.h"

/* Bounds that keep one fuzz iteration fast and its memory small. */
#define FZ_MAX_INPUT (1u << 20)
#define FZ_MAX_BLOB_READ (1u << 20)
#define FZ_MAX_STREAM (4u << 20)
#define FZ_MAX_EVENTS (1u << 18)

/* One memfd per process, rewritten for every input: no disk, no fd leak.
 * The library opens it again through /proc/self/fd/N, like a real path. */
__attribute__((unused)) static const char *fz_memfile(const uint8_t *data,
                                                      size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("rrt-fuzz", MFD_CLOEXEC);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0) {
        perror("ftruncate");
        abort();
    }
    size_t done = 0;
    while (done < size) {
        ssize_t k = pwrite(fd, data + done, size - done, (off_t)done);
        if (k <= 0) {
            perror("pwrite");
            abort();
        }
        done += (size_t)k;
    }
    return path;
}

static char fz_dir_path[64];

/* Removes the scratch files the harnesses create, then the directory. */
static void fz_dir_cleanup(void)
{
    static const char *const names[] = {"recovered.rrt", "again.rrt",
                                        "reference.rrt"};
    if (!fz_dir_path[0])
        return;
    char p[128];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", fz_dir_path, names[i]);
        unlink(p);
        snprintf(p, sizeof(p), "%s/%s.partial", fz_dir_path, names[i]);
        unlink(p);
    }
    rmdir(fz_dir_path);
}

__attribute__((unused)) static void fz_die(const char *what)
{
    fprintf(stderr, "fuzz invariant violated: %s\n", what);
    fz_dir_cleanup();
    abort();
}

/* A private scratch directory ($TMPDIR, else tmpfs when available) for
 * files the library must create by name, e.g. rrt_recover's output. */
__attribute__((unused)) static const char *fz_dir(void)
{
    if (fz_dir_path[0])
        return fz_dir_path;
    struct stat sb;
    const char *base = getenv("TMPDIR");
    if (!base || !*base || strlen(base) > 40)
        base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm"
                                                                 : "/tmp";
    snprintf(fz_dir_path, sizeof(fz_dir_path), "%s/rrt-fuzz-XXXXXX", base);
    if (!mkdtemp(fz_dir_path)) {
        perror("mkdtemp");
        abort();
    }
    atexit(fz_dir_cleanup);
    return fz_dir_path;
}

/* Writer options for scratch output: no fsync, no worker threads. */
__attribute__((unused)) static void fz_writer_options(rrt_writer_options *o)
{
    rrt_writer_options_init(o);
    o->no_sync = true;
    o->threads = 1;
}

__attribute__((unused)) static void fz_put_header(rrt_buf *b)
{
    rrt_buf_put(b, RRTX_ARCHIVE_MAGIC, RRTX_ARCHIVE_MAGIC_LEN);
    rrt_buf_put_u16(b, RRT_FORMAT_MAJOR);
    rrt_buf_put_u16(b, RRT_FORMAT_MINOR);
    rrt_buf_put_u32(b, 0);
}

/* Appends a complete section (header, payload, checksum); returns its
 * offset in b. */
__attribute__((unused)) static uint64_t
fz_put_section(rrt_buf *b, uint32_t type, uint32_t flags, const void *payload,
               size_t len)
{
    uint64_t at = b->len;
    uint8_t h[RRTI_SECTION_HEADER];
    rrti_put_u32(h, type);
    rrti_put_u32(h + 4, flags);
    rrti_put_u64(h + 8, len);
    rrt_buf_put(b, h, sizeof(h));
    rrt_buf_put(b, payload, len);
    rrt_buf_put_u64(b, rrti_section_checksum(h, payload, len));
    return at;
}

/* Appends an INDX section holding `payload` and a matching footer. */
__attribute__((unused)) static void
fz_put_index_footer(rrt_buf *b, const void *payload, size_t len)
{
    uint64_t at =
        fz_put_section(b, RRT_SEC_INDEX, RRT_SECF_REQUIRED, payload, len);
    uint8_t foot[RRTI_FOOTER_SIZE];
    rrti_encode_footer(foot, b->data, at, b->len - at);
    rrt_buf_put(b, foot, sizeof(foot));
}

/* Recomputes every section checksum reachable by walking the body from
 * offset 16, and the footer checksum, so mutated payloads get past the
 * framing. Returns true when it changed a byte. */
__attribute__((unused)) static bool fz_fix_checksums(uint8_t *p, size_t size)
{
    bool changed = false;
    uint64_t off = RRTI_HEADER_SIZE;
    while (off <= size && size - off >= RRTI_SECTION_OVERHEAD) {
        uint64_t len = rrti_get_u64(p + off + 8);
        if (len > size - off - RRTI_SECTION_OVERHEAD)
            break;
        uint8_t *sum = p + off + RRTI_SECTION_HEADER + len;
        uint64_t want = rrti_section_checksum(
            p + off, p + off + RRTI_SECTION_HEADER, (size_t)len);
        if (rrti_get_u64(sum) != want) {
            rrti_put_u64(sum, want);
            changed = true;
        }
        uint32_t type = rrti_get_u32(p + off);
        off += RRTI_SECTION_OVERHEAD + len;
        if (type == RRT_SEC_INDEX)
            break;
    }
    if (size >= RRTI_HEADER_SIZE + RRTI_FOOTER_SIZE) {
        uint8_t *f = p + size - RRTI_FOOTER_SIZE;
        uint64_t want = rrti_footer_checksum(p, f);
        if (rrti_get_u64(f + 16) != want) {
            rrti_put_u64(f + 16, want);
            changed = true;
        }
    }
    return changed;
}

/* ------------------------------------------------------------------ */
/* Reader exercise shared by the archive-level harnesses.             */

/* Records a failure unless it is one of the allowed statuses. */
static void fz_note(bool *ok, rrt_status st, rrt_status allowed)
{
    if (st != RRT_OK && st != allowed)
        *ok = false;
}

static void fz_check_blob(rrt_reader *r, size_t i, bool *ok)
{
    rrt_blob_id id;
    uint64_t size, size2 = 0;
    rrt_error err;
    rrt_reader_blob(r, i, &id, &size);
    if (rrt_reader_blob_size(r, &id, &size2, &err) != RRT_OK || size2 != size)
        fz_die("blob listed in the index is not found by id");

    uint8_t *data = NULL;
    size_t len = 0;
    rrt_status st =
        rrt_reader_read_blob(r, &id, FZ_MAX_BLOB_READ, &data, &len, &err);
    /* RRT_E_LIMIT is the caller's cap only when the blob is above it; the
     * library also uses it for corrupt sizes inside the file. */
    fz_note(ok, st, size > FZ_MAX_BLOB_READ ? RRT_E_LIMIT : RRT_OK);
    if (st == RRT_OK) {
        rrt_blob_id got;
        rrt_blob_id_of(data, len, &got);
        if (len != size || rrt_blob_id_cmp(&got, &id) != 0)
            fz_die("read_blob returned bytes that do not match the id");
    }

    /* pread at a few offsets; must agree with the whole read. */
    uint8_t buf[4096];
    uint64_t offs[4] = {0, size / 2, size ? size - 1 : 0, size};
    for (int k = 0; k < 4; k++) {
        size_t got = 0;
        st = rrt_reader_pread_blob(r, &id, offs[k], buf, sizeof(buf), &got,
                                   &err);
        fz_note(ok, st, RRT_OK);
        if (st != RRT_OK)
            continue;
        uint64_t want = offs[k] >= size ? 0 : size - offs[k];
        if (want > sizeof(buf))
            want = sizeof(buf);
        if (got != want)
            fz_die("pread_blob returned a wrong length");
        if (data && got && memcmp(buf, data + offs[k], got) != 0)
            fz_die("pread_blob disagrees with read_blob");
    }

    /* Stream, bounded. */
    rrt_blob_stream *s;
    st = rrt_blob_stream_open(r, &id, &s, &err);
    fz_note(ok, st, RRT_OK);
    if (st == RRT_OK) {
        uint64_t total = 0;
        size_t got;
        while (total < FZ_MAX_STREAM) {
            st = rrt_blob_stream_read(s, buf, sizeof(buf), &got, &err);
            if (st != RRT_OK || got == 0)
                break;
            if (data && total + got <= len &&
                memcmp(buf, data + total, got) != 0)
                fz_die("blob stream disagrees with read_blob");
            total += got;
        }
        fz_note(ok, st, RRT_OK);
        if (st == RRT_OK && got == 0 && total != size)
            fz_die("blob stream ended at the wrong size");
        rrt_blob_stream_close(s);
    }
    free(data);
}

static void fz_check_events(rrt_reader *r, uint64_t nevents, bool *ok)
{
    rrt_event_iter *it;
    rrt_error err;
    rrt_status st = rrt_event_iter_open(r, 0, &it, &err);
    fz_note(ok, st, RRT_OK);
    if (st != RRT_OK)
        return;
    uint64_t mid = nevents / 2, mid_hash = 0, n = 0;
    uint32_t mid_type = 0;
    bool have_mid = false;
    rrt_event ev;
    while (n < FZ_MAX_EVENTS &&
           (st = rrt_event_iter_next(it, &ev, &err)) == RRT_OK) {
        if (ev.seq != n)
            fz_die("event numbers are not consecutive");
        if (ev.len && !ev.data)
            fz_die("event without data");
        if (n == mid) {
            mid_hash = XXH3_64bits(ev.data, ev.len);
            mid_type = ev.type;
            have_mid = true;
        }
        n++;
    }
    rrt_event_iter_close(it);
    if (n >= FZ_MAX_EVENTS)
        return;
    if (st != RRT_END) {
        *ok = false;
        return;
    }
    if (n != nevents)
        fz_die("event stream ended before the indexed count");
    /* In a stream that reads cleanly, seeking must land on the same event.
     * (In a damaged one a seek reads only the batches it needs, so it may
     * meet other damage or none: batches are checked as they are read.) */
    if (!have_mid || mid == 0)
        return;
    st = rrt_event_iter_open(r, mid, &it, &err);
    if (st != RRT_OK)
        fz_die("seek fails on a stream that iterated to that point");
    st = rrt_event_iter_next(it, &ev, &err);
    if (st != RRT_OK || ev.seq != mid || ev.type != mid_type ||
        XXH3_64bits(ev.data, ev.len) != mid_hash)
        fz_die("seeking lands on a different event");
    rrt_event_iter_close(it);
}

static void fz_check_meta(rrt_reader *r, bool *ok)
{
    const rrt_meta_entry *m;
    size_t n;
    rrt_error err;
    rrt_status st = rrt_reader_meta(r, &m, &n, &err);
    fz_note(ok, st, RRT_OK);
    if (st != RRT_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(m[i - 1].key, m[i].key) >= 0)
            fz_die("merged metadata keys are not strictly increasing");
        if (rrt_reader_meta_get(r, m[i].key) != m[i].value)
            fz_die("meta_get disagrees with meta");
    }
}

static void fz_check_cpuid(rrt_reader *r, bool *ok)
{
    rrt_cpuid_manifest m;
    rrt_error err;
    rrt_status st = rrt_reader_cpuid(r, &m, &err);
    fz_note(ok, st, RRT_E_NOT_FOUND);
    if (st == RRT_OK) {
        uint32_t regs[4];
        static const uint32_t leaves[] = {0,   1,           7,
                                          0xd, 0x80000000u, 0x80000001u};
        for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
            rrt_cpuid_manifest_effective(&m, leaves[i], 0, regs);
    }
    rrt_cpuid_manifest_clear(&m);
}

static void fz_check_cpuid_sites(rrt_reader *r, bool *ok)
{
    rrt_cpuid_sites *t;
    rrt_error err;
    rrt_status st = rrt_reader_cpuid_sites(r, &t, &err);
    fz_note(ok, st, RRT_OK);
    if ((st == RRT_OK) != (t != NULL))
        fz_die("cpuid_sites returns a table exactly when it succeeds");
    for (size_t i = 0; i < rrt_cpuid_sites_count(t); i++) {
        rrt_blob_id key;
        uint64_t len;
        const uint64_t *off;
        size_t n;
        rrt_cpuid_sites_entry(t, i, &key, &len, &off, &n);
        if (!rrt_cpuid_sites_find(t, &key, NULL, NULL, NULL))
            fz_die("merged CPUID sites table misses one of its keys");
    }
    rrt_cpuid_sites_free(t);
}

/* Runs every reader entry point; returns false if any failed (a limit the
 * harness chose is not a failure). */
__attribute__((unused)) static bool fz_exercise(const char *path)
{
    rrt_reader *r;
    rrt_error err;
    if (rrt_reader_open(path, &r, &err) != RRT_OK)
        return false;
    bool ok = true;
    rrt_archive_info info;
    rrt_reader_info(r, &info);
    if (info.n_sections != rrt_reader_section_count(r) ||
        info.n_blobs != rrt_reader_blob_count(r) ||
        info.n_files != rrt_reader_file_count(r))
        fz_die("archive info disagrees with the counts");
    for (size_t i = 0; i < info.n_sections; i++) {
        rrt_section_info s;
        rrt_reader_section(r, i, &s);
        if (s.offset < RRTI_HEADER_SIZE || s.offset >= info.index_offset)
            fz_die("index section outside the body was accepted");
    }
    for (size_t i = 0; i < info.n_files; i++) {
        rrt_file_entry f;
        rrt_status st = rrt_reader_file(r, i, &f, &err);
        fz_note(&ok, st, RRT_OK);
        if (st == RRT_OK && i + 1 == info.n_files) {
            rrt_file_entry g;
            if (rrt_reader_find_file(r, f.path, &g, &err) != RRT_OK)
                fz_die("find_file misses the last file");
            rrt_file_entry_clear(&g);
        }
        rrt_file_entry_clear(&f);
    }
    size_t nb = info.n_blobs < 64 ? info.n_blobs : 64;
    for (size_t i = 0; i < nb; i++)
        fz_check_blob(r, i, &ok);
    fz_check_cpuid(r, &ok);
    fz_check_cpuid_sites(r, &ok);
    fz_check_meta(r, &ok);
    fz_check_events(r, info.n_events, &ok);
    rrt_reader_close(r);
    return ok;
}

__attribute__((unused)) static void fz_ignore_problem(void *ctx,
                                                      const char *message)
{
    (void)ctx;
    (void)message;
}

/* Verifies an archive the harness already read; verify passing means every
 * reader call must have succeeded. Returns verify's status. */
__attribute__((unused)) static rrt_status fz_verify_oracle(const char *path,
                                                           bool read_ok)
{
    rrt_verify_report rep;
    rrt_error err;
    rrt_status st =
        rrt_verify_archive(path, fz_ignore_problem, NULL, &rep, &err);
    if (st == RRT_OK && (rep.problems || !read_ok))
        fz_die("verify passes an archive the reader cannot read");
    if (st != RRT_OK && !rep.problems)
        fz_die("verify fails without reporting a problem");
    return st;
}

/* ------------------------------------------------------------------ */
/* A small archive using every section type (seeds, and the fixed body  */
/* fuzz_index wraps its index around).                                 */

static void fz_fill(uint8_t *p, size_t n, uint32_t seed, bool compressible)
{
    uint32_t x = seed;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = compressible ? (uint8_t)("rrt fuzz seed "[i % 14])
                            : (uint8_t)(x >> 24);
    }
}

__attribute__((unused)) static rrt_status
fz_build_reference(const char *path, bool finish, rrt_error *err)
{
    rrt_writer_options opt;
    fz_writer_options(&opt);
    opt.chunk_size = 4096;
    opt.event_batch = 64;
    opt.quality = 5;
    rrt_writer *w;
    rrt_status st = rrt_writer_create(path, &opt, &w, err);
    if (st != RRT_OK)
        return st;
    static uint8_t a[10000], b[5000];
    fz_fill(a, sizeof(a), 1, true);
    fz_fill(b, sizeof(b), 2, false);
    rrt_blob_id ida, idb, idc;
    rrt_file_entry fa = {.path = (char *)"/bin/a",
                         .flags = RRT_FILE_HAS_BLOB,
                         .mode = 0100755,
                         .size = sizeof(a),
                         .mtime_ns = 1};
    rrt_file_entry fb = {.path = (char *)"/etc/b",
                         .flags = RRT_FILE_HAS_BLOB,
                         .mode = 0100644,
                         .size = sizeof(b),
                         .mtime_ns = -2};
    rrt_file_entry fc = {.path = (char *)"/empty",
                         .flags = RRT_FILE_HAS_BLOB,
                         .mode = 0100600,
                         .size = 0};
    rrt_file_entry fx = {.path = (char *)"/usr/lib/libc.so.6",
                         .flags = RRT_FILE_EXTERNAL,
                         .mode = 0100755,
                         .size = 2000000,
                         .mtime_ns = 1700000000000000000,
                         .dev = 0x803,
                         .ino = 4242};
    if ((st = rrt_writer_set_meta(w, "tool", "make_seeds", err)) ||
        (st = rrt_writer_flush(w, err)) ||
        (st = rrt_writer_add_blob(w, a, sizeof(a), &ida, err)) ||
        (st = rrt_writer_add_blob(w, b, sizeof(b), &idb, err)) ||
        (st = rrt_writer_add_blob(w, "", 0, &idc, err)))
        goto out;
    fa.blob = ida;
    fb.blob = idb;
    fc.blob = idc;
    if ((st = rrt_writer_add_file(w, &fa, err)) ||
        (st = rrt_writer_add_file(w, &fb, err)) ||
        (st = rrt_writer_add_file(w, &fc, err)) ||
        (st = rrt_writer_add_file(w, &fx, err)))
        goto out;
    rrt_cpuid_record recs[3] = {
        {.leaf = 0,
         .eax = 0xd,
         .ebx = 0x756e6547,
         .ecx = 0x6c65746e,
         .edx = 0x49656e69},
        {.leaf = 1, .eax = 0x906ea, .ecx = 0x7ffafbff, .edx = 0xbfebfbff},
        {.leaf = 7,
         .subleaf = 0,
         .flags = RRT_CPUID_SUBLEAF_INDEXED,
         .ebx = 0x029c6fbf}};
    rrt_cpuid_mask mask = {
        .leaf = 1, .eax = ~0u, .ebx = ~0u, .ecx = ~0x10000000u, .edx = ~0u};
    rrt_cpuid_leaf q[2] = {{0, 0}, {1, 0}};
    rrt_cpuid_manifest m = {.vendor = "GenuineIntel",
                            .flags = RRT_CPUID_FAULTING_USED |
                                     RRT_CPUID_MASKED | RRT_CPUID_QUERIED_KNOWN,
                            .xcr0 = 0x7,
                            .mask_name = "x86-64-v2",
                            .n_records = 3,
                            .records = recs,
                            .n_masks = 1,
                            .masks = &mask,
                            .n_queried = 2,
                            .queried = q};
    if ((st = rrt_writer_set_cpuid(w, &m, err)))
        goto out;
    /* CPUID sites of two code regions (keys from fixed bytes): CPUIDs at
     * 5 and 17, and one with 0F A2 only inside an immediate. */
    static const uint8_t code[] = {0xb8, 0x0f, 0xa2, 0x00, 0x00, 0x0f, 0xa2,
                                   0x48, 0xb8, 0x0f, 0xa2, 0x0f, 0xa2, 0x0f,
                                   0xa2, 0x0f, 0xa2, 0x0f, 0xa2, 0xc3};
    static const uint64_t sites[] = {5, 17};
    rrt_blob_id k1, k2;
    rrt_blob_id_of(code, sizeof(code), &k1);
    rrt_blob_id_of(code, 6, &k2);
    if ((st =
             rrt_writer_add_cpuid_sites(w, &k1, sizeof(code), sites, 2, err)) ||
        (st = rrt_writer_add_cpuid_sites(w, &k2, 6, NULL, 0, err)))
        goto out;
    for (uint32_t i = 0; i < 24; i++) {
        uint8_t ev[40];
        fz_fill(ev, sizeof(ev), i, i % 3 == 0);
        if ((st = rrt_writer_add_event(w, i % 5, ev, (i * 7) % 41, err)))
            goto out;
    }
    if ((st = rrt_writer_set_meta(w, "argv", "/bin/a --fuzz", err)) ||
        (st = rrt_writer_set_meta(w, "cwd", "/tmp", err)) ||
        (st = rrt_writer_set_meta(w, "tool", "rrt record", err)))
        goto out;
    if (finish) {
        st = rrt_writer_finish(w, err);
    } else {
        st = rrt_writer_flush(w, err);
        if (st == RRT_OK) {
            rrt_writer_abandon(w);
            return RRT_OK;
        }
    }
out:
    rrt_writer_free(w);
    return st;
}

/* Reads a whole (small) file into a malloc'ed buffer. */
__attribute__((unused)) static uint8_t *fz_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0, k;
    do {
        if (n == cap) {
            cap = cap ? 2 * cap : 65536;
            uint8_t *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        k = fread(buf + n, 1, cap - n, f);
        n += k;
    } while (k);
    fclose(f);
    *len = n;
    return buf;
}

#endif
