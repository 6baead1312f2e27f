/* test_tf_roundtrip.c - TensorFlow and varscope read each other's V2
 * checkpoints (issue 13's round-trip proof), live: tools/tf_roundtrip.py runs
 * under a Python with tensorflow (VS_PYTHON, as for the safetensors round
 * trip in test_checkpoint.c; tools/tf_roundtrip.sh sets it to the oracle's)
 * and this test talks to it over pipes (the protocol is in the script).
 *
 * TF trains the README's image filter 3 steps and saves it; varscope
 * restores it into the graph built by the same scopes and sends back every
 * value it read (TF compares them bit for bit), changes every value, runs
 * the filter, saves its own V2 checkpoint and sends its values and output
 * (a partitioned variable among them: TF's slices read into its parts,
 * and its parts saved as TF's slices);
 * TF finds it with latest_checkpoint, reads it with load_checkpoint and
 * Saver.restore, and compares values bit for bit and the filter's output
 * within 1e-5. The script's last line is "ok" when all of that held.
 *
 * Without such a Python those tests are skipped, unless
 * VS_TF_ROUNDTRIP_REQUIRED is set (tools/tf_roundtrip.sh sets it), which
 * makes that a failure; one test here needs no TensorFlow.
 * Python is started before this process makes any OpenCL call; nothing forks.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUPPORT_SPAWN
#include "support.h"

static vs_graph *g;
static vs_status *st;
static char dir[256];

static void setup(void)
{
  g = vs_graph_new();
  st = vs_status_new();
  cr_assert_not_null(g);
  cr_assert_not_null(st);
  scratch_dir_new(dir, sizeof dir, "vs_tfrt");
}

/* Removes dir/tf and dir/vs (checkpoint files) and dir. */
static void teardown(void)
{
  char sub[300];
  snprintf(sub, sizeof sub, "%s/tf", dir);
  scratch_dir_remove(sub);
  snprintf(sub, sizeof sub, "%s/vs", dir);
  scratch_dir_remove(sub);
  scratch_dir_remove(dir);
  vs_status_free(st);
  vs_graph_free(g);
}

TestSuite(tf_roundtrip, .init = setup, .fini = teardown);

static const char *python(void)
{
  const char *p = getenv("VS_PYTHON");
  return p && *p ? p : "python3";
}

/* Skips the test when VS_PYTHON cannot import tensorflow, or fails it when
 * VS_TF_ROUNDTRIP_REQUIRED is set. Makes no OpenCL call. */
static void need_tensorflow(void)
{
  char *probe[] = {(char *)python(), "-c", "import numpy, tensorflow", NULL};
  pid_t p = spawn(probe, NULL, NULL, true);
  if (p >= 0 && wait_exit(p) == 0) return;
  if (getenv("VS_TF_ROUNDTRIP_REQUIRED")) cr_assert_fail("tensorflow is not importable with %s (VS_PYTHON)", python());
  cr_skip_test("tensorflow is not importable with %s (set VS_PYTHON to a Python that has it)", python());
}

/* Reads one line (without its newline) into a growing buffer; NULL at EOF. */
static char *read_line(FILE *f)
{
  static char *line;
  static size_t cap;
  ssize_t n = getline(&line, &cap, f);
  if (n <= 0) return NULL;
  if (line[n - 1] == '\n') line[n - 1] = '\0';
  return line;
}

static void put_hex(FILE *f, const void *p, size_t n)
{
  for (size_t i = 0; i < n; i++) fprintf(f, "%02x", ((const unsigned char *)p)[i]);
}

/* "<tag> <key> <hex>" for a variable's value in s (strings: each element's
 * hex, joined by ','). */
static void send_value(FILE *to, const char *tag, vs_session *s, vs_var *v)
{
  vs_tensor *t = vs_session_variable_value(s, v, st);
  expect_ok(st);
  fprintf(to, "%s %s ", tag, vs_var_op_name(v));
  if (vs_tensor_dtype(t) == VS_STRING) {
    for (size_t i = 0; i < vs_tensor_num_elements(t); i++) {
      const char *e = vs_tensor_string(t, i);
      if (i) fputc(',', to);
      put_hex(to, e, strlen(e));
    }
  } else {
    put_hex(to, vs_tensor_data(t), vs_tensor_byte_size(t));
  }
  fputc('\n', to);
  vs_tensor_free(t);
}

