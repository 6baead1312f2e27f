/* test_hostile.c - hostile input and faults (issue 14): shapes beyond the
 * fixed rank, dimensions of 2**31 and above, element counts that overflow,
 * special files where checkpoint files belong, an index built to make the
 * reader checksum one block many times, saves cut short by a file size
 * limit, the umask, orphaned temporary files, and a graph freed under a
 * session. Each test names the row of docs/bad-input.md it proves.
 *
 * Texts marked "TF" were taken from TensorFlow 2.21 (tf.compat.v1, graph
 * mode, resource variables off) through the oracle python. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

#define GOLDEN VS_SOURCE_DIR "/conformance/golden/ckpt"

static vs_graph *g;
static vs_status *st;
static char dir[256];

static void setup(void)
{
  g = vs_graph_new();
  st = vs_status_new();
  cr_assert(g && st);
  scratch_dir_new(dir, sizeof dir, "vs_hostile");
}

static void teardown(void)
{
  scratch_dir_remove(dir);
  vs_graph_free(g);
  vs_status_free(st);
}

TestSuite(hostile, .init = setup, .fini = teardown);

static const char *path_in(const char *name)
{
  static char buf[4][600];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
  return buf[k];
}

static void copy_file(const char *from, const char *to)
{
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  cr_assert(in && out, "cannot copy %s to %s", from, to);
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) cr_assert_eq(fwrite(buf, 1, n, out), n);
  fclose(in);
  cr_assert_eq(fclose(out), 0);
}

/* ======================================================================= */
/* Ranks and dimensions                                                     */
/* ======================================================================= */

/* Row "rank above VS_MAX_RANK": every public call that reads a caller's
 * shape checks the rank before it indexes dims[] (ASan saw a stack read
 * past the struct before). */
Test(hostile, rank_above_max_is_refused_everywhere)
{
  static const int ranks[] = {VS_MAX_RANK + 1, 64, 1 << 30, -1, -1000};
  float data[16] = {0};
  for (size_t k = 0; k < sizeof ranks / sizeof *ranks; k++) {
    vs_shape s = {.known = true, .rank = ranks[k]};
    for (int i = 0; i < VS_MAX_RANK; i++) s.dims[i] = 1;
    cr_assert_not(vs_shape_is_fully_defined(s));
    cr_assert_eq(vs_shape_num_elements(s), VS_NPOS);
    cr_assert_not(vs_shape_is_compatible(s, s), "rank %d", ranks[k]);
    char buf[64];
    vs_shape_format(s, buf, sizeof buf);
    cr_assert_str_eq(buf, "<unknown>");

    cr_assert_null(vs_tensor_new(VS_FLOAT, s, data, st));
    expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
                 "vs_tensor_new: a fully defined shape and a numeric dtype are required");
    cr_assert_null(vs_constant(g, data, VS_FLOAT, s, "c", st).op);
    expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "tf.constant needs a fully defined shape, got <unknown>");

    char want[200];
    cr_assert_null(vs_placeholder(g, VS_FLOAT, s, "p", st).op);
    snprintf(want, sizeof want,
             "placeholder: shape rank %d is outside 0..8 (varscope's VS_MAX_RANK; TensorFlow's limit is 254)",
             ranks[k]);
    expect_error(st, VS_INVALID_ARGUMENT, "ValueError", want);

    cr_assert_null(vs_get_variable(g, "v", &(vs_var_opts){.shape = s}, st));
    snprintf(want, sizeof want, "shape rank %d is outside 0..8", ranks[k]);
    expect_error(st, VS_INVALID_ARGUMENT, "ValueError", want);

    vs_initializer vi = vs_value_initializer(data, VS_FLOAT, 1, s);
    cr_assert_null(vs_get_variable(g, "w", &(vs_var_opts){.initializer = vi}, st));
    cr_assert_neq(vs_status_code(st), VS_OK);
  }
  cr_assert_eq(vs_graph_num_operations(g), 0, "a refused call left ops behind");
}

