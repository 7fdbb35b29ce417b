/* corpus: process_vm_readv and process_vm_writev on the caller itself */
#include <sys/uio.h>
#include "sys_common.h"

static char src[32] = "from far away", dst[32], target[32] = "unchanged";

int main(void)
{
    struct iovec l = {dst, 14}, rm = {src, 14};
    show("process_vm_readv", process_vm_readv(getpid(), &l, 1, &rm, 1, 0));
    printf("read: %s\n", dst);
    char msg[] = "written";
    struct iovec l2 = {msg, 8}, r2 = {target, 8};
    show("process_vm_writev", process_vm_writev(getpid(), &l2, 1, &r2, 1, 0));
    printf("target: %s\n", target);
    need(strcmp(target, "written") == 0, "written");
    return corpus_ok();
}
