/* test_conv_tf32.c - the TF32 implicit-GEMM conv2d
 * (cl_kernels/conv_igemm_tf32.cl, engine/kernels/conv_igemm_tf32.c) and
 * its place in the conv choice (conv_select.c): only for sessions with
 * tensor_float_32_execution on devices with TF32 matrix units (pretended
 * here: gemm_tuning.h's vs__tf32_units_pretend), under keys of its own.
 *
 * On PoCL the kernel runs with gemm_mma.cl's emulation of mma.sync
 * m16n8k8 .tf32 (mma_tf32.clh): the fragment layout and lane numbering of
 * the GPU, the instruction done through __local scratch.
 *
 * Tolerance (test_gemm_tf32.c's argument): the kernel rounds the input and
 * the filter to TF32 and sums the products in float32; a product of two
 * TF32 values is exact in float32, so against a double reference built
 * from the TF32-rounded inputs only the R = KH x KW x C additions and the
 * bias's err: 2 (R + 2) u x (sum of |products| + |bias|), u = 2^-24. And
 * somewhere the result must differ from the float32 reference by more
 * than 4 such bounds (the rounding really happened). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/kernels/conv_tuning.h"
#include "../engine/kernels/gemm_tuning.h"
#include "../engine/kernels/launch_grid.h"
#include "gemm_problem.h"
#include "tuning_support.h"
#include "varscope/nn.h"
#include "varscope/ops.h"
#include "varscope/session.h"

static char dir[256];

static void setup(void) {
  scratch_dir_new(dir, sizeof dir, "vs-ctf32");
  setenv("VARSCOPE_CACHE_DIR", dir, 1); /* before any OpenCL call of this process */
  unsetenv("VARSCOPE_CONV");
  unsetenv("VARSCOPE_GEMM");
}

static void teardown(void) {
  vs__tf32_units_pretend(0, false);
  scratch_dir_remove(dir);
}

/* Emulated instructions are slow (and slower under sanitizers); the sizes are small. */
TestSuite(conv_tf32, .init = setup, .fini = teardown, .timeout = 900);

static float tf32_host(float x) { /* test_gemm_tf32.c's: nearest, ties away from zero */
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  if ((u & 0x7f800000u) == 0x7f800000u) return x;
  uint32_t kept = (u & ~0x1fffu) + ((u & 0x1fffu) >= 0x1000u ? 0x2000u : 0);
  memcpy(&x, &kept, sizeof x);
  return x;
}

/* A conv2d layer: NHWC input, HWIO filter, its attributes and epilogue. */
typedef struct layer {
  int n, h, w, c, kh, kw, k, sh, sw, dh, dw;
  const char *padding;
  bool bias, relu;
} layer;

static int out_size(int in, int kern, int s, int d, const char *padding) {
  return strcmp(padding, "SAME") == 0 ? (in + s - 1) / s : (in - (kern - 1) * d + s - 1) / s;
}

typedef struct data {
  float *x, *f, *b;
  int oh, ow;
} data;

static data layer_data(const layer *L, unsigned salt) {
  data D = {malloc(sizeof(float) * L->n * L->h * L->w * L->c), malloc(sizeof(float) * L->kh * L->kw * L->c * L->k),
            malloc(sizeof(float) * L->k), out_size(L->h, L->kh, L->sh, L->dh, L->padding),
            out_size(L->w, L->kw, L->sw, L->dw, L->padding)};
  for (int i = 0; i < L->n * L->h * L->w * L->c; i++) D.x[i] = value((size_t)i, salt);
  for (int i = 0; i < L->kh * L->kw * L->c * L->k; i++) D.f[i] = value((size_t)i, salt + 1);
  for (int i = 0; i < L->k; i++) D.b[i] = value((size_t)i, salt + 2) * 0.25f;
  return D;
}

static void data_free(data *D) { free(D->x), free(D->f), free(D->b); }

/* Runs L on D through a session with the switch as given (epilogue fused
 * by the plan); returns the output (malloc'd) or NULL with *code set. */
