/* corpus: a mapping that reaches past the end of its file, which then grows:
 * the pages become readable, no SIGBUS */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static void on_bus(int sig)
{
    (void)sig;
    printf("unexpected SIGBUS\n");
    _exit(1);
}

int main(void)
{
    int fd = open("grows", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "abc", 3) != 3)
        return 2;
    volatile char *map = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return 2;
    signal(SIGBUS, on_bus);
    if (ftruncate(fd, 3 * 4096) != 0)
        return 2;
    printf("first %c, past the old end %d %d\n", map[0], map[4096],
           map[2 * 4096 + 9]);
    printf("rrt-corpus: ok\n");
    return 0;
}
