/* corpus: under rrt's syscall buffer (its own seccomp filter, allowing the
 * library's calls): PR_GET_SECCOMP says 0 before the program's filter; a
 * filter failing a buffered call (lseek) judges it, and buffered calls
 * (read, fstat) go on working */
#include <fcntl.h>
#include <sys/stat.h>
#include "sys_common.h"
#include "sys_seccomp.h"

int main(void)
{
    show("mode before", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    int fd = open("/proc/self/exe", O_RDONLY);
    need(fd >= 0, "open");
    char b[64];
    long sum = 0;
    for (int i = 0; i < 100; i++)
        sum += lseek(fd, 0, SEEK_SET) + read(fd, b, sizeof(b));
    show("reads before", sum);
    show("seccomp", filter_one(SYS_lseek, SECCOMP_RET_ERRNO | ESPIPE, 0));
    show("lseek after", lseek(fd, 0, SEEK_SET));
    sum = 0;
    struct stat st;
    for (int i = 0; i < 100; i++)
        sum += read(fd, b, 1) + (fstat(fd, &st) == 0);
    show("reads after", sum);
    show("mode after", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    return corpus_ok();
}
