/* test_broadcast.c - the periodic broadcasting kernels (elementwise.cl,
 * arith.cl, logic.cl, floordiv.cl; launched by math.c's
 * vs__launch_periodic over a 2-D range (P, n / P), P the shortest operand
 * period between 1 and n) against the host, every element.
 *
 * An operand repeats with period na in the output: a single element, the
 * whole output, or its trailing dimensions (leading 1s dropped). Each op
 * runs over every pair of such operands that broadcasts to a [24, 25, 40]
 * output (24000 elements: past the inline host path's 16384, so the device
 * kernel runs), and Select over three periods, including two that are
 * neither 1 nor n: the one case whose kernel still divides. Small integer values make every float result exact, so the
 * comparisons are exact. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/train_ops.h"
#include "varscope.h"

#define SUPPORT_FIXTURE_PLAIN
#include "support.h"

TestSuite(broadcast, .init = setup, .fini = teardown);

#define N0 24
#define N1 25
#define N2 40
#define NOUT (N0 * N1 * N2)

/* The operand shapes: rank, dims, and the period (element count). */
typedef struct operand {
  const char *name;
  vs_shape shape;
  size_t n;
} operand;

static const operand SHAPES[] = {
    {"full", VS_SHAPE(N0, N1, N2), NOUT}, {"scalar", VS_SHAPE(), 1},          {"row", VS_SHAPE(N2), N2},
    {"plane", VS_SHAPE(N1, N2), N1 * N2}, {"row1", VS_SHAPE(1, N2), N2},      {"one", VS_SHAPE(1, 1, 1), 1},
};
#define NSHAPES (sizeof SHAPES / sizeof *SHAPES)

/* Element i of a value with `salt`: small integers, some zeros (DivNoNan,
 * Equal) and negatives (FloorDiv, Maximum). */
static double value_at(size_t i, int salt) { return (double)((int)((i * 7 + (size_t)salt * 13) % 11) - 5); }
/* The same, never zero (a divisor). */
static double divisor_at(size_t i, int salt) {
  double v = value_at(i, salt);
  return v == 0 ? 3 : v;
}

static vs_output constant_of(const operand *o, vs_dtype dt, int salt, bool divisor) {
  float *f = calloc(o->n, sizeof *f);
  int32_t *k = calloc(o->n, sizeof *k);
  cr_assert(f && k);
  for (size_t i = 0; i < o->n; i++) {
    double v = divisor ? divisor_at(i, salt) : value_at(i, salt);
    f[i] = (float)v, k[i] = (int32_t)v;
  }
  char name[32];
  snprintf(name, sizeof name, "%s_%d", o->name, salt);
  vs_output c = vs_constant(g, dt == VS_FLOAT ? (const void *)f : k, dt, o->shape, name, st);
  free(f);
  free(k);
  OK();
  return c;
}

static double floordiv(double x, double y) { return floor(x / y); }

typedef struct binary {
  const char *type; /* the op type (vs__binary_op), or NULL for a comparison */
  const char *compare;
  vs_dtype dtype;
  bool divides; /* b is a divisor */
  double (*host)(double, double);
} binary;

static double add(double x, double y) { return x + y; }
static double sub(double x, double y) { return x - y; }
static double mul(double x, double y) { return x * y; }
static double realdiv(double x, double y) { return (double)((float)x / (float)y); }
static double maximum(double x, double y) { return x > y ? x : y; }
static double sqdiff(double x, double y) { return (x - y) * (x - y); }
static double div_no_nan(double x, double y) { return y == 0 ? 0 : (double)((float)x / (float)y); }
static double greater_equal(double x, double y) { return x >= y; }
static double equal(double x, double y) { return x == y; }

static const binary OPS[] = {
    {"AddV2", NULL, VS_FLOAT, false, add},
    {"Sub", NULL, VS_FLOAT, false, sub},
    {"Mul", NULL, VS_FLOAT, false, mul},
    {"RealDiv", NULL, VS_FLOAT, true, realdiv},
    {"Maximum", NULL, VS_FLOAT, false, maximum},
    {"SquaredDifference", NULL, VS_FLOAT, false, sqdiff},
    {"DivNoNan", NULL, VS_FLOAT, false, div_no_nan},
    {"FloorDiv", NULL, VS_INT32, true, floordiv},
    {NULL, "GreaterEqual", VS_FLOAT, false, greater_equal},
    {NULL, "Equal", VS_INT32, false, equal},
};

