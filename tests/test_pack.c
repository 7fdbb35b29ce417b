/* Tests of the pack module's library part: pack_archive (embedding, dedup,
 * changed files, blob store, idempotence, I/O faults at every write, fsync
 * and rename) and pack_export/pack_import round trips.
 * `test_pack --make-sample OUT.rrt` writes the rich sample archive that
 * tests/cli_pack.sh uses for its `rrt dump --json` round trip. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "pack.h"

static char tmpdir[256];

static void path_in(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)len + 1);
    assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return p;
}

static bool exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

/* Deterministic, mildly compressible content. */
static void make_content(uint8_t *p, size_t n, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)((x >> 16) % 16 + 'a');
    }
}

static void add_external(rrt_writer *w, const char *path, bool with_id)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    rrt_file_entry e = {0};
    e.path = (char *)path;
    e.flags = RRT_FILE_EXTERNAL;
    e.mode = sb.st_mode;
    e.size = (uint64_t)sb.st_size;
    e.mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    e.dev = (uint64_t)sb.st_dev;
    e.ino = (uint64_t)sb.st_ino;
    if (with_id) {
        size_t n;
        uint8_t *p = read_all(path, &n);
        rrt_blob_id_of(p, n, &e.blob);
        free(p);
        e.flags |= RRT_FILE_HAS_BLOB;
    }
    assert_int_equal(rrt_writer_add_file(w, &e, NULL), RRT_OK);
}

static rrt_writer *new_writer(const char *path)
{
    rrt_writer_options wo;
    rrt_writer_options_init(&wo);
    wo.no_sync = true;
    wo.threads = 1;
    rrt_writer *w;
    unlink(path);
    assert_int_equal(rrt_writer_create(path, &wo, &w, NULL), RRT_OK);
    return w;
}

static void add_cpuid_and_events(rrt_writer *w)
{
    rrt_cpuid_record rec[2] = {
        {0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69},
        {7, 0, RRT_CPUID_SUBLEAF_INDEXED, 1, 2, 3, 4}};
    rrt_cpuid_leaf q[1] = {{7, 0}};
    rrt_cpuid_manifest m = {0};
    memcpy(m.vendor, "GenuineIntel", 13);
    m.flags = RRT_CPUID_QUERIED_KNOWN;
    m.xcr0 = 7;
    snprintf(m.mask_name, sizeof(m.mask_name), "x86-64-v2");
    m.n_records = 2;
    m.records = rec;
    m.n_queried = 1;
    m.queried = q;
    assert_int_equal(rrt_writer_set_cpuid(w, &m, NULL), RRT_OK);
    for (uint32_t i = 0; i < 300; i++) {
        uint8_t ev[40];
        make_content(ev, sizeof(ev), i);
        assert_int_equal(rrt_writer_add_event(w, i % 7, ev, i % 40, NULL),
                         RRT_OK);
    }
    assert_int_equal(rrt_writer_set_meta(w, "argv", "prog\x01 \xff\"q\"", NULL),
                     RRT_OK);
    assert_int_equal(rrt_writer_set_meta(w, "cwd", "/tmp", NULL), RRT_OK);
}

/* Files a..d: b is a copy of a (same content, two paths), d is 3 MiB so
 * it spans chunks. */
static void make_files(void)
{
    static uint8_t big[3 << 20];
    char p[512];
    make_content(big, sizeof(big), 1);
    path_in(p, sizeof(p), "a");
    write_file(p, big, 1000);
    path_in(p, sizeof(p), "b");
    write_file(p, big, 1000);
    path_in(p, sizeof(p), "c");
    write_file(p, "hello\n", 6);
    path_in(p, sizeof(p), "d");
    write_file(p, big, sizeof(big));
}

/* External archive over a..d, `a` listed twice, `c` with its content id. */
static void make_external(const char *out)
{
    char p[512];
    rrt_writer *w = new_writer(out);
    add_cpuid_and_events(w);
    const char *names[] = {"a", "b", "a", "c", "d"};
    for (size_t i = 0; i < 5; i++) {
        path_in(p, sizeof(p), names[i]);
        add_external(w, p, !strcmp(names[i], "c"));
    }
    assert_int_equal(rrt_writer_finish(w, NULL), RRT_OK);
    rrt_writer_free(w);
}

static void check_embedded_matches(const char *archive)
{
    rrt_reader *r;
    assert_int_equal(rrt_reader_open(archive, &r, NULL), RRT_OK);
    rrt_archive_info in;
    rrt_reader_info(r, &in);
    assert_int_equal(in.n_files, 5);
    assert_int_equal(in.n_blobs, 3); /* a=b, c, d */
    assert_int_equal(in.n_events, 300);
    for (size_t i = 0; i < in.n_files; i++) {
        rrt_file_entry e;
        assert_int_equal(rrt_reader_file(r, i, &e, NULL), RRT_OK);
        assert_int_equal(e.flags, RRT_FILE_HAS_BLOB);
        assert_true(e.dev == 0 && e.ino == 0);
        size_t n, m;
        uint8_t *want = read_all(e.path, &n), *got = NULL;
        assert_non_null(want);
        assert_int_equal(
            rrt_reader_read_blob(r, &e.blob, 1u << 30, &got, &m, NULL), RRT_OK);
        assert_int_equal(n, m);
        assert_memory_equal(want, got, n);
        free(want);
        free(got);
        rrt_file_entry_clear(&e);
    }
    assert_non_null(rrt_reader_meta_get(r, "packed"));
    assert_string_equal(rrt_reader_meta_get(r, "cwd"), "/tmp");
    rrt_reader_close(r);
}

static void pack_opts(pack_options *o)
{
    pack_options_init(o);
    o->no_sync = true;
    o->threads = 2;
}

