/* test_tuning.c - CLBlast GEMM tuning can never make a device slower or
 * wrong, and a stored tuning file is trusted only after it is validated.
 *
 * Tuning runs the real SGEMMs on the device; the internal plan
 * (runtime/clblast_tuning.h) supplies two candidate sets and fault
 * injection: a candidate whose result is wrong (and timed fastest), and one
 * no faster than CLBlast's own, must both be rejected. Each Test is its own
 * process (Criterion's workers), which matters: CLBlast's own parameters
 * can be measured only before anything replaces them in a process, and the
 * stored file is read when a process first uses the device.
 *
 * CLBlast's own tuner (clblast_tuner.cc, the search) is exercised for real
 * on PoCL at a fraction that samples one candidate (three compiles), and
 * through its error paths and an exception hook; its pick gets the same
 * net as every candidate. The XgemmDirect phase (CLBlast's kernel for
 * small GEMMs) has the same net, its own store entry and its own tests at
 * the end, with a plan at 128^3. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../engine/kernels/conv_tuning.h"
#include "../engine/kernels/gemm_tuning.h"
#include "../engine/runtime/clblast_tuning.h"
#include "../engine/runtime/clblast_tuner.h"
#include "../engine/runtime/kernel_cache_file.h"
#include "../engine/runtime/tuning_file.h"
#include "kernels/choice_table.h"
#include "kernels/conv_internal.h"     /* the default direct set */
#include "runtime/runtime_internal.h" /* vs__device */
#include "runtime/blas.h"
#include "runtime/tuning_store.h"
#include "support.h"

extern char **environ;

static char dir[256];

static void setup(void) {
  scratch_dir_new(dir, sizeof dir, "vs-tuning");
  setenv("VARSCOPE_CACHE_DIR", dir, 1); /* before any OpenCL call of this process */
}

static void teardown(void) {
  scratch_dir_remove(dir);
}

/* The real-search tests run CLBlast's tuner, which compiles its kernels in
 * PoCL: about 50 s of CPU each under ASan. On a busy 2-core machine that
 * took more than 300 s of wall time (make test at a load average of 24). */
TestSuite(tuning, .init = setup, .fini = teardown, .timeout = 900);

/* CLBlast's generic set and its Intel-CPU default: both valid everywhere. */
static const size_t SETS[2][16] = {
    {0, 1, 32, 2, 8, 8, 32, 16, 16, 32, 1, 1, 0, 0, 4, 2},
    {0, 1, 32, 2, 8, 8, 32, 8, 8, 64, 0, 0, 0, 0, 4, 4},
};
static const char *const SET0_TEXT = "GEMMK=0 KREG=1 KWG=32 KWI=2 MDIMA=8 MDIMC=8 MWG=32 NDIMB=16 NDIMC=16 NWG=32 "
                                     "SA=1 SB=1 STRM=0 STRN=0 VWM=4 VWN=2";
static const char *const SET1_TEXT = "GEMMK=0 KREG=1 KWG=32 KWI=2 MDIMA=8 MDIMC=8 MWG=32 NDIMB=8 NDIMC=8 NWG=64 SA=0 "
                                     "SB=0 STRM=0 STRN=0 VWM=4 VWN=4";

