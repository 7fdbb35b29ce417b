/* Tracee: the terminal and descriptor ioctls programs commonly issue, on a
 * pipe (FIONREAD with bytes in it, FIONBIO, FIOCLEX/FIONCLEX, TCGETS
 * failing with ENOTTY) and on a pseudo-terminal from posix_openpt
 * (TIOCGPTN, TIOCSPTLCK, TIOCGPTPEER, TCFLSH, TIOCGSID, TCGETS,
 * TCSETS/TCSETSW/TCSETSF, TIOCSWINSZ, TIOCGWINSZ, TIOCGPGRP). Each output is
 * filled with a sentinel first and printed in full, so an output replay does
 * not restore shows. `tr_ioctl unlisted` issues 0x5470, an old-style terminal
 * request without a size that rrt's table does not list: refused, not
 * guessed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

/* The kernel's struct termios (asm-generic/termbits.h), which TCGETS
 * writes; glibc's is larger. */
struct kernel_termios {
    unsigned int iflag, oflag, cflag, lflag;
    unsigned char line, cc[19];
};

static void print_termios(const char *what, int ret, const void *t)
{
    const unsigned char *b = t;
    printf("%s=%d errno=%d bytes:", what, ret, ret < 0 ? errno : 0);
    for (size_t i = 0; i < sizeof(struct kernel_termios); i++)
        printf("%02x", b[i]);
    printf("\n");
}

static void on_pipe(void)
{
    int p[2];
    if (pipe(p) != 0 || write(p[1], "hello", 5) != 5)
        exit(1);
    int avail = -1;
    int ret = ioctl(p[0], FIONREAD, &avail);
    printf("pipe FIONREAD=%d avail=%d\n", ret, avail);
    int on = 1;
    ret = ioctl(p[0], FIONBIO, &on);
    char b[16];
    ssize_t n = read(p[0], b, sizeof(b));
    errno = 0;
    ssize_t again = read(p[0], b, sizeof(b));
    printf("pipe FIONBIO=%d read=%zd then read=%zd errno=%d\n", ret, n, again,
           errno);
    int r1 = ioctl(p[0], FIOCLEX);
    int fd1 = fcntl(p[0], F_GETFD);
    int r2 = ioctl(p[0], FIONCLEX);
    int fd2 = fcntl(p[0], F_GETFD);
    printf("pipe FIOCLEX=%d getfd=%d FIONCLEX=%d getfd=%d\n", r1, fd1, r2, fd2);
    struct kernel_termios kt;
    memset(&kt, 0xaa, sizeof(kt));
    errno = 0;
    print_termios("pipe TCGETS", ioctl(p[0], TCGETS, &kt), &kt);
    close(p[0]);
    close(p[1]);
}

static void on_pty(void)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0) {
        printf("posix_openpt: errno=%d\n", errno);
        return;
    }
    unsigned int ptn = 0xffffffffu;
    int ret = ioctl(m, TIOCGPTN, &ptn);
    int unlock = unlockpt(m); /* TIOCSPTLCK */
    /* the number depends on the machine; that it is restored is what
     * counts, so print it as-is */
    printf("pty TIOCGPTN=%d ptn=%u unlockpt=%d\n", ret, ptn, unlock);

    struct kernel_termios kt;
    memset(&kt, 0xaa, sizeof(kt));
    print_termios("pty TCGETS", ioctl(m, TCGETS, &kt), &kt);
    struct termios t;
    memset(&t, 0xaa, sizeof(t));
    ret = tcgetattr(m, &t);
    cfmakeraw(&t);
    t.c_cc[VMIN] = 3;
    int s1 = ioctl(m, TCSETS, &kt);     /* unchanged */
    int s2 = tcsetattr(m, TCSANOW, &t); /* TCSETS */
    t.c_cc[VTIME] = 7;
    int s3 = tcsetattr(m, TCSADRAIN, &t); /* TCSETSW */
    t.c_cc[VMIN] = 5;
    int s4 = tcsetattr(m, TCSAFLUSH, &t); /* TCSETSF */
    printf("pty tcgetattr=%d TCSETS=%d tcsetattr=%d,%d,%d\n", ret, s1, s2, s3,
           s4);
    memset(&kt, 0xaa, sizeof(kt));
    print_termios("pty raw TCGETS", ioctl(m, TCGETS, &kt), &kt);

    struct winsize ws = {
        .ws_row = 33, .ws_col = 101, .ws_xpixel = 7, .ws_ypixel = 9};
    int sw = ioctl(m, TIOCSWINSZ, &ws);
    memset(&ws, 0xaa, sizeof(ws));
    int gw = ioctl(m, TIOCGWINSZ, &ws);
    printf("pty TIOCSWINSZ=%d TIOCGWINSZ=%d rows=%u cols=%u x=%u y=%u\n", sw,
           gw, ws.ws_row, ws.ws_col, ws.ws_xpixel, ws.ws_ypixel);

    pid_t pg = -7;
    errno = 0;
    ret = ioctl(m, TIOCGPGRP, &pg);
    printf("pty master TIOCGPGRP=%d errno=%d pgrp=%d\n", ret, errno, (int)pg);
    char name[64];
    int s = ptsname_r(m, name, sizeof(name)) == 0
                ? open(name, O_RDWR | O_NOCTTY)
                : -1;
    pg = -7;
    errno = 0;
    ret = ioctl(s, TIOCGPGRP, &pg);
    printf("pty slave %s TIOCGPGRP=%d errno=%d pgrp=%d\n",
           s >= 0 ? "open" : "closed", ret, errno, (int)pg);
    int avail = -1;
    if (write(m, "typed\n", 6) != 6)
        exit(1);
    usleep(20000); /* the line discipline moves the bytes asynchronously */
    ret = ioctl(s, FIONREAD, &avail);
    printf("pty slave FIONREAD=%d avail=%d\n", ret, avail);
    /* TIOCGPTPEER opens the slave and returns its descriptor, as
     * script(1) does; TCFLSH discards the unread input; TIOCGSID of a
     * terminal that is nobody's controlling one fails */
    int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    int fl = ioctl(peer, TCFLSH, TCIFLUSH);
    avail = -1;
    ioctl(peer, FIONREAD, &avail);
    pid_t sid = -7;
    errno = 0;
    ret = ioctl(peer, TIOCGSID, &sid);
    printf("pty TIOCGPTPEER=%s TCFLSH=%d avail=%d TIOCGSID=%d errno=%d\n",
           peer >= 0 ? "fd" : "failed", fl, avail, ret, errno);
    close(peer);
    close(s);
    close(m);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "unlisted") == 0) {
        int n = -1;
        int ret = ioctl(1, 0x5470, &n);
        printf("0x5470=%d\n", ret);
        return 0;
    }
    on_pipe();
    on_pty();
    return 0;
}
