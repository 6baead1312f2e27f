/* test_conv_tuning.c - tuning the direct conv2d kernel by search can never
 * make conv2d wrong or slower, and its results live in the keyed store.
 *
 * The tuner runs the real kernels on the device; the internal plan
 * (kernels/conv_tuning.h) supplies fixed candidates and fault injection: a
 * candidate whose output is wrong (and timed fastest) must never be kept;
 * one timed faster and correct must be kept, stored under its shape
 * family and offered to the family's geometries. The real search is run
 * on a small shape and every candidate it tries must verify. Each Test is
 * its own process (Criterion's workers) with its own cache directory. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels/choice_pick.h"
#include "kernels/choice_table.h"
#include "kernels/conv_internal.h"
#include "../engine/kernels/conv_tuning.h"
#include "runtime/blas.h"           /* the CLBlast sets' identities and table keys */
#include "runtime/clblast_tuning.h" /* vs__device_tune_plan: a change of the CLBlast sets */
#include "runtime/runtime_internal.h" /* vs__device */
#include "runtime/tuning_store.h"    /* a table removed as retire_tables does */
#include "tuning_support.h"

static char dir[256];

static void setup(void) { tuning_setup(dir, sizeof dir, "vs-conv-tuning", "VARSCOPE_CONV"); }

static void teardown(void) { scratch_dir_remove(dir); }

/* A cold kernel cache under sanitizers on a busy machine compiles each
 * candidate in seconds: the search test needs minutes then. */
TestSuite(conv_tuning, .init = setup, .fini = teardown, .timeout = 900);

/* A small family: 3x3, 8 -> 32 channels (VEC 16, so nv 1 or 2 fit), on a
 * 1x9x9 input: every candidate builds and runs in well under a second. */
static const vs_conv_tune_opts SMALL = {.c = 8, .k = 32, .kh = 3, .kw = 3, .n = 1, .h = 9, .w = 9, .budget_s = 240};
static const char *const FAMILY = "family float32|f3,3,8,32|s1,1|d1,1";

static char *choices(void) { return tuning_choices(vs_device_conv_choices); }

/* A strip set (the one wrong_result_candidate_is_never_kept corrupts) and
 * a strip blocked across 4 output rows (rh), which the 9 rows of SMALL
 * do not fill: the kept one. */
static const int CANDIDATES[2][6] = {{4, 2, 2, 1, 2, 1}, {8, 1, 1, 2, 2, 4}};

TUNING_PLAN_TESTS(conv_tuning, vs__conv_tune_plan, vs_conv_tune_result, vs__device_tune_conv_plan)

/* conv2d of a k x k filter, 8 -> 32 channels (k 3: SMALL's family; k 1:
 * PW_GEOM's), on a 1x9x9x8 input, SAME, run in a session (which chooses
 * its algorithm as any run does), against a host reference in double to
 * 1e-5 of the sum of |products| (at most 72 terms). */