static void test_pack_embeds_every_external_file_once(void **state)
{
    (void)state;
    char in[512], out[512];
    make_files();
    path_in(in, sizeof(in), "ext.rrt");
    path_in(out, sizeof(out), "packed.rrt");
    make_external(in);
    unlink(out);
    pack_options o;
    pack_opts(&o);
    o.output = out;
    pack_report rep;
    rrt_error err;
    assert_int_equal(pack_archive(in, &o, &rep, &err), RRT_OK);
    assert_int_equal(rep.embedded, 3);
    assert_int_equal(rep.deduplicated, 2);
    check_embedded_matches(out);
}

static uint32_t header_flags_of(const char *path)
{
    rrt_reader *r;
    assert_int_equal(rrt_reader_open(path, &r, NULL), RRT_OK);
    rrt_archive_info info;
    rrt_reader_info(r, &info);
    rrt_reader_close(r);
    return info.header_flags;
}

static void test_pack_in_place_then_again_changes_nothing(void **state)
{
    (void)state;
    char in[512];
    path_in(in, sizeof(in), "inplace.rrt");
    make_external(in);
    pack_options o;
    pack_opts(&o);
    pack_report rep;
    assert_int_equal(pack_archive(in, &o, &rep, NULL), RRT_OK);
    assert_false(rep.unchanged);
    check_embedded_matches(in);
    struct stat before, after;
    assert_int_equal(stat(in, &before), 0);
    assert_int_equal(pack_archive(in, &o, &rep, NULL), RRT_OK);
    assert_true(rep.unchanged);
    assert_int_equal(stat(in, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);
    assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
    /* A different quality is a reason to rewrite. */
    o.quality = 1;
    assert_int_equal(pack_archive(in, &o, &rep, NULL), RRT_OK);
    assert_false(rep.unchanged);
    o.quality = 1;
    assert_int_equal(pack_archive(in, &o, &rep, NULL), RRT_OK);
    assert_true(rep.unchanged);
    /* So is dropping the x86 filter, and then asking for it back. */
    o.quality = -1;
    o.no_filter = true;
    assert_int_equal(pack_archive(in, &o, &rep, NULL), RRT_OK);
    assert_false(rep.unchanged);
    assert_int_equal(header_flags_of(in) & RRT_HFLAG_X86_FILTER, 0);
    assert_int_equal(pack_archive(in, &o, &rep, NULL), RRT_OK);
    assert_true(rep.unchanged);
    o.no_filter = false;
    assert_int_equal(pack_archive(in, &o, &rep, NULL), RRT_OK);
    assert_true(rep.unchanged); /* no -q: an unfiltered archive is packed */
    o.quality = 1;
    assert_int_equal(pack_archive(in, &o, &rep, NULL), RRT_OK);
    assert_false(rep.unchanged);
    assert_int_equal(header_flags_of(in) & RRT_HFLAG_X86_FILTER,
                     RRT_HFLAG_X86_FILTER);
    check_embedded_matches(in);
}

/* A recording never packed holds the recorder's light compression: pack
 * rewrites it even when every file is already embedded. */
static void test_pack_recompresses_a_recording_never_packed(void **state)
{
    (void)state;
    char in[512];
    path_in(in, sizeof(in), "unpacked.rrt");
    rrt_writer *w = new_writer(in);
    add_cpuid_and_events(w);
    assert_int_equal(rrt_writer_finish(w, NULL), RRT_OK);
    rrt_writer_free(w);
    pack_options o;
    pack_opts(&o);
    pack_report rep;
    assert_int_equal(pack_archive(in, &o, &rep, NULL), RRT_OK);
    assert_false(rep.unchanged);
    rrt_reader *r;
    assert_int_equal(rrt_reader_open(in, &r, NULL), RRT_OK);
    assert_non_null(rrt_reader_meta_get(r, "packed.quality"));
    rrt_reader_close(r);
    assert_int_equal(pack_archive(in, &o, &rep, NULL), RRT_OK);
    assert_true(rep.unchanged);
}

static void test_pack_refuses_changed_file_and_keeps_input(void **state)
{
    (void)state;
    char in[512], out[512], c[512], part[600];
    path_in(in, sizeof(in), "changed.rrt");
    path_in(out, sizeof(out), "changed-out.rrt");
    path_in(c, sizeof(c), "c");
    make_external(in);
    write_file(c, "HELLO\n", 6); /* same size, new content and mtime */
    size_t n0, n1;
    uint8_t *before = read_all(in, &n0);
    pack_options o;
    pack_opts(&o);
    rrt_error err;
    assert_int_equal(pack_archive(in, &o, NULL, &err), RRT_E_CHANGED);
    assert_non_null(strstr(err.message, c));
    o.output = out;
    assert_int_equal(pack_archive(in, &o, NULL, &err), RRT_E_CHANGED);
    uint8_t *after = read_all(in, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    snprintf(part, sizeof(part), "%s.partial", out);
    assert_false(exists(out));
    assert_false(exists(part));
    /* --allow-changed embeds the file as it is now. */
    o.allow_changed = true;
    pack_report rep;
    assert_int_equal(pack_archive(in, &o, &rep, &err), RRT_OK);
    assert_int_equal(rep.changed, 1);
    free(before);
    free(after);
    write_file(c, "hello\n", 6);
}

static void test_pack_missing_file_is_named(void **state)
{
    (void)state;
    char in[512], gone[512];
    path_in(in, sizeof(in), "missing.rrt");
    path_in(gone, sizeof(gone), "gone");
    write_file(gone, "bye\n", 4);
    rrt_writer *w = new_writer(in);
    add_external(w, gone, false);
    assert_int_equal(rrt_writer_finish(w, NULL), RRT_OK);
    rrt_writer_free(w);
    unlink(gone);
    pack_options o;
    pack_opts(&o);
    o.allow_changed = true;
    rrt_error err;
    assert_int_equal(pack_archive(in, &o, NULL, &err), RRT_E_NOT_FOUND);
    assert_non_null(strstr(err.message, gone));
}

static void test_pack_fifo_in_place_of_file_fails_fast(void **state)
{
    (void)state;
    char in[512], fifo[512];
    path_in(in, sizeof(in), "fifo.rrt");
    path_in(fifo, sizeof(fifo), "fifo");
    unlink(fifo);
    write_file(fifo, "data\n", 5);
    rrt_writer *w = new_writer(in);
    add_external(w, fifo, false);
    assert_int_equal(rrt_writer_finish(w, NULL), RRT_OK);
    rrt_writer_free(w);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0644), 0);
    pack_options o;
    pack_opts(&o);
    o.allow_changed = true;
    rrt_error err;
    alarm(20); /* a blocking open of the FIFO would hang here: die instead */
    assert_int_equal(pack_archive(in, &o, NULL, &err), RRT_E_CHANGED);
    alarm(0);
    assert_non_null(strstr(err.message, fifo));
    unlink(fifo);
}

