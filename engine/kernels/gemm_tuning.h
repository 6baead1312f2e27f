/* gemm_tuning.h - engine-internal entry points of the own SGEMM kernel
 * and its tuner (gemm.c, gemm_select.c, gemm_tune.c) for tests: a run on
 * host matrices under any parameter set, the search space, the tuner under
 * a fixed candidate list with fault injection (so a test can show that a
 * candidate computing wrong results, or no faster than the default, is
 * never kept), and raw access to the store's tables. Includes only the
 * public headers, so tests need no engine include path. Not installed. */
#ifndef VS_GEMM_TUNING_H
#define VS_GEMM_TUNING_H

#include <stdbool.h>
#include <stddef.h>

#include "varscope/devices.h"

/* C = op(A) x op(B) on device dev with kind 0 (the own kernel on packed
 * panels), 2 (the own kernel in place) or 3 (on packed panels, k in
 * chunks) under params ({rm, nv, vec, uk, ly, kc}, six ints; kc: kind 3's
 * chunk of k, 0 its default; NULL: the kind's default set on the device),
 * or kind 1 (CLBlast): a[0..na), b[0..nb) and c[0..nc) are copied to the
 * device, the GEMM runs with the given offsets and leading dimensions, and
 * c comes back whole (elements outside the product must be untouched). */
bool vs__gemm_run_host(size_t dev, const int *params, int kind, bool ta, bool tb, size_t m, size_t n, size_t k,
                       const float *a, size_t na, size_t a_off, size_t lda, const float *b, size_t nb, size_t b_off,
                       size_t ldb, float *c, size_t nc, size_t c_off, size_t ldc, vs_status *st);
/* kind 4 is the TF32 kernel (cl_kernels/gemm_mma.cl) under params
 * {wm, wn, fm, fn, ks} (NULL: the first of its sets), matrix units or not
 * (its emulation on other devices); it has no epilogue. */
/* The same with gemm.h's epilogue in the store: C[i, j] = relu?(C[i, j] +
 * bias[j]), bias[0..n) (NULL: none); CLBlast (kind 1) refuses a non-empty
 * one with INVALID_ARGUMENT. */
bool vs__gemm_run_host_epi(size_t dev, const int *params, int kind, bool ta, bool tb, size_t m, size_t n, size_t k,
                           const float *a, size_t na, size_t a_off, size_t lda, const float *b, size_t nb,
                           size_t b_off, size_t ldb, float *c, size_t nc, size_t c_off, size_t ldc,
                           const float *bias, bool relu, vs_status *st);

/* The rows the own kernel's multiply deals `tiles` RM-row tiles of C
 * into: ceil(tiles / ly) rows (ly < 1 counts as 1; at least one row), in
 * *per the most tiles a row gets, ceil(tiles / rows) <= ly. gemm.cl's
 * group_tiles gives row g the tiles [g * tiles / rows, (g + 1) * tiles /
 * rows): every row floor or ceil of tiles / rows, so no launch ends on a
 * near-empty row that leaves one thread of a CPU device idle while another
 * runs a full one (docs/conv-performance.md, Session 16). A work-group of
 * gemm_packed and gemm_inplace is one row (ly items, those past the row's
 * share idle); an item of gemm_blocked is one row. The kernels take
 * `rows` as an argument and find their row by get_global_id alone, so a
 * launch cut at a device's limit on groups (launch_grid.h) computes the
 * same. */
size_t vs__gemm_rows(size_t tiles, int ly, size_t *per);

/* y[i] = x[i] rounded to TF32 on device dev by the TF32 kernels' own
 * rounding (mma_tf32.clh's tf32_round, the same code on every device). */
bool vs__tf32_round_host(size_t dev, const float *x, float *y, size_t n, vs_status *st);
/* gemm.h's vs__mma_probe_buffer on device dev with host arrays: a 128
 * floats, b 64, out 128. */
bool vs__mma_probe_host(size_t dev, const float *a, const float *b, float *out, vs_status *st);

/* Tests only: the choice treats device dev as having TF32 matrix units
 * (on) or as it is (off), so that its TF32 path (families "tf32|...",
 * the TF32 sets among the timed candidates) runs on PoCL; the kernel stays
 * the emulation there. */
