/* The rrt command-line tool: command table entries and shared helpers that
 * every *_cmd.c uses (option parsing, diagnostics, exit codes). */
#ifndef RRT_CLI_H
#define RRT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rrt/rrt.h>

/* Exit codes, documented in every --help. */
enum {
    CLI_EXIT_OK = 0,    /* success / "yes" */
    CLI_EXIT_NO = 1,    /* a "no" answer: damaged, incompatible, diverged */
    CLI_EXIT_ERROR = 2, /* usage or input error */
};

typedef struct cli_command {
    const char *name;
    const char *summary;               /* one line for `rrt help` */
    const char *help;                  /* full --help text (man-page style) */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    /* Its EXIT STATUS paragraph, for a command whose exit codes are not
     * CLI_HELP_EXIT_CODES (record and replay pass on the program's). */
    const char *exit_status;
    /* More of it, printed after help, or NULL: C99 promises string
     * literals of 4095 bytes only, and -Werror holds us to it. */
    const char *help_more;
} cli_command;

/* Every command's --help ends with this exit-code paragraph. */
#define CLI_HELP_EXIT_CODES                                                    \
    "\nEXIT STATUS\n"                                                          \
    "  0  success\n"                                                           \
    "  1  a \"no\" answer (damaged archive, incompatible host, divergence)\n"  \
    "  2  usage error or bad input\n"

/* The ignored and blocked signals rrt itself started with, captured by
 * main before it installs any handler: what a program rrt records should
 * start with, as it would without rrt. */
void cli_signals_capture(void);
void cli_signals_inherited(uint64_t *ignored, uint64_t *blocked);

/* Prints "rrt: " + message + newline to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "rrt: warning: " + message to stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the error context's message (already names the file). */
void cli_report(const rrt_error *err);
/* Prints "rrt CMD: message" and "Try 'rrt help CMD'." and returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* After getopt_long returned '?' (opterr is 0): names the option that is
 * unknown or lacks its value, as cli_usage does, and returns 2. */
int cli_bad_option(const char *cmd, char **argv);
/* Opens an archive for reading; NULL after reporting why not. */
rrt_reader *cli_open_archive(const char *path);
/* The common shape of info and dump: [--json] ARCHIVE. Sets *json, *first
 * (ARCHIVE's index in argv) and *r, opened; returns an exit code, after
 * reporting, when the arguments are wrong or the archive does not open. */
int cli_open_one_archive(int argc, char **argv, const char *cmd, bool *json,
                         int *first, rrt_reader **r);
/* True if argv has -h or --help before any "--". */
bool cli_wants_help(int argc, char **argv);
/* Prints the command's help text to stdout. */
int cli_print_help(const char *cmd);
/* Parses an unsigned decimal with range check; false on junk/overflow. */
bool cli_parse_u64(const char *s, unsigned long long max,
                   unsigned long long *out);
/* Writes a JSON string literal (quoted, escaped) to f. */
void cli_json_string(FILE *f, const char *s);
void cli_json_bytes(FILE *f, const void *p, size_t n);
/* On SIGINT/SIGTERM/SIGHUP, remove FINAL.partial before dying (NULL
 * cancels). Call it before the writer creates the file: a file that already
 * exists is left alone. */
void cli_remove_on_signal(const char *final_path);
/* The same for an exact PATH. */
void cli_remove_file_on_signal(const char *path);
/* True, after an error naming out, when out is the file in (a hard link
 * or symlink included): cmd writes a new file and must not replace its
 * input. */
bool cli_output_is_input(const char *cmd, const char *in, const char *out);
/* True when stderr is a terminal (progress output allowed). */
bool cli_progress_allowed(void);

/* Command entry points, one per *_cmd.c, listed in cli/main.c: the archive
 * commands below live in cli/<name>_cmd.c. Modules
 * (verify/, pack/, record/, replay/, push/) define cmd_verify, cmd_cpuid,
 * cmd_pack, cmd_unpack, cmd_export, cmd_import, cmd_record, cmd_replay,
 * cmd_push, cmd_pull; main.c references them weakly, so a module that is
 * not built simply has no command. */
extern const cli_command cmd_create, cmd_info, cmd_ls, cmd_cat, cmd_dump,
    cmd_recover;

/* `--stats` of record and replay: events by type (counts[RRT_EV_*]) and
 * where the CPUID sites of code regions came from (site_regions indexed by
 * trace_sites_how: 1 archive, 2 cache, 3 disassembled). */
void cli_print_event_counts(const char *cmd, uint64_t events,
                            const uint64_t counts[32],
                            const uint64_t site_regions[4]);

#endif
