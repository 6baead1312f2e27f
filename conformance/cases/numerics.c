/* conformance/cases/numerics.c - the ops of issue 4 (conv2d, bias_add, relu,
 * matmul, `+` with a trailing-dims operand, reshape) against TensorFlow's own
 * outputs, their shape-inference errors with TF 2.21's texts, and the
 * documents' image filter shared three ways. Twins: conformance/oracle/numerics.py.
 *
 * Numeric cases rebuild a graph from the inputs stored in
 * conformance/golden/nn/<fixture>/ (written by tools/make_nn_goldens.py with
 * TensorFlow 2.21) and compare the session's result with that fixture's
 * out.npy; the twin rebuilds the same graph in TensorFlow and compares TF's
 * result with the same file, so both sides answer to one reference.
 * Tolerance, unless a case says otherwise (the same as tests/test_nn.c):
 *   |got - want| <= 1e-5 * (1 + |want|) + 1e-5   element by element,
 * float32 sums of up to 800 products taken in another order than TF's. The
 * static (graph-time) shape must equal the fixture's shape exactly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

#define VSC_SUITE "numerics"

/* ---- helpers ------------------------------------------------------------ */

static bool own(vsc_ctx *t, vs_tensor *x, int line) { return vsc_own_tensor(t, x, __FILE__, line); }

/* conformance/golden/nn/<fixture>/<file>.npy as a tensor owned by the case. */
static vs_tensor *golden_load(vsc_ctx *t, const char *fixture, const char *file, int line) {
  return vsc_golden_npy(t, "nn", fixture, file, __FILE__, line);
}

#define GOLDEN(x, fixture, file)                                  \
  vs_tensor *x = golden_load(t, (fixture), (file), __LINE__);     \
  if (!x) return

/* tf.constant(<golden array>, name=name) */
#define CONST_OF(out, x, name)                                                                     \
  vs_output out = vs_constant(g, vs_tensor_data(x), VS_FLOAT, vs_tensor_shape(x), (name), st);     \
  OK()

static bool same_shape(vs_shape a, vs_shape b) {
  if (a.rank != b.rank) return false;
  for (int i = 0; i < a.rank; i++)
    if (a.dims[i] != b.dims[i]) return false;
  return true;
}

/* `got` (a fetched tensor) matches TF's `want` within the suite's tolerance. */
static bool matches_tf(vsc_ctx *t, const vs_tensor *got, const vs_tensor *want, const char *what, int line) {
  char gs[64], ws[64];
  vs_shape a = vs_tensor_shape(got), b = vs_tensor_shape(want);
  vs_shape_format(a, gs, sizeof gs);
  vs_shape_format(b, ws, sizeof ws);
  if (vs_tensor_dtype(got) != VS_FLOAT || !same_shape(a, b)) {
    vsc_fail(t, __FILE__, line, "%s: %s %s, TF %s float32", what, vs_dtype_name(vs_tensor_dtype(got)), gs, ws);
    return false;
  }
  const float *g = vs_tensor_data(got), *w = vs_tensor_data(want);
  size_t n = vs_tensor_num_elements(got), bad = 0, first = 0;
  double worst = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)g[i] - (double)w[i]), tol = 1e-5 * (1 + fabs((double)w[i])) + 1e-5;
    if (!(d <= tol)) {
      if (bad++ == 0) first = i;
      if (d > worst || d != d) worst = d;
    }
  }
  if (bad) {
    vsc_fail(t, __FILE__, line, "%s: %zu of %zu elements off; [%zu] = %.9g, TF %.9g (worst |diff| %.3g)", what, bad,
             n, first, (double)g[first], (double)w[first], worst);
    return false;
  }
  return true;
}

