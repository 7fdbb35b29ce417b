/* corpus: the kernel runs the low 32 bits of the number: 1<<32 | getppid */
#include "sys_common.h"

int main(void)
{
    long a = syscall((1L << 32) | SYS_getppid);
    long b = getppid();
    need(a == b, "getppid through the high bits");
    printf("same parent: %d\n", a == b);
    return corpus_ok();
}
