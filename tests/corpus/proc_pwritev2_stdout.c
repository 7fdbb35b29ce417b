/* corpus: output through pwritev2 (offset -1: the current position) must be
 * shown again at replay */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/uio.h>

int main(void)
{
    char a[] = "written with ", b[] = "pwritev2\n";
    struct iovec v[2] = {{a, sizeof(a) - 1}, {b, sizeof(b) - 1}};
    fflush(stdout);
    if (pwritev2(1, v, 2, -1, 0) != (ssize_t)(sizeof(a) + sizeof(b) - 2))
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
