/* corpus: mremap grows a private file mapping: the new part is the file */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    char buf[4 * 4096];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (char)('A' + i % 23);
    int fd = open("grow.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
        return 1;
    char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return 2;
    char *q = mremap(p, 4096, sizeof(buf), MREMAP_MAYMOVE);
    if (q == MAP_FAILED)
        return 3;
    printf("%.10s %.10s\n", q + 4096, q + 3 * 4096);
    if (memcmp(q, buf, sizeof(buf)) != 0)
        return 4;
    printf("rrt-corpus: ok\n");
    return 0;
}
