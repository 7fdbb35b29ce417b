/* corpus: two processes map one file MAP_SHARED each on their own: one
 * shared copy */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int *map(void)
{
    int fd = open("procs.bin", O_RDWR);
    int *p = fd < 0
                 ? MAP_FAILED
                 : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (fd >= 0)
        close(fd);
    return p;
}

int main(void)
{
    int fd = open("procs.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 4096) != 0)
        return 1;
    close(fd);
    int *p = map();
    if (p == MAP_FAILED)
        return 2;
    /* the child maps the file after the parent did, and writes */
    pid_t c = fork();
    if (c == 0) {
        munmap(p, 4096);
        int *q = map();
        if (q == MAP_FAILED)
            _exit(1);
        q[0] = 1234;
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("parent sees %d\n", p[0]);
    if (p[0] != 1234)
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}
