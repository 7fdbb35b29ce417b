/* recvmsg and sendmsg on sockets under the syscall buffer: plain data over
 * a stream and a datagram socketpair (buffered), a datagram cut short
 * (MSG_TRUNC in msg_flags, which replay must give back), descriptors
 * passed with SCM_RIGHTS (traced), and a thread blocked in recvmsg until
 * another sends (the buffered try finds nothing, the traced call waits).
 * And send and recv on a stream socket whose other end is slow: a
 * blocking send of 1 MiB sends it all, a recv with MSG_WAITALL waits for
 * all it asked (MSG_DONTWAIT would cut both short).
 * Prints what it received; the same natively, recorded and replayed. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static unsigned long sum(const char *p, size_t n, unsigned long s)
{
    for (size_t i = 0; i < n; i++)
        s = s * 31 + (unsigned char)p[i];
    return s;
}

static void *late_sender(void *arg)
{
    int fd = *(int *)arg;
    usleep(100000);
    struct iovec iov = {"late", 4};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (sendmsg(fd, &m, 0) != 4)
        perror("late sendmsg");
    return NULL;
}

static char big_buf[1 << 20];

static void *slow_reader(void *arg)
{
    int fd = *(int *)arg;
    static char b[65536];
    long total = 0;
    while (total < (long)sizeof(big_buf)) {
        usleep(2000);
        long k = read(fd, b, sizeof(b));
        if (k <= 0)
            break;
        total += k;
    }
    return NULL;
}

static void *slow_writer(void *arg)
{
    int fd = *(int *)arg;
    for (int i = 0; i < 9; i++) {
        usleep(5000);
        if (write(fd, big_buf, 10000) != 10000)
            break;
    }
    return NULL;
}

int main(void)
{
    int st[2], dg[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, st) ||
        socketpair(AF_UNIX, SOCK_DGRAM, 0, dg))
        return 2;
    unsigned long s = 0;
    long got = 0;
    for (int i = 0; i < 2000; i++) {
        char a[40], b[24];
        int n = snprintf(a, sizeof(a), "message %d ", i);
        struct iovec out[2] = {{a, (size_t)n}, {"tail", 4}};
        struct msghdr m = {.msg_iov = out, .msg_iovlen = 2};
        if (sendmsg(st[0], &m, 0) != n + 4)
            return 3;
        struct iovec in[2] = {{a, 10}, {b, sizeof(b)}};
        struct msghdr r = {.msg_iov = in, .msg_iovlen = 2};
        long k = recvmsg(st[1], &r, 0);
        if (k <= 0)
            return 4;
        got += k;
        s = sum(a, k < 10 ? (size_t)k : 10, s);
        if (k > 10)
            s = sum(b, (size_t)(k - 10), s);
    }
    printf("stream: %ld bytes, sum %016lx\n", got, s);

    /* a datagram larger than the buffer: cut, MSG_TRUNC */
    struct iovec big = {"0123456789abcdef", 16};
    struct msghdr m = {.msg_iov = &big, .msg_iovlen = 1};
    if (sendmsg(dg[0], &m, 0) != 16)
        return 5;
    char small[6] = {0};
    struct iovec in = {small, 5};
    struct msghdr r = {.msg_iov = &in, .msg_iovlen = 1};
    long k = recvmsg(dg[1], &r, 0);
    printf("datagram: %ld bytes \"%s\", truncated %d\n", k, small,
           (r.msg_flags & MSG_TRUNC) != 0);
    /* nothing more to read: EAGAIN when asked not to wait */
    k = recvmsg(dg[1], &r, MSG_DONTWAIT);
    printf("empty: %ld\n", k);

    /* a descriptor passed with SCM_RIGHTS: the read end of a pipe */
    int p[2];
    if (pipe(p))
        return 6;
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } c;
    memset(&c, 0, sizeof(c));
    struct iovec one = {"x", 1};
    struct msghdr sm = {.msg_iov = &one,
                        .msg_iovlen = 1,
                        .msg_control = c.buf,
                        .msg_controllen = sizeof(c.buf)};
    struct cmsghdr *h = CMSG_FIRSTHDR(&sm);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(h), &p[0], sizeof(int));
    if (sendmsg(st[0], &sm, 0) != 1)
        return 7;
    memset(&c, 0, sizeof(c));
    char x;
    struct iovec rone = {&x, 1};
    struct msghdr rm = {.msg_iov = &rone,
                        .msg_iovlen = 1,
                        .msg_control = c.buf,
                        .msg_controllen = sizeof(c.buf)};
    if (recvmsg(st[1], &rm, 0) != 1 || !(h = CMSG_FIRSTHDR(&rm)) ||
        h->cmsg_type != SCM_RIGHTS)
        return 8;
    int fd;
    memcpy(&fd, CMSG_DATA(h), sizeof(int));
    char w[8] = {0};
    if (write(p[1], "piped", 5) != 5 || read(fd, w, sizeof(w) - 1) != 5)
        return 9;
    printf("passed descriptor reads \"%s\"\n", w);

    /* a thread blocked in recvmsg until another sends */
    pthread_t t;
    pthread_create(&t, NULL, late_sender, &st[0]);
    char l[8] = {0};
    struct iovec li = {l, sizeof(l) - 1};
    struct msghdr lm = {.msg_iov = &li, .msg_iovlen = 1};
    k = recvmsg(st[1], &lm, 0);
    pthread_join(t, NULL);
    printf("blocked recvmsg: %ld \"%s\"\n", k, l);

    /* the first calls at a site are traced (and patch it) */
    char one_byte;
    if (send(st[0], "w", 1, 0) != 1 || recv(st[1], &one_byte, 1, 0) != 1)
        return 10;
    /* a tenth is there at once, the rest comes slowly */
    if (write(st[0], big_buf, 10000) != 10000)
        return 11;
    pthread_create(&t, NULL, slow_writer, &st[0]);
    k = recv(st[1], big_buf, 100000, MSG_WAITALL);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, slow_reader, &st[1]);
    long sent = send(st[0], big_buf, sizeof(big_buf), 0);
    shutdown(st[0], SHUT_WR); /* the reader ends even if not all came */
    pthread_join(t, NULL);
    printf("slow peer: sent %ld received %ld\n", sent, k);
    return 0;
}
