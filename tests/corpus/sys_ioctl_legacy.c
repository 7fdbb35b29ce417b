/* corpus: old-style ioctls: FIOASYNC, TIOCMGET, VT_OPENQRY, FIONREAD, FIOCLEX
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include "sys_common.h"

int main(void)
{
    int p[2];
    need(pipe(p) == 0, "pipe");
    int on = 1;
    show("FIOASYNC", ioctl(p[0], 0x5452, &on));
    write(p[1], "12345", 5);
    int n = -1;
    show("FIONREAD", ioctl(p[0], FIONREAD, &n));
    printf("available %d\n", n);
    int bits = -1;
    show("TIOCMGET", ioctl(p[0], 0x5415, &bits));
    int vt = -1;
    show("VT_OPENQRY", ioctl(p[0], 0x5600, &vt));
    show("FIOCLEX", ioctl(p[0], FIOCLEX));
    show("F_GETFD", fcntl(p[0], F_GETFD));
    return corpus_ok();
}
