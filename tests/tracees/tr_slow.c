/* Tracee: prints a line every 20 ms for a long time (interrupt tests). */
#include <stdio.h>
#include <time.h>

int main(void)
{
    struct timespec d = {0, 20 * 1000 * 1000};
    for (int i = 0; i < 3000; i++) {
        printf("slow %d\n", i);
        fflush(stdout);
        nanosleep(&d, NULL);
    }
    return 0;
}
