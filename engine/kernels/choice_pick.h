/* choice_pick.h - the rule by which a measured choice is made (the GEMM's
 * algorithm, gemm_select.c; a conv gradient's route, conv_grad_select.c):
 * every candidate gets a warm-up run, then all are timed in interleaved
 * rounds, and the lowest median cost wins, a simpler candidate winning
 * within 3%. What "simpler" means is the caller's: it ranks its
 * candidates.
 *
 * Why rounds and a median: on the shared 2-core machine one candidate's
 * runs in a row met one load and the next candidate's another, and the
 * fastest run counting picked losers under load (the GEMM family's choice
 * at 512 came out in place, packed or k-blocked from one fresh cache to
 * the next, docs/conv-performance.md, session 9). Interleaved rounds give
 * every candidate runs under the same load; the median ignores a lucky or
 * unlucky round. Why the tie: within the noise, the candidate with fewer
 * launches and less scratch is the safer bet. */
#ifndef VS_CHOICE_PICK_H
#define VS_CHOICE_PICK_H

#include <stddef.h>

#include "session/session_internal.h"

/* Timed rounds: at least MIN, more (up to MAX) while the timed rounds so
 * far took under VS_CHOICE_ROUND_BUDGET seconds. */
#define VS_CHOICE_ROUNDS_MIN 3
#define VS_CHOICE_ROUNDS_MAX 7
#define VS_CHOICE_ROUND_BUDGET 0.25
/* A candidate whose first timed run cost over this many times the best
 * first run leaves after it: it cannot win (CLBlast's 1024 x 1024 costs
 * over 200 ms a run on the 2-core PoCL device). */
#define VS_CHOICE_CUT_FACTOR 10.0
/* How much less a candidate must cost to beat a simpler one. */
#define VS_CHOICE_TIE 0.03
/* Candidates vs__choice_time times at most. */
#define VS_CHOICE_MAX_CANDS 8
/* The rounds vs__choice_pick reads at most per candidate. */
#define VS_CHOICE_PICK_ROUNDS 64

/* One finished run of candidate i: its cost (seconds, vs__gemm_cost), or
 * < 0 when it failed, with st set. */
typedef double (*vs_choice_run_fn)(void *ctx, int i, vs_status *st);

/* Times nc (at most VS_CHOICE_MAX_CANDS) candidates through run into costs[i * VS_CHOICE_ROUNDS_MAX +
 * round] (-1: not run): a warm-up run each (never compared: it includes
 * building or loading the candidate's program, seen at 24.7 ms for a GEMM
 * set whose timed runs then cost 1.1-1.8 ms), then the rounds, each
 * running every candidate still in once from a rotating first one (none
 * always runs first after the pause); the cut after the first round. A
 * candidate that fails once is out, every cost of it -1; last (may be
 * NULL) then holds the last failure. */
void vs__choice_time(int nc, vs_choice_run_fn run, void *ctx, double *costs, vs_status *last);

/* The median of the costs >= 0 in costs[0..n), at most the first
 * VS_CHOICE_PICK_ROUNDS of them (the lower middle one of an even count);
 * < 0 when none. */
double vs__choice_median(const double *costs, size_t n);

/* The choice: candidate i has simplicity rank[i] (lower: simpler) and
 * cost costs[i * rounds + r] in round r (< 0: not run). Each is ranked by
 * its median (vs__choice_median); among those within VS_CHOICE_TIE of the
 * lowest median the simplest wins, the lowest median among equally simple
 * ones. Returns the index, and its median in *cost (may be NULL); ncands
 * (and -1) when no candidate ran. */
size_t vs__choice_pick(const int *rank, const double *costs, size_t ncands, size_t rounds, double *cost);

#endif
