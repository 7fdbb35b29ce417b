/* How the replay engine speaks: warnings through the caller's notify
 * callback, and the first failure or divergence, which ends the replay and
 * goes into the report. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>

#include "replayi.h"
#include "rrtx.h"

void rep_notify(replayer *r, rep_note n, const char *text)
{
    if (r->o->notify)
        r->o->notify(r->o->notify_ctx, n, text);
}

/* Warns "PATH: WHAT" the first time only. */
void rep_warn_once(replayer *r, const char *path, const char *what)
{
    char line[PATH_MAX + 256];
    snprintf(line, sizeof(line), "%s: %s", path, what);
    for (size_t i = 0; i < r->nwarned; i++)
        if (strcmp(r->warned[i], line) == 0)
            return;
    rep_notify(r, REP_NOTE_WARNING, line);
    char **w = rrtx_grow(r->warned, &r->capwarned, r->nwarned + 1, sizeof(*w));
    if (!w)
        return;
    r->warned = w;
    char *copy = strdup(line);
    if (copy)
        r->warned[r->nwarned++] = copy;
}

/* Fails the replay for a reason other than a divergence. */
bool rep_failed(replayer *r, rrt_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rrtx_vfail(&r->err, st, 0, NULL, UINT64_MAX, fmt, ap);
    va_end(ap);
    return false;
}

/* A failure or a divergence has ended the replay. */
bool rep_stopped(const replayer *r)
{
    return r->diverged || r->err.status != RRT_OK;
}

/* The replay cannot go on at the current event, for a reason other than
 * the program doing something else (a referenced file that changed, a
 * resource this host refused): "event N (task T): WHAT". */
bool rep_fail_at(replayer *r, ptask *t, const char *fmt, ...)
{
    if (rep_stopped(r))
        return false;
    char what[sizeof(r->err.message) - 48];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return rep_failed(r, RRT_E_UNSUPPORTED, "event %llu (task %u): %s",
                      (unsigned long long)r->index, t ? t->base.rec_tid : 0,
                      what);
}

/* The first divergence only: later ones follow from it. */
static bool divergence(replayer *r, ptask *t, const char *expected,
                       const char *found, const char *fmt, va_list ap)
{
    if (rep_stopped(r))
        return false;
    rep_divergence *d = &r->div;
    r->diverged = true;
    d->event = r->index;
    d->task = t ? t->base.rec_tid : 0;
    vsnprintf(d->what, sizeof(d->what), fmt, ap);
    snprintf(d->expected, sizeof(d->expected), "%s", expected);
    snprintf(d->found, sizeof(d->found), "%s", found);
    d->have_regs =
        t && ptrace(PTRACE_GETREGS, t->base.tid, NULL, &d->regs) == 0;
    return false;
}

/* A divergence that is not a comparison: WHAT alone says it. */
bool rep_diverge(replayer *r, ptask *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    divergence(r, t, "", "", fmt, ap);
    va_end(ap);
    return false;
}

/* The program did something other than the recording says: WHAT, and
 * what was expected and found, separately. */
bool rep_mismatch(replayer *r, ptask *t, const char *expected,
                  const char *found, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
bool rep_mismatch(replayer *r, ptask *t, const char *expected,
                  const char *found, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    divergence(r, t, expected, found, fmt, ap);
    va_end(ap);
    return false;
}
