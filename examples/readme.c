#include <stdio.h>

#include "varscope.h"

/* def conv_relu(input, kernel_shape, bias_shape) */
static vs_output conv_relu(vs_graph *g, vs_output input, vs_status *st) {
  vs_var *weights = vs_get_variable(g, "weights", &(vs_var_opts){
      .shape = VS_SHAPE(5, 5, 32, 32),
      .initializer = vs_random_normal_initializer(0.0, 0.1, VS_SEED_NONE)}, st);
  vs_var *biases = vs_get_variable(g, "biases", &(vs_var_opts){
      .shape = VS_SHAPE(32), .initializer = vs_constant_initializer(0.1)}, st);
  if (vs_status_code(st) != VS_OK) return (vs_output){0};
  vs_output conv = vs_conv2d(g, input, vs_var_value(weights),
                             &(vs_conv2d_opts){.padding = "SAME"}, st);
  return vs_relu(g, vs_bias_add(g, conv, vs_var_value(biases), NULL, st), NULL, st);
}

/* def my_image_filter(input_images) */
static vs_output my_image_filter(vs_graph *g, vs_output images, vs_status *st) {
  vs_output relu1 = {0}, relu2 = {0};
  VS_WITH_VARIABLE_SCOPE(g, s1, "conv1", NULL, st) relu1 = conv_relu(g, images, st);
  VS_WITH_VARIABLE_SCOPE(g, s2, "conv2", NULL, st) relu2 = conv_relu(g, relu1, st);
  return relu2;
}

int main(void) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_graph_set_random_seed(g, 42);
  vs_output image1 = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 16, 16, 32), "image1", st);
  vs_output image2 = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 16, 16, 32), "image2", st);

  vs_scope *s = vs_variable_scope_push(g, "image_filters", NULL, st);
  vs_output result1 = my_image_filter(g, image1, st); /* creates image_filters/conv1/weights:0 ... */
  vs_scope_reuse_variables(s);                        /* scope.reuse_variables() */
  vs_output result2 = my_image_filter(g, image2, st); /* shares the same four variables */
  vs_variable_scope_pop(g, s, st);
  /* A second my_image_filter at the top level would fail exactly as TF does:
   * ValueError "Variable conv1/weights already exists, disallowed. ..." */

  vs_session *sess = vs_session_new(g, NULL, st); /* the default device: first GPU, else CL:0 */
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session_run(sess, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);

  static float pixels[16 * 16 * 32];
  for (int i = 0; i < 16 * 16 * 32; i++) pixels[i] = (float)(i % 7) / 7.0f;
  vs_tensor *image = vs_tensor_new(VS_FLOAT, VS_SHAPE(1, 16, 16, 32), pixels, st);
  vs_output feeds[2] = {image1, image2}, fetches[2] = {result1, result2};
  vs_tensor *feed_values[2] = {image, image}, *out[2] = {NULL, NULL};
  vs_session_run(sess, feeds, feed_values, 2, fetches, out, 2, NULL, 0, st);

  int rc = vs_status_code(st) != VS_OK;
  if (rc) {
    fprintf(stderr, "%s: %s\n", vs_status_exception_name(st), vs_status_message(st));
  } else { /* one image through both applications: the same variables, the same output */
    const float *a = vs_tensor_data(out[0]), *b = vs_tensor_data(out[1]);
    double sum = 0;
    for (size_t i = 0; i < vs_tensor_num_elements(out[0]); i++) {
      sum += a[i];
      rc |= a[i] != b[i];
    }
    printf("%s and %s: %zu values each, sum %.4f, %s\n", vs_output_name(result1),
           vs_output_name(result2), vs_tensor_num_elements(out[0]), sum,
           rc ? "DIFFERENT" : "identical (shared variables)");
  }
  vs_tensor_free(out[0]);
  vs_tensor_free(out[1]);
  vs_tensor_free(image);
  vs_session_free(sess);
  vs_graph_free(g);
  vs_status_free(st);
  return rc;
}
