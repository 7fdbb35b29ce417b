/* corpus: _IOR ioctls recorded by their encoding (FS_IOC_GETFLAGS, ...) */
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include "sys_common.h"

int main(void)
{
    int fd = open("f", O_CREAT | O_RDWR, 0600);
    need(fd >= 0, "create");
    long flags = 0x5a5a5a5a;
    long r = ioctl(fd, 0x80087601, &flags); /* FS_IOC_GETFLAGS */
    printf("FS_IOC_GETFLAGS: %s flags 0x%lx\n",
           r ? strerrorname_np(errno) : "0", r ? 0 : flags & 0xffffffff);
    int v = 77;
    show("FS_IOC_GETVERSION", ioctl(fd, FS_IOC_GETVERSION, &v) == 0 ? 0 : -1);
    int x = 5;
    show("TIOCGPKT on a file", ioctl(fd, 0x80045438, &x));
    int rnd = open("/dev/urandom", O_RDONLY);
    int ent = -1;
    r = ioctl(rnd, 0x80045200, &ent); /* RNDGETENTCNT */
    printf("RNDGETENTCNT: %ld, count set %d\n", r, ent != -1);
    char mt[48];
    show("MTIOCGET on a file", ioctl(fd, 0x80306d02, mt));
    show("PERF_EVENT_IOC_ENABLE on a file", ioctl(fd, 0x2400, 0));
    return corpus_ok();
}
