/* `rrt push` and `rrt pull`: the command-line side of push/store.c. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "store.h"

enum { OPT_RETRIES = 1000, OPT_PARALLEL, OPT_LIMIT, OPT_CACHE, OPT_NOPROG };

static const struct option store_longs[] = {
    {"output", required_argument, NULL, 'o'},
    {"force", no_argument, NULL, 'f'},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"parallel", required_argument, NULL, OPT_PARALLEL},
    {"limit-rate", required_argument, NULL, OPT_LIMIT},
    {"cache", required_argument, NULL, OPT_CACHE},
    {"no-progress", no_argument, NULL, OPT_NOPROG},
    {0, 0, 0, 0}};

/* Parses the options both commands share; -o/--force only for pull. */
static int parse_store_options(int argc, char **argv, const char *cmd,
                               store_options *o, const char **out)
{
    unsigned long long v;
    int opt;
    store_options_init(o);
    o->progress = cli_progress_allowed();
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:f", store_longs, NULL)) != -1) {
        switch (opt) {
        case 'o':
        case 'f':
            if (!out)
                return cli_bad_option(cmd, argv);
            if (opt == 'o')
                *out = optarg;
            else
                o->force = true;
            break;
        case OPT_RETRIES:
            if (!cli_parse_u64(optarg, 20, &v))
                return cli_usage(cmd, "--retries takes 0 to 20");
            o->retries = (unsigned)v;
            break;
        case OPT_PARALLEL:
            if (!cli_parse_u64(optarg, 16, &v) || v == 0)
                return cli_usage(cmd, "--parallel takes 1 to 16");
            o->parallel = (unsigned)v;
            break;
        case OPT_LIMIT:
            if (!cli_parse_u64(optarg, 1ull << 40, &v))
                return cli_usage(cmd, "--limit-rate takes bytes per second");
            o->limit_rate = v;
            break;
        case OPT_CACHE:
            o->cache_dir = optarg;
            break;
        case OPT_NOPROG:
            o->progress = false;
            break;
        default:
            return cli_bad_option(cmd, argv);
        }
    }
    return CLI_EXIT_OK;
}

static double mib(uint64_t b)
{
    return (double)b / 1048576.0;
}

static int run_push(int argc, char **argv)
{
    store_options o;
    int rc = parse_store_options(argc, argv, "push", &o, NULL);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (optind != argc - 2)
        return cli_usage("push", "expects FILE.rrt and URL");
    const char *file = argv[optind], *url = argv[optind + 1];
    char shown[2048];
    store_redact_url(url, shown, sizeof(shown));
    store_summary s;
    rrt_error err;
    rrt_error_clear(&err);
    rrt_status st = store_push(file, url, &o, &s, &err);
    /* Before any transfer a failure is one line; after, the counts tell
     * what a second run will not need to send. */
    if (st == RRT_OK || s.sent || s.skipped)
        fprintf(
            stderr,
            "rrt push: %llu blobs: %llu sent (%.1f MiB), %llu already in the "
            "store (%.1f MiB), %llu retries; %llu bytes uploaded\n",
            (unsigned long long)s.blobs, (unsigned long long)s.sent,
            mib(s.bytes_sent), (unsigned long long)s.skipped,
            mib(s.bytes_skipped), (unsigned long long)s.retries,
            (unsigned long long)s.bytes_uploaded);
    if (st != RRT_OK) {
        cli_report(&err);
        return CLI_EXIT_ERROR;
    }
    fprintf(stderr, "rrt push: %s -> %s (manifest %s)\n", file, shown,
            s.manifest);
    return CLI_EXIT_OK;
}

static int run_pull(int argc, char **argv)
{
    store_options o;
    const char *out = NULL;
    int rc = parse_store_options(argc, argv, "pull", &o, &out);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (optind != argc - 1)
        return cli_usage("pull", "expects exactly one URL");
    if (!out)
        return cli_usage("pull", "missing -o FILE.rrt");
    const char *url = argv[optind];
    char shown[2048], pulling[4200];
    store_redact_url(url, shown, sizeof(shown));
    store_summary s;
    rrt_error err;
    rrt_error_clear(&err);
    snprintf(pulling, sizeof(pulling), "%s.pulling", out);
    cli_remove_on_signal(pulling);
    rrt_status st = store_pull(url, out, &o, &s, &err);
    cli_remove_on_signal(NULL);
    if (st == RRT_OK || s.fetched || s.cached)
        fprintf(
            stderr,
            "rrt pull: %llu blobs: %llu downloaded (%.1f MiB), %llu from the "
            "cache (%.1f MiB), %llu retries\n",
            (unsigned long long)s.blobs, (unsigned long long)s.fetched,
            mib(s.bytes_fetched), (unsigned long long)s.cached,
            mib(s.bytes_cached), (unsigned long long)s.retries);
    if (st != RRT_OK) {
        cli_report(&err);
        return CLI_EXIT_ERROR;
    }
    fprintf(stderr, "rrt pull: %s -> %s (manifest %s, verified)\n", shown, out,
            s.manifest);
    return CLI_EXIT_OK;
}

