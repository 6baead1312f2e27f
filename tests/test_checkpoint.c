/* test_checkpoint.c - checkpoints by variable name (issue 6): tf.train.Saver
 * to and from safetensors, TensorFlow V2 checkpoints restored by name and
 * remapped as init_from_checkpoint does, and refusal of damaged files.
 *
 * Error classes and texts were checked against TensorFlow 2.21
 * (tf.compat.v1, v2 behaviour disabled). The TF fixtures under
 * conformance/golden/ckpt/ come from tools/make_tf_fixtures.py; their
 * expected.txt holds each tensor's bytes, so values compare bit for bit.
 *
 * Tests that run a session never fork: the kill-midway test spawns
 * ckpt_save_helper (which does the OpenCL work) from a test that makes no
 * OpenCL call, and the Python round trip starts Python before its first
 * OpenCL call and talks to it over pipes.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SUPPORT_SPAWN
#define SUPPORT_FIXTURE_DIR "vs_ckpt"
#include "support.h"

extern char **environ;

#define GOLDEN VS_SOURCE_DIR "/conformance/golden/ckpt"

/* ---- fixture ------------------------------------------------------------- */

TestSuite(checkpoint, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------- */

static void expect_contains(const vs_status *s, const char *part)
{
  cr_assert(strstr(vs_status_message(s), part) != NULL, "message '%s' lacks '%s'", vs_status_message(s), part);
}

static char *path_in(const char *name)
{
  static char buf[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
  return buf[k];
}

static vs_var *var_f32(const char *name, vs_shape shape, double init)
{
  vs_var *v = vs_get_variable(g, name, &(vs_var_opts){.shape = shape, .initializer = vs_constant_initializer(init)},
                              st);
  expect_ok(st);
  return v;
}

static vs_session *new_session(void)
{
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  cr_assert_not_null(s);
  return s;
}

static void run_init(vs_session *s)
{
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  expect_ok(st);
}

/* The op names report_uninitialized_variables() returns, joined by ','. */
static void uninitialized(vs_session *s, char *out, size_t cap)
{
  vs_output r = vs_report_uninitialized_variables(g, NULL, 0, st);
  expect_ok(st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &r, &t, 1, NULL, 0, st);
  expect_ok(st);
  out[0] = '\0';
  for (size_t i = 0; i < vs_tensor_num_elements(t); i++) {
    size_t n = strlen(out);
    snprintf(out + n, cap - n, "%s%s", i ? "," : "", vs_tensor_string(t, i));
  }
  vs_tensor_free(t);
}

static void set_value(vs_session *s, vs_var *v, const void *data)
{
  vs_tensor *t = vs_tensor_new(vs_var_dtype(v), vs_var_shape(v), data, st);
  expect_ok(st);
  vs_session_assign_variable(s, v, t, st);
  vs_tensor_free(t);
  expect_ok(st);
}

static void expect_value(vs_session *s, vs_var *v, const void *want, size_t bytes)
{
  vs_tensor *t = vs_session_variable_value(s, v, st);
  expect_ok(st);
  cr_assert_eq(vs_tensor_byte_size(t), bytes, "%s: %zu bytes, expected %zu", vs_var_op_name(v),
               vs_tensor_byte_size(t), bytes);
  cr_assert(memcmp(vs_tensor_data(t), want, bytes) == 0, "%s: value differs", vs_var_op_name(v));
  vs_tensor_free(t);
}

static void write_file(const char *path, const void *data, size_t n)
{
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  cr_assert_eq(fwrite(data, 1, n, f), n);
  cr_assert_eq(fclose(f), 0);
}

static unsigned char *read_all(const char *path, size_t *n)
{
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)len + 1);
  cr_assert_eq(fread(b, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  *n = (size_t)len;
  return b;
}

/* Files in the scratch directory whose name contains `part`. */
static int count_files(const char *part)
{
  int n = 0;
  DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d)))
    if (strstr(de->d_name, part)) n++;
  if (d) closedir(d);
  return n;
}

/* ---- expected.txt of the TF fixtures ------------------------------------ */

typedef struct expected {
  char key[128];
  char dtype[16];
  vs_shape shape;
  unsigned char *bytes;
  size_t n;
} expected;

static int load_expected(const char *path, expected *out, int cap)
{
  FILE *f = fopen(path, "r");
  cr_assert_not_null(f, "cannot open %s", path);
  char *line = NULL;
  size_t lcap = 0;
  int n = 0;
  while (getline(&line, &lcap, f) > 0) {
    if (line[0] == '#') continue;
    cr_assert_lt(n, cap);
    expected *e = &out[n++];
    /* key \t dtype \t shape \t hex; shape and hex may be empty */
    char *fl[4] = {line, NULL, NULL, NULL};
    for (int k = 1; k < 4; k++) {
      char *tab = strchr(fl[k - 1], '\t');
      cr_assert_not_null(tab, "malformed line in %s", path);
      *tab = '\0';
      fl[k] = tab + 1;
    }
    fl[3][strcspn(fl[3], "\n")] = '\0';
    char *key = fl[0], *dt = fl[1], *shape = fl[2], *hex = fl[3];
    snprintf(e->key, sizeof e->key, "%s", key);
    snprintf(e->dtype, sizeof e->dtype, "%s", dt);
    e->shape = (vs_shape){.known = true};
    for (char *p = shape; *p;) {
      e->shape.dims[e->shape.rank++] = strtoll(p, &p, 10);
      if (*p == ',') p++;
    }
    size_t hl = strlen(hex);
    e->n = hl / 2;
    e->bytes = malloc(e->n + 1);
    for (size_t i = 0; i < e->n; i++) {
      unsigned v;
      sscanf(hex + 2 * i, "%2x", &v);
      e->bytes[i] = (unsigned char)v;
    }
  }
  free(line);
  fclose(f);
  return n;
}

static void free_expected(expected *e, int n)
{
  for (int i = 0; i < n; i++) free(e[i].bytes);
}

static const expected *find_expected(const expected *e, int n, const char *key)
{
  for (int i = 0; i < n; i++)
    if (strcmp(e[i].key, key) == 0) return &e[i];
  cr_assert_fail("no expected value for %s", key);
  return NULL;
}

/* ---- processes ------------------------------------------------------------ */

/* Reads one line from fd (without the newline). */
static bool read_line(int fd, char *buf, size_t cap)
{
  size_t n = 0;
  char c;
  while (n + 1 < cap && read(fd, &c, 1) == 1) {
    if (c == '\n') {
      buf[n] = '\0';
      return true;
    }
    buf[n++] = c;
  }
  buf[n] = '\0';
  return n > 0;
}

static const char *python(void)
{
  const char *p = getenv("VS_PYTHON");
  return p && *p ? p : "python3";
}

/* ======================================================================= */
/* Saver: save and restore by variable name                                 */
/* ======================================================================= */

