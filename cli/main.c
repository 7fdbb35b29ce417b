/* rrt: the command table and dispatch. Each command lives in its module's
 * *_cmd.c and is listed here. */
#include <string.h>

#include "cli.h"

/* Commands of modules that are not built are weak references that stay
 * NULL, and are left out of the table at run time. */
#define RRT_OPTIONAL_COMMAND(name) extern const rrt_command name __attribute__((weak));
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

static const rrt_command *const commands[] = {
    &cmd_record, &cmd_replay, &cmd_pack,   &cmd_verify,  &cmd_cpuid,
    &cmd_info,   &cmd_ls,     &cmd_cat,    &cmd_dump,    &cmd_create,
    &cmd_recover, &cmd_unpack, &cmd_export, &cmd_import, &cmd_push,
    &cmd_pull,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const rrt_command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (commands[i] && strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: rrt <command> [options] [args]\n"
            "\n"
            "rrt records a Linux x86-64 program run into one portable .rrt\n"
            "archive, checks that another machine can replay it, and reads\n"
            "and repairs such archives.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (commands[i])
            fprintf(f, "  %-9s %s\n", commands[i]->name,
                    commands[i]->summary);
    fprintf(f, "\n'rrt help COMMAND' or 'rrt COMMAND --help' shows a "
               "command's manual.\n'rrt --version' prints the version.\n"
               RRT_HELP_EXIT_CODES);
}

int cli_print_help(const char *cmd)
{
    const rrt_command *c = find(cmd);
    if (!c) {
        cli_error("no such command '%s' (see 'rrt help')", cmd);
        return RRT_EXIT_ERROR;
    }
    fputs(c->help, stdout);
    fputs(RRT_HELP_EXIT_CODES, stdout);
    return RRT_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return RRT_EXIT_ERROR;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("rrt %s (archive format %d.%d)\n", rrt_version(),
               RRT_FORMAT_MAJOR, RRT_FORMAT_MINOR);
        return RRT_EXIT_OK;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
        strcmp(name, "help") == 0) {
        if (argc > 2)
            return cli_print_help(argv[2]);
        usage(stdout);
        return RRT_EXIT_OK;
    }
    const rrt_command *c = find(name);
    if (!c) {
        cli_error("no such command '%s' (see 'rrt help')", name);
        return RRT_EXIT_ERROR;
    }
    if (cli_wants_help(argc - 1, argv + 1))
        return cli_print_help(name);
    return c->run(argc - 1, argv + 1);
}
