/* Helpers shared by every command: diagnostics, option values, opening an
 * archive, JSON. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "rrtx.h"
#include "trace.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("rrt: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("rrt: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_bad_option(const char *cmd, char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    if (strncmp(arg, "--", 2) != 0 && optopt > ' ' && optopt < 127)
        return cli_usage(cmd, "unknown option, or one without its value: -%c",
                         optopt);
    return cli_usage(cmd, "unknown option, or one without its value: %s", arg);
}

bool cli_output_is_input(const char *cmd, const char *in, const char *out)
{
    struct stat a, b;
    if (stat(in, &a) != 0 || stat(out, &b) != 0 || a.st_dev != b.st_dev ||
        a.st_ino != b.st_ino)
        return false;
    cli_error("%s: output is the input; %s writes a new file", out, cmd);
    return true;
}

void cli_report(const rrt_error *err)
{
    cli_error("%s", err->message[0] ? err->message : rrt_strerror(err->status));
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "rrt %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'rrt help %s'.\n", cmd);
    va_end(ap);
    return CLI_EXIT_ERROR;
}

rrt_reader *cli_open_archive(const char *path)
{
    rrt_reader *r;
    rrt_error err;
    if (rrt_reader_open(path, &r, &err) != RRT_OK) {
        cli_report(&err);
        return NULL;
    }
    return r;
}

static int parse_json_flag(int argc, char **argv, const char *cmd, bool *json,
                           int *first_arg)
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
    return CLI_EXIT_OK;
}

int cli_open_one_archive(int argc, char **argv, const char *cmd, bool *json,
                         int *first, rrt_reader **r)
{
    int rc = parse_json_flag(argc, argv, cmd, json, first);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (*first != argc - 1)
        return cli_usage(cmd, "expects exactly one archive");
    *r = cli_open_archive(argv[*first]);
    return *r ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

bool cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return false;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    }
    return false;
}

bool cli_parse_u64(const char *s, unsigned long long max,
                   unsigned long long *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

/* The CLI's --json escapes \n, \r and \t short; otherwise the one
 * escaping every JSON writer uses (util/rrtx.h). */
void cli_json_bytes(FILE *f, const void *p, size_t n)
{
    rrtx_json j;
    rrtx_json_init_file(&j, f, RRTX_JSON_SHORT_ESCAPES);
    rrtx_json_bytes(&j, p, n);
}

void cli_json_string(FILE *f, const char *s)
{
    cli_json_bytes(f, s, strlen(s));
}

bool cli_progress_allowed(void)
{
    return isatty(STDERR_FILENO) == 1;
}

static uint64_t inherited_ignored, inherited_blocked;

void cli_signals_capture(void)
{
    trace_signals_now(&inherited_ignored, &inherited_blocked);
}

void cli_signals_inherited(uint64_t *ignored, uint64_t *blocked)
{
    *ignored = inherited_ignored;
    *blocked = inherited_blocked;
}

/* Removal of an unfinished output when the user interrupts a command. The
 * CLI may hold this one piece of global state; the library holds none. */
static char cleanup_path[4200];

static void on_signal(int sig)
{
    if (cleanup_path[0])
        unlink(cleanup_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_remove_file_on_signal(const char *path)
{
    cleanup_path[0] = 0;
    /* A file that is already there is not ours to remove: another writer's,
     * one a killed writer left, or the very input of the command. The
     * writer's O_EXCL create refuses it, or writes elsewhere. */
    struct stat sb;
    if (!path || lstat(path, &sb) == 0)
        return;
    snprintf(cleanup_path, sizeof(cleanup_path), "%s", path);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

void cli_remove_on_signal(const char *final_path)
{
    char partial[sizeof(cleanup_path)];
    if (!final_path) {
        cli_remove_file_on_signal(NULL);
        return;
    }
    snprintf(partial, sizeof(partial), "%s.partial", final_path);
    cli_remove_file_on_signal(partial);
}

void cli_print_event_counts(const char *cmd, uint64_t events,
                            const uint64_t counts[32],
                            const uint64_t site_regions[4])
{
    fprintf(stderr,
            "rrt %s: %llu events: %llu syscalls, %llu rdtsc, %llu cpuid, "
            "%llu signals, %llu clones, %llu execs, %llu exits\n",
            cmd, (unsigned long long)events,
            (unsigned long long)counts[RRT_EV_SYSCALL],
            (unsigned long long)counts[RRT_EV_RDTSC],
            (unsigned long long)counts[RRT_EV_CPUID],
            (unsigned long long)counts[RRT_EV_SIGNAL],
            (unsigned long long)counts[RRT_EV_CLONE],
            (unsigned long long)counts[RRT_EV_EXEC],
            (unsigned long long)counts[RRT_EV_EXIT]);
    /* [1] archive table, [2] cache, [3] disassembled (trace_sites_how) */
    uint64_t regions = site_regions[1] + site_regions[2] + site_regions[3];
    if (regions)
        fprintf(stderr,
                "rrt %s: CPUID sites of %llu code regions: %llu from the "
                "archive, %llu from the cache, %llu disassembled\n",
                cmd, (unsigned long long)regions,
                (unsigned long long)site_regions[1],
                (unsigned long long)site_regions[2],
                (unsigned long long)site_regions[3]);
}
