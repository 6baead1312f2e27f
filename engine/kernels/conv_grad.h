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
 * or tabs, static: the running step's memo compares the pointer) of the
 * input (filter: the filter) gradient of geometry g on d: the one the
 * running step memoised (choice_memo.h), else the one kept for the
 * geometry (this process's memo, then the keyed store), else measured now
 * by running each route through run (choice_pick.h: a warm-up that builds
 * its kernels, then interleaved rounds; the lowest median vs__gemm_cost
 * wins, within 3% the route of lowest rank[i], the simpler), kept and
 * returned. A route that fails while measured is not chosen; when every
 * one fails, -1 with st set by the last failure. At most
 * VS_CHOICE_MAX_CANDS routes are weighed. Thread safety: that of the
 * choice table and the step's memo. */
int vs__conv_grad_select(vs_cl_device *d, const vs_conv_geom *g, bool filter, const char *const *names,
                         const int *rank, int n, vs_conv_grad_route_fn run, void *ctx, vs_status *st);

#endif
