/* image_filter.c - the documents' image-filter model, run on a device.
 *
 *   def conv_relu(input, kernel_shape, bias_shape):
 *       weights = tf.get_variable("weights", kernel_shape, initializer=tf.random_normal_initializer())
 *       biases = tf.get_variable("biases", bias_shape, initializer=tf.constant_initializer(0.0))
 *       conv = tf.nn.conv2d(input, weights, strides=[1, 1, 1, 1], padding='SAME')
 *       return tf.nn.relu(conv + biases)
 *
 *   def my_image_filter(input_images):
 *       with tf.variable_scope("conv1"):
 *           relu1 = conv_relu(input_images, [5, 5, 32, 32], [32])
 *       with tf.variable_scope("conv2"):
 *           return conv_relu(relu1, [5, 5, 32, 32], [32])
 *
 * my_image_filter is applied to two image batches inside "image_filters";
 * the second application shares the first one's variables in each of TF's
 * three ways: a second entry with reuse=True, scope.reuse_variables(), and
 * re-entering the captured scope. Each form must leave exactly four
 * trainable variables (one device buffer each) and, with the same graph
 * seed, give bit-identical outputs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "varscope.h"

enum { BATCH = 8, SIZE = 64, DEPTH = 32 };

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static int check(vs_status *st, const char *what) {
  if (vs_status_code(st) == VS_OK) return 0;
  fprintf(stderr, "%s: %s: %s\n", what, vs_status_exception_name(st), vs_status_message(st));
  return 1;
}

static vs_output conv_relu(vs_graph *g, vs_output input, vs_shape kernel_shape, vs_shape bias_shape, vs_status *st) {
  vs_var *weights = vs_get_variable(g, "weights", &(vs_var_opts){
      .shape = kernel_shape, .initializer = vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE)}, st);
  vs_var *biases = vs_get_variable(g, "biases", &(vs_var_opts){
      .shape = bias_shape, .initializer = vs_constant_initializer(0.0)}, st);
  if (vs_status_code(st)) return (vs_output){NULL, 0};
  vs_output conv = vs_conv2d(g, input, vs_var_value(weights),
                             &(vs_conv2d_opts){.strides = {1, 1, 1, 1}, .padding = "SAME"}, st);
  return vs_relu(g, vs_add(g, conv, vs_var_value(biases), NULL, st), NULL, st);
}

static vs_output my_image_filter(vs_graph *g, vs_output input_images, vs_status *st) {
  vs_output relu1 = {NULL, 0}, relu2 = {NULL, 0};
  VS_WITH_VARIABLE_SCOPE(g, conv1, "conv1", NULL, st)
    relu1 = conv_relu(g, input_images, VS_SHAPE(5, 5, DEPTH, DEPTH), VS_SHAPE(DEPTH), st);
  if (vs_status_code(st)) return relu1;
  VS_WITH_VARIABLE_SCOPE(g, conv2, "conv2", NULL, st)
    relu2 = conv_relu(g, relu1, VS_SHAPE(5, 5, DEPTH, DEPTH), VS_SHAPE(DEPTH), st);
  return relu2;
}

typedef struct form_result {
  vs_tensor *out[2];
  double seconds;
} form_result;

static const char *const FORMS[3] = {"a second entry with reuse=True", "scope.reuse_variables()",
                                     "re-entering the captured scope"};

static int run_form(int form, vs_tensor *images[2], form_result *res, bool verbose, vs_status *st) {
  vs_graph *g = vs_graph_new();
  vs_graph_set_random_seed(g, 1234); /* the same variables in every form */
  vs_output image1 = vs_placeholder(g, VS_FLOAT, VS_SHAPE(BATCH, SIZE, SIZE, DEPTH), "image1", st);
  vs_output image2 = vs_placeholder(g, VS_FLOAT, VS_SHAPE(BATCH, SIZE, SIZE, DEPTH), "image2", st);
  vs_output result1 = {NULL, 0}, result2 = {NULL, 0};
  vs_scope *scope = vs_variable_scope_push(g, "image_filters", NULL, st);
  if (!check(st, "image_filters")) result1 = my_image_filter(g, image1, st);
  if (!check(st, "first filter")) {
    if (form == 0) {
      vs_variable_scope_pop(g, scope, st);
      scope = vs_variable_scope_push(g, "image_filters", &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
    } else if (form == 1) {
      vs_scope_reuse_variables(scope);
    } else {
      vs_variable_scope_pop(g, scope, st);
      scope = vs_variable_scope_push_scope(g, scope, &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
    }
    if (!check(st, "reuse")) result2 = my_image_filter(g, image2, st);
    vs_variable_scope_pop(g, scope, st);
  }
  int rc = check(st, "second filter");
  vs_var *vars[8];
  size_t n = rc ? 0 : vs_trainable_variables(g, NULL, vars, 8, st);
  printf("form %d, %s: %zu trainable variables\n", form + 1, FORMS[form], n);
  rc |= n != 4;
  vs_session *s = rc ? NULL : vs_session_new(g, NULL, st);
  vs_op *init = s ? vs_global_variables_initializer(g, st) : NULL;
  if (s) vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  rc |= check(st, "initialise");
  vs_output feeds[2] = {image1, image2}, fetches[2] = {result1, result2};
  for (int rep = 0; !rc && rep < 2; rep++) { /* the first run builds kernels; time the second */
    for (int i = 0; i < 2; i++) vs_tensor_free(res->out[i]);
    double t0 = now();
    vs_session_run(s, feeds, images, 2, fetches, res->out, 2, NULL, 0, st);
    res->seconds = now() - t0;
    rc |= check(st, "run");
  }
  if (!rc && verbose) {
    for (size_t i = 0; i < n; i++) {
      char shape[64];
      vs_shape vshape = vs_var_shape(vars[i]);
      vs_shape_format(vshape, shape, sizeof shape);
      vs_device_info in;
      vs_device_get_info(vs_session_op_device(s, vs_var_op(vars[i])), &in, st);
      printf("  %-32s %-14s on %s\n", vs_var_name(vars[i]), shape, in.cl_name);
    }
    for (size_t i = 0; i < vs_graph_num_operations(g); i++) {
      vs_op *op = vs_graph_operation(g, i);
      if (strcmp(vs_op_type(op), "Conv2D") != 0) continue;
      vs_device_info in;
      vs_device_get_info(vs_session_op_device(s, op), &in, st);
      printf("  %-32s Conv2D         on %s (%s)\n", vs_op_name(op), in.cl_name, in.device_name);
    }
  }
  if (!rc) {
    double gflop = 4.0 * 2.0 * BATCH * SIZE * SIZE * 5 * 5 * DEPTH * DEPTH / 1e9;
    printf("  both batches through both layers: %.3f s, %.1f GFLOP/s\n", res->seconds, gflop / res->seconds);
  }
  vs_session_free(s);
  vs_graph_free(g);
  return rc;
}

int main(void) {
  vs_status *st = vs_status_new();
  size_t n = BATCH * SIZE * SIZE * DEPTH;
  float *data = malloc(2 * n * sizeof *data);
  unsigned seed = 42;
  for (size_t i = 0; i < 2 * n; i++) {
    seed = seed * 1664525u + 1013904223u;
    data[i] = (float)(seed >> 8) / 16777216.0f;
  }
  vs_tensor *images[2] = {vs_tensor_new(VS_FLOAT, VS_SHAPE(BATCH, SIZE, SIZE, DEPTH), data, st),
                          vs_tensor_new(VS_FLOAT, VS_SHAPE(BATCH, SIZE, SIZE, DEPTH), data + n, st)};
  free(data);
  form_result res[3] = {0};
  int rc = check(st, "images");
  for (int form = 0; form < 3 && !rc; form++) rc = run_form(form, images, &res[form], form == 0, st);
  if (!rc) {
    size_t bytes = vs_tensor_byte_size(res[0].out[0]);
    bool same = true;
    for (int f = 1; f < 3; f++)
      for (int i = 0; i < 2; i++) same &= memcmp(vs_tensor_data(res[0].out[i]), vs_tensor_data(res[f].out[i]), bytes) == 0;
    bool differ = memcmp(vs_tensor_data(res[0].out[0]), vs_tensor_data(res[0].out[1]), bytes) != 0;
    printf("the three forms give %s outputs; the two batches give %s outputs\n", same ? "identical" : "DIFFERENT",
           differ ? "different" : "IDENTICAL");
    rc = !same || !differ;
  }
  for (int f = 0; f < 3; f++)
    for (int i = 0; i < 2; i++) vs_tensor_free(res[f].out[i]);
  vs_tensor_free(images[0]);
  vs_tensor_free(images[1]);
  vs_status_free(st);
  return rc;
}
