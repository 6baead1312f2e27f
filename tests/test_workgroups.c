/* test_workgroups.c - the kernels launched over padded ranges
 * (engine/kernels/common.c's vs__launch, vs__launch_nd and math.c's
 * vs__launch_periodic) under work-group shapes a GPU would take, on any
 * device: vs__force_group_shape (kernels_internal.h, tests only) makes
 * every launch of a session take 1, 32, 64 or 256 items, 8x8, 16x16 or
 * 4x4x4, its range padded to whole groups, so that an item past an extent
 * that a kernel fails to drop writes where it must not and a result
 * differs from the host's. PoCL picks groups of one item for a prime
 * extent when left to itself; these shapes cover what an NVIDIA or AMD
 * device's drivers would run (docs/conv-performance.md, "Session 10:
 * work-group shapes for GPUs").
 *
 * The ops, on a [3, 7, 11, 5] input (every extent prime; 1155 elements,
 * small enough for the inline host path, which the sessions turn off):
 * BiasAdd (conv.cl's bias_add, 2-D (5, 231)), AddV2 of a [5] row and Mul
 * of an [11, 5] plane (the periodic kernels, 2-D (P, n / P)), Mul by a
 * [3, 7, 11, 1] column (arith.cl's mul_nd, 1-D), MaxPool 3x3/2 SAME and
 * AvgPool 2x2/1 VALID (pool.cl, 3-D (C, W, N x H)), MaxPool's and
 * AvgPool's gradients (max_pool_argmax, max_pool_grad, avg_pool_grad),
 * Sum over axis 1 and over everything (reduce.cl's reduce_sum, 1-D).
 * Values are multiples of 1/4 below 8 in magnitude: every sum and product
 * here is exact in float32, so the comparisons are exact except the
 * means (AvgPool and its gradient divide by the window's count), within
 * 1e-6 * (1 + |want|). The direct conv gradient kernels run under the
 * same shapes in test_gradients.c (conv2d_direct_routes_under_gpu_groups).
 *
 * Last, the kernel objects those launches use: the forward Conv2D's
 * routes launch through the session's kept objects (common.c's
 * vs__kernel_get), made at a step's first run and found again from its
 * remembered entries (plan.h's VS_STEP_KERNELS) at every later run; the
 * im2col route's float32 GEMM and a MatMul step under each of gemm.c's
 * own kernels (packing and the multiply, k-blocked, in place) too, and
 * the implicit GEMM asks its kernel's limits once per kept object. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/inline.h"
#include "kernels/gemm_tuning.h"
#include "kernels/kernels_internal.h"
#include "kernels/launch_grid.h"
#include "runtime/kernel_sources.h"
#include "varscope.h"

#define SUPPORT_FIXTURE
#define SUPPORT_SCRIBBLE /* every device buffer NaN before use: unwritten outputs show */
#include "support.h"

TestSuite(workgroups, .init = setup, .fini = teardown);

#define N 3
#define H 7
#define W 11
#define C 5
#define NX (N * H * W * C)
/* MaxPool 3x3 stride 2 SAME: 4 x 6 windows; AvgPool 2x2 stride 1 VALID: 6 x 10. */
#define MH 4
#define MW 6
#define AH (H - 1)
#define AW (W - 1)

/* The forced shapes: items per dimension (0: unused), with a label. */
typedef struct group {
  const char *name;
  size_t local[3];
  cl_uint dims;
} group;

static const group GROUPS[] = {
    {"1", {1}, 1},        {"32", {32}, 1},          {"64", {64}, 1},         {"256", {256}, 1},
    {"8x8", {8, 8}, 2},   {"16x16", {16, 16}, 2},   {"4x4x4", {4, 4, 4}, 3},
};

/* Element i of an input with `salt`: a multiple of 1/4 in [-2.5, 2.5],
 * distinct often enough that a window's first maximum is well defined. */
static float value_at(size_t i, int salt) { return (float)((int)((i * 7 + (size_t)salt * 5) % 21) - 10) / 4.0f; }

static vs_output constant(vs_shape shape, int salt, float *host) {
  size_t n = 1;
  for (int i = 0; i < shape.rank; i++) n *= (size_t)shape.dims[i];
  for (size_t i = 0; i < n; i++) host[i] = value_at(i, salt);
  vs_output out = vs_constant(g, host, VS_FLOAT, shape, NULL, st);
  expect_ok(st);
  return out;
}

static size_t at(size_t b, size_t h, size_t w, size_t c, size_t hh, size_t ww) { return ((b * hh + h) * ww + w) * C + c; }

/* The host's results of every op, in the fetch order of run_all. */
typedef struct results {
  float bias[NX], row[NX], plane[NX], col[NX];
  float maxp[N * MH * MW * C], avgp[N * AH * AW * C];
  float maxg[NX], avgg[NX];
  float sum1[N * W * C], sum_all[1];
} results;

static float x[NX], bias[C], row[C], plane[W * C], col[N * H * W], gmax[N * MH * MW * C], gavg[N * AH * AW * C];