/* An already packed archive is copied, not rewritten, to a new name; the
 * copy must work onto another file system too (copy_file_range: EXDEV). */
static void test_pack_copy_to_another_file_system(void **state)
{
    (void)state;
    char in[512], out[600];
    struct stat a, b;
    path_in(in, sizeof(in), "xdev.rrt");
    snprintf(out, sizeof(out), "/dev/shm/rrt-test-pack-xdev-%d.rrt",
             (int)getpid());
    if (stat("/dev/shm", &b) != 0 || stat(tmpdir, &a) != 0 ||
        a.st_dev == b.st_dev || access("/dev/shm", W_OK) != 0) {
        print_message("skipped: no writable /dev/shm on another device\n");
        skip();
    }
    make_files();
    make_external(in);
    pack_options o;
    pack_opts(&o);
    pack_report rep;
    assert_int_equal(pack_archive(in, &o, &rep, NULL), RRT_OK);
    o.output = out;
    unlink(out);
    rrt_error err;
    rrt_status st = pack_archive(in, &o, &rep, &err);
    if (st != RRT_OK)
        fail_msg("%s", err.message);
    assert_true(rep.copied);
    size_t n0, n1;
    uint8_t *x = read_all(in, &n0), *y = read_all(out, &n1);
    assert_non_null(y);
    assert_int_equal(n0, n1);
    assert_memory_equal(x, y, n0);
    free(x);
    free(y);
    unlink(out);
}

static size_t count_store_files(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "find '%s' -type f ! -name '.tmp-*' | wc -l",
             dir);
    FILE *f = popen(cmd, "r");
    size_t n = 0;
    assert_int_equal(fscanf(f, "%zu", &n), 1);
    pclose(f);
    return n;
}

static void test_blob_store_holds_each_content_once(void **state)
{
    (void)state;
    char in1[512], in2[512], store[512], cmd[600];
    path_in(in1, sizeof(in1), "s1.rrt");
    path_in(in2, sizeof(in2), "s2.rrt");
    path_in(store, sizeof(store), "store");
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", store);
    assert_int_equal(system(cmd), 0);
    make_external(in1);
    make_external(in2);
    pack_options o;
    pack_opts(&o);
    o.blob_store = store;
    pack_report rep;
    assert_int_equal(pack_archive(in1, &o, &rep, NULL), RRT_OK);
    assert_int_equal(rep.stored, 3);
    assert_int_equal(pack_archive(in2, &o, &rep, NULL), RRT_OK);
    assert_int_equal(rep.stored, 0);
    assert_int_equal(count_store_files(store), 3);
    check_embedded_matches(in2);
    /* A damaged store file is not used: c's original is read instead. */
    char c[512], sp[700], hex[33];
    path_in(c, sizeof(c), "c");
    size_t n;
    uint8_t *p = read_all(c, &n);
    rrt_blob_id id;
    rrt_blob_id_of(p, n, &id);
    free(p);
    rrt_blob_id_to_hex(&id, hex);
    snprintf(sp, sizeof(sp), "%s/%.2s/%s", store, hex, hex + 2);
    assert_true(exists(sp));
    chmod(sp, 0644);
    write_file(sp, "HELLO\n", 6);
    make_external(in2);
    assert_int_equal(pack_archive(in2, &o, &rep, NULL), RRT_OK);
    assert_int_equal(rep.from_store, 0);
    check_embedded_matches(in2);
}

/* ------------------------------------------------------------------ */
/* Fault injection: fail the Nth write, any fsync, the rename          */

typedef struct faults {
    int write_left; /* fail when it reaches 0; <0 never */
    bool fail_fsync;
    bool fail_rename;
    bool fired;
} faults;

static ssize_t f_write(void *ctx, int fd, const void *buf, size_t n)
{
    faults *f = ctx;
    if (f->write_left >= 0 && f->write_left-- == 0) {
        f->fired = true;
        errno = ENOSPC;
        return -1;
    }
    return write(fd, buf, n);
}

static int f_fsync(void *ctx, int fd)
{
    faults *f = ctx;
    if (f->fail_fsync) {
        f->fired = true;
        errno = EIO;
        return -1;
    }
    return fsync(fd);
}

static int f_rename(void *ctx, const char *from, const char *to)
{
    faults *f = ctx;
    if (f->fail_rename) {
        f->fired = true;
        errno = EXDEV;
        return -1;
    }
    return rename(from, to);
}

