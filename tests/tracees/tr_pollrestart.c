/* Tracee: calls the kernel finishes as restart_syscall. Under ptrace even
 * an ignored SIGCHLD interrupts a blocking call: poll returns
 * -ERESTART_RESTARTBLOCK to the tracer, and the kernel completes it as
 * restart_syscall, which writes poll's revents. A nanosleep interrupted by
 * a signal with a handler has written the time remaining before the
 * handler runs. revents and the remaining time are set to sentinels first
 * and printed, so outputs missing from the recording change the replay. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void on_alarm(int sig)
{
    (void)sig;
}

int main(void)
{
    int p[2];
    if (pipe(p) != 0)
        return 1;
    pid_t quick = fork();
    if (quick == 0) { /* exits while the parent polls: SIGCHLD */
        nap(30);
        _exit(0);
    }
    pid_t writer = fork();
    if (writer == 0) { /* makes the pipe readable later */
        nap(150);
        if (write(p[1], "x", 1) != 1)
            _exit(1);
        _exit(0);
    }
    struct pollfd pf = {.fd = p[0], .events = POLLIN, .revents = 0x5a5a};
    int n = poll(&pf, 1, -1);
    waitpid(quick, NULL, 0);
    waitpid(writer, NULL, 0);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec ts = {5, 0}, rem = {12345, 0};
    int r = nanosleep(&ts, &rem);
    printf("poll=%d revents=0x%x nanosleep=%d rem_in_range=%d\n", n,
           (unsigned)pf.revents, r, rem.tv_sec >= 4 && rem.tv_sec <= 5);
    return 0;
}
