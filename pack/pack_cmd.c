/* The pack module's commands: pack, unpack, export, import. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "pack.h"

/* ------------------------------------------------------------------ */
/* pack                                                               */

typedef struct pack_ui {
    bool verbose;
    bool refs;
    bool progress;
    bool progress_shown;
    struct timespec last;
} pack_ui;

static void show_progress(pack_ui *ui, uint64_t done, uint64_t total)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double dt = (double)(now.tv_sec - ui->last.tv_sec) +
                (double)(now.tv_nsec - ui->last.tv_nsec) / 1e9;
    if (done != total && dt < 0.2)
        return;
    ui->last = now;
    fprintf(stderr, "\rpack: %llu/%llu files", (unsigned long long)done,
            (unsigned long long)total);
    ui->progress_shown = true;
}

static void end_progress(pack_ui *ui)
{
    if (ui->progress_shown)
        fputc('\n', stderr);
    ui->progress_shown = false;
}

static void on_note(void *ctx, pack_note n, const char *path,
                    const char *detail, uint64_t done, uint64_t total)
{
    pack_ui *ui = ctx;
    static const char *const verbs[] = {
        [PACK_EMBEDDED] = "embedded",
        [PACK_FROM_STORE] = "embedded from the blob store",
        [PACK_DEDUP] = "deduplicated",
        [PACK_STORED] = "added to the blob store",
    };
    if (n == PACK_PROGRESS) {
        if (ui->progress)
            show_progress(ui, done, total);
        return;
    }
    /* Only a line that is printed ends the progress line: ending it for
     * every silent note would scroll one line per file. */
    if (n == PACK_CHANGED) {
        end_progress(ui);
        cli_warn("%s: %s; embedding it as it is now", path, detail);
    } else if (n == PACK_STORE_BAD) {
        end_progress(ui);
        cli_warn("%s: damaged blob store file (%s); not used", path, detail);
    } else if (ui->verbose) {
        end_progress(ui);
        fprintf(stderr, "%s: %s\n",
                ui->refs && n == PACK_EMBEDDED ? "referenced" : verbs[n], path);
    }
}

static void print_summary(const char *in, const char *out, const pack_report *r,
                          bool refs)
{
    if (r->unchanged) {
        fprintf(stderr,
                "%s: already self-contained at the requested quality; "
                "nothing to do%s%s\n",
                in, r->copied ? ", copied to " : "", r->copied ? out : "");
        return;
    }
    fprintf(stderr,
            "%s: %llu files: %llu %s (%.1f MiB read), %llu "
            "deduplicated (%.1f MiB saved), %llu from the blob store, %llu "
            "added to it, %llu changed; %llu blobs recompressed, %llu "
            "events; %.1f MiB -> %.1f MiB\n",
            out, (unsigned long long)r->files, (unsigned long long)r->embedded,
            refs ? "referenced by id" : "embedded",
            (double)r->embedded_bytes / 1048576.0,
            (unsigned long long)r->deduplicated,
            (double)r->dedup_bytes / 1048576.0,
            (unsigned long long)r->from_store, (unsigned long long)r->stored,
            (unsigned long long)r->changed, (unsigned long long)r->blobs_copied,
            (unsigned long long)r->events, (double)r->in_size / 1048576.0,
            (double)r->out_size / 1048576.0);
}

enum {
    OPT_STORE = 256,
    OPT_REFS,
    OPT_ALLOW,
    OPT_NOSYNC,
    OPT_NOFILTER,
    OPT_NOSHARED,
    OPT_DEBUGINFO
};