/* Row "negative dimension other than -1": TF's TensorShape refuses it. */
Test(hostile, negative_dimensions_are_refused)
{
  static const int64_t bad[] = {-2, -5, INT64_MIN};
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    char want[160];
    cr_assert_null(vs_placeholder(g, VS_FLOAT, VS_SHAPE(3, bad[k]), NULL, st).op);
    snprintf(want, sizeof want, "Error converting shape to a TensorShape: Dimension %lld must be >= 0.",
             (long long)bad[k]);
    expect_error(st, VS_INVALID_ARGUMENT, "ValueError", want); /* TF */
    cr_assert_null(vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(bad[k])}, st));
    snprintf(want, sizeof want, "Dimension %lld must be >= 0", (long long)bad[k]);
    expect_error(st, VS_INVALID_ARGUMENT, "ValueError", want); /* TF */
  }
  vs_var *tv = vs_variable(g, &(vs_variable_opts){.initial_value = vs_zeros_initializer(), .shape = VS_SHAPE(2, -7)},
                           st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", /* TF: tf.Variable(callable, shape=[2, -7]) */
               "Error converting shape to a TensorShape: Dimension -7 must be >= 0.");
  cr_assert_null(tv);
  /* -1 stays "unknown" (None). */
  vs_output p = vs_placeholder(g, VS_FLOAT, VS_SHAPE(-1, 3), NULL, st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_name(p.op), "Placeholder");
  float two[2] = {1, 2};
  vs_output c = vs_constant(g, two, VS_FLOAT, VS_SHAPE(2), "Const", st);
  expect_ok(st);
  cr_assert_null(vs_reshape(g, c, VS_SHAPE(-2), NULL, st).op);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "Invalid value in tensor used for shape: -2"); /* TF */
}

/* Row "empty op name": name "" takes the op's default, as in TF (found by
 * fuzz_names: it copied -1 bytes). */
Test(hostile, empty_names_take_the_default)
{
  vs_output p = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2), "", st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_name(p.op), "Placeholder"); /* TF */
  vs_output r = vs_reshape(g, p, VS_SHAPE(1, 2), "", st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_name(r.op), "Reshape"); /* TF */
}

/* Row "shape whose element count overflows int64": TF's text, after the
 * op's name is taken (the next placeholder is Placeholder_1, as in TF). */
/* Row "a constant whose count overflows": vs_constant sized its copy from the
 * wrapped count and read past the caller's strings (a review found it, ASan
 * confirmed); it is refused before anything is read. vs_shape_num_elements
 * says -1 for an overflowing count, as types.h promises (it said -2). */
Test(hostile, constant_with_an_overflowing_count_is_refused)
{
  const vs_shape huge = VS_SHAPE(1LL << 40, 1LL << 40);
  cr_assert_eq(vs_shape_num_elements(huge), VS_NPOS);
  const char *strings[2] = {"a", "b"};
  const float floats[2] = {1, 2};
  const struct {
    const void *data;
    vs_dtype dtype;
  } cases[] = {{strings, VS_STRING}, {floats, VS_FLOAT}};
  for (size_t i = 0; i < 2; i++) {
    vs_output c = vs_constant(g, cases[i].data, cases[i].dtype, huge, "c", st);
    expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
                 "Shape [1099511627776,1099511627776] is too large (more than 2**63 - 1 entries) for tf.constant");
    cr_assert_null(c.op);
  }
  cr_assert_eq(vs_graph_num_operations(g), 0);
}

Test(hostile, element_count_overflow_is_tf_error)
{
  int64_t big = (int64_t)1 << 32;
  cr_assert_null(vs_placeholder(g, VS_FLOAT, VS_SHAPE(big, big), NULL, st).op);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", /* TF */
               "Shape [4294967296,4294967296] is too large (more than 2**63 - 1 entries) for '{{node Placeholder}} = "
               "Placeholder[dtype=DT_FLOAT, shape=[4294967296,4294967296]]()' with input shapes: .");
  cr_assert_null(vs_placeholder(g, VS_FLOAT, VS_SHAPE((int64_t)1 << 62, 2, -1), NULL, st).op);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", /* TF */
               "Shape [4611686018427387904,2,?] is too large (more than 2**63 - 1 entries) for '{{node "
               "Placeholder_1}} = Placeholder[dtype=DT_FLOAT, shape=[4611686018427387904,2,?]]()' with input "
               "shapes: .");
  cr_assert_null(vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(big, big)}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", /* TF */
               "Shape [4294967296,4294967296] is too large (more than 2**63 - 1 entries) for '{{node v}} = "
               "VariableV2[container=\"\", dtype=DT_FLOAT, shape=[4294967296,4294967296], shared_name=\"\"]()' "
               "with input shapes: .");
  cr_assert_null(vs_get_variable(g, "v2",
                                 &(vs_var_opts){.shape = VS_SHAPE((int64_t)1 << 62, 4),
                                                .initializer = vs_constant_initializer(1)}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", /* TF */
               "Shape [4611686018427387904,4] is too large (more than 2**63 - 1 entries) for '{{node v2}} = "
               "VariableV2[container=\"\", dtype=DT_FLOAT, shape=[4611686018427387904,4], shared_name=\"\"]()' "
               "with input shapes: .");
}

/* Row "reshape to [2**40, 2**40]": no signed overflow (UBSan), TF's texts
 * with TF's wrapped count, and a 64-bit shape tensor. */
