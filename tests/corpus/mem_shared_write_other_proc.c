/* corpus: a child's write() to a file is seen through the parent's
 * MAP_SHARED mapping of it */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int fd = open("other.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 4096) != 0)
        return 1;
    char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 2;
    pid_t c = fork();
    if (c == 0) {
        int wfd = open("other.bin", O_WRONLY);
        _exit(wfd >= 0 && pwrite(wfd, "from the child", 15, 64) == 15 ? 0 : 1);
    }
    int st;
    waitpid(c, &st, 0);
    printf("parent's mapping: %s\n", p + 64);
    if (strcmp(p + 64, "from the child"))
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}
