/* corpus: touching a private file mapping past the end of its file raises
 * SIGBUS, at replay too */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf back;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si, (void)uc;
    siglongjmp(back, 1);
}

int main(void)
{
    int fd = open("short.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "0123456789", 10) != 10)
        return 1;
    char *p = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return 2;
    struct sigaction sa = {.sa_sigaction = on_bus, .sa_flags = SA_SIGINFO};
    sigaction(SIGBUS, &sa, NULL);
    volatile char c = p[5];
    printf("in the file: %c, past its end in the page: %d\n", c, p[100]);
    if (sigsetjmp(back, 1) == 0) {
        c = p[2 * 4096];
        printf("no SIGBUS\n");
        return 3;
    }
    printf("SIGBUS past the end\n");
    printf("rrt-corpus: ok\n");
    return 0;
}
