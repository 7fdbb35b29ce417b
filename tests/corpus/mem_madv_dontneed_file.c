/* corpus: MADV_DONTNEED on a private file mapping gives the file back */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    char buf[8192];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (char)('a' + i % 26);
    int fd = open("data.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
        return 1;
    char *p =
        mmap(NULL, sizeof(buf), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return 2;
    memset(p, 'X', sizeof(buf));
    if (madvise(p, sizeof(buf), MADV_DONTNEED) != 0)
        return 3;
    printf("after dontneed: %.26s %.10s\n", p, p + 5000);
    if (memcmp(p, buf, sizeof(buf)) != 0)
        return 4;
    printf("rrt-corpus: ok\n");
    return 0;
}