Test(hostile, reshape_with_huge_dimensions)
{
  float two[2] = {1, 2};
  vs_output c = vs_constant(g, two, VS_FLOAT, VS_SHAPE(2), "Const", st);
  expect_ok(st);
  int64_t t40 = (int64_t)1 << 40, t32 = (int64_t)1 << 32;
  cr_assert_null(vs_reshape(g, c, VS_SHAPE(t40, t40), NULL, st).op);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", /* TF */
               "Cannot reshape a tensor with 2 elements to shape [1099511627776,1099511627776] (0 elements) for "
               "'{{node Reshape}} = Reshape[T=DT_FLOAT, Tshape=DT_INT64](Const, Reshape/shape)' with input "
               "shapes: [2], [2] and with input tensors computed as partial shapes: input[1] = "
               "[1099511627776,1099511627776].");
  vs_op *sh = vs_graph_operation_by_name(g, "Reshape/shape");
  cr_assert_not_null(sh);
  cr_assert_eq(vs_op_output_dtype(sh), VS_INT64);
  cr_assert_null(vs_reshape(g, c, VS_SHAPE(t32 + 2), NULL, st).op);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", /* TF */
               "Cannot reshape a tensor with 2 elements to shape [4294967298] (4294967298 elements) for "
               "'{{node Reshape_1}} = Reshape[T=DT_FLOAT, Tshape=DT_INT64](Const, Reshape_1/shape)' with input "
               "shapes: [2], [1] and with input tensors computed as partial shapes: input[1] = [4294967298].");
  vs_output p = vs_placeholder(g, VS_FLOAT, VS_SHAPE(-1), NULL, st);
  expect_ok(st);
  cr_assert_null(vs_reshape(g, p, VS_SHAPE(-1, t32, t32), NULL, st).op);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", /* TF */
               "Negative dimension size caused by overflow when multiplying 4294967296 and 4294967296 for "
               "'{{node Reshape_2}} = Reshape[T=DT_FLOAT, Tshape=DT_INT64](Placeholder, Reshape_2/shape)' with "
               "input shapes: [?], [3] and with input tensors computed as partial shapes: input[1] = "
               "[?,4294967296,4294967296].");
  /* An unknown input may take any count, as in TF; running it fails cleanly. */
  vs_output r = vs_reshape(g, p, VS_SHAPE(t40, t40), NULL, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_tensor *in = vs_tensor_new(VS_FLOAT, VS_SHAPE(2), two, st), *out = NULL;
  vs_session_run(s, &p, &in, 1, &r, &out, 1, NULL, 0, st);
  expect_error(st, VS_INVALID_ARGUMENT, "InvalidArgumentError",
               "Input to reshape is a tensor with 2 values, but the requested shape has 0");
  cr_assert_null(out);
  vs_tensor_free(in);
  vs_session_free(s);
}

/* Row "conv2d strides / dilations past int32, or sizes that overflow":
 * TF's attr range check and shape inference's checked sums (the sums were
 * signed overflows). */
Test(hostile, conv2d_sizes_past_int_ranges)
{
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 8, 8, 1), NULL, st);
  vs_output f = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3, 3, 1, 1), NULL, st);
  expect_ok(st);
  cr_assert_null(vs_conv2d(g, x, f, &(vs_conv2d_opts){.strides = {1, (int64_t)1 << 40, 1, 1}, .padding = "SAME"},
                           st).op);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", /* TF */
               "Attr strides has value 1099511627776 out of range for an int32 for '{{node Conv2D}} = "
               "Conv2D[T=DT_FLOAT, data_format=\"NHWC\", dilations=[1, 1, 1, 1], explicit_paddings=[], "
               "padding=\"SAME\", strides=[1, 1099511627776, 1, 1], use_cudnn_on_gpu=true](Placeholder, "
               "Placeholder_1)' with input shapes: [1,8,8,1], [3,3,1,1].");
  cr_assert_null(vs_conv2d(g, x, f, &(vs_conv2d_opts){.padding = "SAME", .dilations = {1, 1, -((int64_t)1 << 40), 1}},
                           st).op);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", /* TF */
               "Attr dilations has value -1099511627776 out of range for an int32 for '{{node Conv2D_1}} = "
               "Conv2D[T=DT_FLOAT, data_format=\"NHWC\", dilations=[1, 1, -1099511627776, 1], explicit_paddings=[], "
               "padding=\"SAME\", strides=[1, 1, 1, 1], use_cudnn_on_gpu=true](Placeholder, Placeholder_1)' with "
               "input shapes: [1,8,8,1], [3,3,1,1].");
  vs_output big = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, INT64_MAX, 1, 1), NULL, st);
  vs_output f1 = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 1, 1, 1), NULL, st);
  expect_ok(st);
  cr_assert_null(vs_conv2d(g, big, f1, &(vs_conv2d_opts){.strides = {1, 2, 1, 1}, .padding = "SAME"}, st).op);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", /* TF */
               "Dimension size overflow from adding 9223372036854775807 and 1 for '{{node Conv2D_2}} = "
               "Conv2D[T=DT_FLOAT, data_format=\"NHWC\", dilations=[1, 1, 1, 1], explicit_paddings=[], "
               "padding=\"SAME\", strides=[1, 2, 1, 1], use_cudnn_on_gpu=true](Placeholder_2, Placeholder_3)' with "
               "input shapes: [1,9223372036854775807,1,1], [1,1,1,1].");
  cr_assert_null(vs_conv2d(g, big, f1, &(vs_conv2d_opts){.strides = {1, 2, 1, 1}, .padding = "VALID"}, st).op);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", /* TF */
               "Dimension size overflow from adding 9223372036854775806 and 2 for '{{node Conv2D_3}} = "
               "Conv2D[T=DT_FLOAT, data_format=\"NHWC\", dilations=[1, 1, 1, 1], explicit_paddings=[], "
               "padding=\"VALID\", strides=[1, 2, 1, 1], use_cudnn_on_gpu=true](Placeholder_2, Placeholder_3)' with "
               "input shapes: [1,9223372036854775807,1,1], [1,1,1,1].");
}

