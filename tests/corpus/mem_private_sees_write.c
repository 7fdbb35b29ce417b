/* corpus: a MAP_PRIVATE file mapping shows later write()s to the file in
 * pages it has not written itself, and not in those it has */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    char page[4096];
    memset(page, '.', sizeof(page));
    int fd = open("priv.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, page, 4096) != 4096 ||
        write(fd, page, 4096) != 4096)
        return 1;
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return 2;
    p[0] = 'm'; /* the first page is now the mapping's own copy */
    if (pwrite(fd, "file", 4, 0) != 4 || pwrite(fd, "file", 4, 4096) != 4)
        return 3;
    printf("own page: %.4s, untouched page: %.4s\n", p, p + 4096);
    if (memcmp(p, "m...", 4) || memcmp(p + 4096, "file", 4))
        return 4;
    printf("rrt-corpus: ok\n");
    return 0;
}
