/* conv_grad_select.c - the route of a Conv2D gradient op per device and
 * geometry, measured once and remembered (see conv_grad.h).
 *
 * The table lives in the runtime's keyed store beside the forward conv's
 * (choice_table.h), one line per geometry:
 *   <"bpi|" or "bpf|" and conv_select.c's geometry key> TAB <route> TAB <ms>
 * A line whose route the caller does not name is skipped (re-measured).
 * Like the forward conv's choice, it ranks runs by CPU time on a CPU device
 * (vs__gemm_cost): at load 2-4 on the shared 2-core machine a gradient
 * run's wall time moves 1.5-2x between runs, its CPU time by a few
 * percent. VARSCOPE_LOG=conv prints each measurement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/choice_table.h"
#include "kernels/conv_grad.h"
#include "kernels/gemm.h"

/* 1: the direct kernels with registers per channel block (conv_grad.cl's
 * conv2d_bp_input / conv2d_bp_filter) against im2col / col2im + GEMM. */
#define STORE_WHAT "conv-grad-choices 1"
#define TURNS 3

typedef struct route_names {
  const char *const *names;
  int n, found;
} route_names;

/* A line naming one of the routes: its index (the last line wins). */
static bool accept_route(const char *value, void *arg) {
  route_names *r = arg;
  size_t vlen = strcspn(value, "\t");
  for (int i = 0; i < r->n; i++)
    if (strlen(r->names[i]) == vlen && strncmp(value, r->names[i], vlen) == 0) {
      r->found = i;
      return true;
    }
  return false;
}

static int lookup(vs_cl_device *d, const char *skey, const char *key, const char *const *names, int n) {
  char *t = vs__choice_table_get(d, skey, false, true);
  route_names r = {.names = names, .n = n, .found = -1};
  if (t) vs__choice_table_scan(t, key, accept_route, &r);
  free(t);
  return r.found;
}

/* One run of route i, finished; its cost, or < 0 when it failed (st set). */
static double timed(vs_cl_device *d, vs_conv_grad_route_fn run, void *ctx, int i, vs_status *st) {
  double t0 = vs__gemm_now(), c0 = vs__gemm_cpu_now();
  if (!run(ctx, i, st)) return -1;
  cl_int err = clFinish(*vs__queue(d));
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clFinish");
    return -1;
  }
  return vs__gemm_cost(d, vs__gemm_now() - t0, vs__gemm_cpu_now() - c0, 0);
}

int vs__conv_grad_select(vs_cl_device *d, const char *key, const char *const *names, int n, vs_conv_grad_route_fn run,
                         void *ctx, vs_status *st) {
  char *skey = vs__choice_table_key(d, STORE_WHAT);
  if (!skey) {
    vs__oom(st);
    return -1;
  }
  int chosen = lookup(d, skey, key, names, n);
  if (chosen >= 0 || n < 1) {
    free(skey);
    return chosen;
  }
  double best[8];
  int m = n < 8 ? n : 8;
  vs_status *last = vs_status_new();
  if (!last) {
    free(skey);
    vs__oom(st);
    return -1;
  }
  for (int i = 0; i < m; i++) /* the warm-up: builds the kernels, makes the GEMM's own choice */
    best[i] = timed(d, run, ctx, i, last) < 0 ? -1 : 1e300;
  for (int turn = 0; turn < TURNS; turn++)
    for (int i = 0; i < m; i++) {
      if (best[i] < 0) continue;
      double t = timed(d, run, ctx, i, last);
      if (t < 0) best[i] = -1;
      else if (t < best[i]) best[i] = t;
    }
  for (int i = 0; i < m; i++)
    if (best[i] >= 0 && (chosen < 0 || best[i] < best[chosen])) chosen = i;
  if (chosen < 0) {
    vs__fail(st, vs_status_code(last), VS_EXC_OP_ERROR, "%s", vs_status_message(last));
  } else {
    if (vs__log_enabled("conv")) {
      fprintf(stderr, "varscope: conv2d gradient %s on %s:", key, d->info.cl_name);
      for (int i = 0; i < m; i++)
        if (best[i] < 0) fprintf(stderr, " %s failed", names[i]);
        else fprintf(stderr, " %s %.3f ms", names[i], best[i] * 1e3);
      fprintf(stderr, " -> %s\n", names[chosen]);
    }
    char *line = vs__asprintf("%s\t%s\t%.3f ms\n", key, names[chosen], best[chosen] * 1e3);
    if (line) vs__choice_table_update(d, skey, vs__choice_drop_key, key, line);
    free(line);
  }
  vs_status_free(last);
  free(skey);
  return chosen;
}
