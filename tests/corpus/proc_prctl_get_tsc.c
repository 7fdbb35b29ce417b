/* corpus: PR_GET_TSC shows the program its own view (PR_TSC_ENABLE), not rrt's
 * trapping */
#include <stdio.h>
#include <sys/prctl.h>
#include <x86intrin.h>

int main(void)
{
    int mode = -1;
    if (prctl(PR_GET_TSC, &mode, 0, 0, 0) != 0)
        return 1;
    if (mode != PR_TSC_ENABLE)
        return 2;
    if (prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0) != 0)
        return 3;
    unsigned long long a = __rdtsc(), b = __rdtsc();
    if (b < a)
        return 4;
    mode = -1;
    if (prctl(PR_GET_TSC, &mode, 0, 0, 0) != 0 || mode != PR_TSC_ENABLE)
        return 5;
    printf("tsc mode enable\n");
    printf("rrt-corpus: ok\n");
    return 0;
}