static void run_fault(const char *in, const char *out, faults *f,
                      const uint8_t *orig, size_t orig_n)
{
    rrt_io_hooks io = {f_write, f_fsync, f_rename, f};
    pack_options o;
    pack_opts(&o);
    o.no_sync = false;
    o.output = out;
    o.io = &io;
    rrt_status st = pack_archive(in, &o, NULL, NULL);
    size_t n;
    uint8_t *now = read_all(in, &n);
    char part[600];
    snprintf(part, sizeof(part), "%s.partial", out ? out : in);
    assert_false(exists(part));
    if (f->fired) {
        assert_int_not_equal(st, RRT_OK);
        assert_int_equal(n, orig_n);
        assert_memory_equal(now, orig, n);
        if (out)
            assert_false(exists(out));
    } else {
        assert_int_equal(st, RRT_OK);
    }
    free(now);
}

static void test_pack_io_faults_never_lose_input(void **state)
{
    (void)state;
    char in[512], out[512], work[512];
    path_in(in, sizeof(in), "fault.rrt");
    path_in(out, sizeof(out), "fault-out.rrt");
    path_in(work, sizeof(work), "fault-work.rrt");
    make_external(in);
    size_t n;
    uint8_t *orig = read_all(in, &n);
    for (int k = 0;; k++) { /* every write, to a new name */
        unlink(out);
        faults f = {.write_left = k};
        run_fault(in, out, &f, orig, n);
        if (!f.fired)
            break;
    }
    for (int k = 0;; k += 3) { /* in place: the input is the final name */
        write_file(work, orig, n);
        faults f = {.write_left = k};
        run_fault(work, NULL, &f, orig, n);
        if (!f.fired)
            break;
    }
    for (int which = 0; which < 2; which++) {
        write_file(work, orig, n);
        faults f = {.write_left = -1,
                    .fail_fsync = which == 0,
                    .fail_rename = which == 1};
        run_fault(work, NULL, &f, orig, n);
        assert_true(f.fired);
        unlink(out);
        run_fault(in, out, &f, orig, n);
    }
    free(orig);
}

/* ------------------------------------------------------------------ */
/* Export / import                                                    */

/* Embedded files (one path twice with different contents), an external
 * entry, an orphan blob, a manifest, metadata and events. */
static void make_sample(const char *out)
{
    rrt_writer *w = new_writer(out);
    add_cpuid_and_events(w);
    rrt_file_entry e = {0};
    static const char *paths[] = {"/usr/lib/libx.so", "../../etc/passwd",
                                  "/usr/lib/libx.so", "rel/a b\xc3\xa9"};
    for (unsigned i = 0; i < 4; i++) {
        uint8_t buf[5000];
        make_content(buf, sizeof(buf), i + 10);
        assert_int_equal(rrt_writer_add_blob(w, buf, 1000 + i, &e.blob, NULL),
                         RRT_OK);
        e.path = (char *)paths[i];
        e.flags = RRT_FILE_HAS_BLOB;
        e.mode = 0100755 | (i == 1 ? 04000 : 0);
        e.size = 1000 + i;
        e.mtime_ns = 1700000000123456789 + i;
        assert_int_equal(rrt_writer_add_file(w, &e, NULL), RRT_OK);
    }
    e.path = "/opt/external.bin";
    e.flags = RRT_FILE_EXTERNAL;
    memset(&e.blob, 0, sizeof(e.blob));
    e.dev = 2049;
    e.ino = 77;
    assert_int_equal(rrt_writer_add_file(w, &e, NULL), RRT_OK);
    rrt_blob_id orphan;
    assert_int_equal(rrt_writer_add_blob(w, "orphan", 6, &orphan, NULL),
                     RRT_OK);
    assert_int_equal(rrt_writer_finish(w, NULL), RRT_OK);
    rrt_writer_free(w);
}

