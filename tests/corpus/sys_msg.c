/* corpus: SysV message queues: msgget, msgsnd, msgrcv, IPC_STAT, RMID */
#include <sys/msg.h>
#include "sys_common.h"

struct m {
    long type;
    char text[32];
};

int main(void)
{
    int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    need(id >= 0, "msgget");
    struct m out = {7, "seven"}, out2 = {3, "three"};
    show("msgsnd", msgsnd(id, &out, 6, 0));
    show("msgsnd", msgsnd(id, &out2, 6, 0));
    struct msqid_ds ds;
    show("IPC_STAT", msgctl(id, IPC_STAT, &ds));
    printf("qnum %lu\n", (unsigned long)ds.msg_qnum);
    struct m in = {0};
    show("msgrcv type 3", msgrcv(id, &in, sizeof(in.text), 3, 0));
    printf("got %ld %s\n", in.type, in.text);
    show("msgrcv any", msgrcv(id, &in, sizeof(in.text), 0, 0));
    printf("got %ld %s\n", in.type, in.text);
    show("msgrcv empty", msgrcv(id, &in, sizeof(in.text), 0, IPC_NOWAIT));
    show("IPC_RMID", msgctl(id, IPC_RMID, NULL));
    return corpus_ok();
}
