/* The syscall buffer's timed flush (spec/events.md 5): the records of the
 * task running user code reach the event stream, and the writer's buffers
 * the .partial file, at least once a second, so that a killed recorder
 * leaves everything up to then for `rrt recover`. A program that makes
 * buffered calls for a long time stops nowhere else. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recorderi.h"
#include "syscallbuf.h"

/* Each tick either asks the library for its records or, when it did not
 * answer the last ask (it makes no buffered call: it computes), takes
 * them from the tracer's side; so records are out within two ticks. */
#define TICK_MS 500u

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool rec_sb_answered(recorder *r)
{
    if (!r->sb_asked)
        return true;
    r->sb_asked = 0;
    return rec_flush_writer(r);
}

/* The page's head and flush_req, which sits at its end (the page only
 * grows there); the descriptor cache between them is not read. */
static bool read_header(rtask *t, struct sb_ctl *c)
{
    return trace_mem_read(t->base.memfd, SB_CTL, c,
                          offsetof(struct sb_ctl, fd_gen)) &&
           trace_mem_read(t->base.memfd,
                          SB_CTL + offsetof(struct sb_ctl, flush_req),
                          &c->flush_req, sizeof(c->flush_req)) &&
           c->magic == SB_MAGIC && c->mode == SB_MODE_RECORD;
}

/* The task runs (user code, not at a stop) and did not answer: the records
 * committed below `used` are complete and the library no longer changes
 * them, so they can be read while it runs. `used` must read the same
 * before and after the records (the library committing meanwhile would
 * answer the ask anyway); the chain of records must end exactly there.
 * Written with STOP, as at a yield: replay keeps the task where the records
 * end, where a signal that comes now is delivered, as it would be after a
 * flush at that signal. `flushed` (which the library never writes) marks
 * them out for the flush at the task's next stop. A PREEMPT resume = 1
 * follows: the task runs on from there now (it holds the token), so replay
 * must run it on before the next task's event too, not keep it there until
 * its own next event (it could leave a critical section and enter a traced
 * call meanwhile, with no event of its own). */
static bool take(recorder *r, rtask *t, const struct sb_ctl *c)
{
    if (c->used > SB_BUF_SIZE || c->flushed >= c->used)
        return true;
    size_t n = (size_t)(c->used - c->flushed);
    const uint8_t *buf = rec_sb_read(r, t, c->flushed, n);
    if (!buf && r->sb_raw.failed)
        return rec_fail(r, "out of memory");
    struct sb_ctl again;
    uint64_t count;
    bool ok = true;
    if (buf && read_header(t, &again) && again.used == c->used &&
        again.flushed == c->flushed && again.flush_req &&
        rec_sb_check_records(buf, n, &count)) {
        ok = rec_sb_emit_records(r, t, buf, n, count, RRT_EV_SB_STOP);
        uint64_t at = c->used;
        if (ok && !trace_mem_write(t->base.memfd,
                                   SB_CTL + offsetof(struct sb_ctl, flushed),
                                   &at, sizeof(at)))
            ok = rec_fail(r, "process %d: cannot write its syscall buffer",
                          (int)t->base.tid);
        rrt_ev_preempt e = {.tid = (uint32_t)t->base.tid, .resume = 1};
        if (ok && rec_emit_preempt(&r->prod, &e, &r->err) != RRT_OK) {
            r->failed = true;
            ok = false;
        }
        r->sb_taken += count;
    }
    return ok;
}

static bool ask_or_take(recorder *r, rtask *t)
{
    struct sb_ctl c;
    if (!read_header(t, &c) || c.used <= c.flushed)
        return true; /* nothing to flush */
    if (c.flush_req && r->sb_asked == t->base.tid)
        return take(r, t, &c);
    if (!trace_sb_ctl_flag(t->base.memfd, offsetof(struct sb_ctl, flush_req)))
        return true; /* it exited or exec'd meanwhile */
    r->sb_asked = t->base.tid;
    return true;
}

unsigned rec_sb_tick_ms(const recorder *r)
{
    if (r->since_flush == 0 && !(r->holder && r->holder->sb))
        return 0;
    uint64_t now = now_ms(), due = r->sb_tick_at + TICK_MS;
    return due > now ? (unsigned)(due - now) : 1;
}

bool rec_sb_tick(recorder *r)
{
    uint64_t now = now_ms();
    if (r->failed || now < r->sb_tick_at + TICK_MS)
        return !r->failed;
    r->sb_tick_at = now;
    rtask *t = r->holder;
    if (t && t->sb && t->recording && !ask_or_take(r, t))
        return false;
    /* what the stream holds now goes to the file (the records an ask
     * brings follow when they come: rec_sb_answered) */
    if (r->since_flush > 0 && !rec_flush_writer(r))
        return false;
    return true;
}
