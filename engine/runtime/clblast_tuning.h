/* clblast_tuning.h - engine-internal entry points of the CLBlast GEMM
 * tuner (clblast_tuning.c) for tests: a candidate list, a matrix size and
 * fault injection, so a test can show that a set computing wrong results
 * or running slower than CLBlast's own is never kept. Includes only the
 * public headers, so tests need no engine include path. Not installed. */
#ifndef VS_CLBLAST_TUNING_H
#define VS_CLBLAST_TUNING_H

#include <stdbool.h>
#include <stddef.h>

#include "varscope/session.h"

typedef struct vs__tune_plan {
  /* SGEMM n x n x n for timing and full verification; 0: opts->n or 1024 (the
   * XgemmDirect phase's: opts->direct_n or 256) */
  size_t n;
  const size_t (*candidates)[16]; /* Xgemm sets in vs__xgemm_names order; NULL: the built-in list */
  size_t n_candidates;
  /* With candidates given, CLBlast's tuner runs only when this is set (a
   * test's plan stays fast); without, it runs unless opts->no_search. */
  bool search;
  /* Called after each set has run (index -1: CLBlast's own parameters)
   * with the device's result read back (n*n floats) and the median time in
   * seconds; may alter either, as a faulty device or a noisy timer would. */
  void (*inject)(void *user, int index, float *c, size_t n, double *seconds);
  void *user;
  /* Replaces the set CLBlast's tuner proposes (16 values), as a faulty
   * tuner would; NULL: none. */
  void (*inject_search)(void *user, size_t *params);
  /* Called after each call of CLBlast's tuner with the search's seconds
   * so far; may alter them, as a slower device would (the budget's steps
   * are sized from them). NULL: none. */
  void (*inject_search_s)(void *user, double *search_s);
  /* The XgemmDirect phase's plan (its sets in vs__xgd_names order, padded
   * with zeros to 16; its own `direct` unused); NULL: with a plan, no
   * XgemmDirect phase runs. */
  const struct vs__tune_plan *direct;
  /* Which kernel CLBlast runs at n, as a test device would have it:
   * VS__PATH_PROBE finds out on the device (the probe both phases use);
   * VS__PATH_RUNS takes the phase's kernel to run there (a device whose
   * threshold puts n on that side: a test of what follows at a size that
   * is cheap here), VS__PATH_OTHER the other kernel (the phase is skipped). */
  int path;
} vs__tune_plan;

enum { VS__PATH_PROBE = 0, VS__PATH_RUNS = 1, VS__PATH_OTHER = 2 };

/* One step of the search's growth (clblast_tuning.c's search): CLBlast's
 * tuner sampled `searched` candidates of its spaces (space[0] + space[1],
 * nspaces searches) at `fraction`; its last call took last_s seconds for
 * last_new new candidates; spent of budget seconds are gone; max_fraction
 * (0: none) caps the sample. Returns whether a next call starts: its
 * fraction in *f, its sample in *more, its cost estimated at the last
 * call's per new candidate (plus a reference run per search) in
 * *estimate_s, which fits budget - spent whenever true is returned. */
bool vs__search_next(const size_t space[2], size_t nspaces, size_t searched, double fraction, double last_s,
                     size_t last_new, double spent, double budget, double max_fraction, double *f, size_t *more,
                     double *estimate_s);

/* The stored cost of a candidate of kernel's search (0 Xgemm, 1
 * XgemmDirect) at n^3 on device i: the most a run measured, which prices
 * every later run's steps (clblast_tuning.c's stored_cost); 0 when none.
 * _put raises it to per, in whole microseconds (false when the store
 * holds as much already or it could not be stored). For tests. */
double vs__clblast_search_cost(size_t i, int kernel, size_t n);
bool vs__clblast_search_cost_put(size_t i, int kernel, size_t n, double per);

/* CLBlast's own tuner (clblast_tuner.h) on device i's queue, its outcome
 * as a vs_status: the C++ unit's error path, for tests. kernel: 0 Xgemm,
 * 1 XgemmDirect. The parameters found go into names/values (cap entries;
 * *count set); the return is CLBlast's status of the call. */
int vs__clblast_tuner(size_t i, int kernel, size_t m, size_t n, size_t k, double fraction, char (*names)[16],
                      size_t *values, size_t cap, size_t *count, vs_status *st);
/* The same on a given queue (NULL allowed: the error path). */
int vs__clblast_tuner_on(void *queue, int kernel, size_t m, size_t n, size_t k, double fraction, char (*names)[16],
                         size_t *values, size_t cap, size_t *count, vs_status *st);
/* Makes the C++ unit throw (1 std::runtime_error, 2 std::bad_alloc, 3 an
 * int; 0 off) inside its guarded region. */
void vs__clblast_tuner_throw(int kind);

/* vs_device_tune_ex under a plan (NULL: the real one). */
void vs__device_tune_plan(size_t i, const vs__tune_plan *plan, const vs_tune_opts *opts, vs_tune_result *res,
                          vs_status *st);

/* Device i's stored set: the keyed store's file (runtime/tuning_store.h),
 * the store key of its entry, and the key the tuning file's text inside
 * must hold (malloc'd; NULL with st set on error). */
char *vs__tuning_path(size_t i, vs_status *st);
char *vs__tuning_store_key(size_t i, vs_status *st);
char *vs__tuning_key(size_t i, vs_status *st);
/* The same for kernel 0 (Xgemm) or 1 (XgemmDirect), whose set is a store
 * entry of its own; the key inside is vs__tuning_key's for both. */
char *vs__tuning_path_k(size_t i, int kernel, vs_status *st);
char *vs__tuning_store_key_k(size_t i, int kernel, vs_status *st);

/* Fault injection for the check a stored set (of either kernel) gets at
 * the first float32 GEMM: inject alters the device's result (n*n floats) before it is
 * compared. NULL removes it. For tests; set it before the first GEMM. */
void vs__clblast_set_check_hook(void (*inject)(void *user, float *c, size_t n), void *user);

/* Why device i's stored set was refused or dropped in this process, into
 * buf ("" when it was not); returns whether one was. */
bool vs__clblast_tuning_note(size_t i, char *buf, size_t cap);
/* The same for kernel 0 (Xgemm) or 1 (XgemmDirect); *in_use (when not
 * NULL): whether that kernel's stored set is applied in this process. */
bool vs__clblast_tuning_note_k(size_t i, int kernel, char *buf, size_t cap, bool *in_use);

#endif
