/* corpus: fanotify_init and bpf, refused or not by the kernel */
#include <linux/bpf.h>
#include <sys/fanotify.h>
#include "sys_common.h"

int main(void)
{
    show_ok("fanotify_init", syscall(SYS_fanotify_init, FAN_CLASS_NOTIF, 0));
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.map_type = BPF_MAP_TYPE_ARRAY;
    a.key_size = 4;
    a.value_size = 8;
    a.max_entries = 4;
    show_ok("bpf map create", syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a)));
    show("bpf bad command", syscall(SYS_bpf, 9999, &a, sizeof(a)));
    return corpus_ok();
}
