/* corpus: newer calls: cachestat, mseal of nothing, lsm_list_modules, statmount
 */
#include <fcntl.h>
#include <stdint.h>
#include "sys_common.h"

int main(void)
{
    int fd = open("f", O_CREAT | O_RDWR, 0600);
    write(fd, "x", 1);
    uint64_t range[2] = {0, 0}, cs[5] = {0};
    long r = syscall(451, fd, range, cs, 0);
    printf("cachestat: %s\n", r == 0 ? "0" : strerrorname_np(errno));
    show("mseal bad flags", syscall(462, 0, 0, 1));
    uint64_t ids[32];
    uint32_t size = sizeof(ids);
    r = syscall(461, ids, &size, 0);
    printf("lsm_list_modules: %s\n", r > 0 ? "some" : strerrorname_np(errno));
    show("statmount bad", syscall(457, NULL, NULL, 0, 0));
    return corpus_ok();
}
