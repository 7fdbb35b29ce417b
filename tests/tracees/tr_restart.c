/* Tracee: a child's SIGCHLD (no handler) interrupts the parent's
 * nanosleep, which the kernel continues with restart_syscall. */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        usleep(100000);
        _exit(4);
    }
    struct timespec d = {0, 400000000}, rem = {0, 0};
    int r = nanosleep(&d, &rem);
    int st;
    waitpid(pid, &st, 0);
    printf("restart: nanosleep=%d status=%d\n", r, WEXITSTATUS(st));
    return 0;
}