/* One element of a fetched tensor of dtype dt, as a double. */
static double element(const vs_tensor *t, size_t i) {
  switch (vs_tensor_dtype(t)) {
  case VS_FLOAT: return ((const float *)vs_tensor_data(t))[i];
  case VS_INT32: return ((const int32_t *)vs_tensor_data(t))[i];
  case VS_BOOL: return ((const bool *)vs_tensor_data(t))[i];
  default: cr_assert_fail("unexpected dtype %d", (int)vs_tensor_dtype(t)); return 0;
  }
}

/* Runs op over every pair of operand shapes whose broadcast is the whole
 * output, and compares every element with the host. */
static void check_binary(const binary *op) {
  vs_output out[NSHAPES * NSHAPES];
  size_t pa[NSHAPES * NSHAPES], pb[NSHAPES * NSHAPES], n = 0;
  for (size_t i = 0; i < NSHAPES; i++)
    for (size_t j = 0; j < NSHAPES; j++) {
      if (SHAPES[i].n != NOUT && SHAPES[j].n != NOUT) continue; /* the output would be smaller */
      vs_output a = constant_of(&SHAPES[i], op->dtype, 1, false), b = constant_of(&SHAPES[j], op->dtype, 2, op->divides);
      out[n] = op->type ? vs__binary_op(g, op->type, op->type, a, b, st) : vs__compare(g, op->compare, op->compare, a, b, st);
      OK();
      pa[n] = i, pb[n++] = j;
    }
  vs_tensor *t[NSHAPES * NSHAPES] = {0};
  vs_session *s = vs_session_new(g, NULL, st);
  vs_session_run(s, NULL, NULL, 0, out, t, n, NULL, 0, st);
  vs_session_free(s);
  OK();
  const char *name = op->type ? op->type : op->compare;
  for (size_t k = 0; k < n; k++) {
    const operand *a = &SHAPES[pa[k]], *b = &SHAPES[pb[k]];
    cr_assert_eq(vs_tensor_num_elements(t[k]), (size_t)NOUT, "%s %s %s", name, a->name, b->name);
    for (size_t i = 0; i < NOUT; i++) {
      double x = value_at(i % a->n, 1), y = op->divides ? divisor_at(i % b->n, 2) : value_at(i % b->n, 2);
      double want = op->host(x, y), got = element(t[k], i);
      cr_assert(got == want, "%s(%s, %s) element %zu: %g, want %g", name, a->name, b->name, i, got, want);
    }
    vs_tensor_free(t[k]);
  }
}

Test(broadcast, add_sub_mul_over_every_period_pair) {
  for (size_t i = 0; i < 3; i++) check_binary(&OPS[i]);
}

Test(broadcast, realdiv_maximum_squared_difference_div_no_nan_over_every_period_pair) {
  for (size_t i = 3; i < 7; i++) check_binary(&OPS[i]);
}

Test(broadcast, floordiv_of_integers_over_every_period_pair) { check_binary(&OPS[7]); }

Test(broadcast, comparisons_over_every_period_pair) {
  for (size_t i = 8; i < 10; i++) check_binary(&OPS[i]);
}

/* Select's three operands in arrangements of three periods (1, 40 and the
 * whole output; 40, 1000 and the whole output: two periods neither 1 nor
 * n, the divided case), each element against the host. Select's
 * constructor takes compatible shapes, so the operands are placeholders of
 * unknown shape and the periods come with the fed values. */
static vs_tensor *host_tensor(const operand *o, vs_dtype dt, int salt) {
  float *f = calloc(o->n, sizeof *f);
  bool *b = calloc(o->n, sizeof *b);
  cr_assert(f && b);
  for (size_t i = 0; i < o->n; i++) f[i] = (float)value_at(i, salt), b[i] = value_at(i, salt) >= 0;
  vs_tensor *t = vs_tensor_new(dt, o->shape, dt == VS_BOOL ? (const void *)b : f, st);
  free(f);
  free(b);
  OK();
  return t;
}

