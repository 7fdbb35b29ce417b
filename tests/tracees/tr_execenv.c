/* Tracee: execs the program $RRT_TEST_PROG names, passing that same
 * string (inside its environment string) as the path and as argv[0], and
 * a shell command that prints both: neither may show the name replay
 * swaps in for the path. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
    char *prog = getenv("RRT_TEST_PROG");
    char *argv[] = {prog, "-c",
                    "echo \"argv0=$0 RRT_TEST_PROG=$RRT_TEST_PROG\"", NULL};
    if (!prog)
        return 2;
    execve(prog, argv, environ);
    perror(prog);
    return 127;
}
