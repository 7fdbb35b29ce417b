/* corpus: timer_getoverrun, futex_wake (454), futex_waitv with nothing to wait
 */
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include "sys_common.h"

int main(void)
{
    timer_t t;
    struct sigevent se = {0};
    se.sigev_notify = SIGEV_NONE;
    need(timer_create(CLOCK_MONOTONIC, &se, &t) == 0, "timer_create");
    show("timer_getoverrun", timer_getoverrun(t));
    static uint32_t word = 0;
    long r = syscall(454, &word, 0xffffffffUL, 1, 2 /* FUTEX2_SIZE_U32 */);
    printf("futex_wake: %s\n", r >= 0 ? "0 woken" : strerrorname_np(errno));
    show("futex_waitv bad", syscall(SYS_futex_waitv, NULL, 0, 0, NULL, 0));
    return corpus_ok();
}
