/* test_choice_memo.c - a plan step's memo of its algorithm choices
 * (engine/kernels/choice_memo.h) and the rule the measured choices share
 * (engine/kernels/choice_pick.h).
 *
 * The memo is observed through the process's counters: table scans
 * (vs__choice_table_scan calls: a choice read from a table) and memo hits
 * per selector. A run repeating the last run's shapes must scan nothing
 * and hit once per selection; a new shape, a table update or a changed
 * VARSCOPE_* value must not be served from the memo. Every result is
 * checked too (a memo serving a wrong entry would still compute, so the
 * counters carry the proof; the values guard the plumbing). Each Test is
 * its own process (Criterion's workers) with its own cache directory, so
 * its first run measures. No timing is asserted. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/choice_memo.h"
#include "kernels/choice_pick.h"
#include "kernels/choice_table.h"
#include "kernels/conv_tuning.h"
#include "kernels/gemm_tuning.h"
#include "gemm_problem.h"
#include "tuning_support.h"
#include "runtime/clblast_tuning.h" /* vs__device_tune_plan: a change of the CLBlast sets */

static char dir[256];
static vs_graph *gr;
static vs_status *sts;

static void setup(void) {
  tuning_setup(dir, sizeof dir, "vs-memo", "VARSCOPE_GEMM");
  unsetenv("VARSCOPE_CONV");
  unsetenv("VARSCOPE_CONV_GRAD");
  gr = vs_graph_new();
  sts = vs_status_new();
  cr_assert_not_null(gr);
  cr_assert_not_null(sts);
}

static void teardown(void) {
  vs_graph_free(gr);
  vs_status_free(sts);
  scratch_dir_remove(dir);
}

static vs_session *open_session(void) {
  vs_session *s = vs_session_new(gr, NULL, sts);
  expect_ok(sts);
  cr_assert_not_null(s);
  return s;
}

TestSuite(memo, .init = setup, .fini = teardown, .timeout = 600);

/* The counters at one moment (gen: device 0's generation). */
typedef struct counts {
  uint64_t scans, conv, grad, gemm, gen;
} counts;

static counts now(void) {
  vs_cl_device *d = vs__device(0, sts);
  cr_assert_not_null(d, "%s", vs_status_message(sts));
  return (counts){vs__choice_table_scans(), vs__choice_memo_hits(VS_CHOICE_CONV),
                  vs__choice_memo_hits(VS_CHOICE_CONV_GRAD), vs__choice_memo_hits(VS_CHOICE_GEMM),
                  vs__choice_generation(d)};
}

/* ---- MatMul: a [m, 64] (fed) x b [64, 48] ---- */

enum { K = 64, N = 48, MAX_M = 64 };

typedef struct matmul_graph {
  vs_output a, y;
  float b[K * N];
} matmul_graph;

static matmul_graph matmul_new(void) {
  matmul_graph m;
  for (int i = 0; i < K * N; i++) m.b[i] = (float)(i % 7) - 3.0f;
  m.a = vs_placeholder(gr, VS_FLOAT, (vs_shape){.known = true, .rank = 2, .dims = {-1, K}}, "a", sts);
  m.y = vs_matmul(gr, m.a, vs_constant(gr, m.b, VS_FLOAT, VS_SHAPE(K, N), "b", sts), NULL, sts);
  expect_ok(sts);
  return m;
}

/* Runs y with m rows of a fed; the result must equal the host's (small
 * integers: exact in float32). Returns the run's status code. */
static vs_code matmul_run(vs_session *s, const matmul_graph *mg, int64_t m) {
  static float a[MAX_M * K];
  for (int64_t i = 0; i < m * K; i++) a[i] = (float)((i * 5 + m) % 9) - 4.0f;
  vs_tensor *in = vs_tensor_new(VS_FLOAT, VS_SHAPE(m, K), a, sts), *out = NULL;
  expect_ok(sts);
  vs_session_run(s, &mg->a, (vs_tensor *const[]){in}, 1, &mg->y, &out, 1, NULL, 0, sts);
  vs_tensor_free(in);
  vs_code code = vs_status_code(sts);
  if (code != VS_OK) return code;
  cr_assert_eq(vs_tensor_num_elements(out), (size_t)(m * N));
  const float *y = vs_tensor_data(out);
  for (int64_t i = 0; i < m; i++)
    for (int j = 0; j < N; j++) {
      double want = 0;
      for (int k = 0; k < K; k++) want += (double)a[i * K + k] * mg->b[k * N + j];
      cr_assert_eq(y[i * N + j], (float)want, "m %lld, y[%lld, %d]", (long long)m, (long long)i, j);
    }
  vs_tensor_free(out);
  return VS_OK;
}

