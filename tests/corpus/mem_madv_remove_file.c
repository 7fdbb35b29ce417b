/* corpus: MADV_REMOVE on a shared file mapping: a hole, zeros in file and map
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    char buf[3 * 4096];
    memset(buf, 'q', sizeof(buf));
    int fd = open("holes.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
        return 1;
    char *p =
        mmap(NULL, sizeof(buf), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 2;
    int rc = madvise(p + 4096, 4096, MADV_REMOVE);
    if (rc != 0) {
        printf("rrt-corpus: skip MADV_REMOVE unsupported here\n");
        return 77;
    }
    char back[16];
    pread(fd, back, 4, 4096);
    printf("map %d %d %d file %d\n", p[0], p[4096], p[8192], back[0]);
    if (p[4096] != 0 || p[0] != 'q' || back[0] != 0)
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}