static char *path0(void) {
  vs_status *st = vs_status_new();
  char *p = vs__tuning_path(0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_status_free(st);
  return p;
}

static char *key0(void) {
  vs_status *st = vs_status_new();
  char *k = vs__tuning_key(0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_status_free(st);
  return k;
}

/* Stores text as device 0's entry in the keyed store at path: the store's
 * envelope (key, length, checksum) around the tuning file's text, as
 * vs_device_tune writes it; damage inside the text is the text's to find. */
static void write_entry_keyed(const char *skey, const char *path, const char *text, size_t n) {
  size_t len = 0;
  unsigned char *entry = vs__kernel_cache_encode(skey, (const unsigned char *)text, n, &len);
  cr_assert_not_null(entry);
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  cr_assert_eq(fwrite(entry, 1, len, f), len);
  fclose(f);
  free(entry);
}

static void write_entry(int kernel, const char *path, const char *text, size_t n) {
  vs_status *st = vs_status_new();
  char *skey = vs__tuning_store_key_k(0, kernel, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  write_entry_keyed(skey, path, text, n);
  free(skey);
  vs_status_free(st);
}

static void write_file(const char *path, const char *text, size_t n) { write_entry(0, path, text, n); }

/* A well-formed tuning file for device 0 holding v verified at n_at^3,
 * into buf. */
static size_t good_file_at(char *buf, size_t cap, const size_t v[16], size_t n_at) {
  char *key = key0();
  size_t n = vs__tuning_file_format(buf, cap, key, v, n_at, 50.0, 20.0);
  free(key);
  cr_assert(n > 0 && n < cap);
  return n;
}

/* The same at 1024^3. */
static size_t good_file(char *buf, size_t cap, const size_t v[16]) {
  char *key = key0();
  size_t n = vs__tuning_file_format(buf, cap, key, v, 1024, 50.0, 20.0);
  free(key);
  cr_assert(n > 0 && n < cap);
  return n;
}

/* Device 0's stored Xgemm set, read back: a whole keyed-store entry
 * holding a valid tuning file for this device; its set into v, the size
 * it was verified at returned. */
static size_t read_stored(size_t v[16]) {
  vs_status *st = vs_status_new();
  char *path = path0(), *key = key0(), *skey = vs__tuning_store_key(0, st);
  FILE *file = fopen(path, "rb");
  cr_assert_not_null(file, "nothing stored at %s", path);
  unsigned char entry[8192];
  size_t len = fread(entry, 1, sizeof entry, file), off = 0, n = 0, n_at = 0;
  fclose(file);
  cr_assert_eq(vs__kernel_cache_parse(entry, len, skey, &off, &n), VS_KC_OK, "a whole keyed-store entry");
  char why[200] = "";
  cr_assert(vs__tuning_file_parse_k(&vs__kernel_xgemm, (const char *)entry + off, n, key, v, &n_at, why, sizeof why),
            "%s", why);
  free(path), free(key), free(skey);
  vs_status_free(st);
  return n_at;
}

#define NONE (-99) /* -1 is CLBlast's own parameters */
typedef struct faults {
  double base;     /* CLBlast's own median seconds */
  int wrong;       /* candidate given a wrong entry and a 100x faster time; NONE: none */
  int slow;        /* candidate timed exactly as CLBlast's own */
  int fast;        /* candidate timed at half CLBlast's own */
  int calls;
} faults;

static void inject(void *user, int index, float *c, size_t n, double *seconds) {
  faults *f = user;
  f->calls++;
  if (index == -1) f->base = *seconds;
  if (index == f->wrong) {
    c[5 * n + 7] += 1.0f;
    *seconds /= 100;
  }
  if (index == f->slow) *seconds = f->base;
  if (index == f->fast) *seconds = f->base / 2;
}

static int progress_lines;
static void count_progress(void *user, size_t index, size_t count, const char *params, double gflops,
                           const char *verdict) {
  (void)user, (void)gflops, (void)verdict;
  /* CLBlast's own set comes first, as VS_NPOS (the count not known yet); then 0, 1. */
  cr_assert_eq(count, (size_t)(index == VS_NPOS ? 0 : 2));
  cr_assert_eq(index, progress_lines == 0 ? VS_NPOS : (size_t)progress_lines - 1, "progress out of order");
  cr_assert_str_eq(params, index == VS_NPOS ? "CLBlast's own parameters" : index == 0 ? SET0_TEXT : SET1_TEXT);
  progress_lines++;
}

Test(tuning, wrong_and_slower_candidates_are_never_kept) {
  /* A stored set from an earlier run: nothing beats CLBlast's own now, so
   * it must go too. */
  char *path = path0(), text[4096];
  write_file(path, text, good_file(text, sizeof text, SETS[1]));
  faults f = {.wrong = 0, .slow = 1, .fast = NONE};
  /* The plan says Xgemm runs at 1024^3 (PoCL's does; an NVIDIA GPU's runs
   * XgemmDirect there): the selection is tested, on any device. */
  vs__tune_plan plan = {.n = 1024, .candidates = SETS, .n_candidates = 2, .inject = inject, .user = &f,
                        .path = VS__PATH_RUNS};
  vs_status *st = vs_status_new();
  vs_tune_result res;
  progress_lines = 0;
  vs__device_tune_plan(0, &plan, &(vs_tune_opts){.progress = count_progress}, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(f.calls, 3, "CLBlast's own and both candidates must run");
  cr_assert_eq(progress_lines, 3);
  cr_assert_eq(res.xgemm.candidates, 2);
  cr_assert(res.xgemm.gflops_database > 0);
  cr_assert_eq(strncmp(res.xgemm.verdict[0], "wrong result: C[5,7] = ", 23), 0, "%s", res.xgemm.verdict[0]);
  cr_assert_eq(res.xgemm.gflops[0], 0.0, "a wrong set gets no speed");
  cr_assert_str_eq(res.xgemm.verdict[1], "correct, not 3% faster than CLBlast's own");
  cr_assert_float_eq(res.xgemm.gflops[1], res.xgemm.gflops_database, 1e-9 * res.xgemm.gflops_database);
  cr_assert(!res.xgemm.stored);
  cr_assert_str_eq(res.xgemm.params, "");
  cr_assert_eq(res.xgemm.gflops_best, 0.0);
  cr_assert_str_eq(res.xgemm.stored_at, path);
  cr_assert_eq(access(path, F_OK), -1, "the old stored set was not removed");
  vs_device_info in;
  vs_device_get_info(0, &in, st);
  cr_assert(!in.clblast_tuned);

  /* CLBlast's own set is gone from this process now: a second run cannot
   * measure it and says so. */
  vs__device_tune_plan(0, &plan, NULL, &res, st);
  cr_assert_eq(vs_status_code(st), VS_FAILED_PRECONDITION);
  cr_assert_str_eq(vs_status_message(st),
                   "CLBlast's own GEMM parameters for /device:CL:0 were already replaced in this process, so they "
                   "cannot be measured; tune in a fresh process");
  vs_status_free(st);
  free(path);
}

Test(tuning, faster_correct_candidate_is_stored_whole) {
  faults f = {.wrong = NONE, .slow = 0, .fast = 1};
  vs__tune_plan plan = {.n = 1024, .candidates = SETS, .n_candidates = 2, .inject = inject, .user = &f,
                        .path = VS__PATH_RUNS}; /* as wrong_and_slower_candidates_are_never_kept */
  vs_status *st = vs_status_new();
  vs_tune_result res;
  vs__device_tune_plan(0, &plan, NULL, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_str_eq(res.xgemm.verdict[0], "correct, not 3% faster than CLBlast's own");
  cr_assert_str_eq(res.xgemm.verdict[1], "kept");
  cr_assert(res.xgemm.stored);
  cr_assert_str_eq(res.xgemm.params, SET1_TEXT);
  cr_assert_float_eq(res.xgemm.gflops_best / res.xgemm.gflops_database, 2.0, 1e-9);
  char *path = path0();
  cr_assert_str_eq(res.xgemm.stored_at, path);
  size_t v[16];
  cr_assert_eq(read_stored(v), 1024, "the file records the size the set was verified at");
  cr_assert_eq(memcmp(v, SETS[1], sizeof v), 0);
  vs_device_info in;
  vs_device_get_info(0, &in, st);
  cr_assert(in.clblast_tuned);
  vs_status_free(st);
  free(path);
}

/* Reads the stored set the way every process does (at the device's first
 * use); returns whether it is in use, the note in note. */
static bool first_use(char *note, size_t cap) {
  vs_status *st = vs_status_new();
  vs_device_info in;
  vs_device_get_info(0, &in, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  /* vs_device_get_info does not make the device's queue; a first use of
   * the device does, and vs_device_conv_choices is the cheapest one. */
  vs_device_conv_choices(0, NULL, 0, st);
  vs_device_get_info(0, &in, st);
  vs_status_free(st);
  vs__clblast_tuning_note(0, note, cap);
  return in.clblast_tuned;
}

/* Writes a corrupt file, then checks it is refused with `why` and removed. */
static void refused(const char *text, size_t n, const char *why) {
  char *path = path0();
  write_file(path, text, n);
  char note[256];
  cr_assert(!first_use(note, sizeof note), "a corrupt tuning file was trusted");
  cr_assert_str_eq(note, why);
  cr_assert_eq(access(path, F_OK), -1, "the corrupt tuning file was left");
  free(path);
}

/* CLBlast's generic set with parameter `index` set to value, stored with a
 * valid key and checksum: only the constraint check can refuse it. */
static void refused_set(int index, size_t value, const char *why) {
  size_t v[16];
  memcpy(v, SETS[0], sizeof v);
  v[index] = value;
  char text[4096];
  refused(text, good_file(text, sizeof text, v), why);
}

Test(tuning, file_with_mwg_zero_is_refused) { refused_set(6, 0, "invalid parameters: MWG=0: must be 1..1024"); }

Test(tuning, file_with_mdimc_zero_is_refused) { refused_set(5, 0, "invalid parameters: MDIMC=0: must be 1..1024"); }

Test(tuning, file_breaking_a_tile_constraint_is_refused) { /* VWM=8: MDIMC*VWM = 64 does not divide MWG=32 */
  refused_set(14, 8, "invalid parameters: MWG=32 is not a multiple of MDIMC*VWM=8*8");
}

Test(tuning, file_with_bad_checksum_is_refused) {
  char text[4096];
  size_t n = good_file(text, sizeof text, SETS[0]);
  char *kwg = strstr(text, "KWG=32");
  cr_assert_not_null(kwg);
  memcpy(kwg, "KWG=16", 6); /* still a valid set: only the checksum tells */
  refused(text, n, "checksum mismatch (the file was altered or torn)");
}

Test(tuning, file_for_another_device_is_refused) {
  char text[4096];
  size_t n = vs__tuning_file_format(text, sizeof text, "another device|1.0|another platform", SETS[0], 1024, 50, 20);
  refused(text, n, "made for another device or driver");
}

Test(tuning, truncated_file_is_refused) {
  char text[4096];
  good_file(text, sizeof text, SETS[0]);
  char *measured = strstr(text, "measured ");
  cr_assert_not_null(measured);
  refused(text, (size_t)(measured - text) + 5, "truncated (no measured line)");
}

Test(tuning, old_format_file_is_refused) {
  const char *old = "pthread-cpu\n0 1 32 2 8 8 32 16 16 32 1 1 0 0 4 2\n";
  refused(old, strlen(old), "not a varscope tuning file of this version");
}

Test(tuning, torn_store_entry_is_refused) {
  /* The store's own envelope cut short: refused before the text is read. */
  char *path = path0(), text[4096];
  write_file(path, text, good_file(text, sizeof text, SETS[0]));
  cr_assert_eq(truncate(path, 40), 0);
  char note[256];
  cr_assert(!first_use(note, sizeof note), "a torn entry was trusted");
  cr_assert_str_eq(note, "a torn or altered store entry (its checksum does not match)");
  cr_assert_eq(access(path, F_OK), -1, "the torn entry was left");
  free(path);
}

Test(tuning, fifo_in_place_of_the_file_does_not_block) {
  char *path = path0();
  cr_assert_eq(mkfifo(path, 0644), 0);
  char note[256];
  cr_assert(!first_use(note, sizeof note));
  cr_assert_str_eq(note, "not a regular file, or larger than 4096 bytes");
  cr_assert_eq(access(path, F_OK), -1, "the FIFO was left in the cache");
  free(path);
}

/* C = A x B on device 0 for 1024 x 1024 inputs (the size that runs
 * CLBlast's Xgemm kernel), a[i,k] = ((i + 2k) % 7 - 3) / 4, b[k,j] = ((3k +
 * j) % 5 - 2) / 4: exact in float32. Checks every 97th entry. */
static void matmul_is_right(void) {
  const size_t n = 1024;
  float *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b);
  cr_assert(a && b);
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < n; k++) {
      a[i * n + k] = (float)((long)((i + 2 * k) % 7) - 3) / 4;
      b[i * n + k] = (float)((long)((3 * i + k) % 5) - 2) / 4;
    }
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_output x = vs_constant(g, a, VS_FLOAT, VS_SHAPE(1024, 1024), "a", st);
  vs_output y = vs_constant(g, b, VS_FLOAT, VS_SHAPE(1024, 1024), "b", st);
  vs_output z = vs_matmul(g, x, y, NULL, st);
  vs_session *s = vs_session_new(g, NULL, st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &z, &t, 1, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  const float *c = vs_tensor_data(t);
  for (size_t e = 0; e < n * n; e += 97) {
    size_t i = e / n, j = e % n;
    double want = 0;
    for (size_t k = 0; k < n; k++) want += (double)a[i * n + k] * b[k * n + j];
    cr_assert_float_eq(c[e], want, 1e-3, "C[%zu,%zu] = %g, want %g", i, j, (double)c[e], want);
  }
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
  free(a);
  free(b);
}

Test(tuning, mwg_zero_file_leaves_matmul_working) {
  size_t v[16];
  memcpy(v, SETS[0], sizeof v);
  v[6] = 0;
  char text[4096], *path = path0();
  write_file(path, text, good_file(text, sizeof text, v));
  matmul_is_right(); /* before: a crash inside CLBlast */
  char note[256];
  vs__clblast_tuning_note(0, note, sizeof note);
  cr_assert_str_eq(note, "invalid parameters: MWG=0: must be 1..1024");
  free(path);
}

static void zeros(void *user, float *c, size_t n) {
  (void)user;
  memset(c, 0, n * n * sizeof *c);
}

Test(tuning, stored_set_computing_zeros_is_dropped_at_first_gemm) {
  char text[4096], *path = path0();
  write_file(path, text, good_file(text, sizeof text, SETS[1]));
  char note[256];
  cr_assert(first_use(note, sizeof note), "a valid file was not taken up");
  vs__clblast_set_check_hook(zeros, NULL);
  matmul_is_right(); /* the check fails; CLBlast's generic set computes it */
  vs__clblast_set_check_hook(NULL, NULL);
  vs__clblast_tuning_note(0, note, sizeof note);
  cr_assert_eq(strncmp(note, "wrong result: C[0,0] = 0, want ", 31), 0, "%s", note);
  vs_status *st = vs_status_new();
  vs_device_info in;
  vs_device_get_info(0, &in, st);
  cr_assert(!in.clblast_tuned);
  cr_assert_eq(access(path, F_OK), -1, "the failing set was left on disk");
  vs_status_free(st);
  free(path);
}

Test(tuning, valid_stored_set_is_applied) {
  char text[4096], *path = path0();
  write_file(path, text, good_file(text, sizeof text, SETS[1]));
  matmul_is_right();
  char note[256];
  cr_assert(!vs__clblast_tuning_note(0, note, sizeof note), "%s", note);
  vs_status *st = vs_status_new();
  vs_device_info in;
  vs_device_get_info(0, &in, st);
  cr_assert(in.clblast_tuned);
  cr_assert_eq(access(path, F_OK), 0);
  vs_status_free(st);
  free(path);
}

/* A stored set whose first-GEMM check cannot run (here the device's memory
 * limit leaves no room for the check's three 4 MiB buffers beside the
 * matmul's own) is neither used unchecked nor discarded: the GEMMs run with
 * CLBlast's generic set, the file stays for a later process, and after
 * three tries this process says why it does not use it. Before, any failed
 * check deleted the file for good. */
Test(tuning, stored_set_whose_check_cannot_run_is_kept) {
  setenv("VARSCOPE_MEMORY_LIMIT", "20M", 1); /* before any OpenCL call of this process */
  /* Every MatMul through CLBlast (each one a try of the check): under this
   * limit the own packed kernels cannot allocate their panels, but the
   * in-place one can, and would be chosen after the first MatMul. */
  setenv("VARSCOPE_GEMM", "clblast", 1);
  char text[4096], *path = path0();
  write_file(path, text, good_file(text, sizeof text, SETS[1]));
  char note[256];
  cr_assert(first_use(note, sizeof note), "a valid file was not taken up: %s", note);
  for (int k = 0; k < 3; k++) matmul_is_right();
  vs__clblast_tuning_note(0, note, sizeof note);
  const char *want = "not used in this process: its check could not run (SGEMM failed: OOM when allocating tensor";
  cr_assert_eq(strncmp(note, want, strlen(want)), 0, "%s", note);
  vs_status *st = vs_status_new();
  vs_device_info in;
  vs_device_get_info(0, &in, st);
  cr_assert(!in.clblast_tuned);
  cr_assert_eq(access(path, F_OK), 0, "a set that could not be checked was discarded");
  vs_status_free(st);
  free(path);
}

Test(tuning, reset_removes_the_stored_set) {
  char text[4096], *path = path0();
  write_file(path, text, good_file(text, sizeof text, SETS[1]));
  char note[256];
  cr_assert(first_use(note, sizeof note));
  vs_status *st = vs_status_new();
  vs_device_tune_reset(0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(access(path, F_OK), -1);
  vs_device_info in;
  vs_device_get_info(0, &in, st);
  cr_assert(!in.clblast_tuned, "a reset set not yet applied must not be applied later");
  vs_device_tune_reset(0, st); /* nothing stored: still fine */
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_device_tune_reset(99, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  vs_status_free(st);
  free(path);
}

Test(tuning, null_result_is_invalid_argument) {
  vs_status *st = vs_status_new();
  vs_device_tune(0, NULL, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st), "vs_device_tune: result must not be NULL");
  vs_status_free(st);
}

/* ---- CLBlast's own tuner (clblast_tuner.cc) as the search ---- */

static int call_tuner(void *queue, size_t m, double fraction, vs_status *st) {
  char names[24][16];
  size_t values[24], count = 99;
  int clblast = queue ? vs__clblast_tuner(0, 0, m, 128, 128, fraction, names, values, 24, &count, st)
                      : vs__clblast_tuner_on(NULL, 0, m, 128, 128, fraction, names, values, 24, &count, st);
  cr_assert_eq(count, 0, "a failed call returns no parameters");
  return clblast;
}

Test(tuning, tuner_null_queue_bad_size_or_fraction_is_invalid_argument) {
  vs_status *st = vs_status_new();
  call_tuner(NULL, 128, 0.001, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st), "CLBlast's Xgemm tuner: the command queue must not be NULL");
  call_tuner((void *)1, 100, 0.001, st); /* device 0's queue */
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st), "CLBlast's Xgemm tuner needs m and n to be multiples of 128 (its largest "
                                          "tile), got 100 x 128");
  call_tuner((void *)1, 128, 0, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st), "CLBlast's Xgemm tuner: fraction must be in (0, 1] (got 0)");
  call_tuner((void *)1, 0, 0.5, st);
  cr_assert_str_eq(vs_status_message(st), "CLBlast's Xgemm tuner: m, n and k must be positive (got 0, 128, 128)");
  /* Through vs_device_tune: a size the search cannot take, before anything runs. */
  vs_tune_result res;
  vs_device_tune_ex(0, &(vs_tune_opts){.n = 200}, &res, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st),
                   "vs_device_tune: CLBlast's tuner needs a size that is a multiple of 128, got 200");
  vs_device_tune_ex(0, &(vs_tune_opts){.fraction = 1.5}, &res, st);
  cr_assert_str_eq(vs_status_message(st), "vs_device_tune: fraction must be in [0, 1], got 1.5");
  vs_status_free(st);
}

Test(tuning, tuner_exceptions_become_statuses) {
  static const struct {
    int kind;
    vs_code code;
    const char *message;
  } cases[] = {
      {1, VS_INTERNAL, "CLBlast's Xgemm tuner failed: injected failure"},
      {2, VS_RESOURCE_EXHAUSTED, "CLBlast's Xgemm tuner ran out of host memory"},
      {3, VS_INTERNAL, "CLBlast's Xgemm tuner failed: an exception that is not a std::exception"},
  };
  vs_status *st = vs_status_new();
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    vs__clblast_tuner_throw(cases[c].kind);
    call_tuner((void *)1, 128, 0.001, st);
    vs__clblast_tuner_throw(0);
    cr_assert_eq(vs_status_code(st), cases[c].code, "kind %d: %s", cases[c].kind, vs_status_message(st));
    cr_assert_str_eq(vs_status_message(st), cases[c].message);
  }
  vs_status_free(st);
}

