/* corpus: SIGSEGV and SIGILL blocked, SIGSEGV's handler kept, across execve
 * (the traps rrt emulates must not unblock them) */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    sigset_t set;
    if (argc > 1) {
        sigprocmask(SIG_SETMASK, NULL, &set);
        printf("after exec: SIGSEGV blocked %d, SIGILL blocked %d\n",
               sigismember(&set, SIGSEGV), sigismember(&set, SIGILL));
        if (!sigismember(&set, SIGSEGV) || !sigismember(&set, SIGILL))
            return 1;
        printf("rrt-corpus: ok\n");
        return 0;
    }
    sigemptyset(&set);
    sigaddset(&set, SIGSEGV);
    sigaddset(&set, SIGILL);
    sigprocmask(SIG_SETMASK, &set, NULL);
    fflush(stdout);
    execl("/proc/self/exe", "/proc/self/mem", "self", (char *)NULL);
    return 3;
}
