/* corpus: SysV IPC_INFO and the *_INFO commands fill kernel structures */
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include "sys_common.h"

int main(void)
{
    struct shminfo si;
    memset(&si, 0, sizeof(si));
    show_ok("shm IPC_INFO", shmctl(0, IPC_INFO, (struct shmid_ds *)&si));
    printf("shmmni set %d\n", si.shmmni > 0);
    struct msginfo mi;
    memset(&mi, 0, sizeof(mi));
    show_ok("msg IPC_INFO", msgctl(0, IPC_INFO, (struct msqid_ds *)&mi));
    printf("msgmax set %d\n", mi.msgmax > 0);
    struct seminfo sm;
    memset(&sm, 0, sizeof(sm));
    show_ok("sem IPC_INFO", semctl(0, 0, IPC_INFO, &sm));
    printf("semmsl set %d\n", sm.semmsl > 0);
    return corpus_ok();
}
