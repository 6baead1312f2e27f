/* conformance/cases/training.c - training (issue 13): tf.gradients against
 * TensorFlow's own gradients, the names TF gives the gradient ops, and
 * TF's errors. Twins: conformance/oracle/training.py.
 *
 * Numeric cases rebuild a loss from the inputs stored in
 * conformance/golden/grad/<fixture>/ (written by tools/make_grad_goldens.py
 * with TensorFlow 2.21: <input>.npy, loss.npy and d_<input>.npy, the
 * gradient of the loss with respect to each input) as tf.constant inputs
 * named after their files, and compare the loss and every gradient with the
 * files; the twin rebuilds the same graph in TensorFlow and compares TF's
 * values with the same files. Tolerance, unless a case says otherwise:
 *   |got - want| <= 1e-5 * (1 + |want|) + 1e-5   element by element
 * (float32 sums of at most 30 terms taken in another order than TF's).
 * The gradients' tensor names are TF's exactly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define VSC_SUITE "training"

/* ---- helpers ------------------------------------------------------------ */

/* conformance/golden/grad/<fixture>/<file>.npy, owned by the case. */
static vs_tensor *golden(vsc_ctx *t, const char *fixture, const char *file, int line) {
  return vsc_golden_npy(t, "grad", fixture, file, __FILE__, line);
}

/* got (fetched) equals want (a golden file) within the suite's tolerance. */
static bool matches(vsc_ctx *t, const vs_tensor *got, const vs_tensor *want, const char *what, int line) {
  vs_shape a = vs_tensor_shape(got), b = vs_tensor_shape(want);
  char gs[64], ws[64];
  vs_shape_format(a, gs, sizeof gs);
  vs_shape_format(b, ws, sizeof ws);
  if (vs_tensor_dtype(got) != VS_FLOAT || strcmp(gs, ws) != 0) {
    vsc_fail(t, __FILE__, line, "%s: %s %s, TF float32 %s", what, vs_dtype_name(vs_tensor_dtype(got)), gs, ws);
    return false;
  }
  const float *g = vs_tensor_data(got), *w = vs_tensor_data(want);
  for (size_t i = 0; i < vs_tensor_num_elements(got); i++) {
    double d = fabs((double)g[i] - (double)w[i]);
    if (!(d <= 1e-5 * (1 + fabs((double)w[i])) + 1e-5)) {
      vsc_fail(t, __FILE__, line, "%s: [%zu] = %.9g, TF %.9g", what, i, (double)g[i], (double)w[i]);
      return false;
    }
  }
  return true;
}

#define MAX_IN 4

/* A loss over the fixture's inputs (in[] in the order of the fixture's
 * name list, each a tf.constant named after its file). */
typedef vs_output (*loss_fn)(vs_graph *g, const vs_output *in, vs_status *st);

/* Builds the fixture's constants and loss, tf.gradients(loss, inputs), and
 * checks the loss name, each gradient's name and every value. */
static void grad_case(vsc_ctx *t, vs_graph *g, vs_status *st, const char *fixture, const char *const *names,
                      loss_fn build, const char *loss_name, const char *const *grad_names) {
  size_t n = 0;
  vs_output in[MAX_IN], grads[MAX_IN];
  vs_tensor *want[MAX_IN];
  for (; names[n]; n++) {
    vs_tensor *x = golden(t, fixture, names[n], __LINE__);
    if (!x) return;
    char file[64];
    snprintf(file, sizeof file, "d_%s", names[n]);
    if (!(want[n] = golden(t, fixture, file, __LINE__))) return;
    in[n] = vs_constant(g, vs_tensor_data(x), VS_FLOAT, vs_tensor_shape(x), names[n], st);
    OK();
  }
  vs_output loss = build(g, in, st);
  OK();
  STR_EQ(vs_output_name(loss), loss_name);
  vs_gradients(g, &loss, 1, in, n, NULL, grads, st);
  OK();
  for (size_t i = 0; i < n; i++) STR_EQ(vs_output_name(grads[i]), grad_names[i]);
  vs_tensor *want_loss = golden(t, fixture, "loss", __LINE__);
  if (!want_loss) return;
  SESSION(s);
  FETCH(got_loss, s, loss);
  if (!matches(t, got_loss, want_loss, "loss", __LINE__)) return;
  for (size_t i = 0; i < n; i++) {
    FETCH(got, s, grads[i]);
    if (!matches(t, got, want[i], grad_names[i], __LINE__)) return;
  }
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define AXES(...) (&(vs_reduce_opts){.axis = (int64_t[]){__VA_ARGS__}, .n_axis = sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)})

/* y - 1.0 etc.: the Const operand of a Python operator, "<op>/y". */
static vs_output cy(vs_graph *g, float v, const char *name, vs_status *st) {
  return vs_constant_float(g, v, name, st);
}

/* ---- losses of the fixtures (tools/make_grad_goldens.py) ----------------- */

/* reduce_mean(square(matmul(x, w) + b - 1.0)) */
static vs_output mlp(vs_graph *g, const vs_output *in, vs_status *st) {
  vs_output y = vs_add(g, vs_matmul(g, in[2], in[1], NULL, st), in[0], NULL, st);
  return vs_reduce_mean(g, vs_square(g, vs_sub(g, y, cy(g, 1.0f, "sub/y/", st), NULL, st), NULL, st), NULL, st);
}

/* reduce_sum(matmul(a, b, transpose_a, transpose_b) * c) */
static vs_output matmul_loss(vs_graph *g, const vs_output *in, bool ta, bool tb, vs_status *st) {
  vs_output m = vs_matmul(g, in[0], in[1], &(vs_matmul_opts){.transpose_a = ta, .transpose_b = tb}, st);
  return vs_reduce_sum(g, vs_mul(g, m, in[2], NULL, st), NULL, st);
}
static vs_output mm(vs_graph *g, const vs_output *in, vs_status *st) { return matmul_loss(g, in, false, false, st); }
static vs_output mm_ta(vs_graph *g, const vs_output *in, vs_status *st) { return matmul_loss(g, in, true, false, st); }
static vs_output mm_tb(vs_graph *g, const vs_output *in, vs_status *st) { return matmul_loss(g, in, false, true, st); }
static vs_output mm_tab(vs_graph *g, const vs_output *in, vs_status *st) { return matmul_loss(g, in, true, true, st); }

/* names s, x, y: reduce_sum(square(((x * y - s) + y) / (s * s + 1.0))) */
static vs_output broadcast(vs_graph *g, const vs_output *in, vs_status *st) {
  vs_output s = in[0], x = in[1], y = in[2];
  vs_output z = vs_add(g, vs_sub(g, vs_mul(g, x, y, NULL, st), s, NULL, st), y, NULL, st);
  vs_output den = vs_add(g, vs_mul(g, s, s, NULL, st), cy(g, 1.0f, "add_1/y/", st), NULL, st);
  return vs_reduce_sum(g, vs_square(g, vs_truediv(g, z, den, NULL, st), NULL, st), NULL, st);
}

/* names c, x: reduce_sum(reduce_mean(x, [0, 2], keepdims) * c) + reduce_mean(square(reduce_sum(x, [1]))) */
static vs_output reductions(vs_graph *g, const vs_output *in, vs_status *st) {
  vs_reduce_opts keep = *AXES(0, 2);
  keep.keepdims = true;
  vs_output m = vs_reduce_mean(g, in[1], &keep, st);
  vs_output s = vs_reduce_sum(g, in[1], AXES(1), st);
  vs_output a = vs_reduce_sum(g, vs_mul(g, m, in[0], NULL, st), NULL, st);
  return vs_add(g, a, vs_reduce_mean(g, vs_square(g, s, NULL, st), NULL, st), NULL, st);
}

/* names b, x: y = relu(bias_add(x, b)); reduce_mean(tanh(y) * sigmoid(x) - y) */
static vs_output activations(vs_graph *g, const vs_output *in, vs_status *st) {
  vs_output y = vs_relu(g, vs_bias_add(g, in[1], in[0], NULL, st), NULL, st);
  vs_output p = vs_mul(g, vs_tanh(g, y, NULL, st), vs_sigmoid(g, in[1], NULL, st), NULL, st);
  return vs_reduce_mean(g, vs_sub(g, p, y, NULL, st), NULL, st);
}

/* names w, x: reduce_sum(square(matmul(reshape(x, [4, 6]), w))) */
static vs_output reshape(vs_graph *g, const vs_output *in, vs_status *st) {
  vs_output r = vs_reshape(g, in[1], VS_SHAPE(4, 6), NULL, st);
  return vs_reduce_sum(g, vs_square(g, vs_matmul(g, r, in[0], NULL, st), NULL, st), NULL, st);
}

/* names f, x: reduce_mean(square(conv2d(x, f, strides, padding, dilations))) */
static vs_output conv_loss(vs_graph *g, const vs_output *in, int sh, int sw, const char *padding, int dh, int dw,
                           vs_status *st) {
  vs_output y = vs_conv2d(g, in[1], in[0],
                          &(vs_conv2d_opts){.strides = {1, sh, sw, 1}, .padding = padding, .dilations = {1, dh, dw, 1}},
                          st);
  return vs_reduce_mean(g, vs_square(g, y, NULL, st), NULL, st);
}
static vs_output conv_s2x1(vs_graph *g, const vs_output *in, vs_status *st) {
  return conv_loss(g, in, 2, 1, "SAME", 1, 1, st);
}
static vs_output conv_s2(vs_graph *g, const vs_output *in, vs_status *st) {
  return conv_loss(g, in, 2, 2, "VALID", 1, 1, st);
}
static vs_output conv_dil(vs_graph *g, const vs_output *in, vs_status *st) {
  return conv_loss(g, in, 1, 1, "VALID", 2, 2, st);
}
static vs_output conv_5x5(vs_graph *g, const vs_output *in, vs_status *st) {
  return conv_loss(g, in, 1, 1, "SAME", 1, 1, st);
}

#define POOL(k1, k2, s1, s2, pad) (&(vs_pool_opts){.ksize = {1, k1, k2, 1}, .strides = {1, s1, s2, 1}, .padding = pad})

/* names x: reduce_mean(square(max_pool(x, 2x2, 2x2, VALID))) + reduce_mean(square(avg_pool(x, 3x2, 1x2, SAME))) */
static vs_output pools(vs_graph *g, const vs_output *in, vs_status *st) {
  vs_output p = vs_max_pool(g, in[0], POOL(2, 2, 2, 2, "VALID"), st);
  vs_output q = vs_avg_pool(g, in[0], POOL(3, 2, 1, 2, "SAME"), st);
  vs_output a = vs_reduce_mean(g, vs_square(g, p, NULL, st), NULL, st);
  return vs_add(g, a, vs_reduce_mean(g, vs_square(g, q, NULL, st), NULL, st), NULL, st);
}

/* names c, x: reduce_sum(max_pool(x, 3x3, 2x2, SAME) * c) + reduce_mean(square(avg_pool(x, 2x3, 2x1, VALID))) */
static vs_output pools_same(vs_graph *g, const vs_output *in, vs_status *st) {
  vs_output p = vs_max_pool(g, in[1], POOL(3, 3, 2, 2, "SAME"), st);
  vs_output q = vs_avg_pool(g, in[1], POOL(2, 3, 2, 1, "VALID"), st);
  vs_output a = vs_reduce_sum(g, vs_mul(g, p, in[0], NULL, st), NULL, st);
  return vs_add(g, a, vs_reduce_mean(g, vs_square(g, q, NULL, st), NULL, st), NULL, st);
}

/* names b, f, w, x: h = relu(bias_add(conv2d(x, f, SAME), b)); p = max_pool(h, 2x2, 2x2, SAME);
 * reduce_mean(square(matmul(reshape(p, [2, 36]), w) - 0.5)) */
static vs_output cnn(vs_graph *g, const vs_output *in, vs_status *st) {
  vs_output c = vs_conv2d(g, in[3], in[1], &(vs_conv2d_opts){.padding = "SAME"}, st);
  vs_output h = vs_relu(g, vs_bias_add(g, c, in[0], NULL, st), NULL, st);
  vs_output p = vs_max_pool(g, h, POOL(2, 2, 2, 2, "SAME"), st);
  vs_output y = vs_matmul(g, vs_reshape(g, p, VS_SHAPE(2, 36), NULL, st), in[2], NULL, st);
  return vs_reduce_mean(g, vs_square(g, vs_sub(g, y, cy(g, 0.5f, "sub/y/", st), NULL, st), NULL, st), NULL, st);
}

/* names x, z: reduce_mean(sigmoid_cross_entropy_with_logits(labels=z, logits=x * 3.0)) */
static vs_output sigmoid_xent(vs_graph *g, const vs_output *in, vs_status *st) {
  vs_output logits = vs_mul(g, in[0], cy(g, 3.0f, "mul/y/", st), NULL, st);
  return vs_reduce_mean(g, vs_sigmoid_cross_entropy_with_logits(g, in[1], logits, NULL, st), NULL, st);
}

/* names l, p: tf.losses.mean_squared_error(l, p) */
static vs_output mse(vs_graph *g, const vs_output *in, vs_status *st) {
  return vs_mean_squared_error(g, in[0], in[1], NULL, st);
}

/* names c, x: reduce_sum(square(maximum(x * 0.2, x)) * c) (a leaky relu) */
static vs_output leaky_relu(vs_graph *g, const vs_output *in, vs_status *st) {
  vs_output m = vs_maximum(g, vs_mul(g, in[1], cy(g, 0.2f, "mul/y/", st), NULL, st), in[1], NULL, st);
  return vs_reduce_sum(g, vs_mul(g, vs_square(g, m, NULL, st), in[0], NULL, st), NULL, st);
}

/* names x, y, z: reduce_sum(square(x * y + z - x)) with x [3,1], y [3,4], z [1,4] */
static vs_output broadcast_nd(vs_graph *g, const vs_output *in, vs_status *st) {
  vs_output s = vs_add(g, vs_mul(g, in[0], in[1], NULL, st), in[2], NULL, st);
  return vs_reduce_sum(g, vs_square(g, vs_sub(g, s, in[0], NULL, st), NULL, st), NULL, st);
}

/* names x, z: reduce_mean(softmax_cross_entropy_with_logits_v2(labels=z, logits=x * 2.0)) */
static vs_output softmax_xent(vs_graph *g, const vs_output *in, vs_status *st) {
  vs_output logits = vs_mul(g, in[0], cy(g, 2.0f, "mul/y/", st), NULL, st);
  vs_output xent = vs_softmax_cross_entropy_with_logits_v2(g, in[1], logits, NULL, st);
  if (xent.op && strcmp(vs_output_name(xent), "softmax_cross_entropy_with_logits/Reshape_2:0") != 0) {
    vs_status_set(st, VS_INTERNAL, vs_output_name(xent)); /* the name is TF's, or the case fails on it */
    return (vs_output){NULL, 0};
  }
  return vs_reduce_mean(g, xent, NULL, st);
}

/* ---- gradients against TensorFlow --------------------------------------- */

/* x [3,5], w [5,2], b [2]: tf.gradients(reduce_mean(square(matmul(x, w) + b - 1.0)), [b, w, x])
 *   -> gradients/add_grad/Reshape:0, gradients/MatMul_grad/MatMul_1:0, gradients/MatMul_grad/MatMul:0
 * ~ mlp/d_*.npy (the bias gradient summed over the broadcast rows)        T.grad.mlp T.grad.names */
VSC_CASE(gradients_of_mean_squared_mlp) {
  grad_case(t, g, st, "mlp", NAMES("b", "w", "x"), mlp, "Mean:0",
            NAMES("gradients/add_grad/Reshape:0", "gradients/MatMul_grad/MatMul_1:0", "gradients/MatMul_grad/MatMul:0"));
}

#define MATMUL_NAMES NAMES("gradients/MatMul_grad/MatMul:0", "gradients/MatMul_grad/MatMul_1:0", "gradients/mul_grad/Mul_1:0")

/* a [3,5], b [5,4], c [3,4]: tf.gradients(reduce_sum(matmul(a, b) * c), [a, b, c]) ~ matmul_plain/d_*.npy
 *                                                                                    T.grad.matmul */
VSC_CASE(gradients_of_matmul) { grad_case(t, g, st, "matmul_plain", NAMES("a", "b", "c"), mm, "Sum:0", MATMUL_NAMES); }

/* a [5,3]: transpose_a=True ~ matmul_ta/d_*.npy                                       T.grad.matmul */
VSC_CASE(gradients_of_matmul_transpose_a) {
  grad_case(t, g, st, "matmul_ta", NAMES("a", "b", "c"), mm_ta, "Sum:0", MATMUL_NAMES);
}

