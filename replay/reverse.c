/* Reverse execution for the gdb server (`bc`, `bs`, `monitor when`,
 * `monitor goto`), without performance counters.
 *
 * Replay is deterministic: between two events a task runs the same
 * instructions, and breakpoints and watchpoints do not change that. So a
 * position is an event index and, since that event, a list of segments:
 * "run with this configuration (breakpoints, watchpoints, which thread
 * single-steps) until its N-th counted stop". The live session logs one
 * segment per resume; a re-run re-enacts them and stops at the same
 * instruction with the same state.
 *
 * Going back is re-running from a checkpoint: the nearest snapshot at or
 * before the event the run needs (checkpoint.c: single-task programs),
 * else the start of the replay (checkpoint 0): rep_replay starts a fresh
 * replayer with fresh tracees and this same debugger, which is always
 * correct, also for threads, fork, exec and signals, because it rebuilds
 * the replayer's own state (fds, maps, event iterator, counters) as well
 * as the tracees'. A position is global (counted from its event's start),
 * so any run that reaches its event's boundary reaches it; one from the
 * snapshot of gdb's last stop inside an interval skips the segments that
 * snapshot's position starts with.
 *
 * bc (reverse continue) is two or three re-runs: a scan from the start to
 * the current position X with gdb's breakpoints and watchpoints (S) added
 * to X's own segments, noting the last S stop before X; then a re-run to
 * it. A watchpoint stops after the write, but going backwards gdb must see
 * the memory before it (old and new values reversed, at the writing line):
 * a third run single-steps the writing thread from the stop before to the
 * write, and the last re-run stops one step short. bs (reverse step) scans
 * the event interval of X single-stepping the thread (earlier intervals
 * if it did not run there). With no stop before X the re-run stops at the
 * debug session's first stop, reported as `replaylog:begin`. */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "gdbi.h"
#include "rrtx.h"

typedef enum { REV_LIVE, REV_SCAN, REV_GOTO, REV_REFINE } rev_mode;

typedef struct rev_cfg {
    uint64_t *bps;
    size_t nbps;
    dbg_wp wp[4];
    uint32_t step; /* recorded tid that single-steps, 0: none */
    uint32_t only; /* count the stops of this task only (0: all) */
} rev_cfg;

typedef struct rev_seg {
    rev_cfg c;
    uint64_t n; /* counted stops under c */
} rev_seg;

typedef struct rev_pos {
    uint64_t event;
    rev_seg *segs;
    size_t nsegs, cap;
    bool signal; /* then the recorded signal in that interval */
    bool end;    /* the end of the replay */
} rev_pos;

/* A stop a scan noted: where it was and how to come back to it. */
typedef struct rev_note {
    bool found;
    uint64_t event, cnt;
    size_t nprefix;
    bool reenact;
    rev_hit hit;
    int guess;      /* bs: the guess (s.wp slot) it is a hit of, or -1 */
    uint64_t gh[4]; /* bs: hits of each guess in its segment, up to it */
    uint64_t arr;   /* bs: arrivals at its pc in its interval, up to it */
} rev_note;

struct rev {
    rev_mode mode;
    bool debug;    /* RRT_REV_DEBUG: the re-runs' positions and stops */
    bool restart;  /* the replay ends for a re-run */
    uint64_t hush; /* output written up to this event */
    rev_pos cur;   /* live: where the program is */
    rev_cfg run;   /* live: the configuration of the last resume */
    rev_pos first; /* the debug session's first stop */
    bool have_first;
    /* scan */
    char op;   /* 'c', 's' */
    rev_pos x; /* scan up to here */
    rev_cfg s; /* what the scan looks for: gdb's configuration at
                * bc, the thread's step at bs */
    rev_cfg g; /* gdb's configuration, back after a re-run */
    uint64_t scan_from;
    bool reenact; /* in x's interval, re-enacting its segments */
    size_t seg;   /* the segment being re-enacted */
    uint64_t cnt, xcnt;
    /* bs: hits of each guess (s.wp) in the segment (gh), and in the
     * interval (gt), and arrivals at pc in the interval (pt) */
    uint64_t gh[4], gt[4], pt;
    /* the last stop the scan noted, and the one before it (a signal
     * stops where the last step ended) */
    rev_note l, p;
    /* goto */
    rev_pos target;
    char extra[80];
    bool goto_ok;   /* monitor goto: answer OK, not a stop reply */
    bool refine;    /* then step to the watchpoint's write, or to ... */
    bool refine_pc; /* ... the thread's arrival at pc */
    uint64_t pc;
    uint32_t refine_task;
    rev_cfg refine_cfg;
    uint64_t k;
    uint64_t *trail; /* the refining thread's pc after each step (a rep
                      * instruction's iterations once) */
    size_t ntrail, captrail;
    bool refine_from_event; /* the refine started at its event */
    /* the last trail from an event's start: a bs whose position is the
     * m-th arrival at a pc there finds the pc before in it, no re-run */
    uint64_t *ctrail;
    size_t nctrail;
    uint64_t c_event;
    uint32_t c_task;
    /* the position of the mid-interval snapshot (checkpoint.c) */
    rev_pos mid;
    bool have_mid;
    uint64_t mid_since;
    /* monitor checkpoint: positions to restart at, by id */
    rev_pos *marks;
    unsigned *mark_ids;
    size_t nmarks, capmarks, capids;
    unsigned next_mark;
};

static void cfg_clear(rev_cfg *c)
{
    free(c->bps);
    memset(c, 0, sizeof(*c));
}

static bool cfg_copy(rev_cfg *to, const rev_cfg *from)
{
    *to = *from;
    to->bps = NULL;
    if (from->nbps) {
        to->bps = malloc(from->nbps * sizeof(uint64_t));
        if (!to->bps) {
            to->nbps = 0;
            return false;
        }
        memcpy(to->bps, from->bps, from->nbps * sizeof(uint64_t));
    }
    return true;
}

/* gdb's breakpoints and watchpoints as they are now. */
static void cfg_of_gdb(rep_dbg *d, rev_cfg *c)
{
    cfg_clear(c);
    c->bps = d->nbps ? malloc(d->nbps * sizeof(uint64_t)) : NULL;
    for (size_t i = 0; c->bps && i < d->nbps; i++)
        c->bps[c->nbps++] = d->bps[i].addr;
    memcpy(c->wp, d->wp, sizeof(c->wp));
    c->step = d->stepping ? d->step_rec : 0;
}

