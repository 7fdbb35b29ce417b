/* Archive commands built directly on librrt: create, info, ls, cat, dump,
 * recover. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* ------------------------------------------------------------------ */
/* create                                                             */

typedef struct create_ctx {
    rrt_writer *w;
    bool external;
    bool verbose;
    bool have_self;    /* self_dev/self_ino: the archive being written */
    dev_t self_dev;
    ino_t self_ino;
    unsigned long long files, bytes;
} create_ctx;

static int add_path(create_ctx *c, const char *path);

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Directory entries in byte order, so archives do not depend on the
 * order the file system returns. */
static int add_dir(create_ctx *c, const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        cli_error("%s: cannot open directory: %s", path, strerror(errno));
        return RRT_EXIT_ERROR;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = RRT_EXIT_OK;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **p = realloc(names, cap * sizeof(*p));
            if (!p) {
                rc = RRT_EXIT_ERROR;
                break;
            }
            names = p;
        }
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n]) {
            rc = RRT_EXIT_ERROR;
            break;
        }
        bool slash = path[strlen(path) - 1] == '/';
        snprintf(names[n], len, "%s%s%s", path, slash ? "" : "/", e->d_name);
        n++;
    }
    closedir(d);
    if (rc != RRT_EXIT_OK)
        cli_error("%s: out of memory", path);
    if (n)
        qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (rc == RRT_EXIT_OK)
            rc = add_path(c, names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int add_regular(create_ctx *c, const char *path, const struct stat *sb)
{
    rrt_file_entry e = {0};
    e.path = (char *)path;
    e.mode = sb->st_mode;
    e.size = (uint64_t)sb->st_size;
    e.mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
    rrt_error err;
    if (c->external) {
        e.flags = RRT_FILE_EXTERNAL;
        e.dev = (uint64_t)sb->st_dev;
        e.ino = (uint64_t)sb->st_ino;
    } else {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            cli_error("%s: cannot open: %s", path, strerror(errno));
            return RRT_EXIT_ERROR;
        }
        uint64_t size;
        rrt_status st =
            rrt_writer_add_blob_fd(c->w, fd, path, &e.blob, &size, &err);
        close(fd);
        if (st != RRT_OK) {
            cli_report(&err);
            return RRT_EXIT_ERROR;
        }
        e.flags = RRT_FILE_HAS_BLOB;
        e.size = size;
    }
    if (rrt_writer_add_file(c->w, &e, &err) != RRT_OK) {
        cli_report(&err);
        return RRT_EXIT_ERROR;
    }
    c->files++;
    c->bytes += e.size;
    if (c->verbose)
        fprintf(stderr, "%s\n", path);
    return RRT_EXIT_OK;
}

static int add_path(create_ctx *c, const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) {
        cli_error("%s: %s", path, strerror(errno));
        return RRT_EXIT_ERROR;
    }
    if (S_ISDIR(sb.st_mode))
        return add_dir(c, path);
    /* An output inside an input directory would read itself as it grows,
     * without end (tar skips its own archive the same way). */
    if (S_ISREG(sb.st_mode) && c->have_self && sb.st_dev == c->self_dev &&
        sb.st_ino == c->self_ino) {
        cli_warn("%s: skipped (the archive being written)", path);
        return RRT_EXIT_OK;
    }
    if (S_ISREG(sb.st_mode))
        return add_regular(c, path, &sb);
    cli_warn("%s: skipped (not a regular file or directory)", path);
    return RRT_EXIT_OK;
}

static void set_common_meta(rrt_writer *w, const char *tool)
{
    char when[64];
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    unsigned long long epoch;
    time_t t = sde && cli_parse_u64(sde, (unsigned long long)INT64_MAX, &epoch)
                   ? (time_t)epoch
                   : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    rrt_writer_set_meta(w, "created", when, NULL);
    rrt_writer_set_meta(w, "rrt.version", rrt_version(), NULL);
    rrt_writer_set_meta(w, "tool", tool, NULL);
}

/* Parses the options every archive-writing command shares. */
static bool writer_option(int opt, const char *arg, const char *cmd,
                          rrt_writer_options *wo, int *rc)
{
    unsigned long long v;
    switch (opt) {
    case 'q':
        if (!cli_parse_u64(arg, 11, &v)) {
            *rc = cli_usage(cmd, "-q takes a quality from 0 to 11");
            return true;
        }
        wo->quality = (int)v;
        return true;
    case 'j':
        if (!cli_parse_u64(arg, 64, &v)) {
            *rc = cli_usage(cmd, "-j takes a thread count from 0 to 64");
            return true;
        }
        wo->threads = (unsigned)v;
        return true;
    case 'C':
        if (!cli_parse_u64(arg, 16u << 20, &v) || v < 4096) {
            *rc = cli_usage(cmd, "--chunk-size takes 4096 to 16777216");
            return true;
        }
        wo->chunk_size = (uint32_t)v;
        return true;
    case 'F':
        wo->x86_filter = false;
        return true;
    case 'S':
        wo->shared_chunks = false;
        return true;
    }
    return false;
}

