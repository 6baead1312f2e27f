/* conv_grad.h - which route runs a Conv2D gradient op (nn_grad.c) on a
 * device, chosen by measurement per geometry and kept in the keyed store
 * (conv_grad_select.c), with the forward conv's choice-table machinery
 * (choice_table.h). */
#ifndef VS_CONV_GRAD_H
#define VS_CONV_GRAD_H

#include "kernels/conv_internal.h"

/* Runs route `route` (an index into the caller's names) of the op ctx
 * describes, enqueued; false with st set when it fails. */
typedef bool (*vs_conv_grad_route_fn)(void *ctx, int route, vs_status *st);

/* The route (an index < n into names, each a short word without spaces
 * or tabs) for key on d: the one kept for key (this process's memo, then
 * the keyed store), else measured now by running each route through run
 * (a warm-up that builds its kernels, then three interleaved turns, each
 * route keeping its cheapest vs__gemm_cost), kept and returned. A route
 * that fails while measured is not chosen; when every one fails, -1 with
 * st set by the last failure. Thread safety: that of the choice table. */
int vs__conv_grad_select(vs_cl_device *d, const char *key, const char *const *names, int n, vs_conv_grad_route_fn run,
                         void *ctx, vs_status *st);

#endif
