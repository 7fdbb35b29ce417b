/* corpus: mknodat makes a FIFO, mknod a regular file */
#include <fcntl.h>
#include <sys/stat.h>
#include "sys_common.h"

int main(void)
{
    show("mknodat fifo", mknodat(AT_FDCWD, "fifo", S_IFIFO | 0600, 0));
    show("mknod file", syscall(SYS_mknod, "file", S_IFREG | 0600, 0));
    show("mknodat again", mknodat(AT_FDCWD, "fifo", S_IFIFO | 0600, 0));
    struct stat sb;
    show("stat", stat("fifo", &sb));
    printf("fifo: %d\n", S_ISFIFO(sb.st_mode));
    return corpus_ok();
}
