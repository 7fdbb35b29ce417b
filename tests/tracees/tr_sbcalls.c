/* Tracee: calls whose libc wrappers follow their `syscall` with other
 * instructions than a plain compare (posix_fadvise: mov, neg; ioctl: mov),
 * getcwd, writes to /dev/null and sigaction queries (Python makes one per
 * signal at start; the handler set between them must show), many times
 * each with arguments that
 * differ from the first call's. With the syscall buffer only the first
 * call of each site is a traced SYSCALL event: the test looks for the
 * later ones in `rrt dump`.
 * `tr_sbcalls mix N`: N rounds of a buffered call (getpid) then a traced
 * one (getuid): N batches of records, each after a traced call. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void on_a(int sig)
{
    (void)sig;
}

static void on_b(int sig)
{
    (void)sig;
}

static int mix(long n)
{
    long sum = 0;
    for (long i = 0; i < n; i++)
        sum += (long)getpid() - (long)getpid() + (long)getuid() * 0 + 1;
    printf("mix rounds %ld\n", sum);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "mix") == 0)
        return mix(atol(argv[2]));
    int fd = open("/proc/self/exe", O_RDONLY);
    int dn = open("/dev/null", O_WRONLY);
    if (fd < 0 || dn < 0)
        return 1;
    char cwd[4096], first[4096];
    if (!getcwd(first, sizeof(first)))
        return 1;
    long bad = 0, tty = 0, adv = 0, sigbad = 0;
    struct termios tio;
    struct sigaction q;
    sigaction(SIGUSR1, NULL, &q); /* the site's first call: traced */
    for (int i = 0; i < 300; i++) {
        /* after the first round: offsets from 4243, descriptor 100 */
        if (i == 1 && (fd = dup2(fd, 100)) != 100)
            return 1;
        adv += posix_fadvise(fd, 4242 + i, 0, POSIX_FADV_SEQUENTIAL) == 0;
        tty += tcgetattr(fd, &tio) == 0; /* ENOTTY on a file */
        /* /dev/null while ld.so.cache's mapping mirrors file writes */
        if (write(dn, first, i ? 77 : 1) != (i ? 77 : 1))
            bad++;
        if (!getcwd(cwd, sizeof(cwd) - (size_t)i) || strcmp(cwd, first) != 0)
            bad++;
        /* every 50 rounds a new handler (set: traced), queried since */
        void (*want)(int) = (i / 50) % 2 ? on_b : on_a;
        if (i % 50 == 0) {
            struct sigaction sa;
            memset(&sa, 0, sizeof(sa));
            sa.sa_handler = want;
            sa.sa_flags = i % 100 ? SA_RESTART : 0;
            sigaddset(&sa.sa_mask, SIGTERM);
            sigaction(SIGUSR2, &sa, NULL);
        }
        if (sigaction(SIGUSR2, NULL, &q) != 0 || q.sa_handler != want ||
            !(q.sa_flags & SA_RESTART) != !(i % 100 >= 50) ||
            !sigismember(&q.sa_mask, SIGTERM) ||
            sigaction(65 + i % 2, NULL, &q) != -1)
            sigbad++;
    }
    printf("fadvise ok %ld, ttys %ld, getcwd mismatches %ld, sigaction "
           "mismatches %ld\n",
           adv, tty, bad, sigbad);
    return 0;
}