/* One run of m rows that the step's memo must serve: no table scanned,
 * one GEMM choice from the memo. */
static void expect_memoised(vs_session *s, const matmul_graph *mg, int64_t m, const char *why) {
  counts c0 = now();
  cr_assert_eq(matmul_run(s, mg, m), VS_OK);
  counts c1 = now();
  cr_assert_eq(c1.scans, c0.scans, "%s (m %lld): no table scanned", why, (long long)m);
  cr_assert_eq(c1.gemm, c0.gemm + 1, "%s (m %lld): the GEMM's choice from the memo", why, (long long)m);
}

/* One run of m rows that the memo must not serve: the table is read (a
 * scan), no memo hit. The counters after it. */
static counts expect_missed(vs_session *s, const matmul_graph *mg, int64_t m, const char *why) {
  counts c0 = now();
  cr_assert_eq(matmul_run(s, mg, m), VS_OK);
  counts c1 = now();
  cr_assert_gt(c1.scans, c0.scans, "%s (m %lld): the table is read", why, (long long)m);
  cr_assert_eq(c1.gemm, c0.gemm, "%s (m %lld): not the memo", why, (long long)m);
  return c1;
}

/* Runs until the memo serves the shape: the first run measures (the table
 * changes), the next reads the table's line and memoises it; the one
 * after that must be the memo's. */
static void matmul_warm(vs_session *s, const matmul_graph *mg, int64_t m) {
  for (int i = 0; i < 2; i++) cr_assert_eq(matmul_run(s, mg, m), VS_OK);
  expect_memoised(s, mg, m, "a run repeating the last run's shapes");
}

Test(memo, a_matmul_repeating_its_shapes_scans_no_table) {
  matmul_graph mg = matmul_new();
  vs_session *s = open_session();
  counts c0 = now();
  cr_assert_eq(matmul_run(s, &mg, 64), VS_OK);
  cr_assert_gt(now().scans, c0.scans, "the first run reads the (empty) table");
  matmul_warm(s, &mg, 64);
  matmul_warm(s, &mg, 64);
  vs_session_free(s);
}

Test(memo, a_new_shape_misses_and_the_last_shapes_stay_memoised) {
  matmul_graph mg = matmul_new();
  vs_session *s = open_session();
  matmul_warm(s, &mg, 64);
  /* 60 rows: the same GEMM family (64's power-of-two bucket), so the
   * table's line serves it, but the memo's key is the exact size. */
  counts c0 = now(), c1 = expect_missed(s, &mg, 60, "a new shape");
  cr_assert_eq(c1.gen, c0.gen, "a family the table knows: nothing measured, no table changed");
  expect_memoised(s, &mg, 60, "60 rows again");
  expect_memoised(s, &mg, 64, "64 rows again: its entry is still there");
  vs_session_free(s);
}

Test(memo, a_choice_table_update_invalidates_the_memo) {
  matmul_graph mg = matmul_new();
  vs_session *s = open_session();
  matmul_warm(s, &mg, 64);
  /* Any table update of this process: a line planted in the conv table. */
  counts c0 = now();
  cr_assert(vs__conv_plant_line(0, "memo-test\t0 8 2 1 8 2 1\t1.000 ms", sts), "%s", vs_status_message(sts));
  counts c1 = now();
  cr_assert_gt(c1.gen, c0.gen, "an update bumps the generation");
  expect_missed(s, &mg, 64, "after an update: the memo's entry is of the old generation");
  expect_memoised(s, &mg, 64, "the table's line memoised again");
  /* The GEMM's own table replaced by one without the family's line: the
   * next run must measure again, not keep the memoised choice. */
  c0 = now();
  cr_assert(vs__gemm_table_write(0, "choice", "", sts), "%s", vs_status_message(sts));
  c1 = now();
  cr_assert_gt(c1.gen, c0.gen, "a table written whole bumps the generation");
  counts c2 = expect_missed(s, &mg, 64, "after the family's line went");
  cr_assert_gt(c2.gen, c1.gen, "the family was measured again and kept (a table update)");
  matmul_warm(s, &mg, 64);
  vs_session_free(s);
}