/* b [4,5]: transpose_b=True ~ matmul_tb/d_*.npy                                       T.grad.matmul */
VSC_CASE(gradients_of_matmul_transpose_b) {
  grad_case(t, g, st, "matmul_tb", NAMES("a", "b", "c"), mm_tb, "Sum:0", MATMUL_NAMES);
}

/* a [5,3], b [4,5]: both transposed ~ matmul_tab/d_*.npy                              T.grad.matmul */
VSC_CASE(gradients_of_matmul_transpose_both) {
  grad_case(t, g, st, "matmul_tab", NAMES("a", "b", "c"), mm_tab, "Sum:0", MATMUL_NAMES);
}

/* s [], x [4,3], y [3]: tf.gradients(reduce_sum(square(((x * y - s) + y) / (s * s + 1.0))), [s, x, y])
 *   -> gradients/AddN:0, gradients/mul_grad/Mul:0, gradients/AddN_1:0 ~ broadcast/d_*.npy
 * (scalar and trailing-dims broadcasts summed back, several paths added by AddN) T.grad.broadcast T.grad.add_n */
VSC_CASE(gradients_of_broadcasting_arithmetic) {
  grad_case(t, g, st, "broadcast", NAMES("s", "x", "y"), broadcast, "Sum:0",
            NAMES("gradients/AddN:0", "gradients/mul_grad/Mul:0", "gradients/AddN_1:0"));
}

/* c [1,3,1], x [2,3,5]: tf.gradients(reduce_sum(reduce_mean(x, [0, 2], keepdims=True) * c)
 *   + reduce_mean(square(reduce_sum(x, [1]))), [c, x]) ~ reductions/d_*.npy             T.grad.reduce */
VSC_CASE(gradients_of_reductions) {
  grad_case(t, g, st, "reductions", NAMES("c", "x"), reductions, "add:0",
            NAMES("gradients/mul_grad/Mul_1:0", "gradients/AddN:0"));
}

/* b [7], x [4,7]: y = relu(bias_add(x, b)); tf.gradients(reduce_mean(tanh(y) * sigmoid(x) - y), [b, x])
 *   -> gradients/BiasAdd_grad/BiasAddGrad:0, gradients/AddN_1:0 ~ activations/d_*.npy     T.grad.activations */
VSC_CASE(gradients_of_activations) {
  grad_case(t, g, st, "activations", NAMES("b", "x"), activations, "Mean:0",
            NAMES("gradients/BiasAdd_grad/BiasAddGrad:0", "gradients/AddN_1:0"));
}

/* w [6,5], x [2,3,4]: tf.gradients(reduce_sum(square(matmul(reshape(x, [4, 6]), w))), [w, x])
 *   -> gradients/MatMul_grad/MatMul_1:0, gradients/Reshape_grad/Reshape:0 ~ reshape/d_*.npy  T.grad.reshape */
VSC_CASE(gradients_of_reshape) {
  grad_case(t, g, st, "reshape", NAMES("w", "x"), reshape, "Sum:0",
            NAMES("gradients/MatMul_grad/MatMul_1:0", "gradients/Reshape_grad/Reshape:0"));
}

#define CONV_NAMES NAMES("gradients/Conv2D_grad/Conv2DBackpropFilter:0", "gradients/Conv2D_grad/Conv2DBackpropInput:0")

/* f [3,2,3,4], x [2,7,6,3]: tf.gradients(reduce_mean(square(conv2d(x, f, [1,2,1,1], "SAME"))), [f, x])
 *   -> Conv2DBackpropFilter, Conv2DBackpropInput ~ conv_same_s2x1/d_*.npy
 * (device kernels; sums of up to 84 products: tolerance the suite's)                   T.grad.conv2d */
VSC_CASE(gradients_of_conv2d_same_unequal_strides) {
  grad_case(t, g, st, "conv_same_s2x1", NAMES("f", "x"), conv_s2x1, "Mean:0", CONV_NAMES);
}

/* f [3,3,3,5], x [2,9,7,3]: conv2d(x, f, [1,2,2,1], "VALID") ~ conv_valid_s2/d_*.npy        T.grad.conv2d */
VSC_CASE(gradients_of_conv2d_valid_stride2) {
  grad_case(t, g, st, "conv_valid_s2", NAMES("f", "x"), conv_s2, "Mean:0", CONV_NAMES);
}

/* f [3,2,2,3], x [1,9,8,2]: conv2d(x, f, [1,1,1,1], "VALID", dilations=[1,2,2,1])
 * ~ conv_valid_dilated/d_*.npy                                                              T.grad.conv2d */
VSC_CASE(gradients_of_conv2d_dilated) {
  grad_case(t, g, st, "conv_valid_dilated", NAMES("f", "x"), conv_dil, "Mean:0", CONV_NAMES);
}

/* f [5,5,2,3], x [1,6,5,2]: conv2d(x, f, [1,1,1,1], "SAME"), a filter wider than the input's
 * width ~ conv_same_5x5/d_*.npy                                                             T.grad.conv2d */
VSC_CASE(gradients_of_conv2d_same_5x5) {
  grad_case(t, g, st, "conv_same_5x5", NAMES("f", "x"), conv_5x5, "Mean:0", CONV_NAMES);
}

/* x [2,7,6,3]: max_pool 2x2/2 VALID and avg_pool 3x2/1x2 SAME of one input; the two
 * gradients (MaxPoolGrad, AvgPoolGrad) summed by gradients/AddN ~ pools/d_x.npy           T.grad.pool */
VSC_CASE(gradients_of_max_and_avg_pool) {
  grad_case(t, g, st, "pools", NAMES("x"), pools, "add:0", NAMES("gradients/AddN:0"));
}

/* c [2,4,3,2], x [2,7,5,2]: max_pool 3x3/2 SAME (windows clipped at the edges) and avg_pool
 * 2x3/2x1 VALID ~ pools_same/d_*.npy                                                          T.grad.pool */
VSC_CASE(gradients_of_pools_same_padding) {
  grad_case(t, g, st, "pools_same", NAMES("c", "x"), pools_same, "add:0",
            NAMES("gradients/mul_grad/Mul_1:0", "gradients/AddN:0"));
}

/* b [4], f [3,3,3,4], w [36,3], x [2,5,6,3]: a small CNN (conv SAME, bias_add, relu,
 * max_pool SAME, reshape, matmul, mean squared loss) ~ cnn/d_*.npy                         T.grad.cnn */
VSC_CASE(gradients_of_small_cnn) {
  grad_case(t, g, st, "cnn", NAMES("b", "f", "w", "x"), cnn, "Mean:0",
            NAMES("gradients/BiasAdd_grad/BiasAddGrad:0", "gradients/Conv2D_grad/Conv2DBackpropFilter:0",
                  "gradients/MatMul_grad/MatMul_1:0", "gradients/Conv2D_grad/Conv2DBackpropInput:0"));
}

/* x, z [4,5]: tf.gradients(reduce_mean(sigmoid_cross_entropy_with_logits(labels=z, logits=x * 3.0)), [x, z])
 *   -> gradients/mul_grad/Mul:0, gradients/logistic_loss/mul_grad/Mul_1:0 ~ sigmoid_xent/d_*.npy
 * (logits of both signs: both Select branches; Exp, Log1p)                           T.grad.loss.sigmoid_xent */
VSC_CASE(gradients_of_sigmoid_cross_entropy) {
  grad_case(t, g, st, "sigmoid_xent", NAMES("x", "z"), sigmoid_xent, "Mean:0",
            NAMES("gradients/mul_grad/Mul:0", "gradients/logistic_loss/mul_grad/Mul_1:0"));
}

/* l, p [3,7]: tf.gradients(tf.losses.mean_squared_error(l, p), [l, p])
 *   -> .../SquaredDifference_grad/Neg:0, .../SquaredDifference_grad/mul_1:0 ~ mse/d_*.npy;
 * the loss is "mean_squared_error/value:0" and joins the "losses" collection          T.grad.loss.mse */
VSC_CASE(gradients_of_mean_squared_error) {
  grad_case(t, g, st, "mse", NAMES("l", "p"), mse, "mean_squared_error/value:0",
            NAMES("gradients/mean_squared_error/SquaredDifference_grad/Neg:0",
                  "gradients/mean_squared_error/SquaredDifference_grad/mul_1:0"));
  if (t->result != VSC_PASS) return;
  vs_item item;
  INT_EQ(vs_get_collection(g, VS_LOSSES, NULL, &item, 1, st), 1);
  STR_EQ(vs_op_name(item.op), "mean_squared_error/value");
}

/* c [6], x [5,6]: tf.gradients(reduce_sum(square(maximum(x * 0.2, x)) * c), [c, x])
 *   -> gradients/mul_1_grad/Reshape:0, gradients/AddN:0 ~ leaky_relu/d_*.npy
 * (Maximum's gradient: GreaterEqual and SelectV2; both branches reach x)              T.grad.maximum */
VSC_CASE(gradients_of_leaky_relu_maximum) {
  grad_case(t, g, st, "leaky_relu", NAMES("c", "x"), leaky_relu, "Sum:0",
            NAMES("gradients/mul_1_grad/Reshape:0", "gradients/AddN:0"));
}

/* x [3,1], y [3,4], z [1,4]: tf.gradients(reduce_sum(square(x * y + z - x)), [x, y, z])
 *   -> gradients/AddN:0, gradients/mul_grad/Mul_1:0, gradients/add_grad/Reshape:0 ~ broadcast_nd/d_*.npy
 * (numpy broadcasts along a middle dimension: [3,1] * [3,4], [3,4] + [1,4])         T.grad.broadcast_nd */
VSC_CASE(gradients_of_numpy_broadcasts) {
  grad_case(t, g, st, "broadcast_nd", NAMES("x", "y", "z"), broadcast_nd, "Sum:0",
            NAMES("gradients/AddN:0", "gradients/mul_grad/Mul_1:0", "gradients/add_grad/Reshape:0"));
}

/* x, z [4,6]: tf.gradients(reduce_mean(softmax_cross_entropy_with_logits_v2(labels=z, logits=x * 2.0)), [x, z])
 *   -> gradients/mul_grad/Mul:0, gradients/softmax_cross_entropy_with_logits/Reshape_1_grad/Reshape:0
 * ~ softmax_xent/d_*.npy (the loss tensor "softmax_cross_entropy_with_logits/Reshape_2:0")  T.grad.loss.softmax_xent */
VSC_CASE(gradients_of_softmax_cross_entropy) {
  grad_case(t, g, st, "softmax_xent", NAMES("x", "z"), softmax_xent, "Mean:0",
            NAMES("gradients/mul_grad/Mul:0", "gradients/softmax_cross_entropy_with_logits/Reshape_1_grad/Reshape:0"));
}

/* ---- names and errors ---------------------------------------------------- */

/* x = constant([[1, 2], [3, 4]]); c = constant(2.0); y = reduce_sum(square(x))
 * tf.gradients(y, [x, c]) -> [gradients/Square_grad/Mul_1:0, None]; a second
 * tf.gradients(y, [x]) is under "gradients_1/"; name="g" gives "g/..."  T.grad.names T.grad.none */
VSC_CASE(gradients_scopes_and_unconnected_none) {
  float xv[4] = {1, 2, 3, 4};
  vs_output x = vs_constant(g, xv, VS_FLOAT, VS_SHAPE(2, 2), "x", st);
  CONSTF(c, 2.0f, "c");
  vs_output y = vs_reduce_sum(g, vs_square(g, x, NULL, st), NULL, st);
  OK();
  vs_output d[2];
  vs_gradients(g, &y, 1, (vs_output[]){x, c}, 2, NULL, d, st);
  OK();
  STR_EQ(vs_output_name(d[0]), "gradients/Square_grad/Mul_1:0");
  EXPECT(d[1].op == NULL, "the gradient of an unconnected x is %s, want None", vs_output_name(d[1]));
  vs_gradients(g, &y, 1, &x, 1, NULL, d, st);
  OK();
  STR_EQ(vs_output_name(d[0]), "gradients_1/Square_grad/Mul_1:0");
  vs_gradients(g, &y, 1, &x, 1, &(vs_gradients_opts){.name = "g"}, d, st);
  OK();
  STR_EQ(vs_output_name(d[0]), "g/Square_grad/Mul_1:0");
  SESSION(s);
  FETCH(v, s, d[0]);
  for (int i = 0; i < 4; i++) NEAR(FLOATS(v)[i], 2 * xv[i], 0);
}

/* x = constant(1.0); tf.gradients(x * 3.0, [x], grad_ys=[constant(0.5)]) -> 1.5: grad_ys
 * replaces the ones, passed through identity "gradients/grad_ys_0"                         T.grad.grad_ys */
VSC_CASE(gradients_with_grad_ys) {
  CONSTF(x, 1.0f, "x");
  vs_output y = vs_mul(g, x, cy(g, 3.0f, "mul/y/", st), NULL, st);
  CONSTF(gy, 0.5f, "gy");
  vs_output d;
  vs_gradients(g, &y, 1, &x, 1, &(vs_gradients_opts){.grad_ys = &gy}, &d, st);
  OK();
  STR_EQ(vs_output_name(d), "gradients/mul_grad/Mul:0");
  vs_op *id = vs_graph_operation_by_name(g, "gradients/grad_ys_0");
  EXPECT(id != NULL, "no gradients/grad_ys_0");
  STR_EQ(vs_op_type(id), "Identity");
  STR_EQ(vs_output_name(vs_op_input(id, 0)), "gy:0");
  SESSION(s);
  FETCH(v, s, d);
  NEAR(FLOATS(v)[0], 1.5, 0);
}

/* x = constant([1., 2.]); with tf.device("/job:w/task:1"): y = x * 2.0; l = reduce_sum(y)
 * tf.gradients(l, [x], colocate_gradients_with_ops=True): mul's gradient ops take mul's device
 * ("gradients/mul_grad/Mul", "gradients/mul_grad/Sum" on /job:w/task:1), Sum's keep none ("");
 * without colocation every gradient op is unplaced                                     T.grad.colocate */
VSC_CASE(gradients_colocated_with_ops) {
  float xv[2] = {1, 2};
  vs_output x = vs_constant(g, xv, VS_FLOAT, VS_SHAPE(2), "x", st);
  OK();
  vs_device_push(g, "/job:w/task:1", st);
  OK();
  vs_output y = vs_mul(g, x, cy(g, 2.0f, "mul/y/", st), NULL, st);
  vs_device_pop(g, st);
  OK();
  vs_output l = vs_reduce_sum(g, y, NULL, st);
  OK();
  vs_output d;
  vs_gradients(g, &l, 1, &x, 1, &(vs_gradients_opts){.colocate_gradients_with_ops = true}, &d, st);
  OK();
  STR_EQ(vs_output_name(d), "gradients/mul_grad/Mul:0");
  STR_EQ(vs_op_device(d.op), "/job:w/task:1");
  STR_EQ(vs_op_device(vs_graph_operation_by_name(g, "gradients/mul_grad/Sum")), "/job:w/task:1");
  STR_EQ(vs_op_device(vs_graph_operation_by_name(g, "gradients/Sum_grad/Tile")), "");
  vs_gradients(g, &l, 1, &x, 1, NULL, &d, st);
  OK();
  STR_EQ(vs_output_name(d), "gradients_1/mul_grad/Mul:0");
  STR_EQ(vs_op_device(d.op), "");
}

/* v = get_variable("v", [2]); tf.gradients(tf.is_variable_initialized(v), [v]): LookupError
 * "No gradient defined for operation'IsVariableInitialized' (op type: IsVariableInitialized). ..."
 * (TF's text, its missing space included; code NOT_FOUND)                          T.grad.error.lookup */
VSC_CASE(gradients_through_op_without_gradient_lookup_error) {
  GETV(v, "v", .shape = VS_SHAPE(2));
  vs_output init = vs_is_variable_initialized(g, v, st);
  OK();
  vs_output d = {NULL, 0}, x = vs_op_output(vs_var_op(v));
  vs_gradients(g, &init, 1, &x, 1, NULL, &d, st);
  ERR(VS_NOT_FOUND, "LookupError",
      "No gradient defined for operation'IsVariableInitialized' (op type: IsVariableInitialized). In general every "
      "operation must have an associated `@tf.RegisterGradient` for correct autodiff, which this op is lacking. If "
      "you want to pretend this operation is a constant in your program, you may insert `tf.stop_gradient`. This "
      "can be useful to silence the error in cases where you know gradients are not needed, e.g. the forward pass "
      "of tf.custom_gradient. Please see more details in "
      "https://www.tensorflow.org/api_docs/python/tf/custom_gradient.");
  EXPECT(d.op == NULL, "a gradient was returned with the error");
}

