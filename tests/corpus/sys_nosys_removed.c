/* corpus: calls Linux 6.x no longer has (_sysctl, uselib, ...) answer ENOSYS */
#include "sys_common.h"

int main(void)
{
    long nrs[] = {SYS__sysctl,         SYS_uselib,       SYS_create_module,
                  SYS_get_kernel_syms, SYS_nfsservctl,   SYS_tuxcall,
                  SYS_vserver,         SYS_epoll_ctl_old};
    for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
        char what[32];
        snprintf(what, sizeof(what), "syscall %ld", nrs[i]);
        show(what, syscall(nrs[i], 0, 0, 0));
    }
    return corpus_ok();
}