static int parse_pack(int argc, char **argv, pack_options *o, pack_ui *ui)
{
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'},
        {"quality", required_argument, NULL, 'q'},
        {"threads", required_argument, NULL, 'j'},
        {"chunk-size", required_argument, NULL, 'C'},
        {"blob-store", required_argument, NULL, OPT_STORE},
        {"refs", no_argument, NULL, OPT_REFS},
        {"allow-changed", no_argument, NULL, OPT_ALLOW},
        {"no-sync", no_argument, NULL, OPT_NOSYNC},
        {"no-filter", no_argument, NULL, OPT_NOFILTER},
        {"no-shared-chunks", no_argument, NULL, OPT_NOSHARED},
        {"debug-info", no_argument, NULL, OPT_DEBUGINFO},
        {"force", no_argument, NULL, 'f'},
        {"verbose", no_argument, NULL, 'v'},
        {0, 0, 0, 0}};
    int opt;
    unsigned long long v;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:q:j:C:fv", longs, NULL)) != -1) {
        switch (opt) {
        case 'o':
            o->output = optarg;
            break;
        case 'q':
            if (!cli_parse_u64(optarg, 11, &v))
                return cli_usage("pack", "-q takes a quality from 0 to 11");
            o->quality = (int)v;
            break;
        case 'j':
            if (!cli_parse_u64(optarg, 64, &v))
                return cli_usage("pack",
                                 "-j takes a thread count from 0 to 64");
            o->threads = (unsigned)v;
            break;
        case 'C':
            if (!cli_parse_u64(optarg, 16u << 20, &v) || v < 4096)
                return cli_usage("pack", "--chunk-size takes 4096 to 16777216");
            o->chunk_size = (uint32_t)v;
            break;
        case OPT_STORE:
            o->blob_store = optarg;
            break;
        case OPT_NOFILTER:
            o->no_filter = true;
            break;
        case OPT_NOSHARED:
            o->no_shared = true;
            break;
        case OPT_REFS:
            o->refs_only = true;
            break;
        case OPT_ALLOW:
            o->allow_changed = true;
            break;
        case OPT_NOSYNC:
            o->no_sync = true;
            break;
        case OPT_DEBUGINFO:
            o->debug_info = true;
            break;
        case 'f':
            o->force = true;
            break;
        case 'v':
            ui->verbose = true;
            break;
        default:
            return cli_bad_option("pack", argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage("pack", "expects exactly one archive");
    if (o->refs_only && !o->blob_store)
        return cli_usage("pack", "--refs needs --blob-store DIR");
    return CLI_EXIT_OK;
}

static int run_pack(int argc, char **argv)
{
    pack_options o;
    pack_options_init(&o);
    pack_ui ui = {0};
    int rc = parse_pack(argc, argv, &o, &ui);
    if (rc != CLI_EXIT_OK)
        return rc;
    const char *in = argv[optind];
    ui.progress = cli_progress_allowed();
    ui.refs = o.refs_only;
    o.notify = on_note;
    o.notify_ctx = &ui;
    pack_report rep;
    rrt_error err;
    rrt_error_clear(&err);
    const char *out = o.output ? o.output : in;
    /* in place through a symlink, pack_archive writes next to its target */
    char real[PATH_MAX];
    if (!o.output && realpath(in, real))
        out = real;
    cli_remove_on_signal(out);
    rrt_status st = pack_archive(in, &o, &rep, &err);
    cli_remove_on_signal(NULL);
    end_progress(&ui);
    if (st != RRT_OK) {
        /* one line: the error, and that the input survived it */
        if (!o.output || strcmp(o.output, in) == 0)
            cli_error("%s (%s left unchanged)",
                      err.message[0] ? err.message : rrt_strerror(st), in);
        else
            cli_report(&err);
        return CLI_EXIT_ERROR;
    }
    if (ui.verbose)
        print_summary(in, out, &rep, o.refs_only);
    return CLI_EXIT_OK;
}

const cli_command cmd_pack = {
    "pack",
    "embed external files to make an archive self-contained",
    "NAME\n"
    "  rrt pack - make an archive self-contained\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt pack [options] FILE.rrt [-o OUT.rrt]\n"
    "\n"
    "DESCRIPTION\n"
    "  A recording refers to the files the program read (libraries, data)\n"
    "  by path, device, inode, size and modification time. pack embeds\n"
    "  every such external reference, after checking that the file still\n"
    "  has its recorded identity (and, when the entry has one, its content\n"
    "  id once read). A changed or missing file is an error naming it, and\n"
    "  nothing is written. Contents are stored once per content id.\n"
    "  Everything else is copied: events, the CPUID manifest, every file\n"
    "  entry (embedded ones keep path, mode, size and mtime; dev and inode\n"
    "  become 0) and the metadata, plus 'packed' (the time) and\n"
    "  'packed.quality'. Blobs are recompressed at the chosen quality by\n"
    "  -j threads with bounded memory.\n"
    "\n"
    "  By default FILE.rrt is replaced in place: the new archive is written\n"
    "  to FILE.rrt.partial, synced, and renamed over FILE.rrt only when\n"
    "  complete, so an interrupted or failed pack leaves the input as it\n"
    "  was. A packed archive with no external entries is left alone\n"
    "  (exit 0) unless -q asks for a quality it was not packed with, or\n"
    "  for the x86 filter or shared chunks (both on by default) it was\n"
    "  packed without; a recording never packed is always recompressed.\n"
    "\n"
    "  With --blob-store DIR, contents also go to DIR/ab/cdef... (one file\n"
    "  per content id, written atomically), and an entry whose recorded id\n"
    "  is in the store is taken from there (verified by id), so recordings\n"
    "  on one machine share one copy and still pack after their files\n"
    "  changed. With --refs the archive keeps id references into the store\n"
    "  instead of embedding (small, but not self-contained until packed\n"
    "  again with the same --blob-store).\n"
    "\n"
    "OPTIONS\n"
    "  -o, --output FILE     write FILE instead of replacing the input\n"
    "  -q, --quality N       brotli quality 0-11 (default 5). Against\n"
    "                        'tar | brotli -q 5' of the same files: -q 5\n"
    "                        is 0.97x the size of 300 MB of libraries and\n"
    "                        1.0x on a Python recording, in about half the\n"
    "                        time on two cores; -q 6 is 0.95x and 0.99x\n"
    "                        but needs 1.3x brotli's CPU time\n"
    "                        (bench/pack_bench.sh, bench/typical_bench.sh)\n"
    "  -j, --threads N       compression threads, 0 = one per CPU (default)\n"
    "  -C, --chunk-size N    blob chunk size, 4096-16777216 (default\n"
    "                        4194304: brotli's window; bigger compresses\n"
    "                        better, smaller parallelizes small inputs)\n"
    "  --blob-store DIR      shared content-addressed store (see above)\n"
    "  --refs                with --blob-store: store, do not embed\n"
    "  --allow-changed       embed changed files as they are now, with a\n"
    "                        warning (missing files are still an error)\n"
    "  --debug-info          also embed this host's separate debug files\n"
    "                        of the recorded ELF files, by build-id\n"
    "                        (/usr/lib/debug/.build-id/), for gdb in\n"
    "                        `rrt replay --debug` on hosts without them\n"
    "  --no-filter           no x86 branch filter: executables and\n"
    "                        libraries compress about 4% worse\n"
    "  --no-shared-chunks    store every small file in chunks of its own\n"
    "                        instead of sharing chunks between small files\n"
    "                        (larger; see rrt create --help). With\n"
    "                        --no-filter, a format 1.0 reader can read\n"
    "                        the result. Either option repacks an archive\n"
    "                        that uses the feature\n"
    "  --no-sync             skip fsync (scratch files, benchmarks)\n"
    "  -f, --force           replace OUT if it exists\n"
    "  -v, --verbose         list what was embedded, deduplicated, stored,\n"
    "                        and a summary of the space saved\n"
    "\n"
    "  A progress line is shown when stderr is a terminal.\n"
    "\n"
    "EXAMPLES\n"
    "  rrt pack run.rrt\n"
    "  rrt pack -q 9 run.rrt -o run-small.rrt\n"
    "  rrt pack --blob-store ~/.cache/rrt/blobs -v run.rrt\n",
    run_pack,
    NULL,
    NULL};

/* ------------------------------------------------------------------ */
/* export / unpack / import                                           */

static const char *format_of(const char *out)
{
    size_t n = strlen(out);
    struct {
        const char *ext, *fmt;
    } map[] = {{".tar.gz", "tar.gz"},
               {".tgz", "tar.gz"},
               {".tar", "tar"},
               {".zip", "zip"}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        size_t k = strlen(map[i].ext);
        if (n > k && strcmp(out + n - k, map[i].ext) == 0)
            return map[i].fmt;
    }
    return NULL;
}

static int run_export(int argc, char **argv)
{
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'F'},
        {"force", no_argument, NULL, 'f'},
        {0, 0, 0, 0}};
    const char *out = NULL, *fmt = NULL;
    bool force = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:F:f", longs, NULL)) != -1) {
        if (opt == 'o')
            out = optarg;
        else if (opt == 'F')
            fmt = optarg;
        else if (opt == 'f')
            force = true;
        else
            return cli_bad_option("export", argv);
    }
    if (optind != argc - 1)
        return cli_usage("export", "expects exactly one archive");
    if (!out)
        return cli_usage("export", "missing -o OUT.tar|.tar.gz|.zip");
    if (!fmt)
        fmt = format_of(out);
    if (!fmt ||
        (strcmp(fmt, "tar") && strcmp(fmt, "tar.gz") && strcmp(fmt, "zip")))
        return cli_usage("export", "output must end in .tar, .tar.gz, .tgz "
                                   "or .zip (or give --format)");
    struct stat sb;
    if (cli_output_is_input("export", argv[optind], out))
        return CLI_EXIT_ERROR;
    if (!force && lstat(out, &sb) == 0) {
        cli_error("%s: already exists (use --force to replace it)", out);
        return CLI_EXIT_ERROR;
    }
    pack_export_report rep;
    rrt_error err;
    rrt_error_clear(&err);
    cli_remove_on_signal(out);
    rrt_status st = pack_export(argv[optind], out, fmt, &rep, &err);
    cli_remove_on_signal(NULL);
    if (st != RRT_OK) {
        cli_report(&err);
        return CLI_EXIT_ERROR;
    }
    if (rep.skipped_external)
        cli_warn("%s: %llu external references have no content to export "
                 "(listed in files.json; 'rrt pack' embeds them)",
                 argv[optind], (unsigned long long)rep.skipped_external);
    return CLI_EXIT_OK;
}