static void pos_clear(rev_pos *p)
{
    for (size_t i = 0; i < p->nsegs; i++)
        cfg_clear(&p->segs[i].c);
    free(p->segs);
    memset(p, 0, sizeof(*p));
}

static bool pos_push(rev_pos *p, const rev_cfg *c, uint64_t n)
{
    rev_seg *s = rrtx_grow(p->segs, &p->cap, p->nsegs + 1, sizeof(*s));
    if (!s)
        return false;
    p->segs = s;
    if (!cfg_copy(&p->segs[p->nsegs].c, c))
        return false;
    p->segs[p->nsegs++].n = n;
    return true;
}

/* to = the first nsegs segments of from */
static bool pos_copy(rev_pos *to, const rev_pos *from, size_t nsegs)
{
    pos_clear(to);
    to->event = from->event;
    to->signal = from->signal;
    to->end = from->end;
    for (size_t i = 0; i < nsegs && i < from->nsegs; i++)
        if (!pos_push(to, &from->segs[i].c, from->segs[i].n))
            return false;
    return true;
}

static bool same_wp(const dbg_wp *a, const dbg_wp *b)
{
    return a->used && b->used && a->type == b->type && a->addr == b->addr &&
           (a->type == 1 || a->len == b->len);
}

static bool cfg_eq(const rev_cfg *a, const rev_cfg *b)
{
    if (a->nbps != b->nbps || a->step != b->step || a->only != b->only)
        return false;
    for (size_t i = 0; i < a->nbps; i++)
        if (a->bps[i] != b->bps[i])
            return false;
    for (unsigned i = 0; i < 4; i++)
        if (a->wp[i].used != b->wp[i].used ||
            (a->wp[i].used && !same_wp(&a->wp[i], &b->wp[i])))
            return false;
    return true;
}

/* The mid-interval snapshot's position m is p's or before it in p's
 * interval (strict: before): p's segments start with m's. */
static bool mid_before(const rev_pos *m, const rev_pos *p, bool strict)
{
    if (m->event != p->event || m->signal || m->end || m->nsegs > p->nsegs)
        return false;
    for (size_t i = 0; i < m->nsegs; i++)
        if (m->segs[i].n != p->segs[i].n ||
            !cfg_eq(&m->segs[i].c, &p->segs[i].c))
            return false;
    bool later = p->signal || p->end;
    for (size_t i = m->nsegs; i < p->nsegs; i++)
        later = later || p->segs[i].n > 0;
    return !strict || later;
}

/* Puts a (and b) into the server's live breakpoints and watchpoints, as
 * gdb's own would be: the resumes insert them. */
static void install(rep_dbg *d, const rev_cfg *a, const rev_cfg *b)
{
    rep_dbg_remove_bps(d);
    d->nbps = 0;
    memset(d->wp, 0, sizeof(d->wp));
    const rev_cfg *c[2] = {a, b};
    unsigned nwp = 0;
    for (int k = 0; k < 2; k++) {
        if (!c[k])
            continue;
        for (size_t i = 0; i < c[k]->nbps; i++) {
            bool dup = false;
            for (size_t j = 0; j < d->nbps && !dup; j++)
                dup = d->bps[j].addr == c[k]->bps[i];
            if (dup)
                continue;
            dbg_bp *n = rrtx_grow(d->bps, &d->capbps, d->nbps + 1, sizeof(*n));
            if (!n)
                break;
            d->bps = n;
            d->bps[d->nbps++] = (dbg_bp){c[k]->bps[i], 0, false};
        }
        for (unsigned i = 0; i < 4; i++) {
            bool dup = !c[k]->wp[i].used;
            for (unsigned j = 0; j < nwp && !dup; j++)
                dup = same_wp(&d->wp[j], &c[k]->wp[i]);
            if (!dup && nwp < 4)
                d->wp[nwp++] = c[k]->wp[i];
        }
    }
    d->any_wp = nwp > 0;
    d->dr_gen++;
    uint32_t st = a && a->step ? a->step : b && b->step ? b->step : 0;
    d->stepping = st != 0;
    d->step_rec = st;
    d->step_issued = d->step_after_syscall = false;
}

/* The stop would have been one under c alone. */
static bool hit_of(const rep_dbg *d, const rev_hit *h, const rev_cfg *c)
{
    if (!c || (c->only && h->task != c->only))
        return false;
    if (c->step && h->stepped && h->task == c->step)
        return true;
    for (size_t i = 0; i < c->nbps; i++)
        if (h->bp == c->bps[i] || (h->stepped && h->rip == c->bps[i]))
            return true;
    if (h->wslot >= 0)
        for (unsigned i = 0; i < 4; i++)
            if (same_wp(&c->wp[i], &d->wp[h->wslot]))
                return true;
    return false;
}

bool rev_open(rep_dbg *d)
{
    d->rev = calloc(1, sizeof(*d->rev));
    if (d->rev)
        d->rev->debug = getenv("RRT_REV_DEBUG") != NULL;
    return d->rev != NULL;
}

void rev_free(rep_dbg *d)
{
    struct rev *v = d->rev;
    if (!v)
        return;
    pos_clear(&v->cur);
    pos_clear(&v->first);
    pos_clear(&v->x);
    pos_clear(&v->target);
    cfg_clear(&v->run);
    cfg_clear(&v->s);
    cfg_clear(&v->g);
    cfg_clear(&v->refine_cfg);
    free(v->trail);
    free(v->ctrail);
    pos_clear(&v->mid);
    for (size_t i = 0; i < v->nmarks; i++)
        pos_clear(&v->marks[i]);
    free(v->marks);
    free(v->mark_ids);
    free(v);
    d->rev = NULL;
}

bool rev_silent(const rep_dbg *d)
{
    return d->rev && d->rev->mode != REV_LIVE;
}

uint64_t rev_hush(const rep_dbg *d)
{
    /* a re-run writes nothing; then what the live run did not write */
    if (!d->rev)
        return 0;
    return d->rev->mode == REV_LIVE ? d->rev->hush : UINT64_MAX;
}

