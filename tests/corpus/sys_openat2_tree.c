/* corpus: openat2 with RESOLVE_ flags, open_tree, fsopen */
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include "sys_common.h"

int main(void)
{
    close(open("f", O_CREAT | O_WRONLY, 0600));
    symlink("f", "link");
    struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS};
    show_ok("openat2 file",
            syscall(SYS_openat2, AT_FDCWD, "f", &how, sizeof(how)));
    show("openat2 symlink",
         syscall(SYS_openat2, AT_FDCWD, "link", &how, sizeof(how)));
    how.resolve = RESOLVE_BENEATH;
    show("openat2 beneath",
         syscall(SYS_openat2, AT_FDCWD, "/etc/passwd", &how, sizeof(how)));
    show("openat2 bad size", syscall(SYS_openat2, AT_FDCWD, "f", &how, 4));
    show_ok("open_tree",
            syscall(SYS_open_tree, AT_FDCWD, ".", OPEN_TREE_CLOEXEC));
    show_ok("open_tree clone",
            syscall(SYS_open_tree, AT_FDCWD, ".", OPEN_TREE_CLONE));
    show_ok("fsopen", syscall(SYS_fsopen, "tmpfs", 0));
    return corpus_ok();
}