#define STORE_OPTIONS_HELP                                                     \
    "  --parallel N      transfers at once, 1-16 (default 4)\n"                \
    "  --retries N       retries of a transfer that failed with a 5xx, 429\n"  \
    "                    or a connection error, with backoff from 0.5 s\n"     \
    "                    doubling (default 5, 0-20)\n"                         \
    "  --limit-rate B    bytes per second per transfer (default unlimited)\n"  \
    "  --no-progress     no progress line (it is drawn only on a terminal)\n"

#define STORE_URLS_HELP                                                        \
    "URLS\n"                                                                   \
    "  http://HOST/ROOT/NAME, https://HOST/ROOT/NAME\n"                        \
    "      A plain HTTP store (WebDAV or any server that accepts PUT):\n"      \
    "      blobs go to ROOT/blobs/sha256/HEX, the recording's name to\n"       \
    "      ROOT/NAME. See spec/store.md.\n"                                    \
    "  oci://HOST[:PORT]/REPOSITORY[:TAG], oci+http://... (no TLS)\n"          \
    "      An OCI registry; the recording is an OCI artifact of type\n"        \
    "      application/vnd.rrt.recording.v2 (pull also reads .v1, what\n"      \
    "      rrt pushed before it compressed blobs). TAG defaults to latest.\n"  \
    "\n"                                                                       \
    "CREDENTIALS\n"                                                            \
    "  Never on the command line (URLs with user:password@ are refused).\n"    \
    "  RRT_STORE_TOKEN sends \"Authorization: Bearer TOKEN\"; else\n"          \
    "  RRT_STORE_USER and RRT_STORE_PASSWORD use HTTP basic auth; else\n"      \
    "  ~/.netrc is consulted. A registry that answers with a Bearer\n"         \
    "  challenge gets those credentials at its token service, and the\n"       \
    "  token it issues is used instead. TLS certificates are always\n"         \
    "  verified; CURL_CA_BUNDLE names a private CA bundle.\n"

const cli_command cmd_push = {
    "push",
    "upload an archive to an HTTP store or OCI registry",
    "NAME\n"
    "  rrt push - upload an .rrt archive to a content-addressed store\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt push [options] FILE.rrt URL\n"
    "\n"
    "DESCRIPTION\n"
    "  Splits the archive into its blobs and a recording manifest that\n"
    "  lists them with their XXH3-128 ids and sizes and holds everything\n"
    "  else the archive contains. Each blob is stored once, compressed (an\n"
    "  .rrt archive of that one blob, brotli q5 with the x86 filter, with\n"
    "  fixed settings so that the same file gives the same object on every\n"
    "  machine), under the SHA-256 of the compressed bytes; the manifest\n"
    "  too. The objects are made first, one thread per CPU. Each is\n"
    "  checked with HEAD and only the missing ones are uploaded, so\n"
    "  pushing again, or pushing a recording that shares files with one\n"
    "  already there, sends only what is new; an interrupted push resumes\n"
    "  by running it again. The recording's name is written last, so a\n"
    "  reader never sees a recording whose blobs are missing. A summary\n"
    "  (blobs sent and skipped with their compressed sizes, and every byte\n"
    "  of every object uploaded, manifest included) goes to stderr.\n"
    "\n"
    "OPTIONS\n" STORE_OPTIONS_HELP "\n" STORE_URLS_HELP "\n"
    "EXAMPLES\n"
    "  rrt push run.rrt https://store.example/rrt/run-42\n"
    "  RRT_STORE_TOKEN=... rrt push run.rrt oci://ghcr.io/me/runs:42\n",
    run_push,
    NULL,
    NULL};

const cli_command cmd_pull = {
    "pull",
    "download an archive from an HTTP store or OCI registry",
    "NAME\n"
    "  rrt pull - rebuild an .rrt archive from a content-addressed store\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt pull [options] URL -o FILE.rrt\n"
    "\n"
    "DESCRIPTION\n"
    "  Fetches the recording manifest and every blob it lists that is not\n"
    "  already in the cache, checks each object against its SHA-256 and,\n"
    "  decompressed, each blob against its XXH3-128 id before use, rebuilds\n"
    "  the archive with the same layout as the one that was pushed, checks\n"
    "  it as 'rrt verify' does, and only then gives it its name. On any\n"
    "  error no output file is left. Verified objects stay in the cache,\n"
    "  so an interrupted pull resumes where it stopped. Recordings pushed\n"
    "  before blobs were compressed (store layout 1) pull as before.\n"
    "\n"
    "OPTIONS\n"
    "  -o, --output FILE  archive to write (required)\n"
    "  -f, --force        replace FILE if it exists\n"
    "  --cache DIR        blob cache (default $RRT_CACHE_DIR, else\n"
    "                     $XDG_CACHE_HOME/rrt, else "
    "~/.cache/rrt)\n" STORE_OPTIONS_HELP "\n" STORE_URLS_HELP "\n"
    "EXAMPLES\n"
    "  rrt pull https://store.example/rrt/run-42 -o run.rrt\n",
    run_pull,
    NULL,
    NULL};
