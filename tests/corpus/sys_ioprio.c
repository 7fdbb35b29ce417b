/* corpus: ioprio_get and ioprio_set */
#include "sys_common.h"

int main(void)
{
    long p = show("ioprio_get", syscall(SYS_ioprio_get, 1, 0));
    show("ioprio_set", syscall(SYS_ioprio_set, 1, 0, (2 << 13) | 4));
    show("ioprio_get after", syscall(SYS_ioprio_get, 1, 0));
    show("ioprio_get bad which", syscall(SYS_ioprio_get, 99, 0));
    (void)p;
    return corpus_ok();
}
