/* store_bench - get_variable lookups per second (reuse=True) with 100 000
 * variables in the store, and how fast they are created. (What a session
 * run costs, beside TensorFlow's session, is bench/exec_bench's.)
 * Usage: store_bench [lookups] */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "varscope.h"

static int fail(vs_status *st, const char *what) {
  fprintf(stderr, "store_bench: %s: %s\n", what, vs_status_message(st));
  return 1;
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
  long lookups = argc > 1 ? atol(argv[1]) : 200000;
  vs_status *st = vs_status_new();
  int rc = bench_lookups(lookups, st);
  vs_status_free(st);
  return rc;
}
