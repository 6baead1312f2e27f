/* tuning_support.h - scaffolding shared by the tuner tests (test_gemm.c,
 * test_conv_tuning.c; header-only): both run a tuner with a plan of fixed
 * candidates and fault injection, list the device's kept choices and plant
 * damaged store entries, through the GEMM or the conv2d names of the same
 * internal interfaces. What differs (the plan and option types, families,
 * expected texts) stays in each file. */
#ifndef VS_TESTS_TUNING_SUPPORT_H
#define VS_TESTS_TUNING_SUPPORT_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

/* A fresh cache directory per test process (Criterion's workers) in
 * dir[cap], named after tag, and no forced choice: force_var (e.g.
 * VARSCOPE_GEMM) unset. */
static inline void tuning_setup(char *dir, size_t cap, const char *tag, const char *force_var)
{
  scratch_dir_new(dir, cap, tag);
  setenv("VARSCOPE_CACHE_DIR", dir, 1); /* before any OpenCL call of this process */
  unsetenv(force_var);
}

/* What this process writes to stderr between stderr_capture_begin and
 * stderr_capture_end (VARSCOPE_LOG's lines) goes to a temporary file, and
 * then into buf[cap] (NUL-terminated, cut at cap - 1). */
typedef struct stderr_capture {
  FILE *file;
  int saved; /* the real stderr's descriptor */
} stderr_capture;

static inline stderr_capture stderr_capture_begin(void)
{
  fflush(stderr);
  stderr_capture c = {tmpfile(), -1};
  cr_assert_not_null(c.file);
  c.saved = dup(fileno(stderr));
  dup2(fileno(c.file), fileno(stderr));
  return c;
}

static inline void stderr_capture_end(stderr_capture c, char *buf, size_t cap)
{
  fflush(stderr);
  dup2(c.saved, fileno(stderr));
  close(c.saved);
  rewind(c.file);
  size_t got = fread(buf, 1, cap - 1, c.file);
  buf[got] = '\0';
  fclose(c.file);
}

/* A vs_device_*_choices function: vs_device_gemm_choices or
 * vs_device_conv_choices. */
typedef size_t (*choices_fn)(size_t i, char *buf, size_t cap, vs_status *st);

/* The whole listing of device 0's choices (malloc'd) by list, one of the
 * choices_fn functions: asked for its length, then written into a
 * buffer of that length plus the NUL. */
static inline char *tuning_choices(choices_fn list)
{
  vs_status *st = vs_status_new();
  size_t need = list(0, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  char *buf = malloc(need + 1);
  cr_assert_eq(list(0, buf, need + 1, st), need);
  vs_status_free(st);
  return buf;
}

/* The fault injection of a tune plan (its .inject, with .user an
 * injection): the candidate at wrong_index gets one output element off and
 * a 100x faster time, the one at fast_index a 100x faster time, every
 * other candidate a 100x slower one (the default, index < 0, is left as
 * measured). calls counts the outputs checked. */
typedef struct injection {
  int wrong_index, fast_index; /* which candidate gets a wrong output / a 100x faster time; -2: none */
  int calls;
} injection;

static inline void inject(void *user, int index, float *out, size_t n, double *seconds)
{
  injection *in = user;
  in->calls++;
  if (index == in->wrong_index) out[n / 2] += 0.5f; /* one element off: enough to be refused */
  if (index == in->wrong_index || index == in->fast_index) *seconds /= 100;
  else if (index >= 0) *seconds *= 100; /* everything else: far slower than the default */
}

/* A tune's .progress: every line carries its parameters and verdict, the
 * search's length is open (count 0), and candidates come in order
 * (progress_lines counts them; the default's line has index VS_NPOS). */
static int progress_lines;

static inline void count_progress(void *user, size_t index, size_t count, const char *params, double gflops,
                                  const char *verdict)
{
  (void)user, (void)gflops;
  cr_assert_not_null(params);
  cr_assert_not_null(verdict);
  cr_assert_eq(count, 0, "the search's length is open");
  if (index != VS_NPOS) cr_assert_eq(index, (size_t)progress_lines, "in order");
  if (index != VS_NPOS) progress_lines++;
}

/* Writes n bytes of data to path (a planted store entry or old file),
 * asserting. */
static inline void write_file(const char *path, const void *data, size_t n)
{
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "%s", path);
  cr_assert_eq(fwrite(data, 1, n, f), n);
  fclose(f);
}

/* st holds INVALID_ARGUMENT with exactly message. */
static inline void expect_invalid(const vs_status *st, const char *message)
{
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT, "%s", vs_status_message(st));
  cr_assert_str_eq(vs_status_message(st), message);
}

