/* cache_probe - a small process for test_kernel_cache: builds and runs a
 * graph that needs several embedded programs (elementwise, random, the
 * direct conv2d), prints the result's bytes as hex, and exits 0 on success.
 * VARSCOPE_CACHE_DIR and VARSCOPE_LOG come from the test. */
#include <stdio.h>
#include <stdlib.h>

#include "varscope.h"

int main(void) {
  setenv("VARSCOPE_CONV", "direct", 1);
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_graph_set_random_seed(g, 5);
  vs_var *x = vs_get_variable(g, "x", &(vs_var_opts){.shape = VS_SHAPE(1, 5, 5, 2),
                                                      .initializer = vs_random_normal_initializer(0, 1, VS_SEED_NONE)}, st);
  vs_var *f = vs_get_variable(g, "f", &(vs_var_opts){.shape = VS_SHAPE(3, 3, 2, 2)}, st);
  vs_output y = vs_conv2d(g, vs_var_value(x), vs_var_value(f), &(vs_conv2d_opts){.padding = "SAME"}, st);
  y = vs_add(g, y, vs_constant_float(g, 1.0f, NULL, st), NULL, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session *s = vs_status_code(st) ? NULL : vs_session_new(g, NULL, st);
  vs_tensor *t = NULL;
  if (s) vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  if (s && !vs_status_code(st)) vs_session_run(s, NULL, NULL, 0, &y, &t, 1, NULL, 0, st);
  int rc = vs_status_code(st) != VS_OK;
  if (rc) {
    fprintf(stderr, "cache_probe: %s\n", vs_status_message(st));
  } else {
    const unsigned char *b = vs_tensor_data(t);
    for (size_t i = 0; i < vs_tensor_byte_size(t); i++) printf("%02x", b[i]);
    printf("\n");
  }
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
  return rc;
}
