/* The gdb connection of `rrt replay --gdbserver` and `--debug`: a TCP
 * listener that takes one client, stdin/stdout, or a gdb started here. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gdb_launch.h"

/* Listens on spec "HOST:PORT" (NULL: 127.0.0.1:0, a free port). */
int gdbl_listen(const char *spec, char *where, size_t n, char *err, size_t errn)
{
    char host[256] = "127.0.0.1", port[16] = "0";
    if (spec && *spec) {
        const char *colon = strrchr(spec, ':');
        size_t hl = colon ? (size_t)(colon - spec) : 0;
        if (!colon || hl >= sizeof(host) || strlen(colon + 1) >= sizeof(port) ||
            !colon[1]) {
            snprintf(err, errn, "--gdbserver: '%s' is not HOST:PORT", spec);
            return -1;
        }
        if (hl) {
            memcpy(host, spec, hl);
            host[hl] = 0;
        }
        snprintf(port, sizeof(port), "%s", colon + 1);
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV},
                    *ai = NULL;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errn, "--gdbserver: %s:%s: %s", host, port,
                 gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1) != 0) {
        snprintf(err, errn, "--gdbserver: cannot listen on %s:%s: %s", host,
                 port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage sa;
    socklen_t sl = sizeof(sa);
    char h[NI_MAXHOST], p[NI_MAXSERV];
    if (getsockname(fd, (struct sockaddr *)&sa, &sl) != 0 ||
        getnameinfo((struct sockaddr *)&sa, sl, h, sizeof(h), p, sizeof(p),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(err, errn, "--gdbserver: %s", strerror(errno));
        close(fd);
        return -1;
    }
    snprintf(where, n, strchr(h, ':') ? "[%s]:%s" : "%s:%s", h, p);
    return fd;
}

/* Waits for the one client; gives up when `child` (the gdb started here,
 * or 0) exits first. */
int gdbl_accept(int lfd, pid_t child, int *child_status, char *err, size_t errn)
{
    for (;;) {
        struct pollfd pf = {.fd = lfd, .events = POLLIN};
        int n = poll(&pf, 1, child ? 200 : -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0) {
            int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
            if (fd < 0) {
                snprintf(err, errn, "gdb connection: %s", strerror(errno));
                return -1;
            }
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof(one));
            return fd;
        }
        if (n < 0) {
            snprintf(err, errn, "gdb connection: %s", strerror(errno));
            return -1;
        }
        if (child && waitpid(child, child_status, WNOHANG) == child) {
            snprintf(err, errn, "gdb exited before it connected");
            return -2;
        }
    }
}

pid_t gdbl_spawn(const char *gdb, const char *where, char **extra, int nextra)
{
    char target[300];
    snprintf(target, sizeof(target), "target remote %s", where);
    char **argv = calloc((size_t)nextra + 5, sizeof(*argv));
    if (!argv)
        return -1;
    int k = 0;
    argv[k++] = (char *)gdb;
    argv[k++] = "-q";
    argv[k++] = "-ex";
    argv[k++] = target;
    for (int i = 0; i < nextra; i++)
        argv[k++] = extra[i];
    argv[k] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        /* gdb owns the terminal: Ctrl-C reaches it (it interrupts the
         * replay through the connection), not the replayed program */
        setpgid(0, 0);
        if (isatty(0)) {
            signal(SIGTTOU, SIG_IGN);
            tcsetpgrp(0, getpid());
            signal(SIGTTOU, SIG_DFL);
        }
        execvp(gdb, argv);
        fprintf(stderr, "rrt replay: cannot run %s: %s\n", gdb,
                strerror(errno));
        _exit(127);
    }
    free(argv);
    if (pid > 0)
        setpgid(pid, pid);
    return pid;
}

void gdbl_take_terminal(void)
{
    if (!isatty(0))
        return;
    void (*old)(int) = signal(SIGTTOU, SIG_IGN);
    tcsetpgrp(0, getpgrp());
    signal(SIGTTOU, old);
}
