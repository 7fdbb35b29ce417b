/* rrt info: a summary of an archive from its index and small sections. */
#include "cli.h"

static int run_info(int argc, char **argv)
{
    bool json = false;
    int first = 0;
    rrt_reader *r = NULL;
    int rc = cli_open_one_archive(argc, argv, "info", &json, &first, &r);
    if (rc != CLI_EXIT_OK)
        return rc;
    rrt_archive_info in;
    rrt_reader_info(r, &in);
    rrt_cpuid_manifest m;
    rrt_error err;
    rrt_status cst = rrt_reader_cpuid(r, &m, &err);
    if (cst != RRT_OK && cst != RRT_E_NOT_FOUND) {
        cli_report(&err);
        rrt_reader_close(r);
        return CLI_EXIT_ERROR;
    }
    const rrt_meta_entry *meta;
    size_t nmeta;
    if (rrt_reader_meta(r, &meta, &nmeta, &err) != RRT_OK) {
        cli_report(&err);
        rrt_cpuid_manifest_clear(&m);
        rrt_reader_close(r);
        return CLI_EXIT_ERROR;
    }
    double ratio =
        in.blob_bytes ? (double)in.file_size / (double)in.blob_bytes : 0.0;
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
               (in.header_flags & RRT_HFLAG_X86_FILTER) ? ", x86 filter" : "",
               (in.header_flags & RRT_HFLAG_SHARED_CHUNKS) ? ", shared chunks"
                                                           : "");
        printf("size:        %llu bytes\n", (unsigned long long)in.file_size);
        printf(
            "blobs:       %zu (%llu bytes uncompressed, archive is %.1f%%)\n",
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
    return CLI_EXIT_OK;
}

const cli_command cmd_info = {
    "info",
    "summarize an archive",
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
    run_info,
    NULL,
    NULL};
