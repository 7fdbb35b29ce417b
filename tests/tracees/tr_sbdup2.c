/* Tracee: dup2 onto the descriptor numbers a buffer could use (3 to 40,
 * and 1000 to 1023), then buffered reads through them, and the program's
 * own view of its descriptors: the syscall buffer must add none. */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The descriptors open now, as a bit set of the first 2048. */
static void fd_set_now(unsigned char *set)
{
    memset(set, 0, 256);
    DIR *d = opendir("/proc/self/fd");
    int self = d ? dirfd(d) : -1;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        int n = atoi(e->d_name);
        if (e->d_name[0] != '.' && n != self && n >= 0 && n < 2048)
            set[n / 8] |= (unsigned char)(1u << (n % 8));
    }
    if (d)
        closedir(d);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/proc/self/exe";
    unsigned char before[256], after[256];
    fd_set_now(before);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 1;
    for (int t = 4; t <= 40; t++)
        if (dup2(fd, t) != t)
            return 2;
    for (int t = 1000; t < 1024; t++)
        if (dup2(fd, t) != t)
            return 3;
    unsigned long sum = 0;
    char buf[256];
    for (int t = 4; t <= 40; t++) {
        ssize_t n = pread(t, buf, sizeof(buf), 0);
        for (ssize_t k = 0; k < n; k++)
            sum += (unsigned char)buf[k];
        close(t);
    }
    for (int t = 1000; t < 1024; t++) {
        lseek(t, 0, SEEK_SET);
        ssize_t n = read(t, buf, sizeof(buf));
        for (ssize_t k = 0; k < n; k++)
            sum += (unsigned char)buf[k];
    }
    fd_set_now(after);
    int extra = 0;
    for (int n = 0; n < 2048; n++) {
        bool now = after[n / 8] & (1u << (n % 8));
        bool was = before[n / 8] & (1u << (n % 8));
        bool mine = n == fd || (n >= 1000 && n < 1024);
        if (now && !was && !mine) {
            printf("unexpected descriptor %d\n", n);
            extra++;
        }
    }
    printf("sum %lu, unexpected descriptors %d\n", sum, extra);
    return 0;
}
