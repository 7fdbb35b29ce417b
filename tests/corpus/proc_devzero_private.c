/* corpus: MAP_PRIVATE mappings of /dev/zero used as zeroed scratch memory */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    int fd = open("/dev/zero", O_RDONLY);
    if (fd < 0)
        return 1;
    unsigned char *p =
        mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return 2;
    for (size_t i = 0; i < (1u << 20); i += 4096)
        if (p[i])
            return 3;
    memset(p, 7, 4096);
    unsigned sum = 0;
    for (int i = 0; i < 4096; i++)
        sum += p[i];
    printf("scratch sum %u\n", sum);
    printf("rrt-corpus: ok\n");
    return 0;
}