static void reference(results *r) {
  memset(r, 0, sizeof *r);
  for (size_t i = 0; i < NX; i++) {
    r->bias[i] = x[i] + bias[i % C];
    r->row[i] = x[i] + row[i % C];
    r->plane[i] = x[i] * plane[i % (W * C)];
    r->col[i] = x[i] * col[i / C];
    r->sum1[(i / (H * W * C)) * W * C + i % (W * C)] += x[i];
    r->sum_all[0] += x[i];
  }
  /* MaxPool SAME 3x3/2: padding total (MH - 1) * 2 + 3 - H = 2 -> 1 before; (MW - 1) * 2 + 3 - W = 2 -> 1. */
  for (size_t b = 0; b < N; b++)
    for (size_t oh = 0; oh < MH; oh++)
      for (size_t ow = 0; ow < MW; ow++)
        for (size_t c = 0; c < C; c++) {
          float best = -INFINITY;
          size_t arg = 0;
          for (long kh = 0; kh < 3; kh++)
            for (long kw = 0; kw < 3; kw++) {
              long ih = (long)oh * 2 - 1 + kh, iw = (long)ow * 2 - 1 + kw;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              size_t xi = at(b, (size_t)ih, (size_t)iw, c, H, W);
              if (x[xi] > best) best = x[xi], arg = xi; /* the first maximum */
            }
          size_t o = at(b, oh, ow, c, MH, MW);
          r->maxp[o] = best;
          r->maxg[arg] += gmax[o];
        }
  for (size_t b = 0; b < N; b++)
    for (size_t oh = 0; oh < AH; oh++)
      for (size_t ow = 0; ow < AW; ow++)
        for (size_t c = 0; c < C; c++) {
          size_t o = at(b, oh, ow, c, AH, AW);
          double s = 0;
          for (size_t kh = 0; kh < 2; kh++)
            for (size_t kw = 0; kw < 2; kw++) {
              s += x[at(b, oh + kh, ow + kw, c, H, W)];
              r->avgg[at(b, oh + kh, ow + kw, c, H, W)] += gavg[o] / 4.0f;
            }
          r->avgp[o] = (float)(s / 4);
        }
}

#define NFETCH 10

/* The ops' outputs: the gradients of sum(MaxPool * gmax) and sum(AvgPool *
 * gavg) with respect to x are MaxPoolGrad and AvgPoolGrad with gmax and
 * gavg as their incoming gradients. */
static void build(vs_output *out) {
  vs_output xo = constant(VS_SHAPE(N, H, W, C), 1, x);
  vs_output bo = constant(VS_SHAPE(C), 2, bias), ro = constant(VS_SHAPE(C), 3, row);
  vs_output po = constant(VS_SHAPE(W, C), 4, plane), co = constant(VS_SHAPE(N, H, W, 1), 5, col);
  vs_output gm = constant(VS_SHAPE(N, MH, MW, C), 6, gmax), ga = constant(VS_SHAPE(N, AH, AW, C), 7, gavg);
  out[0] = vs_bias_add(g, xo, bo, NULL, st);
  out[1] = vs_add(g, xo, ro, NULL, st);
  out[2] = vs_mul(g, xo, po, NULL, st);
  out[3] = vs_mul(g, xo, co, NULL, st);
  out[4] = vs_max_pool(g, xo, &(vs_pool_opts){.ksize = {1, 3, 3, 1}, .strides = {1, 2, 2, 1}, .padding = "SAME"}, st);
  out[5] = vs_avg_pool(g, xo, &(vs_pool_opts){.ksize = {1, 2, 2, 1}, .strides = {1, 1, 1, 1}, .padding = "VALID"}, st);
  vs_output losses[2] = {vs_reduce_sum(g, vs_mul(g, out[4], gm, NULL, st), NULL, st),
                         vs_reduce_sum(g, vs_mul(g, out[5], ga, NULL, st), NULL, st)};
  vs_gradients(g, &losses[0], 1, &xo, 1, NULL, &out[6], st);
  vs_gradients(g, &losses[1], 1, &xo, 1, NULL, &out[7], st);
  out[8] = vs_reduce_sum(g, xo, &(vs_reduce_opts){.axis = (const int64_t[]){1}, .n_axis = 1}, st);
  out[9] = vs_reduce_sum(g, xo, NULL, st);
  expect_ok(st);
}

static void compare(const char *what, const char *shape, const vs_tensor *t, const float *want, size_t n, double tol) {
  cr_assert_eq(vs_tensor_num_elements(t), n, "%s under %s: %zu elements, want %zu", what, shape,
               vs_tensor_num_elements(t), n);
  const float *got = vs_tensor_data(t);
  for (size_t i = 0; i < n; i++)
    cr_assert(fabs((double)got[i] - want[i]) <= tol * (1 + fabs((double)want[i])), "%s under %s [%zu]: %.9g, want %.9g",
              what, shape, i, got[i], want[i]);
}

/* Every op on the device in one session whose launches take `grp`'s shape
 * (NULL: each launch's own), against the host. */