/* A change of the CLBlast sets in use changes no table, yet a GEMM choice
 * memoised under the old sets (CLBlast is one of the candidates timed)
 * must miss: the generation holds the sets' identity (runtime/blas.h).
 * Here a tuning run whose Xgemm phase is skipped (the plan says the size
 * runs XgemmDirect) leaves CLBlast's generic Xgemm set in place of its
 * own. */
Test(memo, a_change_of_the_clblast_sets_invalidates_the_memo) {
  matmul_graph mg = matmul_new();
  vs_session *s = open_session();
  matmul_warm(s, &mg, 64);
  counts c0 = now();
  vs_tune_result res;
  vs__device_tune_plan(0, &(vs__tune_plan){.n = 128, .path = VS__PATH_OTHER}, &(vs_tune_opts){.no_search = true}, &res,
                       sts);
  expect_ok(sts);
  cr_assert_neq(res.xgemm.skipped[0], '\0');
  counts c1 = now();
  cr_assert_neq(c1.gen, c0.gen, "other CLBlast sets, the same generation");
  expect_missed(s, &mg, 64, "under other CLBlast sets");
  matmul_warm(s, &mg, 64);
  vs_session_free(s);
}

/* Generations are per device: a table update on device 0 leaves device
 * 1's memos serving, and device 0's miss. Two devices from PoCL's
 * POCL_DEVICES="pthread pthread", set before this process's first OpenCL
 * call (each Test is its own process). */
Test(memo, a_table_update_on_one_device_keeps_the_other_devices_memos) {
  setenv("POCL_DEVICES", "pthread pthread", 1);
  if (vs_num_devices(sts) < 2) cr_skip_test("needs two devices (a host with one GPU and no PoCL has one)");
  matmul_graph mg[2];
  for (int i = 0; i < 2; i++) {
    vs_device_push(gr, i ? "/device:CL:1" : "/device:CL:0", sts);
    mg[i] = matmul_new();
    vs_device_pop(gr, sts);
    expect_ok(sts);
  }
  vs_session *s = open_session();
  matmul_warm(s, &mg[0], 64);
  matmul_warm(s, &mg[1], 64);
  vs_cl_device *d1 = vs__device(1, sts);
  cr_assert_not_null(d1);
  uint64_t gen1 = vs__choice_generation(d1);
  counts c0 = now();
  cr_assert(vs__conv_plant_line(0, "memo-test\t0 8 2 1 8 2 1\t1.000 ms", sts), "%s", vs_status_message(sts));
  cr_assert_gt(now().gen, c0.gen, "device 0's update bumps its generation");
  cr_assert_eq(vs__choice_generation(d1), gen1, "and not device 1's");
  expect_memoised(s, &mg[1], 64, "device 1 after device 0's update");
  expect_missed(s, &mg[0], 64, "device 0 after its update");
  expect_memoised(s, &mg[0], 64, "device 0's table line memoised again");
  vs_session_free(s);
}

Test(memo, a_changed_VARSCOPE_GEMM_takes_effect_at_the_next_run) {
  matmul_graph mg = matmul_new();
  vs_session *s = open_session();
  matmul_warm(s, &mg, 64);
  setenv("VARSCOPE_GEMM", "fastest", 1);
  cr_assert_eq(matmul_run(s, &mg, 64), VS_INVALID_ARGUMENT, "the memoised choice does not hide the setting");
  cr_assert_str_eq(vs_status_message(sts),
                   "VARSCOPE_GEMM='fastest': " GEMM_SETTING_FORMS);
  setenv("VARSCOPE_GEMM", "clblast", 1);
  counts c0 = now();
  cr_assert_eq(matmul_run(s, &mg, 64), VS_OK);
  cr_assert_eq(now().gemm, c0.gemm, "a forced GEMM is not the memo's");
  setenv("VARSCOPE_GEMM", "auto", 1);
  expect_memoised(s, &mg, 64, "auto again: the memo still holds the measured choice");
  unsetenv("VARSCOPE_GEMM");
  vs_session_free(s);
}

