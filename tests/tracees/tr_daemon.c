/* A program whose daemon outlives it: the first process prints a line and
 * exits 0 while its grandchild, in a session of its own, waits forever
 * (until rrt record is told to stop, which ends it in the archive). */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    pid_t c = fork();
    if (c == 0) {
        setsid();
        if (fork() != 0)
            _exit(0);
        printf("daemon up\n");
        fflush(stdout);
        for (;;)
            pause();
    }
    int st;
    waitpid(c, &st, 0);
    usleep(100000);
    printf("first process done\n");
    return 0;
}