/* ---- optimizers ------------------------------------------------------------
 * Optimizer trajectories: from the same initial values, 5 steps of each
 * optimizer must end at TensorFlow 2.21's losses and values, which the C
 * cases hold as constants and the twins recompute under TensorFlow and
 * compare with the same constants. Tolerance: |got - want| <= 2e-6 * (1 +
 * |want|) per element (float32 updates in TF's order; sqrt, division and
 * FMA contraction rounded by another compiler). */

/* The inputs of op as "a:0 b:0 ^c" (control inputs last, '^'). */
static const char *opt_inputs(vs_op *op, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; op && i < vs_op_num_inputs(op); i++)
    len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", len ? " " : "",
                            vs_output_name(vs_op_input(op, i)));
  for (size_t i = 0; op && i < vs_op_num_control_inputs(op); i++)
    len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s^%s", len ? " " : "",
                            vs_op_name(vs_op_control_input(op, i)));
  return buf;
}

/* The op `name` has type `type` and inputs `ins` (opt_inputs' form). */
#define OPT_OP(name, type, ins)                                                   \
  do {                                                                            \
    vs_op *vsc_op_ = vs_graph_operation_by_name(g, (name));                       \
    char vsc_ib_[1024];                                                           \
    EXPECT(vsc_op_ != NULL, "no op %s", (name));                                  \
    STR_EQ(vs_op_type(vsc_op_), type);                                            \
    STR_EQ(opt_inputs(vsc_op_, vsc_ib_, sizeof vsc_ib_), ins);                    \
  } while (0)

/* layer/w (2x3, ones), layer/b (3, zeros) and their gradients' placeholders. */
#define OPT_MODEL()                                                                          \
  VSCOPE(layer, "layer");                                                                    \
  GETV(w, "w", .shape = VS_SHAPE(2, 3), .initializer = vs_ones_initializer());               \
  GETV(b, "b", .shape = VS_SHAPE(3), .initializer = vs_zeros_initializer());                 \
  VPOP(layer);                                                                               \
  vs_output gw = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2, 3), "gw", st);                      \
  OK();                                                                                      \
  vs_output gb = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3), "gb", st);                         \
  OK();                                                                                      \
  vs_grad_and_var gv[2] = {{gw, w}, {gb, b}}

/* Frees the optimizer when the case returns, failed or not. */
static void opt_release(vs_optimizer **o) { vs_optimizer_free(*o); }
#define OPTIMIZER(o, make)                                                             \
  vs_optimizer *o __attribute__((cleanup(opt_release))) = (make);                     \
  OK()

VSC_CASE(optimizer_gradient_descent_graph) {
  OPT_MODEL();
  OPTIMIZER(o, vs_gradient_descent_optimizer(0.1, NULL, st));
  vs_op *train = vs_optimizer_apply_gradients(o, gv, 2, NULL, st);
  OK();
  STR_EQ(vs_op_name(train), "GradientDescent");
  STR_EQ(vs_op_type(train), "NoOp");
  OPT_OP("GradientDescent/learning_rate", "Const", "");
  OPT_OP("GradientDescent/update_layer/w/ApplyGradientDescent", "ApplyGradientDescent",
         "layer/w:0 GradientDescent/learning_rate:0 gw:0");
  OPT_OP("GradientDescent/update_layer/b/ApplyGradientDescent", "ApplyGradientDescent",
         "layer/b:0 GradientDescent/learning_rate:0 gb:0");
  OPT_OP("GradientDescent", "NoOp",
         "^GradientDescent/update_layer/w/ApplyGradientDescent ^GradientDescent/update_layer/b/ApplyGradientDescent");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "layer/w:0 layer/b:0");
  vs_item items[2];
  INT_EQ(vs_get_collection(g, VS_TRAIN_OP, NULL, items, 2, st), 1);
  EXPECT(items[0].op == train, "TRAIN_OP holds another op");
}

VSC_CASE(optimizer_momentum_slots) {
  OPT_MODEL();
  OPTIMIZER(o, vs_momentum_optimizer(0.1, 0.9, NULL, st));
  vs_op *train = vs_optimizer_apply_gradients(o, gv, 2, NULL, st);
  OK();
  STR_EQ(vs_op_name(train), "Momentum");
  vs_var *slot = vs_optimizer_get_slot(o, w, "momentum");
  VAR_NAME(slot, "layer/w/Momentum:0");
  EXPECT(!vs_var_trainable(slot), "a slot is trainable");
  SHAPE_STR(vs_var_shape(slot), "(2, 3)");
  EXPECT(vs_optimizer_get_slot(o, w, "m") == NULL, "an unknown slot name gave a slot");
  OPT_OP("layer/w/Momentum/Initializer/zeros", "Const", "");
  OPT_OP("layer/w/Momentum/Assign", "Assign", "layer/w/Momentum:0 layer/w/Momentum/Initializer/zeros:0");
  OPT_OP("Momentum/learning_rate", "Const", "");
  OPT_OP("Momentum/momentum", "Const", "");
  OPT_OP("Momentum/update_layer/w/ApplyMomentum", "ApplyMomentum",
         "layer/w:0 layer/w/Momentum:0 Momentum/learning_rate:0 gw:0 Momentum/momentum:0");
  OPT_OP("Momentum", "NoOp", "^Momentum/update_layer/w/ApplyMomentum ^Momentum/update_layer/b/ApplyMomentum");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "layer/w:0 layer/b:0 layer/w/Momentum:0 layer/b/Momentum:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "layer/w:0 layer/b:0");
  const char *names[2];
  INT_EQ(vs_optimizer_get_slot_names(o, names, 2), 1);
  STR_EQ(names[0], "momentum");
}

VSC_CASE(optimizer_second_momentum_uniquifies_slots) {
  OPT_MODEL();
  OPTIMIZER(o1, vs_momentum_optimizer(0.1, 0.9, NULL, st));
  OPTIMIZER(o2, vs_momentum_optimizer(0.1, 0.9, NULL, st));
  vs_optimizer_apply_gradients(o1, gv, 1, NULL, st);
  OK();
  vs_op *t2 = vs_optimizer_apply_gradients(o2, gv, 1, NULL, st);
  OK();
  VAR_NAME(vs_optimizer_get_slot(o1, w, "momentum"), "layer/w/Momentum:0");
  VAR_NAME(vs_optimizer_get_slot(o2, w, "momentum"), "layer/w/Momentum_1:0");
  STR_EQ(vs_op_name(t2), "Momentum_1");
  EXPECT(vs_optimizer_get_slot(o1, b, "momentum") == NULL, "b has a slot without a gradient");
}

VSC_CASE(optimizer_adam_graph) {
  OPT_MODEL();
  OPTIMIZER(o, vs_adam_optimizer(NULL, st));
  vs_op *train = vs_optimizer_apply_gradients(o, gv, 2, NULL, st);
  OK();
  STR_EQ(vs_op_name(train), "Adam");
  VAR_NAME(vs_optimizer_get_non_slot_variable(o, g, "beta1_power"), "beta1_power:0");
  VAR_NAME(vs_optimizer_get_non_slot_variable(o, g, "beta2_power"), "beta2_power:0");
  VAR_NAME(vs_optimizer_get_slot(o, w, "m"), "layer/w/Adam:0");
  VAR_NAME(vs_optimizer_get_slot(o, w, "v"), "layer/w/Adam_1:0");
  OPT_OP("beta1_power/initial_value", "Const", "");
  OPT_OP("beta1_power/Assign", "Assign", "beta1_power:0 beta1_power/initial_value:0");
  OPT_OP("Adam/update_layer/w/ApplyAdam", "ApplyAdam",
         "layer/w:0 layer/w/Adam:0 layer/w/Adam_1:0 beta1_power/read:0 beta2_power/read:0 Adam/learning_rate:0 "
         "Adam/beta1:0 Adam/beta2:0 Adam/epsilon:0 gw:0");
  OPT_OP("Adam/mul", "Mul", "beta1_power/read:0 Adam/beta1:0 ^Adam/update_layer/w/ApplyAdam ^Adam/update_layer/b/ApplyAdam");
  OPT_OP("Adam/Assign", "Assign", "beta1_power:0 Adam/mul:0");
  OPT_OP("Adam/mul_1", "Mul", "beta2_power/read:0 Adam/beta2:0 ^Adam/update_layer/w/ApplyAdam ^Adam/update_layer/b/ApplyAdam");
  OPT_OP("Adam/Assign_1", "Assign", "beta2_power:0 Adam/mul_1:0");
  OPT_OP("Adam", "NoOp", "^Adam/update_layer/w/ApplyAdam ^Adam/update_layer/b/ApplyAdam ^Adam/Assign ^Adam/Assign_1");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL,
             "layer/w:0 layer/b:0 beta1_power:0 beta2_power:0 layer/w/Adam:0 layer/w/Adam_1:0 layer/b/Adam:0 "
             "layer/b/Adam_1:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "layer/w:0 layer/b:0");
}

VSC_CASE(optimizer_adam_in_outer_scopes) {
  OPT_MODEL();
  VSCOPE(outer, "outer");
  NSCOPE(ns, "ns");
  OPTIMIZER(o, vs_adam_optimizer(NULL, st));
  vs_op *train = vs_optimizer_apply_gradients(o, gv, 2, &(vs_apply_opts){.name = "train"}, st);
  OK();
  NPOP();
  VPOP(outer);
  STR_EQ(vs_op_name(train), "outer/ns/train");
  VAR_NAME(vs_optimizer_get_slot(o, w, "m"), "outer/layer/w/Adam:0");
  VAR_NAME(vs_optimizer_get_non_slot_variable(o, g, "beta1_power"), "outer/ns/beta1_power:0");
  EXPECT(vs_graph_operation_by_name(g, "outer/ns/train/update_layer/b/ApplyAdam"), "no ApplyAdam for b");
}

VSC_CASE(optimizer_rmsprop_centered_slots) {
  OPT_MODEL();
  OPTIMIZER(o, vs_rmsprop_optimizer(0.01, &(vs_rmsprop_opts){.momentum = VS_OPT_DOUBLE(0.9), .centered = true}, st));
  vs_optimizer_apply_gradients(o, gv, 2, NULL, st);
  OK();
  VAR_NAME(vs_optimizer_get_slot(o, w, "rms"), "layer/w/RMSProp:0");
  VAR_NAME(vs_optimizer_get_slot(o, w, "mg"), "layer/w/RMSProp_1:0");
  VAR_NAME(vs_optimizer_get_slot(o, w, "momentum"), "layer/w/RMSProp_2:0");
  OPT_OP("layer/w/RMSProp/Initializer/ones", "Const", "");
  OPT_OP("RMSProp/decay", "Const", "");
  OPT_OP("RMSProp/update_layer/w/ApplyCenteredRMSProp", "ApplyCenteredRMSProp",
         "layer/w:0 layer/w/RMSProp_1:0 layer/w/RMSProp:0 layer/w/RMSProp_2:0 RMSProp/learning_rate:0 "
         "RMSProp/decay:0 RMSProp/momentum:0 RMSProp/epsilon:0 gw:0");
  const char *names[3];
  INT_EQ(vs_optimizer_get_slot_names(o, names, 3), 3);
  STR_EQ(names[0], "mg");
  STR_EQ(names[1], "momentum");
  STR_EQ(names[2], "rms");
}

VSC_CASE(optimizer_slots_placed_with_variable) {
  EXPECT(vs_device_push(g, "/cpu:0", st), "device push");
  GETV(v, "v", .shape = VS_SHAPE(4));
  vs_device_pop(g, st);
  vs_output grad = vs_placeholder(g, VS_FLOAT, VS_SHAPE(4), "g", st);
  OK();
  EXPECT(vs_device_push(g, "/device:GPU:3", st), "device push");
  OPTIMIZER(o, vs_adam_optimizer(NULL, st));
  vs_optimizer_apply_gradients(o, &(vs_grad_and_var){grad, v}, 1, NULL, st);
  OK();
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(vs_var_op(vs_optimizer_get_slot(o, v, "m"))), "/device:CPU:0");
  STR_EQ(vs_op_device(vs_var_op(vs_optimizer_get_non_slot_variable(o, g, "beta1_power"))), "/device:CPU:0");
  STR_EQ(vs_op_device(vs_graph_operation_by_name(g, "Adam/update_v/ApplyAdam")), "/device:CPU:0");
  STR_EQ(vs_op_device(vs_graph_operation_by_name(g, "Adam/learning_rate")), "/device:GPU:3");
}

VSC_CASE(optimizer_global_step_ops) {
  OPT_MODEL();
  VSCOPE(foo, "foo");
  vs_var *step = vs_train_get_or_create_global_step(g, st);
  OK();
  VPOP(foo);
  VAR_NAME(step, "foo/global_step:0");
  EXPECT(vs_var_dtype(step) == VS_INT64 && !vs_var_trainable(step), "global_step is not a non-trainable int64");
  COLLECTION(VS_GLOBAL_STEP, NULL, "foo/global_step:0");
  EXPECT(vs_train_get_or_create_global_step(g, st) == step, "a second global step");
  vs_train_create_global_step(g, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "\"global_step\" already exists.");
  OPTIMIZER(o, vs_gradient_descent_optimizer(0.1, &(vs_optimizer_opts){.name = "sgd"}, st));
  vs_op *train = vs_optimizer_apply_gradients(o, gv, 2, &(vs_apply_opts){.global_step = step}, st);
  OK();
  STR_EQ(vs_op_name(train), "sgd");
  OPT_OP("sgd/update", "NoOp", "^sgd/update_layer/w/ApplyGradientDescent ^sgd/update_layer/b/ApplyGradientDescent");
  OPT_OP("sgd/value", "Const", "^sgd/update");
  OPT_OP("sgd", "AssignAdd", "foo/global_step:0 sgd/value:0");
}

VSC_CASE(optimizer_global_step_must_be_integer) {
  float one = 1.5f;
  VARIABLE(v, .name = "global_step", .initial_value = vs_value_initializer(&one, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  vs_train_get_or_create_global_step(g, st);
  ERR(VS_INVALID_ARGUMENT, "TypeError", "Existing \"global_step\" does not have integer type: <dtype: 'float32_ref'>");
}

VSC_CASE(optimizer_apply_gradients_errors) {
  OPT_MODEL();
  OPTIMIZER(o, vs_gradient_descent_optimizer(0.1, NULL, st));
  vs_optimizer_apply_gradients(o, gv, 0, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "No variables provided.");
  vs_grad_and_var none[2] = {{{0}, w}, {{0}, b}};
  vs_optimizer_apply_gradients(o, none, 2, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "No gradients provided for any variable: [\"<tf.Variable 'layer/w:0' shape=(2, 3) dtype=float32_ref>\", "
      "\"<tf.Variable 'layer/b:0' shape=(3,) dtype=float32_ref>\"].");
  vs_optimizer_apply_gradients(o, &(vs_grad_and_var){gb, w}, 1, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Shapes must be equal rank, but are 2 and 1 for '{{node GradientDescent/update_layer/w/ApplyGradientDescent}} "
      "= ApplyGradientDescent[T=DT_FLOAT, use_locking=false](layer/w, GradientDescent/learning_rate, gb)' with "
      "input shapes: [2,3], [], [3].");
  vs_output ints = vs_placeholder(g, VS_INT32, VS_SHAPE(2, 3), "ints", st);
  OK();
  vs_optimizer_apply_gradients(o, &(vs_grad_and_var){ints, w}, 1, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "TypeError",
      "Input 'delta' of 'ApplyGradientDescent' Op has type int32 that does not match type float32 of argument 'var'.");
  OPTIMIZER(m, vs_momentum_optimizer(0.1, 0.9, NULL, st));
  vs_output tall = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3, 2), "tall", st);
  OK();
  vs_optimizer_apply_gradients(m, &(vs_grad_and_var){tall, w}, 1, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes are [2,3] and [3,2]. for '{{node "
      "Momentum/update_layer/w/ApplyMomentum}} = ApplyMomentum[T=DT_FLOAT, use_locking=false, "
      "use_nesterov=false](layer/w, layer/w/Momentum, Momentum/learning_rate, tall, Momentum/momentum)' with input "
      "shapes: [2,3], [2,3], [], [3,2], [].");
}