static float *session_conv(const layer *L, const data *D, bool tf32, vs_code *code, char *msg, size_t cap) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_output x = vs_constant(g, D->x, VS_FLOAT, VS_SHAPE(L->n, L->h, L->w, L->c), "x", st);
  vs_output f = vs_constant(g, D->f, VS_FLOAT, VS_SHAPE(L->kh, L->kw, L->c, L->k), "f", st);
  vs_conv2d_opts o = {.strides = {1, L->sh, L->sw, 1}, .padding = L->padding, .dilations = {1, L->dh, L->dw, 1}};
  vs_output y = vs_conv2d(g, x, f, &o, st);
  if (L->bias) y = vs_bias_add(g, y, vs_constant(g, D->b, VS_FLOAT, VS_SHAPE(L->k), "b", st), NULL, st);
  if (L->relu) y = vs_relu(g, y, NULL, st);
  expect_ok(st);
  vs_session_opts opts = {.tensor_float_32_execution = tf32};
  vs_session *s = vs_session_new(g, &opts, st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &y, &t, 1, NULL, 0, st);
  float *out = NULL;
  if (code) *code = vs_status_code(st);
  if (msg) snprintf(msg, cap, "%s", vs_status_message(st));
  if (vs_status_code(st) == VS_OK) {
    size_t n = (size_t)L->n * D->oh * D->ow * L->k;
    out = malloc(n * sizeof *out);
    memcpy(out, vs_tensor_data(t), n * sizeof *out);
  }
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
  return out;
}

/* Checks got against the TF32 host reference within the bound; returns
 * how many elements are more than 4 bounds off the float32 reference. */
static int check_tf32(const layer *L, const data *D, const float *got, const char *what) {
  int pt = 0, pl = 0, differ = 0;
  if (strcmp(L->padding, "SAME") == 0) { /* TF's SAME: the smaller half before */
    int ph = (D->oh - 1) * L->sh + (L->kh - 1) * L->dh + 1 - L->h;
    int pw = (D->ow - 1) * L->sw + (L->kw - 1) * L->dw + 1 - L->w;
    pt = ph > 0 ? ph / 2 : 0, pl = pw > 0 ? pw / 2 : 0;
  }
  int R = L->kh * L->kw * L->c;
  for (int n = 0; n < L->n; n++)
    for (int oy = 0; oy < D->oh; oy++)
      for (int ox = 0; ox < D->ow; ox++)
        for (int o = 0; o < L->k; o++) {
          double w = 0, w32 = 0, mag = 0;
          for (int ky = 0; ky < L->kh; ky++)
            for (int kx = 0; kx < L->kw; kx++) {
              int iy = oy * L->sh + ky * L->dh - pt, ix = ox * L->sw + kx * L->dw - pl;
              if (iy < 0 || iy >= L->h || ix < 0 || ix >= L->w) continue;
              for (int c = 0; c < L->c; c++) {
                float xv = D->x[((n * L->h + iy) * L->w + ix) * L->c + c];
                float fv = D->f[((ky * L->kw + kx) * L->c + c) * L->k + o];
                w += (double)tf32_host(xv) * tf32_host(fv), w32 += (double)xv * fv, mag += fabs((double)xv * fv);
              }
            }
          double bias = L->bias ? D->b[o] : 0, bound = 2.0 * (R + 2) / (1 << 24) * (mag + fabs(bias));
          w += bias, w32 += bias;
          if (L->relu) w = w > 0 ? w : 0, w32 = w32 > 0 ? w32 : 0;
          float v = got[((size_t)(n * D->oh + oy) * D->ow + ox) * L->k + o];
          cr_assert_leq(fabs(v - w), bound, "%s: y[%d,%d,%d,%d] = %.9g, TF32 %.9g (bound %.3g)", what, n, oy, ox,
                        o, v, w, bound);
          if (L->relu) cr_assert(!signbit(v), "%s: relu gave %g", what, v);
          differ += fabs(v - w32) > 4 * bound;
        }
  return differ;
}

/* Odd sizes and every attribute: SAME with bias and relu; VALID with
 * strides 2 x 3; SAME with dilations 2 x 1 and a bias; a reduction of 180
 * (several slices of every set) at stride 2 with relu; a 1x1 layer; and
 * 20 output channels (a multiple of 4: the filter staged in float4 loads,
 * a 16-wide tile's second one partly past K). */
