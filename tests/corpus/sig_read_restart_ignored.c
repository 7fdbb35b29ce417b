/* corpus: a read blocked on a pipe is interrupted by an ignored SIGCHLD (a
 * child exits) and restarted by the kernel, until data comes */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int p[2];
    if (pipe(p) != 0)
        return 2;
    fflush(stdout);
    pid_t quick = fork();
    if (quick == 0) {
        usleep(20000);
        _exit(0); /* SIGCHLD to the reading parent */
    }
    pid_t writer = fork();
    if (writer == 0) {
        usleep(80000);
        write(p[1], "data", 4);
        _exit(0);
    }
    char buf[8] = {0};
    ssize_t n = read(p[0], buf, sizeof(buf) - 1);
    printf("read %zd '%s'\n", n, buf);
    waitpid(quick, NULL, 0);
    waitpid(writer, NULL, 0);
    if (n != 4)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