static void check_conv_of(int k) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  float xd[1 * 9 * 9 * 8], fd[3 * 3 * 8 * 32];
  size_t nf = (size_t)(k * k * 8 * 32);
  for (size_t i = 0; i < sizeof xd / sizeof *xd; i++) xd[i] = (float)((i * 7) % 11) / 5.0f - 1.0f;
  for (size_t i = 0; i < nf; i++) fd[i] = (float)((i * 5) % 13) / 6.0f - 1.0f;
  vs_output x = vs_constant(g, xd, VS_FLOAT, VS_SHAPE(1, 9, 9, 8), "x", st);
  vs_output f = vs_constant(g, fd, VS_FLOAT, VS_SHAPE(k, k, 8, 32), "f", st);
  vs_output y = vs_conv2d(g, x, f, &(vs_conv2d_opts){.padding = "SAME"}, st);
  vs_session *s = vs_session_new(g, NULL, st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &y, &t, 1, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  const float *got = vs_tensor_data(t);
  for (int oh = 0; oh < 9; oh++)
    for (int ow = 0; ow < 9; ow++)
      for (int ko = 0; ko < 32; ko++) {
        double want = 0, mag = 0;
        for (int kh = 0; kh < k; kh++)
          for (int kw = 0; kw < k; kw++) {
            int ih = oh - (k - 1) / 2 + kh, iw = ow - (k - 1) / 2 + kw;
            if (ih < 0 || ih >= 9 || iw < 0 || iw >= 9) continue;
            for (int ch = 0; ch < 8; ch++) {
              double p = (double)xd[(ih * 9 + iw) * 8 + ch] * fd[((kh * k + kw) * 8 + ch) * 32 + ko];
              want += p, mag += p < 0 ? -p : p;
            }
          }
        double e = got[(oh * 9 + ow) * 32 + ko] - want;
        cr_assert_leq(e < 0 ? -e : e, 1e-5 * (1 + mag), "(%d,%d,%d): %g vs %g", oh, ow, ko, got[(oh * 9 + ow) * 32 + ko],
                      want);
      }
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

Test(conv_tuning, faster_correct_candidate_is_kept_stored_and_offered) {
  tune_keeps("rm=8 nv=1 uc=1 ly=2 rw=2 rh=4");
  char *c = choices();
  cr_assert_not_null(strstr(c, "family float32|f3,3,8,32|s1,1|d1,1 -> direct strip rm8 nv1 u1 ly2 rh4 ("), "%s", c);
  free(c);
  /* A conv2d of the family now measures the kept set among its
   * candidates; whichever wins, its numbers are the reference's. */
  check_conv_of(3);
  c = choices();
  cr_assert_not_null(strstr(c, "float32|f3,3,8,32|s1,1|d1,1|x1,9,9|p1,1,1,1 -> "), "the geometry's choice: %s", c);
  free(c);
  /* Tuning again with nothing better removes the kept set. */
  tune_keeps_nothing();
  c = choices();
  cr_assert_null(strstr(c, FAMILY), "%s", c);
  cr_assert_null(strstr(c, "|x1,9,9|"), "the family's geometries choose again: %s", c);
  free(c);
}

static const char *const SMALL_GEOM = "float32|f3,3,8,32|s1,1|d1,1|x1,9,9|p1,1,1,1";

/* Plants `fields` as geometry geom's choice, timed 4242 ms. */
static void plant_at(const char *geom, const char *fields) {
  char line[256];
  snprintf(line, sizeof line, "%s\t%s\t4242.000 ms", geom, fields);
  vs_status *st = vs_status_new();
  cr_assert(vs__conv_plant_line(0, line, st), "%s", vs_status_message(st));
  vs_status_free(st);
}

static void plant(const char *fields) { plant_at(SMALL_GEOM, fields); }

/* Device 0 of the registry, asserted. */
static vs_cl_device *device0(void) {
  vs_status *st = vs_status_new();
  vs_cl_device *d = vs__device(0, st);
  cr_assert_not_null(d, "%s", vs_status_message(st));
  vs_status_free(st);
  return d;
}

/* A store from before session 13 holds the tuner's family sets in the
 * geometries' table "conv-choices 9": they move to the tuned table the
 * first time it is looked for (listing or selection), that old entry is
 * removed, and its geometry lines (measured without today's candidates)
 * are not carried over. */
static void plant_v9(vs_cl_device *d, char **path) {
  static const char OLD[] = "float32|f3,3,8,32|s1,1|d1,1|x1,9,9|p1,1,1,1\t0 3 1 1 2 2 4\t1.000 ms\n"
                            "family float32|f3,3,8,32|s1,1|d1,1\t0 4 2 2 1 2 1\t1.000 ms\n";
  char *key = vs__choice_table_key(d, "conv-choices 9");
  cr_assert(key && vs__store_put(NULL, key, OLD, strlen(OLD)));
  *path = vs__store_path(dir, key);
  cr_assert_eq(access(*path, F_OK), 0);
  free(key);
}

Test(conv_tuning, tuned_sets_of_the_old_table_move_to_the_tuned_table_when_listed) {
  vs_cl_device *d = device0();
  char *old;
  plant_v9(d, &old);
  char *c = choices();
  char want[256];
  snprintf(want, sizeof want, "%s -> direct strip rm4 nv2 u2 ly1 (1.000 ms)\n", FAMILY);
  cr_assert_str_eq(c, want, "the family's set only: %s", c);
  free(c);
  cr_assert_neq(access(old, F_OK), 0, "the old table is removed once moved");
  char *tkey = vs__choice_table_key(d, "conv-tuned 1"), *tuned = vs__store_path(dir, tkey);
  cr_assert_eq(access(tuned, F_OK), 0, "the tuned table is on disk");
  free(old), free(tkey), free(tuned);
}

Test(conv_tuning, tuned_sets_of_the_old_table_move_to_the_tuned_table_when_selected) {
  vs_cl_device *d = device0();
  char *old;
  plant_v9(d, &old);
  vs_conv_algo a = {0};
  cr_assert(vs__conv_table_lookup(d, FAMILY, &a), "the family's set is found");
  cr_assert(a.kind == VS_CONV_DIRECT && a.rm == 4 && a.nv == 2 && a.uc == 2 && a.ly == 1 && a.rw == 2,
            "kind %d rm %d nv %d uc %d ly %d rw %d", (int)a.kind, a.rm, a.nv, a.uc, a.ly, a.rw);
  cr_assert_neq(access(old, F_OK), 0, "the old table is removed once moved");
  cr_assert_not(vs__conv_table_lookup(d, SMALL_GEOM, &a), "a geometry of the old table is measured again");
  free(old);
}

/* A family tuned in a process running other CLBlast sets than the stored
 * ones (here: a run whose Xgemm phase was skipped applied CLBlast's
 * generic set and stored nothing) forgets the family's geometries in the
 * stored sets' table too, the one later processes read: else they would
 * keep their choices and never time the tuned set (rev13). */
Test(conv_tuning, forgetting_a_family_reaches_the_stored_sets_table) {
  plant("0 3 1 1 2 2 4"); /* under CLBlast's own sets, which are the stored ones */
  plant_at("float32|f1,1,8,32|s1,1|d1,1|x1,9,9|p0,0,0,0", "4 8 2 1 4 0 1"); /* another family's */
  vs_status *st = vs_status_new();
  vs_cl_device *d = vs__device(0, st);
  cr_assert_not_null(d, "%s", vs_status_message(st));
  char *key = vs__clblast_table_key(d, VS_CLBLAST_TABLE_CONV, 0);
  cr_assert_not_null(key);
  vs_tune_result res;
  vs__device_tune_plan(0, &(vs__tune_plan){.n = 128, .path = VS__PATH_OTHER}, &(vs_tune_opts){.no_search = true}, &res,
                       st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(vs__clblast_stored_sets_id(d), 0, "nothing stored");
  cr_assert_neq(vs__clblast_sets_id(d), 0, "this process runs another set");
  vs_conv_geom g = {.N = 1, .H = 9, .W = 9, .C = 8, .KH = 3, .KW = 3, .K = 32, .SH = 1, .SW = 1, .DH = 1, .DW = 1,
                    .OH = 9, .OW = 9, .PT = 1, .PB = 1, .PL = 1, .PR = 1, .dtype = VS_FLOAT};
  cr_assert(vs__conv_table_forget_family(d, &g));
  unsigned char *data = NULL;
  size_t n = 0;
  cr_assert_eq(vs__store_get(NULL, key, 1 << 20, &data, &n), VS_STORE_HIT, "the stored sets' table stays");
  char *text = strndup((const char *)data, n);
  cr_assert_null(strstr(text, SMALL_GEOM), "the family's geometry is still in the stored sets' table: %s", text);
  cr_assert(strstr(text, "float32|f1,1,8,32|"), "another family's geometry went too: %s", text);
  free(text), free(data), free(key);
  vs_status_free(st);
}

/* A tuning run in another process that changes the stored CLBlast sets
 * removes the old sets' tables from the store (clblast_tuning.c's
 * retire_tables). This process still runs the old sets: its next choice
 * must be added to the choices it already made, not start a table of one
 * line (every earlier geometry would be measured again). */
Test(conv_tuning, a_choice_added_after_the_table_was_removed_keeps_the_earlier_ones) {
  plant("0 3 1 1 2 2 4");
  vs_cl_device *d = device0();
  char *key = vs__conv_store_key(d), *path = vs__store_path(dir, key);
  cr_assert(key && path);
  cr_assert_eq(access(path, F_OK), 0, "the table is on disk: %s", path);
  cr_assert(vs__store_remove(dir, key));
  cr_assert_neq(access(path, F_OK), 0, "removed, as retire_tables does");
  plant_at("float32|f1,1,8,32|s1,1|d1,1|x1,9,9|p0,0,0,0", "4 8 2 1 4 0 1");
  char *c = choices();
  char want[256];
  snprintf(want, sizeof want, "%s -> direct strip rm3 nv1 u1 ly2 rh4 (4242.000 ms)\n", SMALL_GEOM);
  cr_assert(strstr(c, want), "the earlier choice stays: %s", c);
  snprintf(want, sizeof want, "%s -> pointwise", "float32|f1,1,8,32|s1,1|d1,1|x1,9,9|p0,0,0,0");
  cr_assert(strstr(c, want), "the new one is added: %s", c);
  free(c);
  cr_assert_eq(access(path, F_OK), 0, "written again, whole");
  free(key), free(path);
}

Test(conv_tuning, a_stored_choice_with_rows_round_trips_and_is_used) {
  /* A geometry's choice of the strip blocked across 4 rows (which 9 rows
   * do not fill) reads back as that set, and the conv runs it: equal to
   * the reference, the line unchanged (used, not measured again). */
  plant("0 3 1 1 2 2 4");
  char *c = choices();
  cr_assert_str_eq(c, "float32|f3,3,8,32|s1,1|d1,1|x1,9,9|p1,1,1,1 -> direct strip rm3 nv1 u1 ly2 rh4 (4242.000 ms)\n");
  check_conv_of(3);
  char *after = choices();
  cr_assert_str_eq(after, c, "the stored choice was used");
  free(c);
  free(after);
}

Test(conv_tuning, lines_of_the_previous_version_or_out_of_range_are_never_misread) {
  /* Version 5's six fields (no rows), rows on a form that has none, and
   * rows past VS_CONV_MAX_RH: none is read as a choice; the geometry is
   * measured afresh and its new line has the seven fields. */
  static const char *const BAD[] = {"0 8 1 1 2 2", "0 8 1 1 2 0 2", "0 8 1 1 2 1 4", "0 8 1 1 2 2 9",
                                    "0 8 1 1 2 2 0", "0 8 1 1 2 2 2 7"};
  for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
    plant(BAD[i]);
    char *c = choices();
    cr_assert_str_eq(c, "", "'%s' is not listed", BAD[i]);
    free(c);
  }
  check_conv_of(3);
  char *c = choices();
  cr_assert_not_null(strstr(c, "float32|f3,3,8,32|s1,1|d1,1|x1,9,9|p1,1,1,1 -> "), "measured again: %s", c);
  cr_assert_null(strstr(c, "4242.000 ms"), "the planted line was replaced: %s", c);
  free(c);
}

/* A geometry's choice is kept under the identity of the CLBlast sets in
 * use (the im2col route's GEMM may be CLBlast's): once a tuning run
 * changes them (here its Xgemm phase is skipped, the plan saying the size
 * runs XgemmDirect, which leaves CLBlast's generic Xgemm set in place of
 * its own), the choice planted before is not read (nor listed), and the
 * geometry is measured again; the tuner's set for the family, measured
 * against varscope's own kernels only, stays listed and read. */
Test(conv_tuning, a_choice_made_under_other_clblast_sets_is_not_read) {
  plant("0 3 1 1 2 2 4");
  plant_at(FAMILY, "0 4 2 2 1 2 1");
  char want[256], *c = choices();
  snprintf(want, sizeof want, "%s -> direct strip rm3 nv1 u1 ly2 rh4 (4242.000 ms)\n", SMALL_GEOM);
  cr_assert(strstr(c, want), "%s", c);
  free(c);
  vs_tune_result res;
  vs_status *st = vs_status_new();
  vs__device_tune_plan(0, &(vs__tune_plan){.n = 128, .path = VS__PATH_OTHER}, &(vs_tune_opts){.no_search = true}, &res,
                       st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_neq(res.xgemm.skipped[0], '\0');
  vs_status_free(st);
  c = choices();
  snprintf(want, sizeof want, "%s -> direct strip rm4 nv2 u2 ly1 (4242.000 ms)\n", FAMILY);
  cr_assert_str_eq(c, want, "under other sets: %s", c);
  free(c);
  stderr_capture cap = stderr_capture_begin();
  setenv("VARSCOPE_LOG", "conv", 1);
  check_conv_of(3);
  unsetenv("VARSCOPE_LOG");
  static char log[16384];
  stderr_capture_end(cap, log, sizeof log);
  snprintf(want, sizeof want, "varscope: conv2d %s on ", SMALL_GEOM);
  cr_assert(strstr(log, want), "measured again: %s", log);
  cr_assert(strstr(log, "direct strip rm4 nv2 u2 ly1 "), "the family's tuned set is timed: %s", log);
  c = choices();
  snprintf(want, sizeof want, "%s -> ", SMALL_GEOM);
  cr_assert(strstr(c, want), "%s", c);
  cr_assert_null(strstr(c, "rh4 (4242.000 ms)"), "%s", c);
  free(c);
}

/* ---- the pointwise route's lines (kind 4: rm, nv, ly, rw the input
 * prefetch's distance; conv2d.c) ---- */
static const char *const PW_GEOM = "float32|f1,1,8,32|s1,1|d1,1|x1,9,9|p0,0,0,0";

/* PW_GEOM's choice planted as `line` lists as "pointwise <name>", reads
 * back as that set and runs (check_conv_of: equal to the reference), the
 * line unchanged. */
static void check_stored_pointwise(const char *line, const char *name) {
  plant_at(PW_GEOM, line);
  char *c = choices(), want[160];
  snprintf(want, sizeof want, "%s -> pointwise %s (4242.000 ms)\n", PW_GEOM, name);
  cr_assert_str_eq(c, want);
  check_conv_of(1);
  char *after = choices();
  cr_assert_str_eq(after, c, "the stored choice was used");
  free(c);
  free(after);
}

Test(conv_tuning, a_stored_pointwise_choice_round_trips_and_is_used) {
  /* 8 pixels x 2 vectors, 4 items a group; 81 pixels: a shifted last
   * strip. */
  check_stored_pointwise("4 8 2 1 4 0 1", "rm8 nv2 ly4");
}

Test(conv_tuning, a_stored_prefetching_pointwise_choice_round_trips_and_is_used) {
  /* The same set prefetching its input two strips ahead (rw 2). */
  check_stored_pointwise("4 8 2 1 4 2 1", "rm8 nv2 ly4 pf2");
}

Test(conv_tuning, pointwise_lines_out_of_range_are_never_misread_and_selection_measures_it) {
  /* rm 0 and past 16, nv past 4, ly 0 and past 64, a prefetch distance
   * below 0 or past 4, a kind past the last: none is read as a choice. The geometry is then measured afresh (the
   * pointwise sets among its candidates), and whatever it keeps gives the
   * reference's numbers. */
  static const char *const BAD[] = {"4 0 2 1 4 0 1", "4 17 2 1 4 0 1", "4 8 5 1 4 0 1", "4 8 2 1 0 0 1",
                                    "4 8 2 1 65 0 1", "4 8 2 1 4 5 1", "4 8 2 1 4 -1 1", "5 8 2 1 4 0 1",
                                    "4 8 2 1 4 0"};
  for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
    plant_at(PW_GEOM, BAD[i]);
    char *c = choices();
    cr_assert_str_eq(c, "", "'%s' is not listed", BAD[i]);
    free(c);
  }
  check_conv_of(1);
  char *c = choices();
  cr_assert_not_null(strstr(c, "float32|f1,1,8,32|s1,1|d1,1|x1,9,9|p0,0,0,0 -> "), "measured again: %s", c);
  cr_assert_null(strstr(c, "4242.000 ms"), "the planted line was replaced: %s", c);
  free(c);
}

/* The pointwise kernel in the tuner: a 1x1 family (PW_GEOM's, 8 -> 32
 * channels on 1x9x9) and two pointwise sets {rm, nv, -, ly}: the 81
 * pixels leave both a shifted last strip. */
static const vs_conv_tune_opts PW_SMALL = {.c = 8, .k = 32, .kh = 1, .kw = 1, .n = 1, .h = 9, .w = 9, .budget_s = 240};
static const int PW_CANDIDATES[2][6] = {{8, 2, 1, 4, 0, 1}, {5, 1, 1, 2, 0, 1}};

static void tune_pointwise(injection *in, vs_conv_tune_result *res) {
  vs__conv_tune_plan plan = {.candidates = PW_CANDIDATES, .n_candidates = 2, .inject = inject, .user = in,
                             .pointwise = true};
  vs_status *st = vs_status_new();
  vs__device_tune_conv_plan(0, &plan, &PW_SMALL, res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_status_free(st);
}

Test(conv_tuning, wrong_result_pointwise_candidate_is_never_kept) {
  /* The first pointwise set's output is corrupted and timed 100x faster,
   * the second timed slower than the default: the wrong one is caught,
   * nothing is kept. */
  injection in = {.wrong_index = 0, .fast_index = -2};
  vs_conv_tune_result res;
  tune_pointwise(&in, &res);
  cr_assert_eq(in.calls, 3, "the default and both candidates ran and were checked");
  cr_assert_eq(res.tried, 2);
  cr_assert_eq(res.wrong, 1, "the corrupted output was caught");
  cr_assert_eq(res.failed, 0);
  cr_assert_not(res.stored);
  char *c = choices();
  cr_assert_null(strstr(c, "family float32|f1,1,8,32|s1,1|d1,1"), "nothing kept for the family: %s", c);
  free(c);
}

Test(conv_tuning, faster_correct_pointwise_candidate_is_kept_and_offered) {
  /* The second pointwise set correct and timed fastest: kept under the 1x1
   * family, and the family's geometry then measures it among its
   * candidates; whichever wins gives the reference's numbers. */
  injection in = {.wrong_index = -2, .fast_index = 1};
  vs_conv_tune_result res;
  tune_pointwise(&in, &res);
  cr_assert_eq(res.tried, 2);
  cr_assert_eq(res.wrong, 0);
  cr_assert(res.stored);
  cr_assert_str_eq(res.params, "pointwise rm=5 nv=1 ly=2");
  char *c = choices();
  cr_assert_not_null(strstr(c, "family float32|f1,1,8,32|s1,1|d1,1 -> pointwise rm5 nv1 ly2 ("), "%s", c);
  free(c);
  check_conv_of(1);
}

/* SAME geometry of a kh x kw, c -> k conv on 8 x 64 x 64 (conv_bench's). */
static vs_conv_geom same_geom(int64_t kh, int64_t kw, int64_t c, int64_t k) {
  vs_conv_geom g = {.N = 8, .H = 64, .W = 64, .C = c, .KH = kh, .KW = kw, .K = k, .SH = 1, .SW = 1, .DH = 1, .DW = 1,
                    .OH = 64, .OW = 64, .dtype = VS_FLOAT};
  g.PT = (kh - 1) / 2, g.PB = kh - 1 - g.PT, g.PL = (kw - 1) / 2, g.PR = kw - 1 - g.PL;
  return g;
}

/* Phase 1's register tiles of one form with nv 1 (VEC 16 on K 16): rm 2..16
 * step 2, at most max_rm, whose rm accumulators, filter vector and
 * broadcast fit the device's registers (conv_tune.c): all 8 with 32
 * registers (AVX-512), rm 2, 4 and 6 with AVX2's 8 float16s. */
static size_t nv1_tiles(int max_rm) {
  vs_status *st = vs_status_new();
  vs_cl_device *d = vs__device(0, st);
  cr_assert_not_null(d, "%s", vs_status_message(st));
  vs_conv_geom g = same_geom(3, 3, 4, 16);
  int regs = vs__conv_direct_registers(d, &g);
  size_t n = 0;
  for (int rm = 2; rm <= 16 && rm <= max_rm; rm += 2) n += rm + 1 <= regs - 1;
  vs_status_free(st);
  return n;
}

/* The real search over a family's parameter space (o, with no time
 * limit: the whole search runs), each candidate's whole output checked
 * against the host: none may be wrong or fail, and it tries `tried`
 * candidates, one progress line each plus the default's. */
static void search_verifies(vs_conv_tune_opts o, size_t tried) {
  o.progress = count_progress;
  o.budget_s = 1e9;
  vs_conv_tune_result res;
  vs_status *st = vs_status_new();
  vs_device_tune_conv(0, &o, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(res.wrong, 0);
  cr_assert_eq(res.failed, 0);
  cr_assert_eq(res.tried, tried, "tried %zu", res.tried);
  cr_assert_eq(progress_lines, (int)tried + 1, "one line per candidate, the default's place included: %d",
               progress_lines);
  vs_status_free(st);
}

Test(conv_tuning, every_candidate_of_the_search_verifies) {
  /* 3x3, 4 -> 16 channels (VEC 16, so only nv 1 fits) on 1x7x7.
   * Register tiles of the three forms with nv 1: 3 x nv1_tiles (3 x 8 on
   * AVX-512, 3 x 3 on AVX2), one of them the default (the strip at rm 8
   * or 4 with the nv that fits; not run again); then 3 unrollings x 5
   * work-group heights around the best tile, less the one phase 1 ran:
   * 14; then the fastest strip set across 2, 4 and 8 of the 7 output
   * rows: 3. */
  search_verifies((vs_conv_tune_opts){.c = 4, .k = 16, .kh = 3, .kw = 3, .n = 1, .h = 7, .w = 7},
                  3 * nv1_tiles(16) - 1 + 14 + 3);
}

Test(conv_tuning, every_candidate_of_a_strided_search_verifies) {
  /* The same family at stride 2 (4x4 outputs), where the strip sets run
   * the strided strip. Phase 1 as above but the strip's (rm - 1) x 2 + 3
   * input pixels within VS_CONV_STRIP_MAX_PX (24) leave it rm 2..10: 8 +
   * 8 + 5 sets on AVX-512 (3 + 3 + 3 on AVX2), one the default (the
   * strided strip); then 14 and 3 as above. */
  search_verifies((vs_conv_tune_opts){.c = 4, .k = 16, .kh = 3, .kw = 3, .n = 1, .h = 7, .w = 7, .stride = 2},
                  2 * nv1_tiles(16) + nv1_tiles(10) - 1 + 14 + 3);
}

Test(conv_tuning, every_candidate_of_a_1x1_search_verifies) {
  /* 1x1, 4 -> 16 channels on 1x7x7: the direct kernel's walk as in the
   * 3x3 search (23 + 14 + 3 on AVX-512), then the pointwise kernel's:
   * its tiles with nv 1 (VEC 16: nv 2 and 4 do not divide K) under the
   * same register rule, 8 on AVX-512, with 4 items a group, then 1, 2, 8
   * and 16 items around the best: 4. */
  search_verifies((vs_conv_tune_opts){.c = 4, .k = 16, .kh = 1, .kw = 1, .n = 1, .h = 7, .w = 7},
                  3 * nv1_tiles(16) - 1 + 14 + 3 + nv1_tiles(16) + 4);
}

Test(conv_tuning, bad_sizes_are_refused) {
  vs_conv_tune_result res;
  vs_status *st = vs_status_new();
  vs_device_tune_conv(0, &(vs_conv_tune_opts){.c = -1}, &res, st);
  expect_invalid(st, "vs_device_tune_conv: sizes must be 0 (the default) to 4096, got -1");
  vs_device_tune_conv(0, NULL, NULL, st);
  expect_invalid(st, "vs_device_tune_conv: res is NULL");
  vs_status_free(st);
}

Test(conv_tuning, a_damaged_store_entry_is_never_misread) {
  vs_status *st = vs_status_new();
  char *path = vs__conv_store_path(0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  /* A v1 choices file (plain text lines) and a torn store entry: neither
   * is read; the torn entry is removed. */
  char v1[512];
  snprintf(v1, sizeof v1, "%s/conv-choices-v1.txt", dir);
  const char *line = "anything|float32|x1,9,9,8|f3,3,32|s1,1|d1,1|p1,1,1,1\t0 6 2\t1.000 ms\n";
  write_file(v1, line, strlen(line));
  expect_torn_entry_removed(path, vs_device_conv_choices);
  cr_assert_eq(access(v1, F_OK), 0, "the old file is left alone");
  free(path);
  vs_status_free(st);
}

/* Which set the rounds keep: the lowest median, not the fastest single run
 * (a set with one lucky round and slow others loses), the one-launch direct
 * and pointwise sets winning within 3% of the im2col route's median, and
 * nothing when no set ran. Rounds not run hold -1. */
Test(conv_tuning, the_rounds_keep_the_lowest_median_a_one_launch_set_within_three_percent) {
  const vs_conv_algo D = VS_CONV_SET(VS_CONV_DIRECT, 8, 2, 1, 8, 2), P = VS_CONV_SET(VS_CONV_POINTWISE, 8, 2, 1, 4, 0),
                     I = VS_CONV_SET(VS_CONV_IM2COL, 0, 0, 0, 0, 0);
  enum { R = VS_CHOICE_ROUNDS_MAX };
  cr_assert_geq(R, 5);
  double costs[3 * R], cost = 0;
  for (int i = 0; i < 3 * R; i++) costs[i] = -1;
  /* The direct set's fastest run (1.0) is the lowest of all, its median
   * (1.5) is not: the pointwise set (median 1.2) wins. */
  const vs_conv_algo sets[3] = {D, P, I};
  const double d[5] = {1.0, 1.5, 1.6, 1.5, 1.4}, p[5] = {1.2, 1.3, 1.2, 1.1, 1.2}, im[5] = {1.3, 1.3, 1.3, 1.3, 1.3};
  for (int r = 0; r < 5; r++) costs[0 * R + r] = d[r], costs[1 * R + r] = p[r], costs[2 * R + r] = im[r];
  cr_assert_eq(vs__conv_refine_pick(sets, costs, 3, &cost), 1);
  cr_assert_float_eq(cost, 1.2, 1e-12);
  /* The im2col route's median 1.17 is under 3% below the pointwise set's
   * 1.2: the one-launch set stays. */
  for (int r = 0; r < 5; r++) costs[2 * R + r] = 1.17;
  cr_assert_eq(vs__conv_refine_pick(sets, costs, 3, &cost), 1);
  /* 1.15 is over 3% below it: the im2col route wins. */
  for (int r = 0; r < 5; r++) costs[2 * R + r] = 1.15;
  cr_assert_eq(vs__conv_refine_pick(sets, costs, 3, &cost), 2);
  cr_assert_float_eq(cost, 1.15, 1e-12);
  /* Two one-launch sets are equally simple: the lower median wins, even
   * within 3%. */
  for (int r = 0; r < 5; r++) costs[0 * R + r] = 1.19, costs[2 * R + r] = -1;
  cr_assert_eq(vs__conv_refine_pick(sets, costs, 3, &cost), 0);
  /* No set ran: none is picked. */
  for (int i = 0; i < 3 * R; i++) costs[i] = -1;
  cr_assert_geq(vs__conv_refine_pick(sets, costs, 3, NULL), 3);
}

/* Which sets selection times again in rounds: the direct, pointwise and
 * im2col sets within 1.5x of the best screening time, and a set of another
 * kind only when it won the screening; the fastest eight, in order of that
 * time; failed ones and slower ones never. */
Test(conv_tuning, the_sets_timed_in_rounds_are_the_close_one_launch_sets_fastest_first) {
  const vs_conv_algo D = VS_CONV_SET(VS_CONV_DIRECT, 8, 2, 1, 8, 2), P = VS_CONV_SET(VS_CONV_POINTWISE, 8, 2, 1, 4, 0),
                     I = VS_CONV_SET(VS_CONV_IM2COL, 0, 0, 0, 0, 0), C = VS_CONV_SET(VS_CONV_CONVGEMM, 0, 0, 0, 0, 0),
                     G = VS_CONV_SET(VS_CONV_IGEMM, 32, 32, 16, 4, 4);
  vs_conv_algo cands[12] = {D, P, I, C, G, D, D, P, D, D, D, D};
  double times[12] = {1.40, 1.00, 1.20, 1.00, 1.05, -1, 1.51, 1.10, 1.30, 1.35, 1.45, 1.25};
  int idx[VS_CHOICE_MAX_CANDS];
  cr_assert_eq(VS_CHOICE_MAX_CANDS, 8);
  /* Within 1.5: 1 (1.00), 3 (convgemm, 1.00: it won the screening with 1),
   * 7 (1.10), 2 (1.20), 11 (1.25), 8 (1.30), 9 (1.35), 0 (1.40), 10
   * (1.45, the ninth: out); 6 (1.51) is out, 5 failed, 4 is the implicit
   * GEMM behind the winner. */
  int m = vs__conv_refine_sets(cands, times, 12, 1.00, idx);
  const int want[8] = {1, 3, 7, 2, 11, 8, 9, 0};
  cr_assert_eq(m, 8);
  for (int k = 0; k < 8; k++) cr_assert_eq(idx[k], want[k], "place %d: %d, want %d", k, idx[k], want[k]);
  /* The implicit GEMM winning the screening is timed in the rounds too. */
  times[4] = 0.95;
  m = vs__conv_refine_sets(cands, times, 12, 0.95, idx);
  cr_assert_eq(m, 8);
  cr_assert_eq(idx[0], 4);
  times[4] = 1.05;
  /* A faster direct set pushes out the slowest; convgemm, no longer the
   * winner, leaves. */
  times[6] = 0.99;
  m = vs__conv_refine_sets(cands, times, 12, 0.99, idx);
  const int want2[8] = {6, 1, 7, 2, 11, 8, 9, 0};
  cr_assert_eq(m, 8);
  for (int k = 0; k < 8; k++) cr_assert_eq(idx[k], want2[k], "place %d: %d, want %d", k, idx[k], want2[k]);
  /* Nothing ran: nothing to refine. */
  cr_assert_eq(vs__conv_refine_sets(cands, times, 12, -1, idx), 0);
  /* Two close sets, the faster first. */
  cr_assert_eq(vs__conv_refine_sets(cands, times, 2, 1.00, idx), 2);
  cr_assert(idx[0] == 1 && idx[1] == 0);
}

/* The store's line carries VWM as a ninth field and reads back as
 * written; a line of the eight fields before it (a kernel since changed:
 * padded A rows, vector reads) does not parse, so that geometry is
 * measured again, and neither does a VWM outside 1, 2, 4. */
Test(conv_tuning, igemm_store_line_carries_vwm_and_an_older_line_is_measured_again) {
  vs_conv_algo a = {0};
  cr_assert(vs__conv_igemm_parse("3 64 64 16 8 8 4 1 4\t0.250 ms", &a));
  cr_assert(a.kind == VS_CONV_IGEMM && a.mwg == 64 && a.nwg == 64 && a.kwg == 16 && a.mdimc == 8 && a.ndimc == 8 &&
            a.vw == 4 && a.db == 1 && a.vwm == 4);
  char fields[64], name[64];
  vs__conv_igemm_fields(a, fields, sizeof fields);
  cr_assert_str_eq(fields, "3 64 64 16 8 8 4 1 4");
  vs__conv_igemm_name(a, name, sizeof name);
  cr_assert_str_eq(name, "igemm m64 n64 k16 d8x8 v4 db vm4");
  a.vwm = 1;
  vs__conv_igemm_name(a, name, sizeof name);
  cr_assert_str_eq(name, "igemm m64 n64 k16 d8x8 v4 db");
  vs_conv_algo b = {0};
  cr_assert_not(vs__conv_igemm_parse("3 64 64 16 8 8 4 1\t0.250 ms", &b));
  cr_assert_not(vs__conv_igemm_parse("3 64 64 16 8 8 4 1 3\t0.250 ms", &b));
  cr_assert_not(vs__conv_igemm_parse("3 32 64 16 16 8 4 1 4", &b)); /* MWG / MDIMC = 2 */
  cr_assert_eq(b.kind, 0, "a refused line leaves the set untouched");
}

Test(conv_tuning, the_direct_and_pointwise_sets_keep_their_accumulators_in_the_device_registers) {
  /* rm x nv accumulators, one tap's nv filter vectors and the broadcast
   * within the registers: 32 vectors of 16 floats on AVX-512 (and GPUs),
   * 16 of the native width elsewhere, so 8 float16s on AVX2, where the
   * AVX-512 default's 32 accumulators spilled (conv_select.c). */
  vs_status *st = vs_status_new();
  vs_cl_device *d = vs__device(0, st);
  cr_assert_not_null(d, "%s", vs_status_message(st));
  cl_uint w = 0;
  bool cpu = strcmp(d->info.type, "CPU") == 0;
  if (cpu) cr_assert_eq(clGetDeviceInfo(d->id, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, sizeof w, &w, NULL), CL_SUCCESS);
  if (cpu && !w) w = 1; /* a driver's 0, as conv_select.c reads it */
  const vs_conv_geom geoms[] = {same_geom(5, 5, 32, 32), same_geom(3, 3, 64, 64), same_geom(3, 3, 8, 8),
                                same_geom(3, 3, 4, 4), same_geom(3, 3, 48, 48)};
  for (size_t i = 0; i < sizeof geoms / sizeof *geoms; i++) {
    const vs_conv_geom *g = &geoms[i];
    int vec = vs__conv_direct_vec(g), regs = vs__conv_direct_registers(d, g);
    int want = !cpu || w >= 16 ? 32 : vec <= (int)w ? 16 : 16 * (int)w / vec;
    cr_assert_eq(regs, want, "K %lld (VEC %d), native width %u: %d registers", (long long)g->K, vec, w, regs);
    vs_conv_algo sets[16];
    size_t n = vs__conv_direct_sets(d, g, sets, 16);
    /* Besides the default, sets that run as they are named on g, even
     * where g's output channels are one vector (8, 4) or three (48), which
     * no wide variant's nv 2 or 4 divides (on AVX-512 CPUs and GPUs the
     * default alone was offered there). */
    size_t fitting = 0;
    for (size_t s = 1; s < n; s++) fitting += vs__conv_direct_fits(g, sets[s]);
    cr_assert_gt(n, 1, "the default and variants for K %lld", (long long)g->K);
    cr_assert_eq(fitting, n - 1, "K %lld: %zu of the %zu sets after the default fit it", (long long)g->K, fitting,
                 n - 1);
    vs_conv_algo def = vs__conv_default_direct(d);
    cr_assert_eq(memcmp(&sets[0], &def, sizeof def), 0, "the default first");
    for (size_t s = 0; s < n; s++) {
      for (size_t t = 0; t < s; t++)
        cr_assert_neq(memcmp(&sets[s], &sets[t], sizeof sets[s]), 0, "K %lld: set %zu repeats set %zu",
                      (long long)g->K, s, t);
      cr_assert_eq(sets[s].kind, VS_CONV_DIRECT);
      cr_assert_leq(sets[s].rm * sets[s].nv + sets[s].nv, regs - 1, "set %zu (rm%d nv%d) on K %lld: %d registers", s,
                    sets[s].rm, sets[s].nv, (long long)g->K, regs);
    }
  }
  /* The pointwise kernel's sets, on conv_bench's 1x1 64->256 (VEC 16). */
  vs_conv_geom pw = same_geom(1, 1, 64, 256);
  int regs = vs__conv_direct_registers(d, &pw);
  vs_conv_algo sets[8];
  size_t n = vs__conv_pointwise_sets(d, &pw, sets, 8);
  cr_assert_eq(n, 3);
  for (size_t s = 0; s < n; s++) {
    cr_assert_eq(sets[s].kind, VS_CONV_POINTWISE);
    cr_assert_leq(sets[s].rm * sets[s].nv + sets[s].nv, regs - 1, "pointwise set %zu (rm%d nv%d): %d registers", s,
                  sets[s].rm, sets[s].nv, regs);
  }
  vs_status_free(st);
}
