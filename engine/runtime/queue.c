/* queue.c - which command queue a device's commands go to on this thread.
 *
 * Every session has its own in-order queue per device it runs on, so one
 * session's clFinish does not wait for another's work and independent
 * sessions on one graph run in parallel. Kernels, CLBlast calls and copies
 * reach a device through vs__queue(d): during a session's run the calling
 * thread has the session's queues bound (vs__queue_bind); elsewhere (tuning,
 * direct variable access, measurements outside runs) it is the device's
 * shared queue. A run binds its queues before its first command and keeps
 * them to its end, so the commands of one run on one device are all on one
 * in-order queue. */
#include "runtime/runtime_internal.h"

static _Thread_local struct {
  cl_command_queue *queues; /* by global device index; NULL entries: shared */
  size_t n;
} bound;

void vs__queue_bind(cl_command_queue *queues, size_t n) {
  bound.queues = queues;
  bound.n = queues ? n : 0;
}

cl_command_queue *vs__queue(vs_cl_device *d) {
  if (d->index < bound.n && bound.queues[d->index]) return &bound.queues[d->index];
  return &d->queue;
}

cl_command_queue vs__queue_bound(const vs_cl_device *d) {
  return d->index < bound.n ? bound.queues[d->index] : NULL;
}
