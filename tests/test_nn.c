/* test_nn.c - conv2d, bias_add, relu, matmul, reshape and placeholders:
 * graph-time shape inference with TF's texts, device results against a
 * plain host reference on odd shapes, and against TensorFlow's own outputs
 * (conformance/golden/nn, made by tools/make_nn_goldens.py).
 *
 * Tolerance: an output element may differ from the reference by at most
 * 1e-5 * (1 + sum of |products| that formed it) — float32 accumulation of
 * up to 800 terms in a different order. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "varscope.h"

#define SUPPORT_FIXTURE_PLAIN
#define SUPPORT_SCRIBBLE
#include "support.h"

/* Every buffer the runtime hands out in this suite is first filled with
 * NaN (SUPPORT_SCRIBBLE): an algorithm that leaves an output element
 * unwritten shows NaN there, never the value an idle buffer of the same
 * size kept from the algorithm tested before it (running a graph of NaNs
 * first did not do that: the next output could take another idle buffer). */
TestSuite(nn, .init = setup, .fini = teardown, .timeout = 120);

static float *random_array(size_t n, unsigned seed) {
  float *a = malloc(n * sizeof *a);
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    a[i] = (float)((seed >> 8) & 0xFFFF) / 32768.0f - 1.0f;
  }
  return a;
}

/* Every conv2d numerics test runs each device algorithm in turn (conv2d.c):
 * VARSCOPE_CONV forces one per run; the direct kernel in its three forms
 * (the default strip, strided where the width is, per pixel on a dilated
 * width; row-walking and per-pixel ones with an odd tile, unrolling and
 * work-group) and the strip blocked across 3 output rows (rh 3: most output
 * heights here, 1, 4, 5, 7 and 16, leave a last block of 1 or 2 rows; on a
 * dilated width it runs per pixel); the implicit GEMM single- and
 * double-buffered with tiles no shape here fills, reading A in scalars
 * (VWM 1) and vectors of 4, and with 4-item groups that take the general
 * gather (the work-group size no multiple of KWG) and vectors of 2. */
static const char *const ALGOS[] = {"direct",   "direct:5,1,3,2,1",    "direct:5,1,2,3,0",        "direct:3,1,1,2,2,3",
                                    "im2col",   "convgemm",            "igemm:16,16,8,4,4,2",     "igemm:32,32,16,8,8,4,1,4",
                                    "igemm:16,8,8,4,1,2,0,2"};

/* Runs `out` with x fed and returns the result (caller frees). */
static vs_tensor *run1(vs_output x, const float *xd, vs_shape xs, vs_output out) {
  vs_session *s = vs_session_new(g, NULL, st);
  OK();
  vs_tensor *xt = vs_tensor_new(VS_FLOAT, xs, xd, st), *res = NULL;
  vs_session_run(s, &x, &xt, 1, &out, &res, 1, NULL, 0, st);
  vs_tensor_free(xt);
  vs_session_free(s);
  OK();
  return res;
}

typedef struct conv_case {
  int n, h, w, c, kh, kw, k, sh, sw, dh, dw;
  bool same, bias, relu;
} conv_case;

/* Builds conv2d(+bias_add)(+relu) over a placeholder, runs it under each
 * of the nalgos VARSCOPE_CONV values in algos, each output buffer first
 * poisoned with NaN, and compares with a host reference computed here. */
static void check_conv_algos(conv_case cc, const char *const *algos, size_t nalgos) {
  vs_shape xs = VS_SHAPE(cc.n, cc.h, cc.w, cc.c);
  size_t nx = (size_t)vs_shape_num_elements(xs), nf = (size_t)cc.kh * cc.kw * cc.c * cc.k;
  float *xd = random_array(nx, 7), *fd = random_array(nf, 11), *bd = random_array((size_t)cc.k, 13);
  vs_output x = vs_placeholder(g, VS_FLOAT, xs, "x", st);
  vs_output f = vs_constant(g, fd, VS_FLOAT, VS_SHAPE(cc.kh, cc.kw, cc.c, cc.k), "f", st);
  vs_output y = vs_conv2d(g, x, f, &(vs_conv2d_opts){.strides = {1, cc.sh, cc.sw, 1}, .dilations = {1, cc.dh, cc.dw, 1},
                                                      .padding = cc.same ? "SAME" : "VALID"}, st);
  OK();
  if (cc.bias) y = vs_bias_add(g, y, vs_constant(g, bd, VS_FLOAT, VS_SHAPE(cc.k), "b", st), NULL, st);
  if (cc.relu) y = vs_relu(g, y, NULL, st);
  OK();
  int eh = (cc.kh - 1) * cc.dh + 1, ew = (cc.kw - 1) * cc.dw + 1;
  int oh = cc.same ? (cc.h + cc.sh - 1) / cc.sh : (cc.h - eh + cc.sh) / cc.sh;
  int ow = cc.same ? (cc.w + cc.sw - 1) / cc.sw : (cc.w - ew + cc.sw) / cc.sw;
  vs_shape ys = vs_op_output_shape(y.op);
  cr_assert(ys.rank == 4 && ys.dims[1] == oh && ys.dims[2] == ow && ys.dims[3] == cc.k, "inferred shape");
  int pt = cc.same ? ((oh - 1) * cc.sh + eh - cc.h) / 2 : 0, pl = cc.same ? ((ow - 1) * cc.sw + ew - cc.w) / 2 : 0;
  if (pt < 0) pt = 0;
  if (pl < 0) pl = 0;
  for (size_t algo = 0; algo < nalgos; algo++) {
  setenv("VARSCOPE_CONV", algos[algo], 1);
  vs_tensor *t = run1(x, xd, xs, y);
  const float *got = vs_tensor_data(t);
  cr_assert_eq(vs_tensor_num_elements(t), (size_t)cc.n * oh * ow * cc.k);
  for (int n = 0; n < cc.n; n++)
    for (int i = 0; i < oh; i++)
      for (int j = 0; j < ow; j++)
        for (int k = 0; k < cc.k; k++) {
          double acc = cc.bias ? bd[k] : 0, mag = fabs(acc);
          for (int a = 0; a < cc.kh; a++)
            for (int b = 0; b < cc.kw; b++) {
              int ih = i * cc.sh - pt + a * cc.dh, iw = j * cc.sw - pl + b * cc.dw;
              if (ih < 0 || ih >= cc.h || iw < 0 || iw >= cc.w) continue;
              for (int c = 0; c < cc.c; c++) {
                double p = (double)xd[((n * cc.h + ih) * cc.w + iw) * cc.c + c] * fd[((a * cc.kw + b) * cc.c + c) * cc.k + k];
                acc += p;
                mag += fabs(p);
              }
            }
          if (cc.relu && acc < 0) acc = 0;
          double v = got[((n * oh + i) * ow + j) * cc.k + k];
          cr_assert(fabs(v - acc) <= 1e-5 * (1 + mag), "%s: out[%d,%d,%d,%d] = %.7g, want %.7g", algos[algo], n, i, j,
                    k, v, acc);
        }
  vs_tensor_free(t);
  }
  unsetenv("VARSCOPE_CONV");
  free(xd);
  free(fd);
  free(bd);
}

/* check_conv_algos under every algorithm of ALGOS. */
static void check_conv(conv_case cc) { check_conv_algos(cc, ALGOS, sizeof ALGOS / sizeof ALGOS[0]); }

/* Layers whose output channels no wide direct variant fits (nv 2 or 4
 * vectors): 48 channels are three vectors of 16, 8 one vector of 8. The
 * selection offers them the variants with fewer vectors (conv_select.c's
 * fit_channels): rm4 nv3 and rm6 nv3 walking rows, the strip rm4 nv3, rm8
 * nv1 per pixel and the default's strip with one vector. Each forced,
 * with bias and relu, against the host reference; on K = 8 the nv3 sets
 * run as their fallback (one vector). */
Test(nn, conv2d_few_channel_layers_every_reduced_form) {
  static const char *const forms[] = {"direct:4,3,2,2,0", "direct:6,3,2,2,1", "direct:4,3,1,2,2", "direct:8,1,2,2,0",
                                      "direct:8,1,1,8,2"};
  check_conv_algos((conv_case){2, 9, 11, 5, 5, 5, 48, 1, 1, 1, 1, true, true, true}, forms, 5);
  check_conv_algos((conv_case){2, 9, 11, 5, 3, 3, 8, 1, 1, 1, 1, true, true, true}, forms, 5);
}

/* The strided strip (conv_direct.cl's SSW): strip sets (rw 2) whose
 * (rm - 1) x SW + KW input pixels stay within conv_internal.h's
 * VS_CONV_STRIP_MAX_PX (24) at the strides and filter widths below up to
 * stride 3, so each runs as the strip, not the per-pixel fallback: rm 3
 * (rh 1 and 2), rm 5 with 2 rows, rm 7, and the default (rm 8). The sets
 * with 2 vectors (the default, rm 3 nv 2) fit only K = 32 (vectors of 16)
 * in the first test; elsewhere they run per pixel with one vector. Output
 * widths 7, 5 and 10 leave a partial last strip for rm 3, 5, 7 or 8. */
static const char *const STRIDED_STRIPS[] = {"direct", "direct:3,2,1,2,2", "direct:3,1,2,1,2,2", "direct:5,1,1,3,2,2",
                                             "direct:7,1,1,2,2"};
#define NSTRIPS (sizeof STRIDED_STRIPS / sizeof *STRIDED_STRIPS)

Test(nn, conv2d_strided_strip_stride2_same_bias_relu) {
  /* 9x13 input, 3x3 filter, stride 2 SAME: 5x7 outputs, padding 1 on
   * each side of the width (the strip's first and last pixels read it). */
  check_conv_algos((conv_case){2, 9, 13, 5, 3, 3, 32, 2, 2, 1, 1, true, true, true}, STRIDED_STRIPS, NSTRIPS);
}
Test(nn, conv2d_strided_strip_stride3_valid_bias) {
  /* 3x3 stride 3 VALID over 10x17: 3x5 outputs, no pixel read twice. */
  check_conv_algos((conv_case){1, 10, 17, 3, 3, 3, 4, 3, 3, 1, 1, false, true, false}, STRIDED_STRIPS, NSTRIPS);
}
Test(nn, conv2d_strided_strip_stride2_5x5_same_relu) {
  /* 5x5 stride 2 SAME over 7x20: 4x10 outputs, padding 1 before and 2
   * after along the width; rm 8 reads 19 pixels. */
  check_conv_algos((conv_case){1, 7, 20, 2, 5, 5, 6, 2, 2, 1, 1, true, false, true}, STRIDED_STRIPS, NSTRIPS);
}
Test(nn, conv2d_strided_strip_1x1_stride2_and_unequal_strides) {
  /* A 1x1 stride-2 conv (a GEMM over every other pixel) and stride 3
   * across, 1 down with a 2x4 filter. */
  check_conv_algos((conv_case){2, 6, 11, 7, 1, 1, 5, 2, 2, 1, 1, true, true, true}, STRIDED_STRIPS, NSTRIPS);
  check_conv_algos((conv_case){1, 5, 16, 3, 2, 4, 4, 1, 3, 1, 1, true, true, false}, STRIDED_STRIPS, NSTRIPS);
}
Test(nn, conv2d_strided_strip_sets_on_dilated_or_too_wide_strides_fall_back) {
  /* A width dilated as well as strided has no strip: every set runs per
   * pixel (conv2d.c's fallback). Stride 4 with KW 3: rm 3 and 5 run as
   * strips (11 and 19 pixels), rm 7 and 8 (27 and 31, past the bound) per
   * pixel. All exact. */
  check_conv_algos((conv_case){1, 9, 14, 2, 3, 3, 4, 2, 2, 1, 2, true, true, true}, STRIDED_STRIPS, NSTRIPS);
  check_conv_algos((conv_case){1, 6, 23, 3, 3, 3, 4, 2, 4, 1, 1, true, true, true}, STRIDED_STRIPS, NSTRIPS);
}

