/* test_collections.c - collections (spec §6).
 *
 * Every expectation was checked against TensorFlow 2.21 (tf.compat.v1, v2
 * behaviour disabled). Collection contents are compared as the
 * comma-joined names of their items, in order ("foo/v:0,foo/w:0"); an
 * operation item shows as its op name, as TF's get_collection shows an op.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "varscope.h"

#define SUPPORT_SCOPE_PUSH
#define SUPPORT_SCOPE_POP
#include "support.h"

/* The collection `key` filtered by `scope` as "name,name,..." in `buf`. */
static inline const char *coll(vs_graph *g, const char *key, const char *scope, char *buf,
                               size_t cap)
{
  vs_item items[32];
  vs_status *st = vs_status_new();
  size_t n = vs_get_collection(g, key, scope, items, 32, st);
  expect_ok(st);
  vs_status_free(st);
  cr_assert_leq(n, 32);
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    const char *name = items[i].kind == VS_ITEM_VAR ? vs_var_name(items[i].var)
                                                    : vs_op_name(items[i].op);
    if (i) strncat(buf, ",", cap - strlen(buf) - 1);
    strncat(buf, nn(name), cap - strlen(buf) - 1);
  }
  return buf;
}

/* The variables of a vs_*_variables() call, joined the same way. */
static inline const char *joinv(vs_var **vars, size_t n, char *buf, size_t cap)
{
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if (i) strncat(buf, ",", cap - strlen(buf) - 1);
    strncat(buf, nn(vs_var_name(vars[i])), cap - strlen(buf) - 1);
  }
  return buf;
}

