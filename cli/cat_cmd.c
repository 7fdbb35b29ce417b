/* rrt cat: one stored file or blob to stdout, streamed and checked. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"

static int stream_blob(rrt_reader *r, const rrt_blob_id *id)
{
    rrt_blob_stream *s;
    rrt_error err;
    if (rrt_blob_stream_open(r, id, &s, &err) != RRT_OK) {
        cli_report(&err);
        return CLI_EXIT_ERROR;
    }
    static uint8_t buf[1 << 16];
    size_t got;
    rrt_status st;
    int rc = CLI_EXIT_OK;
    while ((st = rrt_blob_stream_read(s, buf, sizeof(buf), &got, &err)) ==
               RRT_OK &&
           got) {
        if (fwrite(buf, 1, got, stdout) != got) {
            cli_error("stdout: write failed: %s", strerror(errno));
            rc = CLI_EXIT_ERROR;
            break;
        }
    }
    if (st != RRT_OK) {
        cli_report(&err);
        rc = CLI_EXIT_ERROR;
    }
    rrt_blob_stream_close(s);
    if (fflush(stdout) != 0 && rc == CLI_EXIT_OK) {
        cli_error("stdout: write failed: %s", strerror(errno));
        rc = CLI_EXIT_ERROR;
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
    rrt_reader *r = cli_open_archive(argv[optind]);
    if (!r)
        return CLI_EXIT_ERROR;
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
            rc = CLI_EXIT_ERROR;
        } else if (e.flags & RRT_FILE_EXTERNAL) {
            cli_error("%s: %s is an external reference, not stored in the "
                      "archive (rrt pack embeds it)",
                      argv[optind], what);
            rc = CLI_EXIT_ERROR;
        } else {
            rc = stream_blob(r, &e.blob);
        }
        rrt_file_entry_clear(&e);
    }
    rrt_reader_close(r);
    return rc;
}

const cli_command cmd_cat = {
    "cat",
    "write a file or blob from an archive to stdout",
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
    run_cat,
    NULL,
    NULL};
