/* The event producer: encodes each observation with librrt's event codecs
 * (rrt/events.h) and appends it to the recording. */
#include <stdio.h>

#include "producer.h"

void rec_producer_init(rec_producer *p, rrt_writer *w)
{
    p->w = w;
    rrt_buf_init(&p->buf);
}

void rec_producer_free(rec_producer *p)
{
    rrt_buf_free(&p->buf);
}

static rrt_status emit(rec_producer *p, uint32_t type, rrt_status st,
                       rrt_error *err)
{
    if (st != RRT_OK) {
        if (err) {
            err->status = st;
            err->sys_errno = 0;
            err->offset = UINT64_MAX;
            snprintf(err->message, sizeof(err->message),
                     st == RRT_E_NOMEM ? "out of memory encoding a %s event"
                                       : "cannot encode a %s event: a field "
                                         "is out of range",
                     rrt_ev_type_name(type));
        }
        return st;
    }
    return rrt_writer_add_event(p->w, type, p->buf.data, p->buf.len, err);
}

#define EMIT(name, type, T)                                                    \
    rrt_status rec_emit_##name(rec_producer *p, const T *e, rrt_error *err)    \
    {                                                                          \
        rrt_buf_reset(&p->buf);                                                \
        return emit(p, type, rrt_ev_encode_##name(&p->buf, e), err);           \
    }

EMIT(syscall, RRT_EV_SYSCALL, rrt_ev_syscall)
EMIT(rdtsc, RRT_EV_RDTSC, rrt_ev_rdtsc)
EMIT(cpuid, RRT_EV_CPUID, rrt_ev_cpuid)
EMIT(signal, RRT_EV_SIGNAL, rrt_ev_signal)
EMIT(exit, RRT_EV_EXIT, rrt_ev_exit)
EMIT(clone, RRT_EV_CLONE, rrt_ev_clone)
EMIT(exec, RRT_EV_EXEC, rrt_ev_exec)
EMIT(exec_script, RRT_EV_EXEC_SCRIPT, rrt_ev_exec_script)
EMIT(signal_frame, RRT_EV_SIGNAL_FRAME, rrt_ev_signal_frame)
EMIT(xgetbv, RRT_EV_XGETBV, rrt_ev_xgetbv)
EMIT(shared_map, RRT_EV_SHARED_MAP, rrt_ev_shared_map)
EMIT(shared_write, RRT_EV_SHARED_WRITE, rrt_ev_shared_write)
EMIT(preempt, RRT_EV_PREEMPT, rrt_ev_preempt)
EMIT(detach, RRT_EV_DETACH, rrt_ev_detach)
