/* nn_grad.c - Conv2D's gradient ops on the device,
 * Conv2DBackpropInput(input_sizes, filter, out_backprop) and
 * Conv2DBackpropFilter(input, filter_sizes, out_backprop), NHWC / HWIO,
 * with Conv2D's strides, dilations and SAME/VALID padding (op->attr.conv),
 * by one of these routes:
 *   - gemm: the input gradient as the GEMM dcols = dy x f^T then col2im
 *     over the input's pixels, the filter gradient as im2col (conv2d.c's
 *     vs__im2col_lines) then the GEMM im2col^T x dy (vs__matmul), while
 *     the im2col matrix stays under GEMM_BYTES;
 *   - direct: cl_kernels/conv_grad.cl's conv2d_bp_input (one work-item per
 *     row strip of input pixels and block of channels, the K products of
 *     a tap in vector lanes) and conv2d_bp_filter (one per tap, channel
 *     block and vector block, over chunks of the output lines, the
 *     chunks' sums added by sum_chunks), built per shape family;
 *   - direct-t, the input gradient's only: conv2d_bp_input's transposed
 *     form, vectors of input channels over the filter made HWOI
 *     (hwio_to_hwoi), no lanes to add.
 * Which runs is measured per geometry and kept (conv_grad_select.c);
 * VARSCOPE_CONV_GRAD=gemm, direct or direct-t forces one (tests compare
 * them). The 3-5 launches of the gemm route (im2col or col2im, the GEMM's
 * packing and multiply) cost more than the multiply itself on the small
 * channel counts of examples/cnn_model.h (docs/conv-performance.md,
 * "Session 9: conv gradients"). The sizes are Const inputs, read from the
 * graph. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "ops/train_ops.h"
#include "kernels/conv_grad.h"
#include "kernels/gemm.h"

/* The im2col matrix ([N*OH*OW, KH*KW*C]) and its GEMM are used while it
 * stays under this many bytes; larger problems run the direct kernels. */
#define GEMM_BYTES ((size_t)256 << 20)
/* conv2d_bp_input's input pixels per work-item (a strip of a row). */
#define BPI_PW 16
/* conv2d_bp_filter splits the output lines into chunks until there are
 * about this many work-items per compute unit. */
#define BPF_ITEMS_PER_UNIT 8

/* The routes, by their names in VARSCOPE_CONV_GRAD and the choices table.
 * direct-t (conv2d_bp_input's transposed form) is the input gradient's;
 * the filter gradient runs it as direct. */
enum { ROUTE_GEMM, ROUTE_DIRECT, ROUTE_DIRECT_T };
static const char *const ROUTE_NAMES[] = {"gemm", "direct", "direct-t"};
/* Their order of simplicity for a tie in the measured choice (choice_pick.h):
 * direct (one kernel, a sum of chunks for the filter's), direct-t (a
 * filter transpose before it), gemm (3-5 launches and an im2col scratch). */
static const int ROUTE_SIMPLICITY[] = {2, 0, 1};

/* The shape held by a Const int32 vector input; unknown otherwise. */
static vs_shape const_shape(vs_output x) {
  size_t n = 0;
  const int32_t *d = vs__const_int32(x, &n);
  vs_shape s = {.known = d != NULL && n <= VS_MAX_RANK, .rank = (int)n};
  for (size_t i = 0; s.known && i < n; i++) s.dims[i] = d[i];
  return s.known ? s : (vs_shape){.known = false};
}

/* One gradient op's operands, for the routes and their selection. */
typedef struct grad_job {
  vs_run *r;
  vs_cl_device *d;
  size_t dev;
  bool filter; /* Conv2DBackpropFilter (a: x), else Conv2DBackpropInput (a: f) */
  vs_conv_geom g;
  cl_mem a, b, out; /* b: dy */
  int route0;       /* the first route among the measured candidates */
} grad_job;

/* The largest divisor of n not above cap (n >= 1). */
static int64_t divisor_upto(int64_t n, int64_t cap) {
  for (int64_t c = cap; c > 1; c--)
    if (n % c == 0) return c;
  return 1;
}