/* The strided strip's prefetch of the next input row (conv_direct.cl's
 * PREFETCH_STRIP, compiled only where SSW > 1): the next filter row's in
 * conv2d_strip, the next output row's or the next filter row's in the
 * row-blocked strip (rh 2 and 3 over 6 output rows: full blocks and a
 * last block of fewer rows). Rows read past the input's last row, columns
 * past its right edge and the ones of a dilated height are what it skips
 * or clamps; a wrong row or column there shows only as a wrong sum if the
 * kernel read from it, so each case checks every output of each set. */
static const char *const PREFETCHING_STRIPS[] = {"direct", "direct:3,1,1,2,2,2", "direct:4,1,1,1,2,3",
                                                 "direct:5,2,2,3,2", "direct:2,2,1,2,2,2"};
#define NPREFETCHING (sizeof PREFETCHING_STRIPS / sizeof *PREFETCHING_STRIPS)

Test(nn, conv2d_strided_strip_prefetch_same_padding_both_sides) {
  /* 11x15, 3x3 stride 2 SAME: 6x8 outputs, one padding row and column on
   * each side; K 32 (vectors of 16) so the nv 2 sets run as strips. */
  check_conv_algos((conv_case){2, 11, 15, 3, 3, 3, 32, 2, 2, 1, 1, true, true, true}, PREFETCHING_STRIPS, NPREFETCHING);
}
Test(nn, conv2d_strided_strip_prefetch_valid_stride3_and_dilated_height) {
  /* VALID 3x3 stride 3 over 16x20 (5x6 outputs, no padding row to skip);
   * then stride 3 down and 2 across with a 3x2 filter dilated 2 down
   * (the prefetched row is ih + DH), SAME: 5x7 outputs over 13x13. */
  check_conv_algos((conv_case){1, 16, 20, 4, 3, 3, 6, 3, 3, 1, 1, false, true, true}, PREFETCHING_STRIPS, NPREFETCHING);
  check_conv_algos((conv_case){2, 13, 13, 3, 3, 2, 4, 3, 2, 2, 1, true, true, false}, PREFETCHING_STRIPS, NPREFETCHING);
}
Test(nn, conv2d_strided_strip_prefetch_tiny_images_all_border) {
  /* Outputs whose every tap window crosses the padding: 2x2 under 3x3/2
   * SAME (one output, padding below and to the right), 1x3 under 5x5/3
   * SAME (one output, two padding rows above and below), 3x4 under 3x3/2
   * SAME (2x2 outputs, each at a border). */
  check_conv_algos((conv_case){1, 2, 2, 5, 3, 3, 4, 2, 2, 1, 1, true, true, true}, PREFETCHING_STRIPS, NPREFETCHING);
  check_conv_algos((conv_case){3, 1, 3, 2, 5, 5, 3, 3, 3, 1, 1, true, false, true}, PREFETCHING_STRIPS, NPREFETCHING);
  check_conv_algos((conv_case){1, 3, 4, 7, 3, 3, 32, 2, 2, 1, 1, true, true, false}, PREFETCHING_STRIPS, NPREFETCHING);
}

/* ---- host reference on odd shapes ---- */

Test(nn, conv2d_same_stride1_odd_sizes) { check_conv((conv_case){1, 7, 5, 3, 3, 3, 4, 1, 1, 1, 1, true, false, false}); }
Test(nn, conv2d_valid_stride2_batch3) { check_conv((conv_case){3, 9, 11, 2, 3, 3, 5, 2, 2, 1, 1, false, false, false}); }
Test(nn, conv2d_same_stride2_even_input) { check_conv((conv_case){2, 8, 6, 3, 5, 5, 2, 2, 2, 1, 1, true, false, false}); }
Test(nn, conv2d_same_unequal_strides_and_kernel) { check_conv((conv_case){1, 7, 9, 4, 2, 3, 3, 2, 1, 1, 1, true, false, false}); }
Test(nn, conv2d_dilated_same) { check_conv((conv_case){1, 9, 8, 2, 3, 3, 3, 1, 1, 2, 2, true, false, false}); }
Test(nn, conv2d_1x1_is_a_gemm) { check_conv((conv_case){2, 5, 3, 7, 1, 1, 6, 1, 1, 1, 1, false, false, false}); }
Test(nn, conv2d_bias_relu_image_filter_layer) { check_conv((conv_case){2, 16, 16, 32, 5, 5, 32, 1, 1, 1, 1, true, true, true}); }
Test(nn, conv2d_bias_without_relu) { check_conv((conv_case){1, 6, 6, 3, 3, 3, 4, 1, 1, 1, 1, true, true, false}); }
/* Dilation and stride along the height only: the strip form runs (it needs
 * stride 1 and no dilation along the width alone). */
Test(nn, conv2d_valid_dilated_and_strided_rows_only) {
  check_conv((conv_case){2, 11, 8, 3, 3, 4, 8, 2, 1, 2, 1, false, true, true});
}
/* A filter dilated past a one-row input: SAME pads 2 above and 3 below,
 * its two rows read input rows -2 and 3, both padding, so every output is
 * relu(bias) (the strip blocked across rows stores it for such a row). */
Test(nn, conv2d_same_dilated_past_the_input_is_the_bias) {
  check_conv((conv_case){2, 1, 6, 2, 2, 3, 4, 1, 1, 5, 1, true, true, true});
}

Test(nn, conv2d_float64_every_direct_form) {
  /* conv + bias + relu (fused into the conv's step) in float64, SAME, a 5x5
   * filter over an odd 2x7x9x3 input, K = 6 (vectors of 2): each direct
   * form (the default strip, rows, per pixel, a strip with nv 3, one blocked
   * across 2 of the 7 rows) against a host reference in double, to 1e-12 of
   * the sum of |products| (75 terms). */
  static const char *const forms[] = {"direct", "direct:5,1,3,2,1", "direct:5,1,2,3,0", "direct:3,3,1,1,2",
                                      "direct:3,3,1,1,2,2"};
  enum { N = 2, H = 7, W = 9, C = 3, KS = 5, K = 6 };
  double xd[N * H * W * C], fd[KS * KS * C * K], bd[K];
  unsigned seed = 5;
  for (size_t i = 0; i < sizeof xd / sizeof *xd + sizeof fd / sizeof *fd + K; i++) {
    seed = seed * 1664525u + 1013904223u;
    double v = (double)(seed >> 8) / 8388608.0 - 1.0;
    if (i < sizeof xd / sizeof *xd) xd[i] = v;
    else if (i < sizeof xd / sizeof *xd + sizeof fd / sizeof *fd) fd[i - sizeof xd / sizeof *xd] = v;
    else bd[i - sizeof xd / sizeof *xd - sizeof fd / sizeof *fd] = v;
  }
  vs_output x = vs_constant(g, xd, VS_DOUBLE, VS_SHAPE(N, H, W, C), "x", st);
  vs_output y = vs_conv2d(g, x, vs_constant(g, fd, VS_DOUBLE, VS_SHAPE(KS, KS, C, K), "f", st),
                          &(vs_conv2d_opts){.padding = "SAME"}, st);
  y = vs_relu(g, vs_bias_add(g, y, vs_constant(g, bd, VS_DOUBLE, VS_SHAPE(K), "b", st), NULL, st), NULL, st);
  OK();
  for (size_t a = 0; a < sizeof forms / sizeof *forms; a++) {
    setenv("VARSCOPE_CONV", forms[a], 1);
    vs_session *s = vs_session_new(g, NULL, st);
    vs_tensor *t = NULL;
    vs_session_run(s, NULL, NULL, 0, &y, &t, 1, NULL, 0, st);
    vs_session_free(s);
    OK();
    cr_assert_eq(vs_tensor_dtype(t), VS_DOUBLE);
    const double *got = vs_tensor_data(t);
    for (int n = 0; n < N; n++)
      for (int i = 0; i < H; i++)
        for (int j = 0; j < W; j++)
          for (int k = 0; k < K; k++) {
            double acc = bd[k], mag = fabs(acc);
            for (int p = 0; p < KS; p++)
              for (int q = 0; q < KS; q++) {
                int ih = i - 2 + p, iw = j - 2 + q;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                for (int c = 0; c < C; c++) {
                  double v = xd[((n * H + ih) * W + iw) * C + c] * fd[((p * KS + q) * C + c) * K + k];
                  acc += v;
                  mag += fabs(v);
                }
              }
            if (acc < 0) acc = 0;
            double v = got[((n * H + i) * W + j) * K + k];
            cr_assert(fabs(v - acc) <= 1e-12 * (1 + mag), "%s: out[%d,%d,%d,%d] = %.17g, want %.17g", forms[a], n, i,
                      j, k, v, acc);
          }
    vs_tensor_free(t);
  }
  unsetenv("VARSCOPE_CONV");
}

/* ---- TensorFlow's outputs ---- */

typedef struct golden {
  char op[32], padding[8];
  int sh, sw, dh, dw, ta, tb;
} golden;

static float *load(const char *cas, const char *file, vs_shape *shape) {
  char path[512], err[1024] = "";
  snprintf(path, sizeof path, "%s/conformance/golden/nn/%s/%s.npy", VS_SOURCE_DIR, cas, file);
  float *d = npy_load(path, shape, err, sizeof err);
  cr_assert_not_null(d, "%s", err);
  return d;
}

static golden find_case(const char *cas) {
  char path[512], line[256], name[64];
  snprintf(path, sizeof path, "%s/conformance/golden/nn/cases.txt", VS_SOURCE_DIR);
  FILE *f = fopen(path, "r");
  cr_assert_not_null(f, "no %s", path);
  golden gd;
  bool found = false;
  while (!found && fgets(line, sizeof line, f))
    found = line[0] != '#' && sscanf(line, "%63s %31s %d %d %7s %d %d %d %d", name, gd.op, &gd.sh, &gd.sw, gd.padding,
                                     &gd.dh, &gd.dw, &gd.ta, &gd.tb) == 9 && strcmp(name, cas) == 0;
  fclose(f);
  cr_assert(found, "case %s not in cases.txt", cas);
  return gd;
}

/* Rebuilds the case's graph from constants and compares with TF's out.npy:
 * |got - want| <= 1e-5 * (1 + |want|) + 1e-5. */
