/* corpus: memfd_create + MAP_SHARED, shared with a forked child that maps
 * it again */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int fd = memfd_create("corpus", 0);
    if (fd < 0 || ftruncate(fd, 4096) != 0)
        return 1;
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 2;
    strcpy(p, "parent");
    pid_t c = fork();
    if (c == 0) {
        char *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (q == MAP_FAILED)
            _exit(1);
        strcpy(q, "child wrote this");
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("parent sees: %s\n", p);
    if (strcmp(p, "child wrote this"))
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}
