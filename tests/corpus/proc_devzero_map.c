/* corpus: /dev/zero mappings, private and shared, the shared one seen by a
 * child */
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
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    int *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED || s == MAP_FAILED)
        return 2;
    if (p[100] != 0 || s[10] != 0)
        return 3;
    p[100] = 1;
    pid_t c = fork();
    if (c == 0) {
        s[10] = 42;
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    if (s[10] != 42)
        return 4;
    printf("shared /dev/zero mapping seen by the child: %d\n", s[10]);
    printf("rrt-corpus: ok\n");
    return 0;
}
