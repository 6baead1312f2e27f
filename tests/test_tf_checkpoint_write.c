/* test_tf_checkpoint_write.c - writing TensorFlow V2 checkpoints (issue 13,
 * "back to TensorFlow"): Saver(format = VS_CKPT_TF_V2).
 *
 * The strongest check is byte equality: the TF fixtures under
 * conformance/golden/ckpt/ (tools/make_tf_fixtures.py, TF 2.21's
 * tf.compat.v1.train.Saver) are restored and saved again, and both files
 * must equal TF's, bit for bit, the string tensor included. The rest: a
 * round trip of every dtype through our own reader, the `checkpoint`
 * state file, damaged files refused with DATA_LOSS, and failed saves that
 * leave nothing behind. tools/tf_roundtrip.py checks the other side: TF
 * reads what varscope writes.
 *
 * No test forks: sessions are made in the test process, nothing is spawned.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUPPORT_FIXTURE_DIR "vs_tfw"
#include "support.h"

#define GOLDEN VS_SOURCE_DIR "/conformance/golden/ckpt"
#define DATA_SUFFIX ".data-00000-of-00001"

TestSuite(tf_checkpoint_write, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------- */

static const char *path_in(const char *name)
{
  static char buf[4][512];
  static int k;
  char *p = buf[k++ % 4];
  snprintf(p, 512, "%s/%s", dir, name);
  return p;
}

static unsigned char *read_all(const char *path, size_t *n)
{
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s: %s", path, strerror(errno));
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)len + 1);
  cr_assert_eq(fread(b, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  *n = (size_t)len;
  return b;
}

static void write_file(const char *path, const void *data, size_t n)
{
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  cr_assert_eq(fwrite(data, 1, n, f), n);
  fclose(f);
}

static void expect_same_file(const char *mine, const char *tf)
{
  size_t a, b;
  unsigned char *x = read_all(mine, &a), *y = read_all(tf, &b);
  size_t first = 0;
  while (first < a && first < b && x[first] == y[first]) first++;
  cr_assert(a == b && first == a, "%s (%zu bytes) differs from %s (%zu bytes) at byte %zu", mine, a, tf, b, first);
  free(x);
  free(y);
}

/* Names of the files in dir holding `part`, joined by ','. */
static void files_with(const char *part, char *out, size_t cap)
{
  out[0] = '\0';
  DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d)))
    if (strstr(de->d_name, part)) {
      size_t m = strlen(out);
      snprintf(out + m, cap - m, "%s%s", m ? "," : "", de->d_name);
    }
  if (d) closedir(d);
}

static vs_session *new_session(void)
{
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  return s;
}

/* The graph of a checkpoint: one get_variable per key, its dtype and shape. */
static void vars_like(const char *prefix)
{
  vs_checkpoint *c = vs_checkpoint_open(prefix, st);
  expect_ok(st);
  for (size_t i = 0; i < vs_checkpoint_num_tensors(c); i++) {
    vs_ckpt_tensor_info in;
    vs_checkpoint_tensor_info(c, i, &in, st);
    expect_ok(st);
    vs_get_variable(g, in.key,
                    &(vs_var_opts){.shape = in.shape, .dtype = in.dtype, .initializer = vs_zeros_initializer()}, st);
    expect_ok(st);
  }
  vs_checkpoint_free(c);
}

static vs_saver *tf_saver(bool state)
{
  vs_saver *sv = vs_saver_new(g, &(vs_saver_opts){.format = VS_CKPT_TF_V2, .no_write_state = !state}, st);
  expect_ok(st);
  return sv;
}

/* A variable "v" of `shape` (ones), initialised in a new session, and a
 * TF V2 saver (with the state file) in *sv. */
static vs_session *one_var(vs_shape shape, vs_saver **sv)
{
  vs_get_variable(g, "v", &(vs_var_opts){.shape = shape, .initializer = vs_ones_initializer()}, st);
  *sv = tf_saver(true);
  vs_session *s = new_session();
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  expect_ok(st);
  return s;
}

/* ---- byte equality with TensorFlow --------------------------------------- */

/* For each fixture: saver.restore(sess, "NAME/model.ckpt"), then
 * saver.save(sess, "mine/model.ckpt", write_state=False): the .index and
 * .data-00000-of-00001 equal the files TF 2.21 wrote for the same values,
 * byte for byte (entry layout, string encoding, CRCs, table blocks, footer). */
static void resave_equals_tf(const char *name)
{
  char prefix[512], mine[512], a[600], b[600];
  snprintf(prefix, sizeof prefix, "%s/%s/model.ckpt", GOLDEN, name);
  snprintf(mine, sizeof mine, "%s", path_in("model.ckpt"));
  vars_like(prefix);
  vs_saver *sv = tf_saver(false);
  vs_session *s = new_session();
  vs_saver_restore(sv, s, prefix, st);
  expect_ok(st);
  vs_saver_save(sv, s, mine, st);
  expect_ok(st);
  snprintf(a, sizeof a, "%s.index", mine);
  snprintf(b, sizeof b, "%s.index", prefix);
  expect_same_file(a, b);
  snprintf(a, sizeof a, "%s" DATA_SUFFIX, mine);
  snprintf(b, sizeof b, "%s" DATA_SUFFIX, prefix);
  expect_same_file(a, b);
  char files[256];
  files_with("checkpoint", files, sizeof files);
  cr_assert_str_eq(files, "", "write_state=False wrote %s", files);
  vs_session_free(s);
  vs_saver_free(sv);
}