static void check_same_content(const char *a, const char *b)
{
    rrt_reader *ra, *rb;
    assert_int_equal(rrt_reader_open(a, &ra, NULL), RRT_OK);
    assert_int_equal(rrt_reader_open(b, &rb, NULL), RRT_OK);
    rrt_archive_info ia, ib;
    rrt_reader_info(ra, &ia);
    rrt_reader_info(rb, &ib);
    assert_int_equal(ia.n_files, ib.n_files);
    assert_int_equal(ia.n_blobs, ib.n_blobs);
    assert_int_equal(ia.n_events, ib.n_events);
    for (size_t i = 0; i < ia.n_blobs; i++) {
        rrt_blob_id x, y;
        uint64_t sx, sy;
        rrt_reader_blob(ra, i, &x, &sx);
        rrt_reader_blob(rb, i, &y, &sy);
        assert_int_equal(rrt_blob_id_cmp(&x, &y), 0);
        assert_int_equal(sx, sy);
    }
    for (size_t i = 0; i < ia.n_files; i++) {
        rrt_file_entry x, y;
        assert_int_equal(rrt_reader_file(ra, i, &x, NULL), RRT_OK);
        assert_int_equal(rrt_reader_file(rb, i, &y, NULL), RRT_OK);
        assert_string_equal(x.path, y.path);
        assert_int_equal(x.flags, y.flags);
        assert_int_equal(x.mode, y.mode);
        assert_int_equal(x.size, y.size);
        assert_int_equal(x.mtime_ns, y.mtime_ns);
        assert_int_equal(x.dev, y.dev);
        assert_int_equal(x.ino, y.ino);
        assert_memory_equal(&x.blob, &y.blob, sizeof(x.blob));
        rrt_file_entry_clear(&x);
        rrt_file_entry_clear(&y);
    }
    const rrt_meta_entry *ma, *mb;
    size_t na, nb;
    assert_int_equal(rrt_reader_meta(ra, &ma, &na, NULL), RRT_OK);
    assert_int_equal(rrt_reader_meta(rb, &mb, &nb, NULL), RRT_OK);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(ma[i].key, mb[i].key);
        assert_string_equal(ma[i].value, mb[i].value);
    }
    rrt_cpuid_manifest ca, cb;
    assert_int_equal(rrt_reader_cpuid(ra, &ca, NULL), RRT_OK);
    assert_int_equal(rrt_reader_cpuid(rb, &cb, NULL), RRT_OK);
    uint8_t *ea, *eb;
    size_t la, lb;
    assert_int_equal(rrt_cpuid_manifest_encode(&ca, &ea, &la, NULL), RRT_OK);
    assert_int_equal(rrt_cpuid_manifest_encode(&cb, &eb, &lb, NULL), RRT_OK);
    assert_int_equal(la, lb);
    assert_memory_equal(ea, eb, la);
    free(ea);
    free(eb);
    rrt_cpuid_manifest_clear(&ca);
    rrt_cpuid_manifest_clear(&cb);
    rrt_event_iter *ita, *itb;
    assert_int_equal(rrt_event_iter_open(ra, 0, &ita, NULL), RRT_OK);
    assert_int_equal(rrt_event_iter_open(rb, 0, &itb, NULL), RRT_OK);
    rrt_event x, y;
    rrt_status sa;
    while ((sa = rrt_event_iter_next(ita, &x, NULL)) == RRT_OK) {
        assert_int_equal(rrt_event_iter_next(itb, &y, NULL), RRT_OK);
        assert_int_equal(x.type, y.type);
        assert_int_equal(x.len, y.len);
        if (x.len)
            assert_memory_equal(x.data, y.data, x.len);
    }
    assert_int_equal(sa, RRT_END);
    assert_int_equal(rrt_event_iter_next(itb, &y, NULL), RRT_END);
    rrt_event_iter_close(ita);
    rrt_event_iter_close(itb);
    rrt_reader_close(ra);
    rrt_reader_close(rb);
}

static void test_export_import_round_trip(void **state)
{
    (void)state;
    static const char *fmts[] = {"tar", "tar.gz", "zip"};
    char in[512], tar[512], out[512];
    path_in(in, sizeof(in), "sample.rrt");
    make_sample(in);
    for (size_t i = 0; i < 3; i++) {
        char name[64];
        snprintf(name, sizeof(name), "export.%s", fmts[i]);
        path_in(tar, sizeof(tar), name);
        path_in(out, sizeof(out), "imported.rrt");
        unlink(tar);
        unlink(out);
        pack_export_report er;
        rrt_error err;
        assert_int_equal(pack_export(in, tar, fmts[i], &er, &err), RRT_OK);
        assert_int_equal(er.skipped_external, 1);
        assert_int_equal(er.events, 300);
        rrt_writer_options wo;
        rrt_writer_options_init(&wo);
        wo.no_sync = true;
        pack_import_report ir;
        if (pack_import(tar, out, &wo, false, &ir, &err) != RRT_OK)
            fail_msg("%s", err.message);
        check_same_content(in, out);
    }
}

/* A full disk while importing is the output's fault: the message names
 * the archive being written, not the tar being read. */
static void test_import_write_failure_names_output(void **state)
{
    (void)state;
    char in[512], tar[512], out[512], part[600];
    path_in(in, sizeof(in), "enospc-in.rrt");
    path_in(tar, sizeof(tar), "enospc.tar");
    path_in(out, sizeof(out), "enospc.rrt");
    make_files();
    make_external(in);
    pack_options o;
    pack_opts(&o);
    assert_int_equal(pack_archive(in, &o, NULL, NULL), RRT_OK);
    unlink(tar);
    assert_int_equal(pack_export(in, tar, "tar", NULL, NULL), RRT_OK);
    /* Small chunks: the writer writes while it reads the 3 MiB member. */
    for (int k = 0; k < 64; k++) {
        faults f = {.write_left = k};
        rrt_io_hooks io = {f_write, f_fsync, f_rename, &f};
        rrt_writer_options wo;
        rrt_writer_options_init(&wo);
        wo.no_sync = true;
        wo.chunk_size = 4096;
        wo.threads = 1;
        wo.io = &io;
        unlink(out);
        rrt_error err;
        rrt_status st = pack_import(tar, out, &wo, false, NULL, &err);
        if (!f.fired) {
            assert_int_equal(st, RRT_OK);
            break;
        }
        assert_int_not_equal(st, RRT_OK);
        if (!strstr(err.message, out) || !strstr(err.message, strerror(ENOSPC)))
            fail_msg("write %d: %s", k, err.message);
        snprintf(part, sizeof(part), "%s.partial", out);
        assert_false(exists(out));
        assert_false(exists(part));
    }
}

static void test_unpack_rrt_keeps_names_inside(void **state)
{
    (void)state;
    char in[512], dir[512], p[700];
    path_in(in, sizeof(in), "sample.rrt");
    path_in(dir, sizeof(dir), "unpacked");
    make_sample(in);
    assert_int_equal(pack_export(in, dir, "dir", NULL, NULL), RRT_OK);
    snprintf(p, sizeof(p), "%s/files/etc/passwd", dir);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 07000, 0); /* setuid dropped */
    snprintf(p, sizeof(p), "%s/files/usr/lib/libx.so", dir);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_size, 1002); /* the last entry of that path */
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Appends a section (spec/format.md 3) with its checksum to f. */
static uint64_t put_section(FILE *f, const char *type, const void *p, size_t n)
{
    uint64_t at = (uint64_t)ftell(f);
    uint8_t *s = calloc(1, 16 + n + 8);
    assert_non_null(s);
    memcpy(s, type, 4);
    put_le(s + 4, 1, 4);
    put_le(s + 8, n, 8);
    memcpy(s + 16, p, n);
    put_le(s + 16 + n, XXH3_64bits(s, 16 + n), 8);
    assert_int_equal(fwrite(s, 1, 16 + n + 8, f), 16 + n + 8);
    free(s);
    return at;
}