VSC_CASE(optimizer_minimize_errors) {
  GETV(w, "w", .shape = VS_SHAPE(2, 3));
  GETV(c, "c", .shape = VS_SHAPE(1));
  vs_output loss = vs_reduce_sum(g, vs_var_value(w), NULL, st);
  OK();
  OPTIMIZER(o, vs_gradient_descent_optimizer(0.1, NULL, st));
  vs_optimizer_minimize(o, loss, &(vs_minimize_opts){.var_list = &c, .n_vars = 0}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "No variables to optimize.");
  vs_optimizer_minimize(o, loss, &(vs_minimize_opts){.var_list = &c, .n_vars = 1}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "No gradients provided for any variable, check your graph for ops that do not support gradients, between "
      "variables [\"<tf.Variable 'c:0' shape=(1,) dtype=float32_ref>\"] and loss Tensor(\"Sum:0\", shape=(), "
      "dtype=float32).");
  vs_output ione = vs_constant_int32(g, 1, "ione", st);
  OK();
  vs_optimizer_minimize(o, ione, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Invalid type tf.int32 for ione:0, expected: [tf.float32, tf.float64, tf.float16, tf.bfloat16].");
}

/* sub = x - c on /job:w/task:1, l = reduce_sum(sub) on /job:w/task:0;
 * tf.gradients(l, [x, c], colocate_gradients_with_ops=True,
 * gate_gradients=True): sub_grad's two gradients (Sum_grad/Tile on task 0,
 * Neg on task 1) are gated by a group over two devices: a NoOp per device
 * under "group_deps" (sorted by device), "group_deps" over them
 * (unplaced), each Identity on its gradient's device and colocated with
 * it (loc:@Sum, loc:@sub: the gradients' own groups)          T.grad.names T.grad.colocate */
VSC_CASE(gradients_gated_across_devices) {
  float xv[2] = {1, 2}, cv[2] = {3, 4};
  vs_output x = vs_constant(g, xv, VS_FLOAT, VS_SHAPE(2), "x", st);
  vs_output c = vs_constant(g, cv, VS_FLOAT, VS_SHAPE(2), "c", st);
  OK();
  vs_device_push(g, "/job:w/task:1", st);
  OK();
  vs_output s = vs_sub(g, x, c, NULL, st);
  vs_device_pop(g, st);
  OK();
  vs_device_push(g, "/job:w/task:0", st);
  OK();
  vs_output l = vs_reduce_sum(g, s, NULL, st);
  vs_device_pop(g, st);
  OK();
  vs_output d[2];
  vs_gradients(g, &l, 1, (vs_output[]){x, c}, 2,
               &(vs_gradients_opts){.colocate_gradients_with_ops = true, .gate_gradients = true}, d, st);
  OK();
  STR_EQ(vs_output_name(d[0]), "gradients/sub_grad/tuple/control_dependency:0");
  STR_EQ(vs_output_name(d[1]), "gradients/sub_grad/tuple/control_dependency_1:0");
  OPT_OP("gradients/sub_grad/tuple/group_deps/NoOp", "NoOp", "^gradients/Sum_grad/Tile");
  OPT_OP("gradients/sub_grad/tuple/group_deps/NoOp_1", "NoOp", "^gradients/sub_grad/Neg");
  OPT_OP("gradients/sub_grad/tuple/group_deps", "NoOp",
         "^gradients/sub_grad/tuple/group_deps/NoOp ^gradients/sub_grad/tuple/group_deps/NoOp_1");
  OPT_OP("gradients/sub_grad/tuple/control_dependency", "Identity",
         "gradients/Sum_grad/Tile:0 ^gradients/sub_grad/tuple/group_deps");
  OPT_OP("gradients/sub_grad/tuple/control_dependency_1", "Identity",
         "gradients/sub_grad/Neg:0 ^gradients/sub_grad/tuple/group_deps");
  STR_EQ(vs_op_device(vs_graph_operation_by_name(g, "gradients/sub_grad/tuple/group_deps/NoOp")), "/job:w/task:0");
  STR_EQ(vs_op_device(vs_graph_operation_by_name(g, "gradients/sub_grad/tuple/group_deps/NoOp_1")), "/job:w/task:1");
  STR_EQ(vs_op_device(vs_graph_operation_by_name(g, "gradients/sub_grad/tuple/group_deps")), "");
  STR_EQ(vs_op_device(d[0].op), "/job:w/task:0");
  STR_EQ(vs_op_device(d[1].op), "/job:w/task:1");
  const char *grp[2] = {NULL, NULL};
  INT_EQ(vs_op_colocation_groups(d[0].op, grp, 2), 1);
  STR_EQ(grp[0], "loc:@Sum");
  INT_EQ(vs_op_colocation_groups(d[1].op, grp, 2), 1);
  STR_EQ(grp[0], "loc:@sub");
}

/* loss = reduce_sum(square(matmul(x, w) + b)); compute_gradients with
 * TF's default GATE_OP reads "<op>_grad/tuple/control_dependency_1"; GATE_GRAPH
 * gates the ungated gradients with one "tuple" at the caller's scope (its
 * group over them in creation order); GATE_NONE leaves tf.gradients'
 * names; minimize's Apply ops read the gated gradients. Errors: an
 * unknown gate value, and GATE_GRAPH with no gradient (TF's tuple, whose
 * name scope is used up all the same: the next tuple is "tuple_2")
 *                                                              T.grad.names T.train.names T.train.errors */
VSC_CASE(optimizer_gate_gradients) {
  float xv[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  vs_output x = vs_constant(g, xv, VS_FLOAT, VS_SHAPE(4, 2), "x", st);
  OK();
  GETV(w, "w", .shape = VS_SHAPE(2, 3));
  GETV(b, "b", .shape = VS_SHAPE(3));
  GETV(c, "c", .shape = VS_SHAPE(1));
  vs_output loss = vs_reduce_sum(g, vs_square(g, vs_add(g, vs_matmul(g, x, vs_var_value(w), NULL, st),
                                                        vs_var_value(b), NULL, st), NULL, st), NULL, st);
  OK();
  OPTIMIZER(o, vs_gradient_descent_optimizer(0.1, NULL, st));
  vs_var *wb[2] = {w, b};
  vs_grad_and_var gv[2];
  INT_EQ(vs_optimizer_compute_gradients(o, loss, &(vs_compute_gradients_opts){.var_list = wb, .n_vars = 2}, gv, 2,
                                        st), 2);
  OK();
  STR_EQ(vs_output_name(gv[0].grad), "gradients/MatMul_grad/tuple/control_dependency_1:0");
  STR_EQ(vs_output_name(gv[1].grad), "gradients/add_grad/tuple/control_dependency_1:0");
  INT_EQ(vs_optimizer_compute_gradients(
             o, loss, &(vs_compute_gradients_opts){.var_list = wb, .n_vars = 2, .gate_gradients = VS_GATE_GRAPH}, gv,
             2, st), 2);
  OK();
  STR_EQ(vs_output_name(gv[0].grad), "tuple/control_dependency:0");
  STR_EQ(vs_output_name(gv[1].grad), "tuple/control_dependency_1:0");
  OPT_OP("tuple/group_deps", "NoOp", "^gradients_1/add_grad/Reshape ^gradients_1/MatMul_grad/MatMul_1");
  OPT_OP("tuple/control_dependency", "Identity", "gradients_1/MatMul_grad/MatMul_1:0 ^tuple/group_deps");
  OPT_OP("tuple/control_dependency_1", "Identity", "gradients_1/add_grad/Reshape:0 ^tuple/group_deps");
  INT_EQ(vs_optimizer_compute_gradients(
             o, loss, &(vs_compute_gradients_opts){.var_list = wb, .n_vars = 2, .gate_gradients = VS_GATE_NONE}, gv,
             2, st), 2);
  OK();
  STR_EQ(vs_output_name(gv[0].grad), "gradients_2/MatMul_grad/MatMul_1:0");
  STR_EQ(vs_output_name(gv[1].grad), "gradients_2/add_grad/Reshape:0");
  vs_op *train = vs_optimizer_minimize(o, loss, &(vs_minimize_opts){.var_list = wb, .n_vars = 2}, st);
  OK();
  STR_EQ(vs_op_name(train), "GradientDescent");
  OPT_OP("GradientDescent/update_w/ApplyGradientDescent", "ApplyGradientDescent",
         "w:0 GradientDescent/learning_rate:0 gradients_3/MatMul_grad/tuple/control_dependency_1:0");
  OPT_OP("GradientDescent/update_b/ApplyGradientDescent", "ApplyGradientDescent",
         "b:0 GradientDescent/learning_rate:0 gradients_3/add_grad/tuple/control_dependency_1:0");
  vs_optimizer_compute_gradients(o, loss, &(vs_compute_gradients_opts){.gate_gradients = (vs_gate_gradients)7}, gv,
                                 2, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "gate_gradients must be one of: Optimizer.GATE_NONE, Optimizer.GATE_OP, Optimizer.GATE_GRAPH.  Not 7");
  vs_optimizer_compute_gradients(
      o, loss, &(vs_compute_gradients_opts){.var_list = &c, .n_vars = 1, .gate_gradients = VS_GATE_GRAPH}, gv, 2, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "'tensors' must have at least one Tensor. Received: [None].");
  INT_EQ(vs_optimizer_compute_gradients(
             o, loss, &(vs_compute_gradients_opts){.var_list = wb, .n_vars = 2, .gate_gradients = VS_GATE_GRAPH}, gv,
             2, st), 2);
  OK();
  STR_EQ(vs_output_name(gv[0].grad), "tuple_2/control_dependency:0");
}

/* Run-time errors are TF's kernels' (TF prefixes "Graph execution error"
 * and where the node was defined; the C message is TF's OpError message). */
VSC_CASE(optimizer_run_time_errors) {
  GETV(v, "v", .shape = VS_SHAPE(3));
  vs_output grad = vs_placeholder(g, VS_FLOAT, VS_UNKNOWN_SHAPE, "g", st);
  OK();
  OPTIMIZER(o, vs_momentum_optimizer(0.1, 0.9, NULL, st));
  vs_op *train = vs_optimizer_apply_gradients(o, &(vs_grad_and_var){grad, v}, 1, NULL, st);
  OK();
  SESSION(s);
  RUN(s, vs_var_initializer_op(v));
  float two[2] = {1, 2}, three[3] = {1, 2, 3};
  vs_tensor *t2 = vs_tensor_new(VS_FLOAT, VS_SHAPE(2), two, st), *t3 = vs_tensor_new(VS_FLOAT, VS_SHAPE(3), three, st);
  vs_session_run(s, &grad, &t3, 1, NULL, NULL, 0, &train, 1, st);
  bool uninit = vs_status_code(st) == VS_FAILED_PRECONDITION &&
                strcmp(vs_status_message(st), "Attempting to use uninitialized value v/Momentum\n\t [[{{node "
                                              "Momentum/update_v/ApplyMomentum}}]]") == 0;
  RUN(s, vs_var_initializer_op(vs_optimizer_get_slot(o, v, "momentum")));
  vs_session_run(s, &grad, &t2, 1, NULL, NULL, 0, &train, 1, st);
  bool shape = vs_status_code(st) == VS_INVALID_ARGUMENT &&
               strcmp(vs_status_message(st), "var and grad do not have the same shape[3] [2]\n\t [[{{node "
                                             "Momentum/update_v/ApplyMomentum}}]]") == 0;
  char msg[512];
  snprintf(msg, sizeof msg, "%s", vs_status_message(st));
  vs_tensor_free(t2);
  vs_tensor_free(t3);
  EXPECT(uninit, "no uninitialized-slot error");
  EXPECT(shape, "shape error: %s", msg);
}

/* ---- trajectories ---- */

static const float OPT_W0[6] = {0.5f, -1.0f, 2.0f, 1.5f, 0.0f, -0.25f};
static const float OPT_T[6] = {1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 0.0f};

/* Element i of a float32 or float64 array, as a double. */
static double opt_elem(vs_dtype dt, const void *p, int i) {
  return dt == VS_DOUBLE ? ((const double *)p)[i] : (double)((const float *)p)[i];
}

/* w = w0 (dtype dt, with `constraint`, NULL: none); loss = sum((w - t0)^2);
 * `steps` steps of o.minimize(loss); w and the losses (fetched in the run
 * of each step) must be TF's: want holds w's 6 values then the losses, in
 * dt, each within tol * (1 + |want|). */
static void opt_run_trajectory(vsc_ctx *t, vs_graph *g, vs_status *st, vs_optimizer *o, vs_dtype dt,
                               const void *w0, const void *t0, const void *want, bool resource, int steps,
                               vs_constraint_fn constraint, double tol) {
  GETV(w, "w", .initializer = vs_value_initializer(w0, dt, 6, VS_SHAPE(2, 3)),
       .use_resource = resource ? VS_OPT_TRUE : VS_OPT_FALSE, .constraint = constraint);
  INT_EQ(vs_var_dtype(w), dt);
  vs_output target = vs_constant(g, t0, dt, VS_SHAPE(2, 3), "T", st);
  vs_output loss = vs_reduce_sum(g, vs_square(g, vs_sub(g, vs_var_value(w), target, NULL, st), NULL, st), NULL, st);
  OK();
  vs_op *train = vs_optimizer_minimize(o, loss, NULL, st);
  OK();
  SESSION(s);
  vs_op *init = vs_global_variables_initializer(g, st);
  OK();
  RUN(s, init);
  for (int i = 0; i < steps; i++) {
    vs_tensor *l = NULL;
    vs_session_run(s, NULL, NULL, 0, &loss, &l, 1, &train, 1, st);
    OK();
    double got = opt_elem(dt, vs_tensor_data(l), 0), w_ = opt_elem(dt, want, 6 + i);
    vs_tensor_free(l);
    NEAR(got, w_, tol * (1 + fabs(w_)));
  }
  VALUE(x, s, w);
  for (int i = 0; i < 6; i++) {
    double w_ = opt_elem(dt, want, i);
    NEAR(opt_elem(dt, vs_tensor_data(x), i), w_, tol * (1 + fabs(w_)));
  }
}

/* The float32 trajectories: want_w (6 values) then the losses. */
static void opt_trajectory(vsc_ctx *t, vs_graph *g, vs_status *st, vs_optimizer *o, const float *want, bool resource,
                           int steps, vs_constraint_fn constraint) {
  opt_run_trajectory(t, g, st, o, VS_FLOAT, OPT_W0, OPT_T, want, resource, steps, constraint, 2e-6);
}

/* Each trajectory twice, on a RefVariable and on a resource variable: TF
 * gives both the same values. */
#define OPT_TRAJECTORY(name, make, ...)                                       \
  static const float name##_want32[11] = {__VA_ARGS__};                      \
  VSC_CASE(optimizer_trajectory_##name) {                                     \
    OPTIMIZER(o, make);                                                       \
    opt_trajectory(t, g, st, o, name##_want32, false, 5, NULL);               \
  }                                                                           \
  VSC_CASE(optimizer_resource_trajectory_##name) {                            \
    OPTIMIZER(o, make);                                                       \
    opt_trajectory(t, g, st, o, name##_want32, true, 5, NULL);                \
  }

OPT_TRAJECTORY(gradient_descent, vs_gradient_descent_optimizer(0.1, NULL, st),
               0.836160004f, 1.01696002f, 2.67232013f, -0.180800006f, 0.336160004f, -0.0819199905f,
               16.8125f, 10.7599993f, 6.88639975f, 4.40729618f, 2.82066894f)
OPT_TRAJECTORY(momentum, vs_momentum_optimizer(0.1, 0.9, NULL, st),
               1.29021001f, 3.74125981f, 3.58042002f, -2.4510498f, 0.790210009f, 0.145105004f,
               16.8125f, 10.7599993f, 3.55752516f, 0.0646272376f, 1.60112059f)
OPT_TRAJECTORY(nesterov,
               vs_momentum_optimizer(0.1, 0.9, &(vs_momentum_opts){.use_nesterov = true}, st),
               1.20785868f, 3.24715257f, 3.41571736f, -2.03929377f, 0.707858801f, 0.103929378f,
               16.8125f, 6.46272469f, 0.831575871f, 0.197381243f, 1.77388644f)
OPT_TRAJECTORY(adam, vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.1)}, st),
               0.972184122f, -0.501780987f, 2.49203467f, 1.00222623f, 0.472184122f, 0.127603322f,
               16.8125f, 15.3225012f, 13.9561949f, 12.7112398f, 11.5784664f)
OPT_TRAJECTORY(rmsprop, vs_rmsprop_optimizer(0.01, NULL, st),
               0.548375249f, -0.900172234f, 2.07431698f, 1.40253067f, 0.0483752303f, -0.223145574f,
               16.8125f, 16.451601f, 16.1676674f, 15.922492f, 15.7016201f)
OPT_TRAJECTORY(rmsprop_centered,
               vs_rmsprop_optimizer(0.01, &(vs_rmsprop_opts){.momentum = VS_OPT_DOUBLE(0.9), .centered = true}, st),
               0.629604399f, -0.68437469f, 2.21451306f, 1.19456804f, 0.129604444f, -0.180925518f,
               16.8125f, 16.4385834f, 15.801651f, 14.9727497f, 14.0061302f)

/* learning_rate as a tensor (a placeholder fed each step): no
 * "learning_rate" Const, the tensor is the Apply op's input, and steps fed
 * 0.1, 0.05 and 0 give TF's values (the last one moves w by the momentum
 * only, times a zero learning rate: not at all). */
VSC_CASE(optimizer_learning_rate_tensor_fed) {
  GETV(w, "w", .initializer = vs_value_initializer(OPT_W0, VS_FLOAT, 6, VS_SHAPE(2, 3)));
  vs_output target = vs_constant(g, OPT_T, VS_FLOAT, VS_SHAPE(2, 3), "T", st);
  vs_output loss = vs_reduce_sum(g, vs_square(g, vs_sub(g, vs_var_value(w), target, NULL, st), NULL, st), NULL, st);
  vs_output lr = vs_placeholder(g, VS_FLOAT, VS_SCALAR, "lr", st);
  OK();
  OPTIMIZER(o, vs_momentum_optimizer(0, 0.9, &(vs_momentum_opts){.learning_rate_tensor = lr}, st));
  vs_op *train = vs_optimizer_minimize(o, loss, NULL, st);
  OK();
  EXPECT(vs_graph_operation_by_name(g, "Momentum/learning_rate") == NULL, "a learning_rate Const was built");
  vs_op *apply = vs_graph_operation_by_name(g, "Momentum/update_w/ApplyMomentum");
  EXPECT(apply != NULL, "no ApplyMomentum");
  STR_EQ(vs_output_name(vs_op_input(apply, 1)), "w/Momentum:0");
  STR_EQ(vs_output_name(vs_op_input(apply, 2)), "lr:0");
  STR_EQ(vs_output_name(vs_op_input(apply, 4)), "Momentum/momentum:0");
  SESSION(s);
  vs_op *init = vs_global_variables_initializer(g, st);
  OK();
  RUN(s, init);
  static const float rates[3] = {0.1f, 0.05f, 0.0f};
  for (int i = 0; i < 3; i++) {
    vs_tensor *r = vs_tensor_new(VS_FLOAT, VS_SCALAR, &rates[i], st);
    vs_session_run(s, &lr, &r, 1, NULL, NULL, 0, &train, 1, st);
    vs_tensor_free(r);
    OK();
  }
  static const float want[6] = {0.685000002f, 0.110000014f, 2.37000012f, 0.574999988f, 0.185000002f, -0.157499999f};
  VALUE(x, s, w);
  for (int i = 0; i < 6; i++) NEAR(FLOATS(x)[i], want[i], 2e-6 * (1 + fabs(want[i])));
}

/* A GAN's two optimizers, each on the variables of its network's scope
 * (tf.trainable_variables("discriminator") / ("generator")), the
 * discriminator shared through reuse: each updates only its own variables,
 * and the second Adam's beta powers are "beta1_power_1". */
static vs_output gan_dense(vs_graph *g, vs_output x, int64_t in, int64_t n, const char *name, vs_status *st) {
  vs_output y = {0};
  VS_WITH_VARIABLE_SCOPE(g, s, name, NULL, st) {
    vs_var *w = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(in, n)}, st);
    vs_var *b = vs_get_variable(g, "b", &(vs_var_opts){.shape = VS_SHAPE(n), .initializer = vs_zeros_initializer()}, st);
    if (w && b) y = vs_bias_add(g, vs_matmul(g, x, vs_var_value(w), NULL, st), vs_var_value(b), NULL, st);
  }
  return y;
}

