/* corpus: MADV_DONTNEED on a read-only MAP_SHARED file mapping keeps
 * showing the file */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    int fd = open("ro.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "file contents", 14) != 14)
        return 1;
    char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 2;
    if (madvise(p, 4096, MADV_DONTNEED) != 0)
        return 3;
    printf("after dontneed: %s\n", p);
    if (strcmp(p, "file contents"))
        return 4;
    printf("rrt-corpus: ok\n");
    return 0;
}