#define MATCHES_TF(got, want)                                            \
  do {                                                                   \
    if (!matches_tf(t, (got), (want), #got, __LINE__)) return;           \
  } while (0)

/* The inferred shape of `out` is the fixture's shape. */
#define STATIC_SHAPE_OF(out, want)                                                       \
  do {                                                                                   \
    vs_shape vsc_ws_ = vs_tensor_shape(want);                                            \
    char vsc_wb_[64];                                                                    \
    vs_shape_format(vsc_ws_, vsc_wb_, sizeof vsc_wb_);                                   \
    SHAPE_STR(vs_op_output_shape((out).op), vsc_wb_);                                    \
  } while (0)

/* sess.run([a, b]) in one run; both tensors owned by the case. */
static bool fetch2(vsc_ctx *t, vs_session *s, vs_output a, vs_output b, vs_tensor **x, vs_tensor **y, int line) {
  vs_output f[2] = {a, b};
  vs_tensor *r[2] = {NULL, NULL};
  vs_session_run(s, NULL, NULL, 0, f, r, 2, NULL, 0, t->status);
  if (vs_status_code(t->status) != VS_OK || !r[0] || !r[1]) {
    vsc_fail(t, __FILE__, line, "run: %s %s", vs_status_exception_name(t->status), vs_status_message(t->status));
    vs_tensor_free(r[0]);
    vs_tensor_free(r[1]);
    return false;
  }
  bool ok = own(t, r[0], line);
  if (!ok) {
    vs_tensor_free(r[1]);
    return false;
  }
  if (!own(t, r[1], line)) return false;
  *x = r[0];
  *y = r[1];
  return true;
}

/* x = tf.constant(<fixture>/x.npy, name="x"); f = tf.constant(<fixture>/f.npy, name="f")
 * y = tf.nn.conv2d(x, f, strides=[1, sh, sw, 1], padding=padding, dilations=[1, dh, dw, 1])
 * sess.run(y) ~ <fixture>/out.npy; y.name == "Conv2D:0"; y.shape == out.shape */
static void conv_vs_tf(vsc_ctx *t, vs_graph *g, vs_status *st, const char *fixture, int sh, int sw,
                       const char *padding, int dh, int dw) {
  GOLDEN(xd, fixture, "x");
  GOLDEN(fd, fixture, "f");
  GOLDEN(want, fixture, "out");
  CONST_OF(x, xd, "x");
  CONST_OF(f, fd, "f");
  vs_output y = vs_conv2d(g, x, f,
                          &(vs_conv2d_opts){.strides = {1, sh, sw, 1}, .padding = padding,
                                            .dilations = {1, dh, dw, 1}}, st);
  OK();
  STR_EQ(vs_output_name(y), "Conv2D:0");
  STATIC_SHAPE_OF(y, want);
  SESSION(s);
  FETCH(got, s, y);
  MATCHES_TF(got, want);
}

/* ---- conv2d against TensorFlow ----------------------------------------- */

/* x [1,6,5,3], f [3,3,3,4]: tf.nn.conv2d(x, f, [1,1,1,1], "SAME") -> (1, 6, 5, 4) ~ conv_same_s1/out.npy
 * (tolerance: the suite's, 1e-5 * (1 + |want|) + 1e-5)                        N.conv2d.same */
VSC_CASE(conv2d_same_stride1) { conv_vs_tf(t, g, st, "conv_same_s1", 1, 1, "SAME", 1, 1); }

/* x [2,9,7,3], f [3,3,3,5]: tf.nn.conv2d(x, f, [1,2,2,1], "VALID") -> (2, 4, 3, 5) ~ conv_valid_s2/out.npy
 * (tolerance: the suite's)                                        N.conv2d.valid N.conv2d.stride2 */
VSC_CASE(conv2d_valid_stride2) { conv_vs_tf(t, g, st, "conv_valid_s2", 2, 2, "VALID", 1, 1); }

/* x [2,8,7,4], f [5,5,4,3]: tf.nn.conv2d(x, f, [1,2,2,1], "SAME") -> (2, 4, 4, 3) ~ conv_same_s2_5x5/out.npy
 * (odd width, TF's uneven SAME padding: the extra column goes after; tolerance: the suite's)
 *                                                                 N.conv2d.same N.conv2d.stride2 */
VSC_CASE(conv2d_same_stride2_5x5) { conv_vs_tf(t, g, st, "conv_same_s2_5x5", 2, 2, "SAME", 1, 1); }

/* x [1,7,6,2], f [2,3,2,3]: tf.nn.conv2d(x, f, [1,2,1,1], "SAME") -> (1, 4, 6, 3) ~ conv_same_s2x1/out.npy
 * (unequal strides and an even-sized filter; tolerance: the suite's)   N.conv2d.strides_unequal N.conv2d.same */
VSC_CASE(conv2d_same_unequal_strides) { conv_vs_tf(t, g, st, "conv_same_s2x1", 2, 1, "SAME", 1, 1); }

/* x [1,9,9,2], f [3,3,2,2]: tf.nn.conv2d(x, f, [1,1,1,1], "SAME", dilations=[1,2,2,1]) -> (1, 9, 9, 2)
 * ~ conv_dilated/out.npy (tolerance: the suite's)                     N.conv2d.dilation N.conv2d.same */
VSC_CASE(conv2d_same_dilation2) { conv_vs_tf(t, g, st, "conv_dilated", 1, 1, "SAME", 2, 2); }

/* x [1,10,8,3], f [3,2,3,2]: tf.nn.conv2d(x, f, [1,1,1,1], "VALID", dilations=[1,2,3,1]) -> (1, 6, 5, 2)
 * ~ conv_valid_dilated/out.npy (tolerance: the suite's)              N.conv2d.dilation N.conv2d.valid */
VSC_CASE(conv2d_valid_unequal_dilations) { conv_vs_tf(t, g, st, "conv_valid_dilated", 1, 1, "VALID", 2, 3); }

/* x [2,4,4,8], f [1,1,8,6]: tf.nn.conv2d(x, f, [1,1,1,1], "VALID") -> (2, 4, 4, 6) ~ conv_1x1/out.npy
 * (tolerance: the suite's)                                                            N.conv2d.1x1 */
VSC_CASE(conv2d_1x1) { conv_vs_tf(t, g, st, "conv_1x1", 1, 1, "VALID", 1, 1); }

/* ---- the image-filter layer ---------------------------------------------- */

/* The image-filter layer, x [2,8,8,32], f [5,5,32,32], b [32]:
 *   y = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, f, [1,1,1,1], "SAME"), b))
 *   y.name == "Relu:0"; sess.run(y) ~ conv_bias_relu/out.npy
 * (800-term sums; tolerance: the suite's; the device fuses bias + relu)   N.conv_bias_relu */
VSC_CASE(image_filter_layer_bias_add_relu) {
  GOLDEN(xd, "conv_bias_relu", "x");
  GOLDEN(fd, "conv_bias_relu", "f");
  GOLDEN(bd, "conv_bias_relu", "b");
  GOLDEN(want, "conv_bias_relu", "out");
  CONST_OF(x, xd, "x");
  CONST_OF(f, fd, "f");
  CONST_OF(b, bd, "b");
  vs_output c = vs_conv2d(g, x, f, &(vs_conv2d_opts){.strides = {1, 1, 1, 1}, .padding = "SAME"}, st);
  OK();
  vs_output ba = vs_bias_add(g, c, b, NULL, st);
  OK();
  vs_output y = vs_relu(g, ba, NULL, st);
  OK();
  STR_EQ(vs_output_name(ba), "BiasAdd:0");
  STR_EQ(vs_output_name(y), "Relu:0");
  STATIC_SHAPE_OF(y, want);
  SESSION(s);
  FETCH(got, s, y);
  MATCHES_TF(got, want);
}

/* The layer as the documents write conv_relu, on the same fixture:
 *   conv = tf.nn.conv2d(x, f, strides=[1, 1, 1, 1], padding='SAME'); y = tf.nn.relu(conv + b)
 *   (conv + b) is AddV2 "add" broadcasting b [32] over [2,8,8,32]; sess.run(y) ~ conv_bias_relu/out.npy,
 *   which TF made with bias_add: one float add per element either way (tolerance: the suite's)
 *                                                                   N.conv_bias_relu N.add.trailing */
VSC_CASE(image_filter_layer_conv_plus_biases_relu) {
  GOLDEN(xd, "conv_bias_relu", "x");
  GOLDEN(fd, "conv_bias_relu", "f");
  GOLDEN(bd, "conv_bias_relu", "b");
  GOLDEN(want, "conv_bias_relu", "out");
  CONST_OF(x, xd, "x");
  CONST_OF(f, fd, "f");
  CONST_OF(b, bd, "b");
  vs_output c = vs_conv2d(g, x, f, &(vs_conv2d_opts){.strides = {1, 1, 1, 1}, .padding = "SAME"}, st);
  OK();
  vs_output sum = vs_add(g, c, b, NULL, st);
  OK();
  vs_output y = vs_relu(g, sum, NULL, st);
  OK();
  STR_EQ(vs_output_name(sum), "add:0");
  STR_EQ(vs_op_type(sum.op), "AddV2");
  STATIC_SHAPE_OF(y, want);
  SESSION(s);
  FETCH(got, s, y);
  MATCHES_TF(got, want);
}

/* x [2,6,5,3], f [3,3,3,4], b [4]:
 *   conv = tf.nn.conv2d(x, f, [1,1,1,1], "SAME"); y = conv + b
 *   sess.run([conv, y]) ~ (conv_add_bias/conv.npy, conv_add_bias/out.npy): negatives kept (no relu),
 *   and the conv, fetched beside the sum, is not overwritten by an in-place bias epilogue
 * (tolerance: the suite's)                                      N.add.trailing N.fusion.other_reader */
VSC_CASE(conv2d_plus_biases_trailing_dims) {
  GOLDEN(xd, "conv_add_bias", "x");
  GOLDEN(fd, "conv_add_bias", "f");
  GOLDEN(bd, "conv_add_bias", "b");
  GOLDEN(want_conv, "conv_add_bias", "conv");
  GOLDEN(want, "conv_add_bias", "out");
  CONST_OF(x, xd, "x");
  CONST_OF(f, fd, "f");
  CONST_OF(b, bd, "b");
  vs_output conv = vs_conv2d(g, x, f, &(vs_conv2d_opts){.strides = {1, 1, 1, 1}, .padding = "SAME"}, st);
  OK();
  vs_output y = vs_add(g, conv, b, NULL, st);
  OK();
  STR_EQ(vs_output_name(y), "add:0");
  STR_EQ(vs_op_type(y.op), "AddV2");
  STATIC_SHAPE_OF(y, want);
  SESSION(s);
  vs_tensor *got_conv = NULL, *got = NULL;
  if (!fetch2(t, s, conv, y, &got_conv, &got, __LINE__)) return;
  MATCHES_TF(got_conv, want_conv);
  MATCHES_TF(got, want);
}

/* ---- bias_add, relu, matmul, reshape --------------------------------------- */

/* x [3,5], b [5]: y = tf.nn.bias_add(x, b) -> "BiasAdd:0" ~ bias_add_rank2/out.npy (tolerance: the suite's)
 *                                                                                     N.bias_add.rank2 */
VSC_CASE(bias_add_rank2) {
  GOLDEN(xd, "bias_add_rank2", "x");
  GOLDEN(bd, "bias_add_rank2", "b");
  GOLDEN(want, "bias_add_rank2", "out");
  CONST_OF(x, xd, "x");
  CONST_OF(b, bd, "b");
  vs_output y = vs_bias_add(g, x, b, NULL, st);
  OK();
  STR_EQ(vs_output_name(y), "BiasAdd:0");
  STATIC_SHAPE_OF(y, want);
  SESSION(s);
  FETCH(got, s, y);
  MATCHES_TF(got, want);
}

/* x [4,7] uniform in [-1, 1): y = tf.nn.relu(x) -> "Relu:0" ~ relu/out.npy
 * (tolerance: the suite's; relu is exact, so in practice bit-equal)                           N.relu */
VSC_CASE(relu_of_mixed_signs) {
  GOLDEN(xd, "relu", "x");
  GOLDEN(want, "relu", "out");
  CONST_OF(x, xd, "x");
  vs_output y = vs_relu(g, x, NULL, st);
  OK();
  STR_EQ(vs_output_name(y), "Relu:0");
  STATIC_SHAPE_OF(y, want);
  SESSION(s);
  FETCH(got, s, y);
  MATCHES_TF(got, want);
}

/* a = tf.constant(<fixture>/a.npy, name="a"); b = tf.constant(<fixture>/b.npy, name="b")
 * y = tf.matmul(a, b, transpose_a=ta, transpose_b=tb) -> "MatMul:0" (3, 4) ~ <fixture>/out.npy */
static void matmul_vs_tf(vsc_ctx *t, vs_graph *g, vs_status *st, const char *fixture, bool ta, bool tb) {
  GOLDEN(ad, fixture, "a");
  GOLDEN(bd, fixture, "b");
  GOLDEN(want, fixture, "out");
  CONST_OF(a, ad, "a");
  CONST_OF(b, bd, "b");
  vs_output y = vs_matmul(g, a, b, &(vs_matmul_opts){.transpose_a = ta, .transpose_b = tb}, st);
  OK();
  STR_EQ(vs_output_name(y), "MatMul:0");
  STATIC_SHAPE_OF(y, want);
  SESSION(s);
  FETCH(got, s, y);
  MATCHES_TF(got, want);
}

/* a [3,5], b [5,4]: tf.matmul(a, b) ~ matmul/out.npy (tolerance: the suite's)                N.matmul */
VSC_CASE(matmul_plain) { matmul_vs_tf(t, g, st, "matmul", false, false); }

/* a [5,3], b [5,4]: tf.matmul(a, b, transpose_a=True) ~ matmul_ta/out.npy (tolerance: the suite's)
 *                                                                                N.matmul.transpose_a */
VSC_CASE(matmul_transpose_a) { matmul_vs_tf(t, g, st, "matmul_ta", true, false); }

/* a [3,5], b [4,5]: tf.matmul(a, b, transpose_b=True) ~ matmul_tb/out.npy (tolerance: the suite's)
 *                                                                                N.matmul.transpose_b */
VSC_CASE(matmul_transpose_b) { matmul_vs_tf(t, g, st, "matmul_tb", false, true); }

/* a [5,3], b [4,5]: tf.matmul(a, b, transpose_a=True, transpose_b=True) ~ matmul_tab/out.npy
 * (tolerance: the suite's)                                                    N.matmul.transpose_both */
VSC_CASE(matmul_transpose_both) { matmul_vs_tf(t, g, st, "matmul_tab", true, true); }

/* x [2,3,4]: y = tf.reshape(x, [-1, 6]) -> "Reshape:0", static shape (4, 6); sess.run(y) == reshape_infer/out.npy
 * bit for bit (tolerance 0: a reshape moves no value)                                   N.reshape.infer */
VSC_CASE(reshape_inferred_dimension) {
  GOLDEN(xd, "reshape_infer", "x");
  GOLDEN(want, "reshape_infer", "out");
  CONST_OF(x, xd, "x");
  vs_output y = vs_reshape(g, x, VS_SHAPE(VS_DIM_UNKNOWN, 6), NULL, st);
  OK();
  STR_EQ(vs_output_name(y), "Reshape:0");
  SHAPE_STR(vs_op_output_shape(y.op), "(4, 6)");
  STATIC_SHAPE_OF(y, want);
  SESSION(s);
  FETCH(got, s, y);
  vs_shape gs = vs_tensor_shape(got), ws = vs_tensor_shape(want);
  EXPECT(same_shape(gs, ws), "fetched shape differs from TF's");
  EXPECT(memcmp(vs_tensor_data(got), vs_tensor_data(want), vs_tensor_byte_size(want)) == 0,
         "values differ from TF's");
}

/* ---- shape-inference errors (TF 2.21's texts) ------------------------------ */

#define CONV2D_ATTRS(padding)                                                                 \
  "Conv2D[T=DT_FLOAT, data_format=\"NHWC\", dilations=[1, 1, 1, 1], explicit_paddings=[], " \
  "padding=\"" padding "\", strides=[1, 1, 1, 1], use_cudnn_on_gpu=true]"

/* x3 = tf.placeholder(tf.float32, [8, 8, 3], name="x3"); w = tf.placeholder(tf.float32, [5, 5, 32, 32], name="w")
 * tf.nn.conv2d(x3, w, [1, 1, 1, 1], "SAME") -> ValueError "Shape must be rank 4 but is rank 3 for
 *   '{{node Conv2D}} = Conv2D[...](x3, w)' with input shapes: [8,8,3], [5,5,32,32]."   N.conv2d.error.rank */
VSC_CASE(conv2d_rank3_input_error) {
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(8, 8, 3), "x3", st);
  OK();
  vs_output w = vs_placeholder(g, VS_FLOAT, VS_SHAPE(5, 5, 32, 32), "w", st);
  OK();
  vs_output y = vs_conv2d(g, x, w, &(vs_conv2d_opts){.padding = "SAME"}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Shape must be rank 4 but is rank 3 for '{{node Conv2D}} = " CONV2D_ATTRS("SAME")
      "(x3, w)' with input shapes: [8,8,3], [5,5,32,32].");
  EXPECT(y.op == NULL, "an op was returned");
}

/* x = tf.placeholder(tf.float32, [1, 8, 8, 3], name="x"); w as above
 * tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME") -> ValueError "Depth of input (3) is not a multiple of input
 *   depth of filter (32) for '{{node Conv2D}} = Conv2D[...](x, w)' with input shapes: [1,8,8,3], [5,5,32,32]."
 *                                                                                  N.conv2d.error.depth */
VSC_CASE(conv2d_depth_mismatch_error) {
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 8, 8, 3), "x", st);
  OK();
  vs_output w = vs_placeholder(g, VS_FLOAT, VS_SHAPE(5, 5, 32, 32), "w", st);
  OK();
  vs_output y = vs_conv2d(g, x, w, &(vs_conv2d_opts){.padding = "SAME"}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Depth of input (3) is not a multiple of input depth of filter (32) for '{{node Conv2D}} = "
      CONV2D_ATTRS("SAME") "(x, w)' with input shapes: [1,8,8,3], [5,5,32,32].");
  EXPECT(y.op == NULL, "an op was returned");
}