static vs_output gan_disc(vs_graph *g, vs_output x, vs_reuse reuse, vs_status *st) {
  vs_output y = {0};
  VS_WITH_VARIABLE_SCOPE(g, s, "discriminator", &(vs_varscope_opts){.reuse = reuse}, st)
  y = gan_dense(g, vs_relu(g, x, NULL, st), 3, 1, "logit", st);
  return y;
}

static vs_output gan_mean_square(vs_graph *g, vs_output x, float minus, vs_status *st) {
  vs_output d = minus != 0 ? vs_sub(g, x, vs_constant_float(g, minus, NULL, st), NULL, st) : x;
  return vs_reduce_mean(g, vs_square(g, d, NULL, st), NULL, st);
}

VSC_CASE(optimizer_gan_var_lists_from_scopes) {
  vs_output z = vs_placeholder(g, VS_FLOAT, VS_SHAPE(4, 2), "z", st);
  vs_output real = vs_placeholder(g, VS_FLOAT, VS_SHAPE(4, 3), "real", st);
  OK();
  vs_output fake = {0};
  VS_WITH_VARIABLE_SCOPE(g, gen, "generator", NULL, st) fake = gan_dense(g, z, 2, 3, "out", st);
  vs_output dr = gan_disc(g, real, VS_REUSE_INHERIT, st), df = gan_disc(g, fake, VS_REUSE_TRUE, st);
  vs_output d_loss = vs_add(g, gan_mean_square(g, dr, 1, st), gan_mean_square(g, df, 0, st), NULL, st);
  vs_output g_loss = gan_mean_square(g, df, 1, st);
  OK();
  vs_var *d_vars[4], *g_vars[4];
  size_t nd = vs_trainable_variables(g, "discriminator", d_vars, 4, st);
  size_t ng = vs_trainable_variables(g, "generator", g_vars, 4, st);
  INT_EQ(nd, 2);
  INT_EQ(ng, 2);
  OPTIMIZER(d_opt, vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.001)}, st));
  OPTIMIZER(g_opt, vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.001)}, st));
  vs_op *d_train = vs_optimizer_minimize(d_opt, d_loss, &(vs_minimize_opts){.var_list = d_vars, .n_vars = nd,
                                                                             .name = "d_train"}, st);
  OK();
  vs_op *g_train = vs_optimizer_minimize(g_opt, g_loss, &(vs_minimize_opts){.var_list = g_vars, .n_vars = ng,
                                                                             .name = "g_train"}, st);
  OK();
  STR_EQ(vs_op_name(d_train), "d_train");
  STR_EQ(vs_op_name(g_train), "g_train");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL,
             "generator/out/w:0 generator/out/b:0 discriminator/logit/w:0 discriminator/logit/b:0 beta1_power:0 "
             "beta2_power:0 discriminator/logit/w/Adam:0 discriminator/logit/w/Adam_1:0 discriminator/logit/b/Adam:0 "
             "discriminator/logit/b/Adam_1:0 beta1_power_1:0 beta2_power_1:0 generator/out/w/Adam:0 "
             "generator/out/w/Adam_1:0 generator/out/b/Adam:0 generator/out/b/Adam_1:0");
  char names[1024] = "";
  size_t len = 0;
  for (size_t i = 0; i < vs_graph_num_operations(g); i++) {
    vs_op *op = vs_graph_operation(g, i);
    if (strcmp(vs_op_type(op), "ApplyAdam") == 0)
      len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? " " : "", vs_op_name(op));
  }
  STR_EQ(names, "d_train/update_discriminator/logit/w/ApplyAdam d_train/update_discriminator/logit/b/ApplyAdam "
                "g_train/update_generator/out/w/ApplyAdam g_train/update_generator/out/b/ApplyAdam");
  vs_item items[4];
  INT_EQ(vs_get_collection(g, VS_TRAIN_OP, NULL, items, 4, st), 2);
  EXPECT(items[0].op == d_train && items[1].op == g_train, "TRAIN_OP is not [d_train, g_train]");
  STR_EQ(vs_output_name(vs_op_input(vs_graph_operation_by_name(g, "g_train/mul"), 0)), "beta1_power_1/read:0");
}

/* A model TensorFlow trained 3 steps with Adam, saved with its slots and
 * beta powers (conformance/golden/train/adam_3_steps, written by
 * tools/make_train_goldens.py), restored by a varscope Saver into the graph
 * varscope's optimizer built: 2 more steps give TF's 4th and 5th losses
 * and its w after 5 steps, which only holds when every slot was found by
 * its TF name. */
static void opt_resume_tf_checkpoint(vsc_ctx *t, vs_graph *g, vs_status *st, bool resource) {
  GETV(w, "w", .initializer = vs_value_initializer(OPT_W0, VS_FLOAT, 6, VS_SHAPE(2, 3)),
       .use_resource = resource ? VS_OPT_TRUE : VS_OPT_FALSE);
  vs_output target = vs_constant(g, OPT_T, VS_FLOAT, VS_SHAPE(2, 3), "T", st);
  vs_output loss = vs_reduce_sum(g, vs_square(g, vs_sub(g, vs_var_value(w), target, NULL, st), NULL, st), NULL, st);
  vs_var *step = vs_train_get_or_create_global_step(g, st);
  OK();
  OPTIMIZER(o, vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.1)}, st));
  vs_op *train = vs_optimizer_minimize(o, loss, &(vs_minimize_opts){.global_step = step}, st);
  OK();
  EXPECT(vs_var_is_resource(vs_optimizer_get_slot(o, w, "m")) == resource, "w/Adam is not of w's kind");
  SESSION(s);
  vs_saver *saver = vs_saver_new(g, NULL, st);
  OK();
  char path[1024];
  snprintf(path, sizeof path, "%s/golden/train/adam_3_steps/model.ckpt", vsc_data_dir());
  vs_saver_restore(saver, s, path, st);
  vs_saver_free(saver);
  OK();
  static const float losses[2] = {12.7112398f, 11.5784664f};
  for (int i = 0; i < 2; i++) {
    vs_tensor *l = NULL;
    vs_session_run(s, NULL, NULL, 0, &loss, &l, 1, &train, 1, st);
    OK();
    float got = *(const float *)vs_tensor_data(l);
    vs_tensor_free(l);
    NEAR(got, losses[i], 2e-6 * (1 + losses[i]));
  }
  static const float want[6] = {0.972184122f, -0.501780987f, 2.49203467f, 1.00222623f, 0.472184122f, 0.127603322f};
  VALUE(x, s, w);
  for (int i = 0; i < 6; i++) NEAR(FLOATS(x)[i], want[i], 2e-6 * (1 + fabs(want[i])));
  VALUE(n, s, step);
  INT_EQ(*(const int64_t *)vs_tensor_data(n), 5);
}

VSC_CASE(optimizer_resumes_tf_checkpoint_with_slots) { opt_resume_tf_checkpoint(t, g, st, false); }

/* ---- resource variables (use_resource=True) ----
 * Twins in conformance/oracle/training.py. A resource variable is read
 * through vs_var_value ("<v>/Read/ReadVariableOp", the twin's
 * v._graph_element), differentiated through its handle (TF's x.handle),
 * and updated by the ResourceApply* ops on the handles of the variable and
 * its slots, which are resource variables too. */

/* op's colocation groups joined by ' ' ("" without _class). */
static const char *op_class(vs_graph *g, const char *name, char *buf, size_t cap) {
  const char *groups[8];
  vs_op *op = vs_graph_operation_by_name(g, name);
  size_t n = op ? vs_op_colocation_groups(op, groups, 8) : 0, len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && i < 8; i++)
    len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", i ? " " : "", groups[i]);
  return buf;
}
#define OPT_CLASS(name, want)                          \
  do {                                                 \
    char vsc_cb_[256];                                 \
    STR_EQ(op_class(g, (name), vsc_cb_, sizeof vsc_cb_), want); \
  } while (0)

/* OPT_MODEL with layer/w and layer/b made as resource variables. */
#define OPT_RESOURCE_MODEL()                                                                 \
  VSCOPE(layer, "layer", .use_resource = VS_OPT_TRUE);                                       \
  GETV(w, "w", .shape = VS_SHAPE(2, 3), .initializer = vs_ones_initializer());               \
  GETV(b, "b", .shape = VS_SHAPE(3), .initializer = vs_zeros_initializer());                 \
  VPOP(layer);                                                                               \
  vs_output gw = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2, 3), "gw", st);                      \
  OK();                                                                                      \
  vs_output gb = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3), "gb", st);                         \
  OK();                                                                                      \
  vs_grad_and_var gv[2] = {{gw, w}, {gb, b}}

/* tf.gradients(loss, [w]) of a resource variable read twice (its
 * "w/Read/ReadVariableOp" and a read_value()): ReadVariableOp's gradient
 * passes through, the two reach the handle and are summed by
 * "gradients/AddN", the last op built; the value is TF's. */
VSC_CASE(gradients_of_resource_variable_reads) {
  GETV(w, "w", .initializer = vs_value_initializer(OPT_W0, VS_FLOAT, 6, VS_SHAPE(2, 3)), .use_resource = VS_OPT_TRUE);
  vs_output c = vs_constant(g, OPT_T, VS_FLOAT, VS_SHAPE(2, 3), "c", st);
  vs_output first = vs_reduce_sum(g, vs_square(g, vs_sub(g, vs_var_value(w), c, NULL, st), NULL, st), NULL, st);
  OK();
  vs_output again = vs_read_value(g, w, st);
  vs_output second = vs_reduce_sum(g, vs_mul(g, again, c, NULL, st), NULL, st);
  vs_output loss = vs_add(g, first, second, NULL, st);
  OK();
  STR_EQ(vs_output_name(loss), "add:0");
  vs_output handle = vs_op_output(vs_var_op(w)), d;
  vs_gradients(g, &loss, 1, &handle, 1, NULL, &d, st);
  OK();
  STR_EQ(vs_output_name(d), "gradients/AddN:0");
  OPT_OP("gradients/AddN", "AddN", "gradients/Square_grad/Mul_1:0 gradients/mul_grad/Mul:0");
  STR_EQ(vs_op_name(vs_graph_operation(g, vs_graph_num_operations(g) - 1)), "gradients/AddN");
  vs_output sum = vs_reduce_sum(g, vs_var_value(w), NULL, st), e;
  OK();
  vs_gradients(g, &sum, 1, &handle, 1, NULL, &e, st);
  OK();
  STR_EQ(vs_output_name(e), "gradients_1/Sum_2_grad/Tile:0");
  SESSION(s);
  RUN(s, vs_var_initializer_op(w));
  FETCH(x, s, d);
  for (int i = 0; i < 6; i++) {
    double want = 2.0 * ((double)OPT_W0[i] - OPT_T[i]) + OPT_T[i];
    NEAR(FLOATS(x)[i], want, 1e-6 * (1 + fabs(want)));
  }
}

VSC_CASE(optimizer_resource_gradient_descent_graph) {
  OPT_RESOURCE_MODEL();
  OPTIMIZER(o, vs_gradient_descent_optimizer(0.1, NULL, st));
  vs_op *train = vs_optimizer_apply_gradients(o, gv, 2, NULL, st);
  OK();
  STR_EQ(vs_op_name(train), "GradientDescent");
  OPT_OP("GradientDescent/update_layer/w/ResourceApplyGradientDescent", "ResourceApplyGradientDescent",
         "layer/w:0 GradientDescent/learning_rate:0 gw:0");
  OPT_CLASS("GradientDescent/update_layer/w/ResourceApplyGradientDescent", "loc:@layer/w");
  EXPECT(vs_output_name(vs_op_output(
             vs_graph_operation_by_name(g, "GradientDescent/update_layer/w/ResourceApplyGradientDescent"))) == NULL,
         "ResourceApplyGradientDescent has an output");
  OPT_OP("GradientDescent", "NoOp",
         "^GradientDescent/update_layer/w/ResourceApplyGradientDescent "
         "^GradientDescent/update_layer/b/ResourceApplyGradientDescent");
  vs_item items[2];
  INT_EQ(vs_get_collection(g, VS_TRAIN_OP, NULL, items, 2, st), 1);
  EXPECT(items[0].op == train, "TRAIN_OP holds another op");
}

VSC_CASE(optimizer_resource_momentum_slots) {
  OPT_RESOURCE_MODEL();
  EXPECT(vs_device_push(g, "/device:GPU:3", st), "device push");
  OPTIMIZER(o, vs_momentum_optimizer(0.1, 0.9, &(vs_momentum_opts){.use_nesterov = true}, st));
  vs_op *train = vs_optimizer_apply_gradients(o, gv, 2, NULL, st);
  OK();
  vs_device_pop(g, st);
  OK();
  STR_EQ(vs_op_name(train), "Momentum");
  vs_var *slot = vs_optimizer_get_slot(o, w, "momentum");
  VAR_NAME(slot, "layer/w/Momentum:0");
  EXPECT(vs_var_is_resource(slot), "the slot of a resource variable is not one");
  EXPECT(!vs_var_trainable(slot), "a slot is trainable");
  OPT_OP("layer/w/Momentum", "VarHandleOp", "");
  OPT_CLASS("layer/w/Momentum", "loc:@layer/w");
  OPT_OP("layer/w/Momentum/Initializer/zeros", "Const", "");
  OPT_OP("layer/w/Momentum/Assign", "AssignVariableOp", "layer/w/Momentum:0 layer/w/Momentum/Initializer/zeros:0");
  OPT_OP("Momentum/update_layer/w/ResourceApplyMomentum", "ResourceApplyMomentum",
         "layer/w:0 layer/w/Momentum:0 Momentum/learning_rate:0 gw:0 Momentum/momentum:0");
  STR_EQ(vs_op_device(vs_graph_operation_by_name(g, "Momentum/learning_rate")), "/device:GPU:3");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "layer/w:0 layer/b:0 layer/w/Momentum:0 layer/b/Momentum:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "layer/w:0 layer/b:0");
}