static int run_create(int argc, char **argv)
{
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'},
        {"quality", required_argument, NULL, 'q'},
        {"threads", required_argument, NULL, 'j'},
        {"chunk-size", required_argument, NULL, 'C'},
        {"no-filter", no_argument, NULL, 'F'},
        {"no-shared-chunks", no_argument, NULL, 'S'},
        {"external", no_argument, NULL, 'x'},
        {"force", no_argument, NULL, 'f'},
        {"verbose", no_argument, NULL, 'v'},
        {0, 0, 0, 0}};
    const char *out = NULL;
    bool force = false;
    create_ctx c = {0};
    rrt_writer_options wo;
    rrt_writer_options_init(&wo);
    int opt, rc = RRT_EXIT_OK;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:q:j:C:xfv", longs, NULL)) != -1) {
        if (writer_option(opt, optarg, "create", &wo, &rc)) {
            if (rc != RRT_EXIT_OK)
                return rc;
            continue;
        }
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case 'x':
            c.external = true;
            break;
        case 'f':
            force = true;
            break;
        case 'v':
            c.verbose = true;
            break;
        default:
            return cli_bad_option("create", argv);
        }
    }
    if (!out)
        return cli_usage("create", "missing -o OUTPUT.rrt");
    if (optind >= argc)
        return cli_usage("create", "no input paths");
    struct stat sb;
    if (!force && lstat(out, &sb) == 0) {
        cli_error("%s: already exists (use --force to replace it)", out);
        return RRT_EXIT_ERROR;
    }
    rrt_error err;
    cli_remove_on_signal(out);
    if (rrt_writer_create(out, &wo, &c.w, &err) != RRT_OK) {
        cli_report(&err);
        return RRT_EXIT_ERROR;
    }
    char partial[4200];
    snprintf(partial, sizeof(partial), "%s.partial", out);
    if (stat(partial, &sb) == 0) {
        c.have_self = true;
        c.self_dev = sb.st_dev;
        c.self_ino = sb.st_ino;
    }
    set_common_meta(c.w, "rrt create");
    for (int i = optind; i < argc && rc == RRT_EXIT_OK; i++)
        rc = add_path(&c, argv[i]);
    if (rc == RRT_EXIT_OK && rrt_writer_finish(c.w, &err) != RRT_OK) {
        cli_report(&err);
        rc = RRT_EXIT_ERROR;
    }
    rrt_writer_free(c.w);
    cli_remove_on_signal(NULL);
    if (rc == RRT_EXIT_OK && c.verbose)
        fprintf(stderr, "%s: %llu files, %llu bytes\n", out, c.files, c.bytes);
    return rc;
}

const rrt_command cmd_create = {
    "create", "create an archive from files and directories",
    "NAME\n"
    "  rrt create - create an .rrt archive from files and directories\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt create -o OUTPUT.rrt [options] PATH...\n"
    "\n"
    "DESCRIPTION\n"
    "  Stores every regular file under each PATH (directories are walked in\n"
    "  byte order of names) as a content-addressed, brotli-compressed blob:\n"
    "  identical contents are stored once. Symbolic links, devices and other\n"
    "  special files are skipped with a warning. The archive is written to\n"
    "  OUTPUT.rrt.partial and renamed to OUTPUT.rrt only when complete and\n"
    "  synced, so an interrupted or failed create leaves nothing under the\n"
    "  final name. Metadata records the creation time (SOURCE_DATE_EPOCH\n"
    "  overrides it, for reproducible archives) and the rrt version.\n"
    "\n"
    "OPTIONS\n"
    "  -o, --output FILE     archive to write (required)\n"
    "  -q, --quality N       brotli quality 0-11 (default 5)\n"
    "  -j, --threads N       compression threads, 0 = one per CPU (default)\n"
    "  -C, --chunk-size N    blob chunk size in bytes, 4096-16777216\n"
    "                        (default 1048576)\n"
    "      --no-filter       do not run the x86 branch filter over x86 ELF\n"
    "                        files before compressing them. The filter\n"
    "                        makes libraries and programs about 4% smaller\n"
    "                        at no cost in speed, but needs a reader of\n"
    "                        format 1.1 or later\n"
    "      --no-shared-chunks  give every file chunks of its own. By default\n"
    "                        files of up to a quarter of the chunk size are\n"
    "                        packed together into shared chunks, so that\n"
    "                        similar small files compress as one stream, as\n"
    "                        in a tar file (reading one of them decodes its\n"
    "                        whole chunk). With --no-filter too, readers of\n"
    "                        format 1.0 can read the archive\n"
    "  -x, --external        store references (path, device, inode, size,\n"
    "                        mtime) instead of contents, as an unpacked\n"
    "                        recording does\n"
    "  -f, --force           replace OUTPUT if it exists\n"
    "  -v, --verbose         list files on stderr as they are added\n"
    "\n"
    "EXAMPLES\n"
    "  rrt create -o libs.rrt /usr/lib/x86_64-linux-gnu\n"
    "  SOURCE_DATE_EPOCH=0 rrt create -q 9 -o src.rrt src/\n",
    run_create, NULL};

/* ------------------------------------------------------------------ */
/* Opening and small helpers                                          */

static rrt_reader *open_or_report(const char *path)
{
    rrt_reader *r;
    rrt_error err;
    if (rrt_reader_open(path, &r, &err) != RRT_OK) {
        cli_report(&err);
        return NULL;
    }
    return r;
}

static const char *section_name(uint32_t type, char buf[5])
{
    for (int i = 0; i < 4; i++) {
        char ch = (char)(type >> (8 * i));
        buf[i] = ch >= 0x21 && ch <= 0x7e ? ch : '?';
    }
    buf[4] = 0;
    return buf;
}

