/* corpus: signalfd reads a blocked signal's signalfd_siginfo (signo, code, pid,
 * value) */
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <unistd.h>

int main(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGRTMIN + 6);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int fd = signalfd(-1, &set, SFD_CLOEXEC);
    if (fd < 0)
        return 2;
    kill(getpid(), SIGUSR2);
    sigqueue(getpid(), SIGRTMIN + 6, (union sigval){.sival_int = 808});
    struct signalfd_siginfo fi[2];
    ssize_t n = read(fd, fi, sizeof(fi));
    printf("read %zd bytes\n", n);
    if (n != (ssize_t)sizeof(fi))
        return 1;
    printf("%s code %d pid ok %d\n",
           fi[0].ssi_signo == SIGUSR2 ? "SIGUSR2" : "?", fi[0].ssi_code,
           fi[0].ssi_pid == (unsigned)getpid());
    printf("rt+%d code %d value %d\n", (int)fi[1].ssi_signo - SIGRTMIN,
           fi[1].ssi_code, fi[1].ssi_int);
    if (fi[0].ssi_signo != SIGUSR2 || fi[1].ssi_int != 808 ||
        fi[1].ssi_code != SI_QUEUE)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
