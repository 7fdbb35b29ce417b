/* corpus: exit=141 a write to a pipe with no reader: death by SIGPIPE */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    int p[2];
    if (pipe(p) != 0)
        return 2;
    close(p[0]);
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    write(p[1], "x", 1);
    return 0;
}