static int parse_json_flag(int argc, char **argv, const char *cmd,
                           bool *json, int *first_arg)
{
    static const struct option longs[] = {{"json", no_argument, NULL, 'J'},
                                          {0, 0, 0, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (opt != 'J')
            return cli_bad_option(cmd, argv);
        *json = true;
    }
    *first_arg = optind;
    return RRT_EXIT_OK;
}

/* The common shape of info and dump: [--json] ARCHIVE, opened. */
static int open_one_archive(int argc, char **argv, const char *cmd,
                            bool *json, int *first, rrt_reader **r)
{
    int rc = parse_json_flag(argc, argv, cmd, json, first);
    if (rc != RRT_EXIT_OK)
        return rc;
    if (*first != argc - 1)
        return cli_usage(cmd, "expects exactly one archive");
    *r = open_or_report(argv[*first]);
    return *r ? RRT_EXIT_OK : RRT_EXIT_ERROR;
}

/* ------------------------------------------------------------------ */
/* info                                                               */

static int run_info(int argc, char **argv)
{
    bool json = false;
    int first = 0;
    rrt_reader *r = NULL;
    int rc = open_one_archive(argc, argv, "info", &json, &first, &r);
    if (rc != RRT_EXIT_OK)
        return rc;
    rrt_archive_info in;
    rrt_reader_info(r, &in);
    rrt_cpuid_manifest m;
    rrt_error err;
    rrt_status cst = rrt_reader_cpuid(r, &m, &err);
    if (cst != RRT_OK && cst != RRT_E_NOT_FOUND) {
        cli_report(&err);
        rrt_reader_close(r);
        return RRT_EXIT_ERROR;
    }
    const rrt_meta_entry *meta;
    size_t nmeta;
    if (rrt_reader_meta(r, &meta, &nmeta, &err) != RRT_OK) {
        cli_report(&err);
        rrt_cpuid_manifest_clear(&m);
        rrt_reader_close(r);
        return RRT_EXIT_ERROR;
    }
    double ratio = in.blob_bytes ? (double)in.file_size / (double)in.blob_bytes
                                 : 0.0;
    if (json) {
        printf("{\"path\":");
        cli_json_string(stdout, argv[first]);
        printf(",\"format\":\"%u.%u\",\"size\":%llu,\"sections\":%zu,"
               "\"blobs\":%zu,\"blob_bytes\":%llu,\"files\":%zu,"
               "\"events\":%llu,\"cpuid\":",
               in.major, in.minor, (unsigned long long)in.file_size,
               in.n_sections, in.n_blobs, (unsigned long long)in.blob_bytes,
               in.n_files, (unsigned long long)in.n_events);
        if (cst == RRT_OK) {
            printf("{\"vendor\":");
            cli_json_string(stdout, m.vendor);
            printf(",\"records\":%zu,\"mask\":", m.n_records);
            cli_json_string(stdout, m.mask_name);
            printf("}");
        } else {
            printf("null");
        }
        printf(",\"meta\":{");
        for (size_t i = 0; i < nmeta; i++) {
            printf(i ? "," : "");
            cli_json_string(stdout, meta[i].key);
            printf(":");
            cli_json_string(stdout, meta[i].value);
        }
        printf("}}\n");
    } else {
        printf("archive:     %s\n", argv[first]);
        printf("format:      %u.%u%s%s\n", in.major, in.minor,
               (in.header_flags & RRT_HFLAG_X86_FILTER) ? ", x86 filter"
                                                       : "",
               (in.header_flags & RRT_HFLAG_SHARED_CHUNKS)
                   ? ", shared chunks"
                   : "");
        printf("size:        %llu bytes\n", (unsigned long long)in.file_size);
        printf("blobs:       %zu (%llu bytes uncompressed, archive is %.1f%%)\n",
               in.n_blobs, (unsigned long long)in.blob_bytes, 100.0 * ratio);
        printf("files:       %zu\n", in.n_files);
        printf("events:      %llu\n", (unsigned long long)in.n_events);
        printf("sections:    %zu indexed\n", in.n_sections);
        if (cst == RRT_OK)
            printf("cpuid:       %s, %zu records%s%s\n", m.vendor, m.n_records,
                   m.mask_name[0] ? ", masked to " : "", m.mask_name);
        else
            printf("cpuid:       none\n");
        for (size_t i = 0; i < nmeta; i++)
            printf("meta:        %s = %s\n", meta[i].key, meta[i].value);
    }
    rrt_cpuid_manifest_clear(&m);
    rrt_reader_close(r);
    return RRT_EXIT_OK;
}

const rrt_command cmd_info = {
    "info", "summarize an archive",
    "NAME\n"
    "  rrt info - summarize an .rrt archive\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt info [--json] FILE.rrt\n"
    "\n"
    "DESCRIPTION\n"
    "  Prints the format version, size, blob, file and event counts, the\n"
    "  CPUID manifest's vendor and mask, and all metadata. It reads only the\n"
    "  header, footer, index and the small metadata sections, so it is fast\n"
    "  on archives of any size. It does not check blob contents: use\n"
    "  'rrt verify' for that.\n"
    "\n"
    "OPTIONS\n"
    "  --json    one JSON object on stdout\n",
    run_info, NULL};

/* ------------------------------------------------------------------ */
/* ls                                                                 */

static void format_mtime(int64_t ns, char *buf, size_t n)
{
    /* Floor division: -1 ns is 1969-12-31 23:59:59, not the epoch. */
    int64_t s = ns / 1000000000 - (ns % 1000000000 < 0);
    time_t t = (time_t)s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static int run_ls(int argc, char **argv)
{
    static const struct option longs[] = {{"long", no_argument, NULL, 'l'},
                                          {"blobs", no_argument, NULL, 'b'},
                                          {0, 0, 0, 0}};
    bool lng = false, blobs = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "lb", longs, NULL)) != -1) {
        if (opt == 'l')
            lng = true;
        else if (opt == 'b')
            blobs = true;
        else
            return cli_bad_option("ls", argv);
    }
    if (optind != argc - 1)
        return cli_usage("ls", "expects exactly one archive");
    rrt_reader *r = open_or_report(argv[optind]);
    if (!r)
        return RRT_EXIT_ERROR;
    int rc = RRT_EXIT_OK;
    if (blobs) {
        for (size_t i = 0; i < rrt_reader_blob_count(r); i++) {
            rrt_blob_id id;
            uint64_t size;
            char hex[33];
            rrt_reader_blob(r, i, &id, &size);
            rrt_blob_id_to_hex(&id, hex);
            printf("%s %12llu\n", hex, (unsigned long long)size);
        }
    }
    for (size_t i = 0; !blobs && i < rrt_reader_file_count(r); i++) {
        rrt_file_entry e;
        rrt_error err;
        if (rrt_reader_file(r, i, &e, &err) != RRT_OK) {
            cli_report(&err);
            rc = RRT_EXIT_ERROR;
            break;
        }
        if (lng) {
            char when[32], hex[33] = "external";
            format_mtime(e.mtime_ns, when, sizeof(when));
            if (e.flags & RRT_FILE_HAS_BLOB)
                rrt_blob_id_to_hex(&e.blob, hex);
            printf("%06o %12llu %s %-32s %s%s\n", e.mode,
                   (unsigned long long)e.size, when, hex, e.path,
                   (e.flags & RRT_FILE_EXTERNAL) && (e.flags & RRT_FILE_HAS_BLOB)
                       ? " (external)"
                       : "");
        } else {
            printf("%s\n", e.path);
        }
        rrt_file_entry_clear(&e);
    }
    rrt_reader_close(r);
    return rc;
}

