/* corpus: MADV_WIPEONFORK: the child sees zeros, the parent its data */
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
    memset(p, 9, len);
    if (madvise(p, len, MADV_WIPEONFORK) != 0)
        return 2;
    pid_t c = fork();
    if (c == 0)
        _exit(p[0] == 0 && p[len - 1] == 0 ? 0 : 1);
    int st;
    waitpid(c, &st, 0);
    printf("child %d parent %u\n", WEXITSTATUS(st), p[0]);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || p[0] != 9)
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}
