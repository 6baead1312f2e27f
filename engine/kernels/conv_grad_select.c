/* conv_grad_select.c - the route of a Conv2D gradient op per device and
 * geometry, measured once and remembered (see conv_grad.h).
 *
 * The table lives in the runtime's keyed store beside the forward conv's
 * (choice_table.h), one line per geometry:
 *   <"bpi|" or "bpf|" and conv_select.c's geometry key> TAB <route> TAB <ms>
 * A line whose route the caller does not name is skipped (re-measured).
 * The choice follows the GEMM's rule (choice_pick.h): a warm-up run of
 * each route, interleaved rounds, the lowest median cost, ties within 3%
 * to the simpler route. Like the forward conv's choice, it ranks runs by
 * CPU time on a CPU device (vs__gemm_cost): at load 2-4 on the shared
 * 2-core machine a gradient run's wall time moves 1.5-2x between runs,
 * its CPU time by a few percent. A plan step keeps the route the table
 * gave it in its memo (choice_memo.h). VARSCOPE_LOG=conv prints each
 * measurement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/choice_memo.h"
#include "kernels/choice_pick.h"
#include "kernels/choice_table.h"
#include "kernels/conv_grad.h"
#include "kernels/gemm.h"
#include "runtime/blas.h"

/* 1: the direct kernels with registers per channel block (conv_grad.cl's
 * conv2d_bp_input / conv2d_bp_filter) against im2col / col2im + GEMM,
 * the cheapest of three turns winning. 2: the median of interleaved
 * rounds, ties within 3% to the simpler route (choice_pick.h): 1's lines
 * were chosen by another rule and are not read. */
#define STORE_WHAT VS_CLBLAST_TABLE_CONV_GRAD /* "conv-grad-choices 2" (runtime/blas.h) */
/* The table's store key holds the identity of the CLBlast sets in use
 * (choice_table.h's vs__choice_table_key_clblast): the im2col / col2im
 * routes run their GEMMs through the GEMM's choice, where CLBlast is a
 * candidate, so a route chosen under other sets is measured again. */

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

/* The routes being timed, for vs__choice_time. */
typedef struct route_trial {
  vs_cl_device *d;
  vs_conv_grad_route_fn run;
  void *ctx;
} route_trial;

/* vs_choice_run_fn: one run of route i, finished; its cost, or < 0 when
 * it failed (st set). */
static double timed(void *arg, int i, vs_status *st) {
  const route_trial *t = arg;
  double t0 = vs__gemm_now(), c0 = vs__gemm_cpu_now();
  if (!t->run(t->ctx, i, st)) return -1;
  cl_int err = clFinish(*vs__queue(t->d));
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clFinish");
    return -1;
  }
  return vs__gemm_cost(t->d, vs__gemm_now() - t0, vs__gemm_cpu_now() - c0, 0);
}

/* Measures the n routes, keeps the chosen one's line under key; its index,
 * or -1 with st set by the last failure when none ran. */
static int measure(vs_cl_device *d, const char *skey, const char *key, const char *const *names, const int *rank,
                   int n, vs_conv_grad_route_fn run, void *ctx, vs_status *st) {
  double costs[VS_CHOICE_MAX_CANDS * VS_CHOICE_ROUNDS_MAX], best = -1;
  vs_status *last = vs_status_new();
  if (!last) {
    vs__oom(st);
    return -1;
  }
  route_trial trial = {d, run, ctx};
  vs__choice_time(n, timed, &trial, costs, last);
  size_t pick = vs__choice_pick(rank, costs, (size_t)n, VS_CHOICE_ROUNDS_MAX, &best);
  int chosen = pick < (size_t)n ? (int)pick : -1;
  if (chosen < 0) {
    vs__fail(st, vs_status_code(last), VS_EXC_OP_ERROR, "%s", vs_status_message(last));
  } else {
    if (vs__log_enabled("conv")) {
      fprintf(stderr, "varscope: conv2d gradient %s on %s (median of the rounds):", key, d->info.cl_name);
      for (int i = 0; i < n; i++) {
        double m = vs__choice_median(costs + i * VS_CHOICE_ROUNDS_MAX, VS_CHOICE_ROUNDS_MAX);
        if (m < 0) fprintf(stderr, " %s failed", names[i]);
        else fprintf(stderr, " %s %.3f ms", names[i], m * 1e3);
      }
      fprintf(stderr, " -> %s\n", names[chosen]);
    }
    char *line = vs__asprintf("%s\t%s\t%.3f ms\n", key, names[chosen], best * 1e3);
    if (line) vs__choice_table_update(d, skey, vs__choice_drop_key, key, line);
    free(line);
  }
  vs_status_free(last);
  return chosen;
}

int vs__conv_grad_select(vs_cl_device *d, const vs_conv_geom *g, bool filter, const char *const *names,
                         const int *rank, int n, vs_conv_grad_route_fn run, void *ctx, vs_status *st) {
  if (n < 1) return -1;
  if (n > VS_CHOICE_MAX_CANDS) n = VS_CHOICE_MAX_CANDS;
  /* The running step's memo (choice_memo.h): the geometry, which gradient
   * and which candidates (names and n). */
  vs_choice_ask q = {.kind = VS_CHOICE_CONV_GRAD, .device = d, .nkey = VS_CONV_GEOM_WORDS + 3};
  vs__conv_geom_words(g, q.key);
  q.key[VS_CONV_GEOM_WORDS] = filter;
  q.key[VS_CONV_GEOM_WORDS + 1] = n;
  q.key[VS_CONV_GEOM_WORDS + 2] = (int64_t)(intptr_t)names;
  int chosen = -1;
  if (vs__choice_memo_get(&q, &chosen, sizeof chosen)) return chosen;
  char *skey = vs__choice_table_key_clblast(d, STORE_WHAT), *gkey = skey ? vs__conv_geom_key(g) : NULL;
  char *key = gkey ? vs__asprintf("%s|%s", filter ? "bpf" : "bpi", gkey) : NULL;
  if (!key) vs__oom(st);
  else if ((chosen = lookup(d, skey, key, names, n)) >= 0) vs__choice_memo_put(&q, &chosen, sizeof chosen);
  else chosen = measure(d, skey, key, names, rank, n, run, ctx, st);
  free(key);
  free(gkey);
  free(skey);
  return chosen;
}
