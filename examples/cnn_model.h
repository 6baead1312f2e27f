/* cnn_model.h - the small CNN that examples/train_cnn.c trains and
 * bench/train_bench.c times (bench/train_tf.py builds the same model in
 * TensorFlow), and the data they generate. Header-only: two programs
 * share it.
 *
 *   x: [B, 12, 12, 1] images, y: [B, 2] one-hot labels
 *   with tf.variable_scope("conv1"): relu(conv2d(x, 3x3x1x8, SAME) + b)      -> [B, 12, 12, 8]
 *   with tf.variable_scope("conv2"): relu(conv2d(., 3x3x8x8, stride 2) + b)  -> [B, 6, 6, 8]
 *   with tf.variable_scope("logits"): reshape(., [B, 288]) @ w + b          -> [B, 2]
 *   loss = tf.reduce_mean(tf.square(logits - y))
 *
 * The images: class 0 has a bright horizontal bar at a random row, class 1
 * a vertical one at a random column, both over uniform noise.
 *
 * cnn_build(..., conv = false) builds the same network with the two conv
 * layers replaced by dense layers of the same widths (144 -> 72 -> 72
 * units): an MLP, for a library whose Conv2D has no gradient. */
#ifndef VS_EXAMPLES_CNN_MODEL_H
#define VS_EXAMPLES_CNN_MODEL_H

#include <stdint.h>
#include <string.h>

#include "varscope.h"

enum { CNN_SIDE = 12, CNN_CLASSES = 2, CNN_FLAT = 6 * 6 * 8 };

typedef struct cnn_model {
  vs_output x, y, logits, loss;
} cnn_model;

static inline vs_output cnn_bias_relu(vs_graph *g, vs_output v, int64_t n, bool relu, vs_status *st) {
  vs_var *b = vs_get_variable(g, "biases", &(vs_var_opts){.shape = VS_SHAPE(n), .initializer = vs_zeros_initializer()},
                              st);
  if (vs_status_code(st)) return (vs_output){0};
  vs_output out = vs_bias_add(g, v, vs_var_value(b), NULL, st);
  return relu ? vs_relu(g, out, NULL, st) : out;
}

static inline vs_output cnn_conv(vs_graph *g, const char *scope, vs_output in, int64_t cin, int64_t cout, int64_t stride,
                                 vs_status *st) {
  vs_output out = {0};
  VS_WITH_VARIABLE_SCOPE(g, s, scope, NULL, st) {
    vs_var *w = vs_get_variable(g, "weights", &(vs_var_opts){.shape = VS_SHAPE(3, 3, cin, cout)}, st);
    if (!vs_status_code(st)) {
      vs_output c = vs_conv2d(g, in, vs_var_value(w), &(vs_conv2d_opts){.strides = {1, stride, stride, 1},
                                                                         .padding = "SAME"}, st);
      out = cnn_bias_relu(g, c, cout, true, st);
    }
  }
  return out;
}

static inline vs_output cnn_dense(vs_graph *g, const char *scope, vs_output in, int64_t nin, int64_t nout, bool relu,
                                  vs_status *st) {
  vs_output out = {0};
  VS_WITH_VARIABLE_SCOPE(g, s, scope, NULL, st) {
    vs_var *w = vs_get_variable(g, "weights", &(vs_var_opts){.shape = VS_SHAPE(nin, nout)}, st);
    if (!vs_status_code(st)) out = cnn_bias_relu(g, vs_matmul(g, in, vs_var_value(w), NULL, st), nout, relu, st);
  }
  return out;
}

/* Builds the model for batches of `batch` in g (the CNN, or with conv
 * false the MLP of the same widths). */
static inline cnn_model cnn_build(vs_graph *g, int64_t batch, bool conv, vs_status *st) {
  cnn_model m = {0};
  m.x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(batch, CNN_SIDE, CNN_SIDE, 1), "x", st);
  m.y = vs_placeholder(g, VS_FLOAT, VS_SHAPE(batch, CNN_CLASSES), "y", st);
  vs_output h;
  if (conv) {
    h = cnn_conv(g, "conv1", m.x, 1, 8, 1, st);
    h = cnn_conv(g, "conv2", h, 8, 8, 2, st);
    h = vs_reshape(g, h, VS_SHAPE(batch, CNN_FLAT), NULL, st);
  } else {
    h = vs_reshape(g, m.x, VS_SHAPE(batch, CNN_SIDE * CNN_SIDE), NULL, st);
    h = cnn_dense(g, "dense1", h, CNN_SIDE * CNN_SIDE, 72, true, st);
    h = cnn_dense(g, "dense2", h, 72, CNN_FLAT, true, st);
  }
  m.logits = cnn_dense(g, "logits", h, CNN_FLAT, CNN_CLASSES, false, st);
  if (!vs_status_code(st)) m.loss = vs_reduce_mean(g, vs_square(g, vs_sub(g, m.logits, m.y, NULL, st), NULL, st), NULL, st);
  return m;
}

/* A batch of n images and one-hot labels from the generator state *seed. */
static inline void cnn_batch(uint32_t *seed, int64_t n, float *x, float *y) {
#define CNN_RAND() ((float)((*seed = *seed * 1664525u + 1013904223u) >> 8) / 16777216.0f)
  for (int64_t i = 0; i < n; i++) {
    int cls = CNN_RAND() < 0.5f;
    int at = (int)(CNN_RAND() * CNN_SIDE) % CNN_SIDE;
    float *img = x + i * CNN_SIDE * CNN_SIDE;
    for (int r = 0; r < CNN_SIDE; r++)
      for (int c = 0; c < CNN_SIDE; c++) img[r * CNN_SIDE + c] = 0.3f * CNN_RAND() + ((cls ? c : r) == at ? 1.0f : 0.0f);
    y[i * CNN_CLASSES] = cls ? 0.0f : 1.0f;
    y[i * CNN_CLASSES + 1] = cls ? 1.0f : 0.0f;
  }
#undef CNN_RAND
}

#endif