Test(tuning, tuner_empty_sample_is_not_found) {
  /* A real CLBlast call (its reference kernel compiles and runs) on a
   * sample too small to hold one XgemmDirect candidate: NOT_FOUND, said. */
  char names[24][16];
  size_t values[24], count = 99;
  vs_status *st = vs_status_new();
  int clblast = vs__clblast_tuner(0, 1, 64, 64, 64, 1e-9, names, values, 24, &count, st);
  cr_assert_eq(vs_status_code(st), VS_NOT_FOUND, "%s", vs_status_message(st));
  cr_assert_eq(clblast, -2039, "CLBlast's kUnexpectedError: nothing in its sample worked");
  cr_assert_eq(count, 0);
  cr_assert_str_eq(vs_status_message(st), "CLBlast's XgemmDirect tuner found no working parameters in its sample (a "
                                          "fraction of 1e-09; CLBlast status -2039)");
  vs_status_free(st);
}

static int notes;
static char last_note[700];
static void count_notes(void *user, const char *line) {
  (void)user;
  notes++;
  snprintf(last_note, sizeof last_note, "%s", line);
}

/* A fraction of CLBlast's space small enough to sample one kernel-0
 * candidate and no kernel-1 one: three compiles, seconds. */
#define ONE_CANDIDATE 1.5e-5

