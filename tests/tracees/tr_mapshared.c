/* Tracee: a file mapped shared and writable, then fork: the child's
 * writes reach the parent through the mapping, with no system call to
 * carry them (a process-shared semaphore works the same way, as Python's
 * multiprocessing uses it). The parent prints what it sees. The file is
 * executable, as a linker's output is, and written through the mapping:
 * the recorder must embed it though it looks like a program. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0700);
    if (fd < 0 || ftruncate(fd, 4096) != 0)
        return 1;
    volatile unsigned *p =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 1;
    close(fd);
    p[0] = 7;
    pid_t c = fork();
    if (c == 0) {
        p[0] = p[0] * 6;
        p[1] = 1;
        _exit(0);
    }
    waitpid(c, NULL, 0);
    printf("shared: %u %u\n", p[0], p[1]);
    return 0;
}
