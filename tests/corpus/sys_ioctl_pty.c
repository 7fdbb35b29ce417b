/* corpus: a pseudo-terminal: TIOCGPTN, TIOCSPTLCK, TIOCGPKT, TCGETS, TIOCGWINSZ
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include "sys_common.h"

int main(void)
{
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY);
    if (m < 0) {
        printf("ptmx: %s\n", strerrorname_np(errno));
        return corpus_ok();
    }
    unsigned n = 0;
    show("TIOCGPTN", ioctl(m, TIOCGPTN, &n));
    int unlock = 0;
    show("TIOCSPTLCK", ioctl(m, TIOCSPTLCK, &unlock));
    int pkt = 9;
    show("TIOCGPKT", ioctl(m, 0x80045438, &pkt));
    printf("packet mode %d\n", pkt);
    int lck = 9;
    show("TIOCGPTLCK", ioctl(m, TIOCGPTLCK, &lck));
    printf("locked %d\n", lck);
    struct winsize ws = {24, 80, 0, 0};
    show("TIOCSWINSZ", ioctl(m, TIOCSWINSZ, &ws));
    memset(&ws, 0, sizeof(ws));
    show("TIOCGWINSZ", ioctl(m, TIOCGWINSZ, &ws));
    printf("rows %u cols %u\n", ws.ws_row, ws.ws_col);
    struct termios t;
    show("tcgetattr", tcgetattr(m, &t));
    int q = -1;
    show("TIOCOUTQ", ioctl(m, TIOCOUTQ, &q));
    printf("outq %d\n", q);
    return corpus_ok();
}
