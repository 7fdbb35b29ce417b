/* corpus: mlockall and munlockall results */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
    int a = mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
    int ae = a ? errno : 0;
    int b = munlockall();
    int c = mlockall(0);
    int ce = c ? errno : 0;
    printf("mlockall %d (%s) munlockall %d bad %d (%s)\n", a, strerror(ae), b,
           c, strerror(ce));
    if (c != -1 || ce != EINVAL)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