VSC_CASE(optimizer_resource_adam_graph) {
  OPT_RESOURCE_MODEL();
  OPTIMIZER(o, vs_adam_optimizer(NULL, st));
  vs_op *train = vs_optimizer_apply_gradients(o, gv, 2, NULL, st);
  OK();
  STR_EQ(vs_op_name(train), "Adam");
  vs_var *b1 = vs_optimizer_get_non_slot_variable(o, g, "beta1_power");
  VAR_NAME(b1, "beta1_power:0");
  EXPECT(vs_var_is_resource(b1), "beta1_power is not a resource variable");
  OPT_CLASS("beta1_power", "loc:@layer/b");
  OPT_OP("beta1_power/Initializer/initial_value", "Const", "");
  OPT_OP("beta1_power/Assign", "AssignVariableOp", "beta1_power:0 beta1_power/Initializer/initial_value:0");
  VAR_NAME(vs_optimizer_get_slot(o, w, "v"), "layer/w/Adam_1:0");
  OPT_OP("Adam/update_layer/w/ResourceApplyAdam/ReadVariableOp", "ReadVariableOp", "beta1_power:0");
  OPT_OP("Adam/update_layer/w/ResourceApplyAdam/ReadVariableOp_1", "ReadVariableOp", "beta2_power:0");
  OPT_CLASS("Adam/update_layer/w/ResourceApplyAdam/ReadVariableOp", "");
  OPT_OP("Adam/update_layer/w/ResourceApplyAdam", "ResourceApplyAdam",
         "layer/w:0 layer/w/Adam:0 layer/w/Adam_1:0 Adam/update_layer/w/ResourceApplyAdam/ReadVariableOp:0 "
         "Adam/update_layer/w/ResourceApplyAdam/ReadVariableOp_1:0 Adam/learning_rate:0 Adam/beta1:0 Adam/beta2:0 "
         "Adam/epsilon:0 gw:0");
#define UPDATES "^Adam/update_layer/w/ResourceApplyAdam ^Adam/update_layer/b/ResourceApplyAdam"
  OPT_OP("Adam/ReadVariableOp", "ReadVariableOp", "beta1_power:0 " UPDATES);
  OPT_OP("Adam/mul", "Mul", "Adam/ReadVariableOp:0 Adam/beta1:0");
  OPT_CLASS("Adam/mul", "loc:@layer/b");
  OPT_OP("Adam/AssignVariableOp", "AssignVariableOp", "beta1_power:0 Adam/mul:0");
  OPT_OP("Adam/ReadVariableOp_1", "ReadVariableOp", "beta1_power:0 " UPDATES " ^Adam/AssignVariableOp");
  OPT_OP("Adam/mul_1", "Mul", "Adam/ReadVariableOp_2:0 Adam/beta2:0");
  OPT_OP("Adam/AssignVariableOp_1", "AssignVariableOp", "beta2_power:0 Adam/mul_1:0");
  OPT_OP("Adam", "NoOp", UPDATES " ^Adam/AssignVariableOp ^Adam/AssignVariableOp_1");
#undef UPDATES
  COLLECTION(VS_GLOBAL_VARIABLES, NULL,
             "layer/w:0 layer/b:0 beta1_power:0 beta2_power:0 layer/w/Adam:0 layer/w/Adam_1:0 layer/b/Adam:0 "
             "layer/b/Adam_1:0");
}

VSC_CASE(optimizer_resource_rmsprop_centered_slots) {
  OPT_RESOURCE_MODEL();
  OPTIMIZER(o, vs_rmsprop_optimizer(0.01, &(vs_rmsprop_opts){.momentum = VS_OPT_DOUBLE(0.9), .centered = true}, st));
  vs_optimizer_apply_gradients(o, gv, 2, NULL, st);
  OK();
  VAR_NAME(vs_optimizer_get_slot(o, w, "mg"), "layer/w/RMSProp_1:0");
  OPT_OP("layer/w/RMSProp/Initializer/ones", "Const", "");
  OPT_OP("RMSProp/update_layer/w/ResourceApplyCenteredRMSProp", "ResourceApplyCenteredRMSProp",
         "layer/w:0 layer/w/RMSProp_1:0 layer/w/RMSProp:0 layer/w/RMSProp_2:0 RMSProp/learning_rate:0 "
         "RMSProp/decay:0 RMSProp/momentum:0 RMSProp/epsilon:0 gw:0");
  OPTIMIZER(o2, vs_rmsprop_optimizer(0.01, &(vs_rmsprop_opts){.name = "plain"}, st));
  vs_optimizer_apply_gradients(o2, gv, 1, NULL, st);
  OK();
  OPT_OP("plain/update_layer/w/ResourceApplyRMSProp", "ResourceApplyRMSProp",
         "layer/w:0 layer/w/plain:0 layer/w/plain_1:0 plain/learning_rate:0 plain/decay:0 plain/momentum:0 "
         "plain/epsilon:0 gw:0");
}

/* enable_resource_variables: the global step is a resource variable too,
 * and apply_gradients increments it with an AssignAddVariableOp named as
 * the scope (the train op) of a Const "Const", after the updates. */
VSC_CASE(optimizer_resource_global_step) {
  vs_enable_resource_variables(g, true, st);
  OK();
  OPT_MODEL();
  STR_EQ(vs_op_type(vs_graph_operation_by_name(g, "layer/w")), "VarHandleOp");
  VSCOPE(foo, "foo");
  vs_var *step = vs_train_get_or_create_global_step(g, st);
  OK();
  VPOP(foo);
  VAR_NAME(step, "foo/global_step:0");
  STR_EQ(vs_op_type(vs_var_op(step)), "VarHandleOp");
  OPTIMIZER(o, vs_gradient_descent_optimizer(0.1, &(vs_optimizer_opts){.name = "sgd"}, st));
  vs_op *train = vs_optimizer_apply_gradients(o, gv, 2, &(vs_apply_opts){.global_step = step}, st);
  OK();
  STR_EQ(vs_op_name(train), "sgd");
  STR_EQ(vs_op_type(train), "AssignAddVariableOp");
  OPT_OP("sgd/update", "NoOp",
         "^sgd/update_layer/w/ResourceApplyGradientDescent ^sgd/update_layer/b/ResourceApplyGradientDescent");
  OPT_OP("sgd/Const", "Const", "^sgd/update");
  OPT_OP("sgd", "AssignAddVariableOp", "foo/global_step:0 sgd/Const:0");
  OPT_CLASS("sgd", "loc:@foo/global_step");
  vs_item items[2];
  INT_EQ(vs_get_collection(g, VS_TRAIN_OP, NULL, items, 2, st), 1);
  EXPECT(items[0].op == train, "TRAIN_OP holds another op");
  SESSION(s);
  RUN(s, vs_global_variables_initializer(g, st));
  float ones[6] = {1, 1, 1, 1, 1, 1};
  vs_tensor *tw = vs_tensor_new(VS_FLOAT, VS_SHAPE(2, 3), ones, st), *tb = vs_tensor_new(VS_FLOAT, VS_SHAPE(3), ones, st);
  vs_output feeds[2] = {gw, gb};
  vs_tensor *vals[2] = {tw, tb};
  for (int i = 0; i < 3 && vs_status_code(st) == VS_OK; i++) vs_session_run(s, feeds, vals, 2, NULL, NULL, 0, &train, 1, st);
  vs_tensor_free(tw);
  vs_tensor_free(tb);
  OK();
  VALUE(n, s, step);
  INT_EQ(*(const int64_t *)vs_tensor_data(n), 3);
  VALUE(bv, s, b);
  NEAR(FLOATS(bv)[0], -0.3, 1e-6);
}

/* One Adam over a resource variable w and a RefVariable b: each gets its
 * own kind of slots and update op; the beta powers follow b (its name
 * sorts first), RefVariables read through "beta1_power/read". */
VSC_CASE(optimizer_resource_mixed_with_ref_variables) {
  vs_enable_resource_variables(g, true, st);
  OK();
  GETV(w, "w", .shape = VS_SHAPE(2, 3));
  GETV(b, "b", .shape = VS_SHAPE(3), .use_resource = VS_OPT_FALSE);
  vs_enable_resource_variables(g, false, st);
  OK();
  vs_output gw = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2, 3), "gw", st);
  vs_output gb = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3), "gb", st);
  OK();
  OPTIMIZER(o, vs_adam_optimizer(NULL, st));
  vs_optimizer_apply_gradients(o, (vs_grad_and_var[]){{gw, w}, {gb, b}}, 2, NULL, st);
  OK();
  STR_EQ(vs_op_type(vs_graph_operation_by_name(g, "beta1_power")), "VariableV2");
  STR_EQ(vs_op_type(vs_graph_operation_by_name(g, "w/Adam")), "VarHandleOp");
  STR_EQ(vs_op_type(vs_graph_operation_by_name(g, "b/Adam")), "VariableV2");
  OPT_CLASS("w/Adam", "loc:@w");
  OPT_CLASS("b/Adam", "loc:@b");
  OPT_OP("Adam/update_w/ResourceApplyAdam", "ResourceApplyAdam",
         "w:0 w/Adam:0 w/Adam_1:0 beta1_power/read:0 beta2_power/read:0 Adam/learning_rate:0 Adam/beta1:0 "
         "Adam/beta2:0 Adam/epsilon:0 gw:0");
  OPT_OP("Adam/update_b/ApplyAdam", "ApplyAdam",
         "b:0 b/Adam:0 b/Adam_1:0 beta1_power/read:0 beta2_power/read:0 Adam/learning_rate:0 Adam/beta1:0 "
         "Adam/beta2:0 Adam/epsilon:0 gb:0");
  OPT_OP("Adam/mul", "Mul", "beta1_power/read:0 Adam/beta1:0 ^Adam/update_w/ResourceApplyAdam ^Adam/update_b/ApplyAdam");
  OPT_OP("Adam", "NoOp", "^Adam/update_w/ResourceApplyAdam ^Adam/update_b/ApplyAdam ^Adam/Assign ^Adam/Assign_1");
}

static const float OPT_X0[3] = {0.5f, -0.5f, 1.0f};

/* The other way round: w (resource) sorts first, so the beta powers are
 * resource variables and the RefVariable x's ApplyAdam reads them in its
 * own scope; 5 steps of minimize end at TF's losses and values. */
VSC_CASE(optimizer_resource_mixed_trajectory) {
  GETV(w, "w", .initializer = vs_value_initializer(OPT_W0, VS_FLOAT, 6, VS_SHAPE(2, 3)), .use_resource = VS_OPT_TRUE);
  GETV(x, "x", .initializer = vs_value_initializer(OPT_X0, VS_FLOAT, 3, VS_SHAPE(3)));
  vs_output target = vs_constant(g, OPT_T, VS_FLOAT, VS_SHAPE(2, 3), "T", st);
  vs_output sum = vs_add(g, vs_var_value(w), vs_var_value(x), NULL, st);
  vs_output loss = vs_reduce_sum(g, vs_square(g, vs_sub(g, sum, target, NULL, st), NULL, st), NULL, st);
  OK();
  OPTIMIZER(o, vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.1)}, st));
  vs_op *train = vs_optimizer_minimize(o, loss, NULL, st);
  OK();
  OPT_OP("Adam/update_x/ApplyAdam/ReadVariableOp", "ReadVariableOp", "beta1_power:0");
  OPT_OP("Adam/update_x/ApplyAdam", "ApplyAdam",
         "x:0 x/Adam:0 x/Adam_1:0 Adam/update_x/ApplyAdam/ReadVariableOp:0 Adam/update_x/ApplyAdam/ReadVariableOp_1:0 "
         "Adam/learning_rate:0 Adam/beta1:0 Adam/beta2:0 Adam/epsilon:0 gradients/add_grad/tuple/control_dependency_1:0");
  static const float want_loss[5] = {22.8125f, 19.6924992f, 16.8959064f, 14.4229393f, 12.2606745f};
  static const float want_w[6] = {0.845817327f, -0.503523111f, 2.34525871f, 1.00435424f, 0.471749127f, -0.700331211f};
  static const float want_x[3] = {0.00588461012f, -0.00660089403f, 0.583236516f};
  SESSION(s);
  RUN(s, vs_global_variables_initializer(g, st));
  for (int i = 0; i < 5; i++) {
    vs_tensor *l = NULL;
    vs_session_run(s, NULL, NULL, 0, &loss, &l, 1, &train, 1, st);
    OK();
    float got = *(const float *)vs_tensor_data(l);
    vs_tensor_free(l);
    NEAR(got, want_loss[i], 2e-6 * (1 + fabs(want_loss[i])));
  }
  VALUE(wv, s, w);
  for (int i = 0; i < 6; i++) NEAR(FLOATS(wv)[i], want_w[i], 2e-6 * (1 + fabs(want_w[i])));
  VALUE(xv, s, x);
  for (int i = 0; i < 3; i++) NEAR(FLOATS(xv)[i], want_x[i], 2e-6 * (1 + fabs(want_x[i])));
}

/* apply_gradients' errors on resource variables: the dtype without
 * "_ref"; the handle's shape "[]" in the shape-function texts; TF 2.21's
 * resource Momentum does not check the gradient's shape when built (its
 * kernel does); a bool gradient fails on the op's first T input. */
VSC_CASE(optimizer_resource_apply_errors) {
  OPT_RESOURCE_MODEL();
  OPTIMIZER(o, vs_gradient_descent_optimizer(0.1, NULL, st));
  vs_grad_and_var none[2] = {{{0}, w}, {{0}, b}};
  vs_optimizer_apply_gradients(o, none, 2, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "No gradients provided for any variable: [\"<tf.Variable 'layer/w:0' shape=(2, 3) dtype=float32>\", "
      "\"<tf.Variable 'layer/b:0' shape=(3,) dtype=float32>\"].");
  vs_optimizer_apply_gradients(o, &(vs_grad_and_var){gb, w}, 1, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Shapes must be equal rank, but are 2 and 1 for '{{node GradientDescent/update_layer/w/"
      "ResourceApplyGradientDescent}} = ResourceApplyGradientDescent[T=DT_FLOAT, use_locking=false]"
      "(layer/w, GradientDescent/learning_rate, gb)' with input shapes: [], [], [3].");
  vs_output lr2 = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2), "lr2", st);
  OK();
  OPTIMIZER(m, vs_momentum_optimizer(0, 0.9, &(vs_momentum_opts){.learning_rate_tensor = lr2}, st));
  vs_optimizer_apply_gradients(m, gv, 1, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Shape must be rank 0 but is rank 1 for '{{node Momentum/update_layer/w/ResourceApplyMomentum}} = "
      "ResourceApplyMomentum[T=DT_FLOAT, use_locking=false, use_nesterov=false](layer/w, layer/w/Momentum, lr2, gw, "
      "Momentum/momentum)' with input shapes: [], [], [2], [2,3], [].");
  vs_output tall = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3, 2), "tall", st);
  OK();
  OPTIMIZER(m2, vs_momentum_optimizer(0.1, 0.9, &(vs_momentum_opts){.name = "m2"}, st));
  vs_op *train = vs_optimizer_apply_gradients(m2, &(vs_grad_and_var){tall, w}, 1, NULL, st);
  OK();
  STR_EQ(vs_op_name(train), "m2");
  GETV(bv, "bv", .shape = VS_SHAPE(2), .dtype = VS_BOOL, .use_resource = VS_OPT_TRUE);
  vs_output gbool = vs_placeholder(g, VS_BOOL, VS_SHAPE(2), "gbool", st);
  OK();
  vs_optimizer_apply_gradients(o, &(vs_grad_and_var){gbool, bv}, 1, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "TypeError",
      "Value passed to parameter 'alpha' has DataType bool not in list of allowed values: float32, float64, int32, "
      "uint8, int16, int8, complex64, int64, qint8, quint8, qint32, bfloat16, qint16, quint16, uint16, complex128, "
      "float16, uint32, uint64");
}

/* The kernels' errors: an uninitialised variable or slot is not in the
 * resource manager (InternalError "Invalid variable reference."), a fed
 * gradient of another shape is "var and grad do not have the same shape";
 * then two steps update v in place. */