/* A torn store entry planted at path (the table's file) is never read:
 * the listing by list is empty, and the
 * entry is removed. */
static inline void expect_torn_entry_removed(const char *path, choices_fn list)
{
  const char torn[] = "VSKC\001\000\000\000\377\377";
  write_file(path, torn, sizeof torn - 1);
  char *c = tuning_choices(list);
  cr_assert_str_eq(c, "");
  free(c);
  cr_assert_neq(access(path, F_OK), 0, "the torn entry was removed");
}

/* What the two tuners' tests of a plan share, for a file that defines
 * SMALL (its tune options), CANDIDATES (two parameter sets), FAMILY (the
 * family's key in the listing) and choices() (the device's listing):
 *   tune(&in, &res)  runs the plan of CANDIDATES on SMALL on device 0
 *                    through tune_plan (the plan's type plan_type, the
 *                    result's result_type), injecting through in, and
 *                    asserts it succeeded;
 *   tune_keeps(params)  with the second candidate timed fastest and
 *                    correct, it is kept as params (res.params' text);
 *   tune_keeps_nothing()  with nothing faster than the default, nothing
 *                    is kept (the kept set, if any, is removed);
 *   the Test suite/wrong_result_candidate_is_never_kept: a candidate
 *                    whose output is wrong, though timed fastest, is
 *                    caught and nothing is kept for the family. */
#define TUNING_PLAN_TESTS(suite, plan_type, result_type, tune_plan)                                                  \
  static void tune(injection *in, result_type *res)                                                                  \
  {                                                                                                                  \
    plan_type plan = {.candidates = CANDIDATES, .n_candidates = 2, .inject = inject, .user = in};                    \
    vs_status *st = vs_status_new();                                                                                 \
    tune_plan(0, &plan, &SMALL, res, st);                                                                            \
    cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));                                            \
    vs_status_free(st);                                                                                              \
  }                                                                                                                  \
                                                                                                                     \
  static void tune_keeps(const char *params)                                                                         \
  {                                                                                                                  \
    injection in = {.wrong_index = -2, .fast_index = 1};                                                             \
    result_type res;                                                                                                 \
    tune(&in, &res);                                                                                                 \
    cr_assert_eq(res.tried, 2);                                                                                      \
    cr_assert_eq(res.wrong, 0);                                                                                      \
    cr_assert(res.stored);                                                                                           \
    cr_assert_str_eq(res.params, params);                                                                            \
    cr_assert_gt(res.gflops_best, res.gflops_default * 1.03);                                                        \
  }                                                                                                                  \
                                                                                                                     \
  static void tune_keeps_nothing(void)                                                                               \
  {                                                                                                                  \
    injection in = {.wrong_index = -2, .fast_index = -2};                                                            \
    result_type res;                                                                                                 \
    tune(&in, &res);                                                                                                 \
    cr_assert_not(res.stored);                                                                                       \
  }                                                                                                                  \
                                                                                                                     \
  Test(suite, wrong_result_candidate_is_never_kept)                                                                  \
  {                                                                                                                  \
    injection in = {.wrong_index = 0, .fast_index = -2};                                                             \
    result_type res;                                                                                                 \
    tune(&in, &res);                                                                                                 \
    cr_assert_eq(in.calls, 3, "the default and both candidates ran and were checked");                               \
    cr_assert_eq(res.tried, 2);                                                                                      \
    cr_assert_eq(res.wrong, 1, "the corrupted output was caught");                                                   \
    cr_assert_eq(res.failed, 0);                                                                                     \
    cr_assert_not(res.stored, "the wrong one was timed fastest, the other slower than the default");                 \
    cr_assert_str_eq(res.params, "");                                                                                \
    cr_assert_eq(res.gflops_best, 0);                                                                                \
    cr_assert_gt(res.gflops_default, 0);                                                                             \
    char *c = choices();                                                                                             \
    cr_assert_null(strstr(c, FAMILY), "nothing kept for the family: %s", c);                                         \
    free(c);                                                                                                         \
  }

/* Runs s once for fetch y with VARSCOPE_LOG=what, what the run logs into
 * log[cap]; asserts success. The TF32 tests' step-memo checks read which
 * choice a step measured from it. */
static inline void session_run_logged(vs_session *s, vs_output y, const char *what, char *log, size_t cap)
{
  vs_status *st = vs_status_new();
  stderr_capture c = stderr_capture_begin();
  setenv("VARSCOPE_LOG", what, 1);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &y, &t, 1, NULL, 0, st);
  unsetenv("VARSCOPE_LOG");
  stderr_capture_end(c, log, cap);
  expect_ok(st);
  vs_tensor_free(t);
  vs_status_free(st);
}