/* The direct kernels' work-group size on a CPU device: one item (PoCL
 * runs a group as a loop over its items; these items each run a strip of
 * 16 pixels or a tap's lines, and larger groups measured no faster,
 * docs/conv-performance.md "Session 10: work-group shapes for GPUs").
 * Other devices take the kernel's queried size (vs__launch_own). */
#define DIRECT_CPU_ROOM 1

/* Launches direct kernel `name` over extent (kept by the session per
 * options string, vs__launch_own) with its program options: the shape
 * family as constants, CB input channels and KV vectors of VEC output
 * channels per item, and `extra`. */
static bool direct_launch(grad_job *j, const char *name, int64_t cb, int64_t kv, const char *extra, cl_uint dims,
                          const size_t *extent, const karg *args, int nargs, const char *what, vs_status *st) {
  const vs_conv_geom *g = &j->g;
  char opts[400];
  snprintf(opts, sizeof opts,
           "%s -DVEC=%d -DCB=%lld -DKV=%lld -DSC=%lld -DSK=%lld -DSKH=%lld -DSKW=%lld -DSSH=%lld -DSSW=%lld -DSDH=%lld "
           "-DSDW=%lld%s",
           vs__cl_options(g->dtype, j->d), vs__conv_direct_vec(g), (long long)cb, (long long)kv, (long long)g->C,
           (long long)g->K, (long long)g->KH, (long long)g->KW, (long long)g->SH, (long long)g->SW, (long long)g->DH,
           (long long)g->DW, extra);
  return vs__launch_own(j->r, j->d, "conv_grad", g->dtype, name, opts, DIRECT_CPU_ROOM, dims, extent, args, nargs,
                        what, st);
}

/* conv2d_bp_input in the lanes form, or the transposed one (over the
 * filter made HWOI by hwio_to_hwoi first). */
static bool run_direct_input(grad_job *j, bool transposed, const cl_int *geo, vs_status *st) {
  const vs_conv_geom *g = &j->g;
  /* Up to 8 channels' vector sums per item (8 registers of VEC lanes), or
   * up to 4 vectors of VECC input channels. */
  int64_t cb = divisor_upto(g->C, 8), vecc = vs__vec_width(g->C), nc = divisor_upto(g->C / vecc, 4);
  cl_int pw = BPI_PW, nb = (cl_int)g->N;
  char extra[48] = "";
  if (transposed) snprintf(extra, sizeof extra, " -DVECC=%lld -DNC=%lld", (long long)vecc, (long long)nc);
  cl_mem ft = NULL, filter = j->a;
  bool ok = true;
  if (transposed) {
    size_t nf = (size_t)(g->KH * g->KW * g->C * g->K);
    vs_shape fs = {.known = true, .rank = 4, .dims = {g->KH, g->KW, g->K, g->C}};
    cl_ulong C = (cl_ulong)g->C, K = (cl_ulong)g->K, n = nf;
    karg targs[] = {KARG(ft), KARG(j->a), KARG(C), KARG(K), KARG(n)};
    ok = (ft = vs__buffer(j->dev, nf * vs_dtype_size(g->dtype), &fs, g->dtype, st)) != NULL &&
         vs__launch(j->r, j->d, "conv_grad", g->dtype, "hwio_to_hwoi", nf, targs, 5, st);
    filter = ft;
  }
  if (ok) {
    karg args[] = {KARG(j->out), KARG(filter), KARG(j->b), KARG(nb), KARG(geo[0]), KARG(geo[1]),
                   KARG(geo[2]), KARG(geo[3]), KARG(geo[8]), KARG(geo[9]), KARG(pw)};
    size_t extent[3] = {(size_t)(g->C / (transposed ? vecc * nc : cb)), (size_t)((g->W + pw - 1) / pw),
                        (size_t)(g->N * g->H)};
    ok = direct_launch(j, "conv2d_bp_input", cb, 1, extra, 3, extent, args, 11, "Conv2DBackpropInput (direct)", st);
  }
  if (ft) vs__buffer_release(ft); /* freed once the queued kernel finishes */
  return ok;
}