VSC_CASE(optimizer_resource_run_time_errors) {
  GETV(v, "v", .shape = VS_SHAPE(3), .use_resource = VS_OPT_TRUE);
  vs_output grad = vs_placeholder(g, VS_FLOAT, VS_UNKNOWN_SHAPE, "g", st);
  OK();
  OPTIMIZER(o, vs_momentum_optimizer(0.1, 0.9, NULL, st));
  vs_op *train = vs_optimizer_apply_gradients(o, &(vs_grad_and_var){grad, v}, 1, NULL, st);
  OK();
  SESSION(s);
  float two[2] = {1, 2}, three[3] = {1, 2, 3};
  vs_tensor *t2 = vs_tensor_new(VS_FLOAT, VS_SHAPE(2), two, st), *t3 = vs_tensor_new(VS_FLOAT, VS_SHAPE(3), three, st);
  char msg[3][512];
  int code[3];
  for (int i = 0; i < 3; i++) {
    if (i == 1) RUN(s, vs_var_initializer_op(v));
    if (i == 2) RUN(s, vs_var_initializer_op(vs_optimizer_get_slot(o, v, "momentum")));
    vs_session_run(s, &grad, i == 2 ? &t2 : &t3, 1, NULL, NULL, 0, &train, 1, st);
    code[i] = vs_status_code(st);
    snprintf(msg[i], sizeof msg[i], "%s", vs_status_message(st));
  }
  vs_session_run(s, &grad, &t3, 1, NULL, NULL, 0, &train, 1, st);
  vs_tensor *before = vs_status_code(st) == VS_OK ? vsc_value(t, s, v, __FILE__, __LINE__) : NULL;
  if (before) vs_session_run(s, &grad, &t3, 1, NULL, NULL, 0, &train, 1, st);
  vs_tensor_free(t2);
  vs_tensor_free(t3);
  OK();
  for (int i = 0; i < 2; i++) {
    INT_EQ(code[i], VS_INTERNAL);
    STR_EQ(msg[i], "Invalid variable reference.\n\t [[{{node Momentum/update_v/ResourceApplyMomentum}}]]");
  }
  INT_EQ(code[2], VS_INVALID_ARGUMENT);
  STR_EQ(msg[2], "var and grad do not have the same shape[3] [2]\n\t [[{{node Momentum/update_v/ResourceApplyMomentum}}]]");
  EXPECT(before != NULL, "no value of v");
  VALUE(after, s, v);
  NEAR(FLOATS(after)[2] - FLOATS(before)[2], -0.3 * 1.9, 1e-6);
}

/* TF's mid-training Adam checkpoint (optimizer_resumes_tf_checkpoint_with_
 * slots' fixture, written from RefVariables: a checkpoint holds values by
 * name, whatever the kind) restored into the same model built with a
 * resource variable, whose slots, beta powers and step are resource
 * variables too (the step is not: get_or_create_global_step follows the
 * graph's switch, as TF's): 2 more steps are TF's. */
VSC_CASE(optimizer_resource_resumes_tf_checkpoint) { opt_resume_tf_checkpoint(t, g, st, true); }

/* ---- constraints after an update (issue 12, item 4 with the optimizers) ----
 *
 * TF's _RefVariableProcessor and _DenseResourceVariableProcessor.update_op:
 * with a constraint, under the update's colocate_with(v) and
 * control_dependencies([apply]), v.assign(v.constraint(v)). The constraint
 * below clips into [-0.2, 0.6] with the ops both have:
 *   def clip(x):
 *     with tf.name_scope("clip"):
 *       lo = tf.constant(-0.2, name="lo"); nhi = tf.constant(-0.6, name="neg_hi")
 *       return tf.maximum(tf.negative(tf.maximum(tf.negative(x), nhi)), lo)
 * The constraint's first op reads the updated variable: in TF "w/read" (an
 * alias of the variable's buffer) or, for a resource variable, a read made
 * in the constraint's own scope ("update_w/clip/Neg/ReadVariableOp");
 * varscope's reads are the Apply op's output and
 * "update_w/constraint/ReadVariableOp" (docs/optimizers.md), so the cases
 * check the ops after that read. */
static vs_output clip_constraint(vs_graph *g, vs_output x, void *data, vs_status *st) {
  (void)data;
  vs_output out = {0};
  if (!vs_name_scope_push(g, "clip", st)) return out;
  vs_output lo = vs_constant_float(g, -0.2f, "lo", st);
  vs_output nhi = lo.op ? vs_constant_float(g, -0.6f, "neg_hi", st) : (vs_output){0};
  vs_output n = nhi.op ? vs_neg(g, x, NULL, st) : (vs_output){0};
  vs_output m = n.op ? vs_maximum(g, n, nhi, NULL, st) : (vs_output){0};
  vs_output n1 = m.op ? vs_neg(g, m, NULL, st) : (vs_output){0};
  out = n1.op ? vs_maximum(g, n1, lo, NULL, st) : (vs_output){0};
  vs_name_scope_pop(g, out.op ? st : NULL);
  return out;
}

/* w (W0, the clip constraint) and loss = sum((w - T)^2), TF's model of the
 * trajectory cases. */
#define CLIP_MODEL(resource)                                                                                 \
  GETV(w, "w", .initializer = vs_value_initializer(OPT_W0, VS_FLOAT, 6, VS_SHAPE(2, 3)),                    \
       .constraint = clip_constraint, .use_resource = (resource) ? VS_OPT_TRUE : VS_OPT_FALSE);             \
  vs_output target = vs_constant(g, OPT_T, VS_FLOAT, VS_SHAPE(2, 3), "T", st);                              \
  vs_output loss = vs_reduce_sum(g, vs_square(g, vs_sub(g, vs_var_value(w), target, NULL, st), NULL, st), NULL, st); \
  OK()

/* GradientDescent on a RefVariable: the clip's ops in "update_w/clip",
 * after the ApplyGradientDescent (its Consts' control input), colocated
 * with w; "update_w/Assign" writes the projection; the train op waits for
 * the Assign, not the Apply op. */
VSC_CASE(optimizer_constraint_assigned_after_update) {
  CLIP_MODEL(false);
  OPTIMIZER(o, vs_gradient_descent_optimizer(0.1, NULL, st));
  vs_op *train = vs_optimizer_minimize(o, loss, NULL, st);
  OK();
  STR_EQ(vs_op_name(train), "GradientDescent");
  OPT_OP("GradientDescent/update_w/clip/lo", "Const", "^GradientDescent/update_w/ApplyGradientDescent");
  OPT_OP("GradientDescent/update_w/clip/neg_hi", "Const", "^GradientDescent/update_w/ApplyGradientDescent");
  STR_EQ(vs_op_type(vs_graph_operation_by_name(g, "GradientDescent/update_w/clip/Neg")), "Neg");
  OPT_OP("GradientDescent/update_w/clip/Maximum", "Maximum",
         "GradientDescent/update_w/clip/Neg:0 GradientDescent/update_w/clip/neg_hi:0");
  OPT_OP("GradientDescent/update_w/clip/Neg_1", "Neg", "GradientDescent/update_w/clip/Maximum:0");
  OPT_OP("GradientDescent/update_w/clip/Maximum_1", "Maximum",
         "GradientDescent/update_w/clip/Neg_1:0 GradientDescent/update_w/clip/lo:0");
  OPT_CLASS("GradientDescent/update_w/clip/Maximum_1", "loc:@w");
  OPT_OP("GradientDescent/update_w/Assign", "Assign", "w:0 GradientDescent/update_w/clip/Maximum_1:0");
  OPT_CLASS("GradientDescent/update_w/Assign", "loc:@w");
  OPT_OP("GradientDescent", "NoOp", "^GradientDescent/update_w/Assign");
}

/* Adam on a resource variable: the same ops, "update_w/AssignVariableOp"
 * and the read after it ("update_w/ReadVariableOp", after the Apply op and
 * the assignment), the group waiting for the AssignVariableOp and the beta
 * powers' updates. */
VSC_CASE(optimizer_resource_constraint_assigned_after_update) {
  CLIP_MODEL(true);
  OPTIMIZER(o, vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.1)}, st));
  vs_op *train = vs_optimizer_minimize(o, loss, NULL, st);
  OK();
  STR_EQ(vs_op_name(train), "Adam");
  OPT_OP("Adam/update_w/clip/lo", "Const", "^Adam/update_w/ResourceApplyAdam");
  OPT_OP("Adam/update_w/clip/Maximum_1", "Maximum", "Adam/update_w/clip/Neg_1:0 Adam/update_w/clip/lo:0");
  OPT_CLASS("Adam/update_w/clip/Maximum_1", "loc:@w");
  OPT_OP("Adam/update_w/AssignVariableOp", "AssignVariableOp", "w:0 Adam/update_w/clip/Maximum_1:0");
  OPT_CLASS("Adam/update_w/AssignVariableOp", "loc:@w");
  OPT_OP("Adam/update_w/ReadVariableOp", "ReadVariableOp",
         "w:0 ^Adam/update_w/ResourceApplyAdam ^Adam/update_w/AssignVariableOp");
  OPT_OP("Adam", "NoOp", "^Adam/update_w/AssignVariableOp ^Adam/AssignVariableOp ^Adam/AssignVariableOp_1");
}

/* 3 steps with the clip: the losses fetched with each step and w at the
 * end are TF's (the same for both kinds of variable: the constraint sees
 * the updated value), within 2e-6 x (1 + |want|). */
#define CLIP_GD_WANT                                                                                      \
  0.600000024f, 0.592000008f, 0.600000024f, 0.023999989f, 0.244000018f, -0.127999991f, 16.8125f, 13.5200005f, \
      10.7840004f
#define CLIP_ADAM_WANT                                                                                     \
  0.600000024f, -0.00454126298f, 0.600000024f, 0.407987535f, 0.29512769f, 0.0302073509f, 16.8125f, 13.5025005f, \
      12.6922216f
#define CLIP_TRAJECTORY(name, resource, make, want)                            \
  VSC_CASE(name) {                                                             \
    OPTIMIZER(o, make);                                                        \
    static const float vals[9] = {want};                                       \
    opt_trajectory(t, g, st, o, vals, resource, 3, clip_constraint);          \
  }

CLIP_TRAJECTORY(optimizer_constraint_trajectory_gradient_descent, false, vs_gradient_descent_optimizer(0.1, NULL, st),
                CLIP_GD_WANT)
CLIP_TRAJECTORY(optimizer_constraint_trajectory_adam, false,
                vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.1)}, st), CLIP_ADAM_WANT)
CLIP_TRAJECTORY(optimizer_resource_constraint_trajectory_gradient_descent, true,
                vs_gradient_descent_optimizer(0.1, NULL, st), CLIP_GD_WANT)
CLIP_TRAJECTORY(optimizer_resource_constraint_trajectory_adam, true,
                vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.1)}, st), CLIP_ADAM_WANT)

/* ---- slots of a variable without a device, made in a device scope ----
 *
 * with tf.device("/device:GPU:3"): tf.train.AdamOptimizer(0.1).apply_gradients([(gw, w)])
 * with w made outside any device scope: slot_creator's colocate_with(w)
 * empties the device stack, and the variable's init_scope restores the
 * one it hid, so the slots, the beta powers and their Assign, read (and a
 * resource variable's IsInitialized) ops are on GPU:3; the initializers
 * made under device(None) ("w/Adam/Initializer/zeros", a resource
 * variable's "beta1_power/Initializer/initial_value") have no device. The
 * string lists every op apply_gradients made, "name=device" ('-': none). */
static void slot_devices(vsc_ctx *t, vs_graph *g, vs_status *st, bool resource, const char *want) {
  GETV(w, "w", .shape = VS_SHAPE(2), .initializer = vs_ones_initializer(),
       .use_resource = resource ? VS_OPT_TRUE : VS_OPT_FALSE);
  vs_output gw = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2), "gw", st);
  OK();
  size_t n0 = vs_graph_num_operations(g);
  EXPECT(vs_device_push(g, "/device:GPU:3", st), "device push");
  OPTIMIZER(o, vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.1)}, st));
  vs_op *train = vs_optimizer_apply_gradients(o, &(vs_grad_and_var){gw, w}, 1, NULL, st);
  OK();
  vs_device_pop(g, st);
  OK();
  EXPECT(train != NULL, "no train op");
  char got[4096];
  size_t len = 0;
  got[0] = '\0';
  for (size_t i = n0; i < vs_graph_num_operations(g); i++) {
    vs_op *op = vs_graph_operation(g, i);
    const char *dev = vs_op_device(op);
    len += (size_t)snprintf(got + len, len < sizeof got ? sizeof got - len : 0, "%s%s=%s", len ? " " : "",
                            vs_op_name(op), dev[0] ? dev : "-");
  }
  STR_EQ(got, want);
}

VSC_CASE(optimizer_slot_devices_from_device_scope) {
  slot_devices(t, g, st, false,
               "beta1_power/initial_value=/device:GPU:3 beta1_power=/device:GPU:3 beta1_power/Assign=/device:GPU:3 "
               "beta1_power/read=/device:GPU:3 beta2_power/initial_value=/device:GPU:3 beta2_power=/device:GPU:3 "
               "beta2_power/Assign=/device:GPU:3 beta2_power/read=/device:GPU:3 w/Adam/Initializer/zeros=- "
               "w/Adam=/device:GPU:3 w/Adam/Assign=/device:GPU:3 w/Adam/read=/device:GPU:3 "
               "w/Adam_1/Initializer/zeros=- w/Adam_1=/device:GPU:3 w/Adam_1/Assign=/device:GPU:3 "
               "w/Adam_1/read=/device:GPU:3 Adam/learning_rate=/device:GPU:3 Adam/beta1=/device:GPU:3 "
               "Adam/beta2=/device:GPU:3 Adam/epsilon=/device:GPU:3 Adam/update_w/ApplyAdam=/device:GPU:3 "
               "Adam/mul=/device:GPU:3 Adam/Assign=/device:GPU:3 Adam/mul_1=/device:GPU:3 "
               "Adam/Assign_1=/device:GPU:3 Adam=/device:GPU:3");
}

VSC_CASE(optimizer_resource_slot_devices_from_device_scope) {
  slot_devices(t, g, st, true,
               "beta1_power/Initializer/initial_value=- beta1_power=/device:GPU:3 "
               "beta1_power/IsInitialized/VarIsInitializedOp=/device:GPU:3 beta1_power/Assign=/device:GPU:3 "
               "beta1_power/Read/ReadVariableOp=/device:GPU:3 beta2_power/Initializer/initial_value=- "
               "beta2_power=/device:GPU:3 beta2_power/IsInitialized/VarIsInitializedOp=/device:GPU:3 "
               "beta2_power/Assign=/device:GPU:3 beta2_power/Read/ReadVariableOp=/device:GPU:3 "
               "w/Adam/Initializer/zeros=- w/Adam=/device:GPU:3 w/Adam/IsInitialized/VarIsInitializedOp=/device:GPU:3 "
               "w/Adam/Assign=/device:GPU:3 w/Adam/Read/ReadVariableOp=/device:GPU:3 w/Adam_1/Initializer/zeros=- "
               "w/Adam_1=/device:GPU:3 w/Adam_1/IsInitialized/VarIsInitializedOp=/device:GPU:3 "
               "w/Adam_1/Assign=/device:GPU:3 w/Adam_1/Read/ReadVariableOp=/device:GPU:3 "
               "Adam/learning_rate=/device:GPU:3 Adam/beta1=/device:GPU:3 Adam/beta2=/device:GPU:3 "
               "Adam/epsilon=/device:GPU:3 Adam/update_w/ResourceApplyAdam/ReadVariableOp=- "
               "Adam/update_w/ResourceApplyAdam/ReadVariableOp_1=- Adam/update_w/ResourceApplyAdam=- "
               "Adam/ReadVariableOp=- Adam/mul=/device:GPU:3 Adam/AssignVariableOp=/device:GPU:3 "
               "Adam/ReadVariableOp_1=/device:GPU:3 Adam/ReadVariableOp_2=- Adam/mul_1=/device:GPU:3 "
               "Adam/AssignVariableOp_1=/device:GPU:3 Adam/ReadVariableOp_3=/device:GPU:3 Adam/NoOp=/device:GPU:3 "
               "Adam/NoOp_1=/device:GPU:3 Adam=/device:GPU:3");
}

/* ---- float64 variables ----
 * The same trajectories with w, T and the loss in float64: TF casts the
 * float32 hyper-parameters ("<opt>/update_w/Cast", "Cast_1", ...) to the
 * variable's dtype (a resource variable's: the gradient's) and runs the
 * Apply kernels in double; RefVariables and resource variables end at the
 * same values. Tolerance: |got - want| <= 1e-12 * (1 + |want|) per element
 * (double updates in TF's order; sqrt and division correctly rounded, FMA
 * contraction by another compiler). */