Test(tf_checkpoint_write, bytes_equal_tf_every_dtype_and_string) { resave_equals_tf("dtypes"); }
Test(tf_checkpoint_write, bytes_equal_tf_image_filter) { resave_equals_tf("image_filter"); }
Test(tf_checkpoint_write, bytes_equal_tf_scoped) { resave_equals_tf("scoped"); }

/* ---- round trip through varscope's reader -------------------------------- */

static const vs_dtype every_dtype[] = {VS_FLOAT,  VS_DOUBLE, VS_INT32,  VS_UINT8,      VS_INT16,
                                       VS_INT8,   VS_INT64,  VS_BOOL,   VS_BFLOAT16,   VS_UINT16,
                                       VS_HALF,   VS_UINT32, VS_UINT64, VS_COMPLEX64, VS_COMPLEX128};
#define N_DTYPES (sizeof every_dtype / sizeof every_dtype[0])

/* Deterministic bytes for dtype t (bools 0/1). */
static void fill(unsigned char *p, size_t n, vs_dtype t, unsigned seed)
{
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    p[i] = t == VS_BOOL ? (unsigned char)(seed >> 16 & 1) : (unsigned char)(seed >> 16);
  }
}

/* Every dtype, shapes [2, 3], a scalar and [0], plus a string variable
 * (empty, long with a 2-byte varint length, UTF-8): saved as TF V2,
 * restored into a fresh graph, and read with load_checkpoint: exact. */
Test(tf_checkpoint_write, round_trip_every_dtype)
{
  static const char *strs[] = {"", "plain", "caf\xc3\xa9", NULL, "x"};
  char longs[301];
  memset(longs, 'L', 300);
  longs[300] = '\0';
  strs[3] = longs;
  vs_shape shapes[] = {VS_SHAPE(2, 3), VS_SCALAR, VS_SHAPE(0)};
  unsigned char bytes[N_DTYPES][3][96];
  for (int round = 0; round < 2; round++) {
    vs_graph *gr = round == 0 ? g : vs_graph_new();
    vs_var *vars[N_DTYPES][3], *sv_var;
    char name[64];
    for (size_t d = 0; d < N_DTYPES; d++)
      for (int k = 0; k < 3; k++) {
        snprintf(name, sizeof name, "t/%s_%d", vs_dtype_name(every_dtype[d]), k);
        vars[d][k] = vs_get_variable(gr, name, &(vs_var_opts){.shape = shapes[k], .dtype = every_dtype[d],
                                                              .initializer = vs_zeros_initializer()}, st);
        expect_ok(st);
      }
    sv_var = vs_get_variable(gr, "t/s", &(vs_var_opts){.shape = VS_SHAPE(5), .dtype = VS_STRING}, st);
    expect_ok(st);
    vs_session *s = vs_session_new(gr, NULL, st);
    expect_ok(st);
    vs_saver *sv = vs_saver_new(gr, &(vs_saver_opts){.format = VS_CKPT_TF_V2}, st);
    expect_ok(st);
    if (round == 0) {
      for (size_t d = 0; d < N_DTYPES; d++)
        for (int k = 0; k < 3; k++) {
          size_t n = (size_t)vs_shape_num_elements(shapes[k]) * vs_dtype_size(every_dtype[d]);
          fill(bytes[d][k], n, every_dtype[d], (unsigned)(d * 3 + (size_t)k + 1));
          vs_tensor *t = vs_tensor_new(every_dtype[d], shapes[k], bytes[d][k], st);
          vs_session_assign_variable(s, vars[d][k], t, st);
          expect_ok(st);
          vs_tensor_free(t);
        }
      vs_tensor *t = vs_tensor_new_strings(VS_SHAPE(5), strs, st);
      vs_session_assign_variable(s, sv_var, t, st);
      expect_ok(st);
      vs_tensor_free(t);
      vs_saver_save(sv, s, path_in("all"), st);
      expect_ok(st);
    } else {
      vs_saver_restore(sv, s, path_in("all"), st);
      expect_ok(st);
      for (size_t d = 0; d < N_DTYPES; d++)
        for (int k = 0; k < 3; k++) {
          size_t n = (size_t)vs_shape_num_elements(shapes[k]) * vs_dtype_size(every_dtype[d]);
          vs_tensor *t = vs_session_variable_value(s, vars[d][k], st);
          expect_ok(st);
          cr_assert_eq(vs_tensor_byte_size(t), n);
          cr_assert(n == 0 || memcmp(vs_tensor_data(t), bytes[d][k], n) == 0, "%s differs",
                    vs_var_op_name(vars[d][k]));
          vs_tensor_free(t);
        }
      vs_tensor *t = vs_session_variable_value(s, sv_var, st);
      expect_ok(st);
      for (size_t i = 0; i < 5; i++) cr_assert_str_eq(vs_tensor_string(t, i), strs[i]);
      vs_tensor_free(t);
      /* the reader: shapes and dtypes as written */
      vs_checkpoint *c = vs_checkpoint_open(path_in("all"), st);
      expect_ok(st);
      cr_assert_eq(vs_checkpoint_format(c), VS_CKPT_TF_V2);
      cr_assert_eq(vs_checkpoint_num_tensors(c), N_DTYPES * 3 + 1);
      vs_ckpt_tensor_info in;
      vs_checkpoint_tensor_info(c, vs_checkpoint_find(c, "t/s"), &in, st);
      expect_ok(st);
      cr_assert_eq(in.dtype, VS_STRING);
      cr_assert(in.readable);
      cr_assert_eq(in.shape.rank, 1);
      cr_assert_eq(in.shape.dims[0], 5);
      /* 5 one-byte lengths but the 300 (2 bytes), the length checksum, the text */
      cr_assert_eq(in.byte_size, 6 + 4 + 0 + 5 + 5 + 300 + 1);
      vs_checkpoint_free(c);
    }
    vs_saver_free(sv);
    vs_session_free(s);
    if (round == 1) vs_graph_free(gr);
  }
}

