/* corpus: SIGBUS from a mapping past the end of a file, caught and longjmp'ed
 * out of */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile int code;
static volatile long off;
static char *map;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    code = si->si_code;
    off = (char *)si->si_addr - map;
    siglongjmp(env, 1);
}

int main(void)
{
    int fd = open("small", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "abc", 3) != 3)
        return 2;
    map = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return 2;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, NULL);
    printf("first byte %c\n", map[0]);
    if (sigsetjmp(env, 1) == 0) {
        printf("read %d\n", map[2 * 4096 + 5]);
        return 1;
    }
    printf("SIGBUS code %d offset %ld\n", code, off);
    if (code != BUS_ADRERR || off != 2 * 4096 + 5)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
