/* corpus: MAP_SHARED of /dev/zero is memory shared with a forked child */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int fd = open("/dev/zero", O_RDWR);
    if (fd < 0)
        return 1;
    int *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return 2;
    pid_t c = fork();
    if (c == 0) {
        p[1] = 77;
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("zero %d child wrote %d\n", p[0], p[1]);
    if (p[0] != 0 || p[1] != 77)
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}