static void run_all(const vs_output *out, const results *want, const group *grp) {
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs__inline_allow(s, false);
  if (grp) vs__force_group_shape(s, grp->local, grp->dims);
  vs_tensor *t[NFETCH] = {0};
  vs_session_run(s, NULL, NULL, 0, out, t, NFETCH, NULL, 0, st);
  expect_ok(st);
  const char *name = grp ? grp->name : "the launches' own";
  compare("BiasAdd", name, t[0], want->bias, NX, 0);
  compare("AddV2 by a row", name, t[1], want->row, NX, 0);
  compare("Mul by a plane", name, t[2], want->plane, NX, 0);
  compare("Mul by a column", name, t[3], want->col, NX, 0);
  compare("MaxPool", name, t[4], want->maxp, N * MH * MW * C, 0);
  compare("AvgPool", name, t[5], want->avgp, N * AH * AW * C, 1e-6);
  compare("MaxPoolGrad", name, t[6], want->maxg, NX, 0);
  compare("AvgPoolGrad", name, t[7], want->avgg, NX, 1e-6);
  compare("Sum over axis 1", name, t[8], want->sum1, N * W * C, 0);
  compare("Sum", name, t[9], want->sum_all, 1, 0);
  for (size_t i = 0; i < NFETCH; i++) vs_tensor_free(t[i]);
  vs_session_free(s);
}

/* The MaxPool and AvgPool gradients are the ops TF's gradients make. */
Test(workgroups, gradient_ops_are_the_pool_grads) {
  vs_output out[NFETCH];
  build(out);
  cr_assert_str_eq(vs_op_type(out[6].op), "MaxPoolGrad");
  cr_assert_str_eq(vs_op_type(out[7].op), "AvgPoolGrad");
}

Test(workgroups, every_kernel_matches_the_host_under_gpu_shapes) {
  vs_output out[NFETCH];
  build(out);
  results *want = malloc(sizeof *want);
  cr_assert(want);
  reference(want);
  run_all(out, want, NULL);
  for (size_t i = 0; i < sizeof GROUPS / sizeof *GROUPS; i++) run_all(out, want, &GROUPS[i]);
  free(want);
}

/* A forced shape belongs to its session: another session of the graph
 * keeps its launches' own, and NULL restores them. */
Test(workgroups, forcing_is_per_session_and_undone_by_null) {
  vs_session *s = vs_session_new(g, NULL, st), *other = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs__force_group_shape(s, (const size_t[]){8, 8}, 2);
  cr_assert(s->force_local[0] == 8 && s->force_local[1] == 8 && s->force_local[2] == 0);
  cr_assert(other->force_local[0] == 0);
  vs__force_group_shape(s, NULL, 0);
  cr_assert(s->force_local[0] == 0 && s->force_local[1] == 0);
  vs_session_free(other);
  vs_session_free(s);
}

/* ---- the forward conv's launches through the session's kernel objects ----
 * A Conv2D step (BiasAdd and Relu fused into it) on a [2, 7, 11, 5] input,
 * 8 output channels, SAME, under each route forced by VARSCOPE_CONV: its
 * kernels are launched with the kernel objects its session keeps
 * (common.c's vs__kernel_get), made at the first run and the same objects
 * at every later run, with no new entry. Values are multiples of 1/4 (and
 * 1/16 in the products), exact in float32 and float64: each run's result
 * equals the host's exactly. */
#define CV_N 2
#define CV_H 7
#define CV_W 11
#define CV_C 5
#define CV_K 8
#define CV_NX (CV_N * CV_H * CV_W * CV_C)
#define CV_NY (CV_N * CV_H * CV_W * CV_K)

typedef struct conv_route {
  const char *force;  /* VARSCOPE_CONV */
  int ks;             /* the filter's size: 3, or 1 for the pointwise kernel */
  vs_dtype dtype;
  const char *source; /* the program of the route's own launches */
  size_t kernels;     /* its kernel objects in the session: its program's and gemm.c's (CLBlast's are its own) */
  const char *gemm;   /* VARSCOPE_GEMM (NULL: unset) */
} conv_route;

/* direct: conv2d_strip; pointwise (rm 4 nv 1 ly 2: one vector of 8 channels); igemm; im2col in float64 (CLBlast's
 * DGEMM, so the epilogue is conv.cl's bias_act_rows after im2col_lines);
 * convgemm (transpose_batched, hwio_to_kchw, bias_act_rows); im2col in
 * float32 under gemm.c's own kernels, the epilogue in their store:
 * im2col_lines, pack and gemm_packed or gemm_blocked; im2col_lines and
 * gemm_inplace. */
static const conv_route ROUTES[] = {
    {"direct", 3, VS_FLOAT, "conv_direct", 1, NULL},
    {"pointwise:4,1,2", 1, VS_FLOAT, "conv_pointwise", 1, NULL},
    {"igemm:16,16,8,4,4,2", 3, VS_FLOAT, "conv_igemm", 1, NULL},
    {"im2col", 3, VS_DOUBLE, "conv", 2, NULL},
    {"convgemm", 3, VS_FLOAT, "conv", 3, NULL},
    {"im2col", 3, VS_FLOAT, "conv", 3, "own:3,1,4,2,2"},
    {"im2col", 3, VS_FLOAT, "conv", 3, "blocked:3,1,4,2,2,7"},
    {"im2col", 3, VS_FLOAT, "conv", 2, "inplace:3,1,4,2,2"},
};

/* The route's graph: relu(conv2d(x, f) + b), constants; the host's result
 * in host (as double). */
