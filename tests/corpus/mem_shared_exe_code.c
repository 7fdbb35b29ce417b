/* corpus: the program maps its own executable MAP_SHARED and executable,
 * and runs a system call from that copy */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char __executable_start;

__attribute__((noinline)) long raw_getppid(void)
{
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"((long)SYS_getppid)
                     : "rcx", "r11", "memory");
    return ret;
}

int main(void)
{
    int fd = open("/proc/self/exe", O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0)
        return 1;
    char *copy = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_EXEC,
                      MAP_SHARED, fd, 0);
    if (copy == MAP_FAILED)
        return 2;
    long (*fn)(void) =
        (long (*)(void))(copy + ((char *)raw_getppid - &__executable_start));
    long a = fn(), b = getppid();
    printf("from the shared copy: %s\n", a == b ? "same parent" : "differs");
    if (a != b)
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}
