/* corpus: landlock: a ruleset that forbids reading files, then a read fails */
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include "sys_common.h"

int main(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
                       LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) {
        printf("landlock: %s\n", strerrorname_np(errno));
        return corpus_ok();
    }
    printf("abi >= 1\n");
    struct landlock_ruleset_attr ra = {.handled_access_fs =
                                           LANDLOCK_ACCESS_FS_READ_FILE};
    int rs = (int)show_ok("create_ruleset", syscall(SYS_landlock_create_ruleset,
                                                    &ra, sizeof(ra), 0));
    show("add_rule bad", syscall(SYS_landlock_add_rule, rs, 99, NULL, 0));
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    show("restrict_self", syscall(SYS_landlock_restrict_self, rs, 0));
    show("open after", open("/etc/hostname", O_RDONLY));
    return corpus_ok();
}