#define LAYOUT_HELP                                                            \
    "LAYOUT\n"                                                                 \
    "  meta.json    metadata, {\"key\": \"value\", ...}\n"                     \
    "  cpuid.json   the CPUID manifest (as in 'rrt dump --json'), or null\n"   \
    "  files.json   the file table in order: path, flags, mode, size,\n"       \
    "               mtime_ns, dev, ino, blob (content id), member\n"           \
    "  files/P      content of embedded file P (recorded path made\n"          \
    "               relative: leading '/', '.' and '..' removed)\n"            \
    "  blobs/ID     blobs no file names, and files shadowed by a later\n"      \
    "               entry with the same path\n"                                \
    "  events.json  the event stream: [{\"seq\", \"type\", \"data\": hex}]\n"  \
    "  Strings escape every byte outside printable ASCII as \\u00XX.\n"

const cli_command cmd_export = {
    "export",
    "write an archive as a tar, tar.gz or zip of plain files",
    "NAME\n"
    "  rrt export - convert an archive to tar, tar.gz or zip\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt export FILE.rrt -o OUT.tar|OUT.tar.gz|OUT.zip [--format F] [-f]\n"
    "\n"
    "DESCRIPTION\n"
    "  Writes every embedded file, the metadata, the CPUID manifest and\n"
    "  the events as plain files that any tool can read; 'rrt import'\n"
    "  turns the result back into an archive with the same files, blobs,\n"
    "  events, metadata and manifest. External references have no content\n"
    "  and appear only in files.json. OUT is written as OUT.partial and\n"
    "  renamed when complete.\n"
    "\n" LAYOUT_HELP "\n"
    "OPTIONS\n"
    "  -o, --output FILE   output; the format follows its extension\n"
    "  -F, --format F      tar, tar.gz or zip\n"
    "  -f, --force         replace OUT if it exists\n",
    run_export,
    NULL,
    NULL};

