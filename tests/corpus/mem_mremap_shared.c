/* corpus: mremap of a shared anonymous mapping, still shared after fork */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    /* a neighbour right above keeps it from growing in place */
    if (p == MAP_FAILED || mprotect((char *)p + 4096, 4096, PROT_NONE) != 0)
        return 1;
    p[0] = 41;
    int *q = mremap(p, 4096, 2 * 4096, MREMAP_MAYMOVE);
    if (q == MAP_FAILED)
        return 2;
    pid_t c = fork();
    if (c == 0) {
        q[0]++;
        q[1024 + 7] = 7;
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("moved %d shared %d tail %d\n", q != p, q[0], q[1024 + 7]);
    if (q[0] != 42 || q[1024 + 7] != 7)
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}