/* Live: the output up to here is written. */
static void note_hush(rep_dbg *d)
{
    if (d->r->index > d->rev->hush)
        d->rev->hush = d->r->index;
}

bool rev_restarting(const rep_dbg *d)
{
    return d->rev && d->rev->restart;
}

void rev_attached(rep_dbg *d)
{
    d->rev->restart = false;
}

static void dump_pos(const struct rev *v, const char *what, const rev_pos *p)
{
    if (!v->debug)
        return;
    fprintf(stderr, "rev: %s event %" PRIu64 "%s%s:", what, p->event,
            p->signal ? " signal" : "", p->end ? " end" : "");
    for (size_t i = 0; i < p->nsegs; i++)
        fprintf(stderr, " [bps %zu wp %d step %u n %" PRIu64 "]",
                p->segs[i].c.nbps, p->segs[i].c.wp[0].used, p->segs[i].c.step,
                p->segs[i].n);
    fprintf(stderr, "\n");
}

static srv_result restart(rep_dbg *d)
{
    struct rev *v = d->rev;
    if (v->mode == REV_SCAN)
        dump_pos(v, "scan to", &v->x);
    else
        dump_pos(v, "go to", &v->target);
    /* from the latest checkpoint that the run needs nothing before: a bc
     * scan's x (its boundary is before its own event's stops), a bs
     * scan's first interval, a goto's event */
    uint64_t limit = v->target.event;
    if (v->mode == REV_SCAN && v->op != 'c')
        limit = v->scan_from;
    else if (v->mode == REV_SCAN)
        limit = v->x.event - (v->x.event > 0 && v->x.nsegs == 0 &&
                              !v->x.signal && !v->x.end);
    if (v->mode == REV_GOTO && v->have_mid &&
        mid_before(&v->mid, &v->target, false) && rep_ckpt_plan_mid(d)) {
        if (v->debug)
            fprintf(stderr,
                    "rev: from the stop snapshot at event %" PRIu64 "\n",
                    v->mid.event);
    } else if (rep_ckpt_plan(d, limit) == 0) {
        rep_ckpt_from_start(d);
    }
    v->restart = true;
    rep_dbg_restart(d);
    return SRV_END;
}

void rev_resumed(rep_dbg *d)
{
    struct rev *v = d->rev;
    cfg_of_gdb(d, &v->run);
    pos_push(&v->cur, &v->run, 0);
    v->cur.signal = v->cur.end = false;
}

/* Live: the program stops here; gdb hears of it. */
srv_result rev_live_stop(rep_dbg *d, ptask *t, int sig, const char *extra)
{
    struct rev *v = d->rev;
    if (!v->have_first) {
        pos_copy(&v->first, &v->cur, v->cur.nsegs);
        v->have_first = true;
    }
    /* a snapshot of this stop inside the interval (at most one per 256
     * stops of an interval: gdb single-steps through a loop's line) */
    if (v->mode == REV_LIVE && d->since > 0 && !v->cur.signal &&
        (!v->have_mid || v->mid.event != v->cur.event ||
         d->since >= v->mid_since + 256) &&
        rep_ckpt_take_mid(d, t)) {
        pos_copy(&v->mid, &v->cur, v->cur.nsegs);
        v->have_mid = true;
        v->mid_since = d->since;
    }
    return rep_dbg_stop_at(d, t, sig, extra);
}

/* ------------------------------------------------------------------ */
/* Going to a position                                                */

static void arrive_live(rep_dbg *d)
{
    struct rev *v = d->rev;
    v->mode = REV_LIVE;
    d->r->hush_until = v->hush;
    pos_copy(&v->cur, &v->target, v->target.nsegs);
    /* gdb's own breakpoints and watchpoints again */
    install(d, &v->g, NULL);
    d->stepping = false;
    cfg_clear(&v->run);
    cfg_copy(&v->run, &v->g);
}

static srv_result arrive(rep_dbg *d, ptask *t, int sig)
{
    struct rev *v = d->rev;
    if (v->refine) {
        /* one step at a time to the watched write */
        v->mode = REV_REFINE;
        v->k = 0;
        v->ntrail = 0;
        install(d, &v->refine_cfg, NULL);
        return SRV_RESUME;
    }
    arrive_live(d);
    if (v->goto_ok) {
        char line[96];
        v->goto_ok = false;
        snprintf(line, sizeof(line), "rrt: at event %" PRIu64 "\n",
                 v->cur.event);
        rep_dbg_console(d, line);
        rep_dbg_send(d, "OK");
        d->resume_pending = false;
    }
    return rep_dbg_stop_at(d, t, sig, v->extra);
}

/* Installs the target's segment seg; arrives when nothing is left. */
static srv_result goto_seg(rep_dbg *d, ptask *t)
{
    struct rev *v = d->rev;
    while (v->seg < v->target.nsegs && v->target.segs[v->seg].n == 0 &&
           v->seg + 1 < v->target.nsegs)
        v->seg++;
    if (v->seg >= v->target.nsegs) {
        install(d, NULL, NULL);
        return v->target.signal ? SRV_RESUME : arrive(d, t, SIGTRAP);
    }
    install(d, &v->target.segs[v->seg].c, NULL);
    v->cnt = 0;
    if (v->target.segs[v->seg].n == 0 && !v->target.signal)
        return arrive(d, t, SIGTRAP);
    return SRV_RESUME;
}