static bool run_direct(grad_job *j, bool transposed, vs_status *st) {
  const vs_conv_geom *g = &j->g;
  cl_int geo[10] = {(cl_int)g->H,  (cl_int)g->W,  (cl_int)g->OH, (cl_int)g->OW, (cl_int)g->SH,
                    (cl_int)g->SW, (cl_int)g->DH, (cl_int)g->DW, (cl_int)g->PT, (cl_int)g->PL};
  if (!j->filter) return run_direct_input(j, transposed, geo, st);
  bool ok;
  /* Up to 4 vectors of output channels and 16 accumulators per item. */
  int64_t vec = vs__conv_direct_vec(g), kv = divisor_upto(g->K / vec, 4), cb = divisor_upto(g->C, 16 / kv);
  if (cb > 8) cb = divisor_upto(g->C, 8);
  size_t items = (size_t)(g->KH * g->KW * (g->C / cb) * (g->K / (vec * kv)));
  cl_ulong lines = (cl_ulong)(g->N * g->OH);
  size_t want = (j->d->info.compute_units ? j->d->info.compute_units : 1) * BPF_ITEMS_PER_UNIT;
  cl_ulong chunks = items >= want ? 1 : (want + items - 1) / items;
  if (chunks > lines) chunks = lines ? lines : 1;
  cl_ulong per = (lines + chunks - 1) / chunks;
  chunks = lines ? (lines + per - 1) / per : 1;
  size_t nf = (size_t)(g->KH * g->KW * g->C * g->K), es = vs_dtype_size(g->dtype);
  cl_mem part = NULL;
  if (chunks > 1) {
    vs_shape ps = {.known = true, .rank = 2, .dims = {(int64_t)chunks, (int64_t)nf}};
    if (!(part = vs__buffer(j->dev, (size_t)chunks * nf * es, &ps, g->dtype, st))) return false;
  }
  cl_mem dst = part ? part : j->out;
  karg args[] = {KARG(dst),    KARG(j->a),   KARG(j->b),   KARG(geo[0]), KARG(geo[1]), KARG(geo[2]),
                 KARG(geo[3]), KARG(geo[4]), KARG(geo[5]), KARG(geo[6]), KARG(geo[7]), KARG(geo[8]),
                 KARG(geo[9]), KARG(lines),  KARG(per)};
  size_t extent[2] = {items, (size_t)chunks};
  ok = direct_launch(j, "conv2d_bp_filter", cb, kv, "", 2, extent, args, 15, "Conv2DBackpropFilter (direct)", st);
  if (ok && part) {
    cl_ulong n = nf;
    karg sargs[] = {KARG(j->out), KARG(part), KARG(n), KARG(chunks)};
    ok = vs__launch(j->r, j->d, "conv_grad", g->dtype, "sum_chunks", nf, sargs, 4, st);
  }
  if (part) vs__buffer_release(part); /* freed once the queued kernels finish */
  return ok;
}

static bool run_gemm(grad_job *j, vs_status *st) {
  const vs_conv_geom *g = &j->g;
  size_t M = (size_t)(g->N * g->OH * g->OW), KC = (size_t)(g->KH * g->KW * g->C), K = (size_t)g->K;
  vs_shape cs = {.known = true, .rank = 2, .dims = {(int64_t)M, (int64_t)KC}};
  cl_mem cols = vs__buffer(j->dev, M * KC * vs_dtype_size(g->dtype), &cs, g->dtype, st), bd = NULL;
  bool ok = cols != NULL;
  if (ok && j->filter) {
    /* df [KC, K] = im2col(x)^T [KC, M] x dy [M, K] (HWIO is [KC, K]) */
    ok = vs__im2col_lines(j->r, j->d, g, j->a, cols, 0, (size_t)(g->N * g->OH), st) &&
         vs__matmul(j->r, j->d, g->dtype, true, false, KC, K, M, cols, 0, KC, j->b, 0, K, j->out, 0, K, st);
  } else if (ok) {
    /* dcols [M, KC] = dy [M, K] x f^T [K, KC], then col2im over the input's pixels */
    cl_long geo[15] = {g->N, g->H, g->W, g->C, g->OH, g->OW, g->K, g->KH, g->KW, g->SH, g->SW, g->DH, g->DW,
                       g->PT, g->PL};
    cl_ulong pixels = (cl_ulong)(g->N * g->H * g->W);
    ok = (bd = vs__step_describe(j->r, j->dev, geo, 15, st)) != NULL && /* kept by the step: no write a run */
         vs__matmul(j->r, j->d, g->dtype, false, true, M, KC, K, j->b, 0, K, j->a, 0, K, cols, 0, KC, st);
    karg args[] = {KARG(j->out), KARG(cols), KARG(bd), KARG(pixels)};
    ok = ok && vs__launch(j->r, j->d, "conv_grad", g->dtype, "col2im_pixels", (size_t)pixels, args, 4, st);
  }
  if (cols) vs__buffer_release(cols);
  return ok;
}

