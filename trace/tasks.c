/* The list of traced tasks that `rrt record` and `rrt replay` both keep:
 * one place that opens and releases what every task holds. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "trace.h"

void *trace_task_add(trace_task **list, size_t size, uint32_t rec_tid,
                     pid_t tid)
{
    trace_task *t = size >= sizeof(*t) ? calloc(1, size) : NULL;
    if (!t)
        return NULL;
    t->tid = tid;
    t->rec_tid = rec_tid;
    t->memfd = trace_mem_open(tid);
    t->next = *list;
    *list = t;
    return t;
}

void *trace_task_find(trace_task *list, uint32_t rec_tid)
{
    for (trace_task *t = list; t; t = t->next)
        if (t->rec_tid == rec_tid)
            return t;
    return NULL;
}

void trace_task_remove(trace_task **list, trace_task *t)
{
    for (trace_task **p = list; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    if (t->memfd >= 0)
        close(t->memfd);
    trace_pset_unref(t->pset);
    free(t);
}

pid_t trace_tgid(pid_t tid)
{
    char path[64], line[128];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
    FILE *f = fopen(path, "re");
    long tgid = -1;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "Tgid: %ld", &tgid) == 1)
            break;
    if (f)
        fclose(f);
    return (pid_t)tgid;
}
