/* rrt: the command table and dispatch. Each command lives in its module's
 * *_cmd.c and is listed here. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>

#include "cli.h"

/* Commands of modules that are not built are weak references that stay
 * NULL, and are left out of the table at run time. */
#define RRT_OPTIONAL_COMMAND(name)                                             \
    extern const cli_command name __attribute__((weak));
RRT_OPTIONAL_COMMAND(cmd_record)
RRT_OPTIONAL_COMMAND(cmd_replay)
RRT_OPTIONAL_COMMAND(cmd_pack)
RRT_OPTIONAL_COMMAND(cmd_unpack)
RRT_OPTIONAL_COMMAND(cmd_export)
RRT_OPTIONAL_COMMAND(cmd_import)
RRT_OPTIONAL_COMMAND(cmd_push)
RRT_OPTIONAL_COMMAND(cmd_pull)
RRT_OPTIONAL_COMMAND(cmd_verify)
RRT_OPTIONAL_COMMAND(cmd_cpuid)

static const cli_command *const commands[] = {
    &cmd_record, &cmd_replay, &cmd_pack, &cmd_verify, &cmd_cpuid,   &cmd_info,
    &cmd_ls,     &cmd_cat,    &cmd_dump, &cmd_create, &cmd_recover, &cmd_unpack,
    &cmd_export, &cmd_import, &cmd_push, &cmd_pull,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const cli_command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (commands[i] && strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: rrt <command> [options] [args]\n"
               "\n"
               "rrt records a Linux x86-64 program run into one portable .rrt\n"
               "archive, checks that another machine can replay it, and reads\n"
               "and repairs such archives.\n"
               "\n"
               "Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (commands[i])
            fprintf(f, "  %-9s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f, "\n'rrt help COMMAND' or 'rrt COMMAND --help' shows a "
               "command's manual.\n'rrt --version' prints the "
               "version.\n" CLI_HELP_EXIT_CODES);
}

int cli_print_help(const char *cmd)
{
    const cli_command *c = find(cmd);
    if (!c) {
        cli_error("no such command '%s' (see 'rrt help')", cmd);
        return CLI_EXIT_ERROR;
    }
    fputs(c->help, stdout);
    if (c->help_more)
        fputs(c->help_more, stdout);
    fputs(c->exit_status ? c->exit_status : CLI_HELP_EXIT_CODES, stdout);
    return CLI_EXIT_OK;
}

static void on_sigxfsz(int sig)
{
    (void)sig;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_ERROR;
    }
    cli_signals_capture();
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("rrt %s (archive format %d.%d)\n", rrt_version(),
               RRT_FORMAT_MAJOR, RRT_FORMAT_MINOR);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
        strcmp(name, "help") == 0) {
        if (argc > 2)
            return cli_print_help(argv[2]);
        usage(stdout);
        return CLI_EXIT_OK;
    }
    /* Past the file size limit (ulimit -f) a write then fails with EFBIG,
     * which the writer reports and cleans up after, instead of the default
     * SIGXFSZ killing rrt with a .partial left behind. A handler, not
     * SIG_IGN: exec resets it, so recorded programs see the default. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigxfsz;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGXFSZ, &sa, NULL);
    opterr = 0; /* cli_bad_option says it, in one line */
    const cli_command *c = find(name);
    if (!c) {
        cli_error("no such command '%s' (see 'rrt help')", name);
        return CLI_EXIT_ERROR;
    }
    int rc = cli_wants_help(argc - 1, argv + 1) ? cli_print_help(name)
                                                : c->run(argc - 1, argv + 1);
    /* Output cut short (a full disk, a closed pipe or descriptor) must not
     * pass for an answer. A command that failed has reported already. */
    errno = 0;
    if (rc != CLI_EXIT_ERROR && (fflush(stdout) != 0 || ferror(stdout))) {
        cli_error("stdout: write failed: %s", strerror(errno ? errno : EIO));
        rc = CLI_EXIT_ERROR;
    }
    return rc;
}
