/* Tracee: reads a file (argv[1]) with fstat, read and pread, and prints
 * its size, a checksum and its first line. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int fd = open(argv[1], O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0)
        return 1;
    char buf[4096];
    unsigned long sum = 0, total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++)
            sum = sum * 31 + (unsigned char)buf[i];
        total += (unsigned long)n;
    }
    char first[64] = "";
    n = pread(fd, first, sizeof(first) - 1, 0);
    if (n > 0)
        first[strcspn(first, "\n")] = 0;
    close(fd);
    printf("file: size=%lld read=%lu sum=%lx mtime=%lld first='%s'\n",
           (long long)sb.st_size, total, sum, (long long)sb.st_mtime, first);
    return 0;
}