static void check_golden(const char *cas) {
  golden gd = find_case(cas);
  vs_shape s1, s2, s3, so;
  float *want = load(cas, "out", &so);
  vs_output y;
  float *a = NULL, *b = NULL, *c = NULL;
  if (strncmp(gd.op, "conv", 4) == 0) {
    a = load(cas, "x", &s1);
    b = load(cas, "f", &s2);
    y = vs_conv2d(g, vs_constant(g, a, VS_FLOAT, s1, "x", st), vs_constant(g, b, VS_FLOAT, s2, "f", st),
                  &(vs_conv2d_opts){.strides = {1, gd.sh, gd.sw, 1}, .dilations = {1, gd.dh, gd.dw, 1}, .padding = gd.padding},
                  st);
    if (strcmp(gd.op, "conv_bias_relu") == 0) {
      c = load(cas, "b", &s3);
      y = vs_relu(g, vs_bias_add(g, y, vs_constant(g, c, VS_FLOAT, s3, "b", st), NULL, st), NULL, st);
    }
  } else if (strcmp(gd.op, "bias_add") == 0) {
    a = load(cas, "x", &s1);
    b = load(cas, "b", &s2);
    y = vs_bias_add(g, vs_constant(g, a, VS_FLOAT, s1, "x", st), vs_constant(g, b, VS_FLOAT, s2, "b", st), NULL, st);
  } else if (strcmp(gd.op, "relu") == 0) {
    a = load(cas, "x", &s1);
    y = vs_relu(g, vs_constant(g, a, VS_FLOAT, s1, "x", st), NULL, st);
  } else {
    a = load(cas, "a", &s1);
    b = load(cas, "b", &s2);
    y = vs_matmul(g, vs_constant(g, a, VS_FLOAT, s1, "a", st), vs_constant(g, b, VS_FLOAT, s2, "b", st),
                  &(vs_matmul_opts){.transpose_a = gd.ta, .transpose_b = gd.tb}, st);
  }
  OK();
  vs_shape ys = vs_op_output_shape(y.op);
  cr_assert(vs_shape_is_compatible(ys, so) && ys.rank == so.rank, "inferred shape differs from TF's");
  for (size_t algo = 0; algo < sizeof ALGOS / sizeof ALGOS[0]; algo++) {
    setenv("VARSCOPE_CONV", ALGOS[algo], 1);
    vs_session *s = vs_session_new(g, NULL, st);
    vs_tensor *t = NULL;
    vs_session_run(s, NULL, NULL, 0, &y, &t, 1, NULL, 0, st);
    vs_session_free(s);
    OK();
    cr_assert_eq(vs_tensor_num_elements(t), (size_t)vs_shape_num_elements(so));
    const float *got = vs_tensor_data(t);
    for (size_t i = 0; i < vs_tensor_num_elements(t); i++)
      cr_assert(fabs(got[i] - want[i]) <= 1e-5 * (1 + fabs(want[i])) + 1e-5, "%s (%s)[%zu] = %.7g, TF %.7g", cas,
                ALGOS[algo], i, got[i], want[i]);
    vs_tensor_free(t);
  }
  free(a);
  free(b);
  free(c);
  free(want);
}

Test(nn, golden_conv_same_s1) { check_golden("conv_same_s1"); }
Test(nn, golden_conv_valid_s2) { check_golden("conv_valid_s2"); }
Test(nn, golden_conv_same_s2_5x5) { check_golden("conv_same_s2_5x5"); }
Test(nn, golden_conv_same_s2x1) { check_golden("conv_same_s2x1"); }
Test(nn, golden_conv_dilated) { check_golden("conv_dilated"); }
Test(nn, golden_conv_valid_dilated) { check_golden("conv_valid_dilated"); }
Test(nn, golden_conv_1x1) { check_golden("conv_1x1"); }
Test(nn, golden_conv_bias_relu) { check_golden("conv_bias_relu"); }
Test(nn, golden_bias_add_rank2) { check_golden("bias_add_rank2"); }
Test(nn, golden_relu) { check_golden("relu"); }
Test(nn, golden_matmul) { check_golden("matmul"); }
Test(nn, golden_matmul_transpose_a) { check_golden("matmul_ta"); }
Test(nn, golden_matmul_transpose_b) { check_golden("matmul_tb"); }
Test(nn, golden_matmul_transpose_both) { check_golden("matmul_tab"); }

/* ---- shape inference and errors, TF 2.21's texts ---- */

Test(nn, conv2d_rank3_input_is_a_shape_error) {
  /* x3 = tf.placeholder(tf.float32, [8,8,3], name="x3"); w = tf.constant(0., shape=[5,5,32,32], name="w")
   * tf.nn.conv2d(x3, w, [1,1,1,1], "SAME") -> ValueError */
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(8, 8, 3), "x3", st);
  float *zeros = calloc(5 * 5 * 32 * 32, sizeof(float));
  vs_output w = vs_constant(g, zeros, VS_FLOAT, VS_SHAPE(5, 5, 32, 32), "w", st);
  free(zeros);
  vs_conv2d(g, x, w, &(vs_conv2d_opts){.padding = "SAME"}, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_exception_name(st), "ValueError");
  cr_assert_str_eq(vs_status_message(st),
                   "Shape must be rank 4 but is rank 3 for '{{node Conv2D}} = Conv2D[T=DT_FLOAT, data_format=\"NHWC\", "
                   "dilations=[1, 1, 1, 1], explicit_paddings=[], padding=\"SAME\", strides=[1, 1, 1, 1], "
                   "use_cudnn_on_gpu=true](x3, w)' with input shapes: [8,8,3], [5,5,32,32].");
}

Test(nn, conv2d_depth_mismatch) {
  /* x = tf.placeholder(tf.float32, [1,8,8,3], name="x"); tf.nn.conv2d(x, w, [1,1,1,1], "SAME") -> ValueError
   * "Depth of input (3) is not a multiple of input depth of filter (32) ..." */
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 8, 8, 3), "x", st);
  vs_output w = vs_placeholder(g, VS_FLOAT, VS_SHAPE(5, 5, 32, 32), "w", st);
  vs_conv2d(g, x, w, &(vs_conv2d_opts){.padding = "SAME"}, st);
  cr_assert_str_eq(vs_status_message(st),
                   "Depth of input (3) is not a multiple of input depth of filter (32) for '{{node Conv2D}} = "
                   "Conv2D[T=DT_FLOAT, data_format=\"NHWC\", dilations=[1, 1, 1, 1], explicit_paddings=[], "
                   "padding=\"SAME\", strides=[1, 1, 1, 1], use_cudnn_on_gpu=true](x, w)' with input shapes: "
                   "[1,8,8,3], [5,5,32,32].");
}

Test(nn, conv2d_valid_negative_size) {
  /* x2 = tf.placeholder(tf.float32, [1,3,3,32], name="x2"); tf.nn.conv2d(x2, w, [1,1,1,1], "VALID") -> ValueError
   * "Negative dimension size caused by subtracting 5 from 3 ..." */
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 3, 3, 32), "x2", st);
  vs_output w = vs_placeholder(g, VS_FLOAT, VS_SHAPE(5, 5, 32, 32), "w", st);
  vs_conv2d(g, x, w, &(vs_conv2d_opts){.padding = "VALID"}, st);
  cr_assert_str_eq(vs_status_message(st),
                   "Negative dimension size caused by subtracting 5 from 3 for '{{node Conv2D}} = Conv2D[T=DT_FLOAT, "
                   "data_format=\"NHWC\", dilations=[1, 1, 1, 1], explicit_paddings=[], padding=\"VALID\", "
                   "strides=[1, 1, 1, 1], use_cudnn_on_gpu=true](x2, w)' with input shapes: [1,3,3,32], [5,5,32,32].");
}

Test(nn, conv2d_bad_padding) {
  /* tf.nn.conv2d(x4, w, [1,1,1,1], "BAD") -> ValueError
   * "Attr 'padding' of 'Conv2D' Op passed string 'BAD' not in: "SAME", "VALID", "EXPLICIT"." */
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2, 9, 7, 32), "x4", st);
  vs_output w = vs_placeholder(g, VS_FLOAT, VS_SHAPE(5, 5, 32, 32), "w", st);
  vs_conv2d(g, x, w, &(vs_conv2d_opts){.padding = "BAD"}, st);
  cr_assert_str_eq(vs_status_exception_name(st), "ValueError");
  cr_assert_str_eq(vs_status_message(st),
                   "Attr 'padding' of 'Conv2D' Op passed string 'BAD' not in: \"SAME\", \"VALID\", \"EXPLICIT\".");
}

Test(nn, conv2d_output_shapes_as_tf) {
  /* x4 [2,9,7,32], w [5,5,32,32]: strides 2 SAME -> (2, 5, 4, 32); strides 2 VALID -> (2, 3, 2, 32);
   * dilations 2 SAME -> (2, 9, 7, 32) */
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2, 9, 7, 32), "x4", st);
  vs_output w = vs_placeholder(g, VS_FLOAT, VS_SHAPE(5, 5, 32, 32), "w", st);
  char buf[64];
  vs_shape s = vs_op_output_shape(vs_conv2d(g, x, w, &(vs_conv2d_opts){.strides = {1, 2, 2, 1}, .padding = "SAME"}, st).op);
  vs_shape_format(s, buf, sizeof buf);
  cr_assert_str_eq(buf, "(2, 5, 4, 32)");
  s = vs_op_output_shape(vs_conv2d(g, x, w, &(vs_conv2d_opts){.strides = {1, 2, 2, 1}, .padding = "VALID"}, st).op);
  vs_shape_format(s, buf, sizeof buf);
  cr_assert_str_eq(buf, "(2, 3, 2, 32)");
  vs_output y = vs_conv2d(g, x, w, &(vs_conv2d_opts){.dilations = {1, 2, 2, 1}, .padding = "SAME"}, st);
  s = vs_op_output_shape(y.op);
  vs_shape_format(s, buf, sizeof buf);
  cr_assert_str_eq(buf, "(2, 9, 7, 32)");
  cr_assert_str_eq(vs_output_name(y), "Conv2D_2:0");
}

Test(nn, bias_add_size_mismatch) {
  /* c = tf.nn.conv2d(x4, w, [1,1,1,1], "SAME"); b = tf.constant(0., shape=[31]); tf.nn.bias_add(c, b) -> ValueError */
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2, 9, 7, 32), "x4", st);
  vs_output w = vs_placeholder(g, VS_FLOAT, VS_SHAPE(5, 5, 32, 32), "w", st);
  vs_output c = vs_conv2d(g, x, w, &(vs_conv2d_opts){.padding = "SAME"}, st);
  float zeros[31] = {0};
  vs_output b = vs_constant(g, zeros, VS_FLOAT, VS_SHAPE(31), NULL, st);
  vs_bias_add(g, c, b, NULL, st);
  cr_assert_str_eq(vs_status_message(st),
                   "Dimensions must be equal, but are 32 and 31 for '{{node BiasAdd}} = BiasAdd[T=DT_FLOAT, "
                   "data_format=\"NHWC\"](Conv2D, Const)' with input shapes: [2,9,7,32], [31].");
}

Test(nn, matmul_inner_dimension_mismatch) {
  /* tf.matmul(tf.placeholder(tf.float32,[3,4]), tf.placeholder(tf.float32,[5,6])) -> ValueError */
  vs_output a = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3, 4), NULL, st);
  vs_output b = vs_placeholder(g, VS_FLOAT, VS_SHAPE(5, 6), NULL, st);
  vs_matmul(g, a, b, NULL, st);
  cr_assert_str_eq(vs_status_message(st),
                   "Dimensions must be equal, but are 4 and 5 for '{{node MatMul}} = MatMul[T=DT_FLOAT, grad_a=false, "
                   "grad_b=false, transpose_a=false, transpose_b=false](Placeholder, Placeholder_1)' with input "
                   "shapes: [3,4], [5,6].");
}