static const layer LAYERS[] = {
    {2, 7, 6, 5, 3, 3, 11, 1, 1, 1, 1, "SAME", true, true},  {1, 9, 8, 3, 3, 2, 13, 2, 3, 1, 1, "VALID", false, false},
    {1, 8, 9, 4, 3, 3, 9, 1, 1, 2, 1, "SAME", true, false},  {1, 5, 5, 20, 3, 3, 17, 2, 2, 1, 1, "SAME", false, true},
    {3, 4, 5, 7, 1, 1, 6, 1, 1, 1, 1, "VALID", true, true},  {2, 5, 6, 3, 3, 3, 20, 1, 1, 1, 1, "SAME", true, true},
};
#define NLAYERS (sizeof LAYERS / sizeof *LAYERS)

/* The kernel's defaults (conv_igemm_tf32.c), the smallest set, and one of
 * odd fragment counts with 64-deep slices. */
static const char *const SETS[] = {"2,2,2,4,16", "4,2,2,4,16", "1,1,2,2,16", "1,1,1,1,8", "2,1,1,3,64"};
#define NSETS (sizeof SETS / sizeof *SETS)

Test(conv_tf32, every_set_and_layer_against_the_tf32_host_reference) {
  int differ = 0;
  for (size_t s = 0; s < NSETS; s++)
    for (size_t l = 0; l < NLAYERS; l++) {
      char force[64], what[96], msg[400];
      snprintf(force, sizeof force, "igemm-tf32:%s", SETS[s]);
      snprintf(what, sizeof what, "set %s, layer %zu", SETS[s], l);
      data D = layer_data(&LAYERS[l], (unsigned)(20 + l));
      setenv("VARSCOPE_CONV", force, 1);
      vs_code code;
      float *got = session_conv(&LAYERS[l], &D, true, &code, msg, sizeof msg);
      unsetenv("VARSCOPE_CONV");
      cr_assert_eq(code, VS_OK, "%s: %s", what, msg);
      differ += check_tf32(&LAYERS[l], &D, got, what);
      free(got);
      data_free(&D);
    }
  cr_assert_gt(differ, 0, "every result looks like float32");
}

/* On a device taking fewer column tiles in one launch than the layer has
 * (pretended: 1 along dimension 1; a CUDA device takes 65535), the TF32
 * implicit GEMM, whose kernel places its tiles by get_group_id, is refused
 * before it runs, with the reason (kernels/launch_grid.h): layer 0's 11
 * output channels are two 8-wide tiles of set 1,1,1,1,8, its 84 rows six
 * 16-high ones, within the 8 pretended along dimension 0. */
Test(conv_tf32, a_launch_past_the_devices_groups_is_refused_with_the_reason) {
  const layer *L = &LAYERS[0];
  data D = layer_data(L, 41);
  setenv("VARSCOPE_CONV", "igemm-tf32:1,1,1,1,8", 1);
  vs__grid_caps_pretend(0, (const size_t[]){8, 1, 1});
  vs_code code;
  char msg[400];
  float *got = session_conv(L, &D, true, &code, msg, sizeof msg);
  vs__grid_caps_pretend(0, NULL);
  unsetenv("VARSCOPE_CONV");
  cr_assert_null(got);
  cr_assert_eq(code, VS_UNIMPLEMENTED, "%s", msg);
  cr_assert_str_eq(msg, "conv2d (igemm-tf32): 2 work-groups along dimension 1 exceed the 1 that /device:CL:0 runs in "
                        "one launch; this kernel cannot be cut there");
  data_free(&D);
}

/* The bare form runs the first default; a session without the switch is
 * not forced: it gets what it gets unforced (the float32 choice, kept by
 * the first run), bit for bit. */
Test(conv_tf32, forced_only_for_sessions_with_the_switch) {
  const layer *L = &LAYERS[0];
  data D = layer_data(L, 40);
  float *plain = session_conv(L, &D, false, NULL, NULL, 0);
  setenv("VARSCOPE_CONV", "igemm-tf32", 1);
  float *off = session_conv(L, &D, false, NULL, NULL, 0), *on = session_conv(L, &D, true, NULL, NULL, 0);
  unsetenv("VARSCOPE_CONV");
  cr_assert(plain && off && on);
  size_t n = (size_t)L->n * D.oh * D.ow * L->k;
  cr_assert_eq(memcmp(plain, off, n * sizeof *plain), 0, "a session without the switch was forced");
  cr_assert_gt(check_tf32(L, &D, on, "igemm-tf32"), 0, "the forced run looks like float32");
  free(plain), free(off), free(on);
  data_free(&D);
}

