/* corpus: syslog's buffer size, sysfs's file system names */
#include "sys_common.h"

int main(void)
{
    show_ok("syslog size", syscall(SYS_syslog, 10, NULL, 0));
    char buf[64];
    show("syslog read", syscall(SYS_syslog, 3, buf, sizeof(buf)) >= 0 ? 0 : -1);
    long n = show_ok("sysfs count", syscall(SYS_sysfs, 3));
    memset(buf, 0, sizeof(buf));
    long r = syscall(SYS_sysfs, 2, 0, buf);
    printf("sysfs name 0: %s\n", r == 0 ? buf : strerrorname_np(errno));
    long i = syscall(SYS_sysfs, 1, buf);
    printf("index of it: %ld\n", i);
    (void)n;
    return corpus_ok();
}
