/* test_custom_getter.c - custom getters and get_local_variable (spec §9.1, §9.2).
 *
 * Every expectation was checked against TensorFlow 2.21 (tf.compat.v1, v2
 * behaviour disabled) with getters of the form
 *   def g(getter, name, *a, **k): log.append(...); return getter(name, *a, **k)
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "varscope.h"

#define SUPPORT_SCOPE_POP
#include "support.h"

static inline vs_scope *push(vs_graph *g, const char *name, const vs_varscope_opts *o, vs_status *st)
{
  vs_scope *s = vs_variable_scope_push(g, name, o, st);
  expect_ok(st);
  cr_assert_not_null(s);
  return s;
}

/* What the logging getters saw. */
typedef struct getter_log {
  char calls[256];       /* "tag:name;tag:name;" */
  int n;
  vs_getter_args last;   /* the last call's arguments (strings not kept) */
  char last_collections[128]; /* "a,b" or "(default)" */
  int last_has_caching_device;
} getter_log;

typedef struct tagged {
  const char *tag;
  getter_log *log;
} tagged;

static vs_var *logging_getter(const vs_getter *next, const vs_getter_args *args, void *user_data,
                              vs_status *st)
{
  tagged *t = user_data;
  getter_log *log = t->log;
  size_t len = strlen(log->calls);
  snprintf(log->calls + len, sizeof log->calls - len, "%s:%s;", t->tag, args->name);
  log->n++;
  log->last = *args;
  log->last.name = NULL;
  log->last_has_caching_device = args->caching_device != NULL;
  if (!args->collections) {
    snprintf(log->last_collections, sizeof log->last_collections, "(default)");
  } else {
    log->last_collections[0] = '\0';
    for (const char *const *c = args->collections; *c; c++) {
      if (c != args->collections) strncat(log->last_collections, ",", 127 - strlen(log->last_collections));
      strncat(log->last_collections, *c, 127 - strlen(log->last_collections));
    }
  }
  return vs_getter_call(next, args, st);
}

/* getter(name + "_suffix", ...) */
static vs_var *renaming_getter(const vs_getter *next, const vs_getter_args *args, void *user_data,
                               vs_status *st)
{
  (void)user_data;
  char name[128];
  snprintf(name, sizeof name, "%s_suffix", args->name);
  vs_getter_args a = *args;
  a.name = name;
  return vs_getter_call(next, &a, st);
}

/* kwargs["trainable"] = False; getter(name, **kwargs) */
static vs_var *untrainable_getter(const vs_getter *next, const vs_getter_args *args,
                                  void *user_data, vs_status *st)
{
  (void)user_data;
  vs_getter_args a = *args;
  a.trainable = false;
  return vs_getter_call(next, &a, st);
}

/* return other  (never calls the real getter) */
static vs_var *replacing_getter(const vs_getter *next, const vs_getter_args *args, void *user_data,
                                vs_status *st)
{
  (void)next;
  (void)args;
  (void)st;
  return user_data;
}

/* raise ValueError("nope") */
static vs_var *failing_getter(const vs_getter *next, const vs_getter_args *args, void *user_data,
                              vs_status *st)
{
  (void)next;
  (void)args;
  (void)user_data;
  vs_status_set(st, VS_INVALID_ARGUMENT, "nope");
  return NULL;
}

/* ==== §9.1 custom_getter ================================================== */