/* y = conv2d(x, f) in float64, 1 x 6 x 5 x 3 by 3 x 3 x 3 x 4, SAME,
 * through a session with the switch on; returns y (malloc'd, 120). */
static double *session_conv_f64(void) {
  static double x[6 * 5 * 3], f[3 * 3 * 3 * 4];
  for (size_t i = 0; i < sizeof x / sizeof *x; i++) x[i] = value(i, 50);
  for (size_t i = 0; i < sizeof f / sizeof *f; i++) f[i] = value(i, 51);
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_output xi = vs_constant(g, x, VS_DOUBLE, VS_SHAPE(1, 6, 5, 3), "x", st);
  vs_output fi = vs_constant(g, f, VS_DOUBLE, VS_SHAPE(3, 3, 3, 4), "f", st);
  vs_output y = vs_conv2d(g, xi, fi, &(vs_conv2d_opts){.padding = "SAME"}, st);
  vs_session *s = vs_session_new(g, &(vs_session_opts){.tensor_float_32_execution = true}, st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &y, &t, 1, NULL, 0, st);
  expect_ok(st);
  double *out = malloc(120 * sizeof *out);
  memcpy(out, vs_tensor_data(t), 120 * sizeof *out);
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
  return out;
}

/* TF32 is a float32 matter (TF's switch leaves float64 alone): a float64
 * conv of a session with the switch is not forced, and gets the bits it
 * gets unforced. */
Test(conv_tf32, float64_convs_are_not_forced) {
  double *plain = session_conv_f64();
  setenv("VARSCOPE_CONV", "igemm-tf32", 1);
  double *forced = session_conv_f64();
  unsetenv("VARSCOPE_CONV");
  cr_assert_eq(memcmp(plain, forced, 120 * sizeof *plain), 0, "a float64 conv took the TF32 kernel");
  free(plain), free(forced);
}

/* A malformed setting is refused, with the setting and the accepted form,
 * whatever the switch; a name that only starts like it is an unknown one. */
Test(conv_tf32, malformed_setting_refused) {
  static const char *const BAD[] = {"igemm-tf32:1,1,1,1", "igemm-tf32:1,1,1,1,12", "igemm-tf32:4,5,1,1,8",
                                    "igemm-tf32:1,1,9,1,8", "igemm-tf32:1,1,1,1,8,", "igemm-tf32x"};
  const layer *L = &LAYERS[0];
  data D = layer_data(L, 41);
  for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++)
    for (int tf32 = 0; tf32 <= 1; tf32++) {
      char msg[512], want[512];
      vs_code code;
      setenv("VARSCOPE_CONV", BAD[i], 1);
      float *got = session_conv(L, &D, tf32, &code, msg, sizeof msg);
      unsetenv("VARSCOPE_CONV");
      cr_assert_null(got, "%s accepted", BAD[i]);
      cr_assert_eq(code, VS_INVALID_ARGUMENT, "%s: %d", BAD[i], code);
      if (strcmp(BAD[i], "igemm-tf32x") == 0)
        snprintf(want, sizeof want,
                 "VARSCOPE_CONV='%s': " CONV_FORCE_USAGE,
                 BAD[i]);
      else
        snprintf(want, sizeof want,
                 "VARSCOPE_CONV='%s': igemm-tf32:WM,WN,FM,FN,KS wants WM x WN 1-16, FM and FN 1-8, KS 8, 16, 32 or 64",
                 BAD[i]);
      cr_assert(strstr(msg, want), "%s (switch %d): %s\nwant: %s", BAD[i], tf32, msg, want);
    }
  data_free(&D);
}

/* The session's conv step through VARSCOPE_LOG=conv: the line of the
 * choice made (empty when none was measured). */
static void logged_conv(const layer *L, const data *D, bool tf32, char *log, size_t cap) {
  stderr_capture c = stderr_capture_begin();
  setenv("VARSCOPE_LOG", "conv", 1);
  float *got = session_conv(L, D, tf32, NULL, NULL, 0);
  unsetenv("VARSCOPE_LOG");
  stderr_capture_end(c, log, cap);
  cr_assert_not_null(got, "%s", log);
  free(got);
}

/* A TF32 record under a plain geometry key (only a damaged or hand-edited
 * store has one) is not taken by a float32 session, which chooses anew. */
