/* Shared by the sys_* corpus programs: print what a call returned, with
 * the errno's name, so that record and replay outputs can be compared. */
#ifndef SYS_COMMON_H
#define SYS_COMMON_H
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* glibc declares it only under _GNU_SOURCE, which a program that includes
 * system headers before this one has not defined in time */
const char *strerrorname_np(int errnum);

static inline long show(const char *what, long ret)
{
    if (ret == -1)
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %ld\n", what, ret);
    fflush(stdout);
    return ret;
}

/* ret >= 0 shown as "ok" (the value varies between hosts or runs) */
static inline long show_ok(const char *what, long ret)
{
    if (ret == -1)
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s: ok\n", what);
    fflush(stdout);
    return ret;
}

static inline int corpus_ok(void)
{
    printf("rrt-corpus: ok\n");
    return 0;
}

static inline void need(int cond, const char *what)
{
    if (!cond) {
        printf("unexpected: %s\n", what);
        exit(1);
    }
}
#endif
