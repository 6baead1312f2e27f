/* conformance/cases/initializers.c - spec §7.1-7.4: default initializers,
 * scope initializers, variance scaling's parameters (read back from the
 * graph's constants, as TF builds them), constant and tensor initial values.
 * Twins: conformance/oracle/initializers.py. */
#include <math.h>

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
       .initializer = vs_constant_initializer_array(vals, VS_FLOAT, 8, NULL, false));
  STR_EQ(vs_op_name(vs_var_initial_value(v).op), "v/Initializer/Const");
  vs_var *w = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(2, 3),
      .initializer = vs_constant_initializer_array(vals, VS_FLOAT, 8, NULL, false)}, st);
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
      .initializer = vs_constant_initializer_array(vals, VS_FLOAT, 8, NULL, true)}, st);
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
  GETV(b, "b", .initializer = vs_value_initializer(&(float){5.0f}, VS_FLOAT, 1, NULL));
  GETV(c, "c", .initializer = vs_value_initializer((int32_t[]){1, 2, 3}, VS_INT32, 3, &VS_SHAPE(1, 3)));
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
  VARIABLE(w, .name = "w", .initial_value = vs_value_initializer((const char *[]){"x", "yy"}, VS_STRING, 2, NULL));
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
    VSC_REG(string_variable_initialises_assigns_and_fetches, "7.1.4 7.3 2.4"),
    {0},
};