static vs_output conv_relu(vs_output x, vs_shape kernel, vs_shape bias)
{
  vs_var *w = vs_get_variable(g, "weights", &(vs_var_opts){.shape = kernel}, st);
  vs_var *b = vs_get_variable(g, "biases", &(vs_var_opts){.shape = bias}, st);
  expect_ok(st);
  vs_output c = vs_conv2d(g, x, vs_var_value(w), &(vs_conv2d_opts){.padding = "SAME"}, st);
  vs_output r = vs_relu(g, vs_bias_add(g, c, vs_var_value(b), NULL, st), NULL, st);
  expect_ok(st);
  return r;
}

/* A new value for v: floats w * 0.5 - 0.25, doubles * 2, bools negated,
 * int64 + 1000, strings replaced. */
static void change(vs_session *s, vs_var *v)
{
  vs_tensor *t = vs_session_variable_value(s, v, st);
  expect_ok(st);
  size_t n = vs_tensor_num_elements(t);
  vs_tensor *nt = NULL;
  switch (vs_tensor_dtype(t)) {
  case VS_FLOAT:
    for (size_t i = 0; i < n; i++) ((float *)vs_tensor_data(t))[i] = ((float *)vs_tensor_data(t))[i] * 0.5f - 0.25f;
    break;
  case VS_DOUBLE:
    for (size_t i = 0; i < n; i++) ((double *)vs_tensor_data(t))[i] *= 2;
    break;
  case VS_BOOL:
    for (size_t i = 0; i < n; i++) ((unsigned char *)vs_tensor_data(t))[i] ^= 1;
    break;
  case VS_INT64:
    for (size_t i = 0; i < n; i++) ((int64_t *)vs_tensor_data(t))[i] += 1000;
    break;
  case VS_STRING:
    cr_assert_eq(n, 3);
    nt = vs_tensor_new_strings(vs_tensor_shape(t), (const char *[]){"varscope", "wrote", "this one"}, st);
    break;
  default: cr_assert_fail("unexpected dtype for %s", vs_var_op_name(v));
  }
  vs_session_assign_variable(s, v, nt ? nt : t, st);
  expect_ok(st);
  vs_tensor_free(nt);
  vs_tensor_free(t);
}

