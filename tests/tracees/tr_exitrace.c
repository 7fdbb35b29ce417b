/* Tracee: the main thread calls exit_group while another thread keeps
 * making calls. Between exit_group's entry and the kernel killing it, that
 * thread may still complete calls, which the recording then holds after
 * the exit_group event: replay must let them happen before the process
 * dies. (cargo's build scripts did this.) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* SCHED_IDLE */
#endif
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

static void *spin(void *arg)
{
    (void)arg;
    for (;;)
        getppid();
    return NULL;
}

int main(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, spin, NULL) != 0)
        return 1;
    for (int i = 0; i < 50; i++)
        getppid(); /* the thread is running by now */
    printf("exiting\n");
    fflush(stdout);
    /* the lowest priority: the thread gets the CPU before this thread
     * runs exit_group far enough to kill it */
    struct sched_param sp = {0};
    sched_setscheduler(0, SCHED_IDLE, &sp);
    _exit(0);
}
