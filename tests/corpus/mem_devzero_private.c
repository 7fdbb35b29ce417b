/* corpus: MAP_PRIVATE of /dev/zero is zeroed private memory */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    int fd = open("/dev/zero", O_RDONLY);
    if (fd < 0)
        return 1;
    unsigned char *p =
        mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return 2;
    unsigned sum = 0;
    for (int i = 0; i < 3 * 4096; i++)
        sum += p[i];
    p[5] = 1;
    printf("sum %u then %u\n", sum, p[5]);
    if (sum)
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}