/* An archive of 16 MiB whose one file declares 65 GiB: its descriptor
 * names the same chunk 4160 times, which the format allows. */
static void make_size_bomb(const char *path)
{
    enum { RAW = 16 << 20, N = 4160 };
    const uint64_t size = (uint64_t)RAW * N;
    uint8_t hdr[16] = {0x89, 'R', 'R', 'T', '\r', '\n', 0x1a, '\n', 1, 0, 1};
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(hdr, 1, 16, f), 16);
    uint8_t *chunk = calloc(1, 8 + RAW);
    assert_non_null(chunk);
    put_le(chunk + 4, RAW, 4); /* method 0: stored */
    uint64_t chunk_at = put_section(f, "CHNK", chunk, 8 + RAW);
    uint64_t raw_hash = XXH3_64bits(chunk + 8, RAW);
    free(chunk);
    uint8_t id[16];
    memset(id, 0x11, 16);
    size_t dn = 32 + 16 * (size_t)N;
    uint8_t *d = calloc(1, dn);
    assert_non_null(d);
    memcpy(d, id, 16);
    put_le(d + 16, size, 8);
    put_le(d + 24, RAW, 4);
    put_le(d + 28, N, 4);
    for (size_t i = 0; i < N; i++) {
        put_le(d + 32 + 16 * i, chunk_at, 8);
        put_le(d + 40 + 16 * i, raw_hash, 8);
    }
    uint64_t blob_at = put_section(f, "BLOB", d, dn);
    free(d);
    uint8_t fe[56 + 5] = {0};
    put_le(fe, 1, 4); /* HAS_BLOB */
    put_le(fe + 4, 0100644, 4);
    put_le(fe + 8, size, 8);
    memcpy(fe + 40, id, 16);
    memcpy(fe + 56, "\x04/big", 5);
    uint64_t file_at = put_section(f, "FILE", fe, sizeof(fe));
    uint8_t ix[24 + 32 + 32] = {0};
    put_le(ix, 1, 8);
    put_le(ix + 8, 1, 8);
    memcpy(ix + 24, "FILE", 4);
    put_le(ix + 28, 1, 4);
    put_le(ix + 32, file_at, 8);
    put_le(ix + 40, sizeof(fe), 8);
    memcpy(ix + 56, id, 16);
    put_le(ix + 72, blob_at, 8);
    put_le(ix + 80, size, 8);
    uint64_t ix_at = put_section(f, "INDX", ix, sizeof(ix));
    uint8_t foot[32 + 16];
    memcpy(foot, hdr, 16);
    put_le(foot + 16, ix_at, 8);
    put_le(foot + 24, 16 + sizeof(ix) + 8, 8);
    put_le(foot + 32, XXH3_64bits(foot, 32), 8);
    memcpy(foot + 40, "\x89RRTEND\n", 8);
    assert_int_equal(fwrite(foot + 16, 1, 32, f), 32);
    assert_int_equal(fclose(f), 0);
}

/* unpack's bound on what it writes holds for an .rrt as for a tar: a
 * blob declaring more is refused before a byte of it is written (the
 * file size limit stops the test, not the disk, if it is not). */