/* with tf.variable_scope("image_filters/conv1"):
 *   w = tf.get_variable("weights", [2, 3], initializer=tf.constant_initializer(1.5))
 *   b = tf.get_variable("biases", [3], trainable=False, initializer=...(-2))
 * n = tf.Variable(7, name="n")
 * saver = tf.train.Saver(); sess.run(init); (set w to 0..5)
 * saver.save(sess, path)
 * with tf.Session() as s2:
 *   s2.run(tf.report_uninitialized_variables())  # all three
 *   saver.restore(s2, path)
 *   s2.run(tf.report_uninitialized_variables())  # []  (no initializer ran) */
Test(checkpoint, save_restore_round_trip)
{
  vs_scope *sc = vs_variable_scope_push(g, "image_filters/conv1", NULL, st);
  vs_var *w = var_f32("weights", VS_SHAPE(2, 3), 1.5);
  vs_var *b = vs_get_variable(g, "biases", &(vs_var_opts){.shape = VS_SHAPE(3), .trainable = VS_OPT_FALSE,
                                                           .initializer = vs_constant_initializer(-2)}, st);
  vs_variable_scope_pop(g, sc, st);
  int32_t seven = 7;
  vs_var *n = vs_variable(g, &(vs_variable_opts){.name = "n",
                                                 .initial_value = vs_value_initializer(&seven, VS_INT32, 1, VS_UNKNOWN_SHAPE)},
                          st);
  expect_ok(st);
  vs_saver *saver = vs_saver_new(g, NULL, st);
  expect_ok(st);
  vs_session *s1 = new_session();
  run_init(s1);
  float wv[6] = {0, 1, 2, 3, 4, 5};
  set_value(s1, w, wv);
  vs_saver_save(saver, s1, path_in("m.safetensors"), st);
  expect_ok(st);
  cr_assert_eq(count_files(".tmp-"), 0, "a temporary file was left behind");

  vs_session *s2 = new_session();
  char un[256];
  uninitialized(s2, un, sizeof un);
  cr_assert_str_eq(un, "image_filters/conv1/weights,image_filters/conv1/biases,n");
  vs_saver_restore(saver, s2, path_in("m.safetensors"), st);
  expect_ok(st);
  uninitialized(s2, un, sizeof un);
  cr_assert_str_eq(un, "");
  expect_value(s2, w, wv, sizeof wv);
  float bv[3] = {-2, -2, -2};
  expect_value(s2, b, bv, sizeof bv);
  expect_value(s2, n, &seven, sizeof seven);

  /* The file: keys are op names, metadata keeps names, trainable, collections. */
  vs_checkpoint *c = vs_checkpoint_open(path_in("m.safetensors"), st);
  expect_ok(st);
  cr_assert_eq(vs_checkpoint_format(c), VS_CKPT_SAFETENSORS);
  cr_assert_eq(vs_checkpoint_num_tensors(c), 3);
  vs_ckpt_tensor_info in;
  vs_checkpoint_tensor_info(c, 0, &in, st);
  expect_ok(st);
  cr_assert_str_eq(in.key, "image_filters/conv1/biases");
  cr_assert_str_eq(in.tensor_name, "image_filters/conv1/biases:0");
  cr_assert_eq(in.trainable, 0);
  cr_assert_str_eq(in.collections[0], "variables");
  cr_assert_null(in.collections[1]);
  vs_checkpoint_tensor_info(c, 1, &in, st);
  expect_ok(st);
  cr_assert_str_eq(in.key, "image_filters/conv1/weights");
  cr_assert_eq(in.dtype, VS_FLOAT);
  cr_assert_eq(in.shape.rank, 2);
  cr_assert_eq(in.byte_size, 24);
  cr_assert_eq(in.trainable, 1);
  cr_assert_str_eq(in.collections[0], "variables");
  cr_assert_str_eq(in.collections[1], "trainable_variables");
  vs_checkpoint_tensor_info(c, 2, &in, st);
  expect_ok(st);
  cr_assert_str_eq(in.key, "n");
  cr_assert_eq(in.dtype, VS_INT32);
  vs_checkpoint_tensor_info(c, 3, &in, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "tensor index 3 out of range (3 tensors)");
  cr_assert_eq(vs_checkpoint_find(c, "n"), 2);
  cr_assert_eq(vs_checkpoint_find(c, "n:0"), VS_NPOS);
  cr_assert_eq(vs_checkpoint_find(c, NULL), VS_NPOS);
  cr_assert_eq(vs_checkpoint_find(NULL, "n"), VS_NPOS);
  vs_checkpoint_free(c);
  vs_session_free(s2);
  vs_session_free(s1);
  vs_saver_free(saver);
}

/* v = tf.get_variable("v", [2]); w = tf.get_variable("w", [2])
 * tf.train.Saver([v]).save(sess, path)  # only "v" in the file
 * with tf.Session() as s2: saver.restore(s2, path)
 *   s2.run(tf.report_uninitialized_variables())  # [b"w"] */
Test(checkpoint, var_list_saves_only_those)
{
  vs_var *v = var_f32("v", VS_SHAPE(2), 3.0), *w = var_f32("w", VS_SHAPE(2), 4.0);
  (void)w;
  vs_saver *saver = vs_saver_new(g, &(vs_saver_opts){.var_list = (vs_var *[]){v}, .n_vars = 1}, st);
  expect_ok(st);
  vs_session *s1 = new_session();
  run_init(s1);
  vs_saver_save(saver, s1, path_in("m"), st);
  expect_ok(st);
  vs_checkpoint *c = vs_checkpoint_open(path_in("m"), st);
  expect_ok(st);
  cr_assert_eq(vs_checkpoint_num_tensors(c), 1);
  cr_assert_eq(vs_checkpoint_find(c, "v"), 0);
  vs_checkpoint_free(c);
  vs_session *s2 = new_session();
  vs_saver_restore(saver, s2, path_in("m"), st);
  expect_ok(st);
  char un[64];
  uninitialized(s2, un, sizeof un);
  cr_assert_str_eq(un, "w");
  vs_session_free(s2);
  vs_session_free(s1);
  vs_saver_free(saver);
}

/* saver = tf.train.Saver({"renamed/x": v})
 * saver.save(sess, path)      # key "renamed/x"
 * tf.train.Saver({"renamed/x": u}).restore(s2, path)  # u gets v's value */
Test(checkpoint, var_map_renames_keys)
{
  vs_var *v = var_f32("v", VS_SHAPE(3), 2.5), *u = var_f32("u", VS_SHAPE(3), 0.0);
  vs_saver *sv = vs_saver_new(g, &(vs_saver_opts){.var_map = (vs_saver_entry[]){{"renamed/x", v}}, .n_map = 1}, st);
  expect_ok(st);
  vs_saver *su = vs_saver_new(g, &(vs_saver_opts){.var_map = (vs_saver_entry[]){{"renamed/x", u}}, .n_map = 1}, st);
  expect_ok(st);
  vs_session *s = new_session();
  run_init(s);
  vs_saver_save(sv, s, path_in("m"), st);
  expect_ok(st);
  vs_saver_restore(su, s, path_in("m"), st);
  expect_ok(st);
  float want[3] = {2.5, 2.5, 2.5};
  expect_value(s, u, want, sizeof want);
  vs_session_free(s);
  vs_saver_free(su);
  vs_saver_free(sv);
}

