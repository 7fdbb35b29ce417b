/* corpus: PR_SET_PDEATHSIG: a grandchild gets a signal when its parent dies */
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int fds[2];
static void on_usr1(int s)
{
    (void)s;
    (void)!write(fds[1], "d", 1);
}

int main(void)
{
    if (pipe(fds) != 0)
        return 1;
    int ready[2];
    if (pipe(ready) != 0)
        return 1;
    pid_t mid = fork();
    if (mid == 0) {
        pid_t g = fork();
        if (g == 0) {
            signal(SIGUSR1, on_usr1);
            if (prctl(PR_SET_PDEATHSIG, SIGUSR1) != 0)
                _exit(1);
            int sig = 0;
            if (prctl(PR_GET_PDEATHSIG, &sig) != 0 || sig != SIGUSR1)
                _exit(1);
            (void)!write(ready[1], "r", 1);
            for (int i = 0; i < 2000; i++)
                usleep(1000);
            _exit(0);
        }
        char b;
        (void)!read(ready[0], &b, 1);
        _exit(0);
    }
    int st;
    waitpid(mid, &st, 0);
    char b = 0;
    if (read(fds[0], &b, 1) != 1 || b != 'd')
        return 2;
    printf("the grandchild got its parent-death signal\n");
    printf("rrt-corpus: ok\n");
    return 0;
}