/* x2 = tf.placeholder(tf.float32, [1, 3, 3, 32], name="x2"); w as above
 * tf.nn.conv2d(x2, w, [1, 1, 1, 1], "VALID") -> ValueError "Negative dimension size caused by subtracting
 *   5 from 3 for '{{node Conv2D}} = Conv2D[...](x2, w)' with input shapes: [1,3,3,32], [5,5,32,32]."
 *                                                                               N.conv2d.error.negative */
VSC_CASE(conv2d_valid_negative_size_error) {
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 3, 3, 32), "x2", st);
  OK();
  vs_output w = vs_placeholder(g, VS_FLOAT, VS_SHAPE(5, 5, 32, 32), "w", st);
  OK();
  vs_output y = vs_conv2d(g, x, w, &(vs_conv2d_opts){.padding = "VALID"}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Negative dimension size caused by subtracting 5 from 3 for '{{node Conv2D}} = " CONV2D_ATTRS("VALID")
      "(x2, w)' with input shapes: [1,3,3,32], [5,5,32,32].");
  EXPECT(y.op == NULL, "an op was returned");
}

/* x4 = tf.placeholder(tf.float32, [2, 9, 7, 32], name="x4"); w as above
 * tf.nn.conv2d(x4, w, [1, 1, 1, 1], "BAD") -> ValueError
 *   "Attr 'padding' of 'Conv2D' Op passed string 'BAD' not in: \"SAME\", \"VALID\", \"EXPLICIT\"."
 *                                                                                N.conv2d.error.padding */
