/* corpus: SysV shared memory: shmget, shmat, write, IPC_STAT, shmdt, RMID */
#include <sys/shm.h>
#include "sys_common.h"

int main(void)
{
    int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
    need(id >= 0, "shmget");
    char *p = shmat(id, NULL, 0);
    need(p != (void *)-1, "shmat");
    printf("fresh segment zero: %d\n", p[0] == 0 && p[9999] == 0);
    strcpy(p, "hello shm");
    struct shmid_ds ds;
    show("IPC_STAT", shmctl(id, IPC_STAT, &ds));
    printf("size %zu nattch %lu\n", ds.shm_segsz, (unsigned long)ds.shm_nattch);
    char *q = shmat(id, NULL, SHM_RDONLY);
    need(q != (void *)-1, "second shmat");
    printf("second view: %s\n", q);
    show("shmdt", shmdt(q));
    show("shmdt", shmdt(p));
    show("shmdt again", shmdt(p));
    show("IPC_RMID", shmctl(id, IPC_RMID, NULL));
    return corpus_ok();
}
