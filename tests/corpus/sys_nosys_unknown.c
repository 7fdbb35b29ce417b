/* corpus: numbers the kernel does not know answer ENOSYS */
#include "sys_common.h"

int main(void)
{
    long nrs[] = {-1, 1000, 100000, 0x7fffffff, 512 + 600};
    for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
        errno = 0;
        long r = syscall(nrs[i], 1, 2, 3);
        printf("syscall(%ld): %ld %s\n", nrs[i], r, strerrorname_np(errno));
        need(r == -1 && errno == ENOSYS, "ENOSYS");
    }
    return corpus_ok();
}
