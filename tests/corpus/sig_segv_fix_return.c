/* corpus: SIGSEGV on a PROT_NONE page; the handler mprotects it and returns,
 * the write retries */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char *page;
static volatile int faults;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    faults++;
    if ((char *)si->si_addr < page || (char *)si->si_addr >= page + 4096 ||
        si->si_code != SEGV_ACCERR)
        _exit(3);
    mprotect(page, 4096, PROT_READ | PROT_WRITE);
}

int main(void)
{
    page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return 2;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    page[100] = 42;
    printf("faults %d value %d\n", faults, page[100]);
    mprotect(page, 4096, PROT_READ);
    page[200] = 7;
    printf("faults %d value %d\n", faults, page[200]);
    if (faults != 2)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
