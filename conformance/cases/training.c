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

#include "../../tests/npy.h"
#include "common.h"

#define VSC_SUITE "training"

/* ---- helpers ------------------------------------------------------------ */

static bool own(vsc_ctx *t, vs_tensor *x, int line) {
  if (t->ntensors == VSC_MAX_OWNED) {
    vs_tensor_free(x);
    vsc_fail(t, __FILE__, line, "too many tensors");
    return false;
  }
  t->tensors[t->ntensors++] = x;
  return true;
}

/* conformance/golden/grad/<fixture>/<file>.npy, owned by the case. */
static vs_tensor *golden(vsc_ctx *t, const char *fixture, const char *file, int line) {
  char path[1024], err[1600] = "";
  snprintf(path, sizeof path, "%s/golden/grad/%s/%s.npy", vsc_data_dir(), fixture, file);
  vs_shape shape = {0};
  float *d = npy_load(path, &shape, err, sizeof err);
  if (!d) {
    vsc_fail(t, __FILE__, line, "fixture: %s", err);
    return NULL;
  }
  vs_status *s = vs_status_new();
  vs_tensor *x = s ? vs_tensor_new(VS_FLOAT, shape, d, s) : NULL;
  free(d);
  vs_status_free(s);
  if (!x) {
    vsc_fail(t, __FILE__, line, "tensor for %s", path);
    return NULL;
  }
  return own(t, x, line) ? x : NULL;
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
    VSC_REG(gradients_through_op_without_gradient_lookup_error, "T.grad.error.lookup"),
    /* ---- optimizers ---- */
    {NULL, NULL, NULL, NULL},
};
