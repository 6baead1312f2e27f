/* image_filter.c - the documents' image-filter model with shared variables.
 *
 * conv_relu creates "weights" and "biases" in the current variable scope;
 * my_image_filter calls it in scopes conv1 and conv2. Applied to two image
 * batches inside "image_filters", the second application shares the first
 * one's variables in each of TF's three ways: a second entry with
 * reuse=True, reuse_variables(), and re-entering the captured scope.
 * Each form must leave exactly four trainable variables.
 */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>

#include "varscope.h"

static int check(vs_status *st, const char *what) {
  if (vs_status_code(st) == VS_OK) return 0;
  fprintf(stderr, "%s: %s: %s\n", what, vs_status_exception_name(st), vs_status_message(st));
  return 1;
}

/* def conv_relu(input, kernel_shape, bias_shape) */
static int conv_relu(vs_graph *g, vs_status *st) {
  vs_get_variable(g, "weights", &(vs_var_opts){
      .shape = VS_SHAPE(5, 5, 32, 32),
      .initializer = vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE)}, st);
  if (check(st, "weights")) return 1;
  vs_get_variable(g, "biases", &(vs_var_opts){
      .shape = VS_SHAPE(32), .initializer = vs_constant_initializer(0.0)}, st);
  return check(st, "biases");
}

/* def my_image_filter(input_images) */
static int my_image_filter(vs_graph *g, vs_status *st) {
  static const char *const layers[] = {"conv1", "conv2"};
  for (int i = 0; i < 2; i++) {
    vs_scope *s = vs_variable_scope_push(g, layers[i], NULL, st);
    if (check(st, layers[i])) return 1;
    int rc = conv_relu(g, st);
    vs_variable_scope_pop(g, s, st);
    if (rc || check(st, "pop")) return 1;
  }
  return 0;
}

/* Initialises the shared variables on the default device and reports where
 * each landed and what it holds. */
static int initialise(vs_graph *g, vs_status *st) {
  vs_session *s = vs_session_new(g, NULL, st);
  if (check(st, "session")) return 1;
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_var *vars[4];
  size_t n = vs_trainable_variables(g, NULL, vars, 4, st);
  vs_output reads[4];
  vs_tensor *vals[4] = {0};
  for (size_t i = 0; i < n; i++) reads[i] = vs_var_value(vars[i]);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  int rc = check(st, "init");
  if (!rc) vs_session_run(s, NULL, NULL, 0, reads, vals, (int)n, NULL, 0, st);
  rc = rc || check(st, "read");
  printf("initialised on the default device:\n");
  for (size_t i = 0; !rc && i < n; i++) {
    const float *x = vs_tensor_data(vals[i]);
    size_t count = vs_tensor_num_elements(vals[i]);
    double sum = 0, sq = 0;
    for (size_t k = 0; k < count; k++) {
      sum += x[k];
      sq += (double)x[k] * x[k];
    }
    double mean = sum / count, sd = sqrt(sq / count - mean * mean);
    vs_device_info in;
    vs_device_get_info((size_t)vs_session_op_device(s, vs_var_op(vars[i])), &in, st);
    printf("  %-32s on %s (%s): mean %+.4f, stddev %.4f\n", vs_var_name(vars[i]), in.cl_name,
           in.device_name, mean, sd);
  }
  for (size_t i = 0; i < n; i++) vs_tensor_free(vals[i]);
  vs_session_free(s);
  return rc;
}

static int print_trainables(vs_graph *g, const char *form, vs_status *st) {
  vs_var *vars[16];
  size_t n = vs_trainable_variables(g, NULL, vars, 16, st);
  printf("%s: %zu trainable variables\n", form, n);
  for (size_t i = 0; i < n && i < 16; i++) {
    char shape[128];
    vs_shape v_shape = vs_var_shape(vars[i]);
    vs_shape_format(&v_shape, shape, sizeof shape);
    vs_initializer init = vs_var_initializer(vars[i]);
    printf("  %-32s %-8s %-14s %s\n", vs_var_name(vars[i]), vs_dtype_name(vs_var_dtype(vars[i])),
           shape, vs_initializer_name(&init));
  }
  return n == 4 ? 0 : 1;
}

int main(void) {
  vs_status *st = vs_status_new();
  int rc = 0;
  for (int form = 0; form < 3 && !rc; form++) {
    vs_graph *g = vs_graph_new();
    vs_scope *s = vs_variable_scope_push(g, "image_filters", NULL, st);
    rc |= check(st, "image_filters") || my_image_filter(g, st);
    const char *name = "";
    if (form == 0) { /* a second entry with reuse=True */
      vs_variable_scope_pop(g, s, st);
      s = vs_variable_scope_push(g, "image_filters", &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
      name = "second entry with reuse=True";
    } else if (form == 1) { /* scope.reuse_variables() */
      vs_scope_reuse_variables(s);
      name = "reuse_variables()";
    } else { /* re-entering the captured scope */
      vs_variable_scope_pop(g, s, st);
      s = vs_variable_scope_push_scope(g, s, &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
      name = "captured scope, reuse=True";
    }
    rc |= rc || check(st, "reuse") || my_image_filter(g, st);
    vs_variable_scope_pop(g, s, st);
    rc |= rc || print_trainables(g, name, st);
    if (form == 0) rc |= rc || initialise(g, st);
    vs_graph_free(g);
  }
  vs_status_free(st);
  return rc;
}
