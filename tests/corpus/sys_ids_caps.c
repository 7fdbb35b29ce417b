/* corpus: setreuid, setregid, setfsuid, setfsgid, capget, capset */
#include <linux/capability.h>
#include "sys_common.h"

int main(void)
{
    uid_t u = getuid();
    gid_t g = getgid();
    show("setreuid same", setreuid(u, u));
    show("setregid same", setregid(g, g));
    show("setreuid root", u ? setreuid(0, 0) : 0);
    printf("setfsuid old is uid: %d\n", (uid_t)syscall(SYS_setfsuid, u) == u);
    printf("setfsgid old is gid: %d\n", (gid_t)syscall(SYS_setfsgid, g) == g);
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    show("capget", syscall(SYS_capget, &h, d));
    show("capset same", syscall(SYS_capset, &h, d));
    d[0].effective = d[0].permitted = ~0u;
    show("capset more", u ? syscall(SYS_capset, &h, d) : -1);
    return corpus_ok();
}