Test(conv_tf32, tf32_record_under_a_plain_key_is_never_run) {
  const layer *L = &LAYERS[3];
  data D = layer_data(L, 43);
  char log[16384];
  vs_status *st = vs_status_new();
  cr_assert(vs__conv_plant_line(0, "float32|f3,3,20,17|s2,2|d1,1|x1,5,5|p1,1,1,1\t5 1 2 1 1 8\t1.000 ms", st), "%s",
            vs_status_message(st));
  vs_status_free(st);
  logged_conv(L, &D, false, log, sizeof log);
  cr_assert(strstr(log, "varscope: conv2d float32|f3,3,20,17|s2,2|d1,1|x1,5,5|p1,1,1,1 on "),
            "the planted TF32 record was taken: %s", log);
  cr_assert_null(strstr(log, "igemm-tf32"), "%s", log);
  data_free(&D);
}

/* With matrix units (pretended) and the switch, selection times the TF32
 * sets, a TF32 set kept for the family's TF32 key among them, and the
 * float32 set kept for the family (the other kernels compute in float32
 * whatever the switch), and keeps its choice under the "tf32|" key; a
 * session without the switch, or a device without the units, measures
 * under the plain key, without TF32 sets, and never reads the TF32 line. */
Test(conv_tf32, choice_with_matrix_units_times_the_tf32_sets_under_keys_of_their_own) {
  if (device0_tf32_units()) cr_skip_test("device 0 has TF32 matrix units: its first runs already allow TF32");
  const layer *L = &LAYERS[3];
  data D = layer_data(L, 42);
  char log[16384];
  static const char *const KEY = "float32|f3,3,20,17|s2,2|d1,1|x1,5,5|p1,1,1,1";
  char tkey[128];
  snprintf(tkey, sizeof tkey, "varscope: conv2d tf32|%s on ", KEY);
  vs_status *st = vs_status_new();
  cr_assert(vs__conv_plant_line(0, "family float32|f3,3,20,17|s2,2|d1,1\t0 4 1 1 1 0 1\t1.000 ms", st));
  cr_assert(vs__conv_plant_line(0, "tf32|family float32|f3,3,20,17|s2,2|d1,1\t5 1 2 1 1 8\t1.000 ms", st));
  vs_status_free(st);
  logged_conv(L, &D, true, log, sizeof log); /* no units: the float32 choice */
  cr_assert(strstr(log, "varscope: conv2d float32|f3,3,20,17"), "%s", log);
  cr_assert(strstr(log, "direct rm4 nv1 u1 ly1 "), "the family's tuned set not timed: %s", log);
  cr_assert_null(strstr(log, "igemm-tf32"), "%s", log);
  vs__tf32_units_pretend(0, true);
  logged_conv(L, &D, true, log, sizeof log);
  cr_assert(strstr(log, tkey), "%s", log);
  cr_assert(strstr(log, "igemm-tf32 w2x2 f2x4 k16 "), "%s", log);
  cr_assert(strstr(log, "igemm-tf32 w4x2 f2x4 k16 "), "%s", log);
  cr_assert(strstr(log, "igemm-tf32 w1x1 f2x2 k16 "), "%s", log);
  cr_assert(strstr(log, "igemm-tf32 w1x2 f1x1 k8 "), "the TF32 family's kept set not timed: %s", log);
  cr_assert(strstr(log, "direct rm4 nv1 u1 ly1 "), "the family's tuned set not timed with TF32: %s", log);
  char *list = tuning_choices(vs_device_conv_choices);
  char line[160];
  snprintf(line, sizeof line, "tf32|%s -> ", KEY);
  cr_assert(strstr(list, line), "%s", list);
  free(list);
  /* Kept: measured no more, for the switch; the switch off reads its own line. */
  logged_conv(L, &D, true, log, sizeof log);
  cr_assert_null(strstr(log, "varscope: conv2d"), "%s", log);
  logged_conv(L, &D, false, log, sizeof log);
  cr_assert_null(strstr(log, "varscope: conv2d"), "%s", log);
  vs__tf32_units_pretend(0, false);
  data_free(&D);
}

/* A plan step's memo of its conv choice is keyed by whether TF32 was
 * allowed too: the step's float32 choice, memoised while the device had
 * no matrix units, is not reused once it has them (pretended): the TF32
 * key is measured. */