/* ---- the `checkpoint` state file ----------------------------------------- */

/* saver.save(sess, DIR/a); saver.save(sess, DIR/b); saver.save(sess, DIR/a)
 * -> DIR/checkpoint as TF's Saver writes it (absolute paths as given, the
 * newest last; a path saved again moves to the end), which
 * tf.train.latest_checkpoint(DIR) reads. */
Test(tf_checkpoint_write, state_file_as_tf_writes_it)
{
  vs_saver *sv;
  vs_session *s = one_var(VS_SHAPE(2), &sv);
  expect_ok(st);
  const char *names[] = {"a", "b", "a"};
  for (int i = 0; i < 3; i++) {
    vs_saver_save(sv, s, path_in(names[i]), st);
    expect_ok(st);
  }
  size_t n;
  char *text = (char *)read_all(path_in("checkpoint"), &n);
  text[n] = '\0';
  char want[2048];
  snprintf(want, sizeof want,
           "model_checkpoint_path: \"%s/a\"\n"
           "all_model_checkpoint_paths: \"%s/b\"\n"
           "all_model_checkpoint_paths: \"%s/a\"\n",
           dir, dir, dir);
  cr_assert_str_eq(text, want);
  free(text);
  char files[512];
  files_with("tmp", files, sizeof files);
  cr_assert_str_eq(files, "", "temporary files left: %s", files);
  vs_session_free(s);
  vs_saver_free(sv);
}

/* A prefix with a quote, a backslash and a newline: text_format escapes. */
Test(tf_checkpoint_write, state_file_escapes_as_text_format)
{
  vs_saver *sv;
  vs_session *s = one_var(VS_SCALAR, &sv);
  vs_saver_save(sv, s, path_in("q\"b\\n\nx"), st);
  expect_ok(st);
  size_t n;
  char *text = (char *)read_all(path_in("checkpoint"), &n);
  text[n] = '\0';
  char want[1024];
  snprintf(want, sizeof want,
           "model_checkpoint_path: \"%s/q\\\"b\\\\n\\nx\"\nall_model_checkpoint_paths: \"%s/q\\\"b\\\\n\\nx\"\n", dir,
           dir);
  cr_assert_str_eq(text, want);
  free(text);
  vs_session_free(s);
  vs_saver_free(sv);
}

/* ---- damage and failures -------------------------------------------------- */

/* Saves w = [1, 2, 3] (float) and s = ["ab", "c"] at DIR/m. */
static vs_saver *save_small(vs_session **out, vs_var **w, vs_var **sv_var)
{
  float vals[3] = {1, 2, 3};
  *w = vs_get_variable(g, "w", &(vs_var_opts){.initializer = vs_value_initializer(vals, VS_FLOAT, 3, VS_UNKNOWN_SHAPE)},
                       st);
  expect_ok(st);
  *sv_var = vs_get_variable(g, "s", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_STRING}, st);
  expect_ok(st);
  vs_saver *sv = tf_saver(false);
  vs_session *s = new_session();
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  vs_tensor *t = vs_tensor_new_strings(VS_SHAPE(2), (const char *[]){"ab", "c"}, st);
  vs_session_assign_variable(s, *sv_var, t, st);
  vs_tensor_free(t);
  expect_ok(st);
  vs_saver_save(sv, s, path_in("m"), st);
  expect_ok(st);
  *out = s;
  return sv;
}

/* One byte of the data file changed: restore fails with DataLossError
 * (TF's "Checksum does not match" text) and changes no variable; a
 * changed length in the string tensor fails the length checksum. */
