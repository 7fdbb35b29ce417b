/* corpus: sched_getattr, sched_setattr, sched_rr_get_interval */
#include <sched.h>
#include <stdint.h>
#include <time.h>
#include "sys_common.h"

struct sched_attr { /* <linux/sched/types.h>, which clashes with <sched.h> */
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
    uint32_t sched_util_min, sched_util_max;
};

int main(void)
{
    struct sched_attr a;
    memset(&a, 0xff, sizeof(a));
    show("sched_getattr", syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0));
    printf("size %u policy %u nice %d\n", a.size, a.sched_policy, a.sched_nice);
    a.sched_nice = a.sched_nice + 1;
    show("sched_setattr nicer", syscall(SYS_sched_setattr, 0, &a, 0));
    show("sched_getattr small", syscall(SYS_sched_getattr, 0, &a, 8, 0));
    struct timespec ts;
    show("sched_rr_get_interval", sched_rr_get_interval(0, &ts));
    return corpus_ok();
}
