/* corpus: mlock, munlock, mlock2 and their results */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    int a = mlock(p, 4096);
    int ae = a ? errno : 0;
    int b = munlock(p, 4096);
    int c = (int)syscall(SYS_mlock2, p, 4096, 1 /* MLOCK_ONFAULT */);
    int ce = c ? errno : 0;
    int d = munlock(p, 4096);
    printf("mlock %d/%d munlock %d mlock2 %d/%d munlock %d\n", a, ae, b, c, ce,
           d);
    p[0] = 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