Test(tf_checkpoint_write, corrupt_data_byte_is_data_loss)
{
  vs_session *s;
  vs_var *w, *sv_var;
  vs_saver *sv = save_small(&s, &w, &sv_var);
  size_t n;
  unsigned char *data = read_all(path_in("m" DATA_SUFFIX), &n);
  /* in key order: s (lengths 2 and 1, their checksum, "abc"), then w */
  cr_assert_eq(n, 2 + 4 + 3 + 12);
  data[9 + 5] ^= 0x40; /* inside w */
  write_file(path_in("m" DATA_SUFFIX), data, n);
  vs_tensor *zero = vs_tensor_new(VS_FLOAT, VS_SHAPE(3), (float[]){0, 0, 0}, st);
  vs_session_assign_variable(s, w, zero, st);
  vs_tensor_free(zero);
  vs_saver_restore(sv, s, path_in("m"), st);
  expect_code(st, VS_DATA_LOSS);
  cr_assert_str_eq(vs_status_exception_name(st), "DataLossError");
  cr_assert(strstr(vs_status_message(st), "Checksum does not match"), "%s", vs_status_message(st));
  cr_assert(strstr(vs_status_message(st), "(tensor 'w')"), "%s", vs_status_message(st));
  vs_tensor *t = vs_session_variable_value(s, w, st);
  cr_assert_eq(((float *)vs_tensor_data(t))[0], 0.0f, "w was changed by a failed restore");
  vs_tensor_free(t);

  data[9 + 5] ^= 0x40;
  data[0] = 1; /* the first string's length, 2 -> 1 */
  write_file(path_in("m" DATA_SUFFIX), data, n);
  vs_saver_restore(sv, s, path_in("m"), st);
  expect_code(st, VS_DATA_LOSS);
  cr_assert(strstr(vs_status_message(st), "the length checksum does not match"), "%s", vs_status_message(st));
  free(data);
  vs_session_free(s);
  vs_saver_free(sv);
}

/* Any byte of the index changed: DATA_LOSS at open (block CRCs, magic). */
Test(tf_checkpoint_write, corrupt_index_byte_is_data_loss)
{
  vs_session *s;
  vs_var *w, *sv_var;
  vs_saver *sv = save_small(&s, &w, &sv_var);
  size_t n;
  unsigned char *idx = read_all(path_in("m.index"), &n);
  /* The footer: metaindex and index handles (four varints), padding. The
   * metaindex block is not read, by TF either (no filter policy). */
  uint64_t h[4] = {0};
  size_t at = n - 48, index_handle = 0;
  for (int k = 0; k < 4; k++)
    for (int shift = 0, first = 1;; shift += 7, first = 0) {
      if (k == 2 && first) index_handle = at;
      h[k] |= (uint64_t)(idx[at] & 0x7f) << shift;
      if (!(idx[at++] & 0x80)) break;
    }
  size_t meta = (size_t)h[0], meta_end = meta + (size_t)h[1] + 5;
  for (size_t i = 0; i < n; i++) {
    idx[i] ^= 0x01;
    write_file(path_in("m.index"), idx, n);
    vs_checkpoint *c = vs_checkpoint_open(path_in("m"), st);
    if (c) {
      /* nothing TF reads changed: the metaindex, its handle, the padding */
      bool unread = (i >= at && i < n - 8) || (i >= meta && i < meta_end) || (i >= n - 48 && i < index_handle);
      cr_assert(unread, "byte %zu changed and the index still opened", i);
      vs_checkpoint_free(c);
    } else {
      expect_code(st, VS_DATA_LOSS);
    }
    idx[i] ^= 0x01;
  }
  free(idx);
  vs_session_free(s);
  vs_saver_free(sv);
}

/* Saving where a file cannot be created: the OS's error, and no temporary
 * file, no data file and no index. /sys refuses new files even to root. */