/* Row "dimension of 2**32 and above in a variable": the shape tensor is
 * int64 (TF's) and the variable keeps its shape. (4294967296, 0) holds no
 * element, so it runs anywhere; narrowed to 32 bits it became (0, 0). */
Test(hostile, variable_dimension_above_int32)
{
  int64_t big = (int64_t)1 << 32;
  vs_var *v = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(big, 0),
                                                     .initializer = vs_zeros_initializer()}, st);
  expect_ok(st);
  vs_var *u = vs_get_variable(g, "u", &(vs_var_opts){.shape = VS_SHAPE(0, big + 3)}, st);
  expect_ok(st);
  vs_op *sh = vs_graph_operation_by_name(g, "u/Initializer/random_uniform/shape");
  cr_assert_not_null(sh);
  cr_assert_eq(vs_op_output_dtype(sh), VS_INT64);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  expect_ok(st);
  vs_output outs[2] = {vs_var_value(v), vs_var_value(u)};
  vs_tensor *vals[2] = {NULL, NULL};
  vs_session_run(s, NULL, NULL, 0, outs, vals, 2, NULL, 0, st);
  expect_ok(st);
  vs_shape a = vs_tensor_shape(vals[0]), b = vs_tensor_shape(vals[1]);
  cr_assert_eq(a.rank, 2);
  cr_assert_eq(a.dims[0], big, "got %lld", (long long)a.dims[0]);
  cr_assert_eq(a.dims[1], 0);
  cr_assert_eq(b.dims[0], 0);
  cr_assert_eq(b.dims[1], big + 3, "got %lld", (long long)b.dims[1]);
  vs_tensor_free(vals[0]);
  vs_tensor_free(vals[1]);
  vs_session_free(s);
}

/* Row "variable of 4294967299 x 1024 elements": TF builds it; initialising
 * it needs 16 TiB in one buffer, which any device refuses (RESOURCE_EXHAUSTED,
 * TF's OOM text), where the narrowed shape used to give a (3, 1024) variable
 * with status OK. */
Test(hostile, variable_too_big_for_device_is_oom)
{
  vs_var *v = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(4294967299LL, 1024),
                                                     .initializer = vs_zeros_initializer()}, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_op *init = vs_var_initializer_op(v);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  expect_code(st, VS_RESOURCE_EXHAUSTED);
  const char *want = "OOM when allocating tensor with shape[4294967299,1024] and type float on ";
  cr_assert(strncmp(vs_status_message(st), want, strlen(want)) == 0, "%s", vs_status_message(st));
  vs_tensor *val = NULL;
  vs_output out = vs_var_value(v);
  vs_session_run(s, NULL, NULL, 0, &out, &val, 1, NULL, 0, st);
  expect_error(st, VS_FAILED_PRECONDITION, "FailedPreconditionError", "Attempting to use uninitialized value w\n\t [[{{node w/read}}]]");
  cr_assert_null(val);
  vs_session_free(s);
}

/* ======================================================================= */
/* Special files                                                            */
/* ======================================================================= */

/* A TF prefix in dir whose data shard is replaced by `make`. */
static const char *prefix_with_shard(const char *name)
{
  static char prefix[600];
  snprintf(prefix, sizeof prefix, "%s/%s", dir, name);
  char p[700];
  snprintf(p, sizeof p, "%s.index", prefix);
  copy_file(GOLDEN "/scoped/model.ckpt.index", p);
  return prefix;
}