/* tf.train.Saver()            -> ValueError "No variables to save"
 * tf.train.Saver([a, a])      -> ValueError "At least two variables have the same name: a"
 * tf.train.Saver({"x": a, "y": a})
 *                             -> ValueError "The same saveable will be restored with two names: y" */
Test(checkpoint, saver_construction_errors)
{
  cr_assert_null(vs_saver_new(g, NULL, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "No variables to save");
  vs_var *a = var_f32("a", VS_SCALAR, 1.0);
  cr_assert_null(vs_saver_new(g, &(vs_saver_opts){.var_list = (vs_var *[]){a, a}, .n_vars = 2}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "At least two variables have the same name: a");
  cr_assert_null(
      vs_saver_new(g, &(vs_saver_opts){.var_map = (vs_saver_entry[]){{"x", a}, {"y", a}}, .n_map = 2}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "The same saveable will be restored with two names: y");
  cr_assert_null(vs_saver_new(g, &(vs_saver_opts){.var_list = (vs_var *[]){a}, .n_vars = 1,
                                                  .var_map = (vs_saver_entry[]){{"x", a}}, .n_map = 1}, st));
  expect_code(st, VS_INVALID_ARGUMENT);
  cr_assert_null(vs_saver_new(g, &(vs_saver_opts){.var_list = (vs_var *[]){NULL}, .n_vars = 1}, st));
  expect_code(st, VS_INVALID_ARGUMENT);
  vs_graph *other = vs_graph_new();
  vs_var *o = vs_get_variable(other, "o", &(vs_var_opts){.shape = VS_SCALAR}, st);
  cr_assert_null(vs_saver_new(g, &(vs_saver_opts){.var_list = (vs_var *[]){o}, .n_vars = 1}, st));
  expect_code(st, VS_INVALID_ARGUMENT);
  vs_graph_free(other);
}

/* Saved: foo/v (float32 [2]), foo/w (int32 scalar). Restoring into
 *   foo/v + foo/u                  -> NotFoundError "...Key foo/u not found in checkpoint"
 *   foo/v of shape [3]             -> InvalidArgumentError "...Assign requires shapes of both
 *                                     tensors to match. lhs shape= [3] rhs shape= [2]"
 *   foo/v of dtype float64         -> InvalidArgumentError "...tensor_name = foo/v; expected
 *                                     dtype double does not equal original dtype float"
 *   a path with no checkpoint      -> ValueError "The passed save_path is not a valid checkpoint: P"
 * and a failed restore changes no variable. */
#define MISSING_HEAD                                                                                       \
  "Restoring from checkpoint failed. This is most likely due to a Variable name or other graph key that " \
  "is missing from the checkpoint. Please ensure that you have not altered the graph expected based on "  \
  "the checkpoint. Original error:\n\n"
#define MISMATCH_HEAD                                                                                       \
  "Restoring from checkpoint failed. This is most likely due to a mismatch between the current graph and " \
  "the graph from the checkpoint. Please ensure that you have not altered the graph expected based on "    \
  "the checkpoint. Original error:\n\n"

static void save_foo(const char *path)
{
  vs_graph *g0 = vs_graph_new();
  vs_scope *sc = vs_variable_scope_push(g0, "foo", NULL, st);
  vs_get_variable(g0, "v", &(vs_var_opts){.shape = VS_SHAPE(2), .initializer = vs_constant_initializer(1)}, st);
  vs_get_variable(g0, "w", &(vs_var_opts){.shape = VS_SCALAR, .dtype = VS_INT32,
                                          .initializer = vs_constant_initializer(3)}, st);
  vs_variable_scope_pop(g0, sc, st);
  expect_ok(st);
  vs_saver *sv = vs_saver_new(g0, NULL, st);
  vs_session *s = vs_session_new(g0, NULL, st);
  vs_op *init = vs_global_variables_initializer(g0, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  vs_saver_save(sv, s, path, st);
  expect_ok(st);
  vs_session_free(s);
  vs_saver_free(sv);
  vs_graph_free(g0);
}

Test(checkpoint, restore_errors_name_the_key)
{
  save_foo(path_in("foo.safetensors"));
  vs_scope *sc = vs_variable_scope_push(g, "foo", NULL, st);
  vs_var *v = var_f32("v", VS_SHAPE(2), 9);
  vs_var *u = var_f32("u", VS_SHAPE(2), 9);
  vs_var *v3 = var_f32("v3", VS_SHAPE(3), 9);
  vs_var *vd = vs_get_variable(g, "vd", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_DOUBLE}, st);
  vs_variable_scope_pop(g, sc, st);
  vs_session *s = new_session();
  run_init(s);

  vs_saver *sv = vs_saver_new(g, &(vs_saver_opts){.var_list = (vs_var *[]){v, u}, .n_vars = 2}, st);
  vs_saver_restore(sv, s, path_in("foo.safetensors"), st);
  expect_error(st, VS_NOT_FOUND, "NotFoundError", MISSING_HEAD "Key foo/u not found in checkpoint");
  float nines[2] = {9, 9};
  expect_value(s, v, nines, sizeof nines); /* nothing restored */
  vs_saver_free(sv);

  sv = vs_saver_new(g, &(vs_saver_opts){.var_map = (vs_saver_entry[]){{"foo/v", v3}}, .n_map = 1}, st);
  vs_saver_restore(sv, s, path_in("foo.safetensors"), st);
  expect_error(st, VS_INVALID_ARGUMENT, "InvalidArgumentError",
               MISMATCH_HEAD "Assign requires shapes of both tensors to match. lhs shape= [3] rhs shape= [2]"
                             "\n\t [[checkpoint key foo/v]]");
  vs_saver_free(sv);

  sv = vs_saver_new(g, &(vs_saver_opts){.var_map = (vs_saver_entry[]){{"foo/v", vd}}, .n_map = 1}, st);
  vs_saver_restore(sv, s, path_in("foo.safetensors"), st);
  expect_error(st, VS_INVALID_ARGUMENT, "InvalidArgumentError",
               MISMATCH_HEAD "tensor_name = foo/v; expected dtype double does not equal original dtype float");
  char msg[600];
  snprintf(msg, sizeof msg, "The passed save_path is not a valid checkpoint: %s", path_in("nothere"));
  vs_saver_restore(sv, s, path_in("nothere"), st);
  expect_error(st, VS_NOT_FOUND, "ValueError", msg);
  vs_saver_free(sv);
  vs_session_free(s);
}

/* v = tf.get_variable("v", [2]); tf.train.Saver().save(sess, path) before
 * the initializer ran -> FailedPreconditionError "Attempting to use
 * uninitialized value v"; nothing is written. Saving into a directory that
 * does not exist -> NotFoundError. */
Test(checkpoint, failed_save_writes_nothing)
{
  var_f32("v", VS_SHAPE(2), 1);
  vs_saver *sv = vs_saver_new(g, NULL, st);
  vs_session *s = new_session();
  vs_saver_save(sv, s, path_in("m"), st);
  expect_code(st, VS_FAILED_PRECONDITION);
  cr_assert_str_eq(vs_status_message(st), "Attempting to use uninitialized value v");
  cr_assert_eq(count_files("m"), 0);
  run_init(s);
  vs_saver_save(sv, s, path_in("no/such/dir/m"), st);
  expect_code(st, VS_NOT_FOUND);
  vs_saver_save(sv, s, path_in("m"), st);
  expect_ok(st);
  vs_saver_save(sv, s, path_in("m"), st); /* replaces it */
  expect_ok(st);
  cr_assert_eq(count_files("m"), 1);
  vs_session_free(s);
  vs_saver_free(sv);
}

/* ======================================================================= */
/* TensorFlow V2 checkpoints                                                */
/* ======================================================================= */

/* The README's image filter, trained for 3 steps in TF and saved with
 * tf.train.Saver() (tools/make_tf_fixtures.py, image_filter):
 *   with tf.variable_scope("image_filters") as scope:
 *     my_image_filter(x); scope.reuse_variables(); my_image_filter(x)
 *   step = tf.train.get_or_create_global_step()
 *   saver.restore(sess, "image_filter/model.ckpt")
 * Every variable restores by name, bit for bit, and none needs initialising. */
Test(checkpoint, tf_image_filter_restores_by_name)
{
  vs_scope *s1 = vs_variable_scope_push(g, "image_filters", NULL, st);
  for (int pass = 0; pass < 2; pass++) {
    VS_WITH_VARIABLE_SCOPE(g, c1, "conv1", NULL, st) {
      vs_get_variable(g, "weights", &(vs_var_opts){.shape = VS_SHAPE(3, 3, 2, 4)}, st);
      vs_get_variable(g, "biases", &(vs_var_opts){.shape = VS_SHAPE(4)}, st);
    }
    VS_WITH_VARIABLE_SCOPE(g, c2, "conv2", NULL, st) {
      vs_get_variable(g, "weights", &(vs_var_opts){.shape = VS_SHAPE(3, 3, 4, 4)}, st);
      vs_get_variable(g, "biases", &(vs_var_opts){.shape = VS_SHAPE(4)}, st);
    }
    vs_scope_reuse_variables(s1);
  }
  vs_variable_scope_pop(g, s1, st);
  vs_get_variable(g, "global_step", &(vs_var_opts){.shape = VS_SCALAR, .dtype = VS_INT64, .trainable = VS_OPT_FALSE,
                                                   .initializer = vs_zeros_initializer()}, st);
  expect_ok(st);
  cr_assert_eq(vs_trainable_variables(g, NULL, NULL, 0, st), 4);

  vs_saver *sv = vs_saver_new(g, NULL, st);
  expect_ok(st);
  vs_session *s = new_session();
  vs_saver_restore(sv, s, GOLDEN "/image_filter/model.ckpt", st);
  expect_ok(st);
  char un[256];
  uninitialized(s, un, sizeof un);
  cr_assert_str_eq(un, "");

  expected e[16];
  int n = load_expected(GOLDEN "/image_filter/expected.txt", e, 16);
  vs_var *vars[8];
  size_t nv = vs_global_variables(g, NULL, vars, 8, st);
  cr_assert_eq(nv, 5);
  for (size_t i = 0; i < nv; i++) {
    const expected *x = find_expected(e, n, vs_var_op_name(vars[i]));
    expect_value(s, vars[i], x->bytes, x->n);
  }
  int64_t step;
  memcpy(&step, find_expected(e, n, "global_step")->bytes, 8);
  cr_assert_eq(step, 3);
  free_expected(e, n);
  vs_session_free(s);
  vs_saver_free(sv);
}

/* reader = tf.train.load_checkpoint("dtypes/model.ckpt")
 * reader.get_tensor("types/f16"), ... for float16, float64, int8, uint8,
 * int16, int32, int64, bool, complex64: the bytes TF saved.
 * reader.get_tensor("types/nothere") -> NotFoundError "Key types/nothere not found in checkpoint"
 * reader.get_tensor("strings") -> [b"a", b"bc"] (lengths checksum and CRC checked). */
Test(checkpoint, tf_reader_every_dtype)
{
  vs_checkpoint *c = vs_checkpoint_open(GOLDEN "/dtypes/model.ckpt", st);
  expect_ok(st);
  cr_assert_eq(vs_checkpoint_format(c), VS_CKPT_TF_V2);
  expected e[16];
  int n = load_expected(GOLDEN "/dtypes/expected.txt", e, 16);
  cr_assert_eq(n, 9);
  cr_assert_eq(vs_checkpoint_num_tensors(c), 10);
  for (int i = 0; i < n; i++) {
    size_t k = vs_checkpoint_find(c, e[i].key);
    cr_assert_neq(k, VS_NPOS, "%s missing", e[i].key);
    vs_ckpt_tensor_info in;
    vs_checkpoint_tensor_info(c, k, &in, st);
    expect_ok(st);
    cr_assert_str_eq(vs_dtype_name(in.dtype), e[i].dtype);
    cr_assert_eq(in.shape.rank, e[i].shape.rank);
    for (int d = 0; d < in.shape.rank; d++) cr_assert_eq(in.shape.dims[d], e[i].shape.dims[d]);
    cr_assert_null(in.tensor_name);
    cr_assert_eq(in.trainable, -1);
    vs_tensor *t = vs_checkpoint_get_tensor(c, e[i].key, st);
    expect_ok(st);
    cr_assert_eq(vs_tensor_byte_size(t), e[i].n, "%s", e[i].key);
    cr_assert(memcmp(vs_tensor_data(t), e[i].bytes, e[i].n) == 0, "%s differs", e[i].key);
    vs_tensor_free(t);
  }
  size_t k = vs_checkpoint_find(c, "strings");
  vs_ckpt_tensor_info in;
  vs_checkpoint_tensor_info(c, k, &in, st);
  expect_ok(st);
  cr_assert_eq(in.dtype, VS_STRING);
  cr_assert(in.readable);
  vs_tensor *strs = vs_checkpoint_get_tensor(c, "strings", st);
  expect_ok(st);
  cr_assert_eq(vs_tensor_num_elements(strs), 2);
  cr_assert_str_eq(vs_tensor_string(strs, 0), "a");
  cr_assert_str_eq(vs_tensor_string(strs, 1), "bc");
  vs_tensor_free(strs);
  cr_assert_null(vs_checkpoint_get_tensor(c, "types/nothere", st));
  expect_error(st, VS_NOT_FOUND, "NotFoundError", "Key types/nothere not found in checkpoint");
  free_expected(e, n);
  vs_checkpoint_free(c);
}

/* with tf.variable_scope("new_scope/dense"): kernel [2, 3], bias [3]
 * with tf.variable_scope("mine"): v = tf.get_variable("v", [2], tf.int32)
 * tf.train.init_from_checkpoint("scoped/model.ckpt",
 *     {"old_scope/": "new_scope/", "other/v": "mine/v"})
 * -> new_scope/dense/kernel gets old_scope/dense/kernel, mine/v gets other/v. */
Test(checkpoint, tf_init_from_checkpoint_remaps_scopes)
{
  vs_scope *sc = vs_variable_scope_push(g, "new_scope/dense", NULL, st);
  vs_var *k = var_f32("kernel", VS_SHAPE(2, 3), 0);
  vs_var *b = var_f32("bias", VS_SHAPE(3), 0);
  vs_variable_scope_pop(g, sc, st);
  vs_var *mv = vs_get_variable(g, "mine/v", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_INT32}, st);
  vs_var *untouched = var_f32("untouched", VS_SHAPE(1), 0);
  (void)untouched;
  expect_ok(st);
  vs_session *s = new_session();
  vs_init_from_checkpoint(s, GOLDEN "/scoped/model.ckpt",
                          (vs_assignment[]){{.ckpt = "old_scope/", .current = "new_scope/"},
                                            {.ckpt = "other/v", .current = "mine/v"}},
                          2, st);
  expect_ok(st);
  expected e[8];
  int n = load_expected(GOLDEN "/scoped/expected.txt", e, 8);
  const expected *ek = find_expected(e, n, "old_scope/dense/kernel"), *eb = find_expected(e, n, "old_scope/dense/bias"),
                 *ev = find_expected(e, n, "other/v");
  expect_value(s, k, ek->bytes, ek->n);
  expect_value(s, b, eb->bytes, eb->n);
  expect_value(s, mv, ev->bytes, ev->n);
  char un[128];
  uninitialized(s, un, sizeof un);
  cr_assert_str_eq(un, "untouched");
  free_expected(e, n);
  vs_session_free(s);
}

/* init_from_checkpoint errors (TF 2.21 checkpoint_utils texts, ValueError):
 *   {"old_scope/": "zzz/"} with zzz/w in the store
 *     -> "Tensor old_scope/w (w in old_scope/) is not found in P checkpoint"
 *   {"nope": "mine/w"}  -> "Tensor nope is not found in P checkpoint {'step': [], 'other/v': [2], ...}"
 *   {"step": v_of_shape_2}
 *     -> "Shape of variable mine/w:0 ((2,)) doesn't match with shape of tensor step ([]) from checkpoint reader."
 *   {"old_scope": "zzz/"} -> "Assignment map with scope only name zzz should map to scope only old_scope. ..." */
Test(checkpoint, tf_init_from_checkpoint_errors)
{
  vs_get_variable(g, "zzz/w", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  vs_var *w = vs_get_variable(g, "mine/w", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_INT64}, st);
  expect_ok(st);
  vs_session *s = new_session();
  const char *p = GOLDEN "/scoped/model.ckpt";
  char msg[1024];
  vs_init_from_checkpoint(s, p, (vs_assignment[]){{.ckpt = "old_scope/", .current = "zzz/"}}, 1, st);
  snprintf(msg, sizeof msg, "Tensor old_scope/w (w in old_scope/) is not found in %s checkpoint", p);
  expect_error(st, VS_NOT_FOUND, "ValueError", msg);
  vs_init_from_checkpoint(s, p, (vs_assignment[]){{.ckpt = "nope", .current = "mine/w"}}, 1, st);
  snprintf(msg, sizeof msg,
           "Tensor nope is not found in %s checkpoint {'step': [], 'other/v': [2], 'old_scope/dense/kernel': [2, 3], "
           "'old_scope/dense/bias': [3]}",
           p);
  expect_error(st, VS_NOT_FOUND, "ValueError", msg);
  vs_init_from_checkpoint(s, p, (vs_assignment[]){{.ckpt = "step", .var = w}}, 1, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Shape of variable mine/w:0 ((2,)) doesn't match with shape of tensor step ([]) from checkpoint reader.");
  vs_init_from_checkpoint(s, p, (vs_assignment[]){{.ckpt = "old_scope", .current = "zzz/"}}, 1, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Assignment map with scope only name zzz should map to scope only old_scope. Should be 'scope/': "
               "'other_scope/'.");
  /* dtype: other/v is int32, mine/w int64 (TF fails when the restore runs) */
  vs_init_from_checkpoint(s, p, (vs_assignment[]){{.ckpt = "other/v", .var = w}}, 1, st);
  expect_error(st, VS_INVALID_ARGUMENT, "InvalidArgumentError",
               "tensor_name = other/v; expected dtype int64 does not equal original dtype int32");
  char un[64];
  uninitialized(s, un, sizeof un);
  cr_assert_str_eq(un, "zzz/w,mine/w");
  vs_session_free(s);
}

/* A damaged TF checkpoint is refused (TF: DataLossError):
 *   a flipped byte in a table block  -> "block checksum mismatch"
 *   a truncated index               -> DATA_LOSS
 *   a flipped byte in the data file -> "Checksum does not match", variable untouched
 *   a missing data file             -> DATA_LOSS naming the file */
Test(checkpoint, tf_corrupt_files_are_refused)
{
  size_t n;
  unsigned char *idx = read_all(GOLDEN "/scoped/model.ckpt.index", &n);
  unsigned char *data;
  size_t dn;
  data = read_all(GOLDEN "/scoped/model.ckpt.data-00000-of-00001", &dn);
  write_file(path_in("c.data-00000-of-00001"), data, dn);

  idx[10] ^= 0x40;
  write_file(path_in("c.index"), idx, n);
  cr_assert_null(vs_checkpoint_open(path_in("c"), st));
  expect_code(st, VS_DATA_LOSS);
  expect_contains(st, "block checksum mismatch");
  idx[10] ^= 0x40;

  for (size_t cut = 0; cut < n; cut += 7) {
    write_file(path_in("c.index"), idx, cut);
    cr_assert_null(vs_checkpoint_open(path_in("c"), st));
    expect_code(st, VS_DATA_LOSS);
  }
  write_file(path_in("c.index"), idx, n);

  vs_var *v = vs_get_variable(g, "other/v", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_INT32}, st);
  vs_saver *sv = vs_saver_new(g, NULL, st);
  vs_session *s = new_session();
  run_init(s);
  int32_t zeros[2] = {0, 0};
  for (size_t i = 0; i < dn; i++) {
    data[i] ^= 0x01;
    write_file(path_in("c.data-00000-of-00001"), data, dn);
    data[i] ^= 0x01;
    vs_saver_restore(sv, s, path_in("c"), st);
    if (vs_status_code(st) == VS_OK) { /* the byte belongs to another tensor */
      run_init(s);
      continue;
    }
    expect_code(st, VS_DATA_LOSS);
    expect_contains(st, "Checksum does not match");
    expect_value(s, v, zeros, sizeof zeros);
  }
  write_file(path_in("c.data-00000-of-00001"), data, dn - 9); /* cuts other/v; step follows it */
  vs_saver_restore(sv, s, path_in("c"), st);
  expect_code(st, VS_DATA_LOSS);
  unlink(path_in("c.data-00000-of-00001"));
  vs_saver_restore(sv, s, path_in("c"), st);
  expect_code(st, VS_DATA_LOSS);
  expect_contains(st, "c.data-00000-of-00001");
  write_file(path_in("c.data-00000-of-00001"), data, dn);
  vs_saver_restore(sv, s, path_in("c"), st);
  expect_ok(st);
  int32_t want[2] = {3, -4};
  expect_value(s, v, want, sizeof want);
  vs_session_free(s);
  vs_saver_free(sv);
  free(idx);
  free(data);
}

/* ======================================================================= */
/* safetensors                                                              */
/* ======================================================================= */

/* Writes a safetensors file from a JSON header and `data_len` data bytes. */
static void write_st(const char *path, const char *json, size_t data_len, uint64_t hlen_override)
{
  size_t jl = strlen(json);
  uint64_t hl = hlen_override ? hlen_override : jl;
  unsigned char *b = calloc(1, 8 + jl + data_len + 1);
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)(hl >> (8 * i));
  memcpy(b + 8, json, jl);
  write_file(path, b, 8 + jl + data_len);
  free(b);
}

/* safetensors' own validation (safe_open raises SafetensorError for each),
 * which varscope reports as DATA_LOSS naming the defect; out-of-range
 * offsets and lengths are checked before any byte is read. */
Test(checkpoint, safetensors_damaged_files_are_refused)
{
  static const struct {
    const char *json;
    size_t data;
    uint64_t hlen;
    vs_code code;
    const char *part;
  } cases[] = {
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, 0, VS_OK, NULL},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, 0, VS_DATA_LOSS, "outside"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12, 0, VS_DATA_LOSS, "trailing"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, 1000, VS_DATA_LOSS, "header length"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, 200000000, VS_DATA_LOSS, "limit"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
       "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, 0, VS_DATA_LOSS, "overlaps"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, 0, VS_DATA_LOSS, "hole"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, 0, VS_DATA_LOSS, "need 12"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, 0, VS_DATA_LOSS, "outside"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,18446744073709551615]}}", 8, 0, VS_DATA_LOSS,
       "invalid JSON"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,8]}}", 8, 0,
       VS_DATA_LOSS, "invalid shape"},
      {"{\"a\":{\"dtype\":\"F64\",\"shape\":[1152921504606846976,2],\"data_offsets\":[0,8]}}", 8, 0,
       VS_DATA_LOSS, "more than 2^64"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, 0, VS_DATA_LOSS, "shape"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
       "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, 0, VS_DATA_LOSS, "duplicate"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8, 0, VS_DATA_LOSS, "invalid JSON"},
      {"[1,2]", 0, 0, VS_DATA_LOSS, "not a JSON object"},
      {"{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2, 0, VS_UNIMPLEMENTED, "F8_E4M3"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, 0, VS_DATA_LOSS, "data_offsets"},
      {"{\"__metadata__\":{\"x\":1},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, 0,
       VS_DATA_LOSS, "__metadata__"},
      {"{\"__metadata__\":{\"varscope.variables\":\"{\\\"zz\\\":{}}\"},"
       "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, 0, VS_DATA_LOSS, "malformed"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    write_st(path_in("x.safetensors"), cases[i].json, cases[i].data, cases[i].hlen);
    vs_checkpoint *c = vs_checkpoint_open(path_in("x.safetensors"), st);
    cr_assert_eq(vs_status_code(st), cases[i].code, "case %zu: %s: %s", i, vs_code_name(vs_status_code(st)),
                 vs_status_message(st));
    if (cases[i].part) expect_contains(st, cases[i].part);
    cr_assert_eq(c == NULL, cases[i].code != VS_OK, "case %zu", i);
    vs_checkpoint_free(c);
  }
  write_file(path_in("short.safetensors"), "\x08\0\0", 3);
  cr_assert_null(vs_checkpoint_open(path_in("short.safetensors"), st));
  expect_code(st, VS_DATA_LOSS);
}

/* A file the Python package wrote (save_file(tensors, path, metadata={"format": "np"}),
 * committed in conformance/golden/ckpt/py_safetensors): every tensor reads
 * back with its dtype, shape and bytes, the empty (0, 3) one included. */
Test(checkpoint, safetensors_from_python_fixture)
{
  vs_checkpoint *c = vs_checkpoint_open(GOLDEN "/py_safetensors/model.safetensors", st);
  expect_ok(st);
  expected e[8];
  int n = load_expected(GOLDEN "/py_safetensors/expected.txt", e, 8);
  cr_assert_eq(vs_checkpoint_num_tensors(c), (size_t)n);
  for (int i = 0; i < n; i++) {
    vs_ckpt_tensor_info in;
    vs_checkpoint_tensor_info(c, (size_t)i, &in, st);
    expect_ok(st);
    cr_assert_str_eq(in.key, e[i].key);
    cr_assert_str_eq(vs_dtype_name(in.dtype), e[i].dtype);
    cr_assert_eq(in.shape.rank, e[i].shape.rank);
    cr_assert_null(in.collections);
    vs_tensor *t = vs_checkpoint_get_tensor(c, e[i].key, st);
    expect_ok(st);
    cr_assert_eq(vs_tensor_byte_size(t), e[i].n);
    cr_assert(e[i].n == 0 || memcmp(vs_tensor_data(t), e[i].bytes, e[i].n) == 0, "%s differs", e[i].key);
    vs_tensor_free(t);
  }
  free_expected(e, n);
  vs_checkpoint_free(c);
}

/* Both directions with the Python package, live:
 *   save_file({"py/a": [[1.5, -2], [3, 4.25]] f32, "py/n": [7, -8, 9] i64}, py.safetensors)
 *   -> vs_saver_restore reads it into py/a and py/n;
 *   vs_saver_save(c.safetensors) -> load_file() and safe_open().metadata() in
 *   Python see c/v == [[0,1,2],[3,4,5]] (f32), c/h (f16), py/n, and
 *   varscope.variables {"c/v": {"name": "c/v:0", "trainable": true, ...}}. */
static const char py_script[] =
    "import sys, json\n"
    "import numpy as np\n"
    "from safetensors.numpy import save_file, load_file\n"
    "from safetensors import safe_open\n"
    "d = sys.argv[1]\n"
    "save_file({'py/a': np.array([[1.5, -2], [3, 4.25]], np.float32), 'py/n': np.array([7, -8, 9], np.int64)},\n"
    "          d + '/py.safetensors', metadata={'format': 'np'})\n"
    "print('written', flush=True)\n"
    "path = sys.stdin.readline().strip()\n"
    "t = load_file(path)\n"
    "with safe_open(path, 'np') as f:\n"
    "    meta = f.metadata()\n"
    "v = json.loads(meta['varscope.variables'])\n"
    "checks = [\n"
    "  sorted(t) == ['c/h', 'c/v', 'py/a', 'py/n'],\n"
    "  t['c/v'].dtype == np.float32 and (t['c/v'] == np.arange(6, dtype=np.float32).reshape(2, 3)).all(),\n"
    "  t['c/h'].dtype == np.float16 and (t['c/h'] == np.array([0.5, -3], np.float16)).all(),\n"
    "  t['py/n'].dtype == np.int64 and list(t['py/n']) == [7, -8, 9],\n"
    "  meta['format'] == 'varscope',\n"
    "  v['c/v'] == {'name': 'c/v:0', 'trainable': True, 'collections': ['variables', 'trainable_variables']},\n"
    "  v['c/h']['trainable'] is False,\n"
    "]\n"
    "print('ok' if all(checks) else 'mismatch %s' % checks, flush=True)\n";

Test(checkpoint, safetensors_round_trip_with_python)
{
  char *probe[] = {(char *)python(), "-c", "import numpy, safetensors.numpy", NULL};
  pid_t p = spawn(probe, NULL, NULL, true);
  if (p < 0 || wait_exit(p) != 0)
    cr_skip_test("the Python safetensors package is not importable with %s (set VS_PYTHON to a Python that has it)",
                 python());
  /* Python starts before this process makes any OpenCL call. */
  char *argv[] = {(char *)python(), "-c", (char *)py_script, dir, NULL};
  int to_py, from_py;
  pid_t pid = spawn(argv, &to_py, &from_py, false);
  cr_assert_gt(pid, 0);
  char line[512];
  cr_assert(read_line(from_py, line, sizeof line));
  cr_assert_str_eq(line, "written");

  vs_var *a = vs_get_variable(g, "py/a", &(vs_var_opts){.shape = VS_SHAPE(2, 2)}, st);
  vs_var *nn = vs_get_variable(g, "py/n", &(vs_var_opts){.shape = VS_SHAPE(3), .dtype = VS_INT64}, st);
  vs_var *cv = var_f32("c/v", VS_SHAPE(2, 3), 0);
  vs_var *ch = vs_get_variable(g, "c/h", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_HALF,
                                                        .trainable = VS_OPT_FALSE, .initializer = vs_zeros_initializer()},
                               st);
  expect_ok(st);
  vs_session *s = new_session();
  run_init(s);
  vs_saver *from = vs_saver_new(g, &(vs_saver_opts){.var_list = (vs_var *[]){a, nn}, .n_vars = 2}, st);
  vs_saver_restore(from, s, path_in("py.safetensors"), st);
  expect_ok(st);
  float av[4] = {1.5, -2, 3, 4.25};
  int64_t nv[3] = {7, -8, 9};
  expect_value(s, a, av, sizeof av);
  expect_value(s, nn, nv, sizeof nv);
  float cvv[6] = {0, 1, 2, 3, 4, 5};
  uint16_t chv[2] = {0x3800, 0xc200}; /* float16 0.5, -3 */
  set_value(s, cv, cvv);
  set_value(s, ch, chv);
  vs_saver *all = vs_saver_new(g, NULL, st);
  vs_saver_save(all, s, path_in("c.safetensors"), st);
  expect_ok(st);
  dprintf(to_py, "%s\n", path_in("c.safetensors"));
  close(to_py);
  cr_assert(read_line(from_py, line, sizeof line));
  close(from_py);
  cr_assert_eq(wait_exit(pid), 0);
  cr_assert_str_eq(line, "ok");
  vs_saver_free(all);
  vs_saver_free(from);
  vs_session_free(s);
}

