/* corpus: get_robust_list answers what glibc registered */
#include "sys_common.h"

int main(void)
{
    void *head = NULL;
    size_t len = 0;
    show("get_robust_list", syscall(SYS_get_robust_list, 0, &head, &len));
    printf("len %zu head set %d\n", len, head != NULL);
    show("get_robust_list bad pid",
         syscall(SYS_get_robust_list, 999999, &head, &len));
    return corpus_ok();
}