static vs_output conv_graph(const conv_route *rt, double *host) {
  static double xd[CV_NX], fd[3 * 3 * CV_C * CV_K], bd[CV_K];
  static float xf[CV_NX], ff[3 * 3 * CV_C * CV_K], bf[CV_K];
  int ks = rt->ks, pad = ks / 2;
  size_t nf = (size_t)ks * ks * CV_C * CV_K;
  for (size_t i = 0; i < CV_NX; i++) xf[i] = (float)(xd[i] = value_at(i, 1));
  for (size_t i = 0; i < nf; i++) ff[i] = (float)(fd[i] = value_at(i, 2));
  for (size_t i = 0; i < CV_K; i++) bf[i] = (float)(bd[i] = value_at(i, 3));
  bool dbl = rt->dtype == VS_DOUBLE;
  vs_output cx = vs_constant(g, dbl ? (const void *)xd : (const void *)xf, rt->dtype, VS_SHAPE(CV_N, CV_H, CV_W, CV_C),
                            "x", st);
  vs_output cf = vs_constant(g, dbl ? (const void *)fd : (const void *)ff, rt->dtype, VS_SHAPE(ks, ks, CV_C, CV_K), "f",
                            st);
  vs_output cb = vs_constant(g, dbl ? (const void *)bd : (const void *)bf, rt->dtype, VS_SHAPE(CV_K), "b", st);
  vs_output y = vs_conv2d(g, cx, cf, &(vs_conv2d_opts){.padding = "SAME"}, st);
  y = vs_relu(g, vs_bias_add(g, y, cb, NULL, st), NULL, st);
  expect_ok(st);
  for (int n = 0; n < CV_N; n++)
    for (int i = 0; i < CV_H; i++)
      for (int j = 0; j < CV_W; j++)
        for (int k = 0; k < CV_K; k++) {
          double acc = bd[k];
          for (int a = 0; a < ks; a++)
            for (int c2 = 0; c2 < ks; c2++) {
              int ih = i - pad + a, iw = j - pad + c2;
              if (ih < 0 || ih >= CV_H || iw < 0 || iw >= CV_W) continue;
              for (int c = 0; c < CV_C; c++)
                acc += xd[((n * CV_H + ih) * CV_W + iw) * CV_C + c] * fd[((a * ks + c2) * CV_C + c) * CV_K + k];
            }
          host[((n * CV_H + i) * CV_W + j) * CV_K + k] = acc > 0 ? acc : 0;
        }
  return y;
}

/* One run of y, its result equal to want. */
static void conv_run_check(vs_session *s, const conv_route *rt, vs_output y, const double *want, int run) {
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &y, &t, 1, NULL, 0, st);
  expect_ok(st);
  cr_assert_eq(vs_tensor_num_elements(t), (size_t)CV_NY);
  for (size_t i = 0; i < CV_NY; i++) {
    double v = rt->dtype == VS_DOUBLE ? ((const double *)vs_tensor_data(t))[i] : ((const float *)vs_tensor_data(t))[i];
    cr_assert(v == want[i], "%s, run %d: out[%zu] = %.9g, want %.9g", rt->force, run, i, v, want[i]);
  }
  vs_tensor_free(t);
}

/* The session's entries of the route's program and of gemm.c's: how
 * many; their kernel objects into k (room for 4). */
static size_t route_entries(const vs_session *s, const conv_route *rt, cl_kernel *k) {
  size_t n = 0;
  for (size_t i = 0; i < s->n_kernels; i++) {
    const vs_kernel_entry *e = &s->kernels[i];
    if ((strcmp(e->source, rt->source) == 0 || strcmp(e->source, "gemm") == 0) && e->dtype == rt->dtype && n < 4)
      k[n++] = e->kernel;
  }
  return n;
}

/* The host's result of the route's conv (conv_graph). */
static double cv_want[CV_NY];

/* A fresh graph of the route (conv_graph), VARSCOPE_CONV set to its
 * force, and a session of it running on the device (no inline host path). */
static vs_session *conv_session(const conv_route *rt, vs_output *y) {
  vs_graph_free(g);
  g = vs_graph_new();
  *y = conv_graph(rt, cv_want);
  setenv("VARSCOPE_CONV", rt->force, 1);
  if (rt->gemm) setenv("VARSCOPE_GEMM", rt->gemm, 1);
  else unsetenv("VARSCOPE_GEMM");
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs__inline_allow(s, false);
  return s;
}

Test(workgroups, a_conv_steps_runs_reuse_the_sessions_kernel_objects) {
  for (size_t r = 0; r < sizeof ROUTES / sizeof *ROUTES; r++) {
    const conv_route *rt = &ROUTES[r];
    vs_output y;
    vs_session *s = conv_session(rt, &y);
    conv_run_check(s, rt, y, cv_want, 1);
    cl_kernel first[4], now[4];
    size_t n_kernels = s->n_kernels, n = route_entries(s, rt, first);
    cr_assert_eq(n, rt->kernels, "%s (%s): %zu kernel objects of %s and gemm in the session, want %zu", rt->force,
                 rt->gemm ? rt->gemm : "-", n, rt->source, rt->kernels);
    for (int run = 2; run <= 3; run++) {
      conv_run_check(s, rt, y, cv_want, run);
      cr_assert_eq(s->n_kernels, n_kernels, "%s, run %d: no new kernel object", rt->force, run);
      cr_assert_eq(route_entries(s, rt, now), n);
      for (size_t i = 0; i < n; i++) cr_assert(now[i] == first[i], "%s, run %d: the same object", rt->force, run);
    }
    vs_session_free(s);
  }
  unsetenv("VARSCOPE_CONV");
  unsetenv("VARSCOPE_GEMM");
}

