/* corpus: inotify_init (the old call) reports a file created in a watched dir
 */
#include <fcntl.h>
#include <sys/inotify.h>
#include "sys_common.h"

int main(void)
{
    int fd = (int)syscall(SYS_inotify_init);
    need(fd >= 0, "inotify_init");
    show("add_watch", inotify_add_watch(fd, ".", IN_CREATE) > 0);
    close(open("new", O_CREAT | O_WRONLY, 0600));
    char buf[256];
    long n = read(fd, buf, sizeof(buf));
    struct inotify_event *e = (void *)buf;
    printf("read %d: mask 0x%x name %s\n", n > 0, e->mask, e->name);
    return corpus_ok();
}