Test(tf_checkpoint_write, unwritable_directory_is_the_os_error)
{
  vs_saver *sv;
  vs_session *s = one_var(VS_SHAPE(2), &sv);
  vs_saver_save(sv, s, "/sys/vs_tfw_m", st);
  expect_code(st, VS_PERMISSION_DENIED);
  const char *head = "Cannot create a temporary file for /sys/vs_tfw_m" DATA_SUFFIX ": ";
  cr_assert(strncmp(vs_status_message(st), head, strlen(head)) == 0, "%s", vs_status_message(st));
  struct stat sb;
  cr_assert_neq(stat("/sys/vs_tfw_m.index", &sb), 0);
  /* A missing directory: Saver.save's ValueError. */
  char want[600];
  snprintf(want, sizeof want, "Parent directory of %s doesn't exist, can't save.", path_in("no/such/m"));
  vs_saver_save(sv, s, path_in("no/such/m"), st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", want);
  /* ... or a file where the directory should be */
  fclose(fopen(path_in("plain"), "w"));
  snprintf(want, sizeof want, "Parent directory of %s doesn't exist, can't save.", path_in("plain/m"));
  vs_saver_save(sv, s, path_in("plain/m"), st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", want);
  vs_session_free(s);
  vs_saver_free(sv);
}

/* The data file cannot be put in place (a directory holds its name): the
 * save fails with the OS's error after both files were written, and
 * leaves the earlier checkpoint, no new index and no temporary file. */
Test(tf_checkpoint_write, failed_rename_leaves_nothing_half_written)
{
  vs_saver *sv;
  vs_session *s = one_var(VS_SHAPE(2), &sv);
  cr_assert_eq(mkdir(path_in("m" DATA_SUFFIX), 0755), 0);
  vs_saver_save(sv, s, path_in("m"), st);
  expect_code(st, VS_FAILED_PRECONDITION); /* EISDIR */
  char want[600];
  snprintf(want, sizeof want, "Cannot rename into %s: Is a directory", path_in("m" DATA_SUFFIX));
  cr_assert_str_eq(vs_status_message(st), want);
  char files[512];
  files_with("m", files, sizeof files);
  cr_assert_str_eq(files, "m" DATA_SUFFIX, "left: %s", files);
  files_with("checkpoint", files, sizeof files);
  cr_assert_str_eq(files, "", "state file written for a failed save");
  rmdir(path_in("m" DATA_SUFFIX));
  vs_session_free(s);
  vs_saver_free(sv);
}

/* An unknown format is refused when the saver is made. */
Test(tf_checkpoint_write, unknown_format_refused)
{
  vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  cr_assert_null(vs_saver_new(g, &(vs_saver_opts){.format = (vs_ckpt_format)7}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "vs_saver_new: unknown checkpoint format 7");
}

/* ---- an index of several data blocks ------------------------------------ */

/* 1500 scalars under 405-character keys make a 630 KB index: three data
 * blocks of 256 KiB (TF's block size), each named in the index block by
 * its shortest separator. The same graph saved by TF 2.21 gave identical
 * bytes (checked when this was written; the 630 KB fixture is not kept).
 * Here: the index holds three data blocks, and the reader gives back every
 * value. */
Test(tf_checkpoint_write, index_of_several_blocks_reads_back)
{
  char name[512];
  enum { N = 1500 };
  vs_var **vars = malloc(N * sizeof *vars);
  for (int i = 0; i < N; i++) {
    snprintf(name, sizeof name, "k%04d", i);
    memset(name + 5, 'x', 400);
    name[405] = '\0';
    vars[i] = vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SCALAR, .initializer = vs_zeros_initializer()},
                              st);
  }
  expect_ok(st);
  vs_session *s = new_session();
  for (int i = 0; i < N; i++) {
    float f = (float)i;
    vs_tensor *t = vs_tensor_new(VS_FLOAT, VS_SCALAR, &f, st);
    vs_session_assign_variable(s, vars[i], t, st);
    vs_tensor_free(t);
  }
  expect_ok(st);
  vs_saver *sv = tf_saver(false);
  vs_saver_save(sv, s, path_in("big"), st);
  expect_ok(st);
  size_t n;
  unsigned char *idx = read_all(path_in("big.index"), &n);
  cr_assert_eq(n, 630350);
  /* the index block: its handle is the footer's second; its restart count
   * (one restart per entry) is the number of data blocks */
  uint64_t h[4] = {0};
  size_t at = n - 48;
  for (int k = 0; k < 4; k++)
    for (int shift = 0;; shift += 7) {
      h[k] |= (uint64_t)(idx[at] & 0x7f) << shift;
      if (!(idx[at++] & 0x80)) break;
    }
  const unsigned char *end = idx + h[2] + h[3];
  uint32_t blocks = (uint32_t)end[-4] | (uint32_t)end[-3] << 8 | (uint32_t)end[-2] << 16 | (uint32_t)end[-1] << 24;
  cr_assert_eq(blocks, 3);
  free(idx);
  vs_checkpoint *c = vs_checkpoint_open(path_in("big"), st);
  expect_ok(st);
  cr_assert_eq(vs_checkpoint_num_tensors(c), N);
  for (int i = 0; i < N; i += 7) {
    vs_tensor *t = vs_checkpoint_get_tensor(c, vs_var_op_name(vars[i]), st);
    expect_ok(st);
    cr_assert_eq(*(float *)vs_tensor_data(t), (float)i);
    vs_tensor_free(t);
  }
  vs_checkpoint_free(c);
  vs_saver_free(sv);
  vs_session_free(s);
  free(vars);
}

/* ---- partitioned variables: TF's sliced entries (issue 12 item 1) -------- */

#define PART_FIXTURE GOLDEN "/partitioned/model.ckpt"

/* The graph of the "partitioned" fixture (tools/make_tf_fixtures.py):
 * partitioned x, y, z, big with `scale` times TF's number of shards (1:
 * TF's partitioning), and a plain w. Zeros until restored. */
static void partitioned_graph(int scale)
{
  struct {
    const char *name;
    vs_shape shape;
    vs_dtype dt;
    int n, axis;
  } v[] = {{"x", VS_SHAPE(4, 3), VS_FLOAT, 2, 0},
           {"y", VS_SHAPE(5, 2), VS_FLOAT, 3, 0},
           {"z", VS_SHAPE(2, 7), VS_FLOAT, 3, 1},
           {"big", VS_SHAPE(130, 2), VS_INT32, 2, 0}};
  for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
    vs_partitioned_var *p = vs_get_partitioned_variable(
        g, v[i].name,
        &(vs_var_opts){.shape = v[i].shape,
                       .dtype = v[i].dt,
                       .initializer = vs_zeros_initializer(),
                       .partitioner = vs_fixed_size_partitioner(v[i].n * scale, v[i].axis)},
        st);
    expect_ok(st);
    cr_assert_not_null(p);
  }
  vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(2), .initializer = vs_zeros_initializer()}, st);
  expect_ok(st);
}