static void expect_shard_refused(const char *prefix, const char *msg_fmt)
{
  vs_checkpoint *c = vs_checkpoint_open(prefix, st);
  expect_ok(st);
  vs_ckpt_tensor_info in;
  vs_checkpoint_tensor_info(c, 0, &in, st);
  expect_ok(st);
  cr_assert_null(vs_checkpoint_get_tensor(c, in.key, st));
  char want[1400];
  snprintf(want, sizeof want, msg_fmt, prefix);
  expect_error(st, VS_FAILED_PRECONDITION, "FailedPreconditionError", want);
  vs_checkpoint_free(c);
}

/* Row "data shard is a FIFO": refused at once (it blocked forever in open). */
Test(hostile, fifo_shard_does_not_hang, .timeout = 30)
{
  const char *prefix = prefix_with_shard("fifo");
  char p[700];
  snprintf(p, sizeof p, "%s.data-00000-of-00001", prefix);
  cr_assert_eq(mkfifo(p, 0600), 0, "mkfifo: %s", strerror(errno));
  /* Before, open blocked for ever: .timeout is the hang guard. */
  expect_shard_refused(prefix, "%s.data-00000-of-00001 is not a regular file");
}

/* Rows "data shard is a directory / /dev/zero / a symlink loop". */
Test(hostile, special_file_shards_are_refused, .timeout = 30)
{
  char p[700];
  const char *prefix = prefix_with_shard("dirshard");
  snprintf(p, sizeof p, "%s.data-00000-of-00001", prefix);
  cr_assert_eq(mkdir(p, 0700), 0);
  expect_shard_refused(prefix, "%s.data-00000-of-00001 is not a regular file");

  prefix = prefix_with_shard("zeroshard");
  snprintf(p, sizeof p, "%s.data-00000-of-00001", prefix);
  cr_assert_eq(symlink("/dev/zero", p), 0);
  expect_shard_refused(prefix, "%s.data-00000-of-00001 is not a regular file");

  prefix = prefix_with_shard("loopshard");
  snprintf(p, sizeof p, "%s.data-00000-of-00001", prefix);
  cr_assert_eq(symlink(p, p), 0); /* a link to itself: ELOOP */
  expect_shard_refused(prefix,
                       "Cannot open %s.data-00000-of-00001: Too many levels of symbolic links");
}

/* Rows "checkpoint path is a directory / FIFO / /dev/zero / symlink loop". */
Test(hostile, special_checkpoint_paths_are_refused, .timeout = 30)
{
  char loop[700], fifo[700];
  snprintf(loop, sizeof loop, "%s/loop", dir);
  cr_assert_eq(symlink(loop, loop), 0);
  snprintf(fifo, sizeof fifo, "%s/fifo", dir);
  cr_assert_eq(mkfifo(fifo, 0600), 0);
  const char *paths[] = {dir, "/dev/zero", loop, fifo};
  for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
    cr_assert_null(vs_checkpoint_open(paths[i], st));
    char want[800];
    snprintf(want, sizeof want, "The passed save_path is not a valid checkpoint: %s", paths[i]);
    expect_error(st, VS_NOT_FOUND, "ValueError", want);
  }
  /* An index that is a FIFO: refused, never opened for reading (it would block). */
  char idx[700];
  snprintf(idx, sizeof idx, "%s/f.index", dir);
  cr_assert_eq(mkfifo(idx, 0600), 0);
  cr_assert_null(vs_checkpoint_open(idx, st));
  expect_code(st, VS_NOT_FOUND);
}

/* ======================================================================= */
/* The index blow-up                                                        */
/* ======================================================================= */

static size_t put_varint(uint8_t *p, uint64_t v)
{
  size_t n = 0;
  do {
    p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  return n;
}

static void put_le32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* CRC32C (Castagnoli), bitwise: the test must not share the engine's. */
static uint32_t crc32c(const uint8_t *p, size_t n, uint32_t crc)
{
  crc = ~crc;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
  }
  return ~crc;
}

/* Appends a block trailer (type 0, masked CRC32C of contents + type). */
static void trailer(uint8_t *blk, size_t size)
{
  blk[size] = 0;
  uint32_t c = crc32c(blk, size + 1, 0);
  put_le32(blk + size + 1, ((c >> 15) | (c << 17)) + 0xa282ead8u);
}

/* Ends a table in f: the index block at ioff..q gets its trailer, then the
 * footer (no meta-index block); writes "<dir>/<name>.index", frees f and
 * returns the path (static storage). f must have q + 5 + 48 bytes. */