const rrt_command cmd_ls = {
    "ls", "list the files (or blobs) in an archive",
    "NAME\n"
    "  rrt ls - list the files in an .rrt archive\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt ls [-l] FILE.rrt\n"
    "  rrt ls --blobs FILE.rrt\n"
    "\n"
    "DESCRIPTION\n"
    "  Lists the file table in the order it was written, one path a line.\n"
    "  With -l: octal mode, size, modification time (UTC), content id (or\n"
    "  'external' for a reference to a file outside the archive) and path.\n"
    "  With --blobs: every blob's content id and size, in id order.\n"
    "\n"
    "OPTIONS\n"
    "  -l, --long     long listing\n"
    "  -b, --blobs    list blobs instead of files\n",
    run_ls, NULL};

/* ------------------------------------------------------------------ */
/* cat                                                                */

static int stream_blob(rrt_reader *r, const rrt_blob_id *id)
{
    rrt_blob_stream *s;
    rrt_error err;
    if (rrt_blob_stream_open(r, id, &s, &err) != RRT_OK) {
        cli_report(&err);
        return RRT_EXIT_ERROR;
    }
    static uint8_t buf[1 << 16];
    size_t got;
    rrt_status st;
    int rc = RRT_EXIT_OK;
    while ((st = rrt_blob_stream_read(s, buf, sizeof(buf), &got, &err)) ==
               RRT_OK &&
           got) {
        if (fwrite(buf, 1, got, stdout) != got) {
            cli_error("stdout: write failed: %s", strerror(errno));
            rc = RRT_EXIT_ERROR;
            break;
        }
    }
    if (st != RRT_OK) {
        cli_report(&err);
        rc = RRT_EXIT_ERROR;
    }
    rrt_blob_stream_close(s);
    if (fflush(stdout) != 0 && rc == RRT_EXIT_OK) {
        cli_error("stdout: write failed: %s", strerror(errno));
        rc = RRT_EXIT_ERROR;
    }
    return rc;
}

static int run_cat(int argc, char **argv)
{
    int opt;
    optind = 1;
    while ((opt = getopt(argc, argv, "+")) != -1)
        return cli_bad_option("cat", argv);
    if (optind != argc - 2)
        return cli_usage("cat", "expects an archive and a path or blob id");
    rrt_reader *r = open_or_report(argv[optind]);
    if (!r)
        return RRT_EXIT_ERROR;
    const char *what = argv[optind + 1];
    rrt_blob_id id;
    rrt_error err;
    int rc;
    uint64_t size;
    if (rrt_blob_id_from_hex(what, &id) &&
        rrt_reader_blob_size(r, &id, &size, NULL) == RRT_OK) {
        rc = stream_blob(r, &id);
    } else {
        rrt_file_entry e;
        if (rrt_reader_find_file(r, what, &e, &err) != RRT_OK) {
            cli_report(&err);
            rc = RRT_EXIT_ERROR;
        } else if (e.flags & RRT_FILE_EXTERNAL) {
            cli_error("%s: %s is an external reference, not stored in the "
                      "archive (rrt pack embeds it)",
                      argv[optind], what);
            rc = RRT_EXIT_ERROR;
        } else {
            rc = stream_blob(r, &e.blob);
        }
        rrt_file_entry_clear(&e);
    }
    rrt_reader_close(r);
    return rc;
}

