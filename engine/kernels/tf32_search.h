/* tf32_search.h - the TF32 half of the GEMM and conv tuners (gemm_tune.c,
 * conv_tune.c): the bar (the fastest of the TF32 sets the choice times),
 * then the candidates, each run, verified and timed by the caller's
 * trial; this part counts, ranks, reports progress and decides whether
 * the fastest set is kept. Both kernels take the same parameters
 * (vs_mma_params) and the same rule: kept when MIN_GAIN (3%) faster than
 * the bar; what is stored where, and how a set is verified, stay with the
 * caller. */
#ifndef VS_TF32_SEARCH_H
#define VS_TF32_SEARCH_H

#include "kernels/gemm.h"

typedef struct vs_tf32_search {
  void *ctx; /* the callbacks' */
  /* Runs q on the caller's problem (its output read back) and times it:
   * *seconds; false with st set when it cannot run. */
  bool (*measure)(void *ctx, vs_mma_params q, double *seconds, vs_status *st);
  /* Checks the output just read back against the caller's TF32
   * reference (after a plan's injection, which may alter it and
   * *seconds; index: the plan's, -2 a bar set); false with the reason in
   * why when wrong. */
  bool (*check)(void *ctx, int index, double *seconds, char *why, size_t cap);
  /* The c-th candidate into *q: 1, or 0 when there are no more, or -1
   * when index c of a plan is not a TF32 set (passed over silently). */
  int (*next)(void *ctx, size_t c, vs_mma_params *q);
  /* Whether q can run the caller's problem on its device (why: the
   * reason reported when not). */
  bool (*fits)(void *ctx, vs_mma_params q, char *why, size_t cap);
  void (*text)(vs_mma_params q, char *buf, size_t cap); /* the progress line's and result's name */
  const vs_mma_params *bar;                             /* the choice's own sets */
  size_t nbar;
  size_t count;        /* the candidates' number for the progress lines (a plan's); 0: open */
  double flop, budget; /* the problem's FLOP; no candidate starts after budget seconds */
  vs_tune_progress progress;
  void *user;
} vs_tf32_search;

typedef struct vs_tf32_found {
  double t_bar;       /* the bar's cost; 0 when no bar set fits (nothing searched) */
  double t_best;      /* the fastest correct set's (t_bar when none beat it) */
  double gflops_bar, gflops_best; /* the same as GFLOP/s; 0 for none, gflops_best 0 unless kept */
  vs_mma_params best; /* that set (meaningful when kept) */
  bool kept;          /* best beat the bar by MIN_GAIN */
  size_t tried, wrong, failed;
} vs_tf32_found;

/* Runs search s into *f for the caller's family; returns the key its
 * outcome is kept or removed under ("tf32|<family>", malloc'd). NULL with
 * st set when one of the bar's sets is wrong or cannot run (nothing can be
 * trusted: INTERNAL, "<fn>: the TF32 set <name> gives a <reason>") or
 * out of memory. */
char *vs__tf32_search_run(const vs_tf32_search *s, const char *fn, const char *family, vs_tf32_found *f,
                          vs_status *st);

#endif
