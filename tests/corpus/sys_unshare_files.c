/* corpus: unshare(CLONE_FILES | CLONE_FS | CLONE_SYSVSEM) of the caller */
#include <fcntl.h>
#include <sched.h>
#include "sys_common.h"

int main(void)
{
    int fd = open("/dev/null", O_RDONLY);
    show("unshare", unshare(CLONE_FILES | CLONE_FS | CLONE_SYSVSEM));
    show("close", close(fd));
    show("chdir", chdir("/"));
    char buf[64];
    printf("cwd: %s\n", getcwd(buf, sizeof(buf)));
    return corpus_ok();
}
