/* corpus: kcmp of two descriptors, pidfd_open and pidfd_getfd */
#include <fcntl.h>
#include <linux/kcmp.h>
#include "sys_common.h"

int main(void)
{
    int a = open("/dev/null", O_RDONLY), b = dup(a),
        c = open("/dev/null", O_RDONLY);
    pid_t me = getpid();
    show("kcmp same", syscall(SYS_kcmp, me, me, KCMP_FILE, a, b));
    long d = syscall(SYS_kcmp, me, me, KCMP_FILE, a, c);
    printf("kcmp different: %s\n", d == -1 ? strerrorname_np(errno)
                                   : d     ? "differ"
                                           : "same");
    int pfd = (int)syscall(SYS_pidfd_open, me, 0);
    need(pfd >= 0, "pidfd_open");
    int pipefd[2];
    need(pipe(pipefd) == 0, "pipe");
    write(pipefd[1], "via pidfd", 10);
    long g = syscall(SYS_pidfd_getfd, pfd, pipefd[0], 0);
    if (g >= 0) {
        char buf[16] = {0};
        read((int)g, buf, sizeof(buf));
        printf("pidfd_getfd read: %s\n", buf);
    } else {
        printf("pidfd_getfd: %s\n", strerrorname_np(errno));
    }
    return corpus_ok();
}
