/* corpus: prctl(PR_SET_SECCOMP) installs a filter that fails dup with EACCES */
#include "sys_common.h"
#include "sys_seccomp.h"

int main(void)
{
    show("prctl", filter_one(SYS_dup, SECCOMP_RET_ERRNO | EACCES, 1));
    long r = show("dup", dup(1));
    need(r == -1 && errno == EACCES, "EACCES");
    show("prctl get mode", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    return corpus_ok();
}
