/* corpus: eventfd (the old call, 284) counts writes */
#include <stdint.h>
#include "sys_common.h"

int main(void)
{
    int fd = (int)syscall(SYS_eventfd, 3);
    need(fd >= 0, "eventfd");
    uint64_t v = 4;
    show("write", write(fd, &v, 8));
    v = 0;
    show("read", read(fd, &v, 8));
    printf("count %llu\n", (unsigned long long)v);
    return corpus_ok();
}