/* ======================================================================= */
/* Crash safety                                                             */
/* ======================================================================= */

/* A process saving a 32 MiB checkpoint over and over is killed (SIGKILL)
 * while a save is half written. The checkpoint at the path is the previous,
 * complete one: it opens, and every element of every variable holds the
 * same generation number. The killed save's temporary file stays until the
 * next save to the path, which removes it (its writer is gone); it used to
 * stay for ever (docs/bad-input.md, "orphan .tmp-*"). (This test makes no
 * OpenCL call; the helper does.) */
/* Reads a whole small file into buf (NUL-terminated); false when absent. */
static bool slurp(const char *path, char *buf, size_t cap)
{
  FILE *f = fopen(path, "r");
  if (!f) return false;
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
  fclose(f);
  return true;
}

/* A real full disk: a 1.5 MiB tmpfs, mounted in a private mount namespace
 * by unshare(1) (in a user namespace, else as root), holds a 1 MiB
 * checkpoint; saving 2 MiB over it must fail with RESOURCE_EXHAUSTED "No
 * space left on device", leave no temporary file and keep the checkpoint.
 * The saving happens in ckpt_save_helper (no fork after OpenCL here). Where
 * no namespace can mount a tmpfs the test is skipped and says why. */
Test(checkpoint, save_on_a_full_file_system_keeps_the_checkpoint, .timeout = 120)
{
  static const char script[] =
      "mount -t tmpfs -o size=1536k tmpfs \"$1\" 2>\"$3.mount\" || exit 77\n"
      "\"$2\" \"$1/m.safetensors\" 1 1 >/dev/null 2>\"$3.first\" || exit 78\n"
      "before=$(stat -c %s \"$1/m.safetensors\")\n"
      "\"$2\" \"$1/m.safetensors\" 2 1 >/dev/null 2>\"$3.err\"\n"
      "echo \"rc=$? before=$before after=$(stat -c %s \"$1/m.safetensors\")\" >\"$3\"\n"
      "ls -A \"$1\" >>\"$3\"\n";
  char mnt[600], out[600], buf[4096], err[4096];
  snprintf(mnt, sizeof mnt, "%s/mnt", dir);
  snprintf(out, sizeof out, "%s/full.out", dir);
  cr_assert_eq(mkdir(mnt, 0700), 0);
  int rc = -1;
  const char *const ways[][2] = {{"unshare", "-rm"}, {"unshare", "-m"}};
  for (size_t w = 0; w < 2 && rc != 0; w++) {
    char *argv[] = {(char *)ways[w][0], (char *)ways[w][1], "sh", "-c", (char *)script, "sh", mnt,
                    VS_CKPT_HELPER, out, NULL};
    pid_t pid = spawn(argv, NULL, NULL, true);
    rc = pid > 0 ? wait_exit(pid) : -1;
    cr_assert_neq(rc, 78, "the first 1 MiB save failed on the tmpfs");
  }
  if (rc != 0) cr_skip_test("no mount namespace can mount a tmpfs here (unshare -rm and -m both failed)");
  cr_assert(slurp(out, buf, sizeof buf), "the script wrote no result");
  cr_assert(slurp((snprintf(err, sizeof err, "%s.err", out), err), err, sizeof err));
  long second_rc = -1, before = -1, after = -2;
  cr_assert_eq(sscanf(buf, "rc=%ld before=%ld after=%ld", &second_rc, &before, &after), 3, "%s", buf);
  cr_assert_eq(second_rc, 1, "the 2 MiB save did not fail: %s", err);
  char want[800];
  snprintf(want, sizeof want, "ckpt_save_helper: save: code %d: Cannot write %s/m.safetensors.tmp-",
           VS_RESOURCE_EXHAUSTED, mnt);
  cr_assert(strncmp(err, want, strlen(want)) == 0, "%s", err);
  cr_assert(strstr(err, ": No space left on device\n") != NULL, "%s", err);
  cr_assert_eq(before, after, "the checkpoint changed size: %s", buf);
  cr_assert(before > 1048576, "%s", buf);
  const char *listing = strchr(buf, '\n');
  cr_assert_str_eq(listing ? listing + 1 : "", "m.safetensors\n", "files left on the tmpfs");
}

