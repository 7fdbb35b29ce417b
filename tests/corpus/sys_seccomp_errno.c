/* corpus: the program's seccomp filter fails uname with EPERM */
#include <sys/utsname.h>
#include "sys_common.h"
#include "sys_seccomp.h"

int main(void)
{
    struct utsname u;
    show("uname before", uname(&u));
    show("seccomp", filter_one(SYS_uname, SECCOMP_RET_ERRNO | EPERM, 0));
    long r = show("uname after", uname(&u));
    need(r == -1 && errno == EPERM, "EPERM");
    show("getppid still allowed", getppid() > 0);
    return corpus_ok();
}