Test(tf_roundtrip, tensorflow_and_varscope_read_each_others_v2_checkpoints, .timeout = 600)
{
  need_tensorflow();
  char *argv[] = {(char *)python(), VS_SOURCE_DIR "/tools/tf_roundtrip.py", dir, NULL};
  int to_fd, from_fd;
  pid_t pid = spawn(argv, &to_fd, &from_fd, false);
  cr_assert_gt(pid, 0);
  FILE *to = fdopen(to_fd, "w"), *from = fdopen(from_fd, "r");
  cr_assert(to && from);

  /* 1. TF's input batch and checkpoint */
  char *line = read_line(from);
  cr_assert(line && strncmp(line, "input ", 6) == 0, "expected the input line, got %s", line ? line : "EOF");
  float images[50];
  cr_assert_eq(strlen(line + 6), 2 * sizeof images);
  for (size_t i = 0; i < sizeof images; i++) {
    unsigned b;
    sscanf(line + 6 + 2 * i, "%2x", &b);
    ((unsigned char *)images)[i] = (unsigned char)b;
  }
  line = read_line(from);
  cr_assert(line && strncmp(line, "tf ", 3) == 0, "expected the checkpoint line, got %s", line ? line : "EOF");
  char tf_prefix[512];
  snprintf(tf_prefix, sizeof tf_prefix, "%s", line + 3);

  /* 2. the same graph, built by the same scopes */
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 5, 5, 2), "x", st);
  vs_output out = {0};
  VS_WITH_VARIABLE_SCOPE(g, s1, "image_filters", NULL, st) {
    vs_output h = x;
    VS_WITH_VARIABLE_SCOPE(g, c1, "conv1", NULL, st) h = conv_relu(h, VS_SHAPE(3, 3, 2, 4), VS_SHAPE(4));
    VS_WITH_VARIABLE_SCOPE(g, c2, "conv2", NULL, st) out = conv_relu(h, VS_SHAPE(3, 3, 4, 4), VS_SHAPE(4));
  }
  vs_get_variable(g, "global_step", &(vs_var_opts){.shape = VS_SCALAR, .dtype = VS_INT64, .trainable = VS_OPT_FALSE,
                                                   .initializer = vs_zeros_initializer()}, st);
  VS_WITH_VARIABLE_SCOPE(g, m, "meta", NULL, st) {
    vs_get_variable(g, "name", &(vs_var_opts){.shape = VS_SHAPE(3), .dtype = VS_STRING, .trainable = VS_OPT_FALSE}, st);
    vs_get_variable(g, "flags", &(vs_var_opts){.shape = VS_SHAPE(4), .dtype = VS_BOOL, .trainable = VS_OPT_FALSE}, st);
    vs_get_variable(g, "scale", &(vs_var_opts){.shape = VS_SHAPE(2, 2), .dtype = VS_DOUBLE}, st);
  }
  /* TF's sliced entry "embed/table": restored into the parts, saved back
   * as slices */
  VS_WITH_VARIABLE_SCOPE(g, e, "embed", NULL, st) {
    vs_get_partitioned_variable(g, "table", &(vs_var_opts){.shape = VS_SHAPE(5, 3),
                                                          .initializer = vs_zeros_initializer(),
                                                          .partitioner = vs_fixed_size_partitioner(2, 0)}, st);
  }
  expect_ok(st);
  vs_var *vars[16];
  size_t nv = vs_global_variables(g, NULL, vars, 16, st);
  cr_assert_eq(nv, 10);
  vs_saver *sv = vs_saver_new(g, &(vs_saver_opts){.format = VS_CKPT_TF_V2}, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_saver_restore(sv, s, tf_prefix, st);
  expect_ok(st);
  for (size_t i = 0; i < nv; i++) send_value(to, "restored", s, vars[i]);

  for (size_t i = 0; i < nv; i++) change(s, vars[i]);
  char vs_dir[300], vs_prefix[320];
  snprintf(vs_dir, sizeof vs_dir, "%s/vs", dir);
  cr_assert_eq(mkdir(vs_dir, 0755), 0);
  snprintf(vs_prefix, sizeof vs_prefix, "%s/model.ckpt", vs_dir);
  vs_saver_save(sv, s, vs_prefix, st);
  expect_ok(st);
  for (size_t i = 0; i < nv; i++) send_value(to, "saved", s, vars[i]);
  vs_tensor *feed = vs_tensor_new(VS_FLOAT, VS_SHAPE(1, 5, 5, 2), images, st);
  vs_tensor *got = NULL;
  vs_session_run(s, &x, &feed, 1, &out, &got, 1, NULL, 0, st);
  expect_ok(st);
  fputs("output ", to);
  put_hex(to, vs_tensor_data(got), vs_tensor_byte_size(got));
  fprintf(to, "\nprefix %s\nend\n", vs_prefix);
  fflush(to);
  vs_tensor_free(got);
  vs_tensor_free(feed);

  /* 3. TF's verdict */
  char report[8192] = "";
  while ((line = read_line(from))) {
    if (strcmp(line, "ok") == 0 || strcmp(line, "failed") == 0) break;
    size_t m = strlen(report);
    snprintf(report + m, sizeof report - m, "%s\n", line);
  }
  cr_assert(line && strcmp(line, "ok") == 0, "TensorFlow's checks:\n%s", report);
  fclose(to);
  fclose(from);
  cr_assert_eq(wait_exit(pid), 0);
  vs_session_free(s);
  vs_saver_free(sv);
}

/* ---- GraphDef export ------------------------------------------------------ */

/* tools/tf_graphdef_check.py's model, built by the same scopes and calls:
 * convolutions with seeded random_normal weights, constant/zeros biases,
 * bias_add, reshape, a default-initialised (glorot) dense kernel and a
 * transposed matmul, an int64 step with assign_add, a tf.Variable with
 * assign (validate_shape=False) and assign_sub, a Fill-initialised big
 * variable, a RandomUniformInt one, a truncated-normal one, an identity
 * on /device:CPU:0, ops under control_dependencies, constants of
 * several dtypes (a splat among them), placeholders of partly and wholly
 * unknown shape, global_variables_initializer and a no_op. */
