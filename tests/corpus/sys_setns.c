/* corpus: setns into namespaces, allowed or not */
#include <fcntl.h>
#include <sched.h>
#include "sys_common.h"

int main(void)
{
    int fd = open("/proc/self/ns/uts", O_RDONLY);
    need(fd >= 0, "open ns");
    show("setns uts", setns(fd, CLONE_NEWUTS));
    show("setns wrong type", setns(fd, CLONE_NEWNET));
    show("setns bad fd", setns(9999, 0));
    return corpus_ok();
}
