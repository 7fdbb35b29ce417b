/* corpus: modify_ldt reads and writes, iopl and ioperm refused by the kernel */
#include <asm/ldt.h>
#include "sys_common.h"

int main(void)
{
    char buf[64];
    show("read empty ldt", syscall(SYS_modify_ldt, 0, buf, sizeof(buf)));
    struct user_desc d;
    memset(&d, 0, sizeof(d));
    d.entry_number = 0;
    d.limit = 0xfff;
    d.seg_32bit = 1;
    d.useable = 1;
    show("write ldt", syscall(SYS_modify_ldt, 1, &d, sizeof(d)));
    memset(buf, 0, sizeof(buf));
    long n = show("read ldt", syscall(SYS_modify_ldt, 0, buf, 8));
    printf("entry limit low byte 0x%02x\n", n == 8 ? (unsigned char)buf[0] : 0);
    show("iopl", syscall(SYS_iopl, 3));
    show("ioperm", syscall(SYS_ioperm, 0x80, 1, 1));
    return corpus_ok();
}
