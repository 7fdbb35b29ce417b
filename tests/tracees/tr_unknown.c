/* Tracee: makes a system call rrt refuses (remap_file_pages), which rrt
 * record must refuse by name, with the reason. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    long r = syscall(SYS_remap_file_pages, 0, 4096, 0, 0, 0);
    printf("refused: remap_file_pages returned %ld\n", r);
    return 0;
}