static int hexval(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

/* Every tensor of the fixture's expected.txt, read from `prefix` with
 * vs_checkpoint_get_tensor: the same bytes (the full tensors TF assembled
 * from the slices). Returns how many were compared. */
static int expect_fixture_values(const char *prefix)
{
  size_t n;
  unsigned char *text = read_all(GOLDEN "/partitioned/expected.txt", &n);
  text[n] = '\0';
  vs_checkpoint *c = vs_checkpoint_open(prefix, st);
  expect_ok(st);
  int count = 0;
  for (char *line = strtok((char *)text, "\n"); line; line = strtok(NULL, "\n")) {
    if (line[0] == '#') continue;
    char *key = line, *dt = strchr(key, '\t');
    *dt++ = '\0';
    char *shape = strchr(dt, '\t');
    *shape++ = '\0';
    char *hex = strchr(shape, '\t');
    *hex++ = '\0';
    vs_tensor *t = vs_checkpoint_get_tensor(c, key, st);
    expect_ok(st);
    size_t len = strlen(hex) / 2;
    cr_assert_eq(vs_tensor_byte_size(t), len, "%s: %zu bytes, want %zu", key, vs_tensor_byte_size(t), len);
    const unsigned char *b = vs_tensor_data(t);
    for (size_t i = 0; i < len; i++)
      cr_assert_eq(b[i], hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1]), "%s differs at byte %zu", key, i);
    vs_tensor_free(t);
    count++;
  }
  vs_checkpoint_free(c);
  free(text);
  return count;
}

/* Restores the partitioned fixture into the graph built so far with a TF
 * V2 saver and saves it again as dir/model.ckpt; returns that prefix. */
static const char *restore_fixture_and_save(void)
{
  vs_saver *sv = tf_saver(false);
  vs_session *s = new_session();
  vs_saver_restore(sv, s, PART_FIXTURE, st);
  expect_ok(st);
  const char *mine = path_in("model.ckpt");
  vs_saver_save(sv, s, mine, st);
  expect_ok(st);
  vs_session_free(s);
  vs_saver_free(sv);
  return mine;
}

/* TF's sliced bundle reads as TF's CheckpointReader lists it: the full
 * tensors only (no slice keys), their values assembled exactly. */
Test(tf_checkpoint_write, tf_sliced_bundle_reads_full_tensors)
{
  vs_checkpoint *c = vs_checkpoint_open(PART_FIXTURE, st);
  expect_ok(st);
  const char *keys[] = {"big", "w", "x", "y", "z"};
  cr_assert_eq(vs_checkpoint_num_tensors(c), 5);
  for (size_t i = 0; i < 5; i++) {
    vs_ckpt_tensor_info in;
    vs_checkpoint_tensor_info(c, i, &in, st);
    expect_ok(st);
    cr_assert_str_eq(in.key, keys[i]);
    cr_assert(in.readable);
    if (i == 2) cr_assert_eq(in.byte_size, 48); /* x: the full tensor's bytes */
  }
  vs_checkpoint_free(c);
  cr_assert_eq(expect_fixture_values(PART_FIXTURE), 5);
}

/* Restore TF's slices into varscope's parts, save again: both files equal
 * TF's, byte for byte (slice keys, the full entries' TensorSliceProtos,
 * the data in SaveV2's order). */
Test(tf_checkpoint_write, bytes_equal_tf_partitioned)
{
  partitioned_graph(1);
  const char *mine = restore_fixture_and_save();
  char a[600];
  snprintf(a, sizeof a, "%s.index", mine);
  expect_same_file(a, PART_FIXTURE ".index");
  snprintf(a, sizeof a, "%s" DATA_SUFFIX, mine);
  expect_same_file(a, PART_FIXTURE DATA_SUFFIX);
}

/* A different partitioning of the same full shapes restores, as in TF
 * (RestoreV2 reads each part's slice out of whatever slices are stored);
 * the parts then hold TF's rows. Saved again, the reader still gives
 * TF's full tensors. */
Test(tf_checkpoint_write, other_partitioning_restores_and_round_trips)
{
  partitioned_graph(2);
  cr_assert_eq(expect_fixture_values(restore_fixture_and_save()), 5);
}

/* The same names unpartitioned restore the full tensors from TF's slices. */
Test(tf_checkpoint_write, unpartitioned_variables_restore_from_slices)
{
  vars_like(PART_FIXTURE);
  cr_assert_eq(expect_fixture_values(restore_fixture_and_save()), 5);
}