void vs__tf32_units_pretend(size_t dev, bool on);

/* One candidate of the tuner: a kind of the own kernel (0 packed, 2 in
 * place, 3 k-blocked: vs__gemm_run_host's numbers) and its parameters
 * {rm, nv, vec, uk, ly, kc}. */
typedef struct vs__gemm_set {
  int kind;
  int p[6];
} vs__gemm_set;

/* The candidates the search of vs_device_tune_gemm can try on device dev
 * among the kinds in mask kinds (bit 1 << kind; 0: every kind), in the
 * search's order, each refining phase (unrolling x work-group height, and
 * the blocked kind's chunk x items' tiles) around its kind's default
 * tile; up to cap into out; returns the count. */
size_t vs__gemm_search_space(size_t dev, unsigned kinds, vs__gemm_set *out, size_t cap, vs_status *st);
/* The same as the search walks it once packed_best ({rm, nv, vec, uk, ly,
 * kc}) is the fastest packed set so far (NULL: none, as above): the
 * packed refining phase around it, and the k-blocked and in-place tile
 * phases at its vector width. */
size_t vs__gemm_search_space_after(size_t dev, unsigned kinds, const int *packed_best, vs__gemm_set *out, size_t cap,
                                   vs_status *st);

/* The TF32 sets the tuner's TF32 search tries on device dev for a k-deep
 * problem, in its order ({wm, wn, fm, fn, ks} each), up to cap into out;
 * returns the count (gemm_tune.c's next_tf32). */
size_t vs__gemm_tf32_search_space(size_t dev, size_t k, int (*out)[5], size_t cap, vs_status *st);

typedef struct vs__gemm_tune_plan {
  /* fixed candidates; NULL: the search. Kind 4 ones ({wm, wn, fm, fn, ks,
   * 0}) are the TF32 search's, run only where the device has matrix units
   * (or a test pretends it has), after the float32 ones. */
  const vs__gemm_set *candidates;
  size_t n_candidates;
  unsigned kinds; /* the search (candidates NULL; bit 4: the TF32 search) restricted to these kinds (bit 1 << kind;
                   * 0: every kind) */
  /* Called after each candidate has run (index -1: the default set; -2:
   * one of the TF32 sets the choice times, the TF32 bar) with
   * its output read back (n floats) and its time in seconds; may alter
   * either, as a faulty kernel or a noisy timer would. */
  void (*inject)(void *user, int index, float *out, size_t n, double *seconds);
  void *user;
} vs__gemm_tune_plan;

/* vs_device_tune_gemm under a plan (NULL: the real one). */
void vs__device_tune_gemm_plan(size_t i, const vs__gemm_tune_plan *plan, const vs_gemm_tune_opts *opts,
                               vs_gemm_tune_result *res, vs_status *st);

/* The rule by which a GEMM family's algorithm is chosen
 * (gemm_select.c), apart from the timing: choice_pick.h's vs__choice_pick
 * with the forms' order of simplicity. Candidate i is of kind kinds[i]
 * (vs__gemm_run_host's numbers) and cost costs[i * rounds + r] in timed
 * round r (seconds; < 0: not run that round). Each candidate is ranked by
 * the median of its costs that ran (the lower middle one of an even
 * count; only the first VS_CHOICE_PICK_ROUNDS rounds are read); among the
 * candidates within 3% of the lowest median the simplest form wins (in
 * place, then packed, then k-blocked, then CLBlast), the lowest median
 * among equally simple ones. Returns the index, and its median in *cost
 * (may be NULL); ncands (and -1) when no candidate ran. At most
 * VS_CHOICE_MAX_CANDS candidates are read. */
size_t vs__gemm_pick(const int *kinds, const double *costs, size_t ncands, size_t rounds, double *cost);

/* The store's path of device i's table `which` ("choice" or "tuned"),
 * for tests that damage it (malloc'd; NULL with st set on error). */
char *vs__gemm_store_path(size_t i, const char *which, vs_status *st);
/* Replaces table `which` of device i, in the store and this process's
 * memo, with text (checksummed as any entry): for tests that plant lines. */
bool vs__gemm_table_write(size_t i, const char *which, const char *text, vs_status *st);

#endif