/* ---- Conv2D and its gradients: x [2, 9, 9, 8], f [3, 3, 8, 8], SAME ---- */

typedef struct conv_graph {
  vs_output y, dx, df;
} conv_graph;

static conv_graph conv_new(void) {
  static float x[2 * 9 * 9 * 8], f[3 * 3 * 8 * 8];
  for (size_t i = 0; i < sizeof x / sizeof *x; i++) x[i] = (float)(i * 7 % 5) - 2.0f;
  for (size_t i = 0; i < sizeof f / sizeof *f; i++) f[i] = (float)(i * 3 % 7) - 3.0f;
  conv_graph c;
  vs_output xo = vs_constant(gr, x, VS_FLOAT, VS_SHAPE(2, 9, 9, 8), "x", sts);
  vs_output fo = vs_constant(gr, f, VS_FLOAT, VS_SHAPE(3, 3, 8, 8), "f", sts);
  c.y = vs_conv2d(gr, xo, fo, &(vs_conv2d_opts){.strides = {1, 1, 1, 1}, .padding = "SAME"}, sts);
  vs_output l = vs_reduce_sum(gr, vs_mul(gr, c.y, c.y, NULL, sts), NULL, sts), d[2];
  vs_gradients(gr, &l, 1, (vs_output[]){xo, fo}, 2, NULL, d, sts);
  expect_ok(sts);
  c.dx = d[0];
  c.df = d[1];
  return c;
}

/* Fetches outs (n of them), each equal to want[i] when want is not NULL
 * (the same algorithms, the same floats), else kept into want. Returns
 * the run's code. */
static vs_code conv_fetch(vs_session *s, const vs_output *outs, size_t n, vs_tensor **want) {
  vs_tensor *got[3] = {NULL, NULL, NULL};
  vs_session_run(s, NULL, NULL, 0, outs, got, n, NULL, 0, sts);
  if (vs_status_code(sts) != VS_OK) return vs_status_code(sts);
  for (size_t i = 0; i < n; i++) {
    if (!want[i]) {
      want[i] = got[i];
      continue;
    }
    size_t m = vs_tensor_num_elements(got[i]);
    cr_assert_eq(m, vs_tensor_num_elements(want[i]));
    cr_assert_eq(memcmp(vs_tensor_data(got[i]), vs_tensor_data(want[i]), m * sizeof(float)), 0, "fetch %zu", i);
    vs_tensor_free(got[i]);
  }
  return VS_OK;
}

Test(memo, a_conv2d_step_memoises_its_algorithm) {
  conv_graph c = conv_new();
  vs_session *s = open_session();
  vs_tensor *want[1] = {NULL};
  for (int i = 0; i < 2; i++) cr_assert_eq(conv_fetch(s, &c.y, 1, want), VS_OK);
  counts c0 = now();
  cr_assert_eq(conv_fetch(s, &c.y, 1, want), VS_OK);
  counts c1 = now();
  cr_assert_eq(c1.scans, c0.scans, "a conv repeating its shapes scans no table");
  cr_assert_eq(c1.conv, c0.conv + 1, "its choice comes from the step's memo");
  /* A changed VARSCOPE_CONV is read at the next launch. */
  setenv("VARSCOPE_CONV", "fastest", 1);
  cr_assert_eq(conv_fetch(s, &c.y, 1, want), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(sts),
                   "VARSCOPE_CONV='fastest': " CONV_FORCE_USAGE);
  unsetenv("VARSCOPE_CONV");
  c0 = now();
  cr_assert_eq(conv_fetch(s, &c.y, 1, want), VS_OK);
  c1 = now();
  cr_assert_eq(c1.scans, c0.scans);
  cr_assert_eq(c1.conv, c0.conv + 1);
  vs_tensor_free(want[0]);
  vs_session_free(s);
}