Test(broadcast, select_over_three_periods) {
  vs_output ph[3] = {vs_placeholder(g, VS_BOOL, VS_UNKNOWN_SHAPE, "c", st),
                     vs_placeholder(g, VS_FLOAT, VS_UNKNOWN_SHAPE, "t", st),
                     vs_placeholder(g, VS_FLOAT, VS_UNKNOWN_SHAPE, "e", st)};
  vs_output out = vs__select(g, ph[0], ph[1], ph[2], "Select", st);
  OK();
  /* the whole output among t and e (the output is their broadcast, which c must fit) */
  static const size_t sets[][3] = {{2, 3, 0}, {2, 0, 3}, {3, 0, 2}, {1, 2, 0}, {2, 0, 1}, {0, 0, 0}};
  vs_session *s = vs_session_new(g, NULL, st);
  for (size_t k = 0; k < sizeof sets / sizeof *sets; k++) {
    const operand *c = &SHAPES[sets[k][0]], *a = &SHAPES[sets[k][1]], *b = &SHAPES[sets[k][2]];
    vs_tensor *in[3] = {host_tensor(c, VS_BOOL, 3), host_tensor(a, VS_FLOAT, 4), host_tensor(b, VS_FLOAT, 5)}, *t = NULL;
    vs_session_run(s, ph, in, 3, &out, &t, 1, NULL, 0, st);
    for (int j = 0; j < 3; j++) vs_tensor_free(in[j]);
    OK();
    cr_assert_eq(vs_tensor_num_elements(t), (size_t)NOUT);
    for (size_t i = 0; i < NOUT; i++) {
      double want = value_at(i % c->n, 3) >= 0 ? value_at(i % a->n, 4) : value_at(i % b->n, 5);
      cr_assert(element(t, i) == want, "select(%s, %s, %s) element %zu: %g, want %g", c->name, a->name, b->name, i,
                element(t, i), want);
    }
    vs_tensor_free(t);
  }
  vs_session_free(s);
}

/* AddN sums its inputs pairwise through elementwise.cl's add, in order. */
Test(broadcast, add_n_of_three_whole_tensors) {
  vs_output in[3] = {constant_of(&SHAPES[0], VS_FLOAT, 6, false), constant_of(&SHAPES[0], VS_FLOAT, 7, false),
                     constant_of(&SHAPES[0], VS_FLOAT, 8, false)};
  vs_output sum = vs_add_n(g, in, 3, NULL, st);
  OK();
  vs_tensor *t = NULL;
  vs_session *s = vs_session_new(g, NULL, st);
  vs_session_run(s, NULL, NULL, 0, &sum, &t, 1, NULL, 0, st);
  vs_session_free(s);
  OK();
  for (size_t i = 0; i < NOUT; i++)
    cr_assert(element(t, i) == value_at(i, 6) + value_at(i, 7) + value_at(i, 8), "element %zu", i);
  vs_tensor_free(t);
}

/* Tile: the periodic form (a single element, copies along the leading
 * dimensions, nothing tiled) and the general one, every element against
 * the host's coordinates modulo the input's. */
Test(broadcast, tile_periodic_and_general_against_the_host) {
  static const struct {
    int rank;
    int64_t dims[4];
    int32_t mult[4];
  } cases[] = {
      {4, {1, 1, 1, 1}, {4, 6, 5, 8}}, /* a full reduction's gradient: one element */
      {2, {2, 5}, {3, 1}},             /* stacked copies */
      {3, {1, 2, 5}, {1, 3, 1}},       /* leading 1s, then stacked */
      {2, {2, 3}, {1, 1}},             /* nothing tiled */
      {2, {2, 5}, {1, 3}},             /* general: along the last dimension */
      {3, {2, 1, 5}, {1, 3, 1}},       /* general: a middle dimension */
      {3, {1, 2, 5}, {4, 3, 1}},       /* general: two tiled dimensions */
  };
  size_t nc = sizeof cases / sizeof *cases;
  vs_output out[7];
  for (size_t k = 0; k < nc; k++) {
    vs_shape s = {.known = true, .rank = cases[k].rank};
    size_t n = 1;
    for (int d = 0; d < s.rank; d++) s.dims[d] = cases[k].dims[d], n *= (size_t)s.dims[d];
    float v[16];
    for (size_t i = 0; i < n; i++) v[i] = (float)value_at(i, (int)k);
    out[k] = vs__tile(g, vs_constant(g, v, VS_FLOAT, s, NULL, st), cases[k].mult, (vs_output){0}, "Tile", st);
    OK();
  }
  vs_tensor *t[7] = {0};
  vs_session *s = vs_session_new(g, NULL, st);
  vs_session_run(s, NULL, NULL, 0, out, t, nc, NULL, 0, st);
  vs_session_free(s);
  OK();
  for (size_t k = 0; k < nc; k++) {
    int rank = cases[k].rank;
    int64_t od[4];
    size_t n = 1;
    for (int d = 0; d < rank; d++) od[d] = cases[k].dims[d] * cases[k].mult[d], n *= (size_t)od[d];
    cr_assert_eq(vs_tensor_num_elements(t[k]), n, "case %zu", k);
    for (size_t i = 0; i < n; i++) {
      size_t rem = i, in = 0, stride = 1;
      for (int d = rank - 1; d >= 0; d--) {
        in += (rem % (size_t)od[d]) % (size_t)cases[k].dims[d] * stride;
        stride *= (size_t)cases[k].dims[d];
        rem /= (size_t)od[d];
      }
      cr_assert(element(t[k], i) == value_at(in, (int)k), "case %zu element %zu: %g, want %g", k, i, element(t[k], i),
                value_at(in, (int)k));
    }
    vs_tensor_free(t[k]);
  }
}