static const double OPT_W0_64[6] = {0.5, -1.0, 2.0, 1.5, 0.0, -0.25};
static const double OPT_T_64[6] = {1.0, 2.0, 3.0, -1.0, 0.5, 0.0};

static void opt_trajectory64(vsc_ctx *t, vs_graph *g, vs_status *st, vs_optimizer *o, const double *want,
                             bool resource) {
  opt_run_trajectory(t, g, st, o, VS_DOUBLE, OPT_W0_64, OPT_T_64, want, resource, 5, NULL, 1e-12);
}

#define OPT_TRAJECTORY64(name, make, ...)                                    \
  static const double name##_want[11] = {__VA_ARGS__};                       \
  VSC_CASE(optimizer_float64_trajectory_##name) {                            \
    OPTIMIZER(o, make);                                                      \
    opt_trajectory64(t, g, st, o, name##_want, false);                       \
  }                                                                          \
  VSC_CASE(optimizer_resource_float64_trajectory_##name) {                   \
    OPTIMIZER(o, make);                                                      \
    opt_trajectory64(t, g, st, o, name##_want, true);                        \
  }

OPT_TRAJECTORY64(gradient_descent, vs_gradient_descent_optimizer(0.1, NULL, st),
                 0.8361600030517579, 1.0169600183105467, 2.6723200061035155, -0.18080001525878897, 0.3361600030517578, -0.0819199984741211, 16.8125, 10.759999919831753, 6.886399897384644, 4.407295901489259, 2.8206693559375013)
OPT_TRAJECTORY64(momentum, vs_momentum_optimizer(0.1, 0.9, NULL, st),
                 1.2902099803282323, 3.741259881969394, 3.5804199606564646, -2.451049901641162, 0.7902099803282323, 0.14510499016411618, 16.8125, 10.759999919831753, 3.5575249585129325, 0.06462726012725446, 1.6011207452103933)
OPT_TRAJECTORY64(nesterov, vs_momentum_optimizer(0.1, 0.9, &(vs_momentum_opts){.use_nesterov = true}, st),
                 1.207858771636199, 3.2471526298171938, 3.415717543272398, -2.039293858180995, 0.7078587716361989, 0.10392938581809948, 16.8125, 6.462724981360884, 0.8315758778429413, 0.1973813116663735, 1.7738866846686563)
OPT_TRAJECTORY64(adam, vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.1)}, st),
                 0.972184134545205, -0.5017810328851131, 2.4920347806534635, 1.002226226028883, 0.472184134545205, 0.12760331295923058, 16.8125, 15.322500137649492, 13.956195513442749, 12.711238679080287, 11.578465367131049)
OPT_TRAJECTORY64(rmsprop, vs_rmsprop_optimizer(0.01, NULL, st),
                 0.5483752290111277, -0.9001722613425076, 2.074316885017042, 1.4025305747743033, 0.04837522901112775, -0.22314557774539598, 16.8125, 16.451601188656017, 16.167666915812823, 15.922490315254676, 15.701621767013117)
OPT_TRAJECTORY64(rmsprop_centered, vs_rmsprop_optimizer(0.01, &(vs_rmsprop_opts){.momentum = VS_OPT_DOUBLE(0.9), .centered = true}, st),
                 0.629604439023709, -0.6843746823167636, 2.2145132478411456, 1.1945680868068187, 0.12960443902370894, -0.1809255272168896, 16.8125, 16.43858195537717, 15.801650655775516, 14.972749574748054, 14.00612983007311)

/* w = get_variable("w", [2], float64); AdamOptimizer(0.1).minimize(reduce_sum(w * w)): the casts of
 * beta1_power, beta2_power, lr, beta1, beta2 and epsilon to float64 are "Adam/update_w/Cast" .. "Cast_5",
 * colocated with w, the Apply op's inputs 3..8; a RefVariable's beta power is cast from its "read"
 * snapshot, a resource variable's through "Cast/ReadVariableOp" made inside the Cast's scope. GD's one
 * cast is "GradientDescent/update_w/Cast".                                          T.train.float64 */
static void adam64_graph(vsc_ctx *t, vs_graph *g, vs_status *st, bool resource) {
  GETV(w, "w", .shape = VS_SHAPE(2), .dtype = VS_DOUBLE, .use_resource = resource ? VS_OPT_TRUE : VS_OPT_FALSE);
  vs_output loss = vs_reduce_sum(g, vs_mul(g, vs_var_value(w), vs_var_value(w), NULL, st), NULL, st);
  OK();
  OPTIMIZER(o, vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.1)}, st));
  vs_op *train = vs_optimizer_minimize(o, loss, NULL, st);
  OK();
  EXPECT(train != NULL, "no train op");
  if (resource) {
    OPT_OP("Adam/update_w/Cast/ReadVariableOp", "ReadVariableOp", "beta1_power:0");
    OPT_OP("Adam/update_w/Cast", "Cast", "Adam/update_w/Cast/ReadVariableOp:0");
    OPT_OP("Adam/update_w/Cast_1/ReadVariableOp", "ReadVariableOp", "beta2_power:0");
    OPT_OP("Adam/update_w/Cast_1", "Cast", "Adam/update_w/Cast_1/ReadVariableOp:0");
  } else {
    OPT_OP("Adam/update_w/Cast", "Cast", "beta1_power/read:0");
    OPT_OP("Adam/update_w/Cast_1", "Cast", "beta2_power/read:0");
  }
  OPT_OP("Adam/update_w/Cast_2", "Cast", "Adam/learning_rate:0");
  OPT_OP("Adam/update_w/Cast_3", "Cast", "Adam/beta1:0");
  OPT_OP("Adam/update_w/Cast_4", "Cast", "Adam/beta2:0");
  OPT_OP("Adam/update_w/Cast_5", "Cast", "Adam/epsilon:0");
  for (int i = 0; i < 6; i++) {
    char name[64];
    snprintf(name, sizeof name, i ? "Adam/update_w/Cast_%d" : "Adam/update_w/Cast", i);
    OPT_CLASS(name, "loc:@w");
    INT_EQ(vs_op_output_dtype(vs_graph_operation_by_name(g, name)), VS_DOUBLE);
  }
  const char *apply = resource ? "Adam/update_w/ResourceApplyAdam" : "Adam/update_w/ApplyAdam";
  OPT_OP(apply, resource ? "ResourceApplyAdam" : "ApplyAdam",
         "w:0 w/Adam:0 w/Adam_1:0 Adam/update_w/Cast:0 Adam/update_w/Cast_1:0 Adam/update_w/Cast_2:0 "
         "Adam/update_w/Cast_3:0 Adam/update_w/Cast_4:0 Adam/update_w/Cast_5:0 gradients/AddN:0");
  EXPECT(vs_graph_operation_by_name(g, "Adam/update_w/Cast_6") == NULL, "a seventh Cast");
}
VSC_CASE(optimizer_float64_adam_casts) { adam64_graph(t, g, st, false); }
VSC_CASE(optimizer_resource_float64_adam_casts) { adam64_graph(t, g, st, true); }

VSC_CASE(optimizer_float64_gradient_descent_cast) {
  GETV(w, "w", .shape = VS_SHAPE(2), .dtype = VS_DOUBLE);
  vs_output loss = vs_reduce_sum(g, vs_mul(g, vs_var_value(w), vs_var_value(w), NULL, st), NULL, st);
  OK();
  OPTIMIZER(o, vs_gradient_descent_optimizer(0.1, NULL, st));
  vs_op *train = vs_optimizer_minimize(o, loss, NULL, st);
  OK();
  EXPECT(train != NULL, "no train op");
  OPT_OP("GradientDescent/update_w/Cast", "Cast", "GradientDescent/learning_rate:0");
  OPT_OP("GradientDescent/update_w/ApplyGradientDescent", "ApplyGradientDescent",
         "w:0 GradientDescent/update_w/Cast:0 gradients/AddN:0");
}

const vsc_case vsc_cases_training[] = {
    VSC_REG(gradients_of_mean_squared_mlp, "T.grad.mlp T.grad.names"),
    VSC_REG(gradients_of_matmul, "T.grad.matmul"),
    VSC_REG(gradients_of_matmul_transpose_a, "T.grad.matmul"),
    VSC_REG(gradients_of_matmul_transpose_b, "T.grad.matmul"),
    VSC_REG(gradients_of_matmul_transpose_both, "T.grad.matmul"),
    VSC_REG(gradients_of_broadcasting_arithmetic, "T.grad.broadcast T.grad.add_n"),
    VSC_REG(gradients_of_reductions, "T.grad.reduce"),
    VSC_REG(gradients_of_activations, "T.grad.activations"),
    VSC_REG(gradients_of_reshape, "T.grad.reshape"),
    VSC_REG(gradients_of_conv2d_same_unequal_strides, "T.grad.conv2d"),
    VSC_REG(gradients_of_conv2d_valid_stride2, "T.grad.conv2d"),
    VSC_REG(gradients_of_conv2d_dilated, "T.grad.conv2d"),
    VSC_REG(gradients_of_conv2d_same_5x5, "T.grad.conv2d"),
    VSC_REG(gradients_of_max_and_avg_pool, "T.grad.pool"),
    VSC_REG(gradients_of_pools_same_padding, "T.grad.pool"),
    VSC_REG(gradients_of_small_cnn, "T.grad.cnn"),
    VSC_REG(gradients_of_sigmoid_cross_entropy, "T.grad.loss.sigmoid_xent"),
    VSC_REG(gradients_of_mean_squared_error, "T.grad.loss.mse"),
    VSC_REG(gradients_of_leaky_relu_maximum, "T.grad.maximum"),
    VSC_REG(gradients_of_numpy_broadcasts, "T.grad.broadcast_nd"),
    VSC_REG(gradients_of_softmax_cross_entropy, "T.grad.loss.softmax_xent"),
    VSC_REG(gradients_scopes_and_unconnected_none, "T.grad.names T.grad.none"),
    VSC_REG(gradients_with_grad_ys, "T.grad.grad_ys"),
    VSC_REG(gradients_colocated_with_ops, "T.grad.colocate"),
    VSC_REG(gradients_gated_across_devices, "T.grad.gate T.grad.names T.grad.colocate"),
    VSC_REG(gradients_through_op_without_gradient_lookup_error, "T.grad.error.lookup"),
    /* ---- optimizers ---- */
    VSC_REG(optimizer_gradient_descent_graph, "T.train.apply T.train.names"),
    VSC_REG(optimizer_momentum_slots, "T.train.slots T.train.names"),
    VSC_REG(optimizer_second_momentum_uniquifies_slots, "T.train.slots"),
    VSC_REG(optimizer_adam_graph, "T.train.slots T.train.non_slot T.train.names"),
    VSC_REG(optimizer_adam_in_outer_scopes, "T.train.slots T.train.non_slot"),
    VSC_REG(optimizer_rmsprop_centered_slots, "T.train.slots"),
    VSC_REG(optimizer_slots_placed_with_variable, "T.train.slots 8.1"),
    VSC_REG(optimizer_global_step_ops, "T.train.global_step"),
    VSC_REG(optimizer_global_step_must_be_integer, "T.train.global_step"),
    VSC_REG(optimizer_apply_gradients_errors, "T.train.errors"),
    VSC_REG(optimizer_minimize_errors, "T.train.errors"),
    VSC_REG(optimizer_gate_gradients, "T.grad.gate T.grad.names T.train.names T.train.errors"),
    VSC_REG(optimizer_run_time_errors, "T.train.errors"),
    VSC_REG(optimizer_trajectory_gradient_descent, "T.train.trajectory"),
    VSC_REG(optimizer_trajectory_momentum, "T.train.trajectory"),
    VSC_REG(optimizer_trajectory_nesterov, "T.train.trajectory"),
    VSC_REG(optimizer_trajectory_adam, "T.train.trajectory"),
    VSC_REG(optimizer_trajectory_rmsprop, "T.train.trajectory"),
    VSC_REG(optimizer_trajectory_rmsprop_centered, "T.train.trajectory"),
    VSC_REG(optimizer_float64_trajectory_gradient_descent, "T.train.float64"),
    VSC_REG(optimizer_resource_float64_trajectory_gradient_descent, "T.rtrain.float64"),
    VSC_REG(optimizer_float64_trajectory_momentum, "T.train.float64"),
    VSC_REG(optimizer_resource_float64_trajectory_momentum, "T.rtrain.float64"),
    VSC_REG(optimizer_float64_trajectory_nesterov, "T.train.float64"),
    VSC_REG(optimizer_resource_float64_trajectory_nesterov, "T.rtrain.float64"),
    VSC_REG(optimizer_float64_trajectory_adam, "T.train.float64"),
    VSC_REG(optimizer_resource_float64_trajectory_adam, "T.rtrain.float64"),
    VSC_REG(optimizer_float64_trajectory_rmsprop, "T.train.float64"),
    VSC_REG(optimizer_resource_float64_trajectory_rmsprop, "T.rtrain.float64"),
    VSC_REG(optimizer_float64_trajectory_rmsprop_centered, "T.train.float64"),
    VSC_REG(optimizer_resource_float64_trajectory_rmsprop_centered, "T.rtrain.float64"),
    VSC_REG(optimizer_float64_adam_casts, "T.train.float64"),
    VSC_REG(optimizer_resource_float64_adam_casts, "T.rtrain.float64"),
    VSC_REG(optimizer_float64_gradient_descent_cast, "T.train.float64"),
    VSC_REG(optimizer_learning_rate_tensor_fed, "T.train.learning_rate"),
    VSC_REG(optimizer_gan_var_lists_from_scopes, "T.train.var_list T.train.non_slot 6.3.3"),
    VSC_REG(optimizer_resumes_tf_checkpoint_with_slots, "T.train.trajectory T.train.slots T.train.checkpoint"),
    /* ---- resource variables ---- */
    VSC_REG(gradients_of_resource_variable_reads, "T.rtrain.grad T.grad.add_n"),
    VSC_REG(optimizer_resource_gradient_descent_graph, "T.rtrain.apply T.rtrain.names"),
    VSC_REG(optimizer_resource_momentum_slots, "T.rtrain.slots T.rtrain.names"),
    VSC_REG(optimizer_resource_adam_graph, "T.rtrain.slots T.rtrain.non_slot T.rtrain.names"),
    VSC_REG(optimizer_resource_rmsprop_centered_slots, "T.rtrain.slots T.rtrain.names"),
    VSC_REG(optimizer_resource_global_step, "T.rtrain.global_step"),
    VSC_REG(optimizer_resource_mixed_with_ref_variables, "T.rtrain.mixed T.rtrain.slots"),
    VSC_REG(optimizer_resource_mixed_trajectory, "T.rtrain.mixed T.rtrain.trajectory"),
    VSC_REG(optimizer_resource_apply_errors, "T.rtrain.errors"),
    VSC_REG(optimizer_resource_run_time_errors, "T.rtrain.errors T.rtrain.apply"),
    VSC_REG(optimizer_resource_trajectory_gradient_descent, "T.rtrain.trajectory"),
    VSC_REG(optimizer_resource_trajectory_momentum, "T.rtrain.trajectory"),
    VSC_REG(optimizer_resource_trajectory_nesterov, "T.rtrain.trajectory"),
    VSC_REG(optimizer_resource_trajectory_adam, "T.rtrain.trajectory"),
    VSC_REG(optimizer_resource_trajectory_rmsprop, "T.rtrain.trajectory"),
    VSC_REG(optimizer_resource_trajectory_rmsprop_centered, "T.rtrain.trajectory"),
    VSC_REG(optimizer_resource_resumes_tf_checkpoint, "T.rtrain.checkpoint T.rtrain.trajectory"),
    /* ---- constraints after an update ---- */
    VSC_REG(optimizer_constraint_assigned_after_update, "T.train.constraint"),
    VSC_REG(optimizer_resource_constraint_assigned_after_update, "T.rtrain.constraint"),
    VSC_REG(optimizer_constraint_trajectory_gradient_descent, "T.train.constraint T.train.trajectory"),
    VSC_REG(optimizer_constraint_trajectory_adam, "T.train.constraint T.train.trajectory"),
    VSC_REG(optimizer_resource_constraint_trajectory_gradient_descent, "T.rtrain.constraint T.rtrain.trajectory"),
    VSC_REG(optimizer_resource_constraint_trajectory_adam, "T.rtrain.constraint T.rtrain.trajectory"),
    /* ---- slot devices ---- */
    VSC_REG(optimizer_slot_devices_from_device_scope, "T.train.slot_device"),
    VSC_REG(optimizer_resource_slot_devices_from_device_scope, "T.rtrain.slot_device"),
    {NULL, NULL, NULL, NULL},
};
