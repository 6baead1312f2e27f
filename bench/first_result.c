/* first_result - time from process start to the first fetched value of a
 * small model: graph, session, global initializer (random_normal [2,3],
 * glorot [64,64], zeros), one read. Run it twice with the same
 * VARSCOPE_CACHE_DIR and POCL_CACHE_DIR to see what the kernel caches save
 * a second process (bench/first_result.sh does exactly that). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "varscope.h"

/* Seconds since the process started, from /proc/self/stat's start time. */
static double since_start(void) {
  FILE *f = fopen("/proc/self/stat", "r");
  unsigned long long start = 0;
  if (f) {
    /* field 22: starttime in clock ticks since boot */
    int c, field = 1;
    while (field < 22 && (c = fgetc(f)) != EOF) field += c == ' ';
    if (fscanf(f, "%llu", &start) != 1) start = 0;
    fclose(f);
  }
  double up = 0;
  f = fopen("/proc/uptime", "r");
  if (f) {
    if (fscanf(f, "%lf", &up) != 1) up = 0;
    fclose(f);
  }
  return up - (double)start / 100.0; /* USER_HZ is 100 on Linux */
}

int main(void) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *a = vs_get_variable(g, "a", &(vs_var_opts){.shape = VS_SHAPE(2, 3), .initializer = vs_random_normal_initializer(0, 1, 1)}, st);
  vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(64, 64)}, st);
  vs_get_variable(g, "b", &(vs_var_opts){.shape = VS_SHAPE(64), .initializer = vs_zeros_initializer()}, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session *s = vs_session_new(g, NULL, st);
  vs_output f = vs_var_value(a);
  vs_tensor *out = NULL;
  if (s) vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  if (s && !vs_status_code(st)) vs_session_run(s, NULL, NULL, 0, &f, &out, 1, NULL, 0, st);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  int rc = 0;
  if (vs_status_code(st)) {
    fprintf(stderr, "first_result: %s\n", vs_status_message(st));
    rc = 1;
  } else {
    printf("first result %.4f after %.3f s in main (%.2f s since process start)\n",
           ((float *)vs_tensor_data(out))[0],
           (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9, since_start());
  }
  vs_tensor_free(out);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
  return rc;
}