Test(custom_getter, r9_1_getter_receives_full_name_and_arguments)
{
  /* spec 9.1:
   *   with tf.variable_scope("foo", custom_getter=g): v = tf.get_variable("v", [2, 3])
   *   -> g called once with name="foo/v", reuse=False, shape=[2, 3], dtype=float32,
   *      initializer=None, trainable=True, collections=None, caching_device=None,
   *      regularizer=None, validate_shape=True; v.name == "foo/v:0"          */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  getter_log log = {0};
  tagged t = {"g", &log};
  vs_scope *s = push(g, "foo", &(vs_varscope_opts){.custom_getter = logging_getter, .custom_getter_data = &t}, st);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2, 3)}, st);
  expect_ok(st);
  pop(g, s, st);
  cr_assert_str_eq(vs_var_name(v), "foo/v:0");
  cr_assert_str_eq(log.calls, "g:foo/v;");
  cr_assert_eq(log.last.reuse, VS_REUSE_FALSE);
  cr_assert(log.last.shape.known);
  cr_assert_eq(log.last.shape.rank, 2);
  cr_assert_eq(log.last.shape.dims[0], 2);
  cr_assert_eq(log.last.shape.dims[1], 3);
  cr_assert_eq(log.last.dtype, VS_FLOAT);
  cr_assert_eq(log.last.initializer.kind, VS_INIT_NONE);
  cr_assert(log.last.trainable);
  cr_assert_str_eq(log.last_collections, "(default)");
  cr_assert_not(log.last_has_caching_device);
  cr_assert_null(log.last.regularizer);
  cr_assert(log.last.validate_shape);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_1_getter_receives_scope_reuse_flag)
{
  /* spec 9.1 ("reuse is the scope's flag"):
   *   with tf.variable_scope("foo", custom_getter=g, reuse=tf.AUTO_REUSE):
   *     v = tf.get_variable("v", [2]); w = tf.get_variable("v", [2])
   *   -> g called twice, reuse=AUTO_REUSE both times; w is v                 */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  getter_log log = {0};
  tagged t = {"g", &log};
  vs_scope *s = push(g, "foo",
                     &(vs_varscope_opts){.reuse = VS_REUSE_AUTO, .custom_getter = logging_getter,
                                         .custom_getter_data = &t},
                     st);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  expect_ok(st);
  vs_var *w = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  expect_ok(st);
  pop(g, s, st);
  cr_assert_eq(w, v);
  cr_assert_str_eq(log.calls, "g:foo/v;g:foo/v;");
  cr_assert_eq(log.last.reuse, VS_REUSE_AUTO);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_1_getter_receives_scope_initializer)
{
  /* spec 9.1 + §4 inheritance:
   *   with tf.variable_scope("s", custom_getter=g, initializer=tf.constant_initializer(0.5)):
   *     tf.get_variable("v", [1])
   *   -> g's initializer kwarg is the scope's Constant initializer            */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  getter_log log = {0};
  tagged t = {"g", &log};
  vs_scope *s = push(g, "s",
                     &(vs_varscope_opts){.initializer = vs_constant_initializer(0.5),
                                         .custom_getter = logging_getter, .custom_getter_data = &t},
                     st);
  vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  pop(g, s, st);
  cr_assert_eq(log.n, 1);
  cr_assert_eq(log.last.initializer.kind, VS_INIT_CONSTANT);
  cr_assert_eq(log.last.initializer.value, 0.5);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_1_inner_getter_runs_first)
{
  /* spec 9.1 (composition):
   *   with tf.variable_scope("o", custom_getter=outer):
   *     with tf.variable_scope("i", custom_getter=inner): v = tf.get_variable("v", [1])
   *   -> calls: inner("o/i/v") then outer("o/i/v"); v.name "o/i/v:0"        */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  getter_log log = {0};
  tagged outer = {"outer", &log}, inner = {"inner", &log};
  vs_scope *o = push(g, "o", &(vs_varscope_opts){.custom_getter = logging_getter, .custom_getter_data = &outer}, st);
  vs_scope *i = push(g, "i", &(vs_varscope_opts){.custom_getter = logging_getter, .custom_getter_data = &inner}, st);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  pop(g, i, st);
  pop(g, o, st);
  cr_assert_str_eq(vs_var_name(v), "o/i/v:0");
  cr_assert_str_eq(log.calls, "inner:o/i/v;outer:o/i/v;");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_1_getter_inherited_by_sub_scope)
{
  /* spec 9.1 + §4 (custom_getter inherited):
   *   with tf.variable_scope("o", custom_getter=outer):
   *     with tf.variable_scope("i"): tf.get_variable("v", [1])
   *   -> calls: outer("o/i/v") once                                          */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  getter_log log = {0};
  tagged outer = {"outer", &log};
  vs_scope *o = push(g, "o", &(vs_varscope_opts){.custom_getter = logging_getter, .custom_getter_data = &outer}, st);
  vs_scope *i = push(g, "i", NULL, st);
  vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  pop(g, i, st);
  pop(g, o, st);
  cr_assert_str_eq(log.calls, "outer:o/i/v;");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_1_argument_replaces_scope_getter)
{
  /* spec 9.1 (no composition for the get_variable argument):
   *   with tf.variable_scope("o", custom_getter=scope_g):
   *     v = tf.get_variable("v", [1], custom_getter=arg_g)
   *   -> calls: arg("o/v") only                                              */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  getter_log log = {0};
  tagged sg = {"scope", &log}, ag = {"arg", &log};
  vs_scope *o = push(g, "o", &(vs_varscope_opts){.custom_getter = logging_getter, .custom_getter_data = &sg}, st);
  vs_var *v = vs_get_variable(
      g, "v",
      &(vs_var_opts){.shape = VS_SHAPE(1), .custom_getter = logging_getter, .custom_getter_data = &ag},
      st);
  expect_ok(st);
  pop(g, o, st);
  cr_assert_str_eq(vs_var_name(v), "o/v:0");
  cr_assert_str_eq(log.calls, "arg:o/v;");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_1_captured_scope_keeps_getter)
{
  /* spec 9.1 + §4 (re-entering a captured object copies its attributes):
   *   with tf.variable_scope("s", custom_getter=g) as sc: pass
   *   with tf.variable_scope(sc): v = tf.get_variable("v", [1])
   *   -> calls: g("s/v"); v.name "s/v:0"                                     */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  getter_log log = {0};
  tagged t = {"g", &log};
  vs_scope *sc = push(g, "s", &(vs_varscope_opts){.custom_getter = logging_getter, .custom_getter_data = &t}, st);
  pop(g, sc, st);
  vs_scope *s2 = vs_variable_scope_push_scope(g, sc, NULL, st);
  expect_ok(st);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  pop(g, s2, st);
  cr_assert_str_eq(vs_var_name(v), "s/v:0");
  cr_assert_str_eq(log.calls, "g:s/v;");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_1_renaming_getter_changes_store_key)
{
  /* spec 9.1 (renaming):
   *   def ren(getter, name, *a, **k): return getter(name + "_suffix", *a, **k)
   *   with tf.variable_scope("s", custom_getter=ren): v = tf.get_variable("v", [1])
   *   with tf.variable_scope("s", reuse=True): w = tf.get_variable("v_suffix", [1])
   *   -> v.name "s/v_suffix:0", v.op.name "s/v_suffix", w is v               */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "s", &(vs_varscope_opts){.custom_getter = renaming_getter}, st);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  pop(g, s, st);
  cr_assert_str_eq(vs_var_name(v), "s/v_suffix:0");
  cr_assert_str_eq(vs_var_op_name(v), "s/v_suffix");
  cr_assert_str_eq(vs_var_store_key(v), "s/v_suffix");
  s = push(g, "s", &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
  vs_var *w = vs_get_variable(g, "v_suffix", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  pop(g, s, st);
  cr_assert_eq(w, v);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_1_renamed_variable_not_under_original_name)
{
  /* spec 9.1 (renaming):
   *   with tf.variable_scope("s", custom_getter=ren): tf.get_variable("v", [1])
   *   with tf.variable_scope("s", reuse=True): tf.get_variable("v", [1])
   *   -> ValueError "Variable s/v does not exist, or was not created with
   *      tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "s", &(vs_varscope_opts){.custom_getter = renaming_getter}, st);
  vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  pop(g, s, st);
  s = push(g, "s", &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
  cr_assert_null(vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st));
  expect_error(st, VS_NOT_FOUND, "ValueError",
               "Variable s/v does not exist, or was not created with tf.get_variable(). Did you "
               "mean to set reuse=tf.AUTO_REUSE in VarScope?");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_1_getter_may_change_arguments)
{
  /* spec 9.1:
   *   def g(getter, name, *a, **k): k["trainable"] = False; return getter(name, *a, **k)
   *   with tf.variable_scope("s", custom_getter=g): v = tf.get_variable("v", [1])
   *   -> v.trainable False; trainable_variables() []; global_variables() [s/v:0] */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "s", &(vs_varscope_opts){.custom_getter = untrainable_getter}, st);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  pop(g, s, st);
  cr_assert_not(vs_var_trainable(v));
  cr_assert_eq(vs_trainable_variables(g, NULL, NULL, 0, st), 0);
  vs_var *vars[2] = {0};
  cr_assert_eq(vs_global_variables(g, NULL, vars, 2, st), 1);
  cr_assert_eq(vars[0], v);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_1_return_value_returned_unchanged)
{
  /* spec 9.1 ("the return value is returned from get_variable unchanged"):
   *   other = tf.Variable(1.0, name="other")
   *   with tf.variable_scope("s", custom_getter=lambda getter, name, *a, **k: other):
   *     v = tf.get_variable("v", [1])
   *   -> v is other, v.name "other:0"                                        */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  float one = 1.0f;
  vs_var *other = vs_variable(
      g, &(vs_variable_opts){.name = "other", .initial_value = vs_value_initializer(&one, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
      st);
  expect_ok(st);
  vs_scope *s = push(g, "s", &(vs_varscope_opts){.custom_getter = replacing_getter, .custom_getter_data = other}, st);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  pop(g, s, st);
  cr_assert_eq(v, other);
  cr_assert_str_eq(vs_var_name(v), "other:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_1_getter_error_propagates)
{
  /* spec 9.1 (a getter that raises: the exception leaves get_variable):
   *   def g(getter, name, *a, **k): raise ValueError("nope")
   *   with tf.variable_scope("s", custom_getter=g): tf.get_variable("v", [1])
   *   -> the getter's error; nothing created                                 */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "s", &(vs_varscope_opts){.custom_getter = failing_getter}, st);
  cr_assert_null(vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st), "nope");
  pop(g, s, st);
  cr_assert_eq(vs_global_variables(g, NULL, NULL, 0, st), 0);
  vs_status_free(st);
  vs_graph_free(g);
}

/* ==== §9.2 get_local_variable ============================================= */

Test(custom_getter, r9_2_local_variable_naming_and_reuse)
{
  /* spec 9.2 / 6.2.6:
   *   with tf.variable_scope("foo"): v = tf.get_local_variable("l", [1])
   *   with tf.variable_scope("foo", reuse=True): w = tf.get_local_variable("l", [1])
   *   -> v.name "foo/l:0", w is v, v.trainable False                         */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", NULL, st);
  vs_var *v = vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  pop(g, s, st);
  s = push(g, "foo", &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
  vs_var *w = vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  pop(g, s, st);
  cr_assert_str_eq(vs_var_name(v), "foo/l:0");
  cr_assert_eq(w, v);
  cr_assert_not(vs_var_trainable(v));
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_2_local_variable_already_exists)
{
  /* spec 9.2 (E1 applies):
   *   with tf.variable_scope("foo"):
   *     tf.get_local_variable("l", [1]); tf.get_local_variable("l", [1])
   *   -> ValueError "Variable foo/l already exists, disallowed. Did you mean to set
   *      reuse=True or reuse=tf.AUTO_REUSE in VarScope?" (+ traceback in TF)  */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", NULL, st);
  vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  cr_assert_null(vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1)}, st));
  cr_assert_eq(vs_status_code(st), VS_ALREADY_EXISTS, "%s", vs_status_message(st));
  cr_assert_str_eq(vs_status_exception_name(st), "ValueError");
  const char *want = "Variable foo/l already exists, disallowed. Did you mean to set reuse=True "
                     "or reuse=tf.AUTO_REUSE in VarScope?";
  cr_assert(strncmp(vs_status_message(st), want, strlen(want)) == 0, "message: %s",
            vs_status_message(st));
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_2_local_variable_does_not_exist)
{
  /* spec 9.2 (E2 applies):
   *   with tf.variable_scope("foo", reuse=True): tf.get_local_variable("l", [1])
   *   -> ValueError "Variable foo/l does not exist, ..."                     */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
  cr_assert_null(vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1)}, st));
  expect_error(st, VS_NOT_FOUND, "ValueError",
               "Variable foo/l does not exist, or was not created with tf.get_variable(). Did you "
               "mean to set reuse=tf.AUTO_REUSE in VarScope?");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_2_local_variable_ignores_name_scope)
{
  /* spec 9.2 + §11.1:
   *   with tf.name_scope("ns"):
   *     a = tf.get_local_variable("l", [1])
   *     with tf.variable_scope("foo"): b = tf.get_local_variable("l", [1])
   *   -> a.name "l:0", b.name "foo/l:0"                                      */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_name_scope_push(g, "ns", st);
  expect_ok(st);
  vs_var *a = vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  vs_scope *s = push(g, "foo", NULL, st);
  vs_var *b = vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  pop(g, s, st);
  vs_name_scope_pop(g, st);
  expect_ok(st);
  cr_assert_str_eq(vs_var_name(a), "l:0");
  cr_assert_str_eq(vs_var_name(b), "foo/l:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_2_local_variable_forces_trainable_false)
{
  /* spec 6.2.6 (trainable forced False):
   *   tf.get_local_variable("l", [1], trainable=True).trainable -> False     */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *v = vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1), .trainable = VS_OPT_TRUE}, st);
  expect_ok(st);
  cr_assert_not(vs_var_trainable(v));
  cr_assert_eq(vs_trainable_variables(g, NULL, NULL, 0, st), 0);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(custom_getter, r9_2_getter_sees_local_arguments)
{
  /* spec 9.1 + 9.2:
   *   with tf.variable_scope("foo", custom_getter=g): tf.get_local_variable("l", [1])
   *   -> g called with name "foo/l", trainable=False, collections=["local_variables"] */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  getter_log log = {0};
  tagged t = {"g", &log};
  vs_scope *s = push(g, "foo", &(vs_varscope_opts){.custom_getter = logging_getter, .custom_getter_data = &t}, st);
  vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  pop(g, s, st);
  cr_assert_str_eq(log.calls, "g:foo/l;");
  cr_assert_not(log.last.trainable);
  cr_assert_str_eq(log.last_collections, "local_variables");
  vs_status_free(st);
  vs_graph_free(g);
}