/* Every route's step, those launching two or three kernels alternately
 * among them (the im2col route in float64: im2col_lines, CLBlast's DGEMM,
 * bias_act_rows; convgemm: two transposes, hwio_to_kchw, CLBlast,
 * bias_act_rows), finds each kernel in the entries it remembers (plan.h's
 * VS_STEP_KERNELS): from its second run on no launch searches the
 * session's kernel list. Its first run searches once per kernel at least. */
Test(workgroups, a_conv_step_alternating_kernels_searches_nothing_after_its_first_run) {
  for (size_t r = 0; r < sizeof ROUTES / sizeof *ROUTES; r++) {
    const conv_route *rt = &ROUTES[r];
    vs_output y;
    vs_session *s = conv_session(rt, &y);
    uint64_t before = vs__kernel_searches();
    conv_run_check(s, rt, y, cv_want, 1);
    cr_assert_geq(vs__kernel_searches() - before, rt->kernels, "%s: the first run searches once per kernel",
                  rt->force);
    for (int run = 2; run <= 3; run++) {
      before = vs__kernel_searches();
      conv_run_check(s, rt, y, cv_want, run);
      cr_assert_eq(vs__kernel_searches(), before, "%s, run %d: %llu searches of the session's kernels, want 0",
                   rt->force, run, (unsigned long long)(vs__kernel_searches() - before));
    }
    vs_session_free(s);
  }
  unsetenv("VARSCOPE_CONV");
  unsetenv("VARSCOPE_GEMM");
}

/* The implicit GEMM checks its parameter set against what the compiled
 * kernel takes (CL_KERNEL_WORK_GROUP_SIZE, CL_KERNEL_LOCAL_MEM_SIZE):
 * asked at the step's first run, then answered by the session's entry
 * (common.c's vs__kernel_use_limits), never the driver again. */
Test(workgroups, igemm_asks_its_kernels_limits_once_per_kept_object) {
  const conv_route *rt = &ROUTES[2];
  cr_assert_str_eq(rt->force, "igemm:16,16,8,4,4,2");
  vs_output y;
  vs_session *s = conv_session(rt, &y);
  uint64_t before = vs__kernel_limit_queries();
  conv_run_check(s, rt, y, cv_want, 1);
  cr_assert_eq(vs__kernel_limit_queries() - before, 1, "the first run asks once, not %llu times",
               (unsigned long long)(vs__kernel_limit_queries() - before));
  for (int run = 2; run <= 3; run++) {
    before = vs__kernel_limit_queries();
    conv_run_check(s, rt, y, cv_want, run);
    cr_assert_eq(vs__kernel_limit_queries(), before, "run %d: %llu queries, want 0", run,
                 (unsigned long long)(vs__kernel_limit_queries() - before));
  }
  vs_session_free(s);
  unsetenv("VARSCOPE_CONV");
}

/* ---- a MatMul step through the session's kernel objects ----
 * A [13, 30] x [30, 9] MatMul (B transposed for the packed kernel) under
 * each of gemm.c's own kernels (VARSCOPE_GEMM) runs them through its
 * session's kept kernel objects (common.c's vs__kernel_get): made at the
 * first run, exactly the kernels the form launches; runs 2 and 3 make no
 * new entry, launch the same objects and search nothing (the step
 * remembers them). Multiples of 1/4 (value_at): every product and sum is
 * exact in float32, so each run's result equals the host's exactly. */
#define MM_M 13
#define MM_N 9
#define MM_K 30

/* One run of z, its result equal to a x op(b) on the host. */
static void matmul_run_check(vs_session *s, vs_output z, const float *a, const float *b, bool tb, const char *force,
                             int run) {
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &z, &t, 1, NULL, 0, st);
  expect_ok(st);
  cr_assert_eq(vs_tensor_num_elements(t), (size_t)(MM_M * MM_N));
  const float *got = vs_tensor_data(t);
  for (size_t i = 0; i < MM_M; i++)
    for (size_t j = 0; j < MM_N; j++) {
      double want = 0;
      for (size_t k = 0; k < MM_K; k++) want += (double)a[i * MM_K + k] * b[tb ? j * MM_K + k : k * MM_N + j];
      cr_assert(got[i * MM_N + j] == want, "%s, run %d: z[%zu,%zu] = %.9g, want %.9g", force, run, i, j,
                got[i * MM_N + j], want);
    }
  vs_tensor_free(t);
}

/* The session's entries of gemm.c's program: their names checked against
 * want[0, n) in order; their objects into k (room for 2). */
static size_t gemm_entries(const vs_session *s, const char *const *want, size_t n, const char *force, cl_kernel *k) {
  size_t found = 0;
  for (size_t i = 0; i < s->n_kernels; i++) {
    if (strcmp(s->kernels[i].source, "gemm") != 0) continue;
    cr_assert_lt(found, n, "%s: a kernel object %s beyond the form's", force, s->kernels[i].name);
    cr_assert_str_eq(s->kernels[i].name, want[found], "%s", force);
    k[found++] = s->kernels[i].kernel;
  }
  return found;
}