static void start_goto(rep_dbg *d, const char *extra, bool ok)
{
    struct rev *v = d->rev;
    v->mode = REV_GOTO;
    v->seg = 0;
    v->cnt = 0;
    v->goto_ok = ok;
    if (extra != v->extra)
        snprintf(v->extra, sizeof(v->extra), "%s", extra ? extra : "");
    install(d, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Scanning for the last stop before x                                */

static void scan_install(rep_dbg *d)
{
    struct rev *v = d->rev;
    if (v->reenact)
        install(d, v->seg < v->x.nsegs ? &v->x.segs[v->seg].c : NULL, &v->s);
    else
        install(d, NULL, d->r->index >= v->scan_from ? &v->s : NULL);
}

static void start_scan(rep_dbg *d)
{
    struct rev *v = d->rev;
    v->mode = REV_SCAN;
    v->reenact = false;
    v->l.found = v->p.found = false;
    v->seg = 0;
    v->cnt = v->xcnt = 0;
    memset(v->gh, 0, sizeof(v->gh));
    install(d, NULL, v->scan_from == 0 ? &v->s : NULL);
}

/* The guess (s.wp slot) h is a hit of, or -1. */
static int guess_of(const rep_dbg *d, const rev_hit *h)
{
    const struct rev *v = d->rev;
    if (v->op != 'p' || h->wslot < 0)
        return -1;
    for (int i = 0; i < 4; i++)
        if (same_wp(&v->s.wp[i], &d->wp[h->wslot]))
            return i;
    return -1;
}

static void scan_note(rep_dbg *d, const rev_hit *h)
{
    struct rev *v = d->rev;
    v->p = v->l;
    v->l = (rev_note){.found = true,
                      .event = d->r->index,
                      .cnt = v->cnt,
                      .nprefix = v->seg,
                      .reenact = v->reenact,
                      .hit = *h,
                      .guess = guess_of(d, h)};
    memcpy(v->l.gh, v->gh, sizeof(v->gh));
    v->l.arr = v->l.guess >= 0 ? v->gt[v->l.guess] : v->pt;
}

/* bs the slow way: single-step the thread through x's interval (and
 * earlier ones while it did not run). */
static srv_result step_scan(rep_dbg *d)
{
    struct rev *v = d->rev;
    v->op = 's';
    v->refine = false;
    cfg_clear(&v->s);
    v->s.step = v->refine_task;
    v->scan_from = v->x.event;
    start_scan(d);
    return restart(d);
}

/* The scan reached x: go to the last stop noted, or to the beginning. */
static srv_result scan_done(rep_dbg *d)
{
    struct rev *v = d->rev;
    if (v->op == 'p' && v->x.signal && v->l.found &&
        v->l.hit.task == v->refine_task && v->l.hit.rip == v->pc) {
        /* the thread's arrival at the faulting instruction is x's own
         * instruction boundary: the stop before it */
        v->l = v->p;
    }
    if (v->op == 'p' && (!v->l.found || v->l.event != v->x.event)) {
        /* no stop before x in its interval: steps from its start, or
         * from gdb's stop before x in it that has a snapshot */
        pos_clear(&v->target);
        v->target.event = v->x.event;
        v->refine_from_event = true;
        if (v->have_mid && mid_before(&v->mid, &v->x, true)) {
            pos_copy(&v->target, &v->mid, v->mid.nsegs);
            v->refine_from_event = false;
        }
        v->refine = true;
        v->refine_pc = true;
        cfg_clear(&v->refine_cfg);
        v->refine_cfg.step = v->refine_task;
        start_goto(d, "", false);
        return restart(d);
    }
    if (v->op == 's' && v->x.signal && v->l.found) {
        /* the thread's last step ended where the signal came: that
         * instruction boundary is x itself */
        v->l = v->p;
    }
    if (!v->l.found && v->op == 's' && v->scan_from > 0) {
        /* the thread did not run in x's interval: the one before too */
        uint64_t back = v->x.event - v->scan_from + 1;
        v->scan_from = v->scan_from > back ? v->scan_from - back : 0;
        start_scan(d);
        return restart(d);
    }
    if (!v->l.found && v->op == 'c' && rep_ckpt_last_from(d) > 0) {
        /* nothing between the checkpoint and x: scan up to the
         * checkpoint's boundary from an earlier one (or the start) */
        uint64_t from = rep_ckpt_last_from(d);
        pos_clear(&v->x);
        v->x.event = from;
        start_scan(d);
        return restart(d);
    }
    if (!v->l.found) {
        pos_copy(&v->target, &v->first, v->first.nsegs);
        v->refine = false;
        start_goto(d, "replaylog:begin;", false);
        return restart(d);
    }
    /* the target: (event, x's first segments, the combined one) */
    rev_pos *tg = &v->target;
    pos_clear(tg);
    tg->event = v->l.event;
    if (v->l.reenact) {
        pos_copy(tg, &v->x, v->l.nprefix);
        tg->signal = tg->end = false;
    }
    rev_cfg comb = {0};
    const rev_cfg *base = v->l.reenact && v->l.nprefix < v->x.nsegs
                              ? &v->x.segs[v->l.nprefix].c
                              : NULL;
    if (base)
        cfg_copy(&comb, base);
    /* the union, as install() makes it */
    if (v->l.reenact || v->l.event >= v->scan_from) {
        size_t n = comb.nbps + v->s.nbps;
        uint64_t *b = n ? realloc(comb.bps, n * sizeof(uint64_t)) : comb.bps;
        if (b || !n) {
            comb.bps = b;
            for (size_t i = 0; i < v->s.nbps; i++)
                comb.bps[comb.nbps++] = v->s.bps[i];
        }
        unsigned nwp = 0;
        for (unsigned i = 0; i < 4; i++)
            nwp += comb.wp[i].used;
        for (unsigned i = 0; i < 4 && nwp < 4; i++) {
            /* not bs's guesses: their hits are taken off n below */
            bool dup = !v->s.wp[i].used || v->op == 'p';
            for (unsigned j = 0; j < 4 && !dup; j++)
                dup = same_wp(&comb.wp[j], &v->s.wp[i]);
            if (!dup) {
                for (unsigned j = 0; j < 4; j++)
                    if (!comb.wp[j].used) {
                        comb.wp[j] = v->s.wp[i];
                        break;
                    }
                nwp++;
            }
        }
        if (!comb.step)
            comb.step = v->s.step;
    }
    const rev_hit *h = &v->l.hit;
    char extra[80] = "";
    v->refine = false;
    uint64_t n = v->l.cnt;
    if (v->op == 'p' && (v->l.reenact || v->l.event >= v->scan_from))
        for (int i = 0; i < 4; i++)
            n -= v->l.gh[i];
    if (v->op == 'p' && (v->l.guess >= 0 || v->l.hit.bp == v->pc) &&
        v->l.event == v->x.event && v->l.reenact && v->l.arr > 0) {
        /* the m-th arrival of the thread at that pc (a guess's, which
         * is an instruction's start since the thread stopped there) in
         * the interval: a position without x's segments or guesses */
        pos_clear(tg);
        tg->event = v->l.event;
        cfg_clear(&comb);
        comb.bps = malloc(sizeof(uint64_t));
        if (comb.bps) {
            comb.bps[comb.nbps++] = v->l.hit.rip;
            comb.only = v->refine_task;
        }
        n = v->l.arr;
    }
    if (v->op == 'p') {
        /* from that stop, steps to the thread's arrival at its pc */
        v->refine = true;
        v->refine_from_event = false;
        v->refine_pc = true;
        cfg_clear(&v->refine_cfg);
        v->refine_cfg.step = v->refine_task;
    } else if (v->op == 'c' && h->wslot >= 0 && d->wp[h->wslot].type != 1) {
        /* stop before the write: the stop before it, then steps */
        const dbg_wp *w = &d->wp[h->wslot];
        snprintf(extra, sizeof(extra), "%s:%" PRIx64 ";",
                 w->type == 2 ? "watch" : "awatch", w->addr);
        n--;
        v->refine = true;
        v->refine_pc = false;
        v->refine_from_event = false;
        v->refine_task = h->task;
        cfg_clear(&v->refine_cfg);
        memcpy(v->refine_cfg.wp, v->s.wp, sizeof(v->refine_cfg.wp));
        v->refine_cfg.step = h->task;
    } else if (v->op == 'c' && h->wslot >= 0) {
        snprintf(extra, sizeof(extra), "%s", d->hwbreak ? "hwbreak:;" : "");
    } else if (v->op == 'c') {
        snprintf(extra, sizeof(extra), "%s", d->swbreak ? "swbreak:;" : "");
    }
    pos_push(tg, &comb, n);
    cfg_clear(&comb);
    start_goto(d, extra, false);
    return restart(d);
}

static srv_result scan_next_seg(rep_dbg *d)
{
    struct rev *v = d->rev;
    for (;;) {
        if (v->seg + 1 >= v->x.nsegs)
            return SRV_RESUME; /* the last: it runs on (to a signal) */
        v->seg++;
        v->cnt = v->xcnt = 0;
        memset(v->gh, 0, sizeof(v->gh));
        scan_install(d);
        if (v->x.segs[v->seg].n > 0)
            return SRV_RESUME;
        if (v->seg + 1 >= v->x.nsegs && !v->x.signal && !v->x.end)
            return scan_done(d); /* x is where this segment starts */
    }
}

static srv_result scan_stop(rep_dbg *d, const rev_hit *h)
{
    struct rev *v = d->rev;
    v->cnt++;
    int gi = guess_of(d, h);
    if (gi >= 0) {
        v->gh[gi]++;
        v->gt[gi]++;
    }
    if (v->op == 'p' && h->task == v->refine_task && h->bp == v->pc)
        v->pt++;
    bool s = v->op == 'p'   ? true
             : v->op == 's' ? (h->stepped && h->task == v->s.step)
                            : hit_of(d, h, &v->s);
    if (!v->reenact) {
        if (s && d->r->index >= v->scan_from)
            scan_note(d, h);
        return SRV_RESUME;
    }
    const rev_seg *xs = v->seg < v->x.nsegs ? &v->x.segs[v->seg] : NULL;
    bool x = xs && hit_of(d, h, &xs->c);
    if (x)
        v->xcnt++;
    if (v->debug)
        fprintf(stderr,
                "rev:  scan stop seg %zu cnt %" PRIu64 " xcnt %" PRIu64
                " rip %" PRIx64 " x %d s %d\n",
                v->seg, v->cnt, v->xcnt, h->rip, x, s);
    bool seg_done = x && v->xcnt == xs->n;
    bool rest_empty = true; /* x is where the next segments start */
    for (size_t i = v->seg + 1; i < v->x.nsegs; i++)
        rest_empty = rest_empty && v->x.segs[i].n == 0;
    bool at_x = seg_done && rest_empty && !v->x.signal && !v->x.end;
    if (s && !at_x)
        scan_note(d, h);
    if (at_x)
        return scan_done(d);
    if (seg_done)
        return scan_next_seg(d);
    return SRV_RESUME;
}

/* ------------------------------------------------------------------ */
/* The replayer's stop points, in re-runs                             */

void rev_event(rep_dbg *d, uint64_t index)
{
    struct rev *v = d->rev;
    switch (v->mode) {
    case REV_LIVE:
        pos_clear(&v->cur);
        v->cur.event = index;
        pos_push(&v->cur, &v->run, 0);
        break;
    case REV_SCAN:
        v->cnt = 0;
        memset(v->gh, 0, sizeof(v->gh));
        memset(v->gt, 0, sizeof(v->gt));
        v->pt = 0;
        if (index == v->x.event) {
            v->reenact = true;
            v->seg = 0;
            v->xcnt = 0;
        }
        if (index <= v->x.event)
            scan_install(d);
        break;
    case REV_GOTO:
        if (index == v->target.event) {
            v->seg = 0;
            v->cnt = 0;
            if (rep_ckpt_mid_restored(d)) {
                /* the run starts at the mid snapshot: its segments are
                 * behind (mid_before) */
                v->seg = v->mid.nsegs;
                d->since = v->mid_since;
            }
        }
        break;
    case REV_REFINE:
        break;
    }
}

srv_result rev_event_stop(rep_dbg *d, ptask *t)
{
    struct rev *v = d->rev;
    uint64_t index = d->r->index;
    if (v->mode == REV_SCAN && index == v->x.event && v->reenact &&
        !v->x.signal && !v->x.end &&
        (v->x.nsegs == 0 || (v->x.nsegs == 1 && v->x.segs[0].n == 0)))
        return scan_done(d); /* x is this event's boundary */
    if (v->mode == REV_SCAN && index == v->x.event && v->reenact &&
        v->x.nsegs && v->x.segs[0].n == 0 && v->x.nsegs > 1)
        return scan_next_seg(d);
    if (v->mode == REV_GOTO && index == v->target.event)
        return goto_seg(d, t);
    if (v->mode == REV_REFINE && v->refine_pc)
        return step_scan(d); /* x was not in the stop's interval */
    if (v->mode == REV_REFINE) {
        /* the write never came in this interval: stop here */
        rep_dbg_console(d, "rrt: the watched write was not found; "
                           "stopping at the next event\n");
        v->refine = false;
        pos_clear(&v->target);
        v->target.event = index;
        arrive_live(d);
        return rep_dbg_stop_at(d, t, SIGTRAP, NULL);
    }
    return SRV_RESUME;
}

srv_result rev_stop(rep_dbg *d, ptask *t, const rev_hit *h, const char *extra)
{
    struct rev *v = d->rev;
    switch (v->mode) {
    case REV_LIVE:
        if (v->cur.nsegs)
            v->cur.segs[v->cur.nsegs - 1].n++;
        return rev_live_stop(d, t, SIGTRAP, extra);
    case REV_SCAN:
        return scan_stop(d, h);
    case REV_GOTO:
        /* every counted stop, as the scan counted them (another task's
         * does not count where the segment is one task's) */
        if (d->r->index != v->target.event || v->seg >= v->target.nsegs ||
            (v->target.segs[v->seg].c.only &&
             h->task != v->target.segs[v->seg].c.only))
            return SRV_RESUME;
        ++v->cnt;
        if (v->debug)
            fprintf(stderr,
                    "rev:  goto stop seg %zu cnt %" PRIu64 " rip %" PRIx64 "\n",
                    v->seg, v->cnt, h->rip);
        if (v->cnt < v->target.segs[v->seg].n)
            return SRV_RESUME;
        if (v->seg + 1 >= v->target.nsegs)
            return v->target.signal ? SRV_RESUME : arrive(d, t, SIGTRAP);
        v->seg++;
        return goto_seg(d, t);
    case REV_REFINE:
        v->k++;
        if (v->debug && v->k < 8)
            fprintf(stderr,
                    "rev: refine stop %" PRIu64 " task %u rip %" PRIx64
                    " stepped %d (want %" PRIx64 ")\n",
                    v->k, h->task, h->rip, h->stepped, v->pc);
        if (h->task == v->refine_task && h->stepped &&
            (!v->ntrail || v->trail[v->ntrail - 1] != h->rip)) {
            uint64_t *n =
                rrtx_grow(v->trail, &v->captrail, v->ntrail + 1, sizeof(*n));
            if (n) {
                v->trail = n;
                v->trail[v->ntrail++] = h->rip;
            }
        }
        if (h->task != v->refine_task ||
            (v->refine_pc ? !h->stepped || h->rip != v->pc : h->wslot < 0))
            return SRV_RESUME;
        /* the write: one step less, from the start again */
        v->refine = false;
        if (v->refine_pc && v->refine_from_event && v->ntrail) {
            free(v->ctrail);
            v->ctrail = malloc(v->ntrail * sizeof(uint64_t));
            v->nctrail = v->ctrail ? v->ntrail : 0;
            if (v->ctrail)
                memcpy(v->ctrail, v->trail, v->ntrail * sizeof(uint64_t));
            v->c_event = v->target.event;
            v->c_task = v->refine_task;
        }
        if (v->ntrail >= 2 && v->trail[v->ntrail - 1] == h->rip) {
            /* one step less: as the m-th arrival of the thread at that
             * pc, which re-runs without single steps */
            rev_cfg arr = {0};
            uint64_t pc = v->trail[v->ntrail - 2], m = 0;
            for (size_t i = 0; i + 1 < v->ntrail; i++)
                m += v->trail[i] == pc;
            arr.bps = malloc(sizeof(uint64_t));
            if (arr.bps) {
                arr.bps[arr.nbps++] = pc;
                arr.only = v->refine_task;
                pos_push(&v->target, &arr, m);
            }
            cfg_clear(&arr);
        } else if (v->k > 1 && v->ntrail != 1) {
            pos_push(&v->target, &v->refine_cfg, v->k - 1);
        }
        start_goto(d, v->extra, false);
        return restart(d);
    }
    return SRV_RESUME;
}

srv_result rev_signal(rep_dbg *d, ptask *t, int sig)
{
    struct rev *v = d->rev;
    switch (v->mode) {
    case REV_LIVE:
        v->cur.signal = true;
        return rev_live_stop(d, t, sig, NULL);
    case REV_SCAN:
        if (v->x.signal && d->r->index == v->x.event && v->reenact &&
            v->seg + 1 >= v->x.nsegs)
            return scan_done(d);
        return SRV_RESUME;
    case REV_GOTO:
        if (v->target.signal && d->r->index == v->target.event &&
            v->seg + 1 >= v->target.nsegs) {
            v->extra[0] = 0;
            return arrive(d, t, sig);
        }
        return SRV_RESUME;
    case REV_REFINE:
        return SRV_RESUME;
    }
    return SRV_RESUME;
}

bool rev_end(rep_dbg *d)
{
    struct rev *v = d->rev;
    if (v->mode == REV_LIVE) {
        v->cur.end = true;
        return false;
    }
    if (v->mode == REV_SCAN) {
        scan_done(d);
        return true;
    }
    /* a re-run that did not find its position: the program's end */
    if (v->goto_ok) {
        char line[128];
        snprintf(line, sizeof(line),
                 "rrt: event %" PRIu64 " is past the end of the recording\n",
                 v->target.event);
        rep_dbg_console(d, line);
        rep_dbg_send(d, "E01");
        v->goto_ok = false;
    } else {
        rep_dbg_console(d, "rrt: the position was not found again\n");
    }
    arrive_live(d);
    v->cur.event = d->r->index;
    v->cur.end = true;
    return false;
}

/* ------------------------------------------------------------------ */
/* gdb's requests                                                     */

/* bs where x is the m-th arrival of the thread at pc since an event whose
 * trail is cached: the position before, from the trail. */
static bool from_trail(rep_dbg *d, uint32_t tid, uint64_t pc)
{
    struct rev *v = d->rev;
    const rev_pos *x = &v->x;
    if (!v->ctrail || x->event != v->c_event || tid != v->c_task || x->signal ||
        x->end || !x->nsegs)
        return false;
    for (size_t i = 0; i + 1 < x->nsegs; i++)
        if (x->segs[i].n)
            return false;
    const rev_seg *last = &x->segs[x->nsegs - 1];
    if (last->c.nbps != 1 || last->c.bps[0] != pc || last->c.only != tid ||
        last->c.step || last->c.wp[0].used || last->c.wp[1].used ||
        last->c.wp[2].used || last->c.wp[3].used || !last->n)
        return false;
    size_t at = 0;
    uint64_t seen = 0;
    for (; at < v->nctrail; at++)
        if (v->ctrail[at] == pc && ++seen == last->n)
            break;
    if (at >= v->nctrail)
        return false;
    pos_clear(&v->target);
    v->target.event = x->event;
    if (at > 0) {
        rev_cfg arr = {0};
        uint64_t before = v->ctrail[at - 1], m = 0;
        for (size_t i = 0; i < at; i++)
            m += v->ctrail[i] == before;
        arr.bps = malloc(sizeof(uint64_t));
        if (!arr.bps)
            return false;
        arr.bps[arr.nbps++] = before;
        arr.only = tid;
        pos_push(&v->target, &arr, m);
        cfg_clear(&arr);
    }
    v->refine = false;
    start_goto(d, "", false);
    return true;
}

/* The instructions before `at` that guesses() wants, into the free
 * slots of w (wn of them used). */
static void guess_before(ptask *t, uint64_t at, bool calls, dbg_wp *w,
                         unsigned *wn, unsigned max)
{
    uint8_t code[15], lens[4];
    if (at < sizeof(code) || *wn >= max)
        return;
    size_t n = sizeof(code);
    while (n > 0 && !trace_mem_read(t->base.memfd, at - n, code + 15 - n, n))
        n--; /* the page before may be unmapped */
    size_t k = trace_x86_preds(code + 15 - n, n, calls, lens, max - *wn);
    for (size_t i = 0; i < k; i++)
        w[(*wn)++] = (dbg_wp){true, 1, at - lens[i], 1};
}

/* bs: hardware breakpoints (free debug registers) at instructions that
 * likely ran just before pc: those before it in straight-line code, and
 * the calls before the return addresses on top of the stack (pc is a
 * function's entry, or lazy binding's, reached through a PLT jump). The
 * scan then finds a stop just before x, and code that ran once since x's
 * event is not single-stepped from the event. A wrong guess costs
 * nothing: one inside a longer instruction, or never run, never stops. */
static void pred_guesses(rep_dbg *d, ptask *t, const struct user_regs_struct *g)
{
    struct rev *v = d->rev;
    unsigned used = 0, wn = 0;
    dbg_wp w[4];
    /* the debug registers that x's segments (gdb's watchpoints, earlier
     * guesses) take with gdb's own: install() merges them */
    for (size_t s = 0; s <= v->x.nsegs; s++) {
        dbg_wp u[8];
        unsigned nu = 0;
        for (unsigned k = 0; k < 2; k++)
            for (unsigned i = 0; i < 4; i++) {
                const dbg_wp *c = k == 0           ? &d->wp[i]
                                  : s < v->x.nsegs ? &v->x.segs[s].c.wp[i]
                                                   : NULL;
                bool dup = !c || !c->used;
                for (unsigned j = 0; j < nu && !dup; j++)
                    dup = same_wp(&u[j], c);
                if (!dup)
                    u[nu++] = *c;
            }
        if (nu > used)
            used = nu;
    }
    if (used >= 4)
        return;
    rep_dbg_remove_bps(d); /* the program's bytes, not our int3s */
    unsigned max = 4 - used;
    guess_before(t, g->rip, false, w, &wn, max > 2 ? 2 : max);
    uint64_t stack[4];
    if (trace_mem_read(t->base.memfd, g->rsp, stack, sizeof(stack)))
        for (unsigned i = 0; i < 4 && wn < max; i++)
            if (stack[i] > 0x10000 && stack[i] < (1ull << 47))
                guess_before(t, stack[i], true, w, &wn, wn + 1);
    /* none that x's segments or gdb watch already: their hits would
     * count as the guess's too */
    unsigned kept = 0;
    for (unsigned i = 0; i < wn; i++) {
        bool dup = false;
        for (unsigned j = 0; j < 4 && !dup; j++)
            dup = same_wp(&d->wp[j], &w[i]);
        for (size_t sg = 0; sg < v->x.nsegs && !dup; sg++) {
            const rev_cfg *c = &v->x.segs[sg].c;
            for (unsigned j = 0; j < 4 && !dup; j++)
                dup = same_wp(&c->wp[j], &w[i]);
            for (size_t j = 0; j < c->nbps && !dup; j++)
                dup = c->bps[j] == w[i].addr; /* one stop, two reasons */
        }
        for (size_t j = 0; j < d->nbps && !dup; j++)
            dup = d->bps[j].addr == w[i].addr;
        if (!dup)
            v->s.wp[kept++] = w[i];
    }
    wn = kept;
    if (v->debug)
        fprintf(stderr, "rev: %u guesses before %" PRIx64 "\n", wn,
                (uint64_t)g->rip);
}

srv_result rev_request(rep_dbg *d, char op)
{
    struct rev *v = d->rev;
    if (!v->have_first) {
        rep_dbg_send(d, "E01");
        return SRV_RESUME;
    }
    note_hush(d);
    v->op = op;
    pos_copy(&v->x, &v->cur, v->cur.nsegs);
    d->stepping = false;
    cfg_of_gdb(d, &v->g);
    cfg_of_gdb(d, &v->s);
    if (op == 's') {
        /* where the thread was one instruction before: the last stop
         * before x with a breakpoint at its pc added (in a loop, an
         * iteration back), then single steps from there to the pc */
        uint32_t tid = d->gthr ? d->gthr : d->cur;
        ptask *t = rep_dbg_task_rec(d, tid);
        struct user_regs_struct g;
        v->refine_task = tid;
        cfg_clear(&v->s);
        v->scan_from = v->x.event;
        if (t && ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) == 0 &&
            from_trail(d, tid, g.rip)) {
            d->resume_pending = true;
            return restart(d);
        }
        if (t && ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) == 0) {
            v->op = 'p';
            v->pc = g.rip;
            v->s.bps = malloc(sizeof(uint64_t));
            if (v->s.bps)
                v->s.bps[v->s.nbps++] = g.rip;
            pred_guesses(d, t, &g);
        } else {
            v->s.step = tid;
        }
    } else {
        v->scan_from = 0;
    }
    start_scan(d);
    d->resume_pending = true;
    return restart(d);
}