Test(checkpoint, kill_during_save_keeps_previous_checkpoint, .timeout = 120)
{
  const char *path = path_in("big.safetensors");
  const long mb = 32;
  const uint64_t data_bytes = (uint64_t)mb * 1048576;
  bool landed = false;
  for (int attempt = 0; attempt < 10 && !landed; attempt++) {
    char *argv[] = {VS_CKPT_HELPER, (char *)path, "32", NULL};
    int from;
    pid_t pid = spawn(argv, NULL, &from, false);
    cr_assert_gt(pid, 0);
    char line[64];
    cr_assert(read_line(from, line, sizeof line), "the helper did not save");
    cr_assert_str_eq(line, "saved 1");
    /* Wait for a later save's temporary file to be partly written. */
    char tmp[600] = "";
    struct timespec nap = {0, 200000};
    for (int spin = 0; spin < 200000 && !tmp[0]; spin++) {
      DIR *d = opendir(dir);
      struct dirent *de;
      while (d && (de = readdir(d))) {
        if (!strstr(de->d_name, ".tmp-")) continue;
        char p[600];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (stat(p, &sb) == 0 && sb.st_size > 0 && (uint64_t)sb.st_size < data_bytes / 2) {
          kill(pid, SIGKILL);
          snprintf(tmp, sizeof tmp, "%s", p);
          break;
        }
      }
      if (d) closedir(d);
      if (!tmp[0]) nanosleep(&nap, NULL);
    }
    kill(pid, SIGKILL);
    wait_exit(pid);
    close(from);
    struct stat sb;
    landed = tmp[0] && stat(tmp, &sb) == 0; /* killed before the rename */
    if (tmp[0] && !landed) unlink(tmp);
  }
  cr_assert(landed, "never caught a save midway");
  cr_assert_eq(count_files(".tmp-"), 1, "the killed save's temporary file");
  /* One more save by a new process removes the orphan and leaves its own
   * file complete. */
  char *once[] = {VS_CKPT_HELPER, (char *)path, "1", "1", NULL};
  int from1;
  pid_t pid1 = spawn(once, NULL, &from1, false);
  cr_assert_gt(pid1, 0);
  char line1[64];
  cr_assert(read_line(from1, line1, sizeof line1), "the second helper did not save");
  cr_assert_str_eq(line1, "saved 1");
  cr_assert_eq(wait_exit(pid1), 0);
  close(from1);
  cr_assert_eq(count_files(".tmp-"), 0, "the orphaned temporary file was not removed");
  vs_checkpoint *c = vs_checkpoint_open(path, st);
  expect_ok(st);
  cr_assert_eq(vs_checkpoint_num_tensors(c), 4);
  float gen = -1;
  for (size_t i = 0; i < 4; i++) {
    vs_ckpt_tensor_info in;
    vs_checkpoint_tensor_info(c, i, &in, st);
    expect_ok(st);
    vs_tensor *t = vs_checkpoint_get_tensor(c, in.key, st);
    expect_ok(st);
    const float *f = vs_tensor_data(t);
    if (gen < 0) gen = f[0];
    for (size_t k = 0; k < vs_tensor_num_elements(t); k++)
      if (f[k] != gen) cr_assert_fail("%s[%zu] = %g, expected %g", in.key, k, f[k], gen);
    vs_tensor_free(t);
  }
  cr_assert_geq(gen, 1);
  vs_checkpoint_free(c);
}