Test(workgroups, a_matmul_steps_runs_reuse_the_sessions_kernel_objects) {
  static const struct {
    const char *force;
    bool tb;
    size_t kernels;
    const char *names[2];
  } FORMS[] = {
      {"own:3,1,4,2,2", true, 2, {"pack", "gemm_packed"}},
      {"blocked:3,1,4,2,2,7", false, 2, {"pack", "gemm_blocked"}},
      {"inplace:3,1,4,2,2", false, 1, {"gemm_inplace"}},
  };
  static float a[MM_M * MM_K], b[MM_K * MM_N];
  for (size_t i = 0; i < MM_M * MM_K; i++) a[i] = value_at(i, 4);
  for (size_t i = 0; i < MM_K * MM_N; i++) b[i] = value_at(i, 5);
  for (size_t f = 0; f < sizeof FORMS / sizeof *FORMS; f++) {
    const char *force = FORMS[f].force;
    bool tb = FORMS[f].tb;
    setenv("VARSCOPE_GEMM", force, 1);
    vs_graph_free(g);
    g = vs_graph_new();
    vs_output ca = vs_constant(g, a, VS_FLOAT, VS_SHAPE(MM_M, MM_K), "a", st);
    vs_output cb = vs_constant(g, b, VS_FLOAT, tb ? VS_SHAPE(MM_N, MM_K) : VS_SHAPE(MM_K, MM_N), "b", st);
    vs_output z = vs_matmul(g, ca, cb, &(vs_matmul_opts){.transpose_b = tb}, st);
    vs_session *s = vs_session_new(g, NULL, st);
    expect_ok(st);
    vs__inline_allow(s, false);
    matmul_run_check(s, z, a, b, tb, force, 1);
    cl_kernel first[2], now[2];
    size_t n_kernels = s->n_kernels, n = gemm_entries(s, FORMS[f].names, FORMS[f].kernels, force, first);
    cr_assert_eq(n, FORMS[f].kernels, "%s: %zu kernel objects of gemm in the session, want %zu", force, n,
                 FORMS[f].kernels);
    for (int run = 2; run <= 3; run++) {
      uint64_t searches = vs__kernel_searches();
      matmul_run_check(s, z, a, b, tb, force, run);
      cr_assert_eq(s->n_kernels, n_kernels, "%s, run %d: no new kernel object", force, run);
      cr_assert_eq(vs__kernel_searches(), searches, "%s, run %d: no search of the session's kernels", force, run);
      cr_assert_eq(gemm_entries(s, FORMS[f].names, FORMS[f].kernels, force, now), n);
      for (size_t i = 0; i < n; i++) cr_assert(now[i] == first[i], "%s, run %d: the same object", force, run);
    }
    vs_session_free(s);
  }
  unsetenv("VARSCOPE_GEMM");
}

/* ---- launches past a device's work-groups per dimension ----
 * A CUDA device runs at most 65535 work-groups along dimensions 1 and 2
 * of one launch (2^31-1 along 0); common.c's launches cut a range past
 * the device's caps into launches at global offsets (launch_grid.h).
 * PoCL has no caps, so these tests pretend tiny ones for device 0: 4
 * groups along 0 and 3 along 1 and 2 (pieces of several groups), and one
 * group along each (every range of more than one group cut into single
 * groups), and want exactly the host's results (those of the uncut
 * launches, which the tests above compare with the same host results). */
static const size_t CAPS[][3] = {{4, 3, 3}, {1, 1, 1}};

/* Every piece of the launches cut since the last look was within caps;
 * the widest along each dimension raised into seen. */
static void expect_pieces_within(const size_t *caps, size_t *seen) {
  size_t widest[3];
  vs__grid_widest(widest);
  for (int i = 0; i < 3; i++) {
    cr_assert_leq(widest[i], caps[i], "a piece of %zu groups along dimension %d, over the cap of %zu", widest[i], i,
                  caps[i]);
    if (widest[i] > seen[i]) seen[i] = widest[i];
  }
}

Test(workgroups, every_kernel_matches_the_host_cut_to_a_few_groups_per_dimension) {
  vs_output out[NFETCH];
  build(out);
  results *want = malloc(sizeof *want);
  cr_assert(want);
  reference(want);
  static const group *shapes[] = {NULL, &GROUPS[1], &GROUPS[4], &GROUPS[6]}; /* own, 32, 8x8, 4x4x4 */
  for (size_t c = 0; c < sizeof CAPS / sizeof *CAPS; c++) {
    size_t seen[3] = {0, 0, 0};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
      vs__grid_caps_pretend(0, CAPS[c]);
      uint64_t before = vs__grid_cuts();
      run_all(out, want, shapes[i]);
      /* Under a GPU's shapes: BiasAdd, the two periodic ops, the column
       * Mul, both pools, the argmax and both pool gradients at least, each
       * over more than 4 x 3 x 3 groups. (A CPU's own shapes take up to
       * 1024 items a group: a few groups, not always cut.) */
      if (shapes[i])
        cr_assert_geq(vs__grid_cuts() - before, 9, "caps %zu under %s: %llu launches cut, want 9 or more", c,
                      shapes[i]->name, (unsigned long long)(vs__grid_cuts() - before));
      expect_pieces_within(CAPS[c], seen);
      vs__grid_caps_pretend(0, NULL);
    }
    /* the pieces as wide as the caps allow, not narrower */
    for (int i = 0; i < 3; i++)
      cr_assert_eq(seen[i], CAPS[c][i], "caps %zu: the widest piece along %d has %zu groups, want %zu", c, i, seen[i],
                   CAPS[c][i]);
  }
  free(want);
}

