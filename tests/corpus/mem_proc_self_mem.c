/* corpus: the program writes its own memory through /proc/self/mem
 * (pwrite and write), even a read-only page */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    static char buf[32] = "original";
    int fd = open("/proc/self/mem", O_RDWR);
    if (ro == MAP_FAILED || fd < 0)
        return 1;
    if (pwrite(fd, "patched", 8, (off_t)(uintptr_t)buf) != 8)
        return 2;
    if (lseek(fd, (off_t)(uintptr_t)ro, SEEK_SET) < 0 ||
        write(fd, "forced", 7) != 7)
        return 3;
    printf("buf: %s, read-only page: %s\n", buf, ro);
    if (strcmp(buf, "patched") || strcmp(ro, "forced"))
        return 4;
    printf("rrt-corpus: ok\n");
    return 0;
}
