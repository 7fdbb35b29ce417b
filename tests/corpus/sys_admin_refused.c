/* corpus: system administration calls fail (bad arguments: safe as root) */
#include <sys/mount.h>
#include "sys_common.h"

/* Every call below must fail for any user, root included: rrt records the
 * calls for real, so none may change the machine. */
int main(void)
{
    char longname[200];
    memset(longname, 'x', sizeof(longname));
    show("acct", syscall(SYS_acct, "/nonexistent/rrt-acct"));
    show("quotactl",
         syscall(SYS_quotactl, 0x800007 << 8, "/nonexistent", 0, NULL));
    show("sethostname too long",
         syscall(SYS_sethostname, longname, sizeof(longname)));
    show("setdomainname too long",
         syscall(SYS_setdomainname, longname, sizeof(longname)));
    show("mount", mount("none", "/nonexistent/rrt-mnt", "tmpfs", 0, NULL));
    show("umount2", umount2("/nonexistent/rrt-mnt", 0));
    show("chroot", chroot("/nonexistent/rrt-root"));
    show("pivot_root",
         syscall(SYS_pivot_root, "/nonexistent/a", "/nonexistent/b"));
    show("swapoff", syscall(SYS_swapoff, "/nonexistent/rrt-swap"));
    show("swapon", syscall(SYS_swapon, "/nonexistent/rrt-swap", 0));
    show("reboot bad magic", syscall(SYS_reboot, 0, 0, 0, NULL));
    show("init_module bad image", syscall(SYS_init_module, longname, 16, ""));
    show("delete_module", syscall(SYS_delete_module, "rrt_no_such_module", 0));
    show("kexec_load bad flags",
         syscall(SYS_kexec_load, 0, 0, NULL, 0x7fff0000UL));
    return corpus_ok();
}