Test(conv_tf32, step_memo_keeps_tf32_and_float32_choices_apart) {
  if (device0_tf32_units()) cr_skip_test("device 0 has TF32 matrix units: its first runs already allow TF32");
  const layer *L = &LAYERS[4];
  data D = layer_data(L, 43);
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_output x = vs_constant(g, D.x, VS_FLOAT, VS_SHAPE(L->n, L->h, L->w, L->c), "x", st);
  vs_output f = vs_constant(g, D.f, VS_FLOAT, VS_SHAPE(L->kh, L->kw, L->c, L->k), "f", st);
  vs_output y = vs_conv2d(g, x, f, &(vs_conv2d_opts){.padding = "VALID"}, st);
  vs_session_opts opts = {.tensor_float_32_execution = true};
  vs_session *s = vs_session_new(g, &opts, st);
  char log[16384];
  /* Measured under the float32 key, then kept and memoised by the step, then from the memo. */
  for (int i = 0; i < 3; i++) {
    session_run_logged(s, y, "conv", log, sizeof log);
    if (i == 0) cr_assert(strstr(log, "varscope: conv2d float32|f1,1,7,6|s1,1|d1,1|x3,4,5|p0,0,0,0 on "), "%s", log);
    else cr_assert_null(strstr(log, "varscope: conv2d"), "run %d measured again: %s", i, log);
  }
  vs__tf32_units_pretend(0, true);
  session_run_logged(s, y, "conv", log, sizeof log);
  vs__tf32_units_pretend(0, false);
  cr_assert(strstr(log, "varscope: conv2d tf32|float32|f1,1,7,6|s1,1|d1,1|x3,4,5|p0,0,0,0 on "), "%s", log);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
  data_free(&D);
}

/* The table's TF32 records ("5 wm wn fm fn ks") read back by name; one
 * out of range, or with a field more, is skipped. */
Test(conv_tf32, choice_records_of_the_tf32_kernel) {
  vs_status *st = vs_status_new();
  static const struct {
    const char *line, *listed; /* listed: its name in the list, NULL when skipped */
  } RECORDS[] = {
      {"tf32|float32|f3,3,4,8|s1,1|d1,1|x1,6,6|p1,1,1,1\t5 2 2 2 4 16\t1.000 ms",
       "tf32|float32|f3,3,4,8|s1,1|d1,1|x1,6,6|p1,1,1,1 -> igemm-tf32 w2x2 f2x4 k16"},
      {"tf32|float32|f3,3,4,9|s1,1|d1,1|x1,6,6|p1,1,1,1\t5 2 2 2 4 12\t1.000 ms", NULL},   /* KS 12 */
      {"tf32|float32|f3,3,4,10|s1,1|d1,1|x1,6,6|p1,1,1,1\t5 2 2 2 4 16 0\t1.000 ms", NULL}, /* a field more */
      {"tf32|float32|f3,3,4,11|s1,1|d1,1|x1,6,6|p1,1,1,1\t5 9 2 2 4 16\t1.000 ms", NULL},  /* 18 warps */
  };
  for (size_t i = 0; i < sizeof RECORDS / sizeof *RECORDS; i++)
    cr_assert(vs__conv_plant_line(0, RECORDS[i].line, st), "%s", vs_status_message(st));
  char *list = tuning_choices(vs_device_conv_choices);
  for (size_t i = 0; i < sizeof RECORDS / sizeof *RECORDS; i++) {
    char key[64];
    snprintf(key, sizeof key, "%.*s", (int)(strchr(RECORDS[i].line, '\t') - RECORDS[i].line), RECORDS[i].line);
    if (RECORDS[i].listed) cr_assert(strstr(list, RECORDS[i].listed), "%s", list);
    else cr_assert_null(strstr(list, key), "%s kept:\n%s", key, list);
  }
  free(list);
  vs_status_free(st);
}

/* ---- the tuner's TF32 search (engine/kernels/conv_tune.c) ---- */

/* The tuner's family: 3x3, 4 -> 8 channels, on a 1x6x6 input (SAME), and
 * the same layer run by a session. */
