/* Tracee: two processes talking through a pipe. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int p[2];
    if (pipe(p) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        char msg[64];
        int n = snprintf(msg, sizeof(msg), "hello from child %d", getpid());
        close(p[0]);
        if (write(p[1], msg, (size_t)n) != n)
            _exit(1);
        _exit(7);
    }
    close(p[1]);
    char buf[128];
    ssize_t n = read(p[0], buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = 0;
    int st;
    waitpid(pid, &st, 0);
    printf("pipe: parent %d got '%s' from %d, child status %d\n", getpid(), buf,
           pid, WEXITSTATUS(st));
    return 0;
}
