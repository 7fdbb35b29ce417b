/* rrt recover: a new archive from the intact sections of an interrupted or
 * damaged one. */
#include <getopt.h>
#include <sys/stat.h>

#include "cli.h"

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
        return CLI_EXIT_ERROR;
    if (!force && lstat(out, &b) == 0) {
        cli_error("%s: already exists (use --force to replace it)", out);
        return CLI_EXIT_ERROR;
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
        return CLI_EXIT_ERROR;
    }
    fprintf(stderr,
            "%s: kept %llu sections (%llu bytes), dropped %llu bytes; "
            "wrote %s\n",
            in, (unsigned long long)rep.sections_kept,
            (unsigned long long)rep.bytes_kept,
            (unsigned long long)rep.bytes_dropped, out);
    return CLI_EXIT_OK;
}

const cli_command cmd_recover = {
    "recover",
    "salvage an interrupted or damaged archive",
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
    run_recover,
    NULL,
    NULL};
