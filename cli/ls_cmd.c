/* rrt ls: the file table (or the blob list) of an archive. */
#include <getopt.h>
#include <time.h>

#include "cli.h"

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
    rrt_reader *r = cli_open_archive(argv[optind]);
    if (!r)
        return CLI_EXIT_ERROR;
    int rc = CLI_EXIT_OK;
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
            rc = CLI_EXIT_ERROR;
            break;
        }
        if (lng) {
            char when[32], hex[33] = "external";
            format_mtime(e.mtime_ns, when, sizeof(when));
            if (e.flags & RRT_FILE_HAS_BLOB)
                rrt_blob_id_to_hex(&e.blob, hex);
            printf("%06o %12llu %s %-32s %s%s\n", e.mode,
                   (unsigned long long)e.size, when, hex, e.path,
                   (e.flags & RRT_FILE_EXTERNAL) &&
                           (e.flags & RRT_FILE_HAS_BLOB)
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

const cli_command cmd_ls = {
    "ls",
    "list the files (or blobs) in an archive",
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
    run_ls,
    NULL,
    NULL};
