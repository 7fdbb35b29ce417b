/* corpus: a BPF array map: update, lookup (the value the kernel writes), next
 * key */
#include <linux/bpf.h>
#include <stdint.h>
#include "sys_common.h"

static long bpf(int cmd, union bpf_attr *a)
{
    return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

int main(void)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.map_type = BPF_MAP_TYPE_HASH;
    a.key_size = 4;
    a.value_size = 8;
    a.max_entries = 4;
    long fd = bpf(BPF_MAP_CREATE, &a);
    if (fd < 0) {
        printf("map create: %s\n", strerrorname_np(errno));
        return corpus_ok();
    }
    uint32_t key = 7, next = 0;
    uint64_t val = 0x1122334455667788ull, got = 0;
    memset(&a, 0, sizeof(a));
    a.map_fd = (uint32_t)fd;
    a.key = (uint64_t)(uintptr_t)&key;
    a.value = (uint64_t)(uintptr_t)&val;
    show("update", bpf(BPF_MAP_UPDATE_ELEM, &a));
    a.value = (uint64_t)(uintptr_t)&got;
    show("lookup", bpf(BPF_MAP_LOOKUP_ELEM, &a));
    printf("value 0x%llx\n", (unsigned long long)got);
    a.key = 0;
    a.next_key = (uint64_t)(uintptr_t)&next;
    show("next key", bpf(BPF_MAP_GET_NEXT_KEY, &a));
    printf("first key %u\n", next);
    struct bpf_map_info info;
    memset(&info, 0, sizeof(info));
    memset(&a, 0, sizeof(a));
    a.info.bpf_fd = (uint32_t)fd;
    a.info.info_len = sizeof(info);
    a.info.info = (uint64_t)(uintptr_t)&info;
    show("info", bpf(BPF_OBJ_GET_INFO_BY_FD, &a));
    printf("info: type %u key %u value %u max %u\n", info.type, info.key_size,
           info.value_size, info.max_entries);
    return corpus_ok();
}
