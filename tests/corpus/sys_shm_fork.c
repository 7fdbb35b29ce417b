/* corpus: a SysV segment attached before fork is shared with the child */
#include <sys/shm.h>
#include <sys/wait.h>
#include "sys_common.h"

int main(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    need(id >= 0, "shmget");
    volatile int *p = shmat(id, NULL, 0);
    need(p != (void *)-1, "shmat");
    pid_t c = fork();
    if (c == 0) {
        p[0] = 42;
        _exit(0);
    }
    waitpid(c, NULL, 0);
    printf("child wrote: %d\n", p[0]);
    need(p[0] == 42, "shared");
    shmdt((void *)p);
    shmctl(id, IPC_RMID, NULL);
    return corpus_ok();
}