Test(memo, conv2d_gradient_steps_memoise_their_routes) {
  conv_graph c = conv_new();
  vs_session *s = open_session();
  vs_output outs[2] = {c.dx, c.df};
  vs_tensor *want[2] = {NULL, NULL};
  for (int i = 0; i < 2; i++) cr_assert_eq(conv_fetch(s, outs, 2, want), VS_OK);
  counts c0 = now();
  cr_assert_eq(conv_fetch(s, outs, 2, want), VS_OK);
  counts c1 = now();
  cr_assert_eq(c1.scans, c0.scans, "the gradients repeating their shapes scan no table");
  cr_assert_eq(c1.grad, c0.grad + 2, "both gradients' routes come from their steps' memos");
  cr_assert_eq(c1.conv, c0.conv + 1, "and the forward conv's algorithm");
  setenv("VARSCOPE_CONV_GRAD", "fast", 1);
  cr_assert_eq(conv_fetch(s, outs, 2, want), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(sts), "VARSCOPE_CONV_GRAD='fast': want auto, gemm, direct or direct-t");
  setenv("VARSCOPE_CONV_GRAD", "direct", 1);
  c0 = now();
  vs_tensor *forced[2] = {NULL, NULL}; /* another route: its own sums' order */
  cr_assert_eq(conv_fetch(s, outs, 2, forced), VS_OK);
  cr_assert_eq(now().grad, c0.grad, "a forced route is not the memo's");
  vs_tensor_free(forced[0]);
  vs_tensor_free(forced[1]);
  unsetenv("VARSCOPE_CONV_GRAD");
  c0 = now();
  cr_assert_eq(conv_fetch(s, outs, 2, want), VS_OK);
  c1 = now();
  cr_assert_eq(c1.scans, c0.scans);
  cr_assert_eq(c1.grad, c0.grad + 2);
  vs_tensor_free(want[0]);
  vs_tensor_free(want[1]);
  vs_session_free(s);
}

/* The conv's and its gradients' steps after a change of the CLBlast sets
 * (a_change_of_the_clblast_sets_invalidates_the_memo's tuning run): their
 * memos miss, and their tables, keyed by the sets in use (the im2col
 * routes' GEMMs may be CLBlast's), hold no choice made under the old
 * sets, so the forward conv and both gradients are measured again (the
 * VARSCOPE_LOG=conv lines). */
Test(memo, a_change_of_the_clblast_sets_makes_conv_steps_choose_again) {
  conv_graph c = conv_new();
  vs_session *s = open_session();
  vs_output outs[3] = {c.y, c.dx, c.df};
  vs_tensor *want[3] = {NULL, NULL, NULL};
  for (int i = 0; i < 2; i++) cr_assert_eq(conv_fetch(s, outs, 3, want), VS_OK);
  counts c0 = now();
  vs_tune_result res;
  vs__device_tune_plan(0, &(vs__tune_plan){.n = 128, .path = VS__PATH_OTHER}, &(vs_tune_opts){.no_search = true}, &res,
                       sts);
  expect_ok(sts);
  cr_assert_neq(now().gen, c0.gen, "other CLBlast sets, the same generation");
  static char log[16384];
  stderr_capture cap = stderr_capture_begin();
  setenv("VARSCOPE_LOG", "conv", 1);
  vs_tensor *again[3] = {NULL, NULL, NULL};
  vs_code code = conv_fetch(s, outs, 3, again);
  unsetenv("VARSCOPE_LOG");
  stderr_capture_end(cap, log, sizeof log);
  cr_assert_eq(code, VS_OK, "%s", log);
  const char *fwd = strstr(log, "varscope: conv2d float32|"), *bpi = strstr(log, "varscope: conv2d gradient bpi|"),
             *bpf = strstr(log, "varscope: conv2d gradient bpf|");
  cr_assert(fwd && bpi && bpf, "the conv and both gradients are measured again: %s", log);
  for (int i = 0; i < 3; i++) {
    vs_tensor_free(want[i]);
    vs_tensor_free(again[i]);
  }
  vs_session_free(s);
}