static bool run_job(grad_job *j, int route, vs_status *st) {
  return route == ROUTE_GEMM ? run_gemm(j, st) : run_direct(j, route == ROUTE_DIRECT_T, st);
}

/* vs_conv_grad_route_fn of a grad_job: candidate i is route route0 + i. */
static bool run_candidate(void *ctx, int i, vs_status *st) {
  grad_job *j = ctx;
  return run_job(j, j->route0 + i, st);
}

/* Runs op's gradient into its output of shape `out`, with the geometry of
 * input x_shape, filter f_shape and gradient dy_shape. */
static bool conv_grad_run(vs_run *r, vs_op *op, size_t dev, bool filter, vs_shape x_shape, vs_shape f_shape,
                          vs_shape dy_shape, vs_value *a, vs_value *b, vs_shape out, vs_status *st) {
  grad_job j = {.r = r, .dev = dev, .filter = filter};
  if (!vs__conv_geometry(op, x_shape, f_shape, &j.g) || dy_shape.rank != 4 || dy_shape.dims[0] != j.g.N ||
      dy_shape.dims[1] != j.g.OH || dy_shape.dims[2] != j.g.OW || dy_shape.dims[3] != j.g.K) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
             "%s: input, filter and out_backprop sizes do not agree\n\t [[{{node %s}}]]", vs__op_type(op), op->name);
    return false;
  }
  const vs_conv_geom *g = &j.g;
  /* VARSCOPE_CONV_GRAD=gemm, direct or direct-t forces a route (gemm
   * only where it fits; direct-t is the filter gradient's direct). */
  const char *force = getenv("VARSCOPE_CONV_GRAD");
  int forced = -1;
  for (int i = 0; force && *force && i < 3; i++)
    if (strcmp(force, ROUTE_NAMES[i]) == 0) forced = i;
  if (force && *force && strcmp(force, "auto") != 0 && forced < 0) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
             "VARSCOPE_CONV_GRAD='%s': want auto, gemm, direct or direct-t", force);
    return false;
  }
  if (filter && forced == ROUTE_DIRECT_T) forced = ROUTE_DIRECT;
  if (!vs__new_output(r, op, dev, op->dtype, out, st)) return false;
  vs_value *o = vs__val(r, op);
  if (!o->n) return true;
  if (!(j.d = vs__device(dev, st))) return false;
  if (!vs__value_n(r, a) || !vs__value_n(r, b)) { /* an empty sum: zeros */
    double zero = 0;
    cl_int err = clEnqueueFillBuffer(*vs__queue(j.d), o->buf, &zero, vs_dtype_size(op->dtype), 0,
                                     o->n * vs_dtype_size(op->dtype), 0, NULL, NULL);
    if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueFillBuffer");
    return err == CL_SUCCESS;
  }
  /* Both routes take each extent, and the direct kernels their rows of
   * the input and the output and the filter gradient's items (one a filter
   * element at most), as a 32-bit int (flat indices are 64-bit). */
  const int64_t extents[] = {g->N, g->H, g->W, g->C, g->KH, g->KW, g->K, g->OH, g->OW, g->SH, g->SW, g->DH, g->DW,
                             g->PT, g->PL, g->N * g->H, g->N * g->OH, g->KH * g->KW * g->C * g->K};
  for (size_t i = 0; i < sizeof extents / sizeof *extents; i++)
    if (extents[i] > INT32_MAX) {
      vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: a Conv2D extent of %lld does not fit the kernels' 32-bit sizes",
               op->name, (long long)extents[i]);
      return false;
    }
  if (!vs__cl_options(op->dtype, j.d)) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: %s in %s is not supported on %s", op->name, vs__op_type(op),
             vs_dtype_name(op->dtype), j.d->info.cl_name);
    return false;
  }
  size_t M = (size_t)(g->N * g->OH * g->OW), KC = (size_t)(g->KH * g->KW * g->C), bytes;
  bool gemm = (op->dtype == VS_FLOAT || op->dtype == VS_DOUBLE) && M <= INT32_MAX && KC <= INT32_MAX &&
              !__builtin_mul_overflow(M * KC, vs_dtype_size(op->dtype), &bytes) && bytes <= GEMM_BYTES;
  cl_mem ta = NULL, tb = NULL;
  j.a = vs__on_device(r, a, dev, &ta, st);
  j.b = j.a ? vs__on_device(r, b, dev, &tb, st) : NULL;
  j.out = o->buf;
  bool ok = j.a && j.b;
  int route = ROUTE_DIRECT;
  if (forced >= 0) route = forced == ROUTE_GEMM && !gemm ? ROUTE_DIRECT : forced;
  else if (ok) {
    /* The candidates: gemm where it fits, then the direct forms. */
    j.route0 = gemm ? ROUTE_GEMM : ROUTE_DIRECT;
    int n = (filter ? ROUTE_DIRECT : ROUTE_DIRECT_T) + 1 - j.route0;
    if (n == 1) route = j.route0;
    else {
      route = vs__conv_grad_select(j.d, g, filter, ROUTE_NAMES + j.route0, ROUTE_SIMPLICITY + j.route0, n,
                                   run_candidate, &j, st);
      if (route >= 0) route += j.route0;
      ok = route >= 0;
    }
  }
  if (ok) ok = run_job(&j, route, st);
  if (ta) vs__buffer_release(ta);
  if (tb) vs__buffer_release(tb);
  return ok;
}