/* monitor checkpoint (the position now, under a new id; a snapshot is
 * pinned at its event), checkpoints (the list, and the snapshots),
 * restart N (goes to checkpoint N, as goto does), delete N. */
static srv_result marks_monitor(rep_dbg *d, const char *cmd)
{
    struct rev *v = d->rev;
    char line[160];
    unsigned id;
    int at = 0;
    if (strcmp(cmd, "checkpoint") == 0) {
        if (!v->have_first) {
            rep_dbg_send(d, "E01");
            return SRV_RESUME;
        }
        rev_pos *m =
            rrtx_grow(v->marks, &v->capmarks, v->nmarks + 1, sizeof(*m));
        if (m)
            v->marks = m;
        unsigned *ids =
            rrtx_grow(v->mark_ids, &v->capids, v->nmarks + 1, sizeof(*ids));
        if (ids)
            v->mark_ids = ids;
        if (!m || !ids || !rep_ckpt_pin(d, v->cur.event)) {
            rep_dbg_console(d, "rrt: too many checkpoints: delete one\n");
            rep_dbg_send(d, "E01");
            return SRV_RESUME;
        }
        memset(&v->marks[v->nmarks], 0, sizeof(rev_pos));
        pos_copy(&v->marks[v->nmarks], &v->cur, v->cur.nsegs);
        v->mark_ids[v->nmarks] = ++v->next_mark;
        v->nmarks++;
        snprintf(line, sizeof(line),
                 "rrt: checkpoint %u at event %" PRIu64 ", %" PRIu64
                 " stops since it\n",
                 v->next_mark, v->cur.event, d->since);
        rep_dbg_console(d, line);
        rep_dbg_send(d, "OK");
        return SRV_RESUME;
    }
    if (strcmp(cmd, "checkpoints") == 0) {
        for (size_t i = 0; i < v->nmarks; i++) {
            snprintf(line, sizeof(line),
                     "rrt: checkpoint %u at event %" PRIu64 "\n",
                     v->mark_ids[i], v->marks[i].event);
            rep_dbg_console(d, line);
        }
        char buf[4096];
        if (rep_ckpt_describe(d, buf, sizeof(buf)))
            rep_dbg_console(d, buf);
        rep_dbg_send(d, "OK");
        return SRV_RESUME;
    }
    size_t i = 0;
    bool restart_op = strncmp(cmd, "restart", 7) == 0;
    if (sscanf(cmd, restart_op ? "restart %u%n" : "delete %u%n", &id, &at) ==
            1 &&
        cmd[at] == 0)
        while (i < v->nmarks && v->mark_ids[i] != id)
            i++;
    else
        i = SIZE_MAX;
    if (i >= v->nmarks) {
        rep_dbg_console(d, "rrt: no such checkpoint (monitor checkpoints "
                           "lists them)\n");
        rep_dbg_send(d, "E01");
        return SRV_RESUME;
    }
    if (!restart_op) {
        uint64_t ev = v->marks[i].event;
        pos_clear(&v->marks[i]);
        v->marks[i] = v->marks[v->nmarks - 1];
        v->mark_ids[i] = v->mark_ids[v->nmarks - 1];
        v->nmarks--;
        bool other = false;
        for (size_t j = 0; j < v->nmarks; j++)
            other = other || v->marks[j].event == ev;
        if (!other)
            rep_ckpt_unpin(d, ev);
        rep_dbg_send(d, "OK");
        return SRV_RESUME;
    }
    note_hush(d);
    d->stepping = false;
    cfg_of_gdb(d, &v->g);
    pos_copy(&v->target, &v->marks[i], v->marks[i].nsegs);
    v->refine = false;
    start_goto(d, NULL, true);
    d->resume_pending = false;
    return restart(d);
}