/* A partitioned variable of another full shape: TF's RestoreV2 text
 * (checked under TF 2.21), with the Saver's mismatch prefix. */
Test(tf_checkpoint_write, other_full_shape_is_tf_error)
{
  vs_get_partitioned_variable(g, "x",
                              &(vs_var_opts){.shape = VS_SHAPE(6, 3),
                                             .initializer = vs_zeros_initializer(),
                                             .partitioner = vs_fixed_size_partitioner(2, 0)},
                              st);
  expect_ok(st);
  vs_saver *sv = tf_saver(false);
  vs_session *s = new_session();
  vs_saver_restore(sv, s, PART_FIXTURE, st);
  expect_error(st, VS_INVALID_ARGUMENT, "InvalidArgumentError",
               "Restoring from checkpoint failed. This is most likely due to a mismatch between the current graph "
               "and the graph from the checkpoint. Please ensure that you have not altered the graph expected "
               "based on the checkpoint. Original error:\n\ntensor_name = x; shape in shape_and_slice spec [6,3] "
               "does not match the shape stored in checkpoint: [4,3]");
  vs_session_free(s);
  vs_saver_free(sv);
}

/* A damaged byte in a slice's data: DATA_LOSS (its CRC32C). */
Test(tf_checkpoint_write, corrupt_slice_is_data_loss)
{
  const char *mine = path_in("model.ckpt");
  char data[600], index[600];
  snprintf(data, sizeof data, "%s" DATA_SUFFIX, mine);
  snprintf(index, sizeof index, "%s.index", mine);
  size_t n;
  unsigned char *b = read_all(PART_FIXTURE DATA_SUFFIX, &n);
  b[600] ^= 0x40; /* in big's second slice (bytes 520..1039: SaveV2 writes big first) */
  write_file(data, b, n);
  free(b);
  b = read_all(PART_FIXTURE ".index", &n);
  write_file(index, b, n);
  free(b);
  vs_checkpoint *c = vs_checkpoint_open(mine, st);
  expect_ok(st);
  vs_tensor *x = vs_checkpoint_get_tensor(c, "x", st);
  expect_ok(st); /* the other tensors still read */
  vs_tensor_free(x);
  cr_assert_null(vs_checkpoint_get_tensor(c, "big", st));
  expect_code(st, VS_DATA_LOSS);
  cr_assert(strstr(vs_status_message(st), "Checksum does not match"), "%s", vs_status_message(st));
  vs_checkpoint_free(c);
}

/* safetensors has no slices: a safetensors Saver keeps each part under
 * its own name ("x/part_0"), and restoring that file gives the parts
 * back. */
Test(tf_checkpoint_write, safetensors_keeps_parts_and_restores)
{
  partitioned_graph(1);
  vs_saver *tfs = tf_saver(false);
  vs_session *s = new_session();
  vs_saver_restore(tfs, s, PART_FIXTURE, st);
  expect_ok(st);
  vs_saver *sv = vs_saver_new(g, &(vs_saver_opts){.format = VS_CKPT_SAFETENSORS}, st);
  expect_ok(st);
  const char *file = path_in("m.safetensors");
  vs_saver_save(sv, s, file, st);
  expect_ok(st);
  vs_checkpoint *c = vs_checkpoint_open(file, st);
  expect_ok(st);
  cr_assert_eq(vs_checkpoint_num_tensors(c), 11);
  cr_assert_neq(vs_checkpoint_find(c, "x/part_1"), VS_NPOS);
  cr_assert_eq(vs_checkpoint_find(c, "x"), VS_NPOS);
  vs_checkpoint_free(c);
  vs_session_free(s);
  /* a fresh session: zeros, then the safetensors restore, then a TF save
   * that must equal TF's files again */
  s = new_session();
  vs_saver_restore(sv, s, file, st);
  expect_ok(st);
  const char *mine = path_in("model.ckpt");
  vs_saver_save(tfs, s, mine, st);
  expect_ok(st);
  char a[600];
  snprintf(a, sizeof a, "%s.index", mine);
  expect_same_file(a, PART_FIXTURE ".index");
  vs_session_free(s);
  vs_saver_free(sv);
  vs_saver_free(tfs);
}

