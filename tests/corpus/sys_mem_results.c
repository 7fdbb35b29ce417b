/* corpus: msync, mincore, mlockall, munlockall, mlock2 as results */
#include <sys/mman.h>
#include "sys_common.h"

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    need(p != MAP_FAILED, "mmap");
    p[0] = 1;
    p[2 * pg] = 1;
    unsigned char vec[4];
    show("mincore", mincore(p, 4 * pg, vec));
    printf("resident: %d %d %d %d\n", vec[0] & 1, vec[1] & 1, vec[2] & 1,
           vec[3] & 1);
    show("mincore unaligned", mincore(p + 1, pg, vec));
    show("msync", msync(p, pg, MS_SYNC));
    show("msync bad flags", msync(p, pg, MS_SYNC | MS_ASYNC));
    show_ok("mlock2", syscall(SYS_mlock2, p, pg, 0));
    show_ok("mlockall", mlockall(MCL_CURRENT));
    show("munlockall", munlockall());
    return corpus_ok();
}