VSC_CASE(conv2d_bad_padding_error) {
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2, 9, 7, 32), "x4", st);
  OK();
  vs_output w = vs_placeholder(g, VS_FLOAT, VS_SHAPE(5, 5, 32, 32), "w", st);
  OK();
  vs_output y = vs_conv2d(g, x, w, &(vs_conv2d_opts){.padding = "BAD"}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Attr 'padding' of 'Conv2D' Op passed string 'BAD' not in: \"SAME\", \"VALID\", \"EXPLICIT\".");
  EXPECT(y.op == NULL, "an op was returned");
}

/* x4, w as above; tf.nn.conv2d(x4, w, [1, 1, 1, 1], padding=None) -> TypeError
 *   "Expected string for argument 'padding' not None."   (a NULL .padding)   N.conv2d.error.padding */
VSC_CASE(conv2d_no_padding_error) {
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2, 9, 7, 32), "x4", st);
  OK();
  vs_output w = vs_placeholder(g, VS_FLOAT, VS_SHAPE(5, 5, 32, 32), "w", st);
  OK();
  vs_output y = vs_conv2d(g, x, w, &(vs_conv2d_opts){.strides = {1, 1, 1, 1}}, st);
  ERR(VS_INVALID_ARGUMENT, "TypeError", "Expected string for argument 'padding' not None.");
  EXPECT(y.op == NULL, "an op was returned");
  INT_EQ(vs_graph_num_operations(g), 2); /* nothing half-built */
}

/* x4, w as above; c = tf.nn.conv2d(x4, w, [1, 1, 1, 1], "SAME"); b = tf.constant(0., shape=[31])
 * tf.nn.bias_add(c, b) -> ValueError "Dimensions must be equal, but are 32 and 31 for '{{node BiasAdd}} =
 *   BiasAdd[T=DT_FLOAT, data_format=\"NHWC\"](Conv2D, Const)' with input shapes: [2,9,7,32], [31]."
 *                                                                                      N.bias_add.error */
VSC_CASE(bias_add_size_mismatch_error) {
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2, 9, 7, 32), "x4", st);
  OK();
  vs_output w = vs_placeholder(g, VS_FLOAT, VS_SHAPE(5, 5, 32, 32), "w", st);
  OK();
  vs_output c = vs_conv2d(g, x, w, &(vs_conv2d_opts){.padding = "SAME"}, st);
  OK();
  float zeros[31] = {0};
  vs_output b = vs_constant(g, zeros, VS_FLOAT, VS_SHAPE(31), NULL, st);
  OK();
  vs_output y = vs_bias_add(g, c, b, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Dimensions must be equal, but are 32 and 31 for '{{node BiasAdd}} = BiasAdd[T=DT_FLOAT, "
      "data_format=\"NHWC\"](Conv2D, Const)' with input shapes: [2,9,7,32], [31].");
  EXPECT(y.op == NULL, "an op was returned");
}

/* x4, w, c as above; b2 = tf.constant(0., shape=[2, 32], name="b2")
 * tf.nn.bias_add(c, b2) -> ValueError "Shape must be rank 1 but is rank 2 for '{{node BiasAdd}} =
 *   BiasAdd[T=DT_FLOAT, data_format=\"NHWC\"](Conv2D, b2)' with input shapes: [2,9,7,32], [2,32]."
 *                                                                                      N.bias_add.error */
VSC_CASE(bias_add_rank2_bias_error) {
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2, 9, 7, 32), "x4", st);
  OK();
  vs_output w = vs_placeholder(g, VS_FLOAT, VS_SHAPE(5, 5, 32, 32), "w", st);
  OK();
  vs_output c = vs_conv2d(g, x, w, &(vs_conv2d_opts){.padding = "SAME"}, st);
  OK();
  float zeros[64] = {0};
  vs_output b = vs_constant(g, zeros, VS_FLOAT, VS_SHAPE(2, 32), "b2", st);
  OK();
  vs_output y = vs_bias_add(g, c, b, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Shape must be rank 1 but is rank 2 for '{{node BiasAdd}} = BiasAdd[T=DT_FLOAT, "
      "data_format=\"NHWC\"](Conv2D, b2)' with input shapes: [2,9,7,32], [2,32].");
  EXPECT(y.op == NULL, "an op was returned");
}

/* tf.matmul(tf.placeholder(tf.float32, [3, 4]), tf.placeholder(tf.float32, [5, 6])) -> ValueError
 *   "Dimensions must be equal, but are 4 and 5 for '{{node MatMul}} = MatMul[T=DT_FLOAT, grad_a=false,
 *   grad_b=false, transpose_a=false, transpose_b=false](Placeholder, Placeholder_1)' with input shapes:
 *   [3,4], [5,6]."                                                                       N.matmul.error */
VSC_CASE(matmul_inner_dimension_error) {
  vs_output a = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3, 4), NULL, st);
  OK();
  vs_output b = vs_placeholder(g, VS_FLOAT, VS_SHAPE(5, 6), NULL, st);
  OK();
  vs_output y = vs_matmul(g, a, b, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Dimensions must be equal, but are 4 and 5 for '{{node MatMul}} = MatMul[T=DT_FLOAT, grad_a=false, "
      "grad_b=false, transpose_a=false, transpose_b=false](Placeholder, Placeholder_1)' with input shapes: "
      "[3,4], [5,6].");
  EXPECT(y.op == NULL, "an op was returned");
}