static const vs_conv_tune_opts TUNE = {.c = 4, .k = 8, .kh = 3, .kw = 3, .n = 1, .h = 6, .w = 6, .budget_s = 600};
static const layer TUNE_LAYER = {1, 6, 6, 4, 3, 3, 8, 1, 1, 1, 1, "SAME", false, false};
#define TUNE_FAMILY "family float32|f3,3,4,8|s1,1|d1,1"
#define TUNE_GEOM "float32|f3,3,4,8|s1,1|d1,1|x1,6,6|p1,1,1,1"

/* Two TF32 sets, neither among the choice's: one warp of one fragment,
 * and two warps side by side, both 8 deep. */
static const int TF32_SETS[2][5] = {{1, 1, 1, 1, 8}, {1, 2, 1, 1, 8}};

/* The TF32 half alone (the float32 default measured, nothing else
 * float32), with f's faults; its progress into log[4096] when log. */
static void tune_tf32_sets(const tf32_faults *f, vs_conv_tune_result *res, char *log) {
  vs__conv_tune_plan plan = {
      .tf32_candidates = TF32_SETS, .n_tf32 = 2, .tf32_only = true, .inject = tf32_inject, .user = (void *)f};
  vs_conv_tune_opts o = TUNE;
  if (log) log[0] = '\0', o.progress = note_progress, o.user = log;
  vs_status *st = vs_status_new();
  vs__device_tune_conv_plan(0, &plan, &o, res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_status_free(st);
}

/* With matrix units (pretended; the kernel stays the emulation), the
 * tuner runs the TF32 candidates: the wrong one, though timed fastest, is
 * counted wrong and never kept; the correct one, timed at half the bar,
 * is kept under the family's tf32| key, listed as such, and timed by a
 * TF32 session's choice of a geometry of the family, never by a float32
 * session's. Tuning again with nothing 3% faster than the bar removes it,
 * and the family's TF32 geometry chooses again. */
Test(conv_tf32, tuner_searches_tf32_sets_keeps_a_correct_one_under_its_key) {
  if (device0_tf32_units()) cr_skip_test("device 0 has TF32 matrix units: a float32 session's check needs none");
  vs__tf32_units_pretend(0, true);
  tf32_faults f = {.wrong = 0, .fast = 1, .fast_s = 0.5};
  vs_conv_tune_result res;
  static char progress[4096];
  tune_tf32_sets(&f, &res, progress);
  cr_assert(res.tf32_searched);
  cr_assert_eq(res.tf32_tried, 2);
  cr_assert_eq(res.tried, 2, "only the two TF32 candidates ran: %zu", res.tried);
  cr_assert_eq(res.wrong, 1);
  cr_assert_eq(res.failed, 0);
  cr_assert(res.tf32_stored);
  cr_assert_str_eq(res.tf32_params, "igemm-tf32 wm=1 wn=2 fm=1 fn=1 ks=8");
  double flop = 2.0 * 36 * (3 * 3 * 4 * 8);
  cr_assert_float_eq(res.gflops_tf32_best, flop / 0.5 / 1e9, 1e-12);
  cr_assert_float_eq(res.gflops_tf32_default, flop / 1.0 / 1e9, 1e-12);
  cr_assert_not(res.stored, "no float32 set was a candidate");
  cr_assert_str_eq(res.params, "");
  cr_assert(strstr(progress, "igemm-tf32 wm=2 wn=2 fm=2 fn=4 ks=16: a TF32 set the choice times (the bar)\n"), "%s",
            progress);
  cr_assert(strstr(progress, "igemm-tf32 wm=1 wn=1 fm=1 fn=1 ks=8: wrong result: output pixel "), "%s", progress);
  cr_assert(strstr(progress, "igemm-tf32 wm=1 wn=2 fm=1 fn=1 ks=8: correct, fastest so far\n"), "%s", progress);
  char *list = tuning_choices(vs_device_conv_choices);
  cr_assert(strstr(list, "tf32|" TUNE_FAMILY " -> igemm-tf32 w1x2 f1x1 k8 ("), "%s", list);
  cr_assert_null(strstr(list, "\n" TUNE_FAMILY " ->"), "%s", list);
  cr_assert(strncmp(list, TUNE_FAMILY " ->", strlen(TUNE_FAMILY " ->")) != 0, "%s", list);
  free(list);

  char log[16384];
  data D = layer_data(&TUNE_LAYER, 50);
  logged_conv(&TUNE_LAYER, &D, true, log, sizeof log);
  cr_assert(strstr(log, "varscope: conv2d tf32|" TUNE_GEOM " on "), "%s", log);
  cr_assert(strstr(log, "igemm-tf32 w1x2 f1x1 k8 "), "the kept set is timed: %s", log);
  logged_conv(&TUNE_LAYER, &D, false, log, sizeof log);
  data_free(&D);
  cr_assert(strstr(log, "varscope: conv2d " TUNE_GEOM " on "), "%s", log);
  cr_assert_null(strstr(log, "tf32"), "a float32 session never times a TF32 set: %s", log);

  f.fast_s = 0.99; /* within 3% of the bar */
  tune_tf32_sets(&f, &res, NULL);
  cr_assert_not(res.tf32_stored);
  cr_assert_str_eq(res.tf32_params, "");
  vs__tf32_units_pretend(0, false);
  list = tuning_choices(vs_device_conv_choices);
  cr_assert_null(strstr(list, "tf32|" TUNE_FAMILY), "%s", list);
  cr_assert_null(strstr(list, "tf32|" TUNE_GEOM), "the family's TF32 geometry chooses again: %s", list);
  free(list);
}

/* A device without matrix units (no pretence) searches nothing TF32: the
 * TF32 candidates are not run (nor reported), the result says the search
 * did not happen, and nothing is kept under a tf32| key. */
Test(conv_tf32, tuner_without_matrix_units_searches_no_tf32_set) {
  if (device0_tf32_units()) cr_skip_test("device 0 has TF32 matrix units");
  tf32_faults f = {.wrong = -3, .fast = 1, .fast_s = 0.5};
  static char log[4096];
  vs_conv_tune_result res;
  tune_tf32_sets(&f, &res, log);
  cr_assert_not(res.tf32_searched);
  cr_assert_eq(res.tf32_tried, 0);
  cr_assert_eq(res.tried, 0);
  cr_assert_not(res.tf32_stored);
  cr_assert_float_eq(res.gflops_tf32_default, 0.0, 1e-12);
  cr_assert_str_eq(res.tf32_params, "");
  cr_assert(strstr(log, ": the default (the bar to beat)\n"), "the float32 default was reported: %s", log);
  cr_assert_null(strstr(log, "tf32"), "%s", log);
  char *list = tuning_choices(vs_device_conv_choices);
  cr_assert_null(strstr(list, "tf32|"), "%s", list);
  free(list);
}

/* The TF32 search space: every set in range and fitting the device, none
 * of the choice's TF32 defaults (the bar), each once, the GEMM tuner's
 * order (slice depth 16, 32, 8, 64; at each, the tiles of powers of two
 * before those with a 3). On PoCL every set fits: 4^4 x 4 less the 3 of
 * the bar. */
Test(conv_tf32, tuner_tf32_search_space) {
  vs_status *st = vs_status_new();
  size_t n = vs__conv_tf32_search_space(0, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_gt(n, 0);
  int(*sets)[5] = malloc(n * sizeof *sets);
  cr_assert_eq(vs__conv_tf32_search_space(0, sets, n, st), n);
  vs_device_info info;
  vs_device_get_info(0, &info, st);
  if (strcmp(info.type, "CPU") == 0) cr_assert_eq(n, 4 * 4 * 4 * 4 * 4 - 3);
  static const int BAR[3][5] = {{2, 2, 2, 4, 16}, {4, 2, 2, 4, 16}, {1, 1, 2, 2, 16}};
  check_tf32_space(sets, n, BAR, 3);
  free(sets);
  vs_status_free(st);
}

/* The real TF32 search (pretended matrix units, the emulation), alone,
 * for a moment on the small family: the bar's sets and at least one
 * candidate run, and every one computes within the TF32 bound of the
 * host's result from the TF32-rounded input and filter. */
Test(conv_tf32, tuner_real_tf32_search_sets_are_correct) {
  vs__tf32_units_pretend(0, true);
  vs_conv_tune_opts o = TUNE;
  o.budget_s = 1;
  vs__conv_tune_plan plan = {.tf32_only = true};
  vs_conv_tune_result res;
  vs_status *st = vs_status_new();
  vs__device_tune_conv_plan(0, &plan, &o, &res, st);
  vs__tf32_units_pretend(0, false);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  expect_tf32_search_all_correct(res);
  vs_status_free(st);
}