static void graphdef_model(void)
{
  vs_graph_set_random_seed(g, 7);
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 5, 5, 2), "x", st);
  vs_placeholder(g, VS_FLOAT, VS_SHAPE(VS_DIM_UNKNOWN, 3), "p2", st);
  vs_placeholder(g, VS_INT64, VS_UNKNOWN_SHAPE, "p3", st);
  vs_output h = x;
  VS_WITH_VARIABLE_SCOPE(g, s1, "image_filters", NULL, st) {
    VS_WITH_VARIABLE_SCOPE(g, c1, "conv1", NULL, st) {
      vs_var *w = vs_get_variable(g, "weights", &(vs_var_opts){.shape = VS_SHAPE(3, 3, 2, 4),
                                                              .initializer = vs_random_normal_initializer(0, 1, 1)}, st);
      vs_var *b = vs_get_variable(g, "biases", &(vs_var_opts){.shape = VS_SHAPE(4),
                                                             .initializer = vs_constant_initializer(0.1)}, st);
      vs_output c = vs_conv2d(g, h, vs_var_value(w), &(vs_conv2d_opts){.padding = "SAME"}, st);
      h = vs_relu(g, vs_add(g, c, vs_var_value(b), NULL, st), NULL, st);
    }
    VS_WITH_VARIABLE_SCOPE(g, c2, "conv2", NULL, st) {
      vs_var *w = vs_get_variable(g, "weights", &(vs_var_opts){.shape = VS_SHAPE(3, 3, 4, 4),
                                                              .initializer = vs_random_normal_initializer(0, 1, 2)}, st);
      vs_var *b = vs_get_variable(g, "biases", &(vs_var_opts){.shape = VS_SHAPE(4),
                                                             .initializer = vs_zeros_initializer()}, st);
      vs_output c = vs_conv2d(g, h, vs_var_value(w),
                              &(vs_conv2d_opts){.padding = "VALID", .strides = {1, 2, 2, 1}}, st);
      h = vs_relu(g, vs_bias_add(g, c, vs_var_value(b), NULL, st), NULL, st);
    }
  }
  vs_output r = vs_reshape(g, h, VS_SHAPE(1, 16), NULL, st);
  vs_var *k = vs_get_variable(g, "dense/kernel", &(vs_var_opts){.shape = VS_SHAPE(3, 16)}, st);
  vs_output y = vs_matmul(g, r, vs_var_value(k), &(vs_matmul_opts){.transpose_b = true, .name = "logits"}, st);
  vs_var *step = vs_get_variable(g, "step", &(vs_var_opts){.shape = VS_SCALAR, .dtype = VS_INT64,
                                                          .initializer = vs_zeros_initializer(),
                                                          .trainable = VS_OPT_FALSE}, st);
  int64_t one = 1;
  vs_assign_add(g, step, vs_constant(g, &one, VS_INT64, VS_SCALAR, "one", st), NULL, st);
  vs_var *u = vs_variable(g, &(vs_variable_opts){.name = "u", .initial_value = vs_value_initializer(
                                                                  (float[]){1, 2}, VS_FLOAT, 2, VS_UNKNOWN_SHAPE)}, st);
  vs_get_variable(g, "big", &(vs_var_opts){.shape = VS_SHAPE(40, 30), .initializer = vs_zeros_initializer()}, st);
  vs_get_variable(g, "iv", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_INT32,
                                          .initializer = vs_random_uniform_initializer(0, 10, 3)}, st);
  vs_var *tn = vs_get_variable(g, "tn", &(vs_var_opts){.shape = VS_SHAPE(2, 3),
                                                        .initializer = vs_truncated_normal_initializer(0, 0.5, 4)}, st);
  VS_WITH_DEVICE(g, "/device:CPU:0", st) vs_identity(g, y, "on_cpu", st);
  vs_output a1 = vs_assign(g, u, vs_constant(g, (float[]){3, 4}, VS_FLOAT, VS_SHAPE(2), "newu", st),
                           &(vs_assign_opts){.validate_shape = VS_OPT_FALSE}, st);
  vs_assign_sub(g, u, vs_constant(g, (float[]){1, 1}, VS_FLOAT, VS_SHAPE(2), "dec", st), NULL, st);
  vs_control_dependencies_push(g, &a1.op, 1, st);
  vs_output z = vs_identity(g, y, "z", st);
  vs_sub(g, z, vs_constant_float(g, 1.0f, "k1", st), "zm", st);
  vs_mul(g, z, vs_constant_float(g, 2.0f, "k2", st), "zt", st);
  vs_control_dependencies_pop(g, st);
  vs_is_variable_initialized(g, tn, st);
  vs_constant(g, (const char *[]){"a", "bc", ""}, VS_STRING, VS_SHAPE(3), "strs", st);
  vs_constant(g, (uint8_t[]){1, 0}, VS_BOOL, VS_SHAPE(2), "bools", st);
  vs_constant(g, (uint16_t[]){0x3e00, 0xc000}, VS_HALF, VS_SHAPE(2), "halfs", st);
  vs_constant(g, (int8_t[]){-3, 4}, VS_INT8, VS_SHAPE(2), "i8", st);
  vs_constant(g, (int64_t[]){1, 2, 3, 4}, VS_INT64, VS_SHAPE(2, 2), "i64", st);
  vs_constant(g, (float[]){7, 7, 7}, VS_FLOAT, VS_SHAPE(3), "splat", st);
  vs_constant(g, (double[]){-0.5}, VS_DOUBLE, VS_SCALAR, "dscalar", st);
  vs_global_variables_initializer(g, st);
  vs_no_op(g, "nop", st);
  expect_ok(st);
}