/* CRC32C (Castagnoli), bitwise: the test's own, to re-seal an edited block. */
static uint32_t crc32c(uint32_t crc, const unsigned char *p, size_t n)
{
  crc = ~crc;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

/* The fixture's index with x's second slice changed from rows 2..3 to row
 * 2 only and the (single) data block's checksum recomputed, so the table
 * opens: that slice's key is not in the bundle, and x cannot be read. */
Test(tf_checkpoint_write, missing_slice_is_data_loss)
{
  size_t n;
  unsigned char *idx = read_all(PART_FIXTURE ".index", &n);
  static const unsigned char pat[] = {0x3a, 0x0a, 0x0a, 0x04, 0x08, 0x02, 0x10, 0x02, 0x0a, 0x02, 0x10, 0x03};
  size_t at = 0;
  while (at + sizeof pat <= n && memcmp(idx + at, pat, sizeof pat) != 0) at++;
  cr_assert(at + sizeof pat <= n, "x's second TensorSliceProto not found in the fixture");
  idx[at + 7] = 0x01;
  /* one data block at offset 0; the metaindex block follows its trailer */
  size_t p = n - 48, meta = 0;
  for (int shift = 0;; shift += 7) {
    meta |= (size_t)(idx[p] & 0x7f) << shift;
    if (!(idx[p++] & 0x80)) break;
  }
  size_t size = meta - 5;
  cr_assert_lt(at, size);
  uint32_t crc = crc32c(crc32c(0, idx, size), idx + size, 1);
  crc = ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
  for (int k = 0; k < 4; k++) idx[size + 1 + (size_t)k] = (unsigned char)(crc >> (8 * k));
  write_file(path_in("m.index"), idx, n);
  free(idx);
  idx = read_all(PART_FIXTURE DATA_SUFFIX, &n);
  write_file(path_in("m" DATA_SUFFIX), idx, n);
  free(idx);
  vs_checkpoint *c = vs_checkpoint_open(path_in("m"), st);
  expect_ok(st);
  char want[700];
  snprintf(want, sizeof want, "%s: tensor 'x': slice 1 of 2 is missing", path_in("m"));
  cr_assert_null(vs_checkpoint_get_tensor(c, "x", st));
  expect_error(st, VS_DATA_LOSS, "DataLossError", want);
  vs_tensor *y = vs_checkpoint_get_tensor(c, "y", st);
  expect_ok(st);
  vs_tensor_free(y);
  vs_checkpoint_free(c);
}

/* The tensor `key` of two checkpoints: equal bytes. */
static void expect_same_tensor(const char *a, const char *b, const char *key)
{
  vs_checkpoint *ca = vs_checkpoint_open(a, st);
  expect_ok(st);
  vs_checkpoint *cb = vs_checkpoint_open(b, st);
  expect_ok(st);
  vs_tensor *x = vs_checkpoint_get_tensor(ca, key, st);
  expect_ok(st);
  vs_tensor *y = vs_checkpoint_get_tensor(cb, key, st);
  expect_ok(st);
  cr_assert_eq(vs_tensor_byte_size(x), vs_tensor_byte_size(y));
  cr_assert_eq(memcmp(vs_tensor_data(x), vs_tensor_data(y), vs_tensor_byte_size(x)), 0, "%s differs", key);
  vs_tensor_free(x);
  vs_tensor_free(y);
  vs_checkpoint_free(ca);
  vs_checkpoint_free(cb);
}

/* init_from_checkpoint({"x": "x"}) with x partitioned (3 parts here, 2 in
 * TF's file): TF's _collect_partitioned_variable, each part from its
 * slice. */
Test(tf_checkpoint_write, init_from_checkpoint_fills_parts_by_name)
{
  vs_get_partitioned_variable(g, "x",
                              &(vs_var_opts){.shape = VS_SHAPE(4, 3),
                                             .initializer = vs_zeros_initializer(),
                                             .partitioner = vs_fixed_size_partitioner(3, 0)},
                              st);
  expect_ok(st);
  vs_session *s = new_session();
  vs_init_from_checkpoint(s, PART_FIXTURE, &(vs_assignment){.ckpt = "x", .current = "x"}, 1, st);
  expect_ok(st);
  vs_saver *sv = tf_saver(false);
  const char *mine = path_in("model.ckpt");
  vs_saver_save(sv, s, mine, st);
  expect_ok(st);
  expect_same_tensor(mine, PART_FIXTURE, "x");
  /* a checkpoint name it lacks: TF's ValueError with the shape map in the
   * order TF 2.21 printed it (its unordered_map's) */
  vs_init_from_checkpoint(s, PART_FIXTURE, &(vs_assignment){.ckpt = "nope", .current = "x"}, 1, st);
  char want[900];
  snprintf(want, sizeof want,
           "Tensor nope is not found in %s checkpoint {'y': [5, 2], 'x': [4, 3], 'w': [2], 'z': [2, 7], "
           "'big': [130, 2]}",
           PART_FIXTURE);
  expect_error(st, VS_NOT_FOUND, "ValueError", want);
  vs_saver_free(sv);
  vs_session_free(s);
}

/* A scope mapping ("/" -> "/") takes each partitioned variable once, by
 * its name, its parts from their slices (TF strips "/part_K"). */
Test(tf_checkpoint_write, init_from_checkpoint_scope_maps_partitioned)
{
  partitioned_graph(2);
  vs_session *s = new_session();
  vs_init_from_checkpoint(s, PART_FIXTURE, &(vs_assignment){.ckpt = "/", .current = "/"}, 1, st);
  expect_ok(st);
  vs_saver *sv = tf_saver(false);
  const char *mine = path_in("model.ckpt");
  vs_saver_save(sv, s, mine, st);
  expect_ok(st);
  cr_assert_eq(expect_fixture_values(mine), 5);
  vs_saver_free(sv);
  vs_session_free(s);
}
