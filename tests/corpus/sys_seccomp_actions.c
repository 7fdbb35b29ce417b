/* corpus: SECCOMP_GET_ACTION_AVAIL and GET_NOTIF_SIZES answer without a filter
 */
#include "sys_common.h"
#include "sys_seccomp.h"

int main(void)
{
    unsigned acts[] = {SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_TRAP,
                       SECCOMP_RET_ERRNO,        SECCOMP_RET_LOG,
                       SECCOMP_RET_ALLOW,        0x12340000u};
    for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
        char what[48];
        snprintf(what, sizeof(what), "action 0x%x", acts[i]);
        show(what, syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &acts[i]));
    }
    struct seccomp_notif_sizes sz = {0};
    show("notif sizes", syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz));
    printf("sizes: %u %u %u\n", sz.seccomp_notif, sz.seccomp_notif_resp,
           sz.seccomp_data);
    return corpus_ok();
}
