/* choice_pick.c - timing candidates in interleaved rounds and picking by
 * median with ties to the simpler one (see choice_pick.h). */
#include <stdlib.h>

#include "kernels/choice_pick.h"
#include "kernels/gemm.h"

/* Candidate i failed: out, every cost of it forgotten, its status kept
 * in last (a failure is the candidate's, not the choice's). */
static void drop(bool *in, double *costs, int i, vs_status *st, vs_status *last) {
  in[i] = false;
  for (int q = 0; q < VS_CHOICE_ROUNDS_MAX; q++) costs[i * VS_CHOICE_ROUNDS_MAX + q] = -1;
  if (last) vs__fail(last, vs_status_code(st), VS_EXC_OP_ERROR, "%s", vs_status_message(st));
  vs__ok(st);
}

void vs__choice_time(int nc, vs_choice_run_fn run, void *ctx, double *costs, vs_status *last) {
  vs_status *st = vs_status_new();
  bool in[VS_CHOICE_MAX_CANDS] = {false};
  if (nc > VS_CHOICE_MAX_CANDS) nc = VS_CHOICE_MAX_CANDS;
  for (int i = 0; i < nc * VS_CHOICE_ROUNDS_MAX; i++) costs[i] = -1;
  if (!st) {
    if (last) vs__oom(last);
    return;
  }
  for (int i = 0; i < nc; i++) {
    in[i] = true;
    if (run(ctx, i, st) < 0) drop(in, costs, i, st, last);
  }
  double start = vs__gemm_now();
  for (int r = 0; r < VS_CHOICE_ROUNDS_MIN ||
                  (r < VS_CHOICE_ROUNDS_MAX && vs__gemm_now() - start < VS_CHOICE_ROUND_BUDGET);
       r++) {
    for (int j = 0; j < nc; j++) {
      int i = (j + r) % nc;
      if (!in[i]) continue;
      double t = run(ctx, i, st);
      if (t < 0) drop(in, costs, i, st, last);
      else costs[i * VS_CHOICE_ROUNDS_MAX + r] = t;
    }
    if (r == 0) { /* the cut, on the first timed round */
      double first = -1;
      for (int i = 0; i < nc; i++)
        if (in[i] && (first < 0 || costs[i * VS_CHOICE_ROUNDS_MAX] < first)) first = costs[i * VS_CHOICE_ROUNDS_MAX];
      for (int i = 0; i < nc; i++)
        if (in[i] && costs[i * VS_CHOICE_ROUNDS_MAX] > VS_CHOICE_CUT_FACTOR * first) in[i] = false;
    }
  }
  vs_status_free(st);
}

static int cmp_cost(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

double vs__choice_median(const double *costs, size_t n) {
  double ran[VS_CHOICE_PICK_ROUNDS];
  size_t k = 0;
  for (size_t i = 0; i < n && k < VS_CHOICE_PICK_ROUNDS; i++)
    if (costs[i] >= 0) ran[k++] = costs[i];
  if (!k) return -1;
  qsort(ran, k, sizeof *ran, cmp_cost);
  return ran[(k - 1) / 2];
}

size_t vs__choice_pick(const int *rank, const double *costs, size_t ncands, size_t rounds, double *cost) {
  double best = -1;
  for (size_t i = 0; i < ncands; i++) {
    double m = vs__choice_median(costs + i * rounds, rounds);
    if (m >= 0 && (best < 0 || m < best)) best = m;
  }
  size_t pick = ncands;
  double pick_m = -1;
  for (size_t i = 0; best >= 0 && i < ncands; i++) {
    double m = vs__choice_median(costs + i * rounds, rounds);
    if (m < 0 || m > best * (1 + VS_CHOICE_TIE)) continue;
    if (pick == ncands || rank[i] < rank[pick] || (rank[i] == rank[pick] && m < pick_m)) pick = i, pick_m = m;
  }
  if (cost) *cost = pick_m;
  return pick;
}