/* Removes all inside the directory open as fd, and closes fd. Calls are
 * relative to directory descriptors: a hostile archive's entries may lie
 * deeper than PATH_MAX, where path-based removal (nftw) fails. */
static void remove_inside(int fd)
{
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            unlinkat(dirfd(d), e->d_name, 0) == 0)
            continue;
        remove_inside(openat(dirfd(d), e->d_name,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
    }
    closedir(d);
}

/* True when dir is an empty directory; else reports. */
static bool empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool empty = d != NULL;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = false;
    if (d)
        closedir(d);
    if (!empty)
        cli_error("%s: %s", dir,
                  d ? "not empty (unpack fills a new "
                      "directory)"
                    : strerror(errno));
    return empty;
}

/* Moves every entry of stage up into dir; false after an error. */
static bool move_up(const char *dir, const char *stage)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = opendir(stage);
    struct dirent *e;
    bool ok = dfd >= 0 && d != NULL;
    while (ok && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            ok = renameat(dirfd(d), e->d_name, dfd, e->d_name) == 0;
    if (!ok)
        cli_error("%s: cannot move into %s: %s", stage, dir, strerror(errno));
    if (d)
        closedir(d);
    if (dfd >= 0)
        close(dfd);
    return ok;
}

/* Extracts into DIR/.rrt-unpack.partial and moves the result up into DIR
 * when complete, so a failed unpack leaves DIR as it was: empty, or not
 * there. Nothing is written beside DIR. */