/* a = tf.placeholder(tf.float32, [3, 4], name="a"); b = tf.placeholder(tf.float32, [3, 6], name="b")
 * tf.matmul(a, b, transpose_b=True) -> ValueError "Dimensions must be equal, but are 4 and 6 for
 *   '{{node MatMul}} = MatMul[..., transpose_a=false, transpose_b=true](a, b)' with input shapes: [3,4], [3,6]."
 * (the shapes are the operands' own, before transposition)                               N.matmul.error */
VSC_CASE(matmul_transpose_b_dimension_error) {
  vs_output a = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3, 4), "a", st);
  OK();
  vs_output b = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3, 6), "b", st);
  OK();
  vs_output y = vs_matmul(g, a, b, &(vs_matmul_opts){.transpose_b = true}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Dimensions must be equal, but are 4 and 6 for '{{node MatMul}} = MatMul[T=DT_FLOAT, grad_a=false, "
      "grad_b=false, transpose_a=false, transpose_b=true](a, b)' with input shapes: [3,4], [3,6].");
  EXPECT(y.op == NULL, "an op was returned");
}

/* m1 = tf.placeholder(tf.float32, [3, 4]); tf.reshape(m1, [5, 5]) -> ValueError "Cannot reshape a tensor with
 *   12 elements to shape [5,5] (25 elements) for '{{node Reshape}} = Reshape[T=DT_FLOAT, Tshape=DT_INT32]
 *   (Placeholder, Reshape/shape)' with input shapes: [3,4], [2] and with input tensors computed as partial
 *   shapes: input[1] = [5,5]."                                                          N.reshape.error */
VSC_CASE(reshape_element_count_error) {
  vs_output a = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3, 4), NULL, st);
  OK();
  vs_output y = vs_reshape(g, a, VS_SHAPE(5, 5), NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Cannot reshape a tensor with 12 elements to shape [5,5] (25 elements) for '{{node Reshape}} = "
      "Reshape[T=DT_FLOAT, Tshape=DT_INT32](Placeholder, Reshape/shape)' with input shapes: [3,4], [2] "
      "and with input tensors computed as partial shapes: input[1] = [5,5].");
  EXPECT(y.op == NULL, "an op was returned");
}

/* ---- the documents' image filter, shared three ways ------------------------ */

enum { IF_BATCH = 2, IF_SIZE = 16, IF_DEPTH = 8 };
#define IF_COUNT ((size_t)IF_BATCH * IF_SIZE * IF_SIZE * IF_DEPTH)

static vs_output filter_conv_relu(vs_graph *g, vs_output input, vs_status *st) {
  vs_var *weights = vs_get_variable(g, "weights", &(vs_var_opts){.shape = VS_SHAPE(5, 5, IF_DEPTH, IF_DEPTH),
                                    .initializer = vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE)}, st);
  vs_var *biases = weights ? vs_get_variable(g, "biases", &(vs_var_opts){.shape = VS_SHAPE(IF_DEPTH),
                                             .initializer = vs_constant_initializer(0.0)}, st) : NULL;
  if (!biases) return (vs_output){NULL, 0};
  vs_output conv = vs_conv2d(g, input, vs_var_value(weights),
                             &(vs_conv2d_opts){.strides = {1, 1, 1, 1}, .padding = "SAME"}, st);
  if (vs_status_code(st) != VS_OK) return (vs_output){NULL, 0};
  vs_output sum = vs_add(g, conv, vs_var_value(biases), NULL, st);
  return vs_status_code(st) == VS_OK ? vs_relu(g, sum, NULL, st) : (vs_output){NULL, 0};
}

static vs_output filter_model(vs_graph *g, vs_output images, vs_status *st) {
  vs_output relu1 = {NULL, 0}, relu2 = {NULL, 0};
  vs_scope *s1 = vs_variable_scope_push(g, "conv1", NULL, st);
  if (!s1) return relu1;
  relu1 = filter_conv_relu(g, images, st);
  vs_variable_scope_pop(g, s1, vs_status_code(st) == VS_OK ? st : NULL);
  if (vs_status_code(st) != VS_OK) return relu2;
  vs_scope *s2 = vs_variable_scope_push(g, "conv2", NULL, st);
  if (!s2) return relu2;
  relu2 = filter_conv_relu(g, relu1, st);
  vs_variable_scope_pop(g, s2, vs_status_code(st) == VS_OK ? st : NULL);
  return relu2;
}

/* One form in its own graph (graph seed 1234): result1, result2 for image1, image2, and both
 * results with image1 fed to both placeholders (out[2], out[3]). Returns false with err set. */
