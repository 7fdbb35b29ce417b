/* corpus: fchmodat2 (452, Linux 6.6) changes a mode, stat sees it */
#include <fcntl.h>
#include <sys/stat.h>
#include "sys_common.h"

int main(void)
{
    int fd = open("f", O_CREAT | O_WRONLY, 0644);
    need(fd >= 0, "create");
    close(fd);
    long r = show("fchmodat2", syscall(452, AT_FDCWD, "f", 0600, 0));
    struct stat sb;
    need(stat("f", &sb) == 0, "stat");
    printf("mode: %o\n", sb.st_mode & 0777);
    need(r != 0 || (sb.st_mode & 0777) == 0600, "mode changed");
    return corpus_ok();
}
