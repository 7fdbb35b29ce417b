/* Tracee: getsockopt results longer than a socket address. A 40-insn
 * classic BPF filter is attached to a socket and read back with
 * SO_GET_FILTER, whose length counts 8-byte instructions, not bytes (320
 * bytes), and SO_RCVBUF/TCP_INFO-style options are read into buffers
 * filled with sentinels first. Everything is printed as a checksum, so
 * output missing from the recording changes the replay. */
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { NINSN = 40 };

static unsigned long sum(const void *p, size_t n)
{
    const unsigned char *b = p;
    unsigned long s = 0;
    for (size_t i = 0; i < n; i++)
        s = s * 31 + b[i];
    return s;
}

int main(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0)
        return 1;
    struct sock_filter prog[NINSN];
    for (int i = 0; i < NINSN - 1; i++) /* A = i; ... ; accept all */
        prog[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, (unsigned)i);
    prog[NINSN - 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffff);
    struct sock_fprog fp = {NINSN, prog};
    if (setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) != 0) {
        perror("SO_ATTACH_FILTER");
        return 1;
    }
    struct sock_filter back[NINSN + 4];
    memset(back, 0x5a, sizeof(back));
    socklen_t len = NINSN + 4; /* in instructions */
    int r = getsockopt(s, SOL_SOCKET, SO_GET_FILTER, back, &len);
    printf("SO_GET_FILTER=%d len=%u same=%d sum=%lx\n", r, (unsigned)len,
           r == 0 && memcmp(back, prog, sizeof(prog)) == 0,
           sum(back, sizeof(back)));

    int t = socket(AF_INET, SOCK_STREAM, 0);
    unsigned char info[512];
    memset(info, 0x5a, sizeof(info));
    len = sizeof(info);
    r = getsockopt(t, IPPROTO_TCP, TCP_INFO, info, &len);
    printf("TCP_INFO=%d len=%u sum=%lx\n", r, (unsigned)len,
           sum(info, sizeof(info)));
    close(t);
    close(s);
    return 0;
}