/* ---- the shared rule (choice_pick.h): no device ---- */

#define ROUNDS 5
/* vs__choice_pick, or vs__gemm_pick (GEMM kinds for ranks). */
typedef size_t (*pick_fn)(const int *rank, const double *costs, size_t ncands, size_t rounds, double *cost);

/* Picks by fn among n candidates of the given ranks (kinds) with ms[i]
 * their five rounds' costs in milliseconds (-1: not run): the index
 * chosen and its cost. */
static size_t pick_by(pick_fn fn, const int *rank, const double (*ms)[ROUNDS], size_t n, double *cost) {
  double costs[8 * ROUNDS];
  cr_assert_leq(n, 8);
  for (size_t i = 0; i < n; i++)
    for (size_t r = 0; r < ROUNDS; r++) costs[i * ROUNDS + r] = ms[i][r] < 0 ? -1 : ms[i][r] * 1e-3;
  return fn(rank, costs, n, ROUNDS, cost);
}

static size_t pick(const int *rank, const double (*ms)[ROUNDS], size_t n, double *cost) {
  return pick_by(vs__choice_pick, rank, ms, n, cost);
}

Test(pick, the_conv_gradients_routes_tie_to_the_simpler_one) {
  /* nn_grad.c's order: gemm (rank 2), direct (0), direct-t (1). */
  const int rank[3] = {2, 0, 1};
  double cost = 0;
  const double near[3][ROUNDS] = {{1.00, 1.00, 1.00, 1.00, 1.00}, {1.02, 1.02, 1.02, 1.02, 1.02}, {1.01, 1.01, 1.01, 1.01, 1.01}};
  cr_assert_eq(pick(rank, near, 3, &cost), 1, "direct, within 3%% of gemm, wins");
  cr_assert_float_eq(cost, 1.02e-3, 1e-12);
  const double apart[3][ROUNDS] = {{1.00, 1.00, 1.00, 1.00, 1.00}, {1.04, 1.04, 1.04, 1.04, 1.04}, {1.035, 1.035, 1.035, 1.035, 1.035}};
  cr_assert_eq(pick(rank, apart, 3, &cost), 0, "3.5%% and 4%% slower are no ties: gemm");
  cr_assert_float_eq(cost, 1.00e-3, 1e-12);
  const double t_near[3][ROUNDS] = {{1.00, 1.00, 1.00, 1.00, 1.00}, {2, 2, 2, 2, 2}, {1.03, 1.03, 1.03, 1.03, 1.03}};
  cr_assert_eq(pick(rank, t_near, 3, NULL), 2, "direct-t is simpler than gemm");
  /* The median, not the best round: one lucky run of gemm does not win. */
  const double lucky[3][ROUNDS] = {{0.2, 3, 3, 3, 3}, {2, 2.1, 1.9, 2, 2}, {-1, -1, -1, -1, -1}};
  cr_assert_eq(pick(rank, lucky, 3, &cost), 1);
  cr_assert_float_eq(cost, 2.0e-3, 1e-12);
  const double none[3][ROUNDS] = {{-1, -1, -1, -1, -1}, {-1, -1, -1, -1, -1}, {-1, -1, -1, -1, -1}};
  cr_assert_eq(pick(rank, none, 3, &cost), 3, "nothing ran: the count");
  cr_assert_float_eq(cost, -1.0, 1e-12);
}

/* A scripted candidate set for vs__choice_time: each call's candidate is
 * recorded; candidate `fails` fails on its call number `fail_at` (0: its
 * warm-up), candidate `slow` costs 20 times the others. */
typedef struct script {
  int order[64], calls, fails, fail_at, slow, runs_of[4];
} script;

static double scripted(void *ctx, int i, vs_status *rst) {
  script *s = ctx;
  cr_assert_lt(s->calls, 64);
  s->order[s->calls++] = i;
  if (i == s->fails && s->runs_of[i]++ == s->fail_at) {
    vs__fail(rst, VS_INTERNAL, VS_EXC_OP_ERROR, "candidate %d failed", i);
    return -1;
  }
  return (i == s->slow ? 20.0 : 1.0 + 0.1 * i) * 1e-3;
}

