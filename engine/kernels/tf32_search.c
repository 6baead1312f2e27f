/* tf32_search.c - the TF32 half of the tuners' search (tf32_search.h). */
#include <stdio.h>
#include <string.h>

#include "kernels/tf32_search.h"

#define MIN_GAIN 1.03 /* the tuners' margin: below it, timing noise decides */

/* q measured and checked: its cost, or 0 when it could not run (why says
 * so, *code is the failure's) or < 0 when wrong. */
static double trial(const vs_tf32_search *s, int index, vs_mma_params q, char *why, size_t cap, vs_code *code) {
  vs_status *st = vs_status_new();
  double t = 0;
  *code = VS_INTERNAL;
  if (!st || !s->measure(s->ctx, q, &t, st)) {
    snprintf(why, cap, "failed: %s", st ? vs_status_message(st) : "out of memory");
    *code = st ? vs_status_code(st) : VS_RESOURCE_EXHAUSTED;
    t = 0;
  } else if (!s->check(s->ctx, index, &t, why, cap)) {
    t = -(t > 0 ? t : 1e-9);
  }
  vs_status_free(st);
  return t;
}

/* On failure *code is the bar's failure's (RESOURCE_EXHAUSTED when it ran
 * out of memory, say) or INTERNAL when it computed a wrong result. */
static bool search(const vs_tf32_search *s, vs_tf32_found *f, char *why, size_t cap, vs_code *code) {
  char text[96], reason[200];
  vs_code c_code;
  for (size_t i = 0; i < s->nbar; i++) {
    if (!s->fits(s->ctx, s->bar[i], reason, sizeof reason)) continue;
    double t = trial(s, -2, s->bar[i], reason, sizeof reason, &c_code);
    s->text(s->bar[i], text, sizeof text);
    if (t <= 0) {
      /* reason: "failed: <status>", or the check's "wrong result: ..." */
      snprintf(why, cap, "the TF32 set %s, which the choice times, %s%s", text, t == 0 ? "" : "gives a ", reason);
      *code = t == 0 ? c_code : VS_INTERNAL;
      return false;
    }
    if (s->progress)
      s->progress(s->user, VS_NPOS, 0, text, s->flop / t / 1e9, "a TF32 set the choice times (the bar)");
    if (f->t_bar <= 0 || t < f->t_bar) f->t_bar = t;
  }
  if (f->t_bar <= 0) return true; /* none of the choice's sets runs this problem: nothing to beat */
  f->t_best = f->t_bar;
  double t0 = vs__gemm_now();
  vs_mma_params q;
  for (size_t c = 0;; c++) {
    int got = s->next(s->ctx, c, &q);
    if (got == 0) break;
    if (got < 0) continue;
    if (vs__gemm_now() - t0 > s->budget) break;
    s->text(q, text, sizeof text);
    if (!s->fits(s->ctx, q, reason, sizeof reason)) {
      if (s->progress) s->progress(s->user, c, s->count, text, 0, reason);
      continue;
    }
    f->tried++;
    double t = trial(s, (int)c, q, reason, sizeof reason, &c_code);
    const char *verdict = reason;
    if (t == 0) {
      f->failed++;
    } else if (t < 0) {
      f->wrong++;
    } else if (t < f->t_best) {
      f->kept = t * MIN_GAIN <= f->t_bar;
      verdict = f->kept ? "correct, fastest so far" : "correct, fastest so far but within 3% of the bar";
      f->t_best = t, f->best = q;
    } else {
      verdict = "correct, slower";
    }
    if (s->progress) s->progress(s->user, c, s->count, text, t > 0 ? s->flop / t / 1e9 : 0, verdict);
  }
  return true;
}

char *vs__tf32_search_run(const vs_tf32_search *s, const char *fn, const char *family, vs_tf32_found *f,
                          vs_status *st) {
  memset(f, 0, sizeof *f);
  char why[400];
  vs_code code = VS_INTERNAL;
  if (!search(s, f, why, sizeof why, &code)) {
    vs__fail(st, code, VS_EXC_OP_ERROR, "%s: %s", fn, why);
    return NULL;
  }
  if (f->t_bar > 0) f->gflops_bar = s->flop / f->t_bar / 1e9;
  if (f->kept) f->gflops_best = s->flop / f->t_best / 1e9;
  char *key = vs__asprintf("tf32|%s", family);
  if (!key) vs__oom(st);
  return key;
}