/* Whether device 0 really has TF32 matrix units (an NVIDIA GPU of compute
 * capability 8.0 or above: tools/gpu-check.sh runs the TF32 tests there);
 * the tests that need a device without them first skip there. */
static inline bool device0_tf32_units(void)
{
  vs_status *st = vs_status_new();
  vs_device_info info;
  vs_device_get_info(0, &info, st);
  expect_ok(st);
  vs_status_free(st);
  return info.tf32_matrix_units;
}

/* Fault injection for the TF32 half of a tuner (test_gemm_tf32.c,
 * test_conv_tf32.c; a plan's .inject with .user a tf32_faults): each of
 * the choice's TF32 sets (index -2, the bar) takes 1 s; candidate `wrong`
 * (-2: the bar's sets) has one output element off by 1 and takes 1 ms
 * (the fastest, were it kept); candidate `fast` takes fast_s; any other 2 s. The float32
 * default (index -1) is left as it ran. */
typedef struct tf32_faults {
  int wrong, fast;
  double fast_s;
} tf32_faults;

static inline void tf32_inject(void *user, int index, float *out, size_t n, double *seconds)
{
  const tf32_faults *f = user;
  if (index == -1) return;
  if (index == f->wrong) out[n / 2] += 1.0f, *seconds = 1e-3;
  else if (index == -2) *seconds = 1.0;
  else if (index == f->fast) *seconds = f->fast_s;
  else *seconds = 2.0;
}

/* What a real TF32 search run alone (a GEMM or conv tuner's result, res)
 * must report: it searched, ran at least one set beside the bar and
 * nothing else, none wrong or failed, and timed the bar. */
#define expect_tf32_search_all_correct(res)                                                   \
  do {                                                                                        \
    cr_assert((res).tf32_searched);                                                           \
    cr_assert_geq((res).tf32_tried, 1);                                                       \
    cr_assert_eq((res).tried, (res).tf32_tried, "the float32 search is left out");            \
    cr_assert_eq((res).wrong, 0);                                                             \
    cr_assert_eq((res).failed, 0);                                                            \
    cr_assert_gt((res).gflops_tf32_default, 0);                                               \
  } while (0)

/* A tuner's progress callback (vs_tune_progress, .user a char[4096]):
 * one "params: verdict" line per set measured, appended. */
static inline void note_progress(void *user, size_t index, size_t count, const char *params, double gflops,
                                 const char *verdict)
{
  (void)index, (void)count, (void)gflops;
  char *log = user;
  size_t used = strlen(log);
  snprintf(log + used, 4096 - used, "%s: %s\n", params, verdict);
}

/* A TF32 search space (the tuners' vs__*_tf32_search_space: n sets
 * {wm, wn, fm, fn, ks}): every set in range, none of the nbar sets of the
 * bar, each once, by slice depth 16, 32, 8, 64 and at each depth the tiles
 * of powers of two before those with a 3. */
static inline int tf32_depth_rank(int ks) { return ks == 16 ? 0 : ks == 32 ? 1 : ks == 8 ? 2 : 3; }

static inline bool tf32_has_three(const int *set) { return set[0] == 3 || set[1] == 3 || set[2] == 3 || set[3] == 3; }

static inline void check_tf32_space(int (*sets)[5], size_t n, const int (*bar)[5], size_t nbar)
{
  for (size_t i = 0; i < n; i++) {
    for (int j = 0; j < 4; j++) cr_assert(sets[i][j] >= 1 && sets[i][j] <= 4, "set %zu", i);
    cr_assert(sets[i][4] == 8 || sets[i][4] == 16 || sets[i][4] == 32 || sets[i][4] == 64, "set %zu", i);
    for (size_t b = 0; b < nbar; b++)
      cr_assert(memcmp(sets[i], bar[b], sizeof bar[b]) != 0, "set %zu: a set of the bar is a candidate", i);
    if (i) {
      int r = tf32_depth_rank(sets[i][4]), r0 = tf32_depth_rank(sets[i - 1][4]);
      cr_assert(r > r0 || (r == r0 && tf32_has_three(sets[i]) >= tf32_has_three(sets[i - 1])),
                "set %zu (%d,%d,%d,%d,%d) out of order", i, sets[i][0], sets[i][1], sets[i][2], sets[i][3], sets[i][4]);
    }
    for (size_t j = 0; j < i; j++) cr_assert(memcmp(sets[i], sets[j], sizeof *sets) != 0, "set %zu twice", i);
  }
}

#endif