static int run_unpack(int argc, char **argv)
{
    if (argc != 3 || argv[1][0] == '-')
        return cli_usage("unpack", "expects FILE and DIR");
    const char *dir = argv[2];
    char stage[PATH_MAX];
    if (snprintf(stage, sizeof(stage), "%s/.rrt-unpack.partial", dir) >=
        (int)sizeof(stage)) {
        cli_error("%s: path too long", dir);
        return CLI_EXIT_ERROR;
    }
    bool made = mkdir(dir, 0755) == 0;
    if (!made && errno != EEXIST) {
        cli_error("%s: cannot create: %s", dir, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    if (!made && !empty_dir(dir))
        return CLI_EXIT_ERROR;
    if (mkdir(stage, 0755) != 0) {
        cli_error("%s: cannot create: %s", stage, strerror(errno));
        if (made)
            rmdir(dir);
        return CLI_EXIT_ERROR;
    }
    rrt_error err;
    rrt_error_clear(&err);
    rrt_status st;
    if (pack_is_rrt(argv[1])) {
        pack_export_report rep;
        st = pack_export(argv[1], stage, "dir", &rep, &err);
        if (st == RRT_OK && rep.skipped_external)
            cli_warn("%s: %llu external references have no content "
                     "(listed in files.json)",
                     argv[1], (unsigned long long)rep.skipped_external);
    } else {
        pack_extract_report rep;
        st = pack_extract(argv[1], stage, &rep, &err);
    }
    if (st != RRT_OK)
        cli_report(&err);
    if (st == RRT_OK && move_up(dir, stage) && rmdir(stage) == 0)
        return CLI_EXIT_OK;
    /* DIR was empty: all in it goes, what was moved up already too (a
     * DIR that is a symlink is followed) */
    remove_inside(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (made)
        rmdir(dir);
    return CLI_EXIT_ERROR;
}

const cli_command cmd_unpack = {
    "unpack",
    "extract an archive (or its tar/zip export) into a directory",
    "NAME\n"
    "  rrt unpack - extract an archive into a directory\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt unpack FILE DIR\n"
    "\n"
    "DESCRIPTION\n"
    "  FILE is an .rrt archive (written out in the layout below, as\n"
    "  'rrt export' would) or a tar, tar.gz or zip such as an export.\n"
    "  Extraction is safe against hostile input: only regular files and\n"
    "  directories are written, never under an absolute name, a '..'\n"
    "  component or through a symbolic link; setuid, setgid and sticky\n"
    "  bits and owners are dropped; at most 65536 members and 64 GiB in\n"
    "  all. The first hostile member stops extraction with an error naming\n"
    "  it; nothing is ever written outside DIR. DIR must be empty or not\n"
    "  exist: files go to DIR/.rrt-unpack.partial and are moved into DIR\n"
    "  when complete, so a failed unpack leaves DIR as it was.\n"
    "\n" LAYOUT_HELP,
    run_unpack,
    NULL,
    NULL};

static int run_import(int argc, char **argv)
{
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'},
        {"quality", required_argument, NULL, 'q'},
        {"threads", required_argument, NULL, 'j'},
        {"force", no_argument, NULL, 'f'},
        {0, 0, 0, 0}};
    const char *out = NULL;
    bool force = false;
    rrt_writer_options wo;
    rrt_writer_options_init(&wo);
    unsigned long long v;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:q:j:f", longs, NULL)) != -1) {
        if (opt == 'o') {
            out = optarg;
        } else if (opt == 'q' && cli_parse_u64(optarg, 11, &v)) {
            wo.quality = (int)v;
        } else if (opt == 'j' && cli_parse_u64(optarg, 64, &v)) {
            wo.threads = (unsigned)v;
        } else if (opt == 'f') {
            force = true;
        } else if (opt == '?') {
            return cli_bad_option("import", argv);
        } else {
            return cli_usage("import",
                             "-%c: bad value '%s' (-q 0-11, "
                             "-j 0-64)",
                             opt, optarg);
        }
    }
    if (optind != argc - 1)
        return cli_usage("import", "expects exactly one input");
    if (!out)
        return cli_usage("import", "missing -o OUT.rrt");
    if (cli_output_is_input("import", argv[optind], out))
        return CLI_EXIT_ERROR;
    pack_import_report rep;
    rrt_error err;
    rrt_error_clear(&err);
    cli_remove_on_signal(out);
    rrt_status st = pack_import(argv[optind], out, &wo, force, &rep, &err);
    cli_remove_on_signal(NULL);
    if (st != RRT_OK) {
        cli_report(&err);
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

const cli_command cmd_import = {
    "import",
    "build an archive from a tar, tar.gz or zip export",
    "NAME\n"
    "  rrt import - build an archive back from an export\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt import IN.tar|IN.tar.gz|IN.zip -o OUT.rrt [-q N] [-j N] [-f]\n"
    "\n"
    "DESCRIPTION\n"
    "  Reads an 'rrt export' (or a tar of an 'rrt unpack' directory) and\n"
    "  writes an archive with the same file table, blobs, events, metadata\n"
    "  and CPUID manifest: 'rrt dump --json' of both differs only in\n"
    "  \"size\", \"index_offset\" and \"sections\" (the layout). Member\n"
    "  names and types are checked as for unpack, and anything that is not\n"
    "  part of an export is refused; every blobs/ID member must hash to\n"
    "  its ID and every file to the id files.json gives it. Nothing is\n"
    "  written to disk but OUT (via OUT.partial).\n"
    "\n" LAYOUT_HELP "\n"
    "OPTIONS\n"
    "  -o, --output FILE   archive to write (required)\n"
    "  -q, --quality N     brotli quality 0-11 (default 5)\n"
    "  -j, --threads N     compression threads, 0 = one per CPU\n"
    "  -f, --force         replace OUT if it exists\n",
    run_import,
    NULL,
    NULL};