const rrt_command cmd_cat = {
    "cat", "write a file or blob from an archive to stdout",
    "NAME\n"
    "  rrt cat - write one stored file or blob to standard output\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt cat FILE.rrt PATH\n"
    "  rrt cat FILE.rrt BLOB-ID\n"
    "\n"
    "DESCRIPTION\n"
    "  Streams the content of the last file-table entry named PATH, or of\n"
    "  the blob with the 32-hex-digit content id BLOB-ID, with bounded\n"
    "  memory. Every chunk's hash and the blob's content id are checked; on\n"
    "  a mismatch the output stops and rrt exits with status 2.\n",
    run_cat, NULL};

/* ------------------------------------------------------------------ */
/* dump                                                               */

static void dump_hex(FILE *f, const uint8_t *p, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
    fputc('"', f);
}

static int dump_json(rrt_reader *r, const char *path)
{
    rrt_archive_info in;
    rrt_error err;
    rrt_reader_info(r, &in);
    printf("{\n  \"format\": \"%u.%u\",\n  \"header_flags\": %u,\n"
           "  \"size\": %llu,\n  \"index_offset\": %llu,\n  \"sections\": [",
           in.major, in.minor, in.header_flags,
           (unsigned long long)in.file_size,
           (unsigned long long)in.index_offset);
    for (size_t i = 0; i < in.n_sections; i++) {
        rrt_section_info s;
        char fc[5];
        rrt_reader_section(r, i, &s);
        printf("%s\n    {\"type\": \"%s\", \"flags\": %u, \"offset\": %llu, "
               "\"length\": %llu, \"aux\": %llu}",
               i ? "," : "", section_name(s.type, fc), s.flags,
               (unsigned long long)s.offset, (unsigned long long)s.length,
               (unsigned long long)s.aux);
    }
    printf("\n  ],\n  \"blobs\": [");
    for (size_t i = 0; i < in.n_blobs; i++) {
        rrt_blob_id id;
        uint64_t size;
        char hex[33];
        rrt_reader_blob(r, i, &id, &size);
        rrt_blob_id_to_hex(&id, hex);
        printf("%s\n    {\"id\": \"%s\", \"size\": %llu}", i ? "," : "", hex,
               (unsigned long long)size);
    }
    printf("\n  ],\n  \"files\": [");
    for (size_t i = 0; i < in.n_files; i++) {
        rrt_file_entry e;
        if (rrt_reader_file(r, i, &e, &err) != RRT_OK)
            goto fail;
        char hex[33] = "";
        if (e.flags & RRT_FILE_HAS_BLOB)
            rrt_blob_id_to_hex(&e.blob, hex);
        printf("%s\n    {\"path\": ", i ? "," : "");
        cli_json_string(stdout, e.path);
        printf(", \"flags\": %u, \"mode\": %u, \"size\": %llu, "
               "\"mtime_ns\": %lld, \"dev\": %llu, \"ino\": %llu, "
               "\"blob\": \"%s\"}",
               e.flags, e.mode, (unsigned long long)e.size,
               (long long)e.mtime_ns, (unsigned long long)e.dev,
               (unsigned long long)e.ino, hex);
        rrt_file_entry_clear(&e);
    }
    printf("\n  ],\n  \"cpuid\": ");
    rrt_cpuid_manifest m;
    rrt_status st = rrt_reader_cpuid(r, &m, &err);
    if (st == RRT_E_NOT_FOUND) {
        printf("null");
    } else if (st != RRT_OK) {
        goto fail;
    } else {
        printf("{\"vendor\": ");
        cli_json_string(stdout, m.vendor);
        printf(", \"flags\": %u, \"xcr0\": %llu, \"mask_name\": ", m.flags,
               (unsigned long long)m.xcr0);
        cli_json_string(stdout, m.mask_name);
        const rrt_cpuid_record *lists[2] = {m.records, m.masks};
        size_t counts[2] = {m.n_records, m.n_masks};
        const char *names[2] = {"records", "masks"};
        for (int k = 0; k < 2; k++) {
            printf(",\n    \"%s\": [", names[k]);
            for (size_t i = 0; i < counts[k]; i++) {
                const rrt_cpuid_record *c = &lists[k][i];
                printf("%s\n      [%u, %u, %u, %u, %u, %u, %u]", i ? "," : "",
                       c->leaf, c->subleaf, c->flags, c->eax, c->ebx, c->ecx,
                       c->edx);
            }
            printf("]");
        }
        printf(",\n    \"queried\": [");
        for (size_t i = 0; i < m.n_queried; i++)
            printf("%s[%u, %u]", i ? ", " : "", m.queried[i].leaf,
                   m.queried[i].subleaf);
        printf("]}");
        rrt_cpuid_manifest_clear(&m);
    }
    const rrt_meta_entry *meta;
    size_t nmeta;
    if (rrt_reader_meta(r, &meta, &nmeta, &err) != RRT_OK)
        goto fail;
    printf(",\n  \"meta\": {");
    for (size_t i = 0; i < nmeta; i++) {
        printf("%s\n    ", i ? "," : "");
        cli_json_string(stdout, meta[i].key);
        printf(": ");
        cli_json_string(stdout, meta[i].value);
    }
    printf("\n  },\n  \"events\": [");
    rrt_event_iter *it;
    if (rrt_event_iter_open(r, 0, &it, &err) != RRT_OK)
        goto fail;
    rrt_event ev;
    while ((st = rrt_event_iter_next(it, &ev, &err)) == RRT_OK) {
        printf("%s\n    {\"seq\": %llu, \"type\": %u, \"data\": ",
               ev.seq ? "," : "", (unsigned long long)ev.seq, ev.type);
        dump_hex(stdout, ev.data, ev.len);
        printf("}");
    }
    rrt_event_iter_close(it);
    if (st != RRT_END)
        goto fail;
    printf("\n  ]\n}\n");
    (void)path;
    return RRT_EXIT_OK;
fail:
    fflush(stdout);
    cli_report(&err);
    return RRT_EXIT_ERROR;
}