Test(pick, rounds_follow_the_warm_ups_interleaved_from_a_rotating_first_candidate) {
  script s = {.fails = 2, .fail_at = 2, .slow = 3};
  double costs[4 * VS_CHOICE_ROUNDS_MAX];
  vs_status *last = vs_status_new();
  vs__choice_time(4, scripted, &s, costs, last);
  /* The warm-ups, in order; then round 0 from candidate 0, round 1 from
   * candidate 1 (the slow one was cut after round 0; candidate 2 failed
   * on its second timed run, in round 1), round 2 from candidate 2 (out):
   * 0 and 1 only. */
  const int head[] = {0, 1, 2, 3, /* round 0 */ 0, 1, 2, 3, /* round 1 */ 1, 2, 0, /* round 2 */ 0, 1};
  cr_assert_geq(s.calls, (int)(sizeof head / sizeof *head));
  for (size_t i = 0; i < sizeof head / sizeof *head; i++) cr_assert_eq(s.order[i], head[i], "call %zu", i);
  for (int r = 0; r < VS_CHOICE_ROUNDS_MAX; r++) {
    cr_assert(r < VS_CHOICE_ROUNDS_MIN ? costs[r] > 0 : costs[r] > 0 || costs[r] == -1, "candidate 0 round %d", r);
    cr_assert_eq(costs[2 * VS_CHOICE_ROUNDS_MAX + r], -1, "a failed candidate keeps no cost (round %d)", r);
    if (r > 0) cr_assert_eq(costs[3 * VS_CHOICE_ROUNDS_MAX + r], -1, "the cut candidate runs no more (round %d)", r);
  }
  cr_assert_float_eq(costs[3 * VS_CHOICE_ROUNDS_MAX], 20e-3, 1e-12, "its first round counts");
  cr_assert_eq(vs_status_code(last), VS_INTERNAL);
  cr_assert_str_eq(vs_status_message(last), "candidate 2 failed");
  int rank[4] = {0, 0, 0, 0};
  cr_assert_eq(vs__choice_pick(rank, costs, 4, VS_CHOICE_ROUNDS_MAX, NULL), 0);
  vs_status_free(last);
}

/* ---- the GEMM's order of simplicity over the same rule (gemm_select.c's
 * vs__gemm_pick; moved from test_gemm.c) ---- */

enum { OWN = 0, CLBLAST = 1, INPLACE = 2, BLOCKED = 3 }; /* vs_gemm_kind's numbers */

static size_t gemm_pick(const int *kinds, const double (*ms)[ROUNDS], size_t n, double *cost) {
  return pick_by(vs__gemm_pick, kinds, ms, n, cost);
}

Test(pick, gemm_the_choice_ranks_by_the_median_of_interleaved_rounds) {
  double cost = 0;
  /* One lucky round (the minimum, the rule before) does not win: the
   * median does, and is what is reported. */
  const int two_packed[2] = {OWN, OWN};
  const double lucky[2][ROUNDS] = {{1.0, 5.0, 5.0, 5.0, 5.0}, {2.0, 2.1, 1.9, 2.2, 2.0}};
  cr_assert_eq(gemm_pick(two_packed, lucky, 2, &cost), 1);
  cr_assert_float_eq(cost, 2.0e-3, 1e-12);
  /* Nor does one slow round lose: the median ignores it. */
  const double unlucky[2][ROUNDS] = {{1.0, 1.0, 90.0, 1.0, 1.1}, {1.5, 1.5, 1.5, 1.5, 1.5}};
  cr_assert_eq(gemm_pick(two_packed, unlucky, 2, &cost), 0);
  cr_assert_float_eq(cost, 1.0e-3, 1e-12);
  /* Rounds a candidate did not run (cut after its first, or not yet)
   * count for nothing; an even count takes the lower middle cost. */
  const double cut[2][ROUNDS] = {{40.0, -1, -1, -1, -1}, {3.0, 2.0, 4.0, 1.0, -1}};
  cr_assert_eq(gemm_pick(two_packed, cut, 2, &cost), 1);
  cr_assert_float_eq(cost, 2.0e-3, 1e-12);
  /* A candidate that failed (no cost at all) is never chosen; none ran:
   * the count and -1. */
  const double failed[2][ROUNDS] = {{-1, -1, -1, -1, -1}, {9.0, 9.0, 9.0, 9.0, 9.0}};
  cr_assert_eq(gemm_pick(two_packed, failed, 2, &cost), 1);
  const double none[2][ROUNDS] = {{-1, -1, -1, -1, -1}, {-1, -1, -1, -1, -1}};
  cr_assert_eq(gemm_pick(two_packed, none, 2, &cost), 2);
  cr_assert_float_eq(cost, -1.0, 1e-12);
}

