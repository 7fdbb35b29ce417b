/* Tracee: wall-clock time through clock_gettime, time and gettimeofday. */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

int main(void)
{
    struct timespec ts, mono;
    struct timeval tv;
    clock_gettime(CLOCK_REALTIME, &ts);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    time_t t = time(NULL);
    gettimeofday(&tv, NULL);
    printf("time: realtime=%lld.%09ld monotonic=%lld.%09ld time=%lld "
           "tv=%lld.%06ld\n",
           (long long)ts.tv_sec, ts.tv_nsec, (long long)mono.tv_sec,
           mono.tv_nsec, (long long)t, (long long)tv.tv_sec, (long)tv.tv_usec);
    return 0;
}