static inline vs_var *getv(vs_graph *g, const char *name, vs_status *st)
{
  return get_opts(g, name, &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
}

static inline vs_var *local(vs_graph *g, const char *name, const char *const *collections,
                            vs_status *st)
{
  vs_var *v = vs_get_local_variable(
      g, name, &(vs_var_opts){.shape = VS_SHAPE(1), .collections = collections}, st);
  expect_ok(st);
  cr_assert_not_null(v);
  return v;
}

static inline size_t nkeys(vs_graph *g) { return vs_get_all_collection_keys(g, NULL, 0); }

/* ==== §6.2 membership ===================================================== */

Test(collections, r6_2_1_default_membership)
{
  /* spec 6.2.1:
   *   tf.get_variable("v", [1]); tf.Variable(1., name="w")
   *   -> variables [v:0, w:0], trainable_variables [v:0, w:0]               */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  getv(g, "v", st);
  float one = 1.0f;
  vs_variable(g, &(vs_variable_opts){.name = "w", .initial_value = vs_value_initializer(&one, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
              st);
  expect_ok(st);
  cr_assert_str_eq(coll(g, VS_GLOBAL_VARIABLES, NULL, buf, sizeof buf), "v:0,w:0");
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, NULL, buf, sizeof buf), "v:0,w:0");
  cr_assert_eq(nkeys(g), 2);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_2_2_trainable_false)
{
  /* spec 6.2.2:
   *   tf.get_variable("v", [1], trainable=False) -> {variables: [v:0]} only */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  vs_var *v = get_opts(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1), .trainable = VS_OPT_FALSE}, st);
  cr_assert_not(vs_var_trainable(v));
  cr_assert_str_eq(coll(g, VS_GLOBAL_VARIABLES, NULL, buf, sizeof buf), "v:0");
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, NULL, buf, sizeof buf), "");
  cr_assert_eq(nkeys(g), 1);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_2_3_collections_replace_global)
{
  /* spec 6.2.3 / §11.17:
   *   tf.get_variable("v", [1], collections=["mine"])
   *   -> {mine: [v:0], trainable_variables: [v:0]}, not in variables        */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  get_opts(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1), .collections = VS_COLLECTIONS("mine")}, st);
  cr_assert_str_eq(coll(g, "mine", NULL, buf, sizeof buf), "v:0");
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, NULL, buf, sizeof buf), "v:0");
  cr_assert_str_eq(coll(g, VS_GLOBAL_VARIABLES, NULL, buf, sizeof buf), "");
  cr_assert_eq(nkeys(g), 2);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_2_4_empty_collections_trainable_only)
{
  /* spec 6.2.4:
   *   tf.get_variable("v", [1], collections=[]) -> {trainable_variables: [v:0]} */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  get_opts(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1), .collections = VS_NO_COLLECTIONS}, st);
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, NULL, buf, sizeof buf), "v:0");
  cr_assert_str_eq(coll(g, VS_GLOBAL_VARIABLES, NULL, buf, sizeof buf), "");
  cr_assert_eq(nkeys(g), 1);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_2_5_duplicate_names_deduplicated)
{
  /* spec 6.2.5:
   *   tf.get_variable("v", [1], collections=[GLOBAL_VARIABLES, GLOBAL_VARIABLES])
   *   -> variables [v:0] once, trainable_variables [v:0]                     */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  get_opts(g, "v",
           &(vs_var_opts){.shape = VS_SHAPE(1),
                          .collections = VS_COLLECTIONS(VS_GLOBAL_VARIABLES, VS_GLOBAL_VARIABLES)},
           st);
  cr_assert_str_eq(coll(g, VS_GLOBAL_VARIABLES, NULL, buf, sizeof buf), "v:0");
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, NULL, buf, sizeof buf), "v:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_2_6_local_variable)
{
  /* spec 6.2.6:
   *   l = tf.get_local_variable("l", [1])
   *   -> l.name "l:0", l.trainable False, {local_variables: [l:0]} only      */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  vs_var *l = local(g, "l", NULL, st);
  cr_assert_str_eq(vs_var_name(l), "l:0");
  cr_assert_not(vs_var_trainable(l));
  cr_assert_str_eq(coll(g, VS_LOCAL_VARIABLES, NULL, buf, sizeof buf), "l:0");
  cr_assert_str_eq(coll(g, VS_GLOBAL_VARIABLES, NULL, buf, sizeof buf), "");
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, NULL, buf, sizeof buf), "");
  cr_assert_eq(nkeys(g), 1);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_2_7_local_variable_with_collections)
{
  /* spec 6.2.7 (list mutation is not expressible in C):
   *   l = tf.get_local_variable("l", [1], collections=["mine"])
   *   -> {mine: [l:0], local_variables: [l:0]}, l.trainable False            */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  vs_var *l = local(g, "l", VS_COLLECTIONS("mine"), st);
  cr_assert_not(vs_var_trainable(l));
  cr_assert_str_eq(coll(g, "mine", NULL, buf, sizeof buf), "l:0");
  cr_assert_str_eq(coll(g, VS_LOCAL_VARIABLES, NULL, buf, sizeof buf), "l:0");
  cr_assert_str_eq(coll(g, VS_GLOBAL_VARIABLES, NULL, buf, sizeof buf), "");
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, NULL, buf, sizeof buf), "");
  cr_assert_eq(nkeys(g), 2);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_2_8_int_variable_is_trainable)
{
  /* spec 6.2.8:
   *   tf.Variable(1, name="i"); tf.Variable(1.0, trainable=False)
   *   -> trainable_variables [i:0], variables [i:0, Variable:0]              */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  int32_t one = 1;
  float fone = 1.0f;
  vs_variable(g, &(vs_variable_opts){.name = "i", .initial_value = vs_value_initializer(&one, VS_INT32, 1, VS_UNKNOWN_SHAPE)},
              st);
  expect_ok(st);
  vs_variable(g,
              &(vs_variable_opts){.initial_value = vs_value_initializer(&fone, VS_FLOAT, 1, VS_UNKNOWN_SHAPE),
                                  .trainable = VS_OPT_FALSE},
              st);
  expect_ok(st);
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, NULL, buf, sizeof buf), "i:0");
  cr_assert_str_eq(coll(g, VS_GLOBAL_VARIABLES, NULL, buf, sizeof buf), "i:0,Variable:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_2_10_reuse_does_not_modify_collections)
{
  /* spec 6.2.10:
   *   with tf.variable_scope("foo"): tf.get_variable("v", [1])
   *   with tf.variable_scope("foo", reuse=True):
   *     tf.get_variable("v", [1], collections=["x"], trainable=False)
   *   -> {trainable_variables: [foo/v:0], variables: [foo/v:0]}              */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  getv(g, "v", st);
  pop(g, s, st);
  s = push(g, "foo", VS_REUSE_TRUE, st);
  get_opts(g, "v",
           &(vs_var_opts){.shape = VS_SHAPE(1), .collections = VS_COLLECTIONS("x"),
                          .trainable = VS_OPT_FALSE},
           st);
  pop(g, s, st);
  cr_assert_str_eq(coll(g, VS_GLOBAL_VARIABLES, NULL, buf, sizeof buf), "foo/v:0");
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, NULL, buf, sizeof buf), "foo/v:0");
  cr_assert_str_eq(coll(g, "x", NULL, buf, sizeof buf), "");
  cr_assert_eq(nkeys(g), 2);
  vs_status_free(st);
  vs_graph_free(g);
}