/* Without TensorFlow: the model exports the same bytes twice, and
 * vs_graph_write_graphdef's file holds exactly what
 * vs_graph_export_graphdef returns (what the next test hands to TF). */
Test(tf_roundtrip, graphdef_model_exports_the_same_bytes_each_time)
{
  graphdef_model();
  size_t n1, n2;
  void *a = vs_graph_export_graphdef(g, NULL, &n1, st);
  expect_ok(st);
  void *b = vs_graph_export_graphdef(g, NULL, &n2, st);
  expect_ok(st);
  cr_assert(n1 == n2 && memcmp(a, b, n1) == 0);
  char path[300];
  snprintf(path, sizeof path, "%s/model.pb", dir);
  vs_graph_write_graphdef(g, path, NULL, st);
  expect_ok(st);
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f);
  unsigned char *c = malloc(n1 + 1);
  cr_assert_eq(fread(c, 1, n1 + 1, f), n1);
  fclose(f);
  cr_assert(memcmp(a, c, n1) == 0);
  free(c);
  vs_export_free(a);
  vs_export_free(b);
  unlink(path);
}

/* vs_graph_write_graphdef of graphdef_model: TF 2.21 builds the same model
 * and finds every node, op type, input, device and attr equal, plain and
 * with add_shapes + strip_default_attrs (against export_meta_graph's);
 * its import_graph_def loads the file and computes TF's logits bit for bit. */
Test(tf_roundtrip, graphdef_equals_what_tensorflow_builds, .timeout = 600)
{
  need_tensorflow();
  graphdef_model();
  char path[300], stripped[300];
  snprintf(path, sizeof path, "%s/model.pb", dir);
  vs_graph_write_graphdef(g, path, NULL, st);
  expect_ok(st);
  snprintf(stripped, sizeof stripped, "%s/stripped.pb", dir);
  vs_graph_write_graphdef(g, stripped, &(vs_export_opts){.add_shapes = true, .strip_default_attrs = true}, st);
  expect_ok(st);
  char *argv[] = {(char *)python(), VS_SOURCE_DIR "/tools/tf_graphdef_check.py", path, stripped, NULL};
  int from_fd;
  pid_t pid = spawn(argv, NULL, &from_fd, false);
  cr_assert_gt(pid, 0);
  FILE *from = fdopen(from_fd, "r");
  char report[16384] = "", *line;
  while ((line = read_line(from))) {
    if (strcmp(line, "ok") == 0 || strcmp(line, "failed") == 0) break;
    size_t m = strlen(report);
    snprintf(report + m, sizeof report - m, "%s\n", line);
  }
  cr_assert(line && strcmp(line, "ok") == 0, "TensorFlow's comparison:\n%s", report);
  fclose(from);
  cr_assert_eq(wait_exit(pid), 0);
  unlink(path);
  unlink(stripped);
}