Test(tuning, real_search_pick_is_verified_and_applied) {
  faults f = {.wrong = NONE, .slow = NONE, .fast = 0}; /* the pick, timed twice as fast: kept */
  /* At 128^3 PoCL runs XgemmDirect: the plan stands for a device that runs
   * Xgemm there (the search and the selection are what is tested; the
   * path check has tests of its own below), which keeps the run cheap. */
  vs__tune_plan plan = {.n = 128, .candidates = SETS, .n_candidates = 0, .search = true, .inject = inject,
                        .user = &f, .path = VS__PATH_RUNS};
  vs_status *st = vs_status_new();
  vs_tune_result res;
  notes = 0;
  vs__device_tune_plan(0, &plan, &(vs_tune_opts){.fraction = ONE_CANDIDATE, .note = count_notes}, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(res.xgemm.n, 128);
  cr_assert(res.xgemm.search_space > 10000, "CLBlast's Xgemm space: %zu", res.xgemm.search_space);
  cr_assert_eq(res.xgemm.searched, 1);
  cr_assert_float_eq(res.xgemm.fraction, ONE_CANDIDATE, 1e-12);
  cr_assert(res.xgemm.search_s > 0);
  cr_assert_eq(strncmp(res.xgemm.search, "GEMMK=0 KREG=1 ", 15), 0, "a kernel-0 pick: %s", res.xgemm.search);
  cr_assert_eq(res.xgemm.search_index, 0);
  cr_assert_eq(res.xgemm.stored_index, VS_NPOS);
  cr_assert_eq(res.xgemm.candidates, 1);
  cr_assert_str_eq(res.xgemm.verdict[0], "kept");
  cr_assert_str_eq(res.xgemm.params, res.xgemm.search);
  cr_assert(res.xgemm.stored);
  cr_assert_eq(notes, 3, "plan, the kernel-1 search's empty sample, outcome");
  cr_assert_eq(strncmp(last_note, "CLBlast's tuner took ", 21), 0, "%s", last_note);
  vs_device_info in;
  vs_device_get_info(0, &in, st);
  cr_assert(in.clblast_tuned, "the kept pick is in use in this process");

  /* Applied at start in a later run: stored whole for this device, and a
   * matmul under it in this process is right. */
  size_t v[16];
  char text[256];
  cr_assert_eq(read_stored(v), 128, "stored with the size it was verified at");
  vs__xgemm_text(text, sizeof text, v);
  cr_assert_str_eq(text, res.xgemm.search);
  vs_status_free(st);
}

static void wrong_pick(void *user, int index, float *c, size_t n, double *seconds) {
  (void)user;
  if (index == 0) { /* the search's pick: one wrong entry, timed 100x faster */
    c[3 * n + 9] -= 2.0f;
    *seconds /= 100;
  }
}

Test(tuning, wrong_result_from_the_search_is_never_kept) {
  vs__tune_plan plan = {.n = 128, .candidates = SETS, .n_candidates = 0, .search = true, .inject = wrong_pick,
                        .path = VS__PATH_RUNS}; /* as real_search_pick_is_verified_and_applied */
  vs_status *st = vs_status_new();
  vs_tune_result res;
  vs__device_tune_plan(0, &plan, &(vs_tune_opts){.fraction = ONE_CANDIDATE}, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(res.xgemm.search_index, 0);
  cr_assert_eq(strncmp(res.xgemm.verdict[0], "wrong result: C[3,9] = ", 23), 0, "%s", res.xgemm.verdict[0]);
  cr_assert_eq(res.xgemm.gflops[0], 0.0);
  cr_assert(!res.xgemm.stored);
  cr_assert_str_eq(res.xgemm.params, "");
  vs_device_info in;
  vs_device_get_info(0, &in, st);
  cr_assert(!in.clblast_tuned);
  vs_status_free(st);
}

static void break_pick(void *user, size_t *params) {
  (void)user;
  params[6] = 0; /* MWG=0: CLBlast would divide by zero */
}

Test(tuning, invalid_set_from_the_search_is_refused_before_it_runs) {
  vs__tune_plan plan = {.n = 128, .candidates = SETS, .n_candidates = 1, .search = true, .inject_search = break_pick,
                        .path = VS__PATH_RUNS}; /* as real_search_pick_is_verified_and_applied */
  vs_status *st = vs_status_new();
  vs_tune_result res;
  vs__device_tune_plan(0, &plan, &(vs_tune_opts){.fraction = ONE_CANDIDATE}, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(res.xgemm.search_index, 0);
  cr_assert_str_eq(res.xgemm.verdict[0], "invalid: MWG=0: must be 1..1024");
  cr_assert_eq(res.xgemm.candidates, 2, "the built-in set is still measured");
  vs_status_free(st);
}

Test(tuning, stored_set_is_measured_and_replaced_only_by_a_faster_one) {
  /* Stored SETS[0]; the list has SETS[1] only: the stored set joins the
   * candidates after it, and SETS[1] timed twice as fast as CLBlast's own
   * replaces it. */
  char *path = path0(), text[4096];
  write_file(path, text, good_file(text, sizeof text, SETS[0]));
  faults f = {.wrong = NONE, .slow = 1, .fast = 0};
  vs__tune_plan plan = {.n = 256, .candidates = SETS + 1, .n_candidates = 1, .inject = inject, .user = &f,
                        .path = VS__PATH_RUNS}; /* a device running Xgemm at 256^3: a cheap size here */
  vs_status *st = vs_status_new();
  vs_tune_result res;
  vs__device_tune_plan(0, &plan, NULL, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(res.xgemm.searched, 0, "no search in this plan");
  cr_assert_eq(res.xgemm.stored_index, 1);
  cr_assert_eq(res.xgemm.candidates, 2);
  cr_assert_str_eq(res.xgemm.verdict[1], "correct, not 3% faster than CLBlast's own");
  cr_assert_str_eq(res.xgemm.verdict[0], "kept");
  cr_assert_str_eq(res.xgemm.params, SET1_TEXT);
  vs_status_free(st);
  free(path);
}

/* A tuning run at 256^3 on a device running Xgemm there (the plan says
 * so; PoCL runs XgemmDirect there) in which SETS[1] is timed twice as fast
 * as CLBlast's own, with hook on the stored-set checks' results. */
static void tune_kept_at_256(void (*hook)(void *user, float *c, size_t n), vs_tune_result *res) {
  faults f = {.wrong = NONE, .slow = 0, .fast = 1};
  vs__tune_plan plan = {.n = 256, .candidates = SETS, .n_candidates = 2, .inject = inject, .user = &f,
                        .path = VS__PATH_RUNS};
  vs__clblast_set_check_hook(hook, NULL);
  vs_status *st = vs_status_new();
  vs__device_tune_plan(0, &plan, NULL, res, st);
  vs__clblast_set_check_hook(NULL, NULL);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_status_free(st);
}

static void break_check(void *user, float *c, size_t n) {
  (void)user, (void)n;
  c[0] += 3.0f; /* the 1024^3 check sees a wrong entry */
}

Test(tuning, set_kept_at_a_small_size_is_checked_at_1024_before_it_is_stored) {
  /* A set correct where it was timed can be wrong at another size (one
   * of CLBlast's tuner's picks was, at 1024^3): on a device running Xgemm
   * at 256^3 (the plan says so; PoCL runs XgemmDirect there) the faster
   * set is checked at 1024^3 too, and wrong there it is neither stored nor
   * used. */
  vs_status *st = vs_status_new();
  vs_tune_result res;
  tune_kept_at_256(break_check, &res);
  cr_assert_eq(strncmp(res.xgemm.verdict[1], "wrong at 1024^3: wrong result: C[0,0] = ", 40), 0, "%s",
               res.xgemm.verdict[1]);
  cr_assert_str_eq(res.xgemm.verdict[0], "correct, not 3% faster than CLBlast's own");
  cr_assert(!res.xgemm.stored);
  cr_assert_str_eq(res.xgemm.params, "");
  vs_device_info in;
  vs_device_get_info(0, &in, st);
  cr_assert(!in.clblast_tuned);
  vs_status_free(st);
}

Test(tuning, search_space_counts_follow_clblast_constraints) {
  /* Unlimited device: CLBlast 1.5.3's kernel-0 and kernel-1 spaces after
   * its constraints alone; limits only shrink them. */
  size_t k0 = vs__xgemm_search_space(false, 0, 0, 0, 0), k1 = vs__xgemm_search_space(true, 0, 0, 0, 0);
  cr_assert(k0 > 0 && k1 > 0);
  cr_assert(vs__xgemm_search_space(false, 256, 256, 256, 32768) < k0);
  cr_assert(vs__xgemm_search_space(true, 64, 64, 64, 0) < k1);
  /* A 1-work-item device fits none of kernel 0's (8x8 threads at least). */
  cr_assert_eq(vs__xgemm_search_space(false, 1, 1, 1, 0), 0);
  /* Kernel 1 uses no local memory: a tiny local memory changes nothing. */
  cr_assert_eq(vs__xgemm_search_space(true, 0, 0, 0, 16), k1);
}

/* ---- the `varscope tune` verb (tools/tune_cmd.c), run as a process ---- */

static char out[8192], err[8192];

/* Runs the tool with args (NULL-terminated, after "varscope"); returns its
 * exit status, stdout in out, stderr in err. This process makes no OpenCL
 * call first. */
static int tool(const char *const *args) {
  char out_path[300], err_path[300];
  snprintf(out_path, sizeof out_path, "%s.out", dir);
  snprintf(err_path, sizeof err_path, "%s.err", dir);
  char *argv[16] = {VS_TOOL};
  for (int i = 0; args[i] && i < 14; i++) argv[i + 1] = (char *)args[i];
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid;
  int rc = posix_spawn(&pid, VS_TOOL, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  cr_assert_eq(rc, 0, "posix_spawn failed");
  int status;
  waitpid(pid, &status, 0);
  const char *paths[2] = {out_path, err_path};
  char *bufs[2] = {out, err};
  for (int k = 0; k < 2; k++) {
    FILE *f = fopen(paths[k], "r");
    size_t n = f ? fread(bufs[k], 1, sizeof out - 1, f) : 0;
    bufs[k][n] = '\0';
    if (f) fclose(f);
    unlink(paths[k]);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

Test(tuning, cli_help_exits_0) {
  cr_assert_eq(tool((const char *[]){"tune", "--help", NULL}), 0);
  const char *first = "usage: varscope tune [--device N] [--json] [--size N] [--budget-s S] [--fraction F] "
                      "[--no-search]\n";
  cr_assert_eq(strncmp(out, first, strlen(first)), 0, "%s", out);
  cr_assert_str_eq(err, "");
}

Test(tuning, cli_usage_errors_exit_2) {
  cr_assert_eq(tool((const char *[]){"tune", "--bogus", NULL}), 2);
  cr_assert_eq(strncmp(err, "varscope tune: unexpected argument '--bogus'\nusage: varscope tune", 64), 0, "%s", err);
  cr_assert_eq(tool((const char *[]){"tune", "--device", NULL}), 2, "--device without a value");
  cr_assert_eq(tool((const char *[]){"tune", "--device", "GPU:x", NULL}), 2);
  cr_assert_str_eq(err, "varscope: cannot parse device name 'GPU:x' (want /device:TYPE:N)\n");
}

Test(tuning, cli_conv_stride_and_dilation_usage_errors_exit_2) {
  cr_assert_eq(tool((const char *[]){"tune", "--stride", "2", NULL}), 2);
  cr_assert_eq(strncmp(err, "varscope tune: --stride and --dilation belong to --conv\nusage: varscope tune", 74), 0,
               "%s", err);
  cr_assert_eq(tool((const char *[]){"tune", "--conv", "--stride", "2", NULL}), 2);
  cr_assert_str_eq(err, "varscope tune: --stride and --dilation apply to the family of --shape\n");
  const char *bad[] = {"0", "4097", "2x", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cr_assert_eq(tool((const char *[]){"tune", "--conv", "--shape", "8,32,3,3", "--dilation", bad[i], NULL}), 2);
    cr_assert_str_eq(err, "varscope tune: --stride and --dilation want a count of 1 to 4096\n", "'%s'", bad[i]);
  }
}

/* The family's stride and dilation reach the search: the default set (rm 8
 * nv 2 on AVX-512, rm 4 nv 1 on AVX2, a strip of one output row) reads
 * (rm - 1) x 8 + 3 = 59 or 27 input pixels a strip at stride 8, past
 * VS_CONV_STRIP_MAX_PX (24), and a strip cannot dilate, so both searches
 * start from the per-pixel form (rw=0), where stride 1 starts from the
 * strip (rw=2). */
static void tune_conv_family(const char *option, const char *value, const char *header, const char *dflt) {
  cr_assert_eq(tool((const char *[]){"tune", "--conv", "--shape", "8,32,3,3", "--size", "1,16,16", "--budget", "1",
                                     option, value, NULL}),
               0, "%s%s", out, err);
  char want[200];
  snprintf(want, sizeof want, "tuning conv2d %s (input 1x16x16) on /device:CL:0 [", header);
  cr_assert_eq(strncmp(out, want, strlen(want)), 0, "%s", out);
  cr_assert_not_null(strstr(out, dflt), "%s", out);
  cr_assert_not_null(strstr(out, " tried, 0 wrong, 0 failed\n"), "%s", out);
  cr_assert_null(strstr(out, "GFLOP/s, wrong"), "a candidate computed a wrong result: %s", out);
  /* The TF32 search's outcome, here that it did not run. */
  vs_status *st = vs_status_new();
  vs_device_info info;
  vs_device_get_info(0, &info, st);
  expect_ok(st);
  vs_status_free(st);
  if (!info.tf32_matrix_units)
    cr_assert_not_null(strstr(out, " failed\nTF32: not searched (the device has no TF32 matrix units)\n"), "%s", out);
}

Test(tuning, cli_conv_searches_the_family_of_its_stride_and_dilation) {
  vs_status *st = vs_status_new();
  vs_cl_device *d = vs__device(0, st);
  cr_assert_not_null(d, "%s", vs_status_message(st));
  vs_conv_algo def = vs__conv_default_direct(d);
  vs_status_free(st);
  cr_assert_eq(def.rw, VS_CONV_STRIP);
  cr_assert_gt((def.rm - 1) * 8 + 3, VS_CONV_STRIP_MAX_PX, "stride 8 must rule the strip out");
  char pixels[96], strip[96];
  snprintf(pixels, sizeof pixels, "\n  default rm=%d nv=%d uc=%d ly=%d rw=0: ", def.rm, def.nv, def.uc, def.ly);
  snprintf(strip, sizeof strip, "\n  default rm=%d nv=%d uc=%d ly=%d rw=2: ", def.rm, def.nv, def.uc, def.ly);
  tune_conv_family("--stride", "8", "3x3/8 8->32", pixels);
  tune_conv_family("--dilation", "2", "3x3 8->32 dilation 2", pixels);
  tune_conv_family("--stride", "1", "3x3 8->32", strip);
}

Test(tuning, cli_device_takes_an_index_cl_name_or_device_name) {
  char *path = path0(), text[4096];
  write_file(path, text, good_file(text, sizeof text, SETS[1]));
  cr_assert_eq(tool((const char *[]){"tune", "--device", "0", "--reset", "--json", NULL}), 0, "%s", err);
  cr_assert_str_eq(out, "{\"device\": \"/device:CL:0\", \"reset\": true}\n");
  cr_assert_eq(access(path, F_OK), -1, "--reset left the stored set");
  cr_assert_eq(tool((const char *[]){"tune", "--device", "CL:0", "--reset", NULL}), 0, "%s", err);
  cr_assert_eq(strncmp(out, "removed the stored CLBlast GEMM parameters of /device:CL:0 [", 60), 0, "%s", out);
  cr_assert_eq(tool((const char *[]){"tune", "--device=/device:CL:0", "--reset", NULL}), 0, "%s", err);
  cr_assert_eq(tool((const char *[]){"tune", "--device", "99", NULL}), 1);
  cr_assert_eq(strncmp(err, "varscope: no device 99 (", 24), 0, "%s", err);
  free(path);
}

Test(tuning, cli_json_reports_what_the_search_found) {
  /* 1024^3: PoCL runs Xgemm there (at 128^3 the phase is skipped: see
   * cli_xgemm_phase_at_a_size_running_xgemm_direct_is_skipped); an NVIDIA
   * GPU runs XgemmDirect (its threshold is 1472 and up) and the CLI has no
   * plan to say otherwise: the JSON is checked for whichever path the
   * probe found, as its "skipped" says. */
  cr_assert_eq(tool((const char *[]){"tune", "--json", "--size", "1024", "--fraction", "0.000015", "--no-builtin",
                                     NULL}),
               0, "%s", err);
  const char *head = "{\"device\": \"/device:CL:0\", \"device_name\": ";
  cr_assert_eq(strncmp(out, head, strlen(head)), 0, "%s", out);
  cr_assert_not_null(strstr(err, "  checking that SGEMM 1024^3 runs Xgemm: "), "%s", err);
  if (strstr(out, "\"n\": 1024, \"skipped\": \"SGEMM 1024^3 runs CLBlast's XgemmDirect kernel on this device")) {
    cr_assert_not_null(strstr(out, "\"n\": 1024, \"skipped\": \"SGEMM 1024^3 runs CLBlast's XgemmDirect kernel on "
                                   "this device, not Xgemm (the size is below CLBlast's indirect-size threshold "
                                   "here): no Xgemm set is timed or stored there\", \"search\": {\"sampled\": 0, "),
                       "%s", out);
    cr_assert_null(strstr(err, "  searching: CLBlast's tuner (TuneXgemm)"), "a skipped phase searches nothing: %s",
                   err);
  } else {
    cr_assert_not_null(strstr(out, "\"n\": 1024, \"skipped\": \"\", \"search\": {\"sampled\": 1, \"space\": "),
                       "%s", out);
    cr_assert_not_null(strstr(out, "\"fraction\": 1.5e-05, \"seconds\": "), "%s", out);
    cr_assert_not_null(strstr(out, "\"pick\": \"GEMMK=0 KREG=1 "), "%s", out);
    cr_assert_not_null(strstr(out, "\"candidates\": [{\"origin\": \"search\", \"gflops\": "), "%s", out);
    cr_assert_not_null(strstr(err, "  searching: CLBlast's tuner (TuneXgemm) at 256^3 over "), "%s", err);
    cr_assert_not_null(strstr(err, "  CLBlast's tuner took "), "%s", err);
    cr_assert_not_null(strstr(err, "  [1/1] GEMMK=0 KREG=1 "), "%s", err);
  }
  cr_assert_null(strstr(out, "\"origin\": \"built-in\""), "--no-builtin: %s", out);
  /* The XgemmDirect phase at its default 256^3 (XgemmDirect on PoCL), its
   * search at the same fraction sampling nothing of its smaller space. */
  cr_assert_not_null(strstr(out, "\"direct\": {\"n\": 256, \"skipped\": \"\", \"search\": {\"sampled\": 0, "), "%s",
                     out);
  /* Each phase says why a kept set was not stored ("" here: the scratch
   * cache directory is writable), the last field of each. */
  cr_assert_not_null(strstr(out, ", \"not_stored\": \"\", \"direct\": {"), "%s", out);
  const char *tail = ", \"not_stored\": \"\"}}\n";
  cr_assert(strlen(out) > strlen(tail) && strcmp(out + strlen(out) - strlen(tail), tail) == 0, "%s", out);
  cr_assert_not_null(strstr(err, "  CLBlast's own XgemmDirect parameters: "), "%s", err);
  cr_assert_not_null(strstr(err, "  searching: CLBlast's tuner (TuneXgemmDirect) at 256^3 over "), "%s", err);
}

Test(tuning, cli_direct_options_are_checked) {
  cr_assert_eq(tool((const char *[]){"tune", "--direct-size", "4096", NULL}), 2);
  cr_assert_str_eq(err, "varscope tune: --direct-size wants the XgemmDirect SGEMM size N (1..2048, a multiple of "
                        "64)\n");
  cr_assert_eq(tool((const char *[]){"tune", "--conv", "--no-direct", NULL}), 2);
  cr_assert_eq(strncmp(err, "varscope tune: --no-direct, --direct-size and --direct-budget-s belong to the CLBlast "
                            "tuning\nusage: ",
                       100),
               0, "%s", err);
}

/* ---- the XgemmDirect phase: CLBlast's kernel below its indirect-size
 * threshold (896^3 by default; PoCL's CPU device has no entry of its own),
 * tuned at 128^3 here. ---- */

/* CLBlast's generic XgemmDirect set and its Intel-CPU default. */
static const size_t DSETS[2][16] = {
    {2, 8, 8, 8, 8, 1, 1, 1, 1, 16},
    {2, 8, 8, 8, 8, 1, 1, 4, 4, 32},
};
static const char *const DSET1_TEXT = "KWID=2 MDIMAD=8 MDIMCD=8 NDIMBD=8 NDIMCD=8 PADA=1 PADB=1 VWMD=4 VWND=4 WGD=32";

static char *dpath0(void) {
  vs_status *st = vs_status_new();
  char *p = vs__tuning_path_k(0, 1, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_status_free(st);
  return p;
}

/* A well-formed XgemmDirect tuning file for device 0 holding v, verified
 * at n_at, into buf. */
static size_t good_direct(char *buf, size_t cap, const size_t v[16], size_t n_at) {
  char *key = key0();
  size_t n = vs__tuning_file_format_k(&vs__kernel_xgemm_direct, buf, cap, key, v, n_at, 50.0, 20.0);
  free(key);
  cr_assert(n > 0 && n < cap);
  return n;
}

static bool direct_in_use(char *note, size_t cap) {
  bool in_use = false;
  vs__clblast_tuning_note_k(0, 1, note, cap, &in_use);
  return in_use;
}

/* An Xgemm plan that only measures CLBlast's own Xgemm parameters (cheap
 * at 128^3; the plan says Xgemm runs there, so no probe compiles), with
 * the XgemmDirect phase's plan (whose path is checked on the device). */
static void tune_direct(faults *f, size_t n, size_t n_candidates, const vs_tune_opts *opts, vs_tune_result *res) {
  vs__tune_plan dp = {.n = n, .candidates = DSETS, .n_candidates = n_candidates, .inject = inject, .user = f};
  vs__tune_plan plan = {.n = 128, .candidates = SETS, .n_candidates = 0, .direct = &dp, .path = VS__PATH_RUNS};
  vs_status *st = vs_status_new();
  vs__device_tune_plan(0, &plan, opts, res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_status_free(st);
}

Test(tuning, direct_wrong_and_slower_candidates_are_never_kept) {
  /* A stored XgemmDirect set from an earlier run: nothing beats CLBlast's
   * own now, so it must go too. */
  char text[4096], *dpath = dpath0();
  write_entry(1, dpath, text, good_direct(text, sizeof text, DSETS[1], 128));
  faults f = {.wrong = 0, .slow = 1, .fast = NONE};
  vs_tune_result res;
  tune_direct(&f, 128, 2, NULL, &res);
  cr_assert_str_eq(res.direct.skipped, "", "128^3 runs XgemmDirect on PoCL");
  cr_assert_eq(res.direct.n, 128);
  cr_assert(res.direct.gflops_database > 0);
  cr_assert_eq(res.direct.candidates, 2, "the stored set is the second candidate");
  cr_assert_eq(res.direct.stored_index, 1);
  cr_assert_eq(strncmp(res.direct.verdict[0], "wrong result: C[5,7] = ", 23), 0, "%s", res.direct.verdict[0]);
  cr_assert_eq(res.direct.gflops[0], 0.0);
  cr_assert_str_eq(res.direct.verdict[1], "correct, not 3% faster than CLBlast's own");
  cr_assert(!res.direct.stored);
  cr_assert_str_eq(res.direct.params, "");
  cr_assert_eq(access(dpath, F_OK), -1, "the stored set slower than CLBlast's own was left");
  char note[256];
  cr_assert(!direct_in_use(note, sizeof note));
  free(dpath);
}

Test(tuning, direct_faster_correct_set_is_stored_whole) {
  faults f = {.wrong = NONE, .slow = 0, .fast = 1};
  vs_tune_result res;
  tune_direct(&f, 128, 2, NULL, &res);
  cr_assert_str_eq(res.direct.verdict[0], "correct, not 3% faster than CLBlast's own");
  cr_assert_str_eq(res.direct.verdict[1], "kept");
  cr_assert_str_eq(res.direct.params, DSET1_TEXT);
  cr_assert(res.direct.stored);
  cr_assert(!res.xgemm.stored, "the Xgemm phase had no candidate");
  vs_status *st = vs_status_new();
  char *dpath = dpath0(), *key = key0(), *skey = vs__tuning_store_key_k(0, 1, st);
  cr_assert_str_eq(res.direct.stored_at, dpath);
  FILE *file = fopen(dpath, "rb");
  cr_assert_not_null(file);
  unsigned char entry[8192];
  size_t len = fread(entry, 1, sizeof entry, file), off = 0, n = 0, v[16], n_at = 0;
  fclose(file);
  cr_assert_eq(vs__kernel_cache_parse(entry, len, skey, &off, &n), VS_KC_OK);
  char why[200] = "";
  cr_assert(vs__tuning_file_parse_k(&vs__kernel_xgemm_direct, (const char *)entry + off, n, key, v, &n_at, why,
                                    sizeof why),
            "%s", why);
  cr_assert_eq(memcmp(v, DSETS[1], sizeof v), 0);
  cr_assert_eq(n_at, 128, "the size it was verified at, where a later process checks it");
  char note[256];
  cr_assert(direct_in_use(note, sizeof note), "the kept set is in use in this process");
  free(dpath), free(key), free(skey);
  vs_status_free(st);
}

Test(tuning, direct_stored_set_is_applied_beside_an_xgemm_entry) {
  /* Both entries as today's code writes them: each read under its own key,
   * each checked at the first GEMM, both in use. */
  char text[4096], *path = path0(), *dpath = dpath0();
  write_file(path, text, good_file(text, sizeof text, SETS[1]));
  write_entry(1, dpath, text, good_direct(text, sizeof text, DSETS[1], 128));
  char note[256];
  cr_assert(first_use(note, sizeof note), "the Xgemm entry was not taken up: %s", note);
  cr_assert(direct_in_use(note, sizeof note), "the XgemmDirect entry was not taken up: %s", note);
  matmul_is_right();
  cr_assert(direct_in_use(note, sizeof note), "%s", note);
  cr_assert_str_eq(note, "");
  cr_assert(!vs__clblast_tuning_note(0, note, sizeof note), "%s", note);
  cr_assert_eq(access(path, F_OK), 0);
  cr_assert_eq(access(dpath, F_OK), 0);
  free(path), free(dpath);
}

Test(tuning, direct_stored_set_computing_zeros_is_dropped_at_first_gemm) {
  char text[4096], *dpath = dpath0();
  write_entry(1, dpath, text, good_direct(text, sizeof text, DSETS[1], 128));
  char note[256];
  cr_assert(first_use(note, sizeof note), "device info's clblast_tuned counts an XgemmDirect set too");
  cr_assert(direct_in_use(note, sizeof note), "a valid entry was not taken up: %s", note);
  vs__clblast_set_check_hook(zeros, NULL);
  matmul_is_right(); /* the check (at 128^3) fails; CLBlast's generic set computes it */
  vs__clblast_set_check_hook(NULL, NULL);
  cr_assert(!direct_in_use(note, sizeof note));
  cr_assert_eq(strncmp(note, "wrong result: C[0,0] = 0, want ", 31), 0, "%s", note);
  cr_assert_eq(access(dpath, F_OK), -1, "the failing set was left on disk");
  vs_status *st = vs_status_new();
  vs_device_info in;
  vs_device_get_info(0, &in, st);
  cr_assert(!in.clblast_tuned);
  vs_status_free(st);
  free(dpath);
}

/* Writes a damaged XgemmDirect entry; it is refused with `why` and
 * removed, and the Xgemm state is untouched by it. */
static void direct_refused(const char *text, size_t n, const char *why) {
  char *dpath = dpath0();
  write_entry(1, dpath, text, n);
  char note[256];
  first_use(note, sizeof note);
  cr_assert_str_eq(note, "", "the Xgemm note: %s", note);
  cr_assert(!direct_in_use(note, sizeof note), "a damaged XgemmDirect entry was trusted");
  cr_assert_str_eq(note, why);
  cr_assert_eq(access(dpath, F_OK), -1, "the damaged entry was left");
  free(dpath);
}

Test(tuning, direct_entry_with_wgd_zero_is_refused) {
  size_t v[16];
  memcpy(v, DSETS[0], sizeof v);
  v[9] = 0;
  char text[4096];
  direct_refused(text, good_direct(text, sizeof text, v, 128), "invalid parameters: WGD=0: must be 1..1024");
}

Test(tuning, direct_entry_breaking_a_tile_constraint_is_refused) {
  size_t v[16];
  memcpy(v, DSETS[0], sizeof v);
  v[7] = 4; /* VWMD=4: MDIMCD*VWMD = 32 does not divide WGD=16 */
  char text[4096];
  direct_refused(text, good_direct(text, sizeof text, v, 128),
                 "invalid parameters: WGD=16 is not a multiple of MDIMCD*VWMD=8*4");
}

Test(tuning, direct_entry_truncated_or_altered_is_refused) {
  char text[4096];
  size_t n = good_direct(text, sizeof text, DSETS[1], 128);
  char *size_line = strstr(text, "size 128\n");
  cr_assert_not_null(size_line);
  size_line[5] = '9'; /* size 928: the checksum no longer matches */
  direct_refused(text, n, "checksum mismatch (the file was altered or torn)");
}

Test(tuning, direct_entry_without_its_size_line_is_refused) {
  char text[4096];
  good_direct(text, sizeof text, DSETS[1], 128);
  char *size_line = strstr(text, "size 128\n");
  cr_assert_not_null(size_line);
  direct_refused(text, (size_t)(size_line - text), "truncated (no size line)");
}

Test(tuning, direct_entry_holding_an_xgemm_file_is_refused) {
  char text[4096];
  direct_refused(text, good_file(text, sizeof text, SETS[0]), "not a varscope tuning file of this version");
}

Test(tuning, direct_entry_above_2048_is_refused) {
  char text[4096];
  direct_refused(text, good_direct(text, sizeof text, DSETS[1], 4096),
                 "size 4096: above 2048, where CLBlast runs no XgemmDirect");
}

Test(tuning, direct_torn_store_entry_is_refused) {
  char text[4096], *dpath = dpath0();
  write_entry(1, dpath, text, good_direct(text, sizeof text, DSETS[1], 128));
  FILE *f = fopen(dpath, "r+b");
  cr_assert_not_null(f);
  fseek(f, -3, SEEK_END);
  fputc('#', f);
  fclose(f);
  char note[256];
  first_use(note, sizeof note);
  cr_assert(!direct_in_use(note, sizeof note));
  cr_assert_str_eq(note, "a torn or altered store entry (its checksum does not match)");
  cr_assert_eq(access(dpath, F_OK), -1);
  free(dpath);
}

Test(tuning, no_direct_skips_the_direct_phase) {
  char text[4096], *dpath = dpath0();
  write_entry(1, dpath, text, good_direct(text, sizeof text, DSETS[1], 128));
  faults f = {.wrong = NONE, .slow = NONE, .fast = 0};
  vs_tune_result res;
  tune_direct(&f, 128, 2, &(vs_tune_opts){.no_direct = true}, &res);
  cr_assert_str_eq(res.direct.skipped, "skipped: no_direct is set");
  cr_assert_eq(res.direct.n, 0);
  cr_assert_eq(res.direct.candidates, 0);
  cr_assert_eq(f.calls, 0, "no XgemmDirect set was run");
  cr_assert_eq(access(dpath, F_OK), 0, "a skipped phase leaves the stored set as it is");
  free(dpath);
}

Test(tuning, direct_phase_at_a_size_running_xgemm_is_skipped) {
  /* A device running Xgemm at 1024^3 (PoCL does: its threshold is 896 or
   * 576; an NVIDIA GPU's is 1472 and up, so the plan says it instead of
   * the probe): no XgemmDirect set is timed there. */
  faults f = {.wrong = NONE, .slow = NONE, .fast = 0};
  vs__tune_plan dp = {.n = 1024, .candidates = DSETS, .n_candidates = 1, .inject = inject, .user = &f,
                      .path = VS__PATH_OTHER};
  vs__tune_plan plan = {.n = 128, .candidates = SETS, .n_candidates = 0, .direct = &dp, .path = VS__PATH_RUNS};
  vs_status *st = vs_status_new();
  vs_tune_result res;
  vs__device_tune_plan(0, &plan, NULL, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_status_free(st);
  cr_assert_eq(f.calls, 1, "only CLBlast's own Xgemm parameters ran (the Xgemm phase's bar)");
  cr_assert_str_eq(res.direct.skipped,
                   "SGEMM 1024^3 runs CLBlast's Xgemm kernel on this device, not XgemmDirect (the size is at or "
                   "above CLBlast's indirect-size threshold here)");
  cr_assert_eq(res.direct.candidates, 0);
  cr_assert(!res.direct.stored);
}

Test(tuning, direct_size_out_of_range_is_invalid_argument) {
  vs_status *st = vs_status_new();
  vs_tune_result res;
  /* Above VS_TUNE_MAX_N the size line of the stored set could not hold it
   * (a set stored there was refused by the next process and deleted). */
  vs_device_tune_ex(0, &(vs_tune_opts){.n = 8320, .no_search = true, .no_direct = true}, &res, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st), "vs_device_tune: the size must be at most 8192, got 8320");
  vs_device_tune_ex(0, &(vs_tune_opts){.no_search = true, .direct_n = 4096}, &res, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st),
                   "vs_device_tune: the XgemmDirect size must be at most 2048 (CLBlast runs Xgemm above), got 4096");
  vs_device_tune_ex(0, &(vs_tune_opts){.n = 128, .direct_n = 100}, &res, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st),
                   "vs_device_tune: CLBlast's XgemmDirect tuner needs a size that is a multiple of 64, got 100");
  vs_status_free(st);
}

Test(tuning, direct_search_space_counts_follow_clblast_constraints) {
  size_t all = vs__xgd_search_space(0, 0, 0, 0);
  /* CLBlast's V=2 space has 4*3^5*4*4*2*2 = 62208 combinations; its
   * constraints keep fewer. */
  cr_assert(all > 0 && all < 62208, "%zu", all);
  cr_assert(vs__xgd_search_space(256, 256, 256, 0) < all, "256 work-items rule out 32x16");
  cr_assert(vs__xgd_search_space(0, 0, 0, 16384) < all, "16 KiB rule out WGD=64");
  cr_assert_eq(vs__xgd_search_space(32, 0, 0, 0), 0, "8x8 work-items at least");
  char why[160];
  cr_assert(vs__xgd_check(DSETS[1], 0, 0, why, sizeof why), "%s", why);
  cr_assert(!vs__xgd_check(DSETS[1], 32, 0, why, sizeof why));
  cr_assert_str_eq(why, "MDIMCD*NDIMCD=64 work-items exceed the device's 32");
}

Test(tuning, xgemm_phase_at_a_size_running_xgemm_direct_stores_nothing) {
  /* At 128^3 PoCL runs XgemmDirect (CLBlast's threshold is 896 or 576):
   * an Xgemm set timed there never runs, so its figures are noise. The
   * probe finds that out on the device; nothing but CLBlast's own bar is
   * timed, nothing stored, and the stored Xgemm set stays. */
  char *path = path0(), text[4096];
  write_file(path, text, good_file(text, sizeof text, SETS[0]));
  faults f = {.wrong = NONE, .slow = NONE, .fast = 1}; /* SETS[1] would be kept at twice the speed */
  vs__tune_plan plan = {.n = 128, .candidates = SETS, .n_candidates = 2, .inject = inject, .user = &f};
  vs_status *st = vs_status_new();
  vs_tune_result res;
  notes = 0;
  vs__device_tune_plan(0, &plan, &(vs_tune_opts){.note = count_notes}, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  const char *why = "SGEMM 128^3 runs CLBlast's XgemmDirect kernel on this device, not Xgemm (the size is below "
                    "CLBlast's indirect-size threshold here): no Xgemm set is timed or stored there";
  cr_assert_str_eq(res.xgemm.skipped, why);
  cr_assert_eq(res.xgemm.n, 128);
  cr_assert_eq(res.xgemm.candidates, 0);
  cr_assert_eq(f.calls, 1, "only CLBlast's own parameters ran (the bar)");
  cr_assert(!res.xgemm.stored);
  cr_assert_str_eq(res.xgemm.params, "");
  cr_assert_eq(res.xgemm.stored_index, VS_NPOS, "the stored set is not even measured");
  cr_assert_eq(notes, 2, "the check, the skip");
  char want[400];
  snprintf(want, sizeof want, "Xgemm phase skipped: %s", why);
  cr_assert_str_eq(last_note, want);
  cr_assert_eq(access(path, F_OK), 0, "a skipped phase leaves the stored set as it is");
  vs_device_info in;
  vs_device_get_info(0, &in, st);
  cr_assert(in.clblast_tuned, "the stored set, measured against nothing, stands for this process too");
  vs_status_free(st);
  free(path);
}

Test(tuning, plan_running_the_other_kernel_skips_the_xgemm_phase) {
  /* The plan's path hook: a device running XgemmDirect at 1024^3 (as most
   * NVIDIA GPUs do below 1472^3) skips the phase without a probe. */
  faults f = {.wrong = NONE, .slow = NONE, .fast = 1};
  vs__tune_plan plan = {.n = 1024, .candidates = SETS, .n_candidates = 2, .inject = inject, .user = &f,
                        .path = VS__PATH_OTHER};
  vs_status *st = vs_status_new();
  vs_tune_result res;
  vs__device_tune_plan(0, &plan, NULL, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_str_eq(res.xgemm.skipped,
                   "SGEMM 1024^3 runs CLBlast's XgemmDirect kernel on this device, not Xgemm (the size is below "
                   "CLBlast's indirect-size threshold here): no Xgemm set is timed or stored there");
  cr_assert_eq(res.xgemm.candidates, 0);
  cr_assert(!res.xgemm.stored);
  vs_status_free(st);
}

Test(tuning, cli_xgemm_phase_at_a_size_running_xgemm_direct_is_skipped) {
  cr_assert_eq(tool((const char *[]){"tune", "--size", "128", "--no-search", "--no-direct", NULL}), 0, "%s", err);
  cr_assert_not_null(strstr(out, "  Xgemm phase skipped: SGEMM 128^3 runs CLBlast's XgemmDirect kernel on this "
                                 "device, not Xgemm (the size is below CLBlast's indirect-size threshold here): no "
                                 "Xgemm set is timed or stored there\n"),
                     "%s", out);
  cr_assert_not_null(strstr(out, "\nXgemm: SGEMM 128^3 runs CLBlast's XgemmDirect kernel on this device, not Xgemm "
                                 "(the size is below CLBlast's indirect-size threshold here): no Xgemm set is timed "
                                 "or stored there; nothing stored, the stored Xgemm set (if any) is left as it is\n"),
                     "%s", out);
  cr_assert_null(strstr(out, "  [1/"), "no candidate was timed: %s", out);
}

/* The next step of Xgemm's two searches (10,000 + 1,000 candidates, a
 * reference run each) after 11 sampled at fraction 0.001 in 13 s (1 s a
 * candidate), under budget and cap: it starts, samples want (as CLBlast
 * floors each space's share of its fraction) and is estimated at est. */
static void two_space_step(double budget, double cap, size_t want, double est) {
  const size_t two[2] = {10000, 1000};
  double f = -1, e = -1;
  size_t more = 0;
  cr_assert(vs__search_next(two, 2, 11, 0.001, 13.0, 11, 13.0, budget, cap, &f, &more, &e), "budget %g", budget);
  cr_assert_eq(more, want, "budget %g, cap %g", budget, cap);
  cr_assert_float_eq(e, est, 1e-9, "budget %g", budget);
  cr_assert_eq((size_t)(10000 * f) + (size_t)(1000 * f), want, "CLBlast samples what was estimated: f = %g", f);
  cr_assert(cap == 0 || f <= cap);
}

Test(tuning, search_steps_start_only_when_their_estimate_fits_the_budget_left) {
  const size_t one[2] = {1000, 0}, two[2] = {10000, 1000};
  double f = -1, est = -1;
  size_t more = 99;
  /* The last call: 1 new candidate in 1 s, with its reference run 0.5 s
   * each. 3 s left: the sample doubles (to 3), estimated 0.5 x (3 + 1). */
  cr_assert(vs__search_next(one, 1, 1, 0.001, 1.0, 1, 1.0, 4.0, 0, &f, &more, &est));
  cr_assert_eq(more, 3);
  cr_assert_float_eq(est, 2.0, 1e-9);
  cr_assert_float_eq(f, 0.003, 1e-6);
  /* 1.5 s left: 2 candidates, estimated 1.5 s, just fit. */
  cr_assert(vs__search_next(one, 1, 1, 0.001, 1.0, 1, 1.0, 2.5, 0, &f, &more, &est));
  cr_assert_eq(more, 2);
  cr_assert_float_eq(est, 1.5, 1e-9);
  /* 1.2 s left: even one more (1.5 s) does not fit; nothing starts. */
  cr_assert(!vs__search_next(one, 1, 1, 0.001, 1.0, 1, 1.0, 2.2, 0, &f, &more, &est));
  cr_assert_eq(more, 0);
  cr_assert_eq(f, 0.0);
  /* The budget spent, or overrun by the last call: nothing starts. */
  cr_assert(!vs__search_next(one, 1, 1, 0.001, 1.0, 1, 4.0, 4.0, 0, &f, &more, &est));
  cr_assert(!vs__search_next(one, 1, 1, 0.001, 9.0, 1, 9.0, 4.0, 0, &f, &more, &est));
  /* A cheap last call (its kernels compiled by an earlier run): at most
   * doubling, whatever the budget. */
  cr_assert(vs__search_next(one, 1, 1, 0.001, 0.001, 1, 0.001, 100.0, 0, &f, &more, &est));
  cr_assert_eq(more, 3);
  /* The caller's fraction caps the sample; at the cap nothing starts. */
  cr_assert(vs__search_next(one, 1, 1, 0.001, 1.0, 1, 1.0, 100.0, 0.002, &f, &more, &est));
  cr_assert_eq(more, 2);
  cr_assert_float_eq(f, 0.002, 1e-12);
  cr_assert(!vs__search_next(one, 1, 2, 0.002, 1.0, 1, 1.0, 100.0, 0.002, &f, &more, &est));
  /* Xgemm's two searches (a reference run each): 11 sampled in 13 s, 1 s
   * a candidate; 47 s left allow doubling (to 2 x 11 + 2 = 24 = 22 + 2,
   * 26 s; 24 / 11000 of each space floors to 21 + 2, so the fraction is
   * raised to 22 / 10000), 17 s left only 15 (14 + 1, 17 s: the last step
   * takes all that is left; 15 / 11000 floors to 13 + 1, raised to
   * 14 / 10000). */
  two_space_step(60.0, 0, 24, 26.0);
  two_space_step(30.0, 0, 15, 17.0);
  /* 14 s left afford one candidate more (12 + 2 = 14 s); 12 / 11000 of
   * each space floors to the 11 sampled already: the step still starts. */
  two_space_step(27.0, 0, 12, 14.0);
  /* The raised fraction never passes the caller's: capped at 0.00115
   * (11 + 1) with 47 s left, or at 0.00105 (10 + 1, sampled already). */
  two_space_step(60.0, 0.00115, 12, 14.0);
  cr_assert(!vs__search_next(two, 2, 11, 0.001, 13.0, 11, 13.0, 60.0, 0.00105, &f, &more, &est));
}

/* The notes of a direct search: the steps started, and the note of a step
 * the stored price stopped. */
static int step_notes;
static char priced_note[640];
static void keep_step_notes(void *user, const char *line) {
  (void)user;
  if (strstr(line, "); now ")) step_notes++;
  if (strstr(line, "no next step: priced at")) snprintf(priced_note, sizeof priced_note, "%s", line);
}

static void slow_search(void *user, double *search_s) {
  (void)user;
  *search_s += 1000; /* each call of CLBlast's tuner as if it took 1000 s more */
}

/* The XgemmDirect phase alone at 128^3, its search on (each call's time
 * raised by add_s when not NULL) within budget seconds; it must run. */
static void direct_search(double budget, void (*add_s)(void *, double *), vs_tune_result *res) {
  vs__tune_plan dp = {.n = 128, .candidates = DSETS, .n_candidates = 0, .search = true, .inject_search_s = add_s};
  vs__tune_plan plan = {.n = 128, .candidates = SETS, .n_candidates = 0, .direct = &dp, .path = VS__PATH_RUNS};
  vs_status *st = vs_status_new();
  step_notes = 0;
  priced_note[0] = '\0';
  vs__device_tune_plan(0, &plan, &(vs_tune_opts){.direct_budget_s = budget, .note = keep_step_notes}, res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_str_eq(res->direct.skipped, "");
  vs_status_free(st);
}

Test(tuning, direct_search_stops_when_its_next_step_does_not_fit) {
  /* Driven by the plan: the first call (one candidate and its reference
   * run) seemingly took over 1000 s of a 1500 s budget, so about 500 s
   * each; the smallest next step (2 candidates and the reference run,
   * about 1500 s) does not fit the less than 500 s left and does not start. */
  vs_tune_result res;
  direct_search(1500, slow_search, &res);
  cr_assert_eq(res.direct.searched, 1);
  cr_assert(res.direct.search_s >= 1000);
  cr_assert_eq(step_notes, 0, "no step started");
}

/* ---- the stored cost of a candidate, which prices later runs' steps ---- */

Test(tuning, search_stores_what_a_candidate_cost) {
  /* The first call (one candidate and its reference run) as if it took
   * 1000 s more: over 500 s a candidate, stored under the search's size. */
  vs_tune_result res;
  cr_assert_eq(vs__clblast_search_cost(0, 1, 128), 0.0, "a fresh cache directory holds no cost");
  direct_search(1500, slow_search, &res);
  double per = vs__clblast_search_cost(0, 1, 128);
  cr_assert(per >= 500 && per <= res.direct.search_s / 2 + 1e-6, "stored %g s, the search took %g s", per,
            res.direct.search_s);
  cr_assert_eq(vs__clblast_search_cost(0, 0, 128), 0.0, "Xgemm's search did not run: nothing stored for it");
  cr_assert_eq(vs__clblast_search_cost(0, 1, 256), 0.0, "another size's cost is its own");
  /* That a cheaper run leaves a higher cost is
   * search_prices_its_steps_at_the_most_a_candidate_cost_here's (one
   * tuning run a process). */
}

Test(tuning, search_prices_its_steps_at_the_most_a_candidate_cost_here) {
  /* An earlier run measured 50 s a candidate; this run's first call, real
   * (seconds: a step of 3 candidates would fit the 120 s), is priced at
   * that: 3 candidates and the reference run, 200 s, do not fit, so no
   * step starts and the note says why. */
  cr_assert(vs__clblast_search_cost_put(0, 1, 128, 50));
  vs_tune_result res;
  direct_search(120, NULL, &res);
  cr_assert_eq(res.direct.searched, 1);
  cr_assert_eq(step_notes, 0, "no step started");
  cr_assert_not_null(strstr(priced_note, "CLBlast's XgemmDirect tuner: 1 candidate in "), "%s", priced_note);
  cr_assert_not_null(strstr(priced_note, " s each, below the stored price); no next step: priced at 50 s a "
                                         "candidate, the most a run measured here, none fits the "),
                     "%s", priced_note);
  cr_assert_float_eq(vs__clblast_search_cost(0, 1, 128), 50, 1e-9, "a cheaper run does not lower it");
}

Test(tuning, unreadable_stored_cost_is_as_if_none) {
  /* A payload that is not one positive whole number of microseconds and a
   * newline (the store's checksum holds: a writer's mistake, not a torn
   * file) prices nothing; the run's own measurement replaces it. */
  vs_status *st = vs_status_new();
  char *tkey = vs__tuning_key(0, st);
  cr_assert_not_null(tkey, "%s", vs_status_message(st));
  static const struct {
    const char *text;
    size_t len;
  } bad[] = {{"-3\n", 3},   {"nan\n", 4},  {"12", 2},     {"5 s\n", 4},   {"\n", 1},          {"inf\n", 4},
             {" 5\n", 3},   {"0x10\n", 5}, {"0\n", 2},     {"5.5\n", 4},   {"1\0" "2\n", 4},   {"+5\n", 3},
             {"1234567890123456\n", 17}};
  char ckey[1024];
  int klen = snprintf(ckey, sizeof ckey, "varscope clblast-search-cost 1\nXgemmDirect\n128\n%s\n", tkey);
  cr_assert(klen > 0 && (size_t)klen < sizeof ckey);
  for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
    cr_assert(vs__store_put(NULL, ckey, bad[b].text, bad[b].len));
    cr_assert_eq(vs__clblast_search_cost(0, 1, 128), 0.0, "payload %zu was read as a cost", b);
  }
  /* What a put writes: 7.25 s as 7250000 us; a lower cost is not put. */
  cr_assert(vs__clblast_search_cost_put(0, 1, 128, 7.25));
  cr_assert_float_eq(vs__clblast_search_cost(0, 1, 128), 7.25, 1e-9, "the key the test wrote is the one read");
  unsigned char *data = NULL;
  size_t n = 0;
  cr_assert_eq(vs__store_get(NULL, ckey, 64, &data, &n), VS_STORE_HIT);
  cr_assert(n == 8 && memcmp(data, "7250000\n", 8) == 0, "%.*s", (int)n, (const char *)data);
  free(data);
  cr_assert(!vs__clblast_search_cost_put(0, 1, 128, 3.0));
  cr_assert_float_eq(vs__clblast_search_cost(0, 1, 128), 7.25, 1e-9);
  free(tkey);
  vs_status_free(st);
}

Test(tuning, reset_removes_the_stored_costs) {
  /* `varscope tune --reset` is how a user undoes a price a loaded run set. */
  cr_assert(vs__clblast_search_cost_put(0, 1, 64, 9));
  cr_assert(vs__clblast_search_cost_put(0, 1, 192, 9));
  cr_assert(vs__clblast_search_cost_put(0, 0, 256, 9));
  vs_status *st = vs_status_new();
  vs_device_tune_reset(0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(vs__clblast_search_cost(0, 1, 64), 0.0);
  cr_assert_eq(vs__clblast_search_cost(0, 1, 192), 0.0);
  cr_assert_eq(vs__clblast_search_cost(0, 0, 256), 0.0);
  vs_status_free(st);
}

/* ---- the size a stored Xgemm set was verified at (issue 11 review) ---- */

static size_t check_sizes[4], check_count;
static void record_check_size(void *user, float *c, size_t n) {
  (void)user, (void)c;
  if (check_count < 4) check_sizes[check_count] = n;
  check_count++;
}

/* Stores SETS[1] as verified at n_at^3, then runs the first float32 GEMM
 * with hook on the check's result: the check must run once, at want^3.
 * Whether the set is in use after it; its note (if any) in note. */
static bool first_gemm_check(size_t n_at, void (*hook)(void *, float *, size_t), size_t want, char *note, size_t cap) {
  char text[4096], *path = path0();
  write_file(path, text, good_file_at(text, sizeof text, SETS[1], n_at));
  check_count = 0;
  vs__clblast_set_check_hook(hook, NULL);
  bool taken = first_use(note, cap);
  matmul_is_right(); /* the first GEMM: the check runs */
  vs__clblast_set_check_hook(NULL, NULL);
  cr_assert(taken, "a valid file was not taken up: %s", note);
  cr_assert_eq(check_count, 1);
  cr_assert_eq(check_sizes[0], want, "checked at %zu^3", check_sizes[0]);
  bool in_use = false;
  vs__clblast_tuning_note_k(0, 0, note, cap, &in_use);
  cr_assert_eq(access(path, F_OK), in_use ? 0 : -1, "the entry of a set %s",
               in_use ? "in use was removed" : "dropped was left");
  free(path);
  return in_use;
}

Test(tuning, stored_xgemm_set_is_checked_at_the_size_it_was_verified_at) {
  /* A later process checks the set where the tuning run verified it (and
   * its probe saw Xgemm run), not at a fixed 1024^3, which runs
   * XgemmDirect on NVIDIA GPUs and would check nothing there. */
  char note[256];
  cr_assert(first_gemm_check(256, record_check_size, 256, note, sizeof note), "%s", note);
  cr_assert_str_eq(note, "");
}

Test(tuning, kept_xgemm_set_records_the_size_it_was_verified_at) {
  /* Kept at 256^3 on a device running Xgemm there (the plan says so):
   * checked at 1024^3 too before it is stored (1024^3 runs Xgemm wherever
   * 256^3 does), and the file says 256, where a later process checks it. */
  check_count = 0;
  vs_status *st = vs_status_new();
  vs_tune_result res;
  tune_kept_at_256(record_check_size, &res);
  cr_assert(res.xgemm.stored);
  cr_assert_str_eq(res.xgemm.not_stored, "");
  cr_assert_eq(check_count, 1);
  cr_assert_eq(check_sizes[0], 1024);
  size_t v[16];
  cr_assert_eq(read_stored(v), 256);
  cr_assert_eq(memcmp(v, SETS[1], sizeof v), 0);
  vs_status_free(st);
}

/* A version-2 Xgemm file (no size line), checksum and all, for device 0. */
static size_t version2_file(char *buf, size_t cap) {
  char *key = key0(), params[512], body[1024];
  vs__xgemm_text(params, sizeof params, SETS[1]);
  int n = snprintf(body, sizeof body, "varscope clblast-xgemm 2\nkey %s\nparams %s\nmeasured 50.0 database 20.0\n",
                   key, params);
  cr_assert(n > 0 && (size_t)n < sizeof body);
  int m = snprintf(buf, cap, "%schecksum %016llx\n", body,
                   (unsigned long long)vs__fnv64(body, (size_t)n, VS_FNV_SEED));
  cr_assert(m > 0 && (size_t)m < cap);
  free(key);
  return (size_t)m;
}

Test(tuning, xgemm_file_of_version_2_is_refused_with_a_note) {
  /* Written before the probe: checked at 1024^3, which on an NVIDIA GPU
   * ran XgemmDirect, so nothing says it was ever verified where it runs. */
  char text[4096];
  refused(text, version2_file(text, sizeof text),
          "written by an earlier varscope, without the size its set was verified at (tune again)");
}

Test(tuning, xgemm_file_with_a_missing_or_altered_size_line_is_refused) {
  char text[4096], *key = key0(), why[200];
  size_t v[16], n_at, n = good_file(text, sizeof text, SETS[1]);
  char *size = strstr(text, "\nsize 1024\n");
  cr_assert_not_null(size, "%s", text);
  size++;
  cr_assert(vs__tuning_file_parse_k(&vs__kernel_xgemm, text, n, key, v, &n_at, why, sizeof why), "%s", why);
  cr_assert_eq(n_at, 1024);
  static const struct {
    const char *line, *why;
  } cases[] = {
      {"", "truncated (no size line)"},
      {"size 0\n", "malformed size line"},
      {"size 10x4\n", "malformed size line"},
      {"size 12345\n", "malformed size line"},
      {"size \n", "malformed size line"},
      {"size 1023\n", "checksum mismatch (the file was altered or torn)"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char bad[4096];
    size_t head = (size_t)(size - text), tail = n - head - strlen("size 1024\n");
    int m = snprintf(bad, sizeof bad, "%.*s%s%.*s", (int)head, text, cases[c].line, (int)tail,
                     size + strlen("size 1024\n"));
    cr_assert(m > 0);
    why[0] = '\0';
    cr_assert(!vs__tuning_file_parse_k(&vs__kernel_xgemm, bad, (size_t)m, key, v, &n_at, why, sizeof why),
              "case %zu was accepted", c);
    cr_assert_str_eq(why, cases[c].why, "case %zu", c);
  }
  /* Cut inside the size line: truncated there. */
  cr_assert(!vs__tuning_file_parse_k(&vs__kernel_xgemm, text, (size_t)(size - text) + 7, key, v, &n_at, why,
                                     sizeof why));
  cr_assert_str_eq(why, "truncated (no size line)");
  free(key);
  /* Through the device: refused at start, removed, noted. */
  char bad[4096];
  size_t head = (size_t)(size - text);
  int m = snprintf(bad, sizeof bad, "%.*s%s", (int)head, text, size + strlen("size 1024\n"));
  refused(bad, (size_t)m, "truncated (no size line)");
}

/* ---- GEMM choices measured under other CLBlast sets (issue 11 review; keyed by the sets, session 12) ---- */

#define CHOICE_LINE "nn|m6|n7|k5\t0 6 2 8 2 2 0\t1.000 ms\n"

static bool choice_listed(void) {
  vs_status *st = vs_status_new();
  char buf[2048];
  vs_device_gemm_choices(0, buf, sizeof buf, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_status_free(st);
  return strstr(buf, "nn|m6|n7|k5 -> ") != NULL;
}

static void plant_choice(void) {
  vs_status *st = vs_status_new();
  cr_assert(vs__gemm_table_write(0, "choice", CHOICE_LINE, st), "%s", vs_status_message(st));
  vs_status_free(st);
  cr_assert(choice_listed(), "the planted choice does not list");
}

/* The store entry of device 0's GEMM choice table: its key holds the
 * identity of the CLBlast sets in use (malloc'd). */
static char *choice_path(void) {
  vs_status *st = vs_status_new();
  char *p = vs__gemm_store_path(0, "choice", st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_status_free(st);
  return p;
}

/* The store entry of device 0's conv choice table, keyed by the CLBlast
 * sets in use as the GEMM's is (malloc'd). */
static char *conv_choice_path(void) {
  vs_status *st = vs_status_new();
  char *p = vs__conv_store_path(0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_status_free(st);
  return p;
}

static void plant_conv(const char *line) {
  vs_status *st = vs_status_new();
  cr_assert(vs__conv_plant_line(0, line, st), "%s", vs_status_message(st));
  vs_status_free(st);
}

Test(tuning, storing_a_set_hides_the_gemm_choices_measured_before) {
  /* The choices between the own kernels and CLBlast were timed under the
   * CLBlast sets of their day: under a newly stored set they are not
   * found (the table is keyed by the sets in use), and the tables made
   * under the stored sets of before (here CLBlast's own), the GEMM's and
   * the conv's, are removed from the store (tune13: no later process
   * reads them); the conv tuner's sets, not keyed by CLBlast's, stay. */
  plant_choice();
  plant_conv("float32|f3,3,8,32|s1,1|d1,1|x1,9,9|p1,1,1,1\t0 3 1 1 2 2 4\t1.000 ms");
  plant_conv("family float32|f3,3,8,32|s1,1|d1,1\t0 4 2 2 1 2 1\t1.000 ms");
  /* The conv gradients' table under CLBlast's own sets (identity 0). */
  vs_status *st = vs_status_new();
  vs_cl_device *d = vs__device(0, st);
  cr_assert_not_null(d, "%s", vs_status_message(st));
  char *grad_key = vs__clblast_table_key(d, VS_CLBLAST_TABLE_CONV_GRAD, 0), *grad_before = vs__store_path(dir, grad_key);
  static const char GRAD_LINE[] = "bpi|float32|f3,3,8,8|s1,1|d1,1|x2,9,9|p1,1,1,1\tgemm\t1.000 ms\n";
  cr_assert(vs__store_put(NULL, grad_key, GRAD_LINE, strlen(GRAD_LINE)));
  char *before = choice_path(), *conv_before = conv_choice_path();
  cr_assert_eq(access(before, F_OK), 0);
  cr_assert_eq(access(conv_before, F_OK), 0);
  cr_assert_eq(access(grad_before, F_OK), 0);
  /* The tuner's sets' table, by its name as the store holds it (the
   * listing below reads the memo, so the file itself is checked). */
  char *tuned_key = vs__choice_table_key(d, "conv-tuned 1"), *tuned = vs__store_path(dir, tuned_key);
  cr_assert_eq(access(tuned, F_OK), 0, "the family's tuned set is on disk: %s", tuned);
  faults f = {.wrong = NONE, .slow = NONE, .fast = 0};
  vs_tune_result res;
  tune_direct(&f, 128, 2, NULL, &res);
  cr_assert(res.direct.stored, "%s", res.direct.verdict[0]);
  cr_assert(!choice_listed(), "a choice measured under the old CLBlast set is still found");
  char *after = choice_path();
  cr_assert_str_neq(before, after);
  cr_assert_eq(access(before, F_OK), -1, "the GEMM choices made under the old sets stay in the store");
  cr_assert_eq(access(conv_before, F_OK), -1, "the conv choices made under the old sets stay in the store");
  cr_assert_eq(access(grad_before, F_OK), -1, "the conv gradients' choices made under the old sets stay");
  cr_assert_eq(access(tuned, F_OK), 0, "the conv tuner's sets were removed with the old sets' tables");
  char buf[2048];
  vs_device_conv_choices(0, buf, sizeof buf, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_str_eq(buf, "family float32|f3,3,8,32|s1,1|d1,1 -> direct strip rm4 nv2 u2 ly1 (1.000 ms)\n");
  vs_status_free(st);
  free(before);
  free(after);
  free(conv_before);
  free(grad_key);
  free(grad_before);
  free(tuned_key);
  free(tuned);
}

Test(tuning, reset_that_removed_nothing_keeps_the_gemm_choices) {
  plant_choice();
  vs_status *st = vs_status_new();
  vs_device_tune_reset(0, st); /* nothing stored: nothing changed */
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert(choice_listed(), "a reset that removed nothing hid the choices");
  char *path = choice_path();
  cr_assert_eq(access(path, F_OK), 0, "a reset that removed nothing removed the table");
  free(path);
  vs_status_free(st);
}

Test(tuning, reset_of_a_set_in_use_hides_the_gemm_choices_made_under_it) {
  char text[4096], note[256], *path = path0();
  write_file(path, text, good_file(text, sizeof text, SETS[1]));
  cr_assert(first_use(note, sizeof note), "a valid file was not taken up: %s", note);
  plant_choice(); /* made under the stored set */
  char *before = choice_path();
  cr_assert_eq(access(before, F_OK), 0);
  vs_status *st = vs_status_new();
  vs_device_tune_reset(0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert(!choice_listed(), "a choice made under the removed set is still found");
  cr_assert_eq(access(before, F_OK), -1, "the table of the removed set stays in the store");
  free(before);
  vs_status_free(st);
  free(path);
}

/* A tuning run at 128^3 on a device said to run XgemmDirect there: the
 * Xgemm phase is skipped after the bar (no XgemmDirect phase). */
static void tune_skipped_xgemm(void) {
  faults f = {.wrong = NONE, .slow = NONE, .fast = NONE};
  vs__tune_plan plan = {.n = 128, .candidates = SETS, .n_candidates = 0, .inject = inject, .user = &f,
                        .path = VS__PATH_OTHER};
  vs_status *st = vs_status_new();
  vs_tune_result res;
  vs__device_tune_plan(0, &plan, NULL, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_neq(res.xgemm.skipped[0], '\0');
  vs_status_free(st);
}

/* A run that stores and removes nothing leaves the choices made under
 * CLBlast's own sets for the processes that run them; this one runs
 * CLBlast's generic Xgemm set now (its own cannot be restored), so it
 * does not find them. */
Test(tuning, a_run_that_stores_and_removes_nothing_keeps_the_gemm_choices) {
  plant_choice();
  char *before = choice_path();
  tune_skipped_xgemm();
  cr_assert_eq(access(before, F_OK), 0, "a skipped run removed the choices");
  cr_assert(!choice_listed(), "a choice made under CLBlast's own Xgemm set is found under its generic one");
  free(before);
}

/* ---- why a kept set was not stored (tools/tune_cmd.c prints it) ---- */

Test(tuning, kept_set_without_a_cache_directory_says_so) {
  char note[256], file[300];
  first_use(note, sizeof note); /* the device made under the test's cache directory */
  snprintf(file, sizeof file, "%s/a-file", dir);
  FILE *f = fopen(file, "w");
  cr_assert_not_null(f);
  fclose(f);
  char under[320];
  snprintf(under, sizeof under, "%s/cache", file); /* under a regular file: no directory can be made */
  setenv("VARSCOPE_CACHE_DIR", under, 1);
  /* DSETS[1] timed as CLBlast's own: left to its real time it was kept
   * instead on a Zen 4 CPU (make test, 2026-12-01), where it ran over twice as fast as CLBlast's
   * AMD-CPU default at 128^3. */
  faults fl = {.wrong = NONE, .slow = 1, .fast = 0};
  vs_tune_result res;
  tune_direct(&fl, 128, 2, NULL, &res);
  setenv("VARSCOPE_CACHE_DIR", dir, 1);
  cr_assert(!res.direct.stored);
  cr_assert_str_eq(res.direct.verdict[0], "kept");
  cr_assert_str_eq(res.direct.not_stored, "no writable cache directory");
  cr_assert_str_eq(res.xgemm.not_stored, "", "nothing was kept in the Xgemm phase");
}

Test(tuning, kept_set_whose_entry_cannot_be_written_says_why) {
  /* A directory where the entry goes, not empty (an empty one is removed
   * and replaced): the store cannot rename its entry there, even as root. */
  char *dpath = dpath0(), inner[600];
  cr_assert_eq(mkdir(dpath, 0755), 0, "%s", dpath);
  snprintf(inner, sizeof inner, "%s/keep", dpath);
  FILE *k = fopen(inner, "w");
  cr_assert_not_null(k);
  fclose(k);
  faults f = {.wrong = NONE, .slow = NONE, .fast = 0};
  vs_tune_result res;
  tune_direct(&f, 128, 2, NULL, &res);
  cr_assert(!res.direct.stored);
  char want[600];
  snprintf(want, sizeof want, "cannot write %.120s: ", dpath);
  cr_assert_eq(strncmp(res.direct.not_stored, want, strlen(want)), 0, "%s", res.direct.not_stored);
  cr_assert_str_eq(res.direct.not_stored + strlen(want), "Directory not empty");
  unlink(inner);
  rmdir(dpath);
  free(dpath);
}

/* ---- the tuner's loose ends (session 12, helper tune12) ---- */

/* A set verified above 2048^3 is checked at 2048^3 at the first GEMM (an
 * 8192^3 SGEMM and 768 MiB at a user's first GEMM before): every size from
 * 2048 runs Xgemm wherever a larger one does (CLBlast 1.5.3's largest
 * indirect-size threshold is 1984). */
Test(tuning, stored_xgemm_set_verified_at_8192_is_checked_at_2048) {
  char note[256];
  cr_assert(first_gemm_check(8192, record_check_size, 2048, note, sizeof note), "%s", note);
  cr_assert_str_eq(note, "");
}

static void zeros_recording_size(void *user, float *c, size_t n) {
  record_check_size(user, c, n);
  zeros(user, c, n);
}

/* The bounded check still keeps a wrong set from ever being used. */
Test(tuning, stored_xgemm_set_verified_at_8192_computing_zeros_is_dropped) {
  char note[256];
  cr_assert(!first_gemm_check(8192, zeros_recording_size, 2048, note, sizeof note));
  cr_assert_eq(strncmp(note, "wrong result: C[0,0] = 0, want ", 31), 0, "%s", note);
}

/* At 2048^3 itself: checked there and applied. */
Test(tuning, stored_xgemm_set_verified_at_2048_is_checked_there_and_applied) {
  char note[256];
  cr_assert(first_gemm_check(2048, record_check_size, 2048, note, sizeof note), "%s", note);
  cr_assert_str_eq(note, "");
}

/* A tuning run whose Xgemm phase is skipped (the size runs XgemmDirect)
 * measured nothing against the stored Xgemm set: the set is used in that
 * process as in any other, after its check. Before, it was left unused. */
Test(tuning, skipped_xgemm_phase_leaves_the_stored_set_in_use) {
  char text[4096], *path = path0();
  write_file(path, text, good_file_at(text, sizeof text, SETS[1], 256));
  tune_skipped_xgemm();
  check_count = 0;
  vs__clblast_set_check_hook(record_check_size, NULL);
  matmul_is_right(); /* the next float32 GEMM checks and applies it */
  vs__clblast_set_check_hook(NULL, NULL);
  cr_assert_eq(check_count, 1, "the stored set was not checked");
  cr_assert_eq(check_sizes[0], 256);
  char note[256];
  bool in_use = false;
  cr_assert(!vs__clblast_tuning_note_k(0, 0, note, sizeof note, &in_use), "%s", note);
  cr_assert(in_use, "the stored set is unused after a skipped phase");
  cr_assert_eq(access(path, F_OK), 0);
  free(path);
}

/* The store entry a version-2 Xgemm file lived in: under its own key
 * (the store key starts with the file's first line), so never read. */
static char *version2_entry_path(void) {
  char *key = key0(), skey[1024], *p = malloc(400);
  int n = snprintf(skey, sizeof skey, "varscope clblast-xgemm 2\n%s\n", key);
  cr_assert(n > 0 && (size_t)n < sizeof skey && p);
  snprintf(p, 400, "%s/%016llx.bin", dir, (unsigned long long)vs__fnv64(skey, (size_t)n, VS_FNV_SEED));
  char text[4096];
  write_entry_keyed(skey, p, text, version2_file(text, sizeof text));
  free(key);
  return p;
}

/* After an upgrade the version-2 entry is dead weight in the cache
 * directory for good: removed when the store is read (the device's first
 * use) and by a reset. The version-3 entry beside it is untouched. */
Test(tuning, version_2_entry_is_removed_when_the_store_is_read) {
  char *old = version2_entry_path(), *path = path0(), text[4096];
  write_file(path, text, good_file(text, sizeof text, SETS[1]));
  cr_assert_eq(access(old, F_OK), 0);
  char note[256];
  cr_assert(first_use(note, sizeof note), "the version-3 entry was not taken up: %s", note);
  cr_assert_eq(access(old, F_OK), -1, "the version-2 entry was left in the store");
  cr_assert_eq(access(path, F_OK), 0, "the version-3 entry was removed");
  free(version2_entry_path()); /* again, then a reset */
  vs_status *st = vs_status_new();
  vs_device_tune_reset(0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(access(old, F_OK), -1, "a reset left the version-2 entry");
  vs_status_free(st);
  free(old);
  free(path);
}

/* Above 1024 a set used but not kept (no faster than CLBlast's own) was
 * verified in full at n, where the probe (here the plan) saw Xgemm run,
 * and no smaller size is known to run it: it is used in this process
 * without a second check, and nothing is stored. */
Test(tuning, set_used_but_not_kept_above_1024_is_used_without_a_second_check) {
  faults f = {.wrong = NONE, .slow = 0, .fast = NONE};
  vs__tune_plan plan = {.n = 1152, .candidates = SETS, .n_candidates = 1, .inject = inject, .user = &f,
                        .path = VS__PATH_RUNS};
  check_count = 0;
  vs__clblast_set_check_hook(record_check_size, NULL);
  vs_status *st = vs_status_new();
  vs_tune_result res;
  vs__device_tune_plan(0, &plan, NULL, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(res.xgemm.n, 1152);
  cr_assert_eq(res.xgemm.candidates, 1);
  cr_assert_str_eq(res.xgemm.verdict[0], "correct, not 3% faster than CLBlast's own");
  cr_assert(!res.xgemm.stored);
  matmul_is_right(); /* under the used set */
  vs__clblast_set_check_hook(NULL, NULL);
  cr_assert_eq(check_count, 0, "checked again at %zu^3", check_sizes[0]);
  char *path = path0();
  cr_assert_eq(access(path, F_OK), -1, "a set not kept was stored");
  bool in_use = true;
  vs__clblast_tuning_note_k(0, 0, NULL, 0, &in_use);
  cr_assert(!in_use, "a set not kept counts as a stored one in use");
  free(path);
  vs_status_free(st);
}