/* ======================================================================= */
/* A model trained in TensorFlow, run in varscope                           */
/* ======================================================================= */

/* def conv_relu(x, kernel_shape, bias_shape):
 *   w = tf.get_variable("weights", kernel_shape); b = tf.get_variable("biases", bias_shape)
 *   return tf.nn.relu(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME") + b)
 * with tf.variable_scope("image_filters"): my_image_filter(x)  # conv1 -> conv2
 * tf.train.Saver().restore(sess, "image_filter/model.ckpt")
 * sess.run(out, {x: images}) == TF's output with the trained weights (within 1e-5). */
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

Test(checkpoint, tf_image_filter_gives_tf_outputs)
{
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 5, 5, 2), "x", st);
  vs_output out = {0};
  VS_WITH_VARIABLE_SCOPE(g, s1, "image_filters", NULL, st) {
    vs_output h = x;
    VS_WITH_VARIABLE_SCOPE(g, c1, "conv1", NULL, st) h = conv_relu(h, VS_SHAPE(3, 3, 2, 4), VS_SHAPE(4));
    VS_WITH_VARIABLE_SCOPE(g, c2, "conv2", NULL, st) out = conv_relu(h, VS_SHAPE(3, 3, 4, 4), VS_SHAPE(4));
  }
  vs_get_variable(g, "global_step", &(vs_var_opts){.shape = VS_SCALAR, .dtype = VS_INT64, .trainable = VS_OPT_FALSE,
                                                   .initializer = vs_zeros_initializer()}, st);
  expect_ok(st);
  vs_saver *sv = vs_saver_new(g, NULL, st);
  vs_session *s = new_session();
  vs_saver_restore(sv, s, GOLDEN "/image_filter/model.ckpt", st);
  expect_ok(st);
  expected e[16];
  int n = load_expected(GOLDEN "/image_filter/expected.txt", e, 16);
  const expected *in = find_expected(e, n, "__input__"), *want = find_expected(e, n, "__output__");
  vs_tensor *feed = vs_tensor_new(VS_FLOAT, VS_SHAPE(1, 5, 5, 2), in->bytes, st);
  vs_tensor *got = NULL;
  vs_session_run(s, &x, &feed, 1, &out, &got, 1, NULL, 0, st);
  expect_ok(st);
  cr_assert_eq(vs_tensor_byte_size(got), want->n);
  cr_assert_leq(want->n, sizeof(float[100]));
  const float *gv = vs_tensor_data(got);
  float wv[100];
  memcpy(wv, want->bytes, want->n);
  for (size_t i = 0; i < want->n / 4; i++)
    cr_assert(fabsf(gv[i] - wv[i]) <= 1e-5f + 1e-5f * fabsf(wv[i]), "output[%zu] = %.9g, TF %.9g", i, gv[i], wv[i]);
  vs_tensor_free(got);
  vs_tensor_free(feed);
  free_expected(e, n);
  vs_session_free(s);
  vs_saver_free(sv);
}