/* Decoded events of recordings (rrt/events.h), one line each. */

static bool is_recording(rrt_reader *r)
{
    const char *tool = rrt_reader_meta_get(r, "tool");
    return rrt_reader_meta_get(r, "exe") ||
           (tool && !strcmp(tool, "rrt record"));
}

static void print_word(uint64_t v)
{
    int64_t s = (int64_t)v;
    if (v <= 0xffff)
        printf("%llu", (unsigned long long)v);
    else if (s < 0 && s >= -4096) /* -1, AT_FDCWD, -errno */
        printf("%lld", (long long)s);
    else
        printf("0x%llx", (unsigned long long)v);
}

static const char *signal_name(uint32_t signo)
{
    static const char *const names[] = {
        NULL,      "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",    "SIGTRAP",
        "SIGABRT", "SIGBUS",  "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV",
        "SIGUSR2", "SIGPIPE", "SIGALRM",   "SIGTERM", "SIGSTKFLT", "SIGCHLD",
        "SIGCONT", "SIGSTOP", "SIGTSTP",   "SIGTTIN", "SIGTTOU",   "SIGURG",
        "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",  "SIGIO",
        "SIGPWR",  "SIGSYS"};
    return signo < sizeof(names) / sizeof(names[0]) ? names[signo] : NULL;
}

static void print_signal(uint32_t signo)
{
    const char *n = signal_name(signo);
    if (n)
        printf("%u (%s)", signo, n);
    else
        printf("%u (SIGRTMIN+%d)", signo, (int)signo - 34);
}

/* " /usr/bin/ls" for a file-table index, or " #N" if out of range. */
static void print_file(rrt_reader *r, uint64_t index)
{
    rrt_file_entry f;
    if (index < rrt_reader_file_count(r) &&
        rrt_reader_file(r, (size_t)index, &f, NULL) == RRT_OK) {
        printf(" %s", f.path);
        rrt_file_entry_clear(&f);
    } else {
        printf(" #%llu", (unsigned long long)index);
    }
}

static void print_syscall(rrt_reader *r, const rrt_ev_syscall *e)
{
    const char *name = rrt_syscall_name(e->nr);
    printf(" tid %u ", e->tid);
    if (name)
        printf("%s(", name);
    else
        printf("syscall_%u(", e->nr);
    for (int i = 0; i < 6; i++) {
        printf(i ? ", " : "");
        print_word(e->args[i]);
    }
    printf(")");
    if (e->flags & RRT_EV_SC_ENTRY_ONLY) {
        printf(" [entry only]\n");
        return;
    }
    printf(" = ");
    print_word((uint64_t)e->ret);
    const char *sep = " [";
    if (e->n_mem) {
        uint64_t bytes = 0;
        for (size_t i = 0; i < e->n_mem; i++)
            bytes += e->mem[i].len;
        printf("%s%zu mem write%s, %llu bytes", sep, e->n_mem,
               e->n_mem == 1 ? "" : "s", (unsigned long long)bytes);
        sep = "; ";
    }
    if (e->flags & RRT_EV_SC_STDIO) {
        printf("%s%s %zu bytes", sep,
               e->stdio_stream == 1 ? "stdout" : "stderr", e->stdio_len);
        sep = "; ";
    }
    if (e->flags & RRT_EV_SC_FILE) {
        printf("%sfile", sep);
        print_file(r, e->file_index);
        sep = "; ";
    }
    if (e->flags & RRT_EV_SC_INITIAL) {
        printf("%sinitial exec", sep);
        sep = "; ";
    }
    if (e->flags & RRT_EV_SC_FORCED) {
        printf("%sforced by the recorder", sep);
        sep = "; ";
    }
    printf("%s\n", sep[0] == ';' ? "]" : "");
}

/* Prints the decoded form of a known event; false (nothing printed) when
 * the type is unknown or the payload does not decode. */
