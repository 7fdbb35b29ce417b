/* Tracee: sendmmsg and recvmmsg between two bound AF_UNIX datagram
 * sockets: several messages in one call each way, a descriptor passed as
 * control data, a message cut short (MSG_TRUNC), a sender address larger
 * than the buffer that receives it (which ends at an unmapped page), and
 * recvmmsg's timeout, which the kernel rewrites. Every field and buffer
 * the kernel writes is printed in full, next to bytes it must not write:
 * the buffers are filled with '.' and the counters with sentinels first,
 * so a missing or short recorded output changes the replayed output. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum { NSEND = 4, NRECV = 6 };

static socklen_t bind_abstract(int s, struct sockaddr_un *a, const char *tag)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    int n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "rrt-mmsg-%d-%s",
                     (int)getpid(), tag);
    socklen_t len =
        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
    return bind(s, (struct sockaddr *)a, len) == 0 ? len : 0;
}

static void print_bytes(const char *what, const void *p, size_t n)
{
    const unsigned char *b = p;
    printf("  %s:", what);
    for (size_t i = 0; i < n; i++)
        printf(b[i] >= 0x20 && b[i] < 0x7f ? "%c" : "\\%02x", b[i]);
    printf("\n");
}

int main(void)
{
    int rx = socket(AF_UNIX, SOCK_DGRAM, 0),
        tx = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un ra, ta;
    socklen_t ralen, talen;
    int pfd[2];
    if (rx < 0 || tx < 0 || !(ralen = bind_abstract(rx, &ra, "rx")) ||
        !(talen = bind_abstract(tx, &ta, "tx")) || pipe(pfd) != 0 ||
        write(pfd[1], "through the pipe", 16) != 16)
        return 1;

    /* Send: message 0 has two iovecs, 1 carries the pipe's read end, 2 is
     * longer than what the receiver has room for, 3 is empty. */
    static const char *parts[NSEND][2] = {
        {"abc", "defgh"}, {"fd!", ""}, {"0123456789abcdef", "ghij"}, {"", ""}};
    struct iovec siov[NSEND][2];
    struct mmsghdr smsg[NSEND + 1];
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } sctl;
    memset(smsg, 0, sizeof(smsg));
    for (int i = 0; i < NSEND; i++) {
        for (int j = 0; j < 2; j++)
            siov[i][j] =
                (struct iovec){(void *)parts[i][j], strlen(parts[i][j])};
        smsg[i].msg_hdr.msg_name = &ra;
        smsg[i].msg_hdr.msg_namelen = ralen;
        smsg[i].msg_hdr.msg_iov = siov[i];
        smsg[i].msg_hdr.msg_iovlen = 2;
        smsg[i].msg_len = 7777;
    }
    smsg[NSEND].msg_len = 7777; /* not sent: must stay */
    memset(&sctl, 0, sizeof(sctl));
    smsg[1].msg_hdr.msg_control = sctl.buf;
    smsg[1].msg_hdr.msg_controllen = sizeof(sctl.buf);
    struct cmsghdr *c = CMSG_FIRSTHDR(&smsg[1].msg_hdr);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pfd[0], sizeof(int));
    int sent = sendmmsg(tx, smsg, NSEND, 0);
    printf("sendmmsg=%d msg_len:", sent);
    for (int i = 0; i <= NSEND; i++)
        printf(" %u", smsg[i].msg_len);
    printf("\n");

    /* Receive: two iovecs of 4 and 8 bytes per message; message 2's name
     * buffer is 5 bytes at the very end of a page before an unmapped one. */
    char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    /* unmapped, not PROT_NONE: a tracer reads PROT_NONE pages */
    if (pages == MAP_FAILED || munmap(pages + 4096, 4096) != 0)
        return 1;
    char *tight = pages + 4096 - 5;
    memset(tight, '.', 5);
    char data[NRECV][2][8], names[NRECV][sizeof(struct sockaddr_un)];
    char ctl[NRECV][CMSG_SPACE(sizeof(int)) + 8] __attribute__((aligned(8)));
    struct iovec riov[NRECV][2];
    struct mmsghdr rmsg[NRECV];
    memset(data, '.', sizeof(data));
    memset(names, '.', sizeof(names));
    memset(ctl, '.', sizeof(ctl));
    memset(rmsg, 0, sizeof(rmsg));
    for (int i = 0; i < NRECV; i++) {
        riov[i][0] = (struct iovec){data[i][0], 4};
        riov[i][1] = (struct iovec){data[i][1], 8};
        rmsg[i].msg_hdr.msg_name = i == 2 ? (void *)tight : names[i];
        rmsg[i].msg_hdr.msg_namelen = i == 2 ? 5 : sizeof(names[i]);
        rmsg[i].msg_hdr.msg_iov = riov[i];
        rmsg[i].msg_hdr.msg_iovlen = 2;
        rmsg[i].msg_hdr.msg_control = ctl[i];
        rmsg[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
        rmsg[i].msg_hdr.msg_flags = 0x5555;
        rmsg[i].msg_len = 9999;
    }
    struct timespec tmo = {5, 0};
    int got = recvmmsg(rx, rmsg, NRECV, MSG_WAITFORONE, &tmo);
    printf("recvmmsg=%d timeout=%lld.%09ld\n", got, (long long)tmo.tv_sec,
           tmo.tv_nsec);
    for (int i = 0; i < NRECV; i++) {
        struct msghdr *h = &rmsg[i].msg_hdr;
        printf("message %d: msg_len=%u flags=0x%x namelen=%u controllen=%zu\n",
               i, rmsg[i].msg_len, (unsigned)h->msg_flags, h->msg_namelen,
               h->msg_controllen);
        print_bytes("name", h->msg_name, i == 2 ? 5 : sizeof(names[i]));
        print_bytes("data", data[i], sizeof(data[i]));
        print_bytes("control", ctl[i], sizeof(ctl[i]));
        for (struct cmsghdr *m = i < got ? CMSG_FIRSTHDR(h) : NULL; m;
             m = CMSG_NXTHDR(h, m)) {
            int fd;
            char b[32] = "";
            memcpy(&fd, CMSG_DATA(m), sizeof(fd));
            ssize_t n = read(fd, b, sizeof(b) - 1);
            printf("  cmsg level=%d type=%d fd=%d read=%zd '%s'\n",
                   m->cmsg_level, m->cmsg_type, fd, n, n > 0 ? b : "");
        }
    }
    /* Nothing left: an error, and no output. */
    errno = 0;
    got = recvmmsg(rx, rmsg, NRECV, MSG_DONTWAIT, NULL);
    printf("empty recvmmsg=%d errno=%d msg_len[0]=%u\n", got, errno,
           rmsg[0].msg_len);
    return 0;
}
