/* corpus: SysV semaphores: semget, SETVAL, semop, GETVAL, GETALL, IPC_STAT */
#include <sys/sem.h>
#include "sys_common.h"

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

int main(void)
{
    int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
    need(id >= 0, "semget");
    union semun a = {.val = 5};
    show("SETVAL", semctl(id, 1, SETVAL, a));
    struct sembuf ops[2] = {{1, -2, 0}, {2, 4, 0}};
    show("semop", semop(id, ops, 2));
    struct timespec ts = {0, 1000};
    struct sembuf take = {0, -1, 0};
    show("semtimedop", semtimedop(id, &take, 1, &ts));
    show("GETVAL 1", semctl(id, 1, GETVAL));
    unsigned short all[3] = {9, 9, 9};
    a.array = all;
    show("GETALL", semctl(id, 0, GETALL, a));
    printf("values: %u %u %u\n", all[0], all[1], all[2]);
    struct semid_ds ds;
    a.buf = &ds;
    show("IPC_STAT", semctl(id, 0, IPC_STAT, a));
    printf("nsems: %lu\n", (unsigned long)ds.sem_nsems);
    show("IPC_RMID", semctl(id, 0, IPC_RMID));
    return corpus_ok();
}