Test(nn, reshape_element_count_mismatch) {
  /* m1 = tf.placeholder(tf.float32, [3,4]); tf.reshape(m1, [5,5]) -> ValueError */
  vs_output a = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3, 4), NULL, st);
  vs_reshape(g, a, VS_SHAPE(5, 5), NULL, st);
  cr_assert_str_eq(vs_status_message(st),
                   "Cannot reshape a tensor with 12 elements to shape [5,5] (25 elements) for '{{node Reshape}} = "
                   "Reshape[T=DT_FLOAT, Tshape=DT_INT32](Placeholder, Reshape/shape)' with input shapes: [3,4], [2] "
                   "and with input tensors computed as partial shapes: input[1] = [5,5].");
}

Test(nn, reshape_infers_the_unknown_dimension_and_keeps_values) {
  /* tf.reshape(tf.constant([[1.,2.,3.],[4.,5.,6.]]), [-1, 2]) -> shape (3, 2), values 1..6 */
  float v[6] = {1, 2, 3, 4, 5, 6};
  vs_output c = vs_constant(g, v, VS_FLOAT, VS_SHAPE(2, 3), NULL, st);
  vs_output r = vs_reshape(g, c, VS_SHAPE(VS_DIM_UNKNOWN, 2), NULL, st);
  OK();
  vs_shape s = vs_op_output_shape(r.op);
  cr_assert(s.rank == 2 && s.dims[0] == 3 && s.dims[1] == 2);
  vs_session *sess = vs_session_new(g, NULL, st);
  vs_tensor *t = NULL;
  vs_session_run(sess, NULL, NULL, 0, &r, &t, 1, NULL, 0, st);
  vs_session_free(sess);
  OK();
  cr_assert_arr_eq(vs_tensor_data(t), v, sizeof v);
  vs_tensor_free(t);
}

Test(nn, unfed_placeholder_is_an_error) {
  /* x = tf.placeholder(tf.float32, [1,8,8,3], name="x"); sess.run(tf.nn.relu(x)) -> InvalidArgumentError
   * "You must feed a value for placeholder tensor 'x' with dtype float and shape [1,8,8,3]" */
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 8, 8, 3), "x", st);
  vs_output y = vs_relu(g, x, NULL, st);
  vs_session *s = vs_session_new(g, NULL, st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &y, &t, 1, NULL, 0, st);
  vs_session_free(s);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_exception_name(st), "InvalidArgumentError");
  cr_assert(strncmp(vs_status_message(st),
                    "You must feed a value for placeholder tensor 'x' with dtype float and shape [1,8,8,3]", 84) == 0,
            "%s", vs_status_message(st));
  cr_assert_null(t);
}

Test(nn, unknown_conv_algorithm_is_an_error) {
  /* VARSCOPE_CONV names a device algorithm; anything else is refused, not ignored. */
  setenv("VARSCOPE_CONV", "winograd", 1);
  float xd[16] = {0}, fd[4] = {1, 1, 1, 1};
  vs_output x = vs_constant(g, xd, VS_FLOAT, VS_SHAPE(1, 4, 4, 1), "x", st);
  vs_output y = vs_conv2d(g, x, vs_constant(g, fd, VS_FLOAT, VS_SHAPE(2, 2, 1, 1), "f", st),
                          &(vs_conv2d_opts){.padding = "VALID"}, st);
  vs_session *s = vs_session_new(g, NULL, st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &y, &t, 1, NULL, 0, st);
  vs_session_free(s);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st), "VARSCOPE_CONV='winograd': " CONV_FORCE_USAGE);
  cr_assert_null(t);
}

Test(nn, automatic_choice_matches_the_reference) {
  /* With no VARSCOPE_CONV the engine measures the algorithms once and keeps
   * the fastest; whichever it keeps must give the same numbers. */
  unsetenv("VARSCOPE_CONV");
  float xd[2 * 6 * 6 * 3], fd[3 * 3 * 3 * 4];
  for (size_t i = 0; i < sizeof xd / sizeof xd[0]; i++) xd[i] = (float)((i * 7) % 11) - 5.0f;
  for (size_t i = 0; i < sizeof fd / sizeof fd[0]; i++) fd[i] = (float)((i * 5) % 7) - 3.0f;
  vs_output x = vs_constant(g, xd, VS_FLOAT, VS_SHAPE(2, 6, 6, 3), "x", st);
  vs_output y = vs_conv2d(g, x, vs_constant(g, fd, VS_FLOAT, VS_SHAPE(3, 3, 3, 4), "f", st),
                          &(vs_conv2d_opts){.padding = "SAME"}, st);
  vs_session *s = vs_session_new(g, NULL, st);
  vs_tensor *t[2] = {0};
  vs_session_run(s, NULL, NULL, 0, &y, &t[0], 1, NULL, 0, st); /* measures, then runs the choice */
  vs_session_run(s, NULL, NULL, 0, &y, &t[1], 1, NULL, 0, st); /* the remembered choice */
  vs_session_free(s);
  OK();
  const float *a = vs_tensor_data(t[0]);
  for (int n = 0; n < 2; n++)
    for (int i = 0; i < 6; i++)
      for (int j = 0; j < 6; j++)
        for (int k = 0; k < 4; k++) {
          double acc = 0;
          for (int p = 0; p < 3; p++)
            for (int q = 0; q < 3; q++)
              for (int c = 0; c < 3; c++) {
                int ih = i - 1 + p, iw = j - 1 + q;
                if (ih >= 0 && ih < 6 && iw >= 0 && iw < 6)
                  acc += xd[((n * 6 + ih) * 6 + iw) * 3 + c] * fd[((p * 3 + q) * 3 + c) * 4 + k];
              }
          cr_assert_float_eq(a[((n * 6 + i) * 6 + j) * 4 + k], acc, 1e-4); /* integers: exact in float32 */
        }
  cr_assert_arr_eq(vs_tensor_data(t[0]), vs_tensor_data(t[1]), vs_tensor_byte_size(t[0]));
  vs_tensor_free(t[0]);
  vs_tensor_free(t[1]);
}

Test(nn, relu_of_a_bias_add_that_is_also_fetched_is_not_fused) {
  /* b = tf.nn.bias_add(x, bias); r = tf.nn.relu(b); sess.run([b, r]) -> b keeps its negatives */
  float xd[4] = {-1, 2, -3, 4}, bd[2] = {0.5f, -0.5f};
  vs_output x = vs_constant(g, xd, VS_FLOAT, VS_SHAPE(2, 2), "x", st);
  vs_output b = vs_bias_add(g, x, vs_constant(g, bd, VS_FLOAT, VS_SHAPE(2), "bias", st), NULL, st);
  vs_output r = vs_relu(g, b, NULL, st);
  vs_output f[2] = {b, r};
  vs_tensor *t[2] = {0};
  vs_session *s = vs_session_new(g, NULL, st);
  vs_session_run(s, NULL, NULL, 0, f, t, 2, NULL, 0, st);
  vs_session_free(s);
  OK();
  float want_b[4] = {-0.5f, 1.5f, -2.5f, 3.5f}, want_r[4] = {0, 1.5f, 0, 3.5f};
  cr_assert_arr_eq(vs_tensor_data(t[0]), want_b, sizeof want_b);
  cr_assert_arr_eq(vs_tensor_data(t[1]), want_r, sizeof want_r);
  vs_tensor_free(t[0]);
  vs_tensor_free(t[1]);
}

/* BiasAdd's two kernels (engine/kernels/nn.c): in place over an owned
 * input (here Neg's output), out of place over a borrowed one (a variable's
 * read), each with and without the Relu fused into it, for a rank-3 input
 * whose channel count (5) is neither a power of two nor the row count (3):
 * every element against the host, bit for bit, in float and double. -0,
 * NaN and infinities pass through the add; relu turns NaN and -0 into +0
 * (NaN as the Relu kernel does). */