/* Extents that no work-group size divides (a prime count, a prime period
 * and row count): the ranges are padded to whole work-groups, and every
 * element is right against the host. */
Test(broadcast, prime_extents_are_padded_and_guarded) {
  enum { NP = 10007, R = 13, K = 7 };
  static float a[NP], b[NP], m[R * K], bias[K];
  for (size_t i = 0; i < NP; i++) a[i] = (float)value_at(i, 1), b[i] = (float)value_at(i, 2);
  for (size_t i = 0; i < R * K; i++) m[i] = (float)value_at(i, 3);
  for (size_t i = 0; i < K; i++) bias[i] = (float)value_at(i, 4);
  vs_output va = vs_constant(g, a, VS_FLOAT, VS_SHAPE(NP), "a", st), vb = vs_constant(g, b, VS_FLOAT, VS_SHAPE(NP), "b", st);
  vs_output vm = vs_constant(g, m, VS_FLOAT, VS_SHAPE(R, K), "m", st);
  vs_output vbias = vs_constant(g, bias, VS_FLOAT, VS_SHAPE(K), "bias", st);
  vs_output two = vs_constant(g, (float[]){2}, VS_FLOAT, VS_SHAPE(), "two", st);
  vs_output out[5] = {
      vs_add(g, va, vb, NULL, st),                                     /* period n */
      vs_mul(g, va, two, NULL, st),                                    /* period 1 */
      vs_sub(g, vm, vbias, NULL, st),                                  /* period 7 over 13 rows */
      vs_relu(g, vs_bias_add(g, vs_neg(g, vs_neg(g, vm, NULL, st), NULL, st), vbias, NULL, st), NULL,
              st), /* BiasAdd (K, rows) in place over Neg's buffer: an item past K would add twice */
      vs__tile(g, vs_constant(g, (float[]){5}, VS_FLOAT, VS_SHAPE(1), "five", st), (const int32_t[]){NP},
               (vs_output){0}, "Tile", st), /* a single element repeated */
  };
  OK();
  vs_tensor *t[5] = {0};
  vs_session *s = vs_session_new(g, NULL, st);
  vs_session_run(s, NULL, NULL, 0, out, t, 5, NULL, 0, st);
  vs_session_free(s);
  OK();
  for (size_t i = 0; i < NP; i++) {
    cr_assert(element(t[0], i) == a[i] + b[i], "add element %zu", i);
    cr_assert(element(t[1], i) == a[i] * 2, "mul element %zu", i);
    cr_assert(element(t[4], i) == 5, "tile element %zu", i);
  }
  for (size_t i = 0; i < R * K; i++) {
    cr_assert(element(t[2], i) == m[i] - bias[i % K], "sub element %zu", i);
    float v = m[i] + bias[i % K];
    cr_assert(element(t[3], i) == (v > 0 ? v : 0), "bias_add element %zu", i);
  }
  for (int k = 0; k < 5; k++) vs_tensor_free(t[k]);
}

/* A VALID window larger than the input pools nothing. The constructor
 * refuses it for a known shape, as TF does; fed at run time (where TF
 * 2.21's session dies of SIGFPE) the pooling is empty: the 3-D launch over
 * an empty extent runs nothing. */
Test(broadcast, pooling_a_fed_input_smaller_than_the_window_is_empty) {
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, -1, -1, 1), "x", st);
  vs_pool_opts po = {.ksize = {1, 3, 3, 1}, .strides = {1, 1, 1, 1}, .padding = "VALID"};
  vs_output fetch[2] = {vs_max_pool(g, x, &po, st), vs_avg_pool(g, x, &po, st)};
  OK();
  vs_tensor *in = vs_tensor_new(VS_FLOAT, VS_SHAPE(1, 2, 2, 1), (float[]){1, 2, 3, 4}, st), *t[2] = {0};
  vs_session *s = vs_session_new(g, NULL, st);
  vs_session_run(s, &x, &in, 1, fetch, t, 2, NULL, 0, st);
  vs_session_free(s);
  vs_tensor_free(in);
  OK();
  for (int k = 0; k < 2; k++) {
    vs_shape want = VS_SHAPE(1, 0, 0, 1), got = vs_tensor_shape(t[k]);
    cr_assert(vs_shape_is_compatible(got, want) && got.known && got.dims[1] == 0, "%s", k ? "avg" : "max");
    vs_tensor_free(t[k]);
  }
}