srv_result rev_monitor(rep_dbg *d, const char *cmd)
{
    struct rev *v = d->rev;
    char line[160];
    if (strcmp(cmd, "when") == 0) {
        uint64_t from = rep_ckpt_last_from(d);
        snprintf(line, sizeof(line),
                 "rrt: event %" PRIu64 ", %" PRIu64
                 " stops since it, thread %u\n",
                 v->cur.event, d->since, d->cur);
        rep_dbg_console(d, line);
        if (from)
            snprintf(line, sizeof(line),
                     "rrt: this run started at the checkpoint at event "
                     "%" PRIu64 "\n",
                     from);
        else
            snprintf(line, sizeof(line),
                     "rrt: this run started at the start (event 0)\n");
        rep_dbg_console(d, line);
        rep_dbg_send(d, "OK");
        return SRV_RESUME;
    }
    if (strncmp(cmd, "checkpoint", 10) == 0 ||
        strncmp(cmd, "restart", 7) == 0 || strncmp(cmd, "delete", 6) == 0)
        return marks_monitor(d, cmd);
    unsigned long long ev;
    int at = 0;
    if (sscanf(cmd, "goto %llu%n", &ev, &at) == 1 && cmd[at] == 0) {
        if (!v->have_first || ev < v->first.event) {
            snprintf(line, sizeof(line),
                     "rrt: event %llu is before the debug session's start "
                     "(event %" PRIu64 ")\n",
                     ev, v->first.event);
            rep_dbg_console(d, line);
            rep_dbg_send(d, "E01");
            return SRV_RESUME;
        }
        note_hush(d);
        d->stepping = false;
        cfg_of_gdb(d, &v->g);
        pos_clear(&v->target);
        v->target.event = (uint64_t)ev;
        v->refine = false;
        start_goto(d, NULL, true);
        d->resume_pending = false;
        return restart(d);
    }
    rep_dbg_console(d, "rrt: monitor commands: when, goto EVENT, "
                       "checkpoint, checkpoints, restart N, delete N\n");
    rep_dbg_send(d, "E01");
    return SRV_RESUME;
}