static void check_bias_add_paths(vs_dtype dt) {
  double xd[2 * 3 * 5], bd[5] = {0.5, -0.25, 0, -1e30, 3};
  for (size_t i = 0; i < 30; i++) xd[i] = (double)((int)(i * 7 % 11) - 5) / 4;
  xd[4] = NAN, xd[9] = -0.0, xd[13] = INFINITY, xd[22] = -INFINITY;
  float xf[30], bf[5];
  for (size_t i = 0; i < 30; i++) xf[i] = (float)xd[i];
  for (size_t i = 0; i < 5; i++) bf[i] = (float)bd[i];
  const void *xv = dt == VS_FLOAT ? (const void *)xf : xd, *bv = dt == VS_FLOAT ? (const void *)bf : bd;
  vs_var *v = vs_get_variable(g, "x", &(vs_var_opts){.dtype = dt, .initializer = vs_value_initializer(xv, dt, 30,
                                                                                                   VS_SHAPE(2, 3, 5))},
                              st);
  OK();
  vs_output b = vs_constant(g, bv, dt, VS_SHAPE(5), "b", st);
  OK();
  /* in place: bias_add(-(-x)) (Neg's buffer is taken over); out of place: bias_add(x) */
  vs_output in_place = vs_bias_add(g, vs_neg(g, vs_neg(g, vs_var_value(v), NULL, st), NULL, st), b, NULL, st);
  vs_output out_of_place = vs_bias_add(g, vs_var_value(v), b, NULL, st);
  vs_output f[4] = {in_place, out_of_place, vs_relu(g, vs_bias_add(g, vs_neg(g, vs_neg(g, vs_var_value(v), NULL, st),
                                                                                NULL, st), b, NULL, st), NULL, st),
                    vs_relu(g, vs_bias_add(g, vs_var_value(v), b, NULL, st), NULL, st)};
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session *s = vs_session_new(g, NULL, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  vs_tensor *t[4] = {0};
  for (int i = 0; i < 4; i++) vs_session_run(s, NULL, NULL, 0, &f[i], &t[i], 1, NULL, 0, st); /* one fused chain a run */
  vs_session_free(s);
  OK();
  for (int i = 0; i < 4; i++) {
    bool relu = i >= 2;
    for (size_t e = 0; e < 30; e++) {
      double want = dt == VS_FLOAT ? (double)(xf[e] + bf[e % 5]) : xd[e] + bd[e % 5];
      if (relu && !(want > 0)) want = 0;
      double got = dt == VS_FLOAT ? ((const float *)vs_tensor_data(t[i]))[e] : ((const double *)vs_tensor_data(t[i]))[e];
      bool same = isnan(want) ? isnan(got) : got == want && signbit(got) == signbit(want);
      cr_assert(same, "output %d element %zu: %g, want %g", i, e, got, want);
    }
    vs_tensor_free(t[i]);
  }
}

Test(nn, bias_add_in_and_out_of_place_with_and_without_relu_float) { check_bias_add_paths(VS_FLOAT); }
Test(nn, bias_add_in_and_out_of_place_with_and_without_relu_double) { check_bias_add_paths(VS_DOUBLE); }

/* ---- conv + bias + relu fused into one step (engine/exec/plan.c's fuse_conv) ----
 * The fused conv adds the bias and applies relu to each sum as it stores
 * it; unfused, the conv stores the sum and the bias pass does the same two
 * float operations on it: the same algorithm gives the same bits, so these
 * compare exactly (VARSCOPE_CONV forces one algorithm for both runs). */

typedef struct fused_net {
  vs_output x, f, b, conv, bias, relu;
  float xd[2 * 7 * 6 * 5], fd[3 * 3 * 5 * 16], bd[16];
} fused_net;

/* conv 3x3 5->16 SAME over a constant 2x7x6x5 input, + bias, relu; values
 * of both signs so that relu zeroes about half. */
static void fused_net_build(fused_net *n) {
  for (size_t i = 0; i < sizeof n->xd / sizeof *n->xd; i++) n->xd[i] = (float)((i * 7) % 13) / 6.0f - 1.0f;
  for (size_t i = 0; i < sizeof n->fd / sizeof *n->fd; i++) n->fd[i] = (float)((i * 5) % 11) / 5.0f - 1.0f;
  for (size_t i = 0; i < 16; i++) n->bd[i] = (float)i / 4.0f - 2.0f;
  n->x = vs_constant(g, n->xd, VS_FLOAT, VS_SHAPE(2, 7, 6, 5), "x", st);
  n->f = vs_constant(g, n->fd, VS_FLOAT, VS_SHAPE(3, 3, 5, 16), "f", st);
  n->b = vs_constant(g, n->bd, VS_FLOAT, VS_SHAPE(16), "b", st);
  n->conv = vs_conv2d(g, n->x, n->f, &(vs_conv2d_opts){.padding = "SAME"}, st);
  n->bias = vs_bias_add(g, n->conv, n->b, NULL, st);
  n->relu = vs_relu(g, n->bias, NULL, st);
  OK();
}

static void run_fetches(const vs_output *f, vs_tensor **t, size_t n) {
  vs_session *s = vs_session_new(g, NULL, st);
  vs_session_run(s, NULL, NULL, 0, f, t, n, NULL, 0, st);
  vs_session_free(s);
  OK();
}

Test(nn, fused_conv_bias_relu_equals_the_unfused_ops) {
  static const char *const algos[] = {"direct", "direct:5,1,3,2,1", "direct:5,1,2,3,0", "im2col"};
  fused_net n;
  fused_net_build(&n);
  for (size_t a = 0; a < sizeof algos / sizeof *algos; a++) {
    setenv("VARSCOPE_CONV", algos[a], 1);
    vs_tensor *fused = NULL, *parts[3] = {0};
    run_fetches(&n.relu, &fused, 1); /* the conv step applies bias and relu */
    vs_output all[3] = {n.conv, n.bias, n.relu}; /* every intermediate fetched: nothing fused */
    run_fetches(all, parts, 3);
    const float *c = vs_tensor_data(parts[0]), *b = vs_tensor_data(parts[1]), *r = vs_tensor_data(parts[2]);
    size_t count = vs_tensor_num_elements(fused), negative = 0;
    cr_assert_eq(count, 2u * 7 * 6 * 16);
    for (size_t i = 0; i < count; i++) {
      float want_b = c[i] + n.bd[i % 16], want_r = want_b > 0 ? want_b : 0;
      negative += want_b < 0;
      cr_assert(b[i] == want_b && r[i] == want_r, "%s: element %zu: bias_add %.9g relu %.9g, want %.9g %.9g",
                algos[a], i, (double)b[i], (double)r[i], (double)want_b, (double)want_r);
    }
    cr_assert(negative > count / 4 && negative < 3 * count / 4, "relu has something to do (%zu of %zu)", negative,
              count);
    cr_assert_arr_eq(vs_tensor_data(fused), r, count * sizeof(float), "%s: fused and unfused differ", algos[a]);
    vs_tensor_free(fused);
    for (int i = 0; i < 3; i++) vs_tensor_free(parts[i]);
  }
  unsetenv("VARSCOPE_CONV");
}

Test(nn, fused_conv_without_relu_and_fetched_bias_add_keeps_negatives) {
  /* Fetching the BiasAdd beside the Relu fuses only conv + bias (the Relu
   * reads the fetched value): the fetched BiasAdd keeps its negatives. */
  setenv("VARSCOPE_CONV", "direct", 1);
  fused_net n;
  fused_net_build(&n);
  vs_tensor *unfused[3] = {0}, *t[2] = {0};
  vs_output all[3] = {n.conv, n.bias, n.relu}, two[2] = {n.bias, n.relu};
  run_fetches(all, unfused, 3);
  run_fetches(two, t, 2);
  size_t count = vs_tensor_num_elements(t[0]);
  cr_assert_arr_eq(vs_tensor_data(t[0]), vs_tensor_data(unfused[1]), count * sizeof(float));
  cr_assert_arr_eq(vs_tensor_data(t[1]), vs_tensor_data(unfused[2]), count * sizeof(float));
  const float *b = vs_tensor_data(t[0]);
  size_t negative = 0;
  for (size_t i = 0; i < count; i++) negative += b[i] < 0;
  cr_assert(negative > 0, "the fetched BiasAdd was relu'd");
  for (int i = 0; i < 3; i++) vs_tensor_free(unfused[i]);
  for (int i = 0; i < 2; i++) vs_tensor_free(t[i]);
  unsetenv("VARSCOPE_CONV");
}

Test(nn, gradients_through_a_fused_conv_bias_relu) {
  /* loss = sum(relu(conv(x, f) + b)): the forward runs fused when only the
   * gradients are fetched (ReluGrad reads the Relu's output, which the
   * conv step now fills); they equal those of a run that also fetches the
   * conv output (nothing fused). */
  setenv("VARSCOPE_CONV", "direct", 1);
  fused_net n;
  fused_net_build(&n);
  vs_output loss = vs_reduce_sum(g, n.relu, NULL, st), grads[3];
  vs_output wrt[3] = {n.x, n.f, n.b};
  OK();
  vs_gradients(g, &loss, 1, wrt, 3, NULL, grads, st);
  OK();
  vs_tensor *fused[3] = {0}, *unfused[4] = {0};
  run_fetches(grads, fused, 3);
  vs_output with_conv[4] = {grads[0], grads[1], grads[2], n.conv};
  run_fetches(with_conv, unfused, 4);
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(vs_tensor_num_elements(fused[i]), vs_tensor_num_elements(unfused[i]));
    cr_assert_arr_eq(vs_tensor_data(fused[i]), vs_tensor_data(unfused[i]), vs_tensor_byte_size(fused[i]),
                     "gradient %d differs", i);
  }
  /* d loss / d b[k] = the number of outputs of channel k that relu kept. */
  const float *db = vs_tensor_data(fused[2]), *c = vs_tensor_data(unfused[3]);
  for (int k = 0; k < 16; k++) {
    int kept = 0;
    for (size_t i = (size_t)k; i < 2u * 7 * 6 * 16; i += 16) kept += c[i] + n.bd[k] > 0;
    cr_assert_float_eq(db[k], (float)kept, 0, "d loss / d b[%d]", k);
  }
  for (int i = 0; i < 3; i++) vs_tensor_free(fused[i]);
  for (int i = 0; i < 4; i++) vs_tensor_free(unfused[i]);
  unsetenv("VARSCOPE_CONV");
}