static void test_unpack_rrt_refuses_huge_declared_blob(void **state)
{
    (void)state;
    char in[512], dir[512], p[700];
    path_in(in, sizeof(in), "size-bomb.rrt");
    path_in(dir, sizeof(dir), "size-bomb");
    make_size_bomb(in);
    rrt_reader *r;
    assert_int_equal(rrt_reader_open(in, &r, NULL), RRT_OK);
    rrt_reader_close(r);
    struct rlimit old, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = 64 << 20;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    rrt_error err;
    rrt_status st = pack_export(in, dir, "dir", NULL, &err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_equal(st, RRT_E_LIMIT);
    assert_non_null(strstr(err.message, "size-bomb.rrt: member 'files/big'"));
    snprintf(p, sizeof(p), "%s/files/big", dir);
    struct stat sb;
    assert_int_not_equal(stat(p, &sb), 0);
    unlink(in);
}

/* A write that fails (here: the file size limit, EFBIG, as a full disk
 * would with ENOSPC) is reported with the file written and the cause. */
static void test_write_errors_name_file_and_cause(void **state)
{
    (void)state;
    char in[512], tar[512], store[512], cmd[1100];
    path_in(in, sizeof(in), "fsize.rrt");
    path_in(tar, sizeof(tar), "fsize.tar");
    path_in(store, sizeof(store), "fsize-store");
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", store, tar);
    assert_int_equal(system(cmd), 0);
    make_files();
    make_external(in);
    struct rlimit old, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = 256 << 10; /* below the 3 MiB file d */
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    /* --refs writes only a small archive; d fails going into the store. */
    pack_options o;
    pack_opts(&o);
    o.blob_store = store;
    o.refs_only = true;
    rrt_error perr, xerr;
    rrt_status pst = pack_archive(in, &o, NULL, &perr);
    setrlimit(RLIMIT_FSIZE, &old);
    pack_opts(&o);
    assert_int_equal(pack_archive(in, &o, NULL, NULL), RRT_OK);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    rrt_status xst = pack_export(in, tar, "tar", NULL, &xerr);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_not_equal(pst, RRT_OK);
    if (!strstr(perr.message, store) || !strstr(perr.message, strerror(EFBIG)))
        fail_msg("store: %s", perr.message);
    assert_int_not_equal(xst, RRT_OK);
    if (!strstr(xerr.message, tar) || !strstr(xerr.message, strerror(EFBIG)))
        fail_msg("export: %s", xerr.message);
    assert_false(exists(tar));
}

/* A tar member: a directory when data is NULL, else a regular file. */
typedef struct tar_member {
    const char *name;
    const char *data;
} tar_member;

static void write_tar(const char *path, const tar_member *m, size_t n)
{
    struct archive *a = archive_write_new();
    assert_non_null(a);
    assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        size_t len = m[i].data ? strlen(m[i].data) : 0;
        archive_entry_set_pathname(e, m[i].name);
        archive_entry_set_filetype(e, m[i].data ? AE_IFREG : AE_IFDIR);
        archive_entry_set_perm(e, 0755);
        archive_entry_set_size(e, (la_int64_t)len);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (len)
            assert_int_equal(archive_write_data(a, m[i].data, len),
                             (la_ssize_t)len);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

/* A member the disk refuses (a file over a non-empty directory) stops
 * extraction with a message naming the member as the tar does (the entry's
 * name is rewritten to DIR/name before the write, and freed). */
static void test_extract_error_names_member(void **state)
{
    (void)state;
    static const tar_member m[] = {
        {"files/d", NULL}, {"files/d/in", "x\n"}, {"files/d", "now a file\n"}};
    char tar[512], dir[512], cmd[600], full[600];
    path_in(tar, sizeof(tar), "conflict.tar");
    path_in(dir, sizeof(dir), "conflict");
    snprintf(full, sizeof(full), "%s/files", dir);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    write_tar(tar, m, 3);
    rrt_error err;
    rrt_error_clear(&err);
    assert_int_not_equal(pack_extract(tar, dir, NULL, &err), RRT_OK);
    if (!strstr(err.message, "member 'files/d'") || strstr(err.message, full))
        fail_msg("%s", err.message);
}

/* Imports an export made of the given files.json and one member, files/a;
 * returns the status, with the message in err. */
static rrt_status import_files_json(const char *json, const char *out,
                                    rrt_error *err)
{
    const tar_member m[] = {{"files.json", json}, {"files/a", "hi\n"}};
    char tar[512];
    path_in(tar, sizeof(tar), "json.tar");
    write_tar(tar, m, 2);
    unlink(out);
    rrt_error_clear(err);
    return pack_import(tar, out, NULL, false, NULL, err);
}

/* The export's \u00XX stands for byte XX, so any path comes back byte for
 * byte; JSON with the same text spelled otherwise means the same. */
static void test_import_json_strings_are_bytes(void **state)
{
    (void)state;
    char out[512];
    path_in(out, sizeof(out), "json.rrt");
    static const char *const spell[] = {
        "[{\"path\": \"/x\\u00ff\\u0001\\\"y\", \"flags\": 0, "
        "\"member\": \"files/a\"}]",
        "[{\"member\": \"files/a\", \"path\": \"/x\xc3\xbf\\u0001\\\"y\", "
        "\"flags\": 0, \"unknown\": [{\"deep\": [1, 2.5, null, true]}]}]"};
    for (int k = 0; k < 2; k++) {
        rrt_error err;
        if (import_files_json(spell[k], out, &err) != RRT_OK)
            fail_msg("%d: %s", k, err.message);
        rrt_reader *r;
        assert_int_equal(rrt_reader_open(out, &r, &err), RRT_OK);
        rrt_file_entry e;
        assert_int_equal(rrt_reader_file(r, 0, &e, &err), RRT_OK);
        assert_string_equal(e.path, "/x\xff\x01\"y");
        rrt_file_entry_clear(&e);
        rrt_reader_close(r);
    }
}

/* Hostile files.json: refused with the file and what is wrong, no output. */
static void test_import_refuses_malformed_json(void **state)
{
    (void)state;
    static const struct {
        const char *json, *why;
    } bad[] = {
        {"[{\"path\": \"/a\", \"flags\": 0, \"member\": \"files/a\"},]",
         "files.json: malformed (line 1, column"},
        {"[{\"path\": \"/a\\u0000b\", \"member\": \"files/a\"}]",
         "files.json: malformed"},
        {"[{\"path\": \"/a\", \"flags\": -1}]", "files.json: malformed"},
        {"[{\"path\": \"/a\", \"flags\": 4294967296}]",
         "files.json: malformed"},
        {"[{\"path\": 5}]", "files.json: malformed"},
        {"{\"path\": \"/a\"}", "files.json: malformed (not an array)"},
        {"[{\"path\": \"/a\", \"member\": \"files/a\"}] [",
         "files.json: malformed (text after the array)"},
        {"[{\"path\": \"/a\", \"member\": \"files/a\"}",
         "files.json: malformed"},
        {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
         "[[[",
         "files.json: malformed"},
        {"[{\"path\": \"/\xff\"}]", "files.json: malformed (line 1"},
        {"", "files.json: malformed"},
    };
    char out[512];
    path_in(out, sizeof(out), "bad.rrt");
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        rrt_error err;
        assert_int_equal(import_files_json(bad[k].json, out, &err),
                         RRT_E_PARSE);
        if (!strstr(err.message, "json.tar: ") ||
            !strstr(err.message, bad[k].why))
            fail_msg("%zu: %s", k, err.message);
        assert_false(exists(out));
    }
}

static void test_safe_name(void **state)
{
    (void)state;
    char b[64];
    assert_true(pack_safe_name("/usr/lib/x", b, sizeof(b)));
    assert_string_equal(b, "usr/lib/x");
    assert_true(pack_safe_name("../../a/./b//c/..", b, sizeof(b)));
    assert_string_equal(b, "a/b/c");
    assert_false(pack_safe_name("/../..", b, sizeof(b)));
    assert_false(pack_safe_name("aaaaaaaaaaaaaaaa", b, 8));
}

/* An external archive shaped like a recording: the program itself (x86
 * ELF, several chunks), small files that become pieces of shared chunks,
 * a copy of one of them, a file between C/4 and C, and events enough for
 * several batches. chunk is the pack chunk size the shapes are made for. */
static void make_recording_like(const char *out, size_t chunk)
{
    char dir[512], p[600];
    path_in(dir, sizeof(dir), "mix");
    mkdir(dir, 0755);
    size_t n;
    uint8_t *self = read_all("/proc/self/exe", &n);
    assert_non_null(self);
    snprintf(p, sizeof(p), "%s/prog", dir);
    write_file(p, self, n);
    free(self);
    static uint8_t buf[4 << 20];
    size_t sizes[] = {chunk / 4,      7,         chunk / 5,
                      chunk / 16 + 3, chunk / 2, chunk * 3 + 11,
                      chunk / 8,      1,         chunk / 4 - 1};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        assert_true(sizes[i] <= sizeof(buf));
        make_content(buf, sizes[i], (unsigned)i + 40);
        snprintf(p, sizeof(p), "%s/f%zu", dir, i);
        write_file(p, buf, sizes[i]);
    }
    snprintf(p, sizeof(p), "%s/f1copy", dir); /* a copy of f2 */
    make_content(buf, sizes[2], 42);
    write_file(p, buf, sizes[2]);
    rrt_writer *w = new_writer(out);
    add_cpuid_and_events(w);
    for (uint32_t i = 0; i < 3000; i++) {
        make_content(buf, 1000, i % 50); /* repeats, as events do */
        assert_int_equal(rrt_writer_add_event(w, 3, buf, 500 + i % 500, NULL),
                         RRT_OK);
    }
    const char *names[] = {"prog", "f0", "f1", "f2", "f3", "f1copy",
                           "f4",   "f5", "f6", "f7", "f8", "prog"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        add_external(w, p, i == 3);
    }
    assert_int_equal(rrt_writer_finish(w, NULL), RRT_OK);
    rrt_writer_free(w);
}