static vs_output reg_l(vs_graph *g, vs_var *var, void *user_data, vs_status *st)
{
  (void)var;
  (void)user_data;
  return vs_constant_float(g, 0.0f, "l", st);
}

static vs_output reg_none(vs_graph *g, vs_var *var, void *user_data, vs_status *st)
{
  (void)g;
  (void)var;
  (void)user_data;
  (void)st;
  return (vs_output){NULL, 0};
}

Test(collections, r6_2_11_regularizer_loss_once)
{
  /* spec 6.2.11:
   *   reg = lambda x: tf.constant(0.0, name="l")
   *   with tf.variable_scope("foo"): tf.get_variable("v", [1], regularizer=reg)
   *   with tf.variable_scope("foo", reuse=True): tf.get_variable("v", [1], regularizer=reg)
   *   -> regularization_losses [foo/v/Regularizer/l:0] (one entry; C lists its op) */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  get_opts(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1), .regularizer = reg_l}, st);
  pop(g, s, st);
  s = push(g, "foo", VS_REUSE_TRUE, st);
  get_opts(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1), .regularizer = reg_l}, st);
  pop(g, s, st);
  cr_assert_str_eq(coll(g, VS_REGULARIZATION_LOSSES, NULL, buf, sizeof buf), "foo/v/Regularizer/l");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_2_11_regularizer_returning_none)
{
  /* spec 6.2.11 ("if not None"):
   *   tf.get_variable("v", [1], regularizer=lambda x: None)
   *   -> keys only variables/trainable_variables; no regularization_losses  */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  get_opts(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1), .regularizer = reg_none}, st);
  cr_assert_eq(vs_get_collection(g, VS_REGULARIZATION_LOSSES, NULL, NULL, 0, NULL), 0);
  cr_assert_eq(nkeys(g), 2);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_2_11_scope_regularizer_inherited)
{
  /* spec 6.2.11 + §4 inherited attributes:
   *   with tf.variable_scope("foo", regularizer=reg):
   *     tf.get_variable("v", [1]); tf.get_variable("w", [1])
   *   -> regularization_losses [foo/v/Regularizer/l:0, foo/w/Regularizer/l:0] */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  vs_scope *s = vs_variable_scope_push(g, "foo", &(vs_varscope_opts){.regularizer = reg_l}, st);
  expect_ok(st);
  getv(g, "v", st);
  getv(g, "w", st);
  pop(g, s, st);
  cr_assert_str_eq(coll(g, VS_REGULARIZATION_LOSSES, NULL, buf, sizeof buf),
                   "foo/v/Regularizer/l,foo/w/Regularizer/l");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_2_12_model_variables_not_populated)
{
  /* spec 6.2.12:
   *   tf.get_variable("v", [1]); tf.Variable(1.0)
   *   tf.model_variables() -> []                                             */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  getv(g, "v", st);
  float one = 1.0f;
  vs_variable(g, &(vs_variable_opts){.initial_value = vs_value_initializer(&one, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)}, st);
  expect_ok(st);
  cr_assert_eq(vs_model_variables(g, NULL, NULL, 0, st), 0);
  expect_ok(st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_2_13_global_step_membership)
{
  /* spec 6.2.13 (TF 2.21 training_util.create_global_step, under name_scope(None)):
   *   tf.get_variable("global_step", shape=[], dtype=tf.int64,
   *                   initializer=tf.zeros_initializer(), trainable=False,
   *                   collections=[GLOBAL_VARIABLES, GLOBAL_STEP])
   *   -> global_step:0, int64_ref, (), not trainable, "global_step/Initializer/zeros",
   *      {variables: [global_step:0], global_step: [global_step:0]}
   * (tf.train.get_or_create_global_step itself has no C counterpart)       */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  vs_var *v = get_opts(g, VS_GLOBAL_STEP,
                       &(vs_var_opts){.shape = VS_SCALAR, .dtype = VS_INT64,
                                      .initializer = vs_zeros_initializer(),
                                      .trainable = VS_OPT_FALSE,
                                      .collections = VS_COLLECTIONS(VS_GLOBAL_VARIABLES, VS_GLOBAL_STEP)},
                       st);
  cr_assert_str_eq(vs_var_name(v), "global_step:0");
  cr_assert_str_eq(vs_var_dtype_name(v), "int64_ref");
  cr_assert_not(vs_var_trainable(v));
  cr_assert_str_eq(vs_op_name(vs_var_initial_value(v).op), "global_step/Initializer/zeros");
  cr_assert_str_eq(coll(g, VS_GLOBAL_VARIABLES, NULL, buf, sizeof buf), "global_step:0");
  cr_assert_str_eq(coll(g, VS_GLOBAL_STEP, NULL, buf, sizeof buf), "global_step:0");
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, NULL, buf, sizeof buf), "");
  cr_assert_eq(nkeys(g), 2);
  vs_status_free(st);
  vs_graph_free(g);
}

