/* Tracee: fork in a tight loop of buffered calls. Each round makes calls
 * the syscall buffer handles, forks, and the child makes more before it
 * exits; records made before the fork must not show up in the child. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/proc/self/exe";
    unsigned long sum = 0;
    int statuses = 0;
    for (int i = 0; i < 60; i++) {
        struct stat st;
        char buf[64];
        int fd = open(path, O_RDONLY);
        if (fd < 0 || fstat(fd, &st) != 0)
            return 1;
        ssize_t n = pread(fd, buf, sizeof(buf), i);
        sum += (unsigned long)n + (unsigned long)(getppid() > 0);
        pid_t c = fork();
        if (c == 0) {
            unsigned long s = 0;
            for (int k = 0; k < 20; k++)
                s += (unsigned long)read(fd, buf, sizeof(buf)) +
                     (unsigned long)(getppid() > 0);
            _exit((int)(s & 0x7f));
        }
        close(fd);
        int status;
        if (c < 0 || waitpid(c, &status, 0) != c)
            return 2;
        statuses += WEXITSTATUS(status);
    }
    printf("sum %lu, children's statuses %d\n", sum, statuses);
    return 0;
}