Test(pick, gemm_the_choice_gives_ties_within_3_percent_to_the_simpler_form) {
  /* In the order gemm_select.c lists them: packed, k-blocked, in place, CLBlast. */
  const int kinds[4] = {OWN, BLOCKED, INPLACE, CLBLAST};
  double cost = 0;
  /* In place within 3% of the fastest (packed): in place. */
  const double near[4][ROUNDS] = {
      {1.00, 1.00, 1.00, 1.00, 1.00}, {1.01, 1.01, 1.01, 1.01, 1.01}, {1.02, 1.02, 1.02, 1.02, 1.02}, {9, 9, 9, 9, 9}};
  cr_assert_eq(gemm_pick(kinds, near, 4, &cost), 2);
  cr_assert_float_eq(cost, 1.02e-3, 1e-12);
  /* 4% slower is not a tie: packed. */
  const double apart[4][ROUNDS] = {
      {1.00, 1.00, 1.00, 1.00, 1.00}, {1.01, 1.01, 1.01, 1.01, 1.01}, {1.04, 1.04, 1.04, 1.04, 1.04}, {9, 9, 9, 9, 9}};
  cr_assert_eq(gemm_pick(kinds, apart, 4, &cost), 0);
  /* Packed is simpler than k-blocked, which wins only by more than 3%. */
  const double blocked_near[4][ROUNDS] = {
      {1.02, 1.02, 1.02, 1.02, 1.02}, {1.00, 1.00, 1.00, 1.00, 1.00}, {2, 2, 2, 2, 2}, {9, 9, 9, 9, 9}};
  cr_assert_eq(gemm_pick(kinds, blocked_near, 4, NULL), 0);
  const double blocked_ahead[4][ROUNDS] = {
      {1.05, 1.05, 1.05, 1.05, 1.05}, {1.00, 1.00, 1.00, 1.00, 1.00}, {2, 2, 2, 2, 2}, {9, 9, 9, 9, 9}};
  cr_assert_eq(gemm_pick(kinds, blocked_ahead, 4, NULL), 1);
  /* CLBlast, the least simple, loses a tie to the own kernel's k-blocked
   * form, and wins when faster by more. */
  const double clblast_near[4][ROUNDS] = {
      {2, 2, 2, 2, 2}, {1.02, 1.02, 1.02, 1.02, 1.02}, {-1, -1, -1, -1, -1}, {1.00, 1.00, 1.00, 1.00, 1.00}};
  cr_assert_eq(gemm_pick(kinds, clblast_near, 4, NULL), 1);
  const double clblast_ahead[4][ROUNDS] = {
      {2, 2, 2, 2, 2}, {1.10, 1.10, 1.10, 1.10, 1.10}, {-1, -1, -1, -1, -1}, {1.00, 1.00, 1.00, 1.00, 1.00}};
  cr_assert_eq(gemm_pick(kinds, clblast_ahead, 4, NULL), 3);
  /* Two sets of one form (a default and a tuned one) within the tie: the
   * lower median of the two, wherever it is listed. */
  const int two_inplace[3] = {OWN, INPLACE, INPLACE};
  const double same_form[3][ROUNDS] = {
      {1.0, 1.0, 1.0, 1.0, 1.0}, {1.02, 1.02, 1.02, 1.02, 1.02}, {1.01, 1.01, 1.01, 1.01, 1.01}};
  cr_assert_eq(gemm_pick(two_inplace, same_form, 3, &cost), 2);
  cr_assert_float_eq(cost, 1.01e-3, 1e-12);
}