/* The thread count only decides which thread compresses what and when:
 * packing the same input with -j 1, 2, 3 and 8 gives the same bytes, with
 * chunks small enough that workers overtake one another. */
static void test_pack_output_is_the_same_for_any_thread_count(void **state)
{
    (void)state;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    size_t chunks[] = {64u << 10, PACK_CHUNK};
    for (size_t c = 0; c < 2; c++) {
        char in[512];
        path_in(in, sizeof(in), "mixed.rrt");
        make_recording_like(in, chunks[c] > (1u << 20) ? 1u << 20 : chunks[c]);
        unsigned threads[] = {1, 2, 3, 8};
        uint8_t *first = NULL;
        size_t first_n = 0;
        for (size_t t = 0; t < 4; t++) {
            char out[512];
            path_in(out, sizeof(out), "mixed-out.rrt");
            unlink(out);
            pack_options o;
            pack_opts(&o);
            o.output = out;
            o.threads = threads[t];
            o.chunk_size = (uint32_t)chunks[c];
            rrt_error err;
            rrt_status st = pack_archive(in, &o, NULL, &err);
            if (st != RRT_OK)
                fail_msg("pack -j %u: %s", threads[t], err.message);
            size_t n;
            uint8_t *got = read_all(out, &n);
            assert_non_null(got);
            if (!first) {
                first = got;
                first_n = n;
                continue;
            }
            if (n != first_n || memcmp(got, first, n) != 0)
                fail_msg("chunk %zu: -j %u wrote %zu bytes that differ from "
                         "the %zu of -j 1",
                         chunks[c], threads[t], n, first_n);
            free(got);
        }
        free(first);
    }
    unsetenv("SOURCE_DATE_EPOCH");
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--make-sample")) {
        make_sample(argv[2]);
        return 0;
    }
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/rrt-test-pack-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_safe_name),
        cmocka_unit_test(test_pack_embeds_every_external_file_once),
        cmocka_unit_test(test_pack_output_is_the_same_for_any_thread_count),
        cmocka_unit_test(test_pack_in_place_then_again_changes_nothing),
        cmocka_unit_test(test_pack_recompresses_a_recording_never_packed),
        cmocka_unit_test(test_pack_refuses_changed_file_and_keeps_input),
        cmocka_unit_test(test_pack_missing_file_is_named),
        cmocka_unit_test(test_pack_fifo_in_place_of_file_fails_fast),
        cmocka_unit_test(test_pack_copy_to_another_file_system),
        cmocka_unit_test(test_blob_store_holds_each_content_once),
        cmocka_unit_test(test_pack_io_faults_never_lose_input),
        cmocka_unit_test(test_export_import_round_trip),
        cmocka_unit_test(test_import_write_failure_names_output),
        cmocka_unit_test(test_import_json_strings_are_bytes),
        cmocka_unit_test(test_import_refuses_malformed_json),
        cmocka_unit_test(test_unpack_rrt_keeps_names_inside),
        cmocka_unit_test(test_unpack_rrt_refuses_huge_declared_blob),
        cmocka_unit_test(test_extract_error_names_member),
        cmocka_unit_test(test_write_errors_name_file_and_cause),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (rc == 0 && system(cmd) != 0)
        rc = 1;
    return rc;
}
