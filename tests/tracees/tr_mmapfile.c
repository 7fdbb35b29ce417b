/* Tracee: maps a file (argv[1]) and prints a checksum and its first line. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int fd = open(argv[1], O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_size == 0)
        return 1;
    const unsigned char *p =
        mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return 1;
    unsigned long sum = 0;
    for (off_t i = 0; i < sb.st_size; i++)
        sum = sum * 31 + p[i];
    size_t n = strcspn((const char *)p, "\n");
    printf("mmap: size=%lld sum=%lx first='%.*s'\n", (long long)sb.st_size, sum,
           (int)(n < 60 ? n : 60), (const char *)p);
    munmap((void *)p, (size_t)sb.st_size);
    close(fd);
    return 0;
}
