/* Tracee: makes a system call rrt does not support (io_uring_setup), which
 * rrt record must refuse by name. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    long r = syscall(SYS_io_uring_setup, 1, NULL);
    printf("unknown: io_uring_setup returned %ld\n", r);
    return 0;
}
