/* corpus: exit=135 a read past the end of a mapped file with no handler: death
 * by SIGBUS */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    int fd = open("small", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "abc", 3) != 3)
        return 2;
    volatile char *map = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return 2;
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    return map[4096];
}