static bool k_backprop_input(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *f = vs__in(r, op, 1), *dy = vs__in(r, op, 2);
  if (vs__uninitialized(r, op, f, st) || vs__uninitialized(r, op, dy, st)) return false;
  vs_shape xs = const_shape(op->inputs[0]);
  return conv_grad_run(r, op, dev, false, xs, vs__value_shape(r, f), vs__value_shape(r, dy), f, dy,
                       xs, st);
}

static bool k_backprop_filter(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0), *dy = vs__in(r, op, 2);
  if (vs__uninitialized(r, op, x, st) || vs__uninitialized(r, op, dy, st)) return false;
  vs_shape fs = const_shape(op->inputs[1]);
  return conv_grad_run(r, op, dev, true, vs__value_shape(r, x), fs, vs__value_shape(r, dy), x,
                       dy, fs, st);
}

static vs_shape shape_backprop_input(const vs_op *op) { return const_shape(op->inputs[0]); }
static vs_shape shape_backprop_filter(const vs_op *op) { return const_shape(op->inputs[1]); }

const vs_op_def vs__nn_grad_defs[] = {
    {.type = "Conv2DBackpropInput", .doc = "Conv2D's gradient with respect to its input (direct or col2im route, measured)",
     .shape = shape_backprop_input, .kernel = k_backprop_input, .flags = VS_OPF_ATTRS,
     .attr_size = sizeof(((vs_op_attrs *)0)->conv)},
    {.type = "Conv2DBackpropFilter", .doc = "Conv2D's gradient with respect to its filter (direct or im2col route, measured)",
     .shape = shape_backprop_filter, .kernel = k_backprop_filter, .flags = VS_OPF_ATTRS,
     .attr_size = sizeof(((vs_op_attrs *)0)->conv)},
};
VS_DEF_COUNT(nn_grad_defs);