/* Every conv route's launches cut (the direct, pointwise, im2col_lines
 * and gemm.c kernels, the convgemm transposes), each result the host's
 * exactly; the implicit GEMM, whose kernel places its tiles by
 * get_group_id, refused before it runs, with the reason. */
Test(workgroups, conv_routes_cut_to_a_few_groups_per_dimension) {
  for (size_t c = 0; c < sizeof CAPS / sizeof *CAPS; c++)
    for (size_t r = 0; r < sizeof ROUTES / sizeof *ROUTES; r++) {
      const conv_route *rt = &ROUTES[r];
      vs_output y;
      vs_session *s = conv_session(rt, &y);
      vs__grid_caps_pretend(0, CAPS[c]);
      uint64_t before = vs__grid_cuts();
      if (strncmp(rt->force, "igemm", 5) == 0) {
        vs_tensor *t = NULL;
        vs_session_run(s, NULL, NULL, 0, &y, &t, 1, NULL, 0, st);
        cr_assert_eq(vs_status_code(st), VS_UNIMPLEMENTED, "%s: %s", rt->force, vs_status_message(st));
        char text[200];
        snprintf(text, sizeof text,
                 "conv2d (igemm): 10 work-groups along dimension 0 exceed the %zu that /device:CL:0 runs in one "
                 "launch; this kernel cannot be cut there",
                 CAPS[c][0]);
        cr_assert_str_eq(vs_status_message(st), text);
        cr_assert_null(t);
        vs_status_set(st, VS_OK, "");
      } else {
        conv_run_check(s, rt, y, cv_want, 1);
        /* Under {1,1,1} every launch of more than one group is cut; under
         * {4,3,3} every route has one launch past it but the direct conv,
         * whose one launch here is at most 4 x 3 x 3 groups. */
        if (CAPS[c][0] == 1 || strcmp(rt->force, "direct") != 0)
          cr_assert_gt(vs__grid_cuts(), before, "caps %zu, %s (%s): no launch cut", c, rt->force,
                       rt->gemm ? rt->gemm : "-");
        size_t seen[3] = {0, 0, 0};
        expect_pieces_within(CAPS[c], seen);
      }
      vs__grid_caps_pretend(0, NULL);
      vs_session_free(s);
    }
  unsetenv("VARSCOPE_CONV");
  unsetenv("VARSCOPE_GEMM");
}

/* The rule launch_grid.h states: only three kernel sources read their
 * coordinates other than by get_global_id (their launches say where they
 * may be cut); a new kernel that does must say so too, and join this list. */
Test(workgroups, only_the_known_kernels_read_group_ids_or_global_sizes) {
  static const char *const KNOWN[] = {"conv_igemm", "conv_igemm_tf32", "gemm_mma"};
  static const char *const CALLS[] = {"get_group_id", "get_global_size", "get_num_groups", "get_global_offset",
                                      "get_global_linear_id"};
  size_t found = 0;
  for (const vs_kernel_source *k = vs_kernel_sources; k->name; k++) {
    bool reads = false;
    for (size_t c = 0; c < sizeof CALLS / sizeof *CALLS; c++) reads = reads || strstr(k->source, CALLS[c]);
    bool known = false;
    for (size_t i = 0; i < sizeof KNOWN / sizeof *KNOWN; i++) known = known || strcmp(k->name, KNOWN[i]) == 0;
    cr_assert_eq(reads, known, "cl_kernels/%s.cl %s group ids or global sizes", k->name, reads ? "reads" : "no longer reads");
    found += reads;
  }
  cr_assert_eq(found, sizeof KNOWN / sizeof *KNOWN);
}

/* At CUDA's own caps (65535 groups along dimension 1): BiasAdd and an
 * AddV2 by a row over [70001, 2] in one-item groups, 70001 groups along
 * dimension 1 of each launch, cut in two, exactly the host's result. The
 * caps are the device's where it has them (an NVIDIA GPU's, which the
 * registry must have filled: gpu-check's kernels stage runs this on the
 * real driver, its global offsets included), else pretended. */
