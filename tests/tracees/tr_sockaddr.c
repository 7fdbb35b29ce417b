/* Tracee: the address that accept, accept4, getsockname, getpeername and
 * recvfrom return through a socklen_t value-result argument. Given a
 * 3-byte buffer, the kernel copies 3 bytes and sets *addrlen to the full
 * length. Each call is made into a 3-byte buffer that ends at an unmapped
 * page (reading the full length there fails), into a 3-byte buffer
 * followed by sentinels, and into a buffer with room for any address (the
 * names hold the pid and a port, so a native run prints something else).
 * Buffers are filled with '.' first and printed in full with the returned
 * length, so a missing or short recorded output changes the replay. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum { TIGHT, SHORT, FULL, NPLACES };
enum { NCLIENTS = 2 * NPLACES };
enum { TAIL = 8 }; /* sentinels printed after a buffer (none at the page end) */

static const char *const place_name[NPLACES] = {"tight", "short", "full"};
static char *page_end; /* first byte of the unmapped page */
static char area[sizeof(struct sockaddr_storage) + TAIL];

static void print_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    printf(" addr:");
    for (size_t i = 0; i < n; i++)
        printf(b[i] >= 0x20 && b[i] < 0x7f ? "%c" : "\\%02x", b[i]);
    printf("\n");
}

/* The buffer for a placement, filled with '.', and its room. */
static struct sockaddr *place(int p, socklen_t *room)
{
    *room = p == FULL ? (socklen_t)sizeof(struct sockaddr_storage) : 3;
    char *b = p == TIGHT ? page_end - 3 : area;
    memset(b, '.', *room + (p == TIGHT ? 0 : TAIL));
    return (struct sockaddr *)b;
}

static void report(const char *call, int p, long ret, socklen_t len)
{
    printf("%s %s: ret=%ld len=%u", call, place_name[p], ret, (unsigned)len);
    print_bytes(p == TIGHT ? page_end - 3 : area, p == FULL    ? sizeof(area)
                                                  : p == TIGHT ? 3
                                                               : 3 + TAIL);
}

static int bind_abstract(int s, const char *tag)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    int n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "rrt-sa-%d-%s",
                     (int)getpid(), tag);
    socklen_t len =
        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
    return bind(s, (struct sockaddr *)&a, len);
}

int main(void)
{
    page_end = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    /* unmapped, not PROT_NONE: a tracer reads PROT_NONE pages */
    if (page_end == MAP_FAILED || munmap(page_end + 4096, 4096) != 0)
        return 1;
    page_end += 4096;

    /* AF_UNIX stream: a listener and clients, all bound to abstract names. */
    struct sockaddr_un srv_addr;
    socklen_t srv_len = sizeof(srv_addr);
    int srv = socket(AF_UNIX, SOCK_STREAM, 0), cli[NCLIENTS];
    if (srv < 0 || bind_abstract(srv, "srv") != 0 || listen(srv, 16) != 0 ||
        getsockname(srv, (struct sockaddr *)&srv_addr, &srv_len) != 0)
        return 1;
    for (int i = 0; i < NCLIENTS; i++) {
        char tag[16];
        snprintf(tag, sizeof(tag), "c%d", i);
        cli[i] = socket(AF_UNIX, SOCK_STREAM, 0);
        if (cli[i] < 0 || bind_abstract(cli[i], tag) != 0 ||
            connect(cli[i], (struct sockaddr *)&srv_addr, srv_len) != 0)
            return 1;
    }
    socklen_t len;
    for (int p = 0; p < NPLACES; p++) {
        struct sockaddr *a = place(p, &len);
        int fd = accept(srv, a, &len);
        report("accept", p, fd, len);
        close(fd);
        a = place(p, &len);
        fd = accept4(srv, a, &len, SOCK_CLOEXEC);
        report("accept4", p, fd, len);
        close(fd);
        a = place(p, &len);
        int ret = getsockname(cli[0], a, &len);
        report("getsockname", p, ret, len);
        a = place(p, &len);
        ret = getpeername(cli[0], a, &len);
        report("getpeername", p, ret, len);
    }
    /* No address buffer: accept leaves *addrlen alone (here it cannot even
     * be read); getsockname stores the length it would have copied. */
    int c = socket(AF_UNIX, SOCK_STREAM, 0), fd;
    if (c < 0 || connect(c, (struct sockaddr *)&srv_addr, srv_len) != 0)
        return 1;
    fd = accept(srv, NULL, (socklen_t *)page_end);
    printf("accept no-addr: ret=%d\n", fd);
    len = 0;
    int ret = getsockname(srv, NULL, &len);
    printf("getsockname no-addr: ret=%d len=%u\n", ret, (unsigned)len);

    /* AF_INET datagrams on the loopback: recvfrom's sender address. */
    struct sockaddr_in rx_addr = {.sin_family = AF_INET};
    socklen_t rx_len = sizeof(rx_addr);
    rx_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rx = socket(AF_INET, SOCK_DGRAM, 0),
        tx = socket(AF_INET, SOCK_DGRAM, 0);
    if (rx < 0 || tx < 0 ||
        bind(rx, (struct sockaddr *)&rx_addr, sizeof(rx_addr)) != 0 ||
        getsockname(rx, (struct sockaddr *)&rx_addr, &rx_len) != 0)
        return 1;
    for (int i = 0; i <= NPLACES; i++) {
        char msg[8];
        int n = snprintf(msg, sizeof(msg), "dgram%d", i);
        if (sendto(tx, msg, (size_t)n, 0, (struct sockaddr *)&rx_addr,
                   rx_len) != n)
            return 1;
    }
    char data[8];
    for (int p = 0; p < NPLACES; p++) {
        struct sockaddr *a = place(p, &len);
        memset(data, '.', sizeof(data));
        long n = (long)recvfrom(rx, data, sizeof(data), 0, a, &len);
        printf("recvfrom data=%.8s\n", data);
        report("recvfrom", p, n, len);
    }
    len = 7777;
    long n = (long)recvfrom(rx, data, sizeof(data), 0, NULL, &len);
    printf("recvfrom no-addr: ret=%ld len=%u\n", n, (unsigned)len);
    return 0;
}