static bool dump_decoded(rrt_reader *r, const rrt_event *ev)
{
    const char *type = rrt_ev_type_name(ev->type);
    rrt_error err;
    rrt_status st = RRT_OK;
    if (!type)
        return false;
    union {
        rrt_ev_syscall sc;
        rrt_ev_rdtsc rd;
        rrt_ev_cpuid cp;
        rrt_ev_signal sg;
        rrt_ev_exit ex;
        rrt_ev_clone cl;
        rrt_ev_exec xe;
        rrt_ev_exec_script xs;
        rrt_ev_signal_frame sf;
        rrt_ev_xgetbv xg;
    } u;
    switch (ev->type) {
    case RRT_EV_SYSCALL:
        st = rrt_ev_decode_syscall(ev->data, ev->len, &u.sc, &err);
        break;
    case RRT_EV_RDTSC:
        st = rrt_ev_decode_rdtsc(ev->data, ev->len, &u.rd, &err);
        break;
    case RRT_EV_CPUID:
        st = rrt_ev_decode_cpuid(ev->data, ev->len, &u.cp, &err);
        break;
    case RRT_EV_SIGNAL:
        st = rrt_ev_decode_signal(ev->data, ev->len, &u.sg, &err);
        break;
    case RRT_EV_EXIT:
        st = rrt_ev_decode_exit(ev->data, ev->len, &u.ex, &err);
        break;
    case RRT_EV_CLONE:
        st = rrt_ev_decode_clone(ev->data, ev->len, &u.cl, &err);
        break;
    case RRT_EV_EXEC:
        st = rrt_ev_decode_exec(ev->data, ev->len, &u.xe, &err);
        break;
    case RRT_EV_EXEC_SCRIPT:
        st = rrt_ev_decode_exec_script(ev->data, ev->len, &u.xs, &err);
        break;
    case RRT_EV_SIGNAL_FRAME:
        st = rrt_ev_decode_signal_frame(ev->data, ev->len, &u.sf, &err);
        break;
    case RRT_EV_XGETBV:
        st = rrt_ev_decode_xgetbv(ev->data, ev->len, &u.xg, &err);
        break;
    default:
        return false; /* named by librrt, not known here yet: raw */
    }
    if (st != RRT_OK) {
        cli_warn("event %llu: %s", (unsigned long long)ev->seq, err.message);
        return false;
    }
    printf("event %llu %s", (unsigned long long)ev->seq, type);
    switch (ev->type) {
    case RRT_EV_SYSCALL:
        print_syscall(r, &u.sc);
        rrt_ev_syscall_clear(&u.sc);
        break;
    case RRT_EV_RDTSC:
        printf(" tid %u %s tsc %llu", u.rd.tid,
               u.rd.rdtscp ? "rdtscp" : "rdtsc", (unsigned long long)u.rd.tsc);
        if (u.rd.rdtscp)
            printf(" aux %u", u.rd.aux);
        printf("\n");
        break;
    case RRT_EV_CPUID:
        printf(" tid %u leaf 0x%x subleaf 0x%x = eax 0x%08x ebx 0x%08x "
               "ecx 0x%08x edx 0x%08x\n",
               u.cp.tid, u.cp.leaf, u.cp.subleaf, u.cp.regs[0], u.cp.regs[1],
               u.cp.regs[2], u.cp.regs[3]);
        break;
    case RRT_EV_SIGNAL:
        printf(" tid %u signal ", u.sg.tid);
        print_signal(u.sg.signo);
        printf("%s\n", u.sg.sync ? " sync" : "");
        break;
    case RRT_EV_EXIT:
        if (u.ex.killed) {
            printf(" tid %u killed by signal ", u.ex.tid);
            print_signal(u.ex.code);
            printf("\n");
        } else {
            printf(" tid %u exit status %u\n", u.ex.tid, u.ex.code);
        }
        break;
    case RRT_EV_CLONE:
        printf(" parent %u child %u flags 0x%llx\n", u.cl.parent, u.cl.child,
               (unsigned long long)u.cl.flags);
        break;
    case RRT_EV_EXEC:
        printf(" tid %u exe", u.xe.tid);
        print_file(r, u.xe.exe_file);
        if (u.xe.has_interp) {
            printf(" interpreter");
            print_file(r, u.xe.interp_file);
        }
        printf(", %zu auxv entries\n", u.xe.n_auxv);
        break;
    case RRT_EV_EXEC_SCRIPT:
        printf(" tid %u script", u.xs.tid);
        print_file(r, u.xs.script_file);
        printf("\n");
        break;
    case RRT_EV_SIGNAL_FRAME: /* regs: user_regs_struct order */
        printf(" tid %u handler 0x%llx rsp 0x%llx mask 0x%llx, %zu-byte "
               "frame\n",
               u.sf.tid, (unsigned long long)u.sf.regs[16],
               (unsigned long long)u.sf.regs[19],
               (unsigned long long)u.sf.mask, u.sf.frame_len);
        break;
    case RRT_EV_XGETBV:
        printf(" tid %u xcr%u = 0x%llx\n", u.xg.tid, u.xg.xcr,
               (unsigned long long)u.xg.value);
        break;
    }
    return true;
}

static int dump_text(rrt_reader *r)
{
    rrt_archive_info in;
    rrt_error err;
    rrt_reader_info(r, &in);
    printf("format %u.%u, %llu bytes, index at %llu\n", in.major, in.minor,
           (unsigned long long)in.file_size,
           (unsigned long long)in.index_offset);
    for (size_t i = 0; i < in.n_sections; i++) {
        rrt_section_info s;
        char fc[5];
        rrt_reader_section(r, i, &s);
        printf("section %-4s at %10llu, %8llu bytes%s\n",
               section_name(s.type, fc), (unsigned long long)s.offset,
               (unsigned long long)s.length,
               s.flags & RRT_SECF_REQUIRED ? ", required" : "");
    }
    for (size_t i = 0; i < in.n_blobs; i++) {
        rrt_blob_id id;
        uint64_t size;
        char hex[33];
        rrt_reader_blob(r, i, &id, &size);
        rrt_blob_id_to_hex(&id, hex);
        printf("blob %s %llu bytes\n", hex, (unsigned long long)size);
    }
    rrt_event_iter *it;
    if (rrt_event_iter_open(r, 0, &it, &err) != RRT_OK) {
        cli_report(&err);
        return RRT_EXIT_ERROR;
    }
    rrt_event ev;
    rrt_status st;
    bool decode = is_recording(r);
    while ((st = rrt_event_iter_next(it, &ev, &err)) == RRT_OK) {
        if (decode && dump_decoded(r, &ev))
            continue;
        printf("event %llu type %u, %zu bytes\n", (unsigned long long)ev.seq,
               ev.type, ev.len);
    }
    rrt_event_iter_close(it);
    if (st != RRT_END) {
        cli_report(&err);
        return RRT_EXIT_ERROR;
    }
    return RRT_EXIT_OK;
}