#define BIG_ROWS 70001
Test(workgroups, a_range_past_cudas_caps_is_cut_at_them) {
  static const size_t CUDA[3] = {2147483647u, 65535u, 65535u};
  vs_cl_device *d = vs__device(0, st);
  expect_ok(st);
  bool nvidia = d->info.vendor[0] && strstr(d->info.vendor, "NVIDIA") && strcmp(d->info.type, "GPU") == 0;
  if (nvidia)
    for (int i = 0; i < 3; i++)
      cr_assert_eq(d->max_groups[i], CUDA[i], "%s: max_groups[%d] %zu, want CUDA's %zu", d->info.device_name, i,
                   d->max_groups[i], CUDA[i]);
  if (!d->max_groups[1]) vs__grid_caps_pretend(0, CUDA);
  static float xs[BIG_ROWS * 2], bs[2] = {0.25f, -1.5f};
  for (size_t i = 0; i < BIG_ROWS * 2; i++) xs[i] = value_at(i, 8);
  vs_output xo = vs_constant(g, xs, VS_FLOAT, VS_SHAPE(BIG_ROWS, 2), "x", st);
  vs_output bo = vs_constant(g, bs, VS_FLOAT, VS_SHAPE(2), "b", st);
  vs_output out[2] = {vs_bias_add(g, xo, bo, NULL, st), vs_add(g, xo, bo, NULL, st)};
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs__inline_allow(s, false);
  vs__force_group_shape(s, (const size_t[]){1}, 1);
  size_t widest[3];
  vs__grid_widest(widest); /* from zero */
  uint64_t before = vs__grid_cuts();
  vs_tensor *t[2] = {0};
  vs_session_run(s, NULL, NULL, 0, out, t, 2, NULL, 0, st);
  expect_ok(st);
  cr_assert_geq(vs__grid_cuts() - before, 2, "%llu launches cut, want both",
                (unsigned long long)(vs__grid_cuts() - before));
  size_t seen[3] = {0, 0, 0};
  expect_pieces_within(d->max_groups[1] ? d->max_groups : CUDA, seen);
  cr_assert_eq(seen[1], CUDA[1], "the first piece: %zu groups along dimension 1, want %zu", seen[1], CUDA[1]);
  for (int k = 0; k < 2; k++) {
    const float *got = vs_tensor_data(t[k]);
    for (size_t i = 0; i < BIG_ROWS * 2; i++)
      cr_assert(got[i] == xs[i] + bs[i % 2], "%s [%zu]: %.9g, want %.9g", k ? "AddV2" : "BiasAdd", i, got[i],
                xs[i] + bs[i % 2]);
    vs_tensor_free(t[k]);
  }
  vs_session_free(s);
  vs__grid_caps_pretend(0, NULL);
}

/* The own GEMM's three multiplies (gemm.cl: packed, in place, k-blocked)
 * cut along their row dimension: C's 22 three-row tiles (m = 65) dealt
 * into 5 rows of 4 or 5 under work-groups of 5 (vs__gemm_rows), the rows
 * cut into pieces of 3 groups, or of one (each piece then sees its own
 * group ids and counts, so a kernel placing its rows by them would write
 * the wrong tiles): every C bitwise the uncut launch's, which is the
 * host's within test_gemm's tolerance there. */
Test(workgroups, own_gemm_rows_cut_compute_what_one_launch_does) {
  enum { M = 65, NN = 21, K = 9 };
  static const int SET[6] = {3, 1, 4, 2, 5, 4}; /* rm 3, NR 4, ly 5; k-blocked chunks of 4 steps */
  static const int KINDS[] = {0, 2, 3};         /* packed, in place, k-blocked (vs__gemm_run_host's kinds) */
  float a[M * K], b[K * NN], whole[M * NN], cut[M * NN];
  for (int i = 0; i < M * K; i++) a[i] = (float)((i * 37) % 23) / 7.0f - 1.5f;
  for (int i = 0; i < K * NN; i++) b[i] = (float)((i * 11) % 19) / 5.0f - 1.75f;
  for (size_t kd = 0; kd < sizeof KINDS / sizeof *KINDS; kd++) {
    for (int i = 0; i < M * NN; i++) whole[i] = cut[i] = -7.0f;
    cr_assert(vs__gemm_run_host(0, SET, KINDS[kd], false, false, M, NN, K, a, M * K, 0, K, b, K * NN, 0, NN, whole,
                                M * NN, 0, NN, st), "kind %d: %s", KINDS[kd], vs_status_message(st));
    for (size_t c = 0; c < sizeof CAPS / sizeof *CAPS; c++) {
      vs__grid_caps_pretend(0, CAPS[c]);
      uint64_t before = vs__grid_cuts();
      bool ok = vs__gemm_run_host(0, SET, KINDS[kd], false, false, M, NN, K, a, M * K, 0, K, b, K * NN, 0, NN, cut,
                                  M * NN, 0, NN, st);
      uint64_t cuts = vs__grid_cuts() - before;
      vs__grid_caps_pretend(0, NULL);
      cr_assert(ok, "kind %d, caps %zu: %s", KINDS[kd], c, vs_status_message(st));
      cr_assert_gt(cuts, 0, "kind %d, caps %zu: the multiply was not cut", KINDS[kd], c);
      for (int i = 0; i < M * NN; i++)
        cr_assert_eq(cut[i], whole[i], "kind %d, caps %zu: C[%d, %d] = %g cut, %g whole", KINDS[kd], c, i / NN,
                     i % NN, cut[i], whole[i]);
    }
    double worst = 0; /* the uncut product against the host, as test_gemm checks every form */
    for (int i = 0; i < M; i++)
      for (int j = 0; j < NN; j++) {
        double want = 0;
        for (int kk = 0; kk < K; kk++) want += (double)a[i * K + kk] * b[kk * NN + j];
        double e = fabs(whole[i * NN + j] - want);
        worst = e > worst ? e : worst;
      }
    cr_assert_lt(worst, 1e-4, "kind %d: the uncut product is %g off the host's", KINDS[kd], worst);
  }
}