/* ==== §6.3 retrieval ====================================================== */

Test(collections, r6_3_1_creation_order)
{
  /* spec 6.3.1:
   *   tf.get_variable("a",[1]); ("c",[1]); ("b",[1]); tf.global_variables()
   *   -> [a:0, c:0, b:0]                                                     */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  getv(g, "a", st);
  getv(g, "c", st);
  getv(g, "b", st);
  vs_var *vars[8];
  size_t n = vs_global_variables(g, NULL, vars, 8, st);
  expect_ok(st);
  cr_assert_str_eq(joinv(vars, n, buf, sizeof buf), "a:0,c:0,b:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_3_1_fill_and_count)
{
  /* spec 6.3.1 with the C fill-and-count convention:
   *   three variables, cap 2 -> returns 3, fills [a, c], leaves the rest     */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *a = getv(g, "a", st);
  vs_var *c = getv(g, "c", st);
  getv(g, "b", st);
  vs_var *vars[3] = {NULL, NULL, (vs_var *)&vars};
  cr_assert_eq(vs_get_collection_vars(g, VS_GLOBAL_VARIABLES, NULL, NULL, 0, st), 3);
  expect_ok(st);
  cr_assert_eq(vs_get_collection_vars(g, VS_GLOBAL_VARIABLES, NULL, vars, 2, st), 3);
  expect_ok(st);
  cr_assert_eq(vars[0], a);
  cr_assert_eq(vars[1], c);
  cr_assert_eq(vars[2], (vs_var *)&vars);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_3_2_unknown_key_is_empty_and_not_created)
{
  /* spec 6.3.2:
   *   tf.get_collection("nope") -> []; get_all_collection_keys() -> []       */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_eq(vs_get_collection(g, "nope", NULL, NULL, 0, st), 0);
  expect_ok(st);
  cr_assert_eq(nkeys(g), 0);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_3_3_scope_is_regex_prefix)
{
  /* spec 6.3.3 / §11.7:
   *   with vs("D"): get_variable("w",[1]);  with vs("D_pre"): get_variable("w",[1])
   *   get_collection(TRAINABLE, "D") -> [D/w:0, D_pre/w:0]; "D/" -> [D/w:0]  */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  vs_scope *s = push(g, "D", VS_REUSE_INHERIT, st);
  getv(g, "w", st);
  pop(g, s, st);
  s = push(g, "D_pre", VS_REUSE_INHERIT, st);
  getv(g, "w", st);
  pop(g, s, st);
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, "D", buf, sizeof buf), "D/w:0,D_pre/w:0");
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, "D/", buf, sizeof buf), "D/w:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_3_4_trailing_slash)
{
  /* spec 6.3.4 (tf#7719):
   *   with vs("foo/bar_"): get("y"); with vs("foo/bar"): get("x")
   *   scope "foo/bar" -> [foo/bar_/y:0, foo/bar/x:0]; "foo/bar/" -> [foo/bar/x:0] */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  vs_scope *s = push(g, "foo/bar_", VS_REUSE_INHERIT, st);
  getv(g, "y", st);
  pop(g, s, st);
  s = push(g, "foo/bar", VS_REUSE_INHERIT, st);
  getv(g, "x", st);
  pop(g, s, st);
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, "foo/bar", buf, sizeof buf),
                   "foo/bar_/y:0,foo/bar/x:0");
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, "foo/bar/", buf, sizeof buf), "foo/bar/x:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_3_5_match_is_anchored_at_start)
{
  /* spec 6.3.5:
   *   with vs("foo"): get_variable("w", [1])
   *   get_collection(TRAINABLE, "bar") / "w" / "oo" -> [] each               */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  getv(g, "w", st);
  pop(g, s, st);
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, "bar", buf, sizeof buf), "");
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, "w", buf, sizeof buf), "");
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, "oo", buf, sizeof buf), "");
  cr_assert_str_eq(coll(g, VS_TRAINABLE_VARIABLES, "fo", buf, sizeof buf), "foo/w:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_3_6_regex_metacharacters)
{
  /* spec 6.3.6:
   *   with vs("axb"): get("w"); with vs("a.b"): get("w")
   *   scope "a.b" -> [axb/w:0, a.b/w:0]; scope "a\\.b" -> [a.b/w:0]          */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  vs_scope *s = push(g, "axb", VS_REUSE_INHERIT, st);
  getv(g, "w", st);
  pop(g, s, st);
  s = push(g, "a.b", VS_REUSE_INHERIT, st);
  getv(g, "w", st);
  pop(g, s, st);
  cr_assert_str_eq(coll(g, VS_GLOBAL_VARIABLES, "a.b", buf, sizeof buf), "axb/w:0,a.b/w:0");
  cr_assert_str_eq(coll(g, VS_GLOBAL_VARIABLES, "a\\.b", buf, sizeof buf), "a.b/w:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_3_6_invalid_regex)
{
  /* spec 6.3 (re.compile): get_collection(GLOBAL_VARIABLES, scope="(") raises
   * re.error "missing ), unterminated subpattern at position 0" in TF 2.21;
   * the C API reports it as INVALID_ARGUMENT (header contract).           */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  getv(g, "v", st);
  vs_get_collection(g, VS_GLOBAL_VARIABLES, "(", NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT, "got %s", vs_code_name(vs_status_code(st)));
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_3_8_convenience_functions)
{
  /* spec 6.3.8:
   *   get("t",[1]); get("n",[1],trainable=False); get_local_variable("l",[1]);
   *   get("m",[1],collections=[MODEL_VARIABLES])
   *   global_variables() [t,n]; trainable_variables() [t,m];
   *   local_variables() [l]; model_variables() [m]; global_variables("n") [n] */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  vs_var *vars[8];
  size_t n;
  getv(g, "t", st);
  get_opts(g, "n", &(vs_var_opts){.shape = VS_SHAPE(1), .trainable = VS_OPT_FALSE}, st);
  local(g, "l", NULL, st);
  get_opts(g, "m",
           &(vs_var_opts){.shape = VS_SHAPE(1), .collections = VS_COLLECTIONS(VS_MODEL_VARIABLES)},
           st);
  n = vs_global_variables(g, NULL, vars, 8, st);
  cr_assert_str_eq(joinv(vars, n, buf, sizeof buf), "t:0,n:0");
  n = vs_trainable_variables(g, NULL, vars, 8, st);
  cr_assert_str_eq(joinv(vars, n, buf, sizeof buf), "t:0,m:0");
  n = vs_local_variables(g, NULL, vars, 8, st);
  cr_assert_str_eq(joinv(vars, n, buf, sizeof buf), "l:0");
  n = vs_model_variables(g, NULL, vars, 8, st);
  cr_assert_str_eq(joinv(vars, n, buf, sizeof buf), "m:0");
  n = vs_global_variables(g, "n", vars, 8, st);
  cr_assert_str_eq(joinv(vars, n, buf, sizeof buf), "n:0");
  expect_ok(st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_3_9_scope_get_collection)
{
  /* spec 6.3.9:
   *   get("r",[1])
   *   with vs("foo") as s: get("v",[1]); get("w",[1],trainable=False); get_local_variable("l",[1])
   *   with vs("foo2"): get("v",[1])
   *   s.global_variables() [foo/v, foo/w]; s.trainable_variables() [foo/v];
   *   s.local_variables() [foo/l]; root.global_variables() [r, foo/v, foo/w, foo2/v] */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  vs_var *vars[8];
  size_t n;
  getv(g, "r", st);
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  getv(g, "v", st);
  get_opts(g, "w", &(vs_var_opts){.shape = VS_SHAPE(1), .trainable = VS_OPT_FALSE}, st);
  local(g, "l", NULL, st);
  pop(g, s, st);
  vs_scope *s2 = push(g, "foo2", VS_REUSE_INHERIT, st);
  getv(g, "v", st);
  pop(g, s2, st);
  n = vs_scope_get_collection_vars(s, VS_GLOBAL_VARIABLES, vars, 8, st);
  cr_assert_str_eq(joinv(vars, n, buf, sizeof buf), "foo/v:0,foo/w:0");
  n = vs_scope_get_collection_vars(s, VS_TRAINABLE_VARIABLES, vars, 8, st);
  cr_assert_str_eq(joinv(vars, n, buf, sizeof buf), "foo/v:0");
  n = vs_scope_get_collection_vars(s, VS_LOCAL_VARIABLES, vars, 8, st);
  cr_assert_str_eq(joinv(vars, n, buf, sizeof buf), "foo/l:0");
  n = vs_scope_get_collection_vars(vs_get_variable_scope(g), VS_GLOBAL_VARIABLES, vars, 8, st);
  cr_assert_str_eq(joinv(vars, n, buf, sizeof buf), "r:0,foo/v:0,foo/w:0,foo2/v:0");
  expect_ok(st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_3_10_add_twice_no_dedupe)
{
  /* spec 6.3.10:
   *   v = get("v",[1]); add_to_collection("k", v); add_to_collection("k", v)
   *   get_collection("k") -> [v:0, v:0]                                      */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  vs_var *v = getv(g, "v", st);
  vs_add_to_collection(g, "k", v, st);
  expect_ok(st);
  vs_add_to_collection(g, "k", v, st);
  expect_ok(st);
  cr_assert_str_eq(coll(g, "k", NULL, buf, sizeof buf), "v:0,v:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_3_ops_and_variables_filtered_by_name)
{
  /* spec 6.3 (items matched by .name):
   *   c = tf.constant(1.0, name="c"); v = get("cv",[1])
   *   add_to_collection("k", c.op); add_to_collection("k", v)
   *   get_collection("k") -> [c, cv:0]; get_collection("k", "c") -> [c, cv:0] */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  char buf[256];
  vs_output c = vs_constant_float(g, 1.0f, "c", st);
  expect_ok(st);
  vs_var *v = getv(g, "cv", st);
  vs_add_op_to_collection(g, "k", c.op, st);
  expect_ok(st);
  vs_add_to_collection(g, "k", v, st);
  expect_ok(st);
  cr_assert_str_eq(coll(g, "k", NULL, buf, sizeof buf), "c,cv:0");
  cr_assert_str_eq(coll(g, "k", "c", buf, sizeof buf), "c,cv:0");
  vs_item items[2];
  cr_assert_eq(vs_get_collection(g, "k", NULL, items, 2, st), 2);
  cr_assert_eq(items[0].kind, VS_ITEM_OP);
  cr_assert_eq(items[1].kind, VS_ITEM_VAR);
  cr_assert_eq(vs_get_collection_vars(g, "k", NULL, NULL, 0, st), 1);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_3_keys_in_first_use_order)
{
  /* spec 6.1 / Graph.get_all_collection_keys:
   *   v = get("w",[1],collections=[],trainable=False)
   *   add_to_collection("z", v); add_to_collection("y", v)
   *   get_all_collection_keys() -> ["z", "y"]                                */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *v = get_opts(g, "w",
                       &(vs_var_opts){.shape = VS_SHAPE(1), .collections = VS_NO_COLLECTIONS,
                                      .trainable = VS_OPT_FALSE},
                       st);
  vs_add_to_collection(g, "z", v, st);
  vs_add_to_collection(g, "y", v, st);
  expect_ok(st);
  const char *keys[4] = {0};
  cr_assert_eq(vs_get_all_collection_keys(g, keys, 4), 2);
  cr_assert_str_eq(keys[0], "z");
  cr_assert_str_eq(keys[1], "y");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(collections, r6_1_key_strings)
{
  /* spec 6.1: GraphKeys string values */
  cr_assert_str_eq(VS_GLOBAL_VARIABLES, "variables");
  cr_assert_str_eq(VS_LOCAL_VARIABLES, "local_variables");
  cr_assert_str_eq(VS_METRIC_VARIABLES, "metric_variables");
  cr_assert_str_eq(VS_MODEL_VARIABLES, "model_variables");
  cr_assert_str_eq(VS_TRAINABLE_VARIABLES, "trainable_variables");
  cr_assert_str_eq(VS_MOVING_AVERAGE_VARIABLES, "moving_average_variables");
  cr_assert_str_eq(VS_REGULARIZATION_LOSSES, "regularization_losses");
  cr_assert_str_eq(VS_GLOBAL_STEP, "global_step");
  cr_assert_str_eq(VS_UPDATE_OPS, "update_ops");
  cr_assert_str_eq(VS_INIT_OP, "init_op");
  cr_assert_str_eq(VS_LOCAL_INIT_OP, "local_init_op");
  cr_assert_str_eq(VS_TRAIN_OP, "train_op");
}
