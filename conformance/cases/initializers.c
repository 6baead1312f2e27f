/* conformance/cases/initializers.c - spec §7.1-7.4: default initializers,
 * scope initializers, variance scaling's parameters (read back from the
 * graph's constants, as TF builds them), constant and tensor initial values.
 * Twins: conformance/oracle/initializers.py. */
#include <math.h>
#include <string.h>

#include "common.h"

#define VSC_SUITE "initializers"

/* The float value of a scalar Const op of the graph, by name. */
#define CONST_VALUE(x, s, opname)                                                   \
  vs_op *x##_op = vs_graph_operation_by_name(g, (opname));                          \
  EXPECT(x##_op != NULL, "no op %s", (opname));                                      \
  FETCH(x, s, vs_op_output(x##_op))

/* v = tf.get_variable("v", [2, 3])   # float32: glorot_uniform
 *   v.initial_value.op.name -> "v/Initializer/random_uniform"
 *   limit = sqrt(6 / (2 + 3)) = 1.0954451 ("v/Initializer/random_uniform/max", min = -limit)
 *   after init every value lies in [-limit, limit]                      spec 7.1.1, 7.2.3, A.k */
VSC_CASE(float_default_is_glorot_uniform) {
  GETV(v, "v", .shape = VS_SHAPE(2, 3));
  STR_EQ(vs_op_name(vs_var_initial_value(v).op), "v/Initializer/random_uniform");
  SESSION(s);
  CONST_VALUE(mx, s, "v/Initializer/random_uniform/max");
  CONST_VALUE(mn, s, "v/Initializer/random_uniform/min");
  NEAR(FLOATS(mx)[0], 1.0954451, 1e-6);
  NEAR(FLOATS(mn)[0], -1.0954451, 1e-6);
  RUN(s, vs_var_initializer_op(v));
  VALUE(x, s, v);
  for (int i = 0; i < 6; i++) EXPECT(fabsf(FLOATS(x)[i]) <= 1.0954452f, "value %g outside the limit", FLOATS(x)[i]);
}

/* i = tf.get_variable("i", [3], dtype=tf.int32)   -> "i/Initializer/zeros", [0, 0, 0]
 * b = tf.get_variable("b", [2], dtype=tf.bool)    -> [False, False]
 * s = tf.get_variable("s", [3], dtype=tf.string)  -> "s/Initializer/zeros", string_ref (TF 1.4: E8)
 *                                                           spec 7.1.2, 7.1.3, 7.1.4 */
VSC_CASE(int_bool_string_default_is_zeros) {
  GETV(i, "i", .shape = VS_SHAPE(3), .dtype = VS_INT32);
  GETV(b, "b", .shape = VS_SHAPE(2), .dtype = VS_BOOL);
  GETV(str, "s", .shape = VS_SHAPE(3), .dtype = VS_STRING);
  STR_EQ(vs_op_name(vs_var_initial_value(i).op), "i/Initializer/zeros");
  STR_EQ(vs_op_name(vs_var_initial_value(str).op), "s/Initializer/zeros");
  STR_EQ(vs_var_dtype_name(str), "string_ref");
  SESSION(s);
  RUN(s, vs_var_initializer_op(i));
  RUN(s, vs_var_initializer_op(b));
  VALUE(xi, s, i);
  VALUE(xb, s, b);
  for (int k = 0; k < 3; k++) INT_EQ(INTS(xi)[k], 0);
  for (int k = 0; k < 2; k++) INT_EQ(((const uint8_t *)vs_tensor_data(xb))[k], 0);
}

/* with tf.variable_scope("s", initializer=tf.constant_initializer(0.5)):
 *   with tf.variable_scope("inner"):
 *     a = tf.get_variable("a", [2])                                      -> [0.5, 0.5]
 *     b = tf.get_variable("b", [2], initializer=tf.constant_initializer(2.))  -> [2, 2]
 *                                                               spec 7.1.6 */
VSC_CASE(scope_initializer_inherited_explicit_wins) {
  VSCOPE(sc, "s", .initializer = vs_constant_initializer(0.5));
  VSCOPE(in, "inner");
  GETV(a, "a", .shape = VS_SHAPE(2));
  GETV(b, "b", .shape = VS_SHAPE(2), .initializer = vs_constant_initializer(2.0));
  VPOP(in);
  VPOP(sc);
  SESSION(s);
  RUN(s, vs_var_initializer_op(a));
  RUN(s, vs_var_initializer_op(b));
  VALUE(xa, s, a);
  VALUE(xb, s, b);
  NEAR(FLOATS(xa)[0], 0.5, 0);
  NEAR(FLOATS(xa)[1], 0.5, 0);
  NEAR(FLOATS(xb)[0], 2.0, 0);
  NEAR(FLOATS(xb)[1], 2.0, 0);
}

/* for name, shape in [("s0", []), ("s1", [5]), ("s2", [2, 3]), ("s3", [784, 100]),
 *                     ("s4", [3, 3, 64, 128]), ("s5", [5, 5, 1, 32]), ("s6", [0, 4])]:
 *   tf.get_variable(name, shape)   # glorot_uniform: limit sqrt(3 / max(1, (fan_in + fan_out) / 2))
 *   "<name>/Initializer/random_uniform/max" -> 1.7320508, 0.7745967, 1.0954451, 0.0823853,
 *                                              0.0589256, 0.0852803, 1.2247449
 *                                                          spec 7.2.1-7.2.7 */
VSC_CASE(glorot_uniform_limits_from_fans) {
  static const char *names[] = {"s0", "s1", "s2", "s3", "s4", "s5", "s6"};
  const vs_shape shapes[] = {VS_SCALAR,         VS_SHAPE(5),       VS_SHAPE(2, 3),   VS_SHAPE(784, 100),
                             VS_SHAPE(3, 3, 64, 128), VS_SHAPE(5, 5, 1, 32), VS_SHAPE(0, 4)};
  const double want[] = {1.7320508, 0.7745967, 1.0954451, 0.0823853, 0.0589256, 0.0852803, 1.2247449};
  for (int i = 0; i < 7; i++) {
    GETV(v, names[i], .shape = shapes[i]);
  }
  SESSION(s);
  for (int i = 0; i < 7; i++) {
    char op[64];
    snprintf(op, sizeof op, "%s/Initializer/random_uniform/max", names[i]);
    CONST_VALUE(mx, s, op);
    NEAR(FLOATS(mx)[0], want[i], 1e-6);
  }
}

/* tf.get_variable("gn", [2, 3], initializer=tf.glorot_normal_initializer())
 *   "gn/Initializer/truncated_normal/stddev" -> sqrt(1 / 2.5) / 0.87962566103423978 = 0.7190053
 * tf.get_variable("vs", [2, 3], initializer=tf.variance_scaling_initializer(2.0, "fan_out", "untruncated_normal"))
 *   "vs/Initializer/random_normal/stddev" -> sqrt(2 / 3) = 0.8164966
 *                                                          spec 7.2 (V115 correction) */
VSC_CASE(glorot_normal_and_untruncated_stddev) {
  GETV(gn, "gn", .shape = VS_SHAPE(2, 3), .initializer = vs_glorot_normal_initializer(VS_SEED_NONE));
  GETV(vsv, "vs", .shape = VS_SHAPE(2, 3),
       .initializer = vs_variance_scaling_initializer(2.0, VS_FAN_OUT, VS_DIST_UNTRUNCATED_NORMAL, VS_SEED_NONE));
  STR_EQ(vs_op_name(vs_var_initial_value(gn).op), "gn/Initializer/truncated_normal");
  STR_EQ(vs_op_name(vs_var_initial_value(vsv).op), "vs/Initializer/random_normal");
  SESSION(s);
  CONST_VALUE(sd, s, "gn/Initializer/truncated_normal/stddev");
  NEAR(FLOATS(sd)[0], 0.7190053, 1e-6);
  CONST_VALUE(sd2, s, "vs/Initializer/random_normal/stddev");
  NEAR(FLOATS(sd2)[0], 0.8164966, 1e-6);
}

/* tf.get_variable("v", [3, 4], initializer=tf.constant_initializer([0, 1, 2, 3, 4, 5, 6, 7]))
 *   -> "v/Initializer/Const"; value rows [0 1 2 3], [4 5 6 7], [7 7 7 7] (last repeated)
 * tf.get_variable("w", [2, 3], initializer=tf.constant_initializer([0, ..., 7]))
 *   -> ValueError TF 2.x "Too many elements provided. Takes at most 6, but got 8."
 *      (TF 1.15: "Too many elements provided. Needed at most 6, but received 8")   spec 7.3 */
VSC_CASE(constant_initializer_list_repeats_last_too_many_fails) {
  static const float vals[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  GETV(v, "v", .shape = VS_SHAPE(3, 4),
       .initializer = vs_constant_initializer_array(vals, VS_FLOAT, 8, VS_UNKNOWN_SHAPE, false));
  STR_EQ(vs_op_name(vs_var_initial_value(v).op), "v/Initializer/Const");
  vs_var *w = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(2, 3),
      .initializer = vs_constant_initializer_array(vals, VS_FLOAT, 8, VS_UNKNOWN_SHAPE, false)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Too many elements provided. Takes at most 6, but got 8.");
  EXPECT(w == NULL, "a variable was returned");
  SESSION(s);
  RUN(s, vs_var_initializer_op(v));
  VALUE(x, s, v);
  const float want[12] = {0, 1, 2, 3, 4, 5, 6, 7, 7, 7, 7, 7};
  for (int i = 0; i < 12; i++) NEAR(FLOATS(x)[i], want[i], 0);
}

/* tf.get_variable("v", [3, 4], initializer=tf.constant_initializer([0, ..., 7], verify_shape=True))
 *   -> TypeError TF 2.x "Expected Tensor's shape: (3, 4), but got (8,)."
 *      (TF 1.15: "Expected Tensor's shape: (3, 4), got (8,).")           spec 7.3 */
VSC_CASE(constant_initializer_verify_shape) {
  static const float vals[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(3, 4),
      .initializer = vs_constant_initializer_array(vals, VS_FLOAT, 8, VS_UNKNOWN_SHAPE, true)}, st);
  ERR(VS_INVALID_ARGUMENT, "TypeError", "Expected Tensor's shape: (3, 4), but got (8,).");
  EXPECT(v == NULL, "a variable was returned");
}

/* a = tf.get_variable("a", initializer=tf.constant([1., 2.]))   -> shape (2,), float32
 * b = tf.get_variable("b", initializer=5.0)                       -> shape (), float32
 * c = tf.get_variable("c", initializer=np.array([[1, 2, 3]], np.int32)) -> (1, 3), int32
 * with tf.variable_scope("s", dtype=tf.float64):
 *   d = tf.get_variable("d", initializer=tf.constant([1, 2]))     -> int32 (scope dtype ignored)
 *                                                     spec 7.4.1, 7.4.3, 7.4.5 */
VSC_CASE(value_and_tensor_initializers_give_shape_and_dtype) {
  vs_output ct = vs_constant(g, (float[]){1.0f, 2.0f}, VS_FLOAT, VS_SHAPE(2), "Const", st);
  OK();
  GETV(a, "a", .initializer = vs_tensor_initializer(ct));
  GETV(b, "b", .initializer = vs_value_initializer(&(float){5.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  GETV(c, "c", .initializer = vs_value_initializer((int32_t[]){1, 2, 3}, VS_INT32, 3, VS_SHAPE(1, 3)));
  VSCOPE(sc, "s", .dtype = VS_DOUBLE);
  vs_output ci = vs_constant(g, (int32_t[]){1, 2}, VS_INT32, VS_SHAPE(2), "Const", st);
  OK();
  GETV(d, "d", .initializer = vs_tensor_initializer(ci));
  VPOP(sc);
  SHAPE_STR(vs_var_shape(a), "(2,)");
  INT_EQ(vs_var_dtype(a), VS_FLOAT);
  SHAPE_STR(vs_var_shape(b), "()");
  INT_EQ(vs_var_dtype(b), VS_FLOAT);
  SHAPE_STR(vs_var_shape(c), "(1, 3)");
  INT_EQ(vs_var_dtype(c), VS_INT32);
  INT_EQ(vs_var_dtype(d), VS_INT32);
}

/* with tf.variable_scope("s", dtype=tf.float64): v = tf.get_variable("v", [2])
 *   -> float64_ref, "s/v/Initializer/random_uniform" (glorot for the scope dtype)   spec 7.1, 4 (inherited dtype) */
VSC_CASE(scope_dtype_selects_default) {
  VSCOPE(sc, "s", .dtype = VS_DOUBLE);
  GETV(v, "v", .shape = VS_SHAPE(2));
  VPOP(sc);
  STR_EQ(vs_var_dtype_name(v), "float64_ref");
  STR_EQ(vs_op_name(vs_var_initial_value(v).op), "s/v/Initializer/random_uniform");
}

/* tf.Variable(None) -> ValueError "initial_value must be specified."     spec 7.4.10 */
VSC_CASE(variable_requires_initial_value) {
  vs_var *v = vs_variable(g, &(vs_variable_opts){.name = "v"}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "initial_value must be specified.");
  EXPECT(v == NULL, "a variable was returned");
}

/* tf.get_variable("v", initializer=tf.zeros([2, 3]), validate_shape=False)   -> created, shape (2, 3)
 *                                                   spec 7.4.6 (a tensor of known shape) */
VSC_CASE(validate_shape_false_with_tensor) {
  vs_output z = vs_constant(g, (float[]){0, 0, 0, 0, 0, 0}, VS_FLOAT, VS_SHAPE(2, 3), "zeros", st);
  OK();
  GETV(v, "v", .initializer = vs_tensor_initializer(z), .validate_shape = VS_OPT_FALSE);
  VAR_NAME(v, "v:0");
}

/* A string tensor's elements, joined by ',' ("p,q"). */
static const char *strings_of(const vs_tensor *x, char *buf, size_t cap) {
  size_t n = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < vs_tensor_num_elements(x) && n < cap; i++)
    n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? "," : "", vs_tensor_string(x, i));
  return buf;
}

/* s = tf.get_variable("string", [2], dtype=tf.string)  -> ops string/Initializer/zeros (Const),
 *     string (VariableV2), string/Assign, string/read; initialised to [b'', b'']
 * big = tf.get_variable("big", [40, 40], dtype=tf.string) -> big/Initializer/zeros is a Fill; all b''
 * w = tf.Variable([b"x", b"yy"], name="w")               -> [b'x', b'yy'], initialized_value() too
 * ph = tf.placeholder(tf.string, [2], name="ph"); sess.run(s.assign(ph), {ph: [b"p", b"q"]})
 *   -> [b'p', b'q']; sess.run(s.read_value()) -> [b'p', b'q']
 * tf.get_variable("o", [2], tf.string, tf.ones_initializer())  -> TypeError
 *   "Expected string, but got 1 of type 'int'."
 * ... tf.random_normal_initializer() -> TypeError "Expected string, but got 0.0 of type 'float'."
 * ... tf.glorot_uniform_initializer() -> ValueError "Argument `dtype` got invalid value
 *   <dtype: 'string'>. Accepted dtypes are (tf.float16, ..., tf.int64)."
 * s.assign_add(tf.constant([b"a", b"b"])) -> TypeError "Value passed to parameter 'ref' has DataType
 *   string not in list of allowed values: ..."                            spec 7.1.4, 7.3, 2.4 */
VSC_CASE(string_variable_initialises_assigns_and_fetches) {
  char buf[256];
  GETV(sv, "string", .shape = VS_SHAPE(2), .dtype = VS_STRING);
  const char *want_ops[][2] = {{"string/Initializer/zeros", "Const"}, {"string", "VariableV2"},
                               {"string/Assign", "Assign"}, {"string/read", "Identity"}};
  INT_EQ(vs_graph_num_operations(g), 4);
  for (size_t i = 0; i < 4; i++) {
    STR_EQ(vs_op_name(vs_graph_operation(g, i)), want_ops[i][0]);
    STR_EQ(vs_op_type(vs_graph_operation(g, i)), want_ops[i][1]);
  }
  GETV(big, "big", .shape = VS_SHAPE(40, 40), .dtype = VS_STRING);
  STR_EQ(vs_op_type(vs_var_initial_value(big).op), "Fill");
  VARIABLE(w, .name = "w", .initial_value = vs_value_initializer((const char *[]){"x", "yy"}, VS_STRING, 2, VS_UNKNOWN_SHAPE));
  STR_EQ(vs_var_dtype_name(w), "string_ref");
  vs_output ph = vs_placeholder(g, VS_STRING, VS_SHAPE(2), "ph", st);
  OK();
  vs_output assign = vs_assign(g, sv, ph, NULL, st);
  OK();
  vs_output read = vs_read_value(g, sv, st);
  OK();
  vs_output wi = vs_initialized_value(g, w, st);
  OK();
  vs_var *o = vs_get_variable(g, "o", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_STRING,
                                                    .initializer = vs_ones_initializer()}, st);
  ERR(VS_INVALID_ARGUMENT, "TypeError", "Expected string, but got 1 of type 'int'.");
  o = vs_get_variable(g, "o", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_STRING,
                                             .initializer = vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE)}, st);
  ERR(VS_INVALID_ARGUMENT, "TypeError", "Expected string, but got 0.0 of type 'float'.");
  o = vs_get_variable(g, "o", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_STRING,
                                             .initializer = vs_glorot_uniform_initializer(VS_SEED_NONE)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Argument `dtype` got invalid value <dtype: 'string'>. Accepted dtypes are (tf.float16, tf.bfloat16, "
      "tf.float32, tf.float64, tf.int32, tf.int64).");
  EXPECT(o == NULL, "a variable was returned");
  vs_output ab = vs_constant(g, (const char *[]){"a", "b"}, VS_STRING, VS_SHAPE(2), "ab", st);
  OK();
  vs_output add = vs_assign_add(g, sv, ab, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "TypeError",
      "Value passed to parameter 'ref' has DataType string not in list of allowed values: float32, float64, "
      "int32, uint8, int16, int8, complex64, int64, qint8, quint8, qint32, bfloat16, qint16, quint16, uint16, "
      "complex128, float16, uint32, uint64");
  EXPECT(add.op == NULL, "an op was returned");
  SESSION(s);
  RUN(s, vs_var_initializer_op(sv));
  RUN(s, vs_var_initializer_op(big));
  RUN(s, vs_var_initializer_op(w));
  VALUE(x0, s, sv);
  STR_EQ(strings_of(x0, buf, sizeof buf), ",");
  VALUE(xbig, s, big);
  INT_EQ(vs_tensor_num_elements(xbig), 1600);
  STR_EQ(vs_tensor_string(xbig, 1599), "");
  VALUE(xw, s, w);
  STR_EQ(strings_of(xw, buf, sizeof buf), "x,yy");
  FETCH(xwi, s, wi);
  STR_EQ(strings_of(xwi, buf, sizeof buf), "x,yy");
  vs_tensor *feed = vs_tensor_new_strings(VS_SHAPE(2), (const char *[]){"p", "q"}, st);
  OK();
  vs_tensor *got = NULL;
  vs_session_run(s, &ph, &feed, 1, &assign, &got, 1, NULL, 0, st);
  vs_tensor_free(feed);
  OK();
  STR_EQ(strings_of(got, buf, sizeof buf), "p,q");
  vs_tensor_free(got);
  FETCH(xr, s, read);
  STR_EQ(strings_of(xr, buf, sizeof buf), "p,q");
}

/* ---- random streams: TensorFlow's exact values (issue 12, item 9) ----------
 * The twins' builders (conformance/oracle/initializers.py) make the same
 * variables; tools/make_random_golden.py runs them under TensorFlow and
 * writes the rows below: element count, FNV-1a 64 of the raw little-endian
 * bytes, bits of the first and last element; every value is compared bit
 * for bit. */
typedef struct golden_row {
  const char *name;
  size_t n;
  uint64_t fnv, first, last;
} golden_row;

/* Generated by tools/make_random_golden.py under TensorFlow 2.21.0. */
static const golden_row random_streams_match_tf_with_op_seeds_golden[] = {
    {"u", 7, 0x71780d64d8cd0a27ull, 0xbd79b3f0ull, 0xbe58f8e4ull},
    {"n", 9, 0x80804330b4daf393ull, 0xbfed96d6ull, 0xbfa4d8e1ull},
    {"tn", 1001, 0x68cf42442c17f0a5ull, 0xbf830128ull, 0xbfbbc994ull},
    {"neg", 10, 0x667cbef69db6f63bull, 0x3edbaa18ull, 0x3ed02034ull},
    {"big", 6, 0x927983de8eba4f26ull, 0xbf367d28ull, 0xbe5ce327ull},
};
static const golden_row random_streams_match_tf_with_graph_seed_only_golden[] = {
    {"g1", 78400, 0x58adbfbaadea3943ull, 0x3d6266c0ull, 0x3d2c51d4ull},
    {"g2", 4608, 0x58ab430d7a70be48ull, 0xbded9e74ull, 0xbce14d2aull},
    {"g3", 217, 0x839c04055895d692ull, 0x3edbc276ull, 0xbedc102eull},
    {"g4", 85, 0x63bd832fdf8846bcull, 0x3f01dfd0ull, 0x3f5f0a37ull},
    {"g5", 825, 0xfe78f0e8fe23b165ull, 0xbcb45161ull, 0xbd272c27ull},
    {"g6", 1001, 0xaea4991c8ae475b7ull, 0x3f8a3ee2ull, 0xbe719381ull},
};
static const golden_row random_streams_match_tf_with_graph_and_op_seed_golden[] = {
    {"a", 5, 0xc7071f893e3a781bull, 0x3ecd5b64ull, 0x3f3efd9cull},
    {"b", 24, 0x3eb5f59173427ef9ull, 0x3dc285f0ull, 0x3e09abf9ull},
    {"c", 6, 0xe6ead693c81f5b6full, 0x3f0e4ee4ull, 0xbf306f12ull},
};
static const golden_row random_streams_float64_golden[] = {
    {"d1", 1001, 0x237c4a34f8d28455ull, 0x40047df382e68722ull, 0x3fe56db4ad79b068ull},
    {"d2", 999, 0xd4fd4e1873bb3855ull, 0xbff4c21857ed1aa5ull, 0xbff397dcc4045b94ull},
    {"d3", 501, 0x613763291510744aull, 0xc00bd39045bbf288ull, 0xc0037f33c531a003ull},
};
static const golden_row random_int_streams_match_tf_golden[] = {
    {"i", 11, 0x00cf97a9cd3e254full, 0x1d6ull, 0x3cfull},
    {"j", 7, 0xdaa8a3011eff8b19ull, 0x235ull, 0x32dull},
};
static const golden_row random_stream_seed_zero_and_second_run_golden[] = {
    {"v#1", 9, 0x405bbb77bfb276acull, 0x3dfdc938ull, 0xbf8496acull},
    {"v#2", 9, 0x5d068a0bcf0346ebull, 0x3ee25e24ull, 0xbfb07b38ull},
};

static uint64_t fnv1a64(const void *data, size_t len) {
  const unsigned char *p = data;
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

/* x holds TF's values of row w, bit for bit. */
static bool row_matches(vsc_ctx *t, const vs_tensor *x, const golden_row *w) {
  size_t n = vs_tensor_num_elements(x), es = vs_dtype_size(vs_tensor_dtype(x));
  const unsigned char *p = vs_tensor_data(x);
  if (n != w->n) {
    vsc_fail(t, __FILE__, __LINE__, "%s has %zu elements, want %zu", w->name, n, w->n);
    return false;
  }
  uint64_t first = 0, last = 0, h = fnv1a64(p, n * es);
  memcpy(&first, p, es);
  memcpy(&last, p + (n - 1) * es, es);
  if (h == w->fnv && first == w->first && last == w->last) return true;
  vsc_fail(t, __FILE__, __LINE__, "%s: hash %016llx first %llx last %llx, TensorFlow's %016llx %llx %llx", w->name,
           (unsigned long long)h, (unsigned long long)first, (unsigned long long)last, (unsigned long long)w->fnv,
           (unsigned long long)w->first, (unsigned long long)w->last);
  return false;
}

/* Initialises vars[0..n) in one session and compares each with its row. */
#define STREAMS(vars, rows)                                                        \
  do {                                                                             \
    SESSION(s);                                                                    \
    for (size_t k = 0; k < sizeof(vars) / sizeof *(vars); k++) RUN(s, vs_var_initializer_op((vars)[k])); \
    for (size_t k = 0; k < sizeof(vars) / sizeof *(vars); k++) {                    \
      VALUE(x, s, (vars)[k]);                                                      \
      if (!row_matches(t, x, &(rows)[k])) return;                                  \
    }                                                                              \
  } while (0)

/* no graph seed; op seeds 1, 5, 7, -5 (Python's % gives 2147483642), 2**40 + 3:
 *   u  = get_variable("u", [7], initializer=random_uniform_initializer(-0.3, 0.7, seed=1))
 *   n  = get_variable("n", [3, 3], initializer=random_normal_initializer(0.5, 2.0, seed=5))
 *   tn = get_variable("tn", [77, 13], initializer=truncated_normal_initializer(-1.0, 0.5, seed=7))
 *   neg, big: random_uniform_initializer(0.0, 1.0, seed=-5), random_normal_initializer(seed=2**40 + 3)
 *   -> every element bit-identical to TensorFlow's                          spec 7.3 */
VSC_CASE(random_streams_match_tf_with_op_seeds) {
  GETV(u, "u", .shape = VS_SHAPE(7), .initializer = vs_random_uniform_initializer(-0.3, 0.7, 1));
  GETV(n, "n", .shape = VS_SHAPE(3, 3), .initializer = vs_random_normal_initializer(0.5, 2.0, 5));
  GETV(tn, "tn", .shape = VS_SHAPE(77, 13), .initializer = vs_truncated_normal_initializer(-1.0, 0.5, 7));
  GETV(neg, "neg", .shape = VS_SHAPE(10), .initializer = vs_random_uniform_initializer(0.0, 1.0, -5));
  GETV(big, "big", .shape = VS_SHAPE(6), .initializer = vs_random_normal_initializer(0.0, 1.0, (1LL << 40) + 3));
  vs_var *vars[] = {u, n, tn, neg, big};
  STREAMS(vars, random_streams_match_tf_with_op_seeds_golden);
}

/* tf.set_random_seed(42); op seeds from the graph's counter (0, 1, 2, ...):
 *   g1 [784, 100] default (glorot_uniform); g2 [3, 3, 16, 32] glorot_normal;
 *   g3 [31, 7] variance_scaling(2.0, "fan_in", "uniform");
 *   g4 [17, 5] variance_scaling(2.0, "fan_out", "untruncated_normal");
 *   g5 [5, 5, 1, 33] variance_scaling(0.5, "fan_avg", "truncated_normal");
 *   g6 [1001] truncated_normal_initializer()
 *   -> every element bit-identical to TensorFlow's                spec 7.2, 7.3 */
VSC_CASE(random_streams_match_tf_with_graph_seed_only) {
  vs_graph_set_random_seed(g, 42);
  GETV(g1, "g1", .shape = VS_SHAPE(784, 100));
  GETV(g2, "g2", .shape = VS_SHAPE(3, 3, 16, 32), .initializer = vs_glorot_normal_initializer(VS_SEED_NONE));
  GETV(g3, "g3", .shape = VS_SHAPE(31, 7),
       .initializer = vs_variance_scaling_initializer(2.0, VS_FAN_IN, VS_DIST_UNIFORM, VS_SEED_NONE));
  GETV(g4, "g4", .shape = VS_SHAPE(17, 5),
       .initializer = vs_variance_scaling_initializer(2.0, VS_FAN_OUT, VS_DIST_UNTRUNCATED_NORMAL, VS_SEED_NONE));
  GETV(g5, "g5", .shape = VS_SHAPE(5, 5, 1, 33),
       .initializer = vs_variance_scaling_initializer(0.5, VS_FAN_AVG, VS_DIST_TRUNCATED_NORMAL, VS_SEED_NONE));
  GETV(g6, "g6", .shape = VS_SHAPE(1001), .initializer = vs_truncated_normal_initializer(0.0, 1.0, VS_SEED_NONE));
  vs_var *vars[] = {g1, g2, g3, g4, g5, g6};
  STREAMS(vars, random_streams_match_tf_with_graph_seed_only_golden);
}

/* tf.set_random_seed(7):
 *   a [5] random_uniform_initializer(seed=3); b [4, 6] glorot_normal_initializer(seed=9);
 *   c [2, 3] default (op seed from the counter)
 *   -> every element bit-identical to TensorFlow's                spec 7.2, 7.3 */
VSC_CASE(random_streams_match_tf_with_graph_and_op_seed) {
  vs_graph_set_random_seed(g, 7);
  GETV(a, "a", .shape = VS_SHAPE(5), .initializer = vs_random_uniform_initializer(0.0, 1.0, 3));
  GETV(b, "b", .shape = VS_SHAPE(4, 6), .initializer = vs_glorot_normal_initializer(9));
  GETV(c, "c", .shape = VS_SHAPE(2, 3));
  vs_var *vars[] = {a, b, c};
  STREAMS(vars, random_streams_match_tf_with_graph_and_op_seed_golden);
}

/* d1 = get_variable("d1", [1001], tf.float64, initializer=random_uniform_initializer(-2.0, 3.0, seed=1))
 *   -> bit-identical (two words per double, TF's Uint64ToDouble)
 * d2 = get_variable("d2", [999], tf.float64, initializer=random_normal_initializer(seed=2))
 * d3 = get_variable("d3", [501], tf.float64, initializer=truncated_normal_initializer(0.5, 2.0, seed=3))
 *   -> bit-identical (BoxMullerDouble with glibc's double log and sincos; truncated: 2 values
 *      a group, groups 128 Philox blocks apart)                              spec 7.3 */
VSC_CASE(random_streams_float64) {
  GETV(d1, "d1", .shape = VS_SHAPE(1001), .dtype = VS_DOUBLE,
       .initializer = vs_random_uniform_initializer(-2.0, 3.0, 1));
  GETV(d2, "d2", .shape = VS_SHAPE(999), .dtype = VS_DOUBLE, .initializer = vs_random_normal_initializer(0.0, 1.0, 2));
  GETV(d3, "d3", .shape = VS_SHAPE(501), .dtype = VS_DOUBLE, .initializer = vs_truncated_normal_initializer(0.5, 2.0, 3));
  vs_var *vars[] = {d1, d2, d3};
  STREAMS(vars, random_streams_float64_golden);
}

/* tf.set_random_seed(5):
 *   i = get_variable("i", [11], tf.int32, initializer=random_uniform_initializer(-3, 1000, seed=1))
 *   j = get_variable("j", [7], tf.int64, initializer=random_uniform_initializer(-3, 1000, seed=2))
 *   -> RandomUniformInt: minval + word % range (int64: two words a value), TF's values exactly
 *                                                                             spec 7.3 */
VSC_CASE(random_int_streams_match_tf) {
  vs_graph_set_random_seed(g, 5);
  GETV(i, "i", .shape = VS_SHAPE(11), .dtype = VS_INT32, .initializer = vs_random_uniform_initializer(-3, 1000, 1));
  GETV(j, "j", .shape = VS_SHAPE(7), .dtype = VS_INT64, .initializer = vs_random_uniform_initializer(-3, 1000, 2));
  vs_var *vars[] = {i, j};
  STREAMS(vars, random_int_streams_match_tf_golden);
}

/* tf.set_random_seed(0); v = get_variable("v", [9], initializer=truncated_normal_initializer(seed=0))
 *   seeds (0, 0) -> (0, 2**31 - 1); sess.run(v.initializer) twice: the second run continues
 *   the stream (each run reserves 256 Philox blocks per element)
 *   -> both values bit-identical to TensorFlow's                            spec 7.3 */
VSC_CASE(random_stream_seed_zero_and_second_run) {
  vs_graph_set_random_seed(g, 0);
  GETV(v, "v", .shape = VS_SHAPE(9), .initializer = vs_truncated_normal_initializer(0.0, 1.0, 0));
  SESSION(s);
  for (int k = 0; k < 2; k++) {
    RUN(s, vs_var_initializer_op(v));
    VALUE(x, s, v);
    if (!row_matches(t, x, &random_stream_seed_zero_and_second_run_golden[k])) return;
  }
}

const vsc_case vsc_cases_initializers[] = {
    VSC_REG(float_default_is_glorot_uniform, "7.1.1 7.2.3 A.k"),
    VSC_REG(int_bool_string_default_is_zeros, "7.1.2 7.1.3 7.1.4"),
    VSC_REG(scope_initializer_inherited_explicit_wins, "7.1.6"),
    VSC_REG(glorot_uniform_limits_from_fans, "7.2.1 7.2.2 7.2.3 7.2.4 7.2.5 7.2.6 7.2.7"),
    VSC_REG(glorot_normal_and_untruncated_stddev, "7.2"),
    VSC_REG(constant_initializer_list_repeats_last_too_many_fails, "7.3"),
    VSC_REG(constant_initializer_verify_shape, "7.3"),
    VSC_REG(value_and_tensor_initializers_give_shape_and_dtype, "7.4.1 7.4.3 7.4.5"),
    VSC_REG(scope_dtype_selects_default, "7.1"),
    VSC_REG(variable_requires_initial_value, "7.4.10"),
    VSC_REG(validate_shape_false_with_tensor, "7.4.6"),
    VSC_REG(string_variable_initialises_assigns_and_fetches, "7.1.4 7.3 2.4 X.string_variable"),
    VSC_REG(random_streams_match_tf_with_op_seeds, "7.3 X.philox"),
    VSC_REG(random_streams_match_tf_with_graph_seed_only, "7.2 7.3 X.philox"),
    VSC_REG(random_streams_match_tf_with_graph_and_op_seed, "7.2 7.3 X.philox"),
    VSC_REG(random_streams_float64, "7.3 X.philox"),
    VSC_REG(random_int_streams_match_tf, "7.3 X.philox"),
    VSC_REG(random_stream_seed_zero_and_second_run, "7.3 X.philox"),
    {0},
};