Test(nn, an_op_waiting_on_the_conv_keeps_it_in_its_place) {
  /* with tf.control_dependencies([conv]): f.assign(zeros) -- fetched first,
   * so its step comes before the BiasAdd's. Were the conv moved to the
   * Relu's place (the fusion), it would read the zeroed filter. */
  setenv("VARSCOPE_CONV", "direct", 1);
  float xd[1 * 4 * 4 * 2], fd[3 * 3 * 2 * 16] = {0}, bd[16] = {0};
  for (size_t i = 0; i < sizeof xd / sizeof *xd; i++) xd[i] = 1.0f;
  vs_var *f = vs_get_variable(g, "f", &(vs_var_opts){.shape = VS_SHAPE(3, 3, 2, 16), .initializer = vs_ones_initializer()}, st);
  vs_output x = vs_constant(g, xd, VS_FLOAT, VS_SHAPE(1, 4, 4, 2), "x", st);
  /* The variable itself (its ref, as TF1 code may pass it), not a read
   * snapshot: the conv reads the buffer when its step runs. */
  vs_output conv = vs_conv2d(g, x, (vs_output){vs_var_op(f), 0}, &(vs_conv2d_opts){.padding = "SAME"}, st);
  vs_output relu = vs_relu(g, vs_bias_add(g, conv, vs_constant(g, bd, VS_FLOAT, VS_SHAPE(16), "b", st), NULL, st), NULL, st);
  vs_control_dependencies_push(g, &conv.op, 1, st);
  vs_output zero = vs_assign(g, f, vs_constant(g, fd, VS_FLOAT, VS_SHAPE(3, 3, 2, 16), "zeros", st), NULL, st);
  vs_control_dependencies_pop(g, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  OK();
  vs_session *s = vs_session_new(g, NULL, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  vs_output fetch[2] = {zero, relu};
  vs_tensor *t[2] = {0};
  vs_session_run(s, NULL, NULL, 0, fetch, t, 2, NULL, 0, st);
  vs_session_free(s);
  OK();
  const float *y = vs_tensor_data(t[1]);
  /* Corner output (0, 0): a 2x2 window of the input inside, 2 channels of ones. */
  cr_assert_float_eq(y[0], 8.0f, 0, "the conv ran after the assign: %g", (double)y[0]);
  cr_assert_float_eq(y[(1 * 4 + 1) * 16], 18.0f, 0, "interior output: %g", (double)y[(1 * 4 + 1) * 16]);
  vs_tensor_free(t[0]);
  vs_tensor_free(t[1]);
  unsetenv("VARSCOPE_CONV");
}

/* ---- the im2col route (conv2d.c: im2col_lines, then the GEMM with the
 * BiasAdd and Relu in our own kernel's store, or a bias_act_rows pass
 * after CLBlast's) ---- */

/* The GEMMs the route runs under (VARSCOPE_GEMM): our own kernel packed,
 * k-blocked and in place, with tiles no shape below fills (5 or 3 rows,
 * 16 or 8 columns), so the epilogue meets the right and bottom edge tiles
 * and the in-place kernel's shifted last tile; k-blocked in chunks of 7
 * steps, so the epilogue must apply at the last chunk's store only (k is
 * KH x KW x C: 5 to 75 here); and CLBlast, whose GEMM has none. */
static const char *const ROUTE_GEMMS[] = {"own:5,1,16,2,3", "blocked:3,2,8,1,2,7", "inplace:5,1,8,1,2", "clblast"};
#define NROUTE_GEMMS (sizeof ROUTE_GEMMS / sizeof *ROUTE_GEMMS)

/* cc's output extent and the padding before it on each axis (TF's SAME). */
typedef struct conv_out {
  int oh, ow, pt, pl;
} conv_out;
static conv_out conv_out_of(conv_case cc) {
  int eh = (cc.kh - 1) * cc.dh + 1, ew = (cc.kw - 1) * cc.dw + 1;
  conv_out o = {cc.same ? (cc.h + cc.sh - 1) / cc.sh : (cc.h - eh + cc.sh) / cc.sh,
                cc.same ? (cc.w + cc.sw - 1) / cc.sw : (cc.w - ew + cc.sw) / cc.sw, 0, 0};
  if (cc.same) o.pt = ((o.oh - 1) * cc.sh + eh - cc.h) / 2, o.pl = ((o.ow - 1) * cc.sw + ew - cc.w) / 2;
  if (o.pt < 0) o.pt = 0;
  if (o.pl < 0) o.pl = 0;
  return o;
}

/* The host reference of cc in double: want[o] and the sum of |products|
 * (and |bias|) that formed it, mag[o] (0 where relu made a NaN sum 0:
 * that output is exactly 0). Relu as bias_act: !(v > 0) -> 0. Returns
 * how many outputs are NaN. */
static size_t conv_reference(conv_case cc, const double *x, const double *f, const double *bias, double *want,
                             double *mag) {
  conv_out co = conv_out_of(cc);
  size_t nans = 0;
  for (int n = 0; n < cc.n; n++)
    for (int i = 0; i < co.oh; i++)
      for (int j = 0; j < co.ow; j++)
        for (int k = 0; k < cc.k; k++) {
          double acc = cc.bias ? bias[k] : 0, m = fabs(acc);
          for (int a = 0; a < cc.kh; a++)
            for (int b = 0; b < cc.kw; b++) {
              int ih = i * cc.sh - co.pt + a * cc.dh, iw = j * cc.sw - co.pl + b * cc.dw;
              if (ih < 0 || ih >= cc.h || iw < 0 || iw >= cc.w) continue;
              for (int c = 0; c < cc.c; c++) {
                double p = x[(((size_t)n * cc.h + ih) * cc.w + iw) * cc.c + c] * f[((a * cc.kw + b) * cc.c + c) * cc.k + k];
                acc += p;
                m += fabs(p);
              }
            }
          if (cc.relu && !(acc > 0)) acc = 0;
          size_t o = (((size_t)n * co.oh + i) * co.ow + j) * cc.k + k;
          want[o] = acc;
          mag[o] = isnan(m) ? 0 : m;
          nans += isnan(acc) != 0;
        }
  return nans;
}

/* conv2d(+bias_add)(+relu) of cc in dtype t (float or double) over x, the
 * filter and bias constants from fd and bd. */
static vs_output conv_graph(conv_case cc, vs_dtype t, vs_output x, const void *fd, const void *bd) {
  vs_output y = vs_conv2d(g, x, vs_constant(g, fd, t, VS_SHAPE(cc.kh, cc.kw, cc.c, cc.k), "f", st),
                          &(vs_conv2d_opts){.strides = {1, cc.sh, cc.sw, 1}, .dilations = {1, cc.dh, cc.dw, 1},
                                            .padding = cc.same ? "SAME" : "VALID"},
                          st);
  if (cc.bias) y = vs_bias_add(g, y, vs_constant(g, bd, t, VS_SHAPE(cc.k), "b", st), NULL, st);
  if (cc.relu) y = vs_relu(g, y, NULL, st);
  OK();
  return y;
}

static double *to_double(const float *a, size_t n) {
  double *d = malloc((n ? n : 1) * sizeof *d);
  cr_assert_not_null(d);
  for (size_t i = 0; i < n; i++) d[i] = a[i];
  return d;
}

/* conv2d(+bias_add)(+relu) of cc forced onto the im2col route under each
 * GEMM of ROUTE_GEMMS (and the one chosen by measurement), every output
 * buffer first poisoned with NaN, against the host reference. Input
 * element nan_at (SIZE_MAX: none) is NaN: the outputs whose taps read it
 * are NaN, or exactly 0 after relu (bias_act's !(v > 0) -> 0, which the
 * GEMM's epilogue must match). */
static void check_route(conv_case cc, size_t nan_at) {
  vs_shape xs = VS_SHAPE(cc.n, cc.h, cc.w, cc.c);
  size_t nx = (size_t)vs_shape_num_elements(xs), nf = (size_t)cc.kh * cc.kw * cc.c * cc.k;
  float *xd = random_array(nx, 3), *fd = random_array(nf, 5), *bd = random_array((size_t)cc.k, 9);
  if (nan_at != SIZE_MAX) xd[nan_at] = NAN;
  vs_output x = vs_placeholder(g, VS_FLOAT, xs, "x", st);
  vs_output y = conv_graph(cc, VS_FLOAT, x, fd, bd);
  conv_out co = conv_out_of(cc);
  size_t no = (size_t)cc.n * co.oh * co.ow * cc.k;
  double *want = malloc(no * sizeof *want), *mag = malloc(no * sizeof *mag), *xr = to_double(xd, nx),
         *fr = to_double(fd, nf), *br = to_double(bd, (size_t)cc.k);
  cr_assert(want && mag);
  size_t nans = conv_reference(cc, xr, fr, br, want, mag);
  /* A NaN input that no output reads proves nothing of the NaN paths: the
   * cases are chosen so that it shows. */
  if (nan_at != SIZE_MAX && !cc.relu) cr_assert(nans > 0, "the NaN input reaches an output");
  for (size_t gi = 0; gi <= NROUTE_GEMMS; gi++) {
    const char *gemm = gi < NROUTE_GEMMS ? ROUTE_GEMMS[gi] : "auto";
    setenv("VARSCOPE_CONV", "im2col", 1);
    setenv("VARSCOPE_GEMM", gemm, 1);
    vs_tensor *t = run1(x, xd, xs, y);
    cr_assert_eq(vs_tensor_num_elements(t), no);
    const float *got = vs_tensor_data(t);
    for (size_t o = 0; o < no; o++) {
      if (isnan(want[o])) {
        cr_assert(isnan(got[o]), "gemm %s: out[%zu] = %.7g, want NaN", gemm, o, (double)got[o]);
        continue;
      }
      cr_assert(fabs(got[o] - want[o]) <= 1e-5 * (1 + mag[o]), "gemm %s: out[%zu] = %.7g, want %.7g", gemm, o,
                (double)got[o], want[o]);
      if (cc.relu) cr_assert(!signbit(got[o]), "gemm %s: out[%zu] = %.7g after relu", gemm, o, (double)got[o]);
    }
    vs_tensor_free(t);
  }
  unsetenv("VARSCOPE_CONV");
  unsetenv("VARSCOPE_GEMM");
  free(want), free(mag), free(xr), free(fr), free(br);
  free(xd), free(fd), free(bd);
}

/* Each epilogue on one geometry: none, bias only, relu only (a Relu step
 * of its own: the plan fuses a Relu only behind a BiasAdd), both. */
static void check_route_epilogues(conv_case cc) {
  for (int e = 0; e < 4; e++) {
    cc.bias = e & 1;
    cc.relu = e & 2;
    check_route(cc, SIZE_MAX);
  }
}

Test(nn, conv2d_im2col_route_1x1_stride1_is_the_gemm_with_its_epilogue) {
  /* 1x1 stride 1 VALID: the input is the im2col matrix (no im2col); 2x5x7
   * pixels (70 rows: 5-row tiles leave none over, 3-row ones 1), K = 19. */
  check_route_epilogues((conv_case){2, 5, 7, 6, 1, 1, 19, 1, 1, 1, 1, false, false, false});
}
Test(nn, conv2d_im2col_route_1x1_stride2_gathers_rows) {
  /* 1x1 stride 2 SAME over 9x11 (no padding: 5x6 outputs, every other
   * pixel) and over 10x12, K = 21, C = 5 (a vector of 4 and one over). */
  check_route_epilogues((conv_case){2, 9, 11, 5, 1, 1, 21, 2, 2, 1, 1, true, false, false});
  check_route((conv_case){1, 10, 12, 8, 1, 1, 17, 2, 2, 1, 1, true, true, true}, SIZE_MAX);
}
Test(nn, conv2d_im2col_route_same_padding_on_all_sides) {
  /* 3x3 SAME stride 1 (1 before and after on both axes) and 5x5 SAME
   * stride 2 over an even 8x10 (1 before, 2 after), channels 3 and 4. */
  check_route_epilogues((conv_case){2, 7, 9, 3, 3, 3, 11, 1, 1, 1, 1, true, false, false});
  check_route((conv_case){1, 8, 10, 4, 5, 5, 9, 2, 2, 1, 1, true, true, true}, SIZE_MAX);
}
Test(nn, conv2d_im2col_route_valid_strided_and_dilated) {
  /* 3x3 VALID stride 2 over 9x12, a 2x3 filter dilated 2x3 SAME, and
   * unequal strides with a 2x4 filter: odd K and C throughout. */
  check_route((conv_case){3, 9, 12, 3, 3, 3, 13, 2, 2, 1, 1, false, true, true}, SIZE_MAX);
  check_route((conv_case){1, 9, 13, 2, 2, 3, 7, 1, 1, 2, 3, true, true, false}, SIZE_MAX);
  check_route((conv_case){2, 7, 16, 3, 2, 4, 10, 1, 3, 1, 1, true, false, true}, SIZE_MAX);
}
Test(nn, conv2d_im2col_route_nan_input) {
  /* One NaN input channel of one pixel: the outputs reading it are NaN
   * without relu, 0 with it, on the 1x1 route without im2col, the 1x1
   * gather and a padded 3x3. */
  check_route((conv_case){1, 5, 7, 6, 1, 1, 19, 1, 1, 1, 1, false, true, false}, 13);
  check_route((conv_case){1, 5, 7, 6, 1, 1, 19, 1, 1, 1, 1, false, true, true}, 13);
  check_route((conv_case){1, 9, 11, 5, 1, 1, 21, 2, 2, 1, 1, true, false, false}, 0);
  check_route((conv_case){1, 9, 11, 5, 1, 1, 21, 2, 2, 1, 1, true, true, true}, 0);
  check_route((conv_case){1, 7, 9, 3, 3, 3, 11, 1, 1, 1, 1, true, true, false}, 3 * (2 * 9 + 4) + 1);
  check_route((conv_case){1, 7, 9, 3, 3, 3, 11, 1, 1, 1, 1, true, false, true}, 3 * (2 * 9 + 4) + 1);
}
Test(nn, conv2d_im2col_route_in_line_blocks) {
  /* 3x3 SAME over 1x256x128x64: an im2col line is 128 x 576 floats
   * (288 KB), so the 64 MB scratch takes 227 of the 256 lines and the
   * route runs in two blocks, the second's GEMM and epilogue at row 29056
   * of the output (K = 5: one partial tile of columns). Under the GEMM
   * chosen by measurement. */
  conv_case cc = {1, 256, 128, 64, 3, 3, 5, 1, 1, 1, 1, true, true, true};
  vs_shape xs = VS_SHAPE(cc.n, cc.h, cc.w, cc.c);
  size_t nx = (size_t)vs_shape_num_elements(xs), nf = (size_t)9 * cc.c * cc.k, no = nx / (size_t)cc.c * (size_t)cc.k;
  float *xd = random_array(nx, 17), *fd = random_array(nf, 19), *bd = random_array((size_t)cc.k, 23);
  vs_output x = vs_placeholder(g, VS_FLOAT, xs, "x", st);
  vs_output y = conv_graph(cc, VS_FLOAT, x, fd, bd);
  double *want = malloc(no * sizeof *want), *mag = malloc(no * sizeof *mag), *xr = to_double(xd, nx),
         *fr = to_double(fd, nf), *br = to_double(bd, (size_t)cc.k);
  cr_assert(want && mag);
  conv_reference(cc, xr, fr, br, want, mag);
  setenv("VARSCOPE_CONV", "im2col", 1);
  vs_tensor *t = run1(x, xd, xs, y);
  unsetenv("VARSCOPE_CONV");
  const float *got = vs_tensor_data(t);
  for (size_t o = 0; o < no; o++)
    cr_assert(fabs(got[o] - want[o]) <= 1e-5 * (1 + mag[o]), "out[%zu] = %.7g, want %.7g", o, (double)got[o], want[o]);
  vs_tensor_free(t);
  free(want), free(mag), free(xr), free(fr), free(br);
  free(xd), free(fd), free(bd);
}

/* A float64 conv of cc over constants: random_array's values from seeds
 * seed, seed + 2 and seed + 4 (x, f, bias), with full float64 mantissas
 * added when `full`, input element nan_at (SIZE_MAX: none) NaN; the graph
 * (conv_graph) and the host reference (conv_reference). */
typedef struct conv64 {
  double *x, *f, *b, *want, *mag;
  size_t no, nans;
  vs_output y;
} conv64;

static conv64 conv64_new(conv_case cc, unsigned seed, bool full, size_t nan_at) {
  conv_out co = conv_out_of(cc);
  size_t nx = (size_t)cc.n * cc.h * cc.w * cc.c, nf = (size_t)cc.kh * cc.kw * cc.c * cc.k;
  conv64 c = {.no = (size_t)cc.n * co.oh * co.ow * cc.k};
  float *xf = random_array(nx, seed), *ff = random_array(nf, seed + 2), *bf = random_array((size_t)cc.k, seed + 4);
  c.x = to_double(xf, nx), c.f = to_double(ff, nf), c.b = to_double(bf, (size_t)cc.k);
  c.want = malloc(c.no * sizeof *c.want), c.mag = malloc(c.no * sizeof *c.mag);
  cr_assert(c.want && c.mag);
  for (size_t i = 0; full && i < nx; i++) c.x[i] += (double)xf[(i * 7 + 3) % nx] * 0x1p-30;
  for (size_t i = 0; full && i < nf; i++) c.f[i] += (double)ff[(i * 5 + 1) % nf] * 0x1p-31;
  if (nan_at != SIZE_MAX) c.x[nan_at] = NAN;
  free(xf), free(ff), free(bf);
  c.y = conv_graph(cc, VS_DOUBLE, vs_constant(g, c.x, VS_DOUBLE, VS_SHAPE(cc.n, cc.h, cc.w, cc.c), "x", st), c.f,
                   c.b);
  c.nans = conv_reference(cc, c.x, c.f, c.b, c.want, c.mag);
  return c;
}

/* Runs c's graph (under VARSCOPE_CONV as set), its output buffer first
 * poisoned with NaN; the float64 result (the caller frees). */
static vs_tensor *conv64_run(const conv64 *c) {
  vs_tensor *t = NULL;
  run_fetches(&c->y, &t, 1);
  cr_assert_eq(vs_tensor_dtype(t), VS_DOUBLE);
  cr_assert_eq(vs_tensor_num_elements(t), c->no);
  return t;
}

static void conv64_free(conv64 *c) { free(c->x), free(c->f), free(c->b), free(c->want), free(c->mag); }

Test(nn, conv2d_im2col_route_float64) {
  /* float64: the same im2col_lines (T-generic), CLBlast's DGEMM and the
   * bias_act_rows pass: bias + relu, bias only and relu only (its own
   * Relu step) on a 3x3 stride 2 SAME, a dilated VALID and a 1x1 stride
   * 1, to 1e-12 of the sum of |products|. */
  static const conv_case cases[] = {{2, 7, 9, 3, 3, 3, 5, 2, 2, 1, 1, true, true, true},
                                    {1, 9, 8, 2, 3, 3, 3, 1, 1, 2, 2, false, true, false},
                                    {2, 4, 5, 7, 1, 1, 6, 1, 1, 1, 1, false, false, true}};
  setenv("VARSCOPE_CONV", "im2col", 1);
  for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++) {
    conv64 c = conv64_new(cases[ci], 11, false, SIZE_MAX);
    size_t no = c.no;
    const double *want = c.want, *mag = c.mag;
    vs_tensor *t = conv64_run(&c);
    const double *got = vs_tensor_data(t);
    for (size_t o = 0; o < no; o++)
      cr_assert(fabs(got[o] - want[o]) <= 1e-12 * (1 + mag[o]), "case %zu: out[%zu] = %.17g, want %.17g", ci, o,
                got[o], want[o]);
    vs_tensor_free(t);
    conv64_free(&c);
  }
  unsetenv("VARSCOPE_CONV");
}

/* The implicit GEMM (conv_igemm.c) in float64, under the three sets ALGOS
 * runs in float32 (single-buffered 16x16x8 tiles of 4x4 items with
 * vectors of 2, double-buffered 32x32x16 of 8x8 with vectors of 4 and A
 * read in vectors of 4, 16x8x8 of 4x1 items taking the general gather
 * with A in vectors of 2: no shape here fills a tile), each output buffer
 * first poisoned with NaN,
 * against the host reference to 1e-12 of the sum of |products| (and
 * |bias|). The inputs carry full float64 mantissas (a float32 path would
 * miss by 1e-7). Input element nan_at (SIZE_MAX: none) is NaN: the
 * outputs whose taps read it are NaN, or +0 after relu. */
static const char *const IGEMM_SETS[] = {"igemm:16,16,8,4,4,2", "igemm:32,32,16,8,8,4,1,4", "igemm:16,8,8,4,1,2,0,2"};

static void check_igemm_float64(conv_case cc, size_t nan_at) {
  conv64 c = conv64_new(cc, 21, true, nan_at);
  size_t no = c.no;
  const double *want = c.want, *mag = c.mag;
  if (nan_at != SIZE_MAX && !cc.relu) cr_assert(c.nans > 0, "the NaN input reaches an output");
  for (size_t a = 0; a < sizeof IGEMM_SETS / sizeof *IGEMM_SETS; a++) {
    setenv("VARSCOPE_CONV", IGEMM_SETS[a], 1);
    vs_tensor *t = conv64_run(&c);
    const double *got = vs_tensor_data(t);
    for (size_t o = 0; o < no; o++) {
      if (isnan(want[o])) {
        cr_assert(isnan(got[o]), "%s: out[%zu] = %.17g, want NaN", IGEMM_SETS[a], o, got[o]);
        continue;
      }
      cr_assert(fabs(got[o] - want[o]) <= 1e-12 * (1 + mag[o]), "%s: out[%zu] = %.17g, want %.17g", IGEMM_SETS[a], o,
                got[o], want[o]);
      if (cc.relu) cr_assert(!signbit(got[o]), "%s: out[%zu] = %.17g after relu", IGEMM_SETS[a], o, got[o]);
    }
    vs_tensor_free(t);
  }
  unsetenv("VARSCOPE_CONV");
  conv64_free(&c);
}

/* Every geometry of the float32 "host reference on odd shapes" tests
 * above: SAME and VALID, strides 1 to 2 (unequal), dilations (past a
 * one-row input), 1x1 to 5x5 filters, bias and relu. */
Test(nn, conv2d_igemm_float64_every_geometry) {
  static const conv_case cases[] = {
      {1, 7, 5, 3, 3, 3, 4, 1, 1, 1, 1, true, false, false},   {3, 9, 11, 2, 3, 3, 5, 2, 2, 1, 1, false, false, false},
      {2, 8, 6, 3, 5, 5, 2, 2, 2, 1, 1, true, false, false},   {1, 7, 9, 4, 2, 3, 3, 2, 1, 1, 1, true, false, false},
      {1, 9, 8, 2, 3, 3, 3, 1, 1, 2, 2, true, false, false},   {2, 5, 3, 7, 1, 1, 6, 1, 1, 1, 1, false, false, false},
      {2, 16, 16, 32, 5, 5, 32, 1, 1, 1, 1, true, true, true}, {1, 6, 6, 3, 3, 3, 4, 1, 1, 1, 1, true, true, false},
      {2, 11, 8, 3, 3, 4, 8, 2, 1, 2, 1, false, true, true},   {2, 1, 6, 2, 2, 3, 4, 1, 1, 5, 1, true, true, true}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) check_igemm_float64(cases[i], SIZE_MAX);
}

/* One NaN input channel of one pixel: NaN outputs without relu, +0 with
 * it, on a 1x1 conv and a padded 3x3. */
Test(nn, conv2d_igemm_float64_nan_input) {
  check_igemm_float64((conv_case){1, 5, 7, 6, 1, 1, 19, 1, 1, 1, 1, false, true, false}, 13);
  check_igemm_float64((conv_case){1, 5, 7, 6, 1, 1, 19, 1, 1, 1, 1, false, true, true}, 13);
  check_igemm_float64((conv_case){1, 7, 9, 3, 3, 3, 11, 1, 1, 1, 1, true, true, false}, 3 * (2 * 9 + 4) + 1);
  check_igemm_float64((conv_case){1, 7, 9, 3, 3, 3, 11, 1, 1, 1, 1, true, false, true}, 3 * (2 * 9 + 4) + 1);
}

/* ---- the pointwise route (conv2d.c's vs__conv_pointwise, cl_kernels/
 * conv_pointwise.cl): a 1x1 filter as a GEMM read where the input lies,
 * each work-item over RM pixels of a line and all K channels ---- */

/* Whether "pointwise:RM,NV,LY,PF" runs as itself on cc (conv2d.c's
 * vs__conv_pointwise_fits; a set that does not fit runs as the default
 * direct set, which would make a test of the kernel pass without it):
 * the vector is the widest of 16..1 lanes dividing K (8 at most for
 * float64), and VEC x NV must divide K. */
static bool pointwise_fits(conv_case cc, vs_dtype t, int nv) {
  int vec = cc.k % 16 == 0 ? 16 : cc.k % 8 == 0 ? 8 : cc.k % 4 == 0 ? 4 : cc.k % 2 == 0 ? 2 : 1;
  if (t == VS_DOUBLE && vec > 8) vec = 8;
  return cc.kh == 1 && cc.kw == 1 && cc.k % (vec * nv) == 0;
}

/* conv2d(+bias_add)(+relu) of cc (a 1x1 filter) forced onto each
 * pointwise set of sets ({rm, nv, ly, pf}: pf, the input prefetch's
 * distance in strips, changes no result; each asserted to fit cc), every
 * output buffer first poisoned with NaN, against the host reference to
 * 1e-5 (float) or 1e-12 (double) of the sum of |products|. Input element
 * nan_at (SIZE_MAX: none) is NaN: its outputs NaN, or exactly +0 after
 * relu (bias_act's !(v > 0) -> 0). */
static void check_pointwise(conv_case cc, vs_dtype t, const int (*sets)[4], size_t nsets, size_t nan_at) {
  conv_out co = conv_out_of(cc);
  size_t nx = (size_t)cc.n * cc.h * cc.w * cc.c, nf = (size_t)cc.c * cc.k, no = (size_t)cc.n * co.oh * co.ow * cc.k;
  float *xf = random_array(nx, 29), *ff = random_array(nf, 31), *bf = random_array((size_t)cc.k, 37);
  if (nan_at != SIZE_MAX) xf[nan_at] = NAN;
  double *xd = to_double(xf, nx), *fd = to_double(ff, nf), *bd = to_double(bf, (size_t)cc.k),
         *want = malloc(no * sizeof *want), *mag = malloc(no * sizeof *mag);
  cr_assert(want && mag);
  size_t nans = conv_reference(cc, xd, fd, bd, want, mag);
  if (nan_at != SIZE_MAX && !cc.relu) cr_assert(nans > 0, "the NaN input reaches an output");
  bool dbl = t == VS_DOUBLE;
  vs_shape xs = VS_SHAPE(cc.n, cc.h, cc.w, cc.c);
  vs_output x = vs_placeholder(g, t, xs, "x", st);
  vs_output y = conv_graph(cc, t, x, dbl ? (const void *)fd : ff, dbl ? (const void *)bd : bf);
  double tol = dbl ? 1e-12 : 1e-5;
  for (size_t si = 0; si < nsets; si++) {
    char set[48];
    snprintf(set, sizeof set, "pointwise:%d,%d,%d,%d", sets[si][0], sets[si][1], sets[si][2], sets[si][3]);
    cr_assert(pointwise_fits(cc, t, sets[si][1]), "%s must run as itself on this geometry", set);
    setenv("VARSCOPE_CONV", set, 1);
    vs_session *s = vs_session_new(g, NULL, st);
    vs_tensor *xt = vs_tensor_new(t, xs, dbl ? (const void *)xd : xf, st), *res = NULL;
    vs_session_run(s, &x, &xt, 1, &y, &res, 1, NULL, 0, st);
    vs_tensor_free(xt);
    vs_session_free(s);
    OK();
    cr_assert_eq(vs_tensor_num_elements(res), no);
    for (size_t o = 0; o < no; o++) {
      double v = dbl ? ((const double *)vs_tensor_data(res))[o] : ((const float *)vs_tensor_data(res))[o];
      if (isnan(want[o])) {
        cr_assert(isnan(v), "%s: out[%zu] = %.17g, want NaN", set, o, v);
        continue;
      }
      cr_assert(fabs(v - want[o]) <= tol * (1 + mag[o]), "%s: out[%zu] = %.17g, want %.17g", set, o, v, want[o]);
      if (cc.relu) cr_assert(!signbit(v), "%s: out[%zu] = %.17g after relu", set, o, v);
    }
    vs_tensor_free(res);
  }
  unsetenv("VARSCOPE_CONV");
  free(xf), free(ff), free(bf), free(xd), free(fd), free(bd), free(want), free(mag);
}

/* Each epilogue (none, bias, relu as its own step, both) on one geometry. */
static void check_pointwise_epilogues(conv_case cc, const int (*sets)[4], size_t nsets) {
  for (int e = 0; e < 4; e++) {
    cc.bias = e & 1;
    cc.relu = e & 2;
    check_pointwise(cc, VS_FLOAT, sets, nsets, SIZE_MAX);
  }
}
#define NSETS(a) (sizeof(a) / sizeof *(a))

Test(nn, conv2d_pointwise_stride1_one_line_of_all_pixels) {
  /* Stride 1, VALID and SAME: the 2x5x7 = 70 pixels are one line; tiles
   * of 14 and 5 rows divide it, 8, 3, 16 and 6 leave a last strip the
   * kernel shifts back (6, 1, 6 and 4 rows over). K = 32: vectors of 16;
   * C = 7. The prefetching sets (pf 1 to 4 strips ahead) reach past the
   * line's end, and past the buffer's, from its last strips. */
  static const int sets[][4] = {{14, 2, 4, 0}, {8, 2, 4, 0}, {6, 1, 3, 0}, {5, 1, 2, 0}, {3, 2, 1, 0},
                                {16, 2, 2, 0}, {8, 2, 4, 2},  {3, 2, 1, 4}, {16, 2, 2, 1}, {6, 1, 3, 3}};
  check_pointwise_epilogues((conv_case){2, 5, 7, 7, 1, 1, 32, 1, 1, 1, 1, false, false, false}, sets, NSETS(sets));
  check_pointwise((conv_case){1, 3, 4, 9, 1, 1, 32, 1, 1, 1, 1, true, true, true}, VS_FLOAT, sets, NSETS(sets),
                  SIZE_MAX);
}
Test(nn, conv2d_pointwise_odd_channels_and_a_line_shorter_than_a_strip) {
  /* K = 19 (vectors of 1) and K = 6 (vectors of 2, nv 3); C = 3 and 1;
   * 1x2x3 = 6 pixels, fewer than the 8- and 16-row tiles: one line
   * shorter than a strip, its rows past the end not stored. */
  static const int k19[][4] = {{14, 1, 4, 0}, {8, 1, 1, 0}, {5, 1, 3, 0}, {16, 1, 2, 0}, {8, 1, 1, 2}, {5, 1, 3, 4}},
                   k6[][4] = {{8, 3, 1, 0}, {4, 1, 2, 0}, {4, 1, 2, 1}};
  check_pointwise_epilogues((conv_case){2, 5, 7, 3, 1, 1, 19, 1, 1, 1, 1, false, false, false}, k19, NSETS(k19));
  check_pointwise((conv_case){1, 2, 3, 1, 1, 1, 19, 1, 1, 1, 1, true, true, true}, VS_FLOAT, k19, NSETS(k19), SIZE_MAX);
  check_pointwise_epilogues((conv_case){1, 2, 3, 3, 1, 1, 6, 1, 1, 1, 1, true, false, false}, k6, NSETS(k6));
}
Test(nn, conv2d_pointwise_strided_lines) {
  /* Stride 2 SAME over 9x11 (5x6 outputs, every other pixel of every
   * other row) and 10x12; strides 1x3 over 7x16 (6 outputs a row, SW
   * only) and 2x1 (SH only). Lines of 6: tiles of 8 and 16 are longer
   * (the short-line path), 4 and 5 shift the last strip, 3 and 6 divide
   * it. K = 24 (vectors of 8), 16, 12 (of 4); C = 5, 8, 3. The prefetching
   * sets reach into the next lines (rows), and past the buffer. */
  static const int k24[][4] = {{8, 3, 4, 0}, {5, 1, 2, 0}, {3, 3, 1, 0}, {4, 1, 1, 0}, {16, 1, 1, 0},
                               {6, 3, 2, 0}, {4, 1, 1, 2},  {3, 3, 1, 4}, {16, 1, 1, 1}},
                   k16[][4] = {{8, 1, 4, 0}, {5, 1, 1, 0}, {16, 1, 2, 0}, {5, 1, 1, 3}},
                   k12[][4] = {{4, 3, 1, 0}, {7, 1, 3, 0}, {3, 1, 1, 0}, {3, 1, 1, 2}};
  check_pointwise_epilogues((conv_case){2, 9, 11, 5, 1, 1, 24, 2, 2, 1, 1, true, false, false}, k24, NSETS(k24));
  check_pointwise((conv_case){1, 10, 12, 8, 1, 1, 16, 2, 2, 1, 1, true, true, true}, VS_FLOAT, k16, NSETS(k16),
                  SIZE_MAX);
  check_pointwise((conv_case){2, 7, 16, 3, 1, 1, 12, 1, 3, 1, 1, true, true, true}, VS_FLOAT, k12, NSETS(k12),
                  SIZE_MAX);
  check_pointwise((conv_case){2, 7, 16, 3, 1, 1, 12, 2, 1, 1, 1, false, true, false}, VS_FLOAT, k12, NSETS(k12),
                  SIZE_MAX);
}
Test(nn, conv2d_pointwise_nan_input) {
  /* One NaN input channel: the outputs reading it are NaN without relu,
   * +0 with it, in one line of all pixels and in a strided line (input
   * pixel (0, 2, 4), read by output (0, 1, 2)). */
  static const int sets[][4] = {{8, 2, 4, 0}, {5, 1, 2, 0}, {8, 2, 4, 2}};
  for (int relu = 0; relu < 2; relu++) {
    check_pointwise((conv_case){1, 5, 7, 6, 1, 1, 32, 1, 1, 1, 1, false, true, relu}, VS_FLOAT, sets, NSETS(sets), 13);
    check_pointwise((conv_case){1, 9, 11, 5, 1, 1, 32, 2, 2, 1, 1, true, true, relu}, VS_FLOAT, sets, NSETS(sets),
                    (2 * 11 + 4) * 5 + 1);
  }
}
Test(nn, conv2d_pointwise_float64) {
  /* float64 (vectors of 8 at most): one line and strided lines, with and
   * without the epilogue, to 1e-12 of the sum of |products|. */
  static const int sets[][4] = {{6, 2, 4, 0}, {5, 1, 1, 0}, {16, 1, 2, 0}, {6, 2, 4, 2}, {5, 1, 1, 4}};
  check_pointwise((conv_case){2, 5, 7, 7, 1, 1, 16, 1, 1, 1, 1, false, true, true}, VS_DOUBLE, sets, NSETS(sets),
                  SIZE_MAX);
  check_pointwise((conv_case){2, 9, 11, 5, 1, 1, 16, 2, 2, 1, 1, true, false, false}, VS_DOUBLE, sets, NSETS(sets),
                  SIZE_MAX);
  check_pointwise((conv_case){1, 9, 11, 3, 1, 1, 16, 2, 2, 1, 1, true, true, false}, VS_DOUBLE, sets, NSETS(sets),
                  SIZE_MAX);
}
Test(nn, conv2d_pointwise_bad_parameters_are_refused) {
  /* Out of range: INVALID_ARGUMENT with the ranges, before anything runs. */
  static const char *const bad[] = {"pointwise:0,1,1",    "pointwise:17,1,1",     "pointwise:8,5,1",
                                    "pointwise:8,1,65",   "pointwise:8,1",        "pointwise:8,1,1,5",
                                    "pointwise:8,1,1,-1", "pointwise:8,1,1,1,1",  "pointwise:8,1,1,",
                                    "pointwise:x"};
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 2, 2, 3), "x", st);
  float fd[3 * 4] = {0};
  vs_output y = conv_graph((conv_case){1, 2, 2, 3, 1, 1, 4, 1, 1, 1, 1, false, false, false}, VS_FLOAT, x, fd, NULL);
  float xd[12] = {0};
  for (size_t i = 0; i < NSETS(bad); i++) {
    setenv("VARSCOPE_CONV", bad[i], 1);
    vs_session *s = vs_session_new(g, NULL, st);
    vs_tensor *xt = vs_tensor_new(VS_FLOAT, VS_SHAPE(1, 2, 2, 3), xd, st), *res = NULL;
    OK();
    vs_session_run(s, &x, &xt, 1, &y, &res, 1, NULL, 0, st);
    cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT, "%s", bad[i]);
    char want[160];
    snprintf(want, sizeof want,
             "VARSCOPE_CONV='%s': pointwise:RM,NV,LY[,PF] wants RM 1 to 16, NV 1 to 4, LY 1 to 64, PF 0 to 4", bad[i]);
    cr_assert_str_eq(vs_status_message(st), want);
    vs_status_set(st, VS_OK, NULL); /* the next set's run starts clean */
    vs_tensor_free(xt);
    vs_tensor_free(res);
    vs_session_free(s);
  }
  unsetenv("VARSCOPE_CONV");
}
