/* corpus: MADV_DONTFORK: the child has no such mapping */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    size_t len = 2 * 4096;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    memset(p, 3, len);
    if (madvise(p, len, MADV_DONTFORK) != 0)
        return 2;
    pid_t c = fork();
    if (c == 0) {
        /* mprotect of an unmapped range fails with ENOMEM */
        int rc = mprotect(p, len, PROT_READ);
        _exit(rc != 0 && errno == ENOMEM ? 0 : 1);
    }
    int st;
    waitpid(c, &st, 0);
    printf("child %d parent %u\n", WEXITSTATUS(st), p[0]);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || p[0] != 3)
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}