static bool filter_form(int form, const char *device, vs_tensor *images[2], vs_tensor *out[4], char *err,
                        size_t cap) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_session *s = NULL;
  bool ok = false;
  if (!st || !g) {
    snprintf(err, cap, "out of memory");
    goto done;
  }
  vs_graph_set_random_seed(g, 1234);
  vs_output image1 = vs_placeholder(g, VS_FLOAT, VS_SHAPE(IF_BATCH, IF_SIZE, IF_SIZE, IF_DEPTH), "image1", st);
  vs_output image2 = vs_placeholder(g, VS_FLOAT, VS_SHAPE(IF_BATCH, IF_SIZE, IF_SIZE, IF_DEPTH), "image2", st);
  vs_output result1 = {NULL, 0}, result2 = {NULL, 0};
  vs_scope *scope = vs_status_code(st) == VS_OK ? vs_variable_scope_push(g, "image_filters", NULL, st) : NULL;
  if (scope) {
    result1 = filter_model(g, image1, st);
    if (vs_status_code(st) == VS_OK) {
      if (form == 1) { /* with tf.variable_scope("image_filters", reuse=True): */
        vs_variable_scope_pop(g, scope, st);
        scope = vs_variable_scope_push(g, "image_filters", &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
      } else if (form == 2) { /* scope.reuse_variables() */
        vs_scope_reuse_variables(scope);
      } else { /* with tf.variable_scope(scope, reuse=True): */
        vs_variable_scope_pop(g, scope, st);
        scope = vs_variable_scope_push_scope(g, scope, &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
      }
      if (scope) result2 = filter_model(g, image2, st);
    }
    if (scope) vs_variable_scope_pop(g, scope, vs_status_code(st) == VS_OK ? st : NULL);
  }
  if (vs_status_code(st) != VS_OK) {
    snprintf(err, cap, "building: %s %s", vs_status_exception_name(st), vs_status_message(st));
    goto done;
  }
  vs_var *vars[8];
  size_t n = vs_trainable_variables(g, NULL, vars, 8, st);
  char names[512] = "";
  for (size_t i = 0; i < n && i < 8; i++) {
    size_t len = strlen(names);
    snprintf(names + len, sizeof names - len, "%s%s", i ? " " : "", vs_var_name(vars[i]));
  }
  if (strcmp(names, "image_filters/conv1/weights:0 image_filters/conv1/biases:0 "
                    "image_filters/conv2/weights:0 image_filters/conv2/biases:0") != 0) {
    snprintf(err, cap, "trainable variables: %s", names);
    goto done;
  }
  s = vs_session_new(g, &(vs_session_opts){.default_device = device}, st);
  vs_op *init = s ? vs_global_variables_initializer(g, st) : NULL;
  if (init) vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  vs_output feeds[2] = {image1, image2}, fetches[2] = {result1, result2};
  vs_tensor *same[2] = {images[0], images[0]};
  if (vs_status_code(st) == VS_OK) vs_session_run(s, feeds, images, 2, fetches, out, 2, NULL, 0, st);
  if (vs_status_code(st) == VS_OK) vs_session_run(s, feeds, same, 2, fetches, out + 2, 2, NULL, 0, st);
  if (vs_status_code(st) != VS_OK) {
    snprintf(err, cap, "running: %s %s", vs_status_exception_name(st), vs_status_message(st));
    goto done;
  }
  ok = true;
done:
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
  return ok;
}

/* def conv_relu(input, kernel_shape, bias_shape):
 *     weights = tf.get_variable("weights", kernel_shape, initializer=tf.random_normal_initializer())
 *     biases = tf.get_variable("biases", bias_shape, initializer=tf.constant_initializer(0.0))
 *     conv = tf.nn.conv2d(input, weights, strides=[1, 1, 1, 1], padding='SAME')
 *     return tf.nn.relu(conv + biases)
 * def my_image_filter(input_images):
 *     with tf.variable_scope("conv1"): relu1 = conv_relu(input_images, [5, 5, 8, 8], [8])
 *     with tf.variable_scope("conv2"): return conv_relu(relu1, [5, 5, 8, 8], [8])
 * In a fresh graph per form, tf.set_random_seed(1234); image1, image2 = placeholders [2, 16, 16, 8]:
 *   (1) with tf.variable_scope("image_filters"): result1 = my_image_filter(image1)
 *       with tf.variable_scope("image_filters", reuse=True): result2 = my_image_filter(image2)
 *   (2) with tf.variable_scope("image_filters") as scope:
 *           result1 = my_image_filter(image1); scope.reuse_variables(); result2 = my_image_filter(image2)
 *   (3) with tf.variable_scope("image_filters") as scope: result1 = my_image_filter(image1)
 *       with tf.variable_scope(scope, reuse=True): result2 = my_image_filter(image2)
 * Each form: exactly the four trainable variables image_filters/conv{1,2}/{weights,biases}:0;
 * sess.run([result1, result2]) after global_variables_initializer() is bit-identical across the
 * three forms (tolerance 0); result1 != result2; feeding image1 to both gives result1 == result2 bit
 * for bit (one set of weights). image1[i] = ((7i mod 13) - 6) / 6, image2[i] = ((5i mod 11) - 5) / 5
 * in float32. (The README's example at the documents' shapes is 5x5x32x32 on 8x64x64x32 inputs; this is
 * the same model at a small size.)                                           N.image_filter.sharing A.j */
VSC_CASE(image_filter_three_sharing_forms_bit_identical) {
  SESSION(probe); /* skips the case when there is no device */
  (void)probe;
  float *d1 = malloc(IF_COUNT * sizeof *d1), *d2 = malloc(IF_COUNT * sizeof *d2);
  vs_tensor *images[2] = {NULL, NULL};
  if (d1 && d2) {
    for (size_t i = 0; i < IF_COUNT; i++) {
      d1[i] = (float)((long)((i * 7) % 13) - 6) / 6.0f;
      d2[i] = (float)((long)((i * 5) % 11) - 5) / 5.0f;
    }
    vs_shape is = VS_SHAPE(IF_BATCH, IF_SIZE, IF_SIZE, IF_DEPTH);
    images[0] = vs_tensor_new(VS_FLOAT, is, d1, st);
    if (images[0] && !own(t, images[0], __LINE__)) images[0] = NULL;
    images[1] = images[0] ? vs_tensor_new(VS_FLOAT, is, d2, st) : NULL;
    if (images[1] && !own(t, images[1], __LINE__)) images[1] = NULL;
  }
  free(d1);
  free(d2);
  EXPECT(images[0] && images[1], "images: %s", vs_status_message(st));
  vs_tensor *out[3][4] = {{NULL}};
  for (int form = 1; form <= 3; form++) {
    char err[1024] = "";
    bool ok = filter_form(form, t->device, images, out[form - 1], err, sizeof err);
    for (int i = 0; i < 4; i++)
      if (out[form - 1][i] && !own(t, out[form - 1][i], __LINE__)) return;
    EXPECT(ok, "form %d: %s", form, err);
  }
  size_t bytes = IF_COUNT * sizeof(float);
  for (int i = 0; i < 4; i++)
    EXPECT(vs_tensor_byte_size(out[0][i]) == bytes, "result %d has %zu bytes, want %zu", i,
           vs_tensor_byte_size(out[0][i]), bytes);
  for (int form = 2; form <= 3; form++)
    for (int i = 0; i < 2; i++)
      EXPECT(memcmp(vs_tensor_data(out[form - 1][i]), vs_tensor_data(out[0][i]), bytes) == 0,
             "form %d result%d differs from form 1's", form, i + 1);
  const float *r1 = FLOATS(out[0][0]);
  size_t positive = 0;
  for (size_t i = 0; i < IF_COUNT; i++) {
    EXPECT(isfinite(r1[i]) && r1[i] >= 0, "result1[%zu] = %g", i, (double)r1[i]);
    positive += r1[i] > 0;
  }
  EXPECT(positive > 0, "result1 is all zero");
  EXPECT(memcmp(vs_tensor_data(out[0][0]), vs_tensor_data(out[0][1]), bytes) != 0,
         "result1 == result2 for different images");
  for (int form = 1; form <= 3; form++)
    EXPECT(memcmp(vs_tensor_data(out[form - 1][2]), vs_tensor_data(out[form - 1][3]), bytes) == 0 &&
               memcmp(vs_tensor_data(out[form - 1][2]), vs_tensor_data(out[0][0]), bytes) == 0,
           "form %d: image1 through both filters gives different results", form);
}

/* ---- tf.cast (the Cast op): TF 2.21's CPU values, exactly ------------------ */

/* The inputs of the cast cases: halves that truncate differently from how
 * they round, NaN, the infinities, values beyond int32, float16's overflow
 * (65520 rounds to inf) and a float16 underflow. */
static const float cast_src[12] = {1.5f, -1.5f, 2.7f, -2.7f, NAN, INFINITY, -INFINITY, 3e9f, -3e9f, 65520.0f, 1e-8f, 0.0f};
static const double cast_src64[10] = {1.5, -1.5, 2.7, -2.7, NAN, INFINITY, -INFINITY, 3e9, -3e9, 1e20};

/* sess.run(tf.cast(x, dtype)) with the op's name checked; the tensor is
 * the case's. */
static vs_tensor *cast_run(vsc_ctx *t, vs_graph *g, vs_session *s, vs_output x, vs_dtype dtype, const char *want_name,
                           int line) {
  vs_output y = vs_cast(g, x, dtype, NULL, t->status);
  if (vs_status_code(t->status) != VS_OK || !y.op) {
    vsc_fail(t, __FILE__, line, "cast to %s: %s", vs_dtype_name(dtype), vs_status_message(t->status));
    return NULL;
  }
  if (strcmp(vs_op_name(y.op), want_name) != 0 || vs_op_output_dtype(y.op) != dtype) {
    vsc_fail(t, __FILE__, line, "cast to %s is %s of %s, want %s", vs_dtype_name(dtype), vs_op_name(y.op),
             vs_dtype_name(vs_op_output_dtype(y.op)), want_name);
    return NULL;
  }
  return vsc_fetch(t, s, y, __FILE__, line);
}

/* Element i of a fetched integer (or bool) tensor, sign- or zero-extended. */
static long long cast_int_at(const vs_tensor *x, size_t i) {
  const void *p = vs_tensor_data(x);
  switch (vs_tensor_dtype(x)) {
    case VS_INT8: return ((const int8_t *)p)[i];
    case VS_UINT8: case VS_BOOL: return ((const uint8_t *)p)[i];
    case VS_INT16: return ((const int16_t *)p)[i];
    case VS_UINT16: case VS_HALF: case VS_BFLOAT16: return ((const uint16_t *)p)[i];
    case VS_INT32: return ((const int32_t *)p)[i];
    case VS_UINT32: return ((const uint32_t *)p)[i];
    case VS_INT64: return ((const int64_t *)p)[i];
    case VS_UINT64: return (long long)((const uint64_t *)p)[i];
    default: return 0;
  }
}

/* The integers (16-bit floats: their bits) of a cast, exactly TF's. */
#define CAST_INTS(s, x, dtype, name, ...)                                                                \
  do {                                                                                                   \
    static const long long want_[] = {__VA_ARGS__};                                                      \
    vs_tensor *got_ = cast_run(t, g, (s), (x), (dtype), (name), __LINE__);                               \
    if (!got_) return;                                                                                   \
    EXPECT(vs_tensor_num_elements(got_) == sizeof want_ / sizeof want_[0], "%s: %zu elements", (name),   \
           vs_tensor_num_elements(got_));                                                                \
    for (size_t i_ = 0; i_ < sizeof want_ / sizeof want_[0]; i_++)                                       \
      EXPECT(cast_int_at(got_, i_) == want_[i_], "%s (%s)[%zu] is %lld, TF %lld", (name),                \
             vs_dtype_name(dtype), i_, cast_int_at(got_, i_), want_[i_]);                                \
  } while (0)

/* x = tf.constant(<12 floats>, name="x"); tf.cast(x, t) for t in (int32, int64, uint8, int8, int16,
 * uint16, uint32, uint64): ops Cast .. Cast_7, TF's values (truncation toward zero; NaN, inf and
 * out-of-range as TF on x86-64); big = tf.constant([1.8e19, 2e19, -1e19, -5e9], name="big") to uint64
 * ("Cast_8").                                                                   N.cast.float_to_int */
VSC_CASE(cast_float32_to_integers_truncates_as_tf) {
  vs_output x = vs_constant(g, cast_src, VS_FLOAT, VS_SHAPE(12), "x", st);
  OK();
  SESSION(s);
  const long long m32 = INT32_MIN, m64 = INT64_MIN;
  CAST_INTS(s, x, VS_INT32, "Cast", 1, -1, 2, -2, m32, m32, m32, m32, m32, 65520, 0, 0);
  CAST_INTS(s, x, VS_INT64, "Cast_1", 1, -1, 2, -2, m64, m64, m64, 3000000000LL, -3000000000LL, 65520, 0, 0);
  CAST_INTS(s, x, VS_UINT8, "Cast_2", 1, 255, 2, 254, 0, 0, 0, 0, 0, 240, 0, 0);
  CAST_INTS(s, x, VS_INT8, "Cast_3", 1, -1, 2, -2, 0, 0, 0, 0, 0, -16, 0, 0);
  CAST_INTS(s, x, VS_INT16, "Cast_4", 1, -1, 2, -2, 0, 0, 0, 0, 0, -16, 0, 0);
  CAST_INTS(s, x, VS_UINT16, "Cast_5", 1, 65535, 2, 65534, 0, 0, 0, 0, 0, 65520, 0, 0);
  CAST_INTS(s, x, VS_UINT32, "Cast_6", 1, 4294967295LL, 2, 4294967294LL, 2147483648LL, 2147483648LL, 2147483648LL,
            3000000000LL, 1294967296LL, 65520, 0, 0);
  CAST_INTS(s, x, VS_UINT64, "Cast_7", 1, -1, 2, -2, m64, m64, m64, 3000000000LL, -3000000000LL, 65520, 0, 0);
  /* uint64 beyond int64: exact below 2^64 (1.8e19 as float32 is 18000000404716257280, compared as its
   * int64 bits), 2^63 from 2^64 on and below -2^63 */
  static const float big[4] = {1.8e19f, 2e19f, -1e19f, -5e9f};
  vs_output b = vs_constant(g, big, VS_FLOAT, VS_SHAPE(4), "big", st);
  OK();
  CAST_INTS(s, b, VS_UINT64, "Cast_8", -446743668993294336LL, m64, m64, -5000000000LL);
}

/* The same x; tf.cast(x, t) for t in (float16, bfloat16, bool): the 16-bit floats rounded to nearest
 * even (65520 -> inf in float16; bits compared), bool x != 0 (NaN True).      N.cast.float_to_16bit */
VSC_CASE(cast_float32_to_float16_bfloat16_bool_as_tf) {
  vs_output x = vs_constant(g, cast_src, VS_FLOAT, VS_SHAPE(12), "x", st);
  OK();
  SESSION(s);
  CAST_INTS(s, x, VS_HALF, "Cast", 0x3e00, 0xbe00, 0x4166, 0xc166, 0x7e00, 0x7c00, 0xfc00, 0x7c00, 0xfc00, 0x7c00, 0,
            0);
  CAST_INTS(s, x, VS_BFLOAT16, "Cast_1", 0x3fc0, 0xbfc0, 0x402d, 0xc02d, 0x7fc0, 0x7f80, 0xff80, 0x4f33, 0xcf33, 0x4780,
            0x322c, 0);
  CAST_INTS(s, x, VS_BOOL, "Cast_2", 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0);
  /* and back: float16 -> float32 is exact; 2.7 became 2.69921875 */
  vs_output h = vs_cast(g, x, VS_HALF, "h", st);
  OK();
  vs_output back = vs_cast(g, h, VS_FLOAT, NULL, st);
  OK();
  STR_EQ(vs_op_name(back.op), "Cast_3");
  FETCH(b, s, back);
  NEAR(FLOATS(b)[2], 2.69921875, 0);
  EXPECT(isinf(FLOATS(b)[9]) && FLOATS(b)[9] > 0, "float16(65520) is %g, TF inf", (double)FLOATS(b)[9]);
  EXPECT(isnan(FLOATS(b)[4]), "float16(NaN) is %g", (double)FLOATS(b)[4]);
}

/* d = tf.constant(<10 doubles>, tf.float64, name="d"); i = tf.constant([300, -1, 70000, -70000], name="i");
 * b = tf.constant([True, False], name="b"): casts from float64 (to int32, int64, float16 through float32, as
 * Eigen's half(double)), from int32 (wrapping to narrower integers, to float16 and bool) and from bool. N.cast.sources */
VSC_CASE(cast_from_float64_int32_and_bool_as_tf) {
  vs_output d = vs_constant(g, cast_src64, VS_DOUBLE, VS_SHAPE(10), "d", st);
  OK();
  static const int32_t ints[4] = {300, -1, 70000, -70000};
  vs_output i = vs_constant(g, ints, VS_INT32, VS_SHAPE(4), "i", st);
  OK();
  static const bool bools[2] = {true, false};
  vs_output b = vs_constant(g, bools, VS_BOOL, VS_SHAPE(2), "b", st);
  OK();
  SESSION(s);
  const long long m32 = INT32_MIN, m64 = INT64_MIN;
  CAST_INTS(s, d, VS_INT32, "Cast", 1, -1, 2, -2, m32, m32, m32, m32, m32, m32);
  CAST_INTS(s, d, VS_INT64, "Cast_1", 1, -1, 2, -2, m64, m64, m64, 3000000000LL, -3000000000LL, m64);
  CAST_INTS(s, d, VS_HALF, "Cast_2", 0x3e00, 0xbe00, 0x4166, 0xc166, 0x7e00, 0x7c00, 0xfc00, 0x7c00, 0xfc00, 0x7c00);
  CAST_INTS(s, i, VS_UINT8, "Cast_3", 44, 255, 112, 144);
  CAST_INTS(s, i, VS_INT8, "Cast_4", 44, -1, 112, -112);
  CAST_INTS(s, i, VS_INT16, "Cast_5", 300, -1, 4464, -4464);
  CAST_INTS(s, i, VS_UINT16, "Cast_6", 300, 65535, 4464, 61072);
  CAST_INTS(s, i, VS_UINT32, "Cast_7", 300, 4294967295LL, 70000, 4294897296LL);
  CAST_INTS(s, i, VS_HALF, "Cast_8", 0x5cb0, 0xbc00, 0x7c00, 0xfc00);
  CAST_INTS(s, i, VS_BOOL, "Cast_9", 1, 1, 1, 1);
  CAST_INTS(s, b, VS_INT32, "Cast_10", 1, 0);
  vs_tensor *f = cast_run(t, g, s, d, VS_FLOAT, "Cast_11", __LINE__);
  if (!f) return;
  NEAR(FLOATS(f)[2], 2.7000000476837158, 0);
  NEAR(FLOATS(f)[9], 1.0000000200408773e+20, 0);
  vs_tensor *bf = cast_run(t, g, s, b, VS_FLOAT, "Cast_12", __LINE__);
  if (!bf) return;
  NEAR(FLOATS(bf)[0], 1.0, 0);
  NEAR(FLOATS(bf)[1], 0.0, 0);
}

/* x = tf.constant([1.5], name="x"): tf.cast(x, tf.float32) is x itself (no op); tf.cast(x, tf.int32,
 * name="foo") is "foo:0"; tf.cast(tf.constant(["a"], name="s"), tf.float32) builds "Cast" and running it
 * is UnimplementedError "Cast string to float is not supported", as tf.cast(x, tf.string) is
 * "Cast float to string is not supported".                                      N.cast.names N.cast.string */
VSC_CASE(cast_same_dtype_names_and_strings) {
  CONSTF(x, 1.5f, "x");
  vs_output same = vs_cast(g, x, VS_FLOAT, NULL, st);
  OK();
  EXPECT(same.op == x.op, "tf.cast to x's own dtype built an op");
  vs_output foo = vs_cast(g, x, VS_INT32, "foo", st);
  OK();
  STR_EQ(vs_output_name(foo), "foo:0");
  const char *strs[1] = {"a"};
  vs_output str = vs_constant(g, strs, VS_STRING, VS_SHAPE(1), "s", st);
  OK();
  vs_output a = vs_cast(g, str, VS_FLOAT, NULL, st);
  OK();
  STR_EQ(vs_output_name(a), "Cast:0");
  vs_output b = vs_cast(g, x, VS_STRING, NULL, st);
  OK();
  STR_EQ(vs_output_name(b), "Cast_1:0");
  SESSION(s);
  vs_tensor *r = NULL;
  vs_session_run(s, NULL, NULL, 0, &a, &r, 1, NULL, 0, st);
  EXPECT(r == NULL, "a value came back");
  ERR(VS_UNIMPLEMENTED, "UnimplementedError", "Cast string to float is not supported\n\t [[{{node Cast}}]]");
  vs_session_run(s, NULL, NULL, 0, &b, &r, 1, NULL, 0, st);
  EXPECT(r == NULL, "a value came back");
  ERR(VS_UNIMPLEMENTED, "UnimplementedError", "Cast float to string is not supported\n\t [[{{node Cast_1}}]]");
}

const vsc_case vsc_cases_numerics[] = {
    VSC_REG(conv2d_same_stride1, "N.conv2d.same"),
    VSC_REG(cast_float32_to_integers_truncates_as_tf, "N.cast.float_to_int"),
    VSC_REG(cast_float32_to_float16_bfloat16_bool_as_tf, "N.cast.float_to_16bit"),
    VSC_REG(cast_from_float64_int32_and_bool_as_tf, "N.cast.sources"),
    VSC_REG(cast_same_dtype_names_and_strings, "N.cast.names N.cast.string"),
    VSC_REG(conv2d_valid_stride2, "N.conv2d.valid N.conv2d.stride2"),
    VSC_REG(conv2d_same_stride2_5x5, "N.conv2d.same N.conv2d.stride2"),
    VSC_REG(conv2d_same_unequal_strides, "N.conv2d.strides_unequal N.conv2d.same"),
    VSC_REG(conv2d_same_dilation2, "N.conv2d.dilation N.conv2d.same"),
    VSC_REG(conv2d_valid_unequal_dilations, "N.conv2d.dilation N.conv2d.valid"),
    VSC_REG(conv2d_1x1, "N.conv2d.1x1"),
    VSC_REG(image_filter_layer_bias_add_relu, "N.conv_bias_relu"),
    VSC_REG(image_filter_layer_conv_plus_biases_relu, "N.conv_bias_relu N.add.trailing"),
    VSC_REG(conv2d_plus_biases_trailing_dims, "N.add.trailing N.fusion.other_reader"),
    VSC_REG(bias_add_rank2, "N.bias_add.rank2"),
    VSC_REG(relu_of_mixed_signs, "N.relu"),
    VSC_REG(matmul_plain, "N.matmul"),
    VSC_REG(matmul_transpose_a, "N.matmul.transpose_a"),
    VSC_REG(matmul_transpose_b, "N.matmul.transpose_b"),
    VSC_REG(matmul_transpose_both, "N.matmul.transpose_both"),
    VSC_REG(reshape_inferred_dimension, "N.reshape.infer"),
    VSC_REG(conv2d_rank3_input_error, "N.conv2d.error.rank"),
    VSC_REG(conv2d_depth_mismatch_error, "N.conv2d.error.depth"),
    VSC_REG(conv2d_valid_negative_size_error, "N.conv2d.error.negative"),
    VSC_REG(conv2d_bad_padding_error, "N.conv2d.error.padding"),
    VSC_REG(conv2d_no_padding_error, "N.conv2d.error.padding X.padding_none"),
    VSC_REG(bias_add_size_mismatch_error, "N.bias_add.error"),
    VSC_REG(bias_add_rank2_bias_error, "N.bias_add.error"),
    VSC_REG(matmul_inner_dimension_error, "N.matmul.error"),
    VSC_REG(matmul_transpose_b_dimension_error, "N.matmul.error"),
    VSC_REG(reshape_element_count_error, "N.reshape.error"),
    VSC_REG(image_filter_three_sharing_forms_bit_identical, "N.image_filter.sharing A.j"),
    {0},
};
