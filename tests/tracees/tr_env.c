/* Tracee: prints parts of its environment and the length of a secret-
 * looking variable (its value is redacted in the archive, with the same
 * length, so replay behaves the same). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(void)
{
    int n = 0;
    while (environ[n])
        n++;
    const char *v = getenv("RRT_TEST_VALUE");
    const char *s = getenv("RRT_TEST_TOKEN");
    printf("env: n=%d RRT_TEST_VALUE=%s RRT_TEST_TOKEN has %zu bytes\n", n,
           v ? v : "(unset)", s ? strlen(s) : 0);
    return 0;
}
