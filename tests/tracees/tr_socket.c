/* Tracee: a socketpair echo between two processes, then a loopback TCP
 * echo on an ephemeral port, waiting with poll, select and epoll. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int echo_pair(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        char b[64];
        ssize_t n = read(sv[1], b, sizeof(b));
        if (n > 0 && write(sv[1], b, (size_t)n) != n)
            _exit(1);
        _exit(0);
    }
    char b[64] = "";
    if (write(sv[0], "marco", 5) != 5)
        return 1;
    ssize_t n = read(sv[0], b, sizeof(b) - 1);
    b[n > 0 ? n : 0] = 0;
    waitpid(pid, NULL, 0);
    printf("socketpair: echoed '%s'\n", b);
    return 0;
}

static int echo_tcp(void)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(ls, 1) != 0 || getsockname(ls, (struct sockaddr *)&a, &len))
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        char b[64];
        if (connect(c, (struct sockaddr *)&a, sizeof(a)) != 0 ||
            send(c, "polo", 4, 0) != 4)
            _exit(1);
        ssize_t n = recv(c, b, sizeof(b), 0);
        _exit(n == 4 ? 0 : 1);
    }
    struct pollfd pf = {.fd = ls, .events = POLLIN};
    int pr = poll(&pf, 1, 5000);
    struct sockaddr_in peer;
    len = sizeof(peer);
    int s = accept(ls, (struct sockaddr *)&peer, &len);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(s, &rd);
    struct timeval tv = {5, 0};
    int sr = select(s + 1, &rd, NULL, NULL, &tv);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = s}, got;
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
    int er = epoll_wait(ep, &got, 1, 5000);
    printf("tcp: poll=%d revents=%x select=%d isset=%d epoll=%d fd_ok=%d\n", pr,
           pf.revents, sr, FD_ISSET(s, &rd) ? 1 : 0, er, got.data.fd == s);
    char b[64] = "";
    ssize_t n = recv(s, b, sizeof(b) - 1, 0);
    b[n > 0 ? n : 0] = 0;
    if (n > 0 && send(s, b, (size_t)n, 0) != n)
        return 1;
    int st;
    waitpid(pid, &st, 0);
    printf("tcp: port %u got '%s' from port %u, client status %d\n",
           ntohs(a.sin_port), b, ntohs(peer.sin_port), WEXITSTATUS(st));
    close(s);
    close(ls);
    return 0;
}

int main(void)
{
    return echo_pair() || echo_tcp();
}
