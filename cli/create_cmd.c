/* rrt create: an archive from files and directories, one content-addressed
 * blob per distinct file content. */
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
#include "rrtx.h"

typedef struct create_ctx {
    rrt_writer *w;
    bool external;
    bool verbose;
    bool have_self; /* self_dev/self_ino: the archive being written */
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
        return CLI_EXIT_ERROR;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = CLI_EXIT_OK;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char **grown = rrtx_grow(names, &cap, n + 1, sizeof(*grown));
        if (!grown) {
            rc = CLI_EXIT_ERROR;
            break;
        }
        names = grown;
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n]) {
            rc = CLI_EXIT_ERROR;
            break;
        }
        bool slash = path[strlen(path) - 1] == '/';
        snprintf(names[n], len, "%s%s%s", path, slash ? "" : "/", e->d_name);
        n++;
    }
    closedir(d);
    if (rc != CLI_EXIT_OK)
        cli_error("%s: out of memory", path);
    if (n)
        qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (rc == CLI_EXIT_OK)
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
            return CLI_EXIT_ERROR;
        }
        uint64_t size;
        rrt_status st =
            rrt_writer_add_blob_fd(c->w, fd, path, &e.blob, &size, &err);
        close(fd);
        if (st != RRT_OK) {
            cli_report(&err);
            return CLI_EXIT_ERROR;
        }
        e.flags = RRT_FILE_HAS_BLOB;
        e.size = size;
    }
    if (rrt_writer_add_file(c->w, &e, &err) != RRT_OK) {
        cli_report(&err);
        return CLI_EXIT_ERROR;
    }
    c->files++;
    c->bytes += e.size;
    if (c->verbose)
        fprintf(stderr, "%s\n", path);
    return CLI_EXIT_OK;
}

static int add_path(create_ctx *c, const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) {
        cli_error("%s: %s", path, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    if (S_ISDIR(sb.st_mode))
        return add_dir(c, path);
    /* An output inside an input directory would read itself as it grows,
     * without end (tar skips its own archive the same way). */
    if (S_ISREG(sb.st_mode) && c->have_self && sb.st_dev == c->self_dev &&
        sb.st_ino == c->self_ino) {
        cli_warn("%s: skipped (the archive being written)", path);
        return CLI_EXIT_OK;
    }
    if (S_ISREG(sb.st_mode))
        return add_regular(c, path, &sb);
    cli_warn("%s: skipped (not a regular file or directory)", path);
    return CLI_EXIT_OK;
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
    int opt, rc = CLI_EXIT_OK;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:q:j:C:xfv", longs, NULL)) != -1) {
        if (writer_option(opt, optarg, "create", &wo, &rc)) {
            if (rc != CLI_EXIT_OK)
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
        return CLI_EXIT_ERROR;
    }
    rrt_error err;
    cli_remove_on_signal(out);
    if (rrt_writer_create(out, &wo, &c.w, &err) != RRT_OK) {
        cli_report(&err);
        return CLI_EXIT_ERROR;
    }
    char partial[4200];
    snprintf(partial, sizeof(partial), "%s.partial", out);
    if (stat(partial, &sb) == 0) {
        c.have_self = true;
        c.self_dev = sb.st_dev;
        c.self_ino = sb.st_ino;
    }
    set_common_meta(c.w, "rrt create");
    for (int i = optind; i < argc && rc == CLI_EXIT_OK; i++)
        rc = add_path(&c, argv[i]);
    if (rc == CLI_EXIT_OK && rrt_writer_finish(c.w, &err) != RRT_OK) {
        cli_report(&err);
        rc = CLI_EXIT_ERROR;
    }
    rrt_writer_free(c.w);
    cli_remove_on_signal(NULL);
    if (rc == CLI_EXIT_OK && c.verbose)
        fprintf(stderr, "%s: %llu files, %llu bytes\n", out, c.files, c.bytes);
    return rc;
}

const cli_command cmd_create = {
    "create",
    "create an archive from files and directories",
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
    run_create,
    NULL,
    NULL};