static int run_dump(int argc, char **argv)
{
    bool json = false;
    int first = 0;
    rrt_reader *r = NULL;
    int rc = open_one_archive(argc, argv, "dump", &json, &first, &r);
    if (rc != RRT_EXIT_OK)
        return rc;
    rc = json ? dump_json(r, argv[first]) : dump_text(r);
    rrt_reader_close(r);
    return rc;
}

const rrt_command cmd_dump = {
    "dump", "print an archive's structure and events",
    "NAME\n"
    "  rrt dump - print every section, blob, file, event and the CPUID\n"
    "  manifest of an .rrt archive\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt dump [--json] FILE.rrt\n"
    "\n"
    "DESCRIPTION\n"
    "  The text form lists indexed sections, blobs and events, one a line.\n"
    "  In a recording (metadata names an exe, or tool is \"rrt record\")\n"
    "  events are decoded as spec/events.md describes them, e.g.\n"
    "    event 12 SYSCALL tid 4711 read(3, 0x7ffd5000, 4096, 0, 0, 0) = 42\n"
    "      [1 mem write, 42 bytes]\n"
    "  with all six argument registers; an event of an unknown type, or one\n"
    "  that does not decode (a warning on stderr says why), is printed raw.\n"
    "  The JSON form is complete and stable: spec/vectors/ holds the\n"
    "  expected JSON of each golden archive, and tools may parse it. Event\n"
    "  payloads are hex strings; paths and metadata are JSON strings in\n"
    "  which every byte outside printable ASCII is escaped as \\u00XX.\n"
    "\n"
    "OPTIONS\n"
    "  --json    JSON on stdout\n",
    run_dump, NULL};

/* ------------------------------------------------------------------ */
/* recover                                                            */

static int run_recover(int argc, char **argv)
{
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'},
        {"force", no_argument, NULL, 'f'},
        {0, 0, 0, 0}};
    const char *out = NULL;
    bool force = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:f", longs, NULL)) != -1) {
        if (opt == 'o')
            out = optarg;
        else if (opt == 'f')
            force = true;
        else
            return cli_bad_option("recover", argv);
    }
    if (optind != argc - 1)
        return cli_usage("recover", "expects exactly one input file");
    if (!out)
        return cli_usage("recover", "missing -o OUTPUT.rrt");
    const char *in = argv[optind];
    struct stat a, b;
    if (cli_output_is_input("recover", in, out))
        return RRT_EXIT_ERROR;
    if (!force && lstat(out, &b) == 0) {
        cli_error("%s: already exists (use --force to replace it)", out);
        return RRT_EXIT_ERROR;
    }
    rrt_writer_options wo;
    rrt_writer_options_init(&wo);
    rrt_recover_report rep;
    rrt_error err;
    /* The file rrt_recover writes through: OUT.partial, or another name
     * when that is the input (archive.h). */
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.partial", out);
    if (stat(in, &a) == 0 && stat(tmp, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino)
        snprintf(tmp, sizeof(tmp), "%s%s", out, RRT_RECOVER_PARTIAL_SUFFIX);
    cli_remove_file_on_signal(tmp);
    rrt_status st = rrt_recover(in, out, &wo, &rep, &err);
    cli_remove_on_signal(NULL);
    if (st != RRT_OK) {
        cli_report(&err);
        return RRT_EXIT_ERROR;
    }
    fprintf(stderr,
            "%s: kept %llu sections (%llu bytes), dropped %llu bytes; "
            "wrote %s\n",
            in, (unsigned long long)rep.sections_kept,
            (unsigned long long)rep.bytes_kept,
            (unsigned long long)rep.bytes_dropped, out);
    return RRT_EXIT_OK;
}

const rrt_command cmd_recover = {
    "recover", "salvage an interrupted or damaged archive",
    "NAME\n"
    "  rrt recover - rebuild an archive from the intact part of another\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt recover -o OUTPUT.rrt INPUT\n"
    "\n"
    "DESCRIPTION\n"
    "  Reads INPUT (typically NAME.rrt.partial, left by a recording or a\n"
    "  create that was killed, or an archive damaged in transfer) section by\n"
    "  section from the start, keeps every section up to the first one that\n"
    "  is incomplete, fails its checksum or does not fit with what came\n"
    "  before, and writes those bytes unchanged plus a new index to OUTPUT.\n"
    "  Blobs are decoded and their content ids checked on the way. INPUT is\n"
    "  never modified. A summary goes to stderr.\n"
    "\n"
    "OPTIONS\n"
    "  -o, --output FILE   archive to write (required; not INPUT)\n"
    "  -f, --force         replace OUTPUT if it exists\n"
    "\n"
    "EXAMPLES\n"
    "  rrt recover -o run.rrt run.rrt.partial && rrt verify run.rrt\n",
    run_recover, NULL};
