/* corpus: write() to a file is seen through its MAP_SHARED mapping */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    int fd = open("wf.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 4096) != 0)
        return 1;
    char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 2;
    if (pwrite(fd, "by pwrite", 10, 100) != 10)
        return 3;
    lseek(fd, 200, SEEK_SET);
    if (write(fd, "by write", 9) != 9)
        return 4;
    printf("%s / %s\n", p + 100, p + 200);
    if (strcmp(p + 100, "by pwrite") || strcmp(p + 200, "by write"))
        return 5;
    printf("rrt-corpus: ok\n");
    return 0;
}
