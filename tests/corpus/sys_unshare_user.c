/* corpus: unshare(CLONE_NEWUSER): later identity calls see the new namespace */
#include <sched.h>
#include "sys_common.h"

int main(void)
{
    uid_t before = getuid();
    long r = show("unshare", unshare(CLONE_NEWUSER));
    uid_t after = getuid();
    printf("uid changed: %d\n", before != after);
    need(r != 0 || after == 65534 || after == 0, "overflow uid");
    return corpus_ok();
}