static const char *finish_table(const char *name, uint8_t *f, size_t q, size_t ioff)
{
  size_t isize = q - ioff;
  trailer(f + ioff, isize);
  q += 5;
  size_t fl = put_varint(f + q, 0);
  fl += put_varint(f + q + fl, 0);
  fl += put_varint(f + q + fl, ioff);
  put_varint(f + q + fl, isize);
  put_le32(f + q + 40, 0x8b80fb57u);
  put_le32(f + q + 44, 0xdb477524u);
  q += 48;
  static char idx[700];
  snprintf(idx, sizeof idx, "%s/%s.index", dir, name);
  FILE *out = fopen(idx, "wb");
  cr_assert_not_null(out);
  cr_assert_eq(fwrite(f, 1, q, out), q);
  fclose(out);
  free(f);
  return idx;
}

/* Row "index whose N entries all name one block": a 256 KiB data block
 * with no entries (a bare restart array) named by `n` index entries. Each
 * index entry used to checksum the whole block again: 100000 entries cost
 * 26 GB of CRC. Now the second handle is refused at once. */
Test(hostile, index_entries_sharing_a_block_are_refused, .timeout = 60)
{
  const size_t restarts = 65535, block = 4 * restarts + 4, n = 100000;
  size_t cap = block + 5 + n * 16 + 64 + 48;
  uint8_t *f = calloc(1, cap);
  cr_assert_not_null(f);
  put_le32(f + block - 4, (uint32_t)restarts); /* restart offsets all 0 */
  trailer(f, block);
  size_t ioff = block + 5, q = ioff;
  for (size_t i = 0; i < n; i++) {
    f[q++] = 0;           /* shared */
    f[q++] = 4;           /* non_shared */
    uint8_t h[20];
    size_t hl = put_varint(h, 0);
    hl += put_varint(h + hl, block);
    f[q++] = (uint8_t)hl; /* value length */
    put_le32(f + q, (uint32_t)i);
    q += 4;
    memcpy(f + q, h, hl);
    q += hl;
  }
  put_le32(f + q, 0); /* one restart, at 0 */
  put_le32(f + q + 4, 1);
  q += 8;
  const char *idx = finish_table("blowup", f, q, ioff);
  /* The refusal comes at the second entry naming the block (the message
   * says so), so no block is checksummed twice; .timeout guards the rest. */
  cr_assert_null(vs_checkpoint_open(idx, st));
  char want[800];
  snprintf(want, sizeof want, "%s/blowup: corrupted checkpoint index: data blocks overlap or are out of order",
           dir);
  expect_error(st, VS_DATA_LOSS, "DataLossError", want);
}

/* Writes an index whose one data block holds `body` (entries, no restart
 * array yet) and returns its path. */
static const char *index_with_block(const char *name, const uint8_t *body, size_t n)
{
  size_t cap = n + 8 + 5 + 64 + 48;
  uint8_t *f = calloc(1, cap);
  cr_assert_not_null(f);
  memcpy(f, body, n);
  put_le32(f + n, 0); /* one restart, at 0 */
  put_le32(f + n + 4, 1);
  size_t block = n + 8;
  trailer(f, block);
  size_t ioff = block + 5, q = ioff;
  uint8_t h[20];
  size_t hl = put_varint(h, 0);
  hl += put_varint(h + hl, block);
  f[q++] = 0;
  f[q++] = 1;
  f[q++] = (uint8_t)hl;
  f[q++] = 'z';
  memcpy(f + q, h, hl);
  q += hl;
  put_le32(f + q, 0);
  put_le32(f + q + 4, 1);
  q += 8;
  return finish_table(name, f, q, ioff);
}

/* Row "keys growing by a byte per entry": prefix compression lets each
 * 10-byte entry name a key one byte longer than the last, so 100000 entries
 * (1 MB) name 5 GB of keys, which the reader copied and compared. It now
 * stops once the keys pass 64 bytes per file byte (+ 1 MiB). */
Test(hostile, index_keys_growing_quadratically_are_refused, .timeout = 60)
{
  const size_t n = 100000;
  uint8_t *body = malloc(n * 12 + 16), *p = body;
  cr_assert_not_null(body);
  /* The header (key ""): BundleHeaderProto{num_shards: 1}. */
  *p++ = 0;
  *p++ = 0;
  *p++ = 2;
  *p++ = 0x08;
  *p++ = 0x01;
  for (size_t i = 1; i < n; i++) {
    p += put_varint(p, i - 1); /* shared: the whole previous key */
    *p++ = 1;                  /* non_shared */
    *p++ = 4;                  /* value: BundleEntryProto{dtype: DT_FLOAT, size: 4} */
    *p++ = 'a';
    *p++ = 0x08;
    *p++ = 0x01;
    *p++ = 0x28;
    *p++ = 0x04;
  }
  const char *idx = index_with_block("keys", body, (size_t)(p - body));
  free(body);
  /* The bound on the keys' total length is what refuses it (the message
   * says so); .timeout guards the rest. */
  cr_assert_null(vs_checkpoint_open(idx, st));
  char want[800];
  snprintf(want, sizeof want, "%s/keys: corrupted checkpoint index: keys far longer in total than the file", dir);
  expect_error(st, VS_DATA_LOSS, "DataLossError", want);
}

