/* The event producer: the one place that turns the recorder's observations
 * into events. The event types and payload codecs are librrt's
 * (rrt/events.h, spec/events.md); a future in-process syscall buffer feeds
 * the same functions. */
#ifndef RRT_RECORD_PRODUCER_H
#define RRT_RECORD_PRODUCER_H

#include <rrt/rrt.h>

typedef struct rec_producer {
    rrt_writer *w;
    rrt_buf buf;
} rec_producer;

void rec_producer_init(rec_producer *p, rrt_writer *w);
void rec_producer_free(rec_producer *p);
rrt_status rec_emit_syscall(rec_producer *p, const rrt_ev_syscall *e,
                            rrt_error *err);
rrt_status rec_emit_rdtsc(rec_producer *p, const rrt_ev_rdtsc *e,
                          rrt_error *err);
rrt_status rec_emit_cpuid(rec_producer *p, const rrt_ev_cpuid *e,
                          rrt_error *err);
rrt_status rec_emit_signal(rec_producer *p, const rrt_ev_signal *e,
                           rrt_error *err);
rrt_status rec_emit_exit(rec_producer *p, const rrt_ev_exit *e, rrt_error *err);
rrt_status rec_emit_clone(rec_producer *p, const rrt_ev_clone *e,
                          rrt_error *err);
rrt_status rec_emit_exec(rec_producer *p, const rrt_ev_exec *e, rrt_error *err);
rrt_status rec_emit_exec_script(rec_producer *p, const rrt_ev_exec_script *e,
                                rrt_error *err);
rrt_status rec_emit_signal_frame(rec_producer *p, const rrt_ev_signal_frame *e,
                                 rrt_error *err);
rrt_status rec_emit_xgetbv(rec_producer *p, const rrt_ev_xgetbv *e,
                           rrt_error *err);
rrt_status rec_emit_shared_map(rec_producer *p, const rrt_ev_shared_map *e,
                               rrt_error *err);
rrt_status rec_emit_shared_write(rec_producer *p, const rrt_ev_shared_write *e,
                                 rrt_error *err);
rrt_status rec_emit_preempt(rec_producer *p, const rrt_ev_preempt *e,
                            rrt_error *err);
rrt_status rec_emit_detach(rec_producer *p, const rrt_ev_detach *e,
                           rrt_error *err);

#endif
