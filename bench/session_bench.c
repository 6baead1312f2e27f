/* session_bench - prints two figures for issue 3:
 *   1. session runs per second of a tiny graph (assign_add on a scalar,
 *      fetched), on the default device;
 *   2. get_variable lookups per second (reuse=True) with 100 000 variables
 *      in the store.
 * Usage: session_bench [runs] [lookups] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"
#include "varscope.h"

static int fail(vs_status *st, const char *what) {
  fprintf(stderr, "session_bench: %s: %s\n", what, vs_status_message(st));
  return 1;
}

static int bench_runs(long runs, vs_status *st) {
  vs_graph *g = vs_graph_new();
  vs_var *c = vs_get_variable(g, "counter", &(vs_var_opts){.shape = VS_SCALAR, .initializer = vs_zeros_initializer()}, st);
  vs_output one = vs_constant_float(g, 1.0f, "one", st);
  vs_output add = vs_assign_add(g, c, one, NULL, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  if (vs_status_code(st)) return fail(st, "graph");
  vs_session *s = vs_session_new(g, NULL, st);
  if (!s) return fail(st, "session");
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  vs_tensor *out = NULL;
  for (int i = 0; i < 10; i++) { /* warm-up: kernel builds, first enqueues */
    vs_session_run(s, NULL, NULL, 0, &add, &out, 1, NULL, 0, st);
    vs_tensor_free(out);
  }
  double t0 = now();
  for (long i = 0; i < runs && !vs_status_code(st); i++) {
    vs_session_run(s, NULL, NULL, 0, &add, &out, 1, NULL, 0, st);
    vs_tensor_free(out);
  }
  double dt = now() - t0;
  if (vs_status_code(st)) return fail(st, "run");
  vs_device_info in;
  vs_device_get_info((size_t)vs_session_op_device(s, add.op), &in, st);
  printf("session runs (assign_add on a scalar, fetched): %.0f runs/s (%ld runs, %.1f us/run) on %s [%s]\n",
         runs / dt, runs, dt / runs * 1e6, in.cl_name, in.device_name);
  vs_session_free(s);
  vs_graph_free(g);
  return 0;
}

static int bench_lookups(long lookups, vs_status *st) {
  enum { NVARS = 100000 };
  vs_graph *g = vs_graph_new();
  char name[32];
  vs_scope *sc = vs_variable_scope_push(g, "model", NULL, st);
  double t0 = now();
  for (int i = 0; i < NVARS && !vs_status_code(st); i++) {
    snprintf(name, sizeof name, "v%d", i);
    vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(4), .initializer = vs_zeros_initializer()}, st);
  }
  double create = now() - t0;
  vs_variable_scope_pop(g, sc, st);
  if (vs_status_code(st)) return fail(st, "create");
  sc = vs_variable_scope_push(g, "model", &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
  unsigned x = 12345;
  t0 = now();
  for (long i = 0; i < lookups && !vs_status_code(st); i++) {
    x = x * 1103515245u + 12345u;
    snprintf(name, sizeof name, "v%u", (x >> 8) % NVARS);
    vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(4)}, st);
  }
  double dt = now() - t0;
  vs_variable_scope_pop(g, sc, st);
  if (vs_status_code(st)) return fail(st, "lookup");
  printf("get_variable with %d variables in the store: %.0f lookups/s (reuse=True, %ld lookups); "
         "creation %.0f variables/s (%zu ops)\n",
         NVARS, lookups / dt, lookups, NVARS / create, vs_graph_num_operations(g));
  vs_graph_free(g);
  return 0;
}

int main(int argc, char **argv) {
  long runs = argc > 1 ? atol(argv[1]) : 2000, lookups = argc > 2 ? atol(argv[2]) : 200000;
  vs_status *st = vs_status_new();
  int rc = bench_runs(runs, st) || bench_lookups(lookups, st);
  vs_status_free(st);
  return rc;
}
