/* corpus: clock_settime, settimeofday, clock_adjtime, adjtimex as results */
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>
#include "sys_common.h"

/* The setters get values no kernel accepts (or read-only requests), so that
 * a run as root changes no clock: rrt records them for real. */
int main(void)
{
    struct timespec bad = {1, 2000000000L};
    show("clock_settime bad nsec", clock_settime(CLOCK_REALTIME, &bad));
    struct timespec ts = {1, 0};
    show("clock_settime monotonic", clock_settime(CLOCK_MONOTONIC, &ts));
    show("clock_settime bad clock", clock_settime(12345, &ts));
    struct timeval tv = {1, 2000000};
    show("settimeofday bad usec", settimeofday(&tv, NULL));
    struct timex tx;
    memset(&tx, 0, sizeof(tx));
    long r = show_ok("clock_adjtime read",
                     syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx));
    printf("tick plausible: %d\n",
           r < 0 || (tx.tick > 9000 && tx.tick < 11000));
    memset(&tx, 0, sizeof(tx));
    show_ok("adjtimex read", adjtimex(&tx));
    tx.modes = ADJ_TICK;
    tx.tick = 1; /* out of range */
    show("adjtimex bad tick", adjtimex(&tx));
    show("clock_adjtime bad clock", syscall(SYS_clock_adjtime, 12345, &tx));
    return corpus_ok();
}
