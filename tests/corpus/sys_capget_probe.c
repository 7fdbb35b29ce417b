/* corpus: capget with an unknown version answers EINVAL and the version it
 * wants */
#include <linux/capability.h>
#include "sys_common.h"

int main(void)
{
    struct __user_cap_header_struct h = {0x12345678, 0};
    show("capget probe", syscall(SYS_capget, &h, NULL));
    printf("preferred version 0x%x\n", h.version);
    struct __user_cap_data_struct d[2];
    show("capget", syscall(SYS_capget, &h, d));
    printf("effective has CAP_CHOWN: %d\n", (d[0].effective & 1) != 0);
    return corpus_ok();
}
