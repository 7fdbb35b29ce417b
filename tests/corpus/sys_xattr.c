/* corpus: setxattr, getxattr, listxattr, removexattr (and the fd/l forms) */
#include <fcntl.h>
#include <sys/xattr.h>
#include "sys_common.h"

int main(void)
{
    int fd = open("f", O_CREAT | O_RDWR, 0600);
    need(fd >= 0, "create");
    if (setxattr("f", "user.colour", "blue", 4, 0) != 0) {
        printf("setxattr: %s\n", strerrorname_np(errno));
        return corpus_ok();
    }
    show("fsetxattr", fsetxattr(fd, "user.size", "10", 2, XATTR_CREATE));
    show("lsetxattr exists",
         lsetxattr("f", "user.size", "11", 2, XATTR_CREATE));
    char v[32] = {0};
    show("getxattr size", getxattr("f", "user.colour", NULL, 0));
    show("getxattr", getxattr("f", "user.colour", v, sizeof(v)));
    printf("colour: %s\n", v);
    char l[64];
    long n = show("listxattr", listxattr("f", l, sizeof(l)));
    for (long i = 0; i < n; i += (long)strlen(l + i) + 1)
        printf("name: %s\n", l + i);
    show("removexattr", removexattr("f", "user.colour"));
    show("fremovexattr", fremovexattr(fd, "user.size"));
    show("lremovexattr gone", lremovexattr("f", "user.size"));
    show("getxattr gone", getxattr("f", "user.colour", v, sizeof(v)));
    return corpus_ok();
}