/* ======================================================================= */
/* Saving: faults, permissions, orphans                                     */
/* ======================================================================= */

static vs_session *saver_setup(vs_var **vars, int n, int64_t elems, vs_saver **saver)
{
  for (int i = 0; i < n; i++) {
    char name[16];
    snprintf(name, sizeof name, "v%d", i);
    vars[i] = vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(elems),
                                                      .initializer = vs_constant_initializer(i + 1)}, st);
    expect_ok(st);
  }
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  expect_ok(st);
  *saver = vs_saver_new(g, NULL, st);
  expect_ok(st);
  return s;
}

static int count_tmp(void)
{
  int n = 0;
  DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d)))
    if (strstr(de->d_name, ".tmp-")) n++;
  if (d) closedir(d);
  return n;
}

static mode_t mode_of(const char *p)
{
  struct stat sb;
  cr_assert_eq(stat(p, &sb), 0);
  return sb.st_mode & 07777;
}

/* Row "umask / chmod": a new checkpoint is 0666 less the umask; a re-save
 * keeps the mode the file was given (it was always 0644). */
Test(hostile, saved_file_mode_follows_umask_and_chmod)
{
  vs_var *v[1];
  vs_saver *sv;
  vs_session *s = saver_setup(v, 1, 4, &sv);
  const char *a = path_in("a.safetensors"), *b = path_in("b.safetensors");
  mode_t old = umask(077);
  vs_saver_save(sv, s, a, st);
  expect_ok(st);
  umask(002);
  vs_saver_save(sv, s, b, st);
  expect_ok(st);
  umask(old);
  cr_assert_eq(mode_of(a), 0600, "got %o", (unsigned)mode_of(a));
  cr_assert_eq(mode_of(b), 0664, "got %o", (unsigned)mode_of(b));
  cr_assert_eq(chmod(a, 0640), 0);
  vs_saver_save(sv, s, a, st);
  expect_ok(st);
  cr_assert_eq(mode_of(a), 0640, "got %o", (unsigned)mode_of(a));
  vs_saver_free(sv);
  vs_session_free(s);
}

static void touch(const char *p, time_t age)
{
  FILE *f = fopen(p, "wb");
  cr_assert_not_null(f);
  fputs("partial", f);
  fclose(f);
  if (age) {
    struct timespec t[2] = {{time(NULL) - age, 0}, {time(NULL) - age, 0}};
    cr_assert_eq(utimensat(AT_FDCWD, p, t, 0), 0);
  }
}

/* Row "orphan .tmp-* after a killed save": a save removes the temporary
 * files of its target whose writer is gone or that are a day old, and
 * leaves a live writer's and other targets' alone. */
Test(hostile, save_removes_orphaned_temporaries)
{
  /* A pid that is certainly gone: a child that exited and was reaped
   * (forked before this process makes any OpenCL call). */
  pid_t dead = fork();
  cr_assert_geq(dead, 0);
  if (dead == 0) _exit(0);
  cr_assert_eq(waitpid(dead, NULL, 0), dead);
  char p_dead[700], p_live[700], p_old[700], p_young[700], p_other[700];
  snprintf(p_dead, sizeof p_dead, "%s/m.safetensors.tmp-%ld-aB3dE9", dir, (long)dead);
  snprintf(p_live, sizeof p_live, "%s/m.safetensors.tmp-%ld-Zz0000", dir, (long)getppid());
  snprintf(p_old, sizeof p_old, "%s/m.safetensors.tmp-Q1w2E3", dir);
  snprintf(p_young, sizeof p_young, "%s/m.safetensors.tmp-R4t5Y6", dir);
  snprintf(p_other, sizeof p_other, "%s/other.safetensors.tmp-%ld-aB3dE9", dir, (long)dead);
  touch(p_dead, 0);
  touch(p_live, 0);
  touch(p_old, 2 * 24 * 3600);
  touch(p_young, 60);
  touch(p_other, 0);
  vs_var *v[1];
  vs_saver *sv;
  vs_session *s = saver_setup(v, 1, 4, &sv);
  vs_saver_save(sv, s, path_in("m.safetensors"), st);
  expect_ok(st);
  cr_assert_neq(access(p_dead, F_OK), 0, "a dead writer's temporary file stayed");
  cr_assert_neq(access(p_old, F_OK), 0, "a day-old temporary file stayed");
  cr_assert_eq(access(p_live, F_OK), 0, "a live writer's temporary file was removed");
  cr_assert_eq(access(p_young, F_OK), 0, "a recent temporary file without a pid was removed");
  cr_assert_eq(access(p_other, F_OK), 0, "another target's temporary file was removed");
  cr_assert_eq(count_tmp(), 3);
  vs_saver_free(sv);
  vs_session_free(s);
}

/* Row "disk full while saving": RLIMIT_FSIZE stands in for a full tmpfs
 * (mounting one needs privileges the suite does not assume). The write
 * fails with EFBIG (OUT_OF_RANGE, the OS text), no temporary file stays,
 * and the previous checkpoint is untouched. */
Test(hostile, save_cut_short_by_file_size_limit)
{
  vs_var *v[2];
  vs_saver *sv;
  vs_session *s = saver_setup(v, 2, 65536, &sv);
  const char *p = path_in("full.safetensors");
  vs_saver_save(sv, s, p, st);
  expect_ok(st);
  struct stat before;
  cr_assert_eq(stat(p, &before), 0);
  signal(SIGXFSZ, SIG_IGN);
  /* Lower only the soft limit: a process may not raise a finite hard one. */
  struct rlimit lim, old;
  cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
  lim = (struct rlimit){.rlim_cur = 100000, .rlim_max = old.rlim_max};
  cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
  vs_saver_save(sv, s, p, st);
  setrlimit(RLIMIT_FSIZE, &old);
  expect_code(st, VS_OUT_OF_RANGE);
  char want[700];
  snprintf(want, sizeof want, "Cannot write %s.tmp-%ld-", p, (long)getpid());
  const char *msg = vs_status_message(st);
  cr_assert(strncmp(msg, want, strlen(want)) == 0, "%s", msg);
  cr_assert(strstr(msg, ": File too large") != NULL, "%s", msg);
  cr_assert_eq(count_tmp(), 0, "a temporary file was left behind");
  struct stat after;
  cr_assert_eq(stat(p, &after), 0);
  cr_assert_eq(after.st_size, before.st_size);
  cr_assert_eq(after.st_ino, before.st_ino, "the checkpoint was replaced");
  vs_checkpoint *c = vs_checkpoint_open(p, st);
  expect_ok(st);
  cr_assert_eq(vs_checkpoint_num_tensors(c), 2);
  vs_checkpoint_free(c);
  vs_saver_free(sv);
  vs_session_free(s);
}

/* Row "save over a directory": the rename fails; nothing is left behind. */
Test(hostile, save_over_directory_is_refused)
{
  vs_var *v[1];
  vs_saver *sv;
  vs_session *s = saver_setup(v, 1, 4, &sv);
  const char *p = path_in("adir");
  cr_assert_eq(mkdir(p, 0700), 0);
  vs_saver_save(sv, s, p, st);
  char want[700];
  snprintf(want, sizeof want, "Cannot rename into %s: Is a directory", p);
  expect_error(st, VS_FAILED_PRECONDITION, "FailedPreconditionError", want);
  cr_assert_eq(count_tmp(), 0);
  vs_saver_free(sv);
  vs_session_free(s);
}

/* ======================================================================= */
/* Lifetimes                                                                */
/* ======================================================================= */

/* Row "graph freed while a session uses it": the free waits for the last
 * session; running it meanwhile works (ASan: no use after free, no leak). */
Test(hostile, graph_freed_under_session_is_deferred)
{
  vs_graph *h = vs_graph_new();
  float three = 3;
  vs_output c = vs_constant(h, &three, VS_FLOAT, VS_SCALAR, "c", st);
  expect_ok(st);
  vs_session *s1 = vs_session_new(h, NULL, st);
  expect_ok(st);
  vs_session *s2 = vs_session_new(h, NULL, st);
  expect_ok(st);
  vs_graph_free(h);
  vs_tensor *out = NULL;
  vs_session_run(s1, NULL, NULL, 0, &c, &out, 1, NULL, 0, st);
  expect_ok(st);
  cr_assert_float_eq(*(float *)vs_tensor_data(out), 3.0f, 0);
  vs_tensor_free(out);
  vs_session_free(s1);
  out = NULL;
  vs_session_run(s2, NULL, NULL, 0, &c, &out, 1, NULL, 0, st);
  expect_ok(st);
  cr_assert_float_eq(*(float *)vs_tensor_data(out), 3.0f, 0);
  vs_tensor_free(out);
  vs_session_free(s2); /* frees h */
}
