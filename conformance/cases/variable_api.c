/* conformance/cases/variable_api.c - the rest of tf.compat.v1's variable API
 * (issue 12, items 4-8): constraint=, synchronization= and aggregation=,
 * variable_creator_scope, the VariableScope setters, add_to_collections,
 * strip/prepend_name_scope and device scopes left out of order.
 * Twins: conformance/oracle/variable_api.py. */
#include <pthread.h>

#include "common.h"

#define VSC_SUITE "variable_api"

/* ---- synchronization= and aggregation= ---------------------------------- */

/* with tf.variable_scope("s"):
 *   tf.get_variable("a", [1], synchronization=7, aggregation=9)
 *     -> ValueError "Invalid variable aggregation mode: 9 for variable: s/a" (aggregation first)
 *   tf.get_variable("a", [1], synchronization=7)
 *     -> ValueError "Invalid variable synchronization mode: 7 for variable: s/a"
 *   tf.get_local_variable("a", [1], aggregation=4) -> the same, for aggregation 4
 * tf.Variable(1.0, synchronization=7) -> "... mode: 7 for variable: None"
 * tf.Variable(1.0, aggregation=-1, name="f") -> "... mode: -1 for variable: f"
 * and nothing was created                                          issue 12.5 */
VSC_CASE(sync_agg_invalid_modes_name_the_variable) {
  VSCOPE(s, "s");
  vs_var *a = vs_get_variable(g, "a", &(vs_var_opts){.shape = VS_SHAPE(1),
                              .synchronization = (vs_synchronization)7,
                              .aggregation = (vs_aggregation)9}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Invalid variable aggregation mode: 9 for variable: s/a");
  EXPECT(!a, "a variable was returned");
  a = vs_get_variable(g, "a", &(vs_var_opts){.shape = VS_SHAPE(1),
                      .synchronization = (vs_synchronization)7}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Invalid variable synchronization mode: 7 for variable: s/a");
  a = vs_get_local_variable(g, "a", &(vs_var_opts){.shape = VS_SHAPE(1),
                            .aggregation = (vs_aggregation)4}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Invalid variable aggregation mode: 4 for variable: s/a");
  VPOP(s);
  vs_var *v = vs_variable(g, &(vs_variable_opts){
      .initial_value = vs_constant_initializer(1.0), .shape = VS_SCALAR,
      .synchronization = (vs_synchronization)7}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Invalid variable synchronization mode: 7 for variable: None");
  v = vs_variable(g, &(vs_variable_opts){.name = "f", .initial_value = vs_constant_initializer(1.0),
                  .shape = VS_SCALAR, .aggregation = (vs_aggregation)-1}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Invalid variable aggregation mode: -1 for variable: f");
  EXPECT(!v, "a variable was returned");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "");
}

/* d = tf.get_variable("d", [1], synchronization=ON_READ)    -> trainable False, NONE
 * e = tf.get_variable("e", [1], aggregation=MEAN)            -> trainable True, AUTO
 * c = tf.get_variable("c", [1], synchronization=ON_READ, trainable=True) -> trainable True
 * l = tf.get_local_variable("l", [1], synchronization=ON_WRITE, aggregation=SUM)
 * h = tf.Variable(1.0, synchronization=ON_READ, name="h")   -> trainable False
 * TRAINABLE_VARIABLES == "e:0 c:0"                                issue 12.5 */
VSC_CASE(on_read_makes_trainable_default_false) {
  GETV(d, "d", .shape = VS_SHAPE(1), .synchronization = VS_SYNC_ON_READ);
  EXPECT(!vs_var_trainable(d), "an ON_READ variable is trainable");
  INT_EQ(vs_var_synchronization(d), VS_SYNC_ON_READ);
  INT_EQ(vs_var_aggregation(d), VS_AGG_NONE);
  GETV(e, "e", .shape = VS_SHAPE(1), .aggregation = VS_AGG_MEAN);
  EXPECT(vs_var_trainable(e), "an AUTO variable is not trainable");
  INT_EQ(vs_var_synchronization(e), VS_SYNC_AUTO);
  STR_EQ(vs_aggregation_name(vs_var_aggregation(e)), "MEAN");
  GETV(c, "c", .shape = VS_SHAPE(1), .synchronization = VS_SYNC_ON_READ,
       .trainable = VS_OPT_TRUE);
  EXPECT(vs_var_trainable(c), "an explicit trainable=True was dropped");
  vs_var *l = vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1),
                                    .synchronization = VS_SYNC_ON_WRITE,
                                    .aggregation = VS_AGG_SUM}, st);
  OK();
  STR_EQ(vs_synchronization_name(vs_var_synchronization(l)), "ON_WRITE");
  STR_EQ(vs_aggregation_name(vs_var_aggregation(l)), "SUM");
  VARIABLE(h, .name = "h", .initial_value = vs_constant_initializer(1.0), .shape = VS_SCALAR,
           .synchronization = VS_SYNC_ON_READ);
  EXPECT(!vs_var_trainable(h), "an ON_READ tf.Variable is trainable");
  INT_EQ(vs_var_synchronization(h), VS_SYNC_ON_READ);
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "e:0 c:0");
}

struct seen {
  char log[512];
};

static vs_output clip01(vs_graph *g, vs_output x, void *data, vs_status *st) {
  (void)g, (void)data, (void)st;
  return x;
}

static vs_output times2(vs_graph *g, vs_output x, void *data, vs_status *st) {
  (void)data;
  vs_output c = vs_constant_float(g, 2.0f, "c", st);
  return vs_mul(g, x, c, "mul", st);
}

static vs_var *args_getter(const vs_getter *next, const vs_getter_args *a, void *data,
                           vs_status *st) {
  struct seen *s = data;
  size_t n = strlen(s->log);
  snprintf(s->log + n, sizeof s->log - n, "%s%s %s %s trainable=%d constraint=%s", n ? "; " : "",
           a->name, vs_synchronization_name(a->synchronization),
           vs_aggregation_name(a->aggregation), (int)a->trainable,
           a->constraint == clip01 ? "clip" : a->constraint ? "other" : "None");
  return vs_getter_call(next, a, st);
}

/* def getter(getter, name, *a, **kw): log kw synchronization, aggregation, trainable, constraint
 * with tf.variable_scope("t", custom_getter=getter):
 *   tf.get_variable("x", [1])
 *   tf.get_variable("y", [1], synchronization=ON_READ, aggregation=SUM, constraint=clip)
 *   -> "t/x AUTO NONE trainable=1 constraint=None; t/y ON_READ SUM trainable=0 constraint=clip"
 *   (validated and trainable resolved before the getter runs)        issue 12.5 */
VSC_CASE(getter_receives_sync_agg_constraint) {
  struct seen s = {{0}};
  VSCOPE(sc, "t", .custom_getter = args_getter, .custom_getter_data = &s);
  GETV(x, "x", .shape = VS_SHAPE(1));
  GETV(y, "y", .shape = VS_SHAPE(1), .synchronization = VS_SYNC_ON_READ,
       .aggregation = VS_AGG_SUM, .constraint = clip01);
  VPOP(sc);
  STR_EQ(s.log, "t/x AUTO NONE trainable=1 constraint=None; "
                "t/y ON_READ SUM trainable=0 constraint=clip");
  INT_EQ(vs_var_aggregation(y), VS_AGG_SUM);
}

/* ---- constraint= --------------------------------------------------------- */

/* j = tf.get_variable("j", [1], constraint=clip)            -> j.constraint is clip
 * with tf.variable_scope("s", constraint=times2) as s:       -> s.constraint is times2
 *   k = tf.get_variable("k", [1])                            -> k.constraint is times2
 *   m = tf.get_variable("m", [1], constraint=clip)           -> clip
 *   with tf.variable_scope("in"): n = tf.get_variable("n", [1]) -> None (not inherited)
 * with tf.variable_scope(s) as s2: s2.constraint is None; tf.get_variable("o", [1]).constraint is None
 * with tf.variable_scope("s", reuse=True): tf.get_variable("k", [1], constraint=clip) is k
 *   and k.constraint is still times2
 * w = tf.Variable(1.0, constraint=clip); u = tf.Variable(1.0) -> clip; None
 *                                                                issue 12.4 */
VSC_CASE(constraint_kept_on_variable_not_inherited) {
  GETV(j, "j", .shape = VS_SHAPE(1), .constraint = clip01);
  void *data = &data;
  EXPECT(vs_var_constraint(j, &data) == clip01 && data == NULL, "j's constraint");
  int tag = 0;
  VSCOPE(s, "s", .constraint = times2, .constraint_data = &tag);
  EXPECT(vs_scope_constraint(s, &data) == times2 && data == &tag, "the scope's constraint");
  GETV(k, "k", .shape = VS_SHAPE(1));
  EXPECT(vs_var_constraint(k, &data) == times2 && data == &tag, "k did not inherit it");
  GETV(m, "m", .shape = VS_SHAPE(1), .constraint = clip01);
  EXPECT(vs_var_constraint(m, NULL) == clip01, "the argument did not override the scope");
  VSCOPE(in, "in");
  GETV(n, "n", .shape = VS_SHAPE(1));
  EXPECT(vs_var_constraint(n, NULL) == NULL, "a sub-scope inherited the constraint");
  EXPECT(vs_scope_constraint(in, NULL) == NULL, "the sub-scope has a constraint");
  VPOP(in);
  VPOP(s);
  VSCOPE_OBJ(s2, s);
  EXPECT(vs_scope_constraint(s2, NULL) == NULL, "re-entering kept the constraint");
  GETV(o, "o", .shape = VS_SHAPE(1));
  EXPECT(vs_var_constraint(o, NULL) == NULL, "re-entering kept the constraint");
  VPOP(s2);
  VSCOPE(r, "s", .reuse = VS_REUSE_TRUE);
  GETV(k2, "k", .shape = VS_SHAPE(1), .constraint = clip01);
  VPOP(r);
  EXPECT(k2 == k && vs_var_constraint(k, NULL) == times2, "reuse changed the constraint");
  VARIABLE(w, .initial_value = vs_constant_initializer(1.0), .shape = VS_SCALAR,
           .constraint = clip01);
  VARIABLE(u, .initial_value = vs_constant_initializer(1.0), .shape = VS_SCALAR);
  EXPECT(vs_var_constraint(w, NULL) == clip01, "tf.Variable's constraint");
  EXPECT(vs_var_constraint(u, NULL) == NULL, "a constraint appeared");
}

/* v = tf.get_variable("v", initializer=tf.constant([1., -2.], name="init"), constraint=times2)
 * p = v.constraint(v)  -> "mul:0" with input "v/read:0"; after init, sess.run(p) == [2, -4]
 * u = tf.get_variable("u", [1]): applying u's (missing) constraint fails
 *                                                                issue 12.4 */
VSC_CASE(constraint_projects_the_read_value) {
  vs_output init = vs_constant(g, (float[]){1, -2}, VS_FLOAT, VS_SHAPE(2), "init", st);
  OK();
  GETV(v, "v", .initializer = vs_tensor_initializer(init), .constraint = times2);
  vs_output p = vs_var_apply_constraint(v, st);
  OK();
  STR_EQ(vs_output_name(p), "mul:0");
  STR_EQ(vs_output_name(vs_op_input(p.op, 0)), "v/read:0");
  GETV(u, "u", .shape = VS_SHAPE(1));
  vs_output none = vs_var_apply_constraint(u, st);
  ERR(VS_FAILED_PRECONDITION, "ValueError", "Variable u has no constraint");
  EXPECT(!none.op, "a tensor was returned");
  vs_session *sess = vsc_session(t, __FILE__, __LINE__);
  if (!sess) return;
  vs_op *all = vs_global_variables_initializer(g, st);
  OK();
  if (!vsc_run_target(t, sess, all, __FILE__, __LINE__)) return;
  vs_tensor *out = vsc_fetch(t, sess, p, __FILE__, __LINE__);
  if (!out) return;
  const float *f = vs_tensor_data(out);
  NEAR(f[0], 2.0, 0);
  NEAR(f[1], -4.0, 0);
}

/* ---- variable_creator_scope ---------------------------------------------- */

static vs_var *log_creator(const vs_creator *next, const vs_creator_args *a, void *data,
                           vs_status *st) {
  struct seen *s = data;
  size_t n = strlen(s->log);
  snprintf(s->log + n, sizeof s->log - n, "%s%s trainable=%s sync=%d", n ? "; " : "",
           a->name ? a->name : "None",
           a->trainable == VS_OPT_DEFAULT ? "None" : a->trainable == VS_OPT_TRUE ? "True" : "False",
           (int)a->synchronization);
  return vs_creator_call(next, a, st);
}

/* def creator(next_creator, **kw): log name, trainable, synchronization; return next_creator(**kw)
 * with tf.variable_creator_scope(creator):
 *   tf.get_variable("q", [1]); tf.Variable(1.0, synchronization=ON_READ)
 *   with tf.name_scope("ns"): tf.Variable(1.0)       -> "ns/Variable:0"
 *   tf.Variable(1.0, synchronization=7) -> the creator runs, then ValueError for None
 *   -> "q trainable=True sync=0; None trainable=None sync=3; None trainable=None sync=0;
 *       None trainable=None sync=7"                           issue 12.7 */
VSC_CASE(creator_sees_each_variable_and_raw_arguments) {
  struct seen s = {{0}};
  vs_creator_scope *cs = vs_variable_creator_scope_push(g, log_creator, &s, st);
  OK();
  GETV(q, "q", .shape = VS_SHAPE(1));
  VARIABLE(a, .initial_value = vs_constant_initializer(1.0), .shape = VS_SCALAR,
           .synchronization = VS_SYNC_ON_READ);
  NSCOPE(ns, "ns");
  VARIABLE(b, .initial_value = vs_constant_initializer(1.0), .shape = VS_SCALAR);
  NPOP();
  vs_var *c = vs_variable(g, &(vs_variable_opts){.initial_value = vs_constant_initializer(1.0),
                          .shape = VS_SCALAR, .synchronization = (vs_synchronization)7}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Invalid variable synchronization mode: 7 for variable: None");
  EXPECT(!c, "a variable was returned");
  vs_variable_creator_scope_pop(g, cs, st);
  OK();
  VAR_NAME(q, "q:0");
  VAR_NAME(a, "Variable:0");
  VAR_NAME(b, "ns/Variable:0");
  STR_EQ(s.log, "q trainable=True sync=0; None trainable=None sync=3; "
                "None trainable=None sync=0; None trainable=None sync=7");
  struct seen before = s;
  VARIABLE(d, .initial_value = vs_constant_initializer(1.0), .shape = VS_SCALAR);
  STR_EQ(s.log, before.log); /* left: the creator no longer runs */
}

static vs_var *rename_creator(const vs_creator *next, const vs_creator_args *a, void *data,
                              vs_status *st) {
  (void)data;
  vs_creator_args b = *a;
  b.name = "renamed";
  b.trainable = VS_OPT_FALSE;
  return vs_creator_call(next, &b, st);
}

static vs_var *order_creator(const vs_creator *next, const vs_creator_args *a, void *data,
                             vs_status *st) {
  struct seen *s = data;
  strcat(s->log, a->name && strcmp(a->name, "o") == 0 ? "o " : "? ");
  return vs_creator_call(next, a, st);
}

static vs_var *inner_creator(const vs_creator *next, const vs_creator_args *a, void *data,
                             vs_status *st) {
  strcat(((struct seen *)data)->log, "inner ");
  return vs_creator_call(next, a, st);
}

/* def rn(next_creator, **kw): kw["name"] = "renamed"; kw["trainable"] = False; return next_creator(**kw)
 * with tf.variable_creator_scope(rn): v = tf.get_variable("orig", [1])
 *   -> "renamed:0", not trainable; the store still knows it as "orig"
 * with tf.variable_creator_scope(outer): with tf.variable_creator_scope(inner):
 *   tf.Variable(1.0, name="o")  -> order "inner o" (innermost first)
 *                                                                issue 12.7 */
VSC_CASE(creator_rewrites_arguments_innermost_first) {
  vs_creator_scope *cs = vs_variable_creator_scope_push(g, rename_creator, NULL, st);
  OK();
  GETV(v, "orig", .shape = VS_SHAPE(1));
  vs_variable_creator_scope_pop(g, cs, st);
  OK();
  VAR_NAME(v, "renamed:0");
  EXPECT(!vs_var_trainable(v), "the creator's trainable=False was ignored");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "");
  VSCOPE(r, "", .reuse = VS_REUSE_TRUE);
  GETV(w, "orig", .shape = VS_SHAPE(1));
  VPOP(r);
  EXPECT(w == v, "the store does not know the variable as orig");
  struct seen s = {{0}};
  vs_creator_scope *outer = vs_variable_creator_scope_push(g, order_creator, &s, st);
  vs_creator_scope *inner = vs_variable_creator_scope_push(g, inner_creator, &s, st);
  OK();
  VARIABLE(o, .name = "o", .initial_value = vs_constant_initializer(1.0), .shape = VS_SCALAR);
  vs_variable_creator_scope_pop(g, inner, st);
  vs_variable_creator_scope_pop(g, outer, st);
  OK();
  STR_EQ(s.log, "inner o ");
}

/* a = tf.variable_creator_scope(c); b = tf.variable_creator_scope(c)
 * a.__enter__(); b.__enter__(); a.__exit__(None, None, None)
 *   -> RuntimeError "Exiting variable_creator_scope without proper nesting."
 * b.__exit__(...) then succeeds. (TF's failed exit ends a's context manager, so
 * its creator stays on the stack for good; varscope lets the caller pop it
 * once the nesting is right, which the C case does last.)        issue 12.7 */
VSC_CASE(creator_scope_exit_out_of_order) {
  struct seen s = {{0}};
  vs_creator_scope *a = vs_variable_creator_scope_push(g, log_creator, &s, st);
  vs_creator_scope *b = vs_variable_creator_scope_push(g, log_creator, &s, st);
  OK();
  vs_variable_creator_scope_pop(g, a, st);
  ERR(VS_FAILED_PRECONDITION, "RuntimeError", "Exiting variable_creator_scope without proper nesting.");
  vs_variable_creator_scope_pop(g, b, st);
  OK();
  vs_variable_creator_scope_pop(g, a, st);
  OK();
}

/* ---- the VariableScope setters ------------------------------------------- */

static vs_output l2ish(vs_graph *g, vs_var *v, void *data, vs_status *st) {
  (void)data;
  return vs_identity(g, vs_var_value(v), "loss", st);
}

/* with tf.variable_scope("sc") as s:
 *   s.caching_device, s.regularizer, s.constraint are None
 *   s.set_caching_device("/cpu:0"); v = tf.get_variable("cd", [1]) -> v.value().device "/device:CPU:0"
 *   s.set_regularizer(r); tf.get_variable("rg", [1]) -> REGULARIZATION_LOSSES "sc/rg/Regularizer/loss:0"
 * with tf.variable_scope(s): tf.get_variable("cd2", [1]).value().device == "/device:CPU:0"
 * s.set_caching_device(None): tf.get_variable("cd3") reads on the variable's device ("")
 *                                                                issue 12.8 */
VSC_CASE(scope_setters_caching_device_and_regularizer) {
  VSCOPE(s, "sc");
  EXPECT(!vs_scope_caching_device(s) && !vs_scope_regularizer(s, NULL) &&
             !vs_scope_constraint(s, NULL) && !vs_scope_custom_getter(s, NULL),
         "a new scope has defaults");
  vs_scope_set_caching_device(s, "/cpu:0", st);
  OK();
  STR_EQ(vs_scope_caching_device(s), "/cpu:0");
  GETV(v, "cd", .shape = VS_SHAPE(1));
  STR_EQ(vs_op_device(vs_var_value(v).op), "/device:CPU:0");
  vs_scope_set_regularizer(s, l2ish, NULL, st);
  OK();
  EXPECT(vs_scope_regularizer(s, NULL) == l2ish, "the regularizer was not set");
  GETV(rg, "rg", .shape = VS_SHAPE(1));
  VPOP(s);
  vs_item items[4];
  size_t n = vs_get_collection(g, VS_REGULARIZATION_LOSSES, NULL, items, 4, st);
  OK();
  INT_EQ(n, 1);
  STR_EQ(vs_op_name(items[0].op), "sc/rg/Regularizer/loss");
  VSCOPE_OBJ(s2, s);
  GETV(v2, "cd2", .shape = VS_SHAPE(1));
  VPOP(s2);
  STR_EQ(vs_op_device(vs_var_value(v2).op), "/device:CPU:0");
  vs_scope_set_caching_device(s, NULL, st);
  OK();
  VSCOPE_OBJ(s3, s);
  GETV(v3, "cd3", .shape = VS_SHAPE(1));
  VPOP(s3);
  STR_EQ(vs_op_device(vs_var_value(v3).op), "");
}

/* with tf.variable_scope("cg", custom_getter=gt) as s:
 *   s.set_custom_getter(gt2); tf.get_variable("x", [1]) -> only gt2 runs (replaced, not composed)
 *   with tf.variable_scope("in", custom_getter=gt3): tf.get_variable("y", [1]) -> "gt3 gt2"
 *   s.set_custom_getter(None); tf.get_variable("z", [1]) -> no getter
 *                                                                issue 12.8 */
VSC_CASE(scope_set_custom_getter_replaces_chain) {
  struct seen o = {{0}};
  VSCOPE(s, "cg", .custom_getter = args_getter, .custom_getter_data = &o);
  vs_scope_set_custom_getter(s, (vs_custom_getter_fn)NULL, NULL, st);
  OK();
  EXPECT(!vs_scope_custom_getter(s, NULL), "set_custom_getter(None) kept a getter");
  struct seen o2 = {{0}};
  vs_scope_set_custom_getter(s, args_getter, &o2, st);
  OK();
  void *data = NULL;
  EXPECT(vs_scope_custom_getter(s, &data) == args_getter && data == &o2, "the getter read back");
  GETV(x, "x", .shape = VS_SHAPE(1));
  STR_EQ(o.log, "");
  STR_EQ(o2.log, "cg/x AUTO NONE trainable=1 constraint=None");
  VSCOPE(in, "in", .custom_getter = args_getter, .custom_getter_data = &o);
  GETV(y, "y", .shape = VS_SHAPE(1));
  VPOP(in);
  STR_EQ(o.log, "cg/in/y AUTO NONE trainable=1 constraint=None");
  STR_EQ(o2.log, "cg/x AUTO NONE trainable=1 constraint=None; "
                 "cg/in/y AUTO NONE trainable=1 constraint=None");
  VPOP(s);
}

/* ---- add_to_collections, strip/prepend_name_scope, device nesting -------- */

/* v = tf.get_variable("v", [1]); tf.add_to_collections(["k1", "k2", "k1"], v)
 *   -> k1 == [v], k2 == [v]; tf.add_to_collections("k3", v) (one key) -> k3 == [v]
 *                                                                issue 12.8 */
VSC_CASE(add_to_collections_each_key_once) {
  GETV(v, "v", .shape = VS_SHAPE(1));
  vs_add_to_collections(g, VS_COLLECTIONS("k1", "k2", "k1"), v, st);
  OK();
  vs_add_to_collections(g, VS_COLLECTIONS("k3"), v, st);
  OK();
  COLLECTION("k1", NULL, "v:0");
  COLLECTION("k2", NULL, "v:0");
  COLLECTION("k3", NULL, "v:0");
  vs_add_op_to_collections(g, VS_COLLECTIONS("ops", "ops"), vs_var_op(v), st);
  OK();
  vs_item it[3];
  INT_EQ(vs_get_collection(g, "ops", NULL, it, 3, st), 1);
}

#define STRIP_EQ(name, scope, want)                                \
  do {                                                             \
    char b_[64];                                                   \
    INT_EQ(vs_strip_name_scope((name), (scope), b_, sizeof b_), strlen(want)); \
    STR_EQ(b_, want);                                              \
  } while (0)
#define PREPEND_EQ(name, scope, want)                              \
  do {                                                             \
    char b_[64];                                                   \
    INT_EQ(vs_prepend_name_scope((name), (scope), b_, sizeof b_), strlen(want)); \
    STR_EQ(b_, want);                                              \
  } while (0)

/* ops.strip_name_scope / ops.prepend_name_scope on TF's forms:
 *   strip("foo/bar", "foo") "bar"; ("^foo/bar") "^bar"; ("loc:@foo/bar") "loc:@bar";
 *   ("foo/bar", "") unchanged; ("foob/bar") and ("x/foo/bar") unchanged; scope "foo/" "bar";
 *   ("foo//bar:0") "bar:0"; ("foo") unchanged; ("foo_1/bar") unchanged; ("fxo/bar", "f.o") "bar"
 *   prepend("bar", "foo") "foo/bar"; ("^bar") "^foo/bar"; ("loc:@bar") "loc:@foo/bar";
 *   ("bar", "") "bar"; scope "foo/" "foo/bar"                      issue 12.8 */
VSC_CASE(strip_and_prepend_name_scope) {
  STRIP_EQ("foo/bar", "foo", "bar");
  STRIP_EQ("^foo/bar", "foo", "^bar");
  STRIP_EQ("loc:@foo/bar", "foo", "loc:@bar");
  STRIP_EQ("foo/bar", "", "foo/bar");
  STRIP_EQ("foob/bar", "foo", "foob/bar");
  STRIP_EQ("x/foo/bar", "foo", "x/foo/bar");
  STRIP_EQ("foo/bar", "foo/", "bar");
  STRIP_EQ("foo//bar:0", "foo", "bar:0");
  STRIP_EQ("foo", "foo", "foo");
  STRIP_EQ("foo_1/bar", "foo", "foo_1/bar");
  STRIP_EQ("fxo/bar", "f.o", "bar");
  PREPEND_EQ("bar", "foo", "foo/bar");
  PREPEND_EQ("^bar", "foo", "^foo/bar");
  PREPEND_EQ("loc:@bar", "foo", "loc:@foo/bar");
  PREPEND_EQ("bar", "", "bar");
  PREPEND_EQ("bar", "foo/", "foo/bar");
}

/* d1 = g.device("/cpu:0"); d2 = g.device("/gpu:0"); d1.__enter__(); d2.__enter__()
 * d1.__exit__(...) -> RuntimeError "Exiting device scope without proper scope nesting."
 * a = tf.constant(1.0, name="a") is still on "/device:GPU:0"; d2 exits; then
 * b = tf.constant(1.0, name="b") is on "/device:CPU:0": d1 was not left. (TF's
 * failed exit ends d1's context manager for good; varscope lets the caller
 * leave d1 once the nesting is right, which the C case does last.) issue 12.8 */
VSC_CASE(device_scope_exit_out_of_order) {
  vs_device_scope *d1 = vs_device_scope_push(g, "/cpu:0", st);
  vs_device_scope *d2 = vs_device_scope_push(g, "/gpu:0", st);
  OK();
  vs_device_scope_pop(g, d1, st);
  ERR(VS_FAILED_PRECONDITION, "RuntimeError", "Exiting device scope without proper scope nesting.");
  CONSTF(a, 1.0f, "a");
  STR_EQ(vs_op_device(a.op), "/device:GPU:0");
  vs_device_scope_pop(g, d2, st);
  OK();
  CONSTF(b, 1.0f, "b");
  STR_EQ(vs_op_device(b.op), "/device:CPU:0");
  vs_device_scope_pop(g, d1, st);
  OK();
}

/* ---- custom getters that return tensors ---------------------------------- */

/* Both getters take the graph as their data. */
static vs_getter_result ident_getter(const vs_getter *next, const vs_getter_args *a, void *data,
                                     vs_status *st) {
  vs_getter_result r = vs_getter_call_any(next, a, st);
  if (!r.value.op) return r;
  return (vs_getter_result){.value = vs_identity(data, r.value, "ident", st)};
}

static vs_getter_result sum2_getter(const vs_getter *next, const vs_getter_args *a, void *data,
                                    vs_status *st) {
  char na[128], nb[128];
  snprintf(na, sizeof na, "%s_a", a->name);
  snprintf(nb, sizeof nb, "%s_b", a->name);
  vs_getter_args aa = *a, ab = *a;
  aa.name = na;
  ab.name = nb;
  vs_getter_result x = vs_getter_call_any(next, &aa, st);
  if (!x.value.op) return x;
  vs_getter_result y = vs_getter_call_any(next, &ab, st);
  if (!y.value.op) return y;
  return (vs_getter_result){.value = vs_add(data, x.value, y.value, NULL, st)};
}

/* def ident(getter, name, *a, **kw): return tf.identity(getter(name, *a, **kw), name="ident")
 * with tf.variable_scope("s", custom_getter=ident): t = tf.get_variable("v", [1])
 *   -> t is a tensor "ident:0" (Identity of "s/v/read:0"); GLOBAL_VARIABLES "s/v:0"
 *   (the getter runs at the root name scope, as every getter does)
 * with tf.variable_scope("s", reuse=True, custom_getter=ident): tf.get_variable("v", [1])
 *   -> "ident_2:0" (tf.get_variable("w", [1]) made ident_1), again reading s/v
 *                                                                  issue 12.6 */
VSC_CASE(getter_returns_identity_tensor) {
  VSCOPE(s, "s", .tensor_getter = ident_getter, .tensor_getter_data = g);
  vs_getter_result r = vs_get_variable_any(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  OK();
  EXPECT(!r.var, "a variable was returned for a tensor");
  STR_EQ(vs_output_name(r.value), "ident:0");
  STR_EQ(vs_op_type(r.value.op), "Identity");
  STR_EQ(vs_output_name(vs_op_input(r.value.op, 0)), "s/v/read:0");
  /* The variable-only call refuses what Python would hand back as a tensor. */
  vs_var *v = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "the custom getter for s/w returned a tensor, not a variable; use vs_get_variable_any");
  EXPECT(!v, "a variable was returned");
  VPOP(s);
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "s/v:0 s/w:0");
  VSCOPE(r2, "s", .reuse = VS_REUSE_TRUE, .tensor_getter = ident_getter, .tensor_getter_data = g);
  vs_getter_result q = vs_get_variable_any(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  OK();
  VPOP(r2);
  STR_EQ(vs_output_name(q.value), "ident_2:0");
  STR_EQ(vs_output_name(vs_op_input(q.value.op, 0)), "s/v/read:0");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "s/v:0 s/w:0");
}

/* def sum2(getter, name, *a, **kw): return getter(name + "_a", *a, **kw) + getter(name + "_b", *a, **kw)
 * with tf.variable_scope("u", custom_getter=sum2): t = tf.get_variable("w", [2])
 *   -> "add:0" (AddV2 of u/w_a/read:0 and u/w_b/read:0); two variables, both trainable
 * and a plain getter returns the variable through vs_get_variable_any:
 *   tf.get_variable("x", [1]) outside -> var x, value "x/read:0"     issue 12.6 */
VSC_CASE(getter_returns_sum_of_two_variables) {
  VSCOPE(s, "u", .tensor_getter = sum2_getter, .tensor_getter_data = g);
  vs_getter_result r = vs_get_variable_any(g, "w", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  OK();
  VPOP(s);
  EXPECT(!r.var, "a variable was returned for a tensor");
  STR_EQ(vs_output_name(r.value), "add:0");
  STR_EQ(vs_op_type(r.value.op), "AddV2");
  STR_EQ(vs_output_name(vs_op_input(r.value.op, 0)), "u/w_a/read:0");
  STR_EQ(vs_output_name(vs_op_input(r.value.op, 1)), "u/w_b/read:0");
  SHAPE_STR(vs_op_output_shape(r.value.op), "(2,)");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "u/w_a:0 u/w_b:0");
  vs_getter_result x = vs_get_variable_any(g, "x", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  OK();
  VAR_NAME(x.var, "x:0");
  STR_EQ(vs_output_name(x.value), "x/read:0");
}

/* with tf.variable_scope("c1", custom_getter=ident):
 *   with tf.variable_scope("c2", custom_getter=sum2): t = tf.get_variable("w", [2])
 *   -> sum2 runs first and gets ident's tensors: "add:0" = ident:0 + ident_1:0,
 *      reading c1/c2/w_a and c1/c2/w_b
 *   with tf.variable_scope("c3", custom_getter=log): tf.get_variable("z", [1])
 *   -> a classic getter under a tensor getter: its variable-only call fails in C
 *                                                                  issue 12.6 */
VSC_CASE(composed_getters_hand_tensors_to_each_other) {
  VSCOPE(c1, "c1", .tensor_getter = ident_getter, .tensor_getter_data = g);
  VSCOPE(c2, "c2", .tensor_getter = sum2_getter, .tensor_getter_data = g);
  vs_getter_result r = vs_get_variable_any(g, "w", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  OK();
  VPOP(c2);
  STR_EQ(vs_output_name(r.value), "add:0");
  vs_output a = vs_op_input(r.value.op, 0), b = vs_op_input(r.value.op, 1);
  STR_EQ(vs_output_name(a), "ident:0");
  STR_EQ(vs_output_name(b), "ident_1:0");
  STR_EQ(vs_output_name(vs_op_input(a.op, 0)), "c1/c2/w_a/read:0");
  STR_EQ(vs_output_name(vs_op_input(b.op, 0)), "c1/c2/w_b/read:0");
  struct seen log = {{0}};
  VSCOPE(c3, "c3", .custom_getter = args_getter, .custom_getter_data = &log);
  vs_getter_result z = vs_get_variable_any(g, "z", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "the custom getter for c1/c3/z returned a tensor, not a variable; use vs_getter_call_any");
  EXPECT(!z.value.op, "a value was returned");
  VPOP(c3);
  VPOP(c1);
  STR_EQ(log.log, "c1/c3/z AUTO NONE trainable=1 constraint=None");
}

/* ---- name_scope(values=) -------------------------------------------------- */

/* c = tf.constant(1.0, name="c"); g2 holds d = tf.constant(2.0, name="d")
 * tf.name_scope(None, None, values=[c]) and values=[]
 *   -> ValueError "At least one of name (None) and default_name (None) must be provided."
 * tf.name_scope(None, "D", values=[c]) -> "D/"; tf.name_scope("s", values=[v.value(), c]) -> "s/"
 * tf.name_scope("s", values=[c, d]) -> ValueError 'Tensor("d:0", shape=(), dtype=float32) must be
 *   from the same graph as Tensor("c:0", shape=(), dtype=float32) (graphs are ...'
 * (values=[d] alone: TF enters g2, C refuses: docs/differences.md)   spec 1.2.4, 1.2.5, 1.2.9 */
VSC_CASE(name_scope_values_checks_graphs) {
  CONSTF(c, 1.0f, "c");
  vs_graph *g2 = vs_graph_new();
  EXPECT(g2 != NULL, "no graph");
  vs_output d = vs_constant_float(g2, 2.0f, "d", st);
  const char *s = vs_name_scope_push_values(g, NULL, NULL, &c, 1, st);
  char msg[512];
  snprintf(msg, sizeof msg, "%s", vs_status_message(st));
  vs_code code = vs_status_code(st);
  vs_output none[1];
  const char *s0 = vs_name_scope_push_values(g, NULL, NULL, none, 0, st);
  char msg0[512];
  snprintf(msg0, sizeof msg0, "%s", vs_status_message(st));
  const char *sd = s || s0 ? NULL : vs_name_scope_push_values(g, NULL, "D", &c, 1, st);
  char sdcopy[64] = "";
  if (sd) snprintf(sdcopy, sizeof sdcopy, "%s", sd), vs_name_scope_pop(g, NULL);
  vs_output mixed[2] = {c, d};
  const char *sm = d.op ? vs_name_scope_push_values(g, "s", NULL, mixed, 2, st) : NULL;
  char msgm[512];
  snprintf(msgm, sizeof msgm, "%s", vs_status_message(st));
  const char *sf = d.op ? vs_name_scope_push_values(g, "s", NULL, &d, 1, st) : NULL;
  char msgf[512];
  snprintf(msgf, sizeof msgf, "%s", vs_status_message(st));
  vs_graph_free(g2);
  EXPECT(!s && !s0 && !sm && !sf, "a scope was entered");
  INT_EQ(code, VS_INVALID_ARGUMENT);
  STR_EQ(msg, "At least one of name (None) and default_name (None) must be provided.");
  STR_EQ(msg0, "At least one of name (None) and default_name (None) must be provided.");
  STR_EQ(sdcopy, "D/");
  EXPECT(vsc_starts_with(msgm, "Tensor(\"d:0\", shape=(), dtype=float32) must be from the same graph "
                               "as Tensor(\"c:0\", shape=(), dtype=float32) (graphs are "),
         "message \"%s\"", msgm);
  STR_EQ(msgf, "Tensor(\"d:0\", shape=(), dtype=float32) is not an element of this graph.");
  GETV(v, "v", .shape = VS_SHAPE(1));
  vs_output same[2] = {vs_var_value(v), c};
  const char *ss = vs_name_scope_push_values(g, "s", NULL, same, 2, st);
  OK();
  STR_EQ(ss, "s/");
  NPOP();
}

/* w = tf.Variable(1., name="w")
 * with tf.container("ctr"):
 *   c = tf.Variable(2., name="c"); v = tf.get_variable("v", [1], initializer=ones); k = tf.constant(1.)
 *   with tf.container("inner"): i = tf.Variable(1., name="i")
 *   with tf.container(""): d = tf.Variable(1., name="d")
 *   op.get_attr("container"): w b"", c b"ctr", v b"ctr", i b"inner", d b""; a Const has none
 *   (ValueError; C: NULL); names unchanged; the variables initialise and read as usual.   X.container */
VSC_CASE(container_sets_the_variable_op_attribute) {
  VARIABLE(w, .name = "w", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  EXPECT(vs_container_push(g, "ctr", st), "container push failed");
  VARIABLE(c, .name = "c", .initial_value = vs_value_initializer(&(float){2.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  GETV(v, "v", .shape = VS_SHAPE(1), .initializer = vs_ones_initializer());
  CONSTF(k, 1.0f, "k");
  EXPECT(vs_container_push(g, "inner", st), "container push failed");
  VARIABLE(i, .name = "i", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  vs_container_pop(g, st);
  OK();
  EXPECT(vs_container_push(g, "", st), "container push failed");
  VARIABLE(d, .name = "d", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  vs_container_pop(g, st);
  vs_container_pop(g, st);
  OK();
  STR_EQ(vs_op_container(vs_var_op(w)), "");
  STR_EQ(vs_op_container(vs_var_op(c)), "ctr");
  STR_EQ(vs_op_container(vs_var_op(v)), "ctr");
  STR_EQ(vs_op_container(vs_var_op(i)), "inner");
  STR_EQ(vs_op_container(vs_var_op(d)), "");
  EXPECT(vs_op_container(k.op) == NULL, "a Const has a container attribute");
  VAR_NAME(c, "c:0");
  VAR_NAME(v, "v:0");
  SESSION(s);
  vs_op *init = vs_global_variables_initializer(g, st);
  OK();
  RUN(s, init);
  VALUE(xc, s, c);
  NEAR(FLOATS(xc)[0], 2.0, 0);
  VALUE(xv, s, v);
  NEAR(FLOATS(xv)[0], 1.0, 0);
}

/* ---- partitioned variables (issue 12 item 1) ---- */

#define PGET(pv, name, ...)                                                                   \
  vs_partitioned_var *pv = vs_get_partitioned_variable(g, (name), &(vs_var_opts){__VA_ARGS__}, st); \
  OK();                                                                                       \
  EXPECT(pv != NULL, "get_variable returned no PartitionedVariable")

/* The parts' names joined by ' '. */
static const char *part_names(const vs_partitioned_var *pv, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < vs_partitioned_var_num_parts(pv) && len < cap; i++)
    len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? " " : "", vs_var_name(vs_partitioned_var_part(pv, i)));
  return buf;
}

static const char *partitions_str(const vs_partitioned_var *pv, char *buf, size_t cap) {
  int64_t p[VS_MAX_RANK];
  size_t n = vs_partitioned_var_partitions(pv, p, VS_MAX_RANK), len = (size_t)snprintf(buf, cap, "[");
  for (size_t i = 0; i < n && len < cap; i++) len += (size_t)snprintf(buf + len, cap - len, "%s%lld", i ? ", " : "", (long long)p[i]);
  if (len < cap) snprintf(buf + len, cap - len, "]");
  return buf;
}

/* x = tf.get_variable("x", [10, 3], partitioner=tf.fixed_size_partitioner(3))
 *   PartitionedVariable "x", (10, 3), float32, _get_partitions() [3, 1];
 *   parts x/part_0:0 (4, 3), x/part_1:0 (3, 3), x/part_2:0 (3, 3); slice specs "10 3 0,4:0,3",
 *   "10 3 4,3:0,3", "10 3 7,3:0,3"; part_1's SaveSliceInfo ("x", [10, 3], [4, 0], [3, 3]);
 *   GLOBAL and TRAINABLE hold the parts; x/part_0/Initializer/random_uniform is AddV2
 * tf.convert_to_tensor(x) -> Identity "x:0" (10, 3) of ConcatV2 "x/ConcatPartitions/concat"
 *   (x/part_{0,1,2}/read:0, x/ConcatPartitions/concat/axis:0); x.as_tensor() -> "x_1:0" of ".../concat_1"
 * one = get_variable("one", [1, 3], partitioner=fixed_size_partitioner(3)): [1, 1], one part;
 *   its read is Identity "one:0" of one/part_0/read:0          spec 6.2.9 9.3 */
VSC_CASE(partitioned_variable_parts_and_slice_info) {
  PGET(x, "x", .shape = VS_SHAPE(10, 3), .partitioner = vs_fixed_size_partitioner(3, 0));
  char b[256];
  STR_EQ(vs_partitioned_var_name(x), "x");
  SHAPE_STR(vs_partitioned_var_shape(x), "(10, 3)");
  INT_EQ(vs_partitioned_var_dtype(x), VS_FLOAT);
  STR_EQ(partitions_str(x, b, sizeof b), "[3, 1]");
  STR_EQ(part_names(x, b, sizeof b), "x/part_0:0 x/part_1:0 x/part_2:0");
  const char *shapes[] = {"(4, 3)", "(3, 3)", "(3, 3)"}, *specs[] = {"10 3 0,4:0,3", "10 3 4,3:0,3", "10 3 7,3:0,3"};
  for (size_t i = 0; i < 3; i++) {
    vs_save_slice_info si;
    EXPECT(vs_var_save_slice_info(vs_partitioned_var_part(x, i), &si), "part %zu has no slice info", i);
    SHAPE_STR(vs_var_shape(vs_partitioned_var_part(x, i)), shapes[i]);
    vs_save_slice_info_spec(&si, b, sizeof b);
    STR_EQ(b, specs[i]);
  }
  vs_save_slice_info si;
  vs_var_save_slice_info(vs_partitioned_var_part(x, 1), &si);
  STR_EQ(si.full_name, "x");
  SHAPE_STR(si.full_shape, "(10, 3)");
  INT_EQ(si.var_offset[0], 4);
  INT_EQ(si.var_offset[1], 0);
  SHAPE_STR(si.var_shape, "(3, 3)");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "x/part_0:0 x/part_1:0 x/part_2:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "x/part_0:0 x/part_1:0 x/part_2:0");
  STR_EQ(vs_op_type(vs_graph_operation_by_name(g, "x/part_0/Initializer/random_uniform")), "AddV2");
  vs_output a = vs_partitioned_var_value(g, x, st);
  OK();
  vs_output b2 = vs_partitioned_var_value(g, x, st);
  OK();
  STR_EQ(vs_output_name(a), "x:0");
  STR_EQ(vs_op_type(a.op), "Identity");
  SHAPE_STR(vs_op_output_shape(a.op), "(10, 3)");
  vs_op *concat = vs_op_input(a.op, 0).op;
  STR_EQ(vs_op_name(concat), "x/ConcatPartitions/concat");
  STR_EQ(vs_op_type(concat), "ConcatV2");
  INT_EQ(vs_op_num_inputs(concat), 4);
  const char *ins[] = {"x/part_0/read:0", "x/part_1/read:0", "x/part_2/read:0", "x/ConcatPartitions/concat/axis:0"};
  for (int i = 0; i < 4; i++) STR_EQ(vs_output_name(vs_op_input(concat, i)), ins[i]);
  STR_EQ(vs_output_name(b2), "x_1:0");
  STR_EQ(vs_op_name(vs_op_input(b2.op, 0).op), "x/ConcatPartitions/concat_1");
  PGET(one, "one", .shape = VS_SHAPE(1, 3), .partitioner = vs_fixed_size_partitioner(3, 0));
  STR_EQ(partitions_str(one, b, sizeof b), "[1, 1]");
  STR_EQ(part_names(one, b, sizeof b), "one/part_0:0");
  vs_output o = vs_partitioned_var_value(g, one, st);
  OK();
  STR_EQ(vs_output_name(o), "one:0");
  STR_EQ(vs_output_name(vs_op_input(o.op, 0)), "one/part_0/read:0");
}

/* x = get_variable("x", [5, 2], partitioner=fixed_size_partitioner(2), initializer=random_uniform(0, 1, seed=7))
 * w = get_variable("w", [4, 6], partitioner=fixed_size_partitioner(2, axis=1), initializer=glorot_uniform(seed=1))
 *   w's parts (4, 3), (4, 3); w/part_0/Initializer/random_uniform/max = 0.774596691 (fans of (4, 6))
 *   sess.run(convert_to_tensor(x)) and the first row of w's: TF's values, bit for bit   spec 9.3 X.philox */
VSC_CASE(partitioned_variable_reads_concatenate_tf_values) {
  PGET(x, "x", .shape = VS_SHAPE(5, 2), .partitioner = vs_fixed_size_partitioner(2, 0),
       .initializer = vs_random_uniform_initializer(0.0, 1.0, 7));
  PGET(w, "w", .shape = VS_SHAPE(4, 6), .partitioner = vs_fixed_size_partitioner(2, 1),
       .initializer = vs_glorot_uniform_initializer(1));
  SHAPE_STR(vs_var_shape(vs_partitioned_var_part(w, 0)), "(4, 3)");
  SHAPE_STR(vs_var_shape(vs_partitioned_var_part(w, 1)), "(4, 3)");
  vs_op *mx = vs_graph_operation_by_name(g, "w/part_0/Initializer/random_uniform/max");
  EXPECT(mx != NULL, "no max Const");
  vs_output a = vs_partitioned_var_value(g, x, st);
  OK();
  vs_output c = vs_partitioned_var_value(g, w, st);
  OK();
  SESSION(s);
  vs_op *init = vs_global_variables_initializer(g, st);
  OK();
  RUN(s, init);
  FETCH(mxv, s, vs_op_output(mx));
  NEAR(FLOATS(mxv)[0], 0.774596691, 1e-7);
  FETCH(va, s, a);
  FETCH(vc, s, c);
  static const float want_x[] = {0.483940959f, 0.506203055f, 0.255143762f, 0.12474227f, 0.933010101f,
                                 0.664609313f, 0.483940959f, 0.506203055f, 0.255143762f, 0.12474227f};
  static const float want_w[] = {-0.404281527f, 0.651280165f, -0.696343184f, -0.404281527f, 0.651280165f,
                                 -0.696343184f};
  INT_EQ(vs_tensor_num_elements(va), 10);
  INT_EQ(vs_tensor_num_elements(vc), 24);
  for (int i = 0; i < 10; i++) EXPECT(FLOATS(va)[i] == want_x[i], "x[%d] is %.9g, want %.9g", i, FLOATS(va)[i], want_x[i]);
  for (int i = 0; i < 6; i++) EXPECT(FLOATS(vc)[i] == want_w[i], "w[0][%d] is %.9g, want %.9g", i, FLOATS(vc)[i], want_w[i]);
}

/* Fetches each part's value and then the PartitionedVariable's read, and
 * compares them with want (the parts' elements, then the whole's) exactly. */
static bool parts_hold(vsc_ctx *t, vs_graph *g, vs_session *s, const vs_partitioned_var *pv, const float *want,
                       vs_status *st) {
  size_t at = 0, n = vs_partitioned_var_num_parts(pv);
  for (size_t k = 0; k <= n; k++) {
    vs_output out = k < n ? vs_var_value(vs_partitioned_var_part(pv, k)) : vs_partitioned_var_value(g, pv, st);
    vs_tensor *x = vsc_fetch(t, s, out, __FILE__, __LINE__);
    if (!x) return false;
    for (int64_t i = 0; i < (int64_t)vs_tensor_num_elements(x); i++, at++) {
      float got = vs_tensor_dtype(x) == VS_INT32 ? (float)INTS(x)[i] : FLOATS(x)[i];
      if (got != want[at]) {
        vsc_fail(t, __FILE__, __LINE__, "%s: element %lld of %s is %.9g, want %.9g", vs_partitioned_var_name(pv),
                 (long long)i, k < n ? "a part" : "the read", got, want[at]);
        return false;
      }
    }
  }
  return true;
}

/* c = tf.constant([[1, 2], [3, 4], [5, 6]], name="c")
 * x = get_variable("x", initializer=c, partitioner=fixed_size_partitioner(2)): (3, 2), parts (2, 2), (1, 2);
 *   Slice "x/part_1/PartitionedInitializer/Slice" (c:0, .../Slice/begin:0, .../Slice/size:0), shape (1, 2),
 *   x/part_1/Assign's value; parts [[1, 2], [3, 4]], [[5, 6]], read the whole
 * i = get_variable("i", initializer=tf.constant([1, 2, 3, 4, 5]), partitioner=fixed_size_partitioner(3)):
 *   int32, parts (2,) (2,) (1,)
 * v = get_variable("v", [2, 3], initializer=np.arange(6).reshape(2, 3) (float32),
 *   partitioner=fixed_size_partitioner(2, axis=1)): parts (2, 2) (2, 1), sliced from Const
 *   "v/part_1/PartitionedInitializer/Const"; parts [[0, 1], [3, 4]], [[2], [5]]
 * errors: [4] with a (3,) tensor -> "Shapes (4,) and (3,) are not compatible"; a host value without a
 *   shape -> "Shape of a new partitioned variable must be fully defined, but instead was <unknown>.";
 *   constant_initializer([1, 2, 3]) on [3] in 2 -> "Too many elements provided. Takes at most 2, but got 3."
 *                                                                                  spec 9.3 */
VSC_CASE(partitioned_variable_slices_value_and_tensor_initializers) {
  static const float cv[] = {1, 2, 3, 4, 5, 6}, nv[] = {1, 2}, c3[] = {1, 2, 3};
  static const int32_t iv[] = {1, 2, 3, 4, 5};
  vs_output c = vs_constant(g, cv, VS_FLOAT, VS_SHAPE(3, 2), "c", st);
  OK();
  PGET(x, "x", .initializer = vs_tensor_initializer(c), .partitioner = vs_fixed_size_partitioner(2, 0));
  SHAPE_STR(vs_partitioned_var_shape(x), "(3, 2)");
  SHAPE_STR(vs_var_shape(vs_partitioned_var_part(x, 0)), "(2, 2)");
  SHAPE_STR(vs_var_shape(vs_partitioned_var_part(x, 1)), "(1, 2)");
  vs_op *sl = vs_graph_operation_by_name(g, "x/part_1/PartitionedInitializer/Slice");
  EXPECT(sl != NULL, "no Slice op");
  STR_EQ(vs_op_type(sl), "Slice");
  INT_EQ(vs_op_num_inputs(sl), 3);
  STR_EQ(vs_op_name(vs_op_input(sl, 0).op), "c");
  STR_EQ(vs_op_name(vs_op_input(sl, 1).op), "x/part_1/PartitionedInitializer/Slice/begin");
  STR_EQ(vs_op_name(vs_op_input(sl, 2).op), "x/part_1/PartitionedInitializer/Slice/size");
  SHAPE_STR(vs_op_output_shape(sl), "(1, 2)");
  vs_op *as = vs_graph_operation_by_name(g, "x/part_1/Assign");
  EXPECT(as != NULL && vs_op_input(as, 1).op == sl, "x/part_1/Assign does not take the Slice");
  vs_output ci = vs_constant(g, iv, VS_INT32, VS_SHAPE(5), "ci", st);
  OK();
  PGET(i, "i", .initializer = vs_tensor_initializer(ci), .partitioner = vs_fixed_size_partitioner(3, 0));
  EXPECT(vs_partitioned_var_dtype(i) == VS_INT32, "i is not int32");
  SHAPE_STR(vs_var_shape(vs_partitioned_var_part(i, 0)), "(2,)");
  SHAPE_STR(vs_var_shape(vs_partitioned_var_part(i, 1)), "(2,)");
  SHAPE_STR(vs_var_shape(vs_partitioned_var_part(i, 2)), "(1,)");
  static const float vv[] = {0, 1, 2, 3, 4, 5};
  PGET(v, "v", .shape = VS_SHAPE(2, 3), .initializer = vs_value_initializer(vv, VS_FLOAT, 6, VS_SHAPE(2, 3)),
       .partitioner = vs_fixed_size_partitioner(2, 1));
  SHAPE_STR(vs_var_shape(vs_partitioned_var_part(v, 0)), "(2, 2)");
  SHAPE_STR(vs_var_shape(vs_partitioned_var_part(v, 1)), "(2, 1)");
  vs_op *vsl = vs_graph_operation_by_name(g, "v/part_1/PartitionedInitializer/Slice");
  EXPECT(vsl != NULL, "no Slice op for v");
  STR_EQ(vs_op_name(vs_op_input(vsl, 0).op), "v/part_1/PartitionedInitializer/Const");
  vs_output c3t = vs_constant(g, c3, VS_FLOAT, VS_SHAPE(3), "c3", st);
  OK();
  vs_get_partitioned_variable(g, "m", &(vs_var_opts){.shape = VS_SHAPE(4), .initializer = vs_tensor_initializer(c3t),
                                                      .partitioner = vs_fixed_size_partitioner(2, 0)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Shapes (4,) and (3,) are not compatible");
  vs_get_partitioned_variable(g, "n", &(vs_var_opts){.initializer = vs_value_initializer(nv, VS_FLOAT, 2, VS_UNKNOWN_SHAPE),
                                                      .partitioner = vs_fixed_size_partitioner(2, 0)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Shape of a new partitioned variable must be fully defined, but instead was <unknown>.");
  vs_get_partitioned_variable(g, "k", &(vs_var_opts){.shape = VS_SHAPE(3),
                                                      .initializer = vs_constant_initializer_array(c3, VS_FLOAT, 3, VS_UNKNOWN_SHAPE, false),
                                                      .partitioner = vs_fixed_size_partitioner(2, 0)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Too many elements provided. Takes at most 2, but got 3.");
  SESSION(s);
  vs_op *init = vs_global_variables_initializer(g, st);
  OK();
  RUN(s, init);
  static const float want_x[] = {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}, want_i[] = {1, 2, 3, 4, 5, 1, 2, 3, 4, 5},
                     want_v[] = {0, 1, 3, 4, 2, 5, 0, 1, 2, 3, 4, 5};
  if (!parts_hold(t, g, s, x, want_x, st) || !parts_hold(t, g, s, i, want_i, st)) return;
  parts_hold(t, g, s, v, want_v, st);
}

static bool two_by_two(vs_shape shape, vs_dtype dtype, int64_t *p, void *data, vs_status *st) {
  p[0] = 2;
  p[1] = 2;
  return true;
}

static bool zero_shards(vs_shape shape, vs_dtype dtype, int64_t *p, void *data, vs_status *st) {
  p[0] = 0;
  p[1] = 1;
  return true;
}

/* p3 = fixed_size_partitioner(3); x = get_variable("x", [10, 3], partitioner=p3)
 *   again -> "Partitioned variable with name x already exists. ..."; without a partitioner -> "No partitioner
 *   was provided, but a partitioned version ... x/part_0. ..."; get_variable("x/part_0", [4, 3]) -> E1;
 *   plain = get_variable("plain", [4]); with p3 -> "A partitioner was provided, but an unpartitioned version
 *   ... plain.  Perhaps ..."; get_variable("s", partitioner=p3) -> "Shape of a new partitioned variable must
 *   be fully defined, but instead was <unknown>."; get_variable("s", [], partitioner=p3) -> variable "s:0";
 *   partitioners returning [2, 2] / [0, 1] -> "Can only slice ..." / "... zero partitions ..."
 *   reuse=True: the same x; fixed_size_partitioner(2) -> "... specified partitions [2, 1] and found
 *   partitions [3, 1]."; [10, 4] -> "... shape (10, 4) and found shape (10, 3)."; int32 -> "... dtype int32
 *   and found dtype float32."; "nope" -> "PartitionedVariable nope does not exist, ..."; AUTO_REUSE: the same x
 *   m/part_0 alone then m with 2 shards -> "... but m/part_1 was not."; k/part_{0,1} then k with 1 shard ->
 *   "... but so was the extra shard k/part_1."                      spec 5.E16 5.E17 5.E18 9.3 */
VSC_CASE(partitioned_variable_reuse_and_errors) {
  vs_partitioner p3 = vs_fixed_size_partitioner(3, 0);
  PGET(x, "x", .shape = VS_SHAPE(10, 3), .partitioner = p3);
  vs_partitioned_var *none = vs_get_partitioned_variable(g, "x", &(vs_var_opts){.shape = VS_SHAPE(10, 3), .partitioner = p3}, st);
  ERR(VS_ALREADY_EXISTS, "ValueError", "Partitioned variable with name x already exists. Did you mean to set reuse=True or "
      "reuse=tf.AUTO_REUSE in VarScope?");
  EXPECT(none == NULL, "a variable came back");
  vs_get_variable(g, "x", &(vs_var_opts){.shape = VS_SHAPE(10, 3)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "No partitioner was provided, but a partitioned version of the variable was found: "
      "x/part_0. Perhaps a variable of the same name was already created with partitioning?");
  vs_get_variable(g, "x/part_0", &(vs_var_opts){.shape = VS_SHAPE(4, 3)}, st);
  EXPECT_E1("x/part_0");
  GETV(plain, "plain", .shape = VS_SHAPE(4));
  vs_get_partitioned_variable(g, "plain", &(vs_var_opts){.shape = VS_SHAPE(4), .partitioner = p3}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "A partitioner was provided, but an unpartitioned version of the variable was "
      "found: plain.  Perhaps a variable of the same name was already created without partitioning?");
  vs_get_partitioned_variable(g, "s", &(vs_var_opts){.partitioner = p3}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Shape of a new partitioned variable must be fully defined, but instead was <unknown>.");
  GETV(sv, "s", .shape = VS_SCALAR, .partitioner = p3);
  VAR_NAME(sv, "s:0");
  vs_get_partitioned_variable(g, "z", &(vs_var_opts){.shape = VS_SHAPE(4, 4),
                                                      .partitioner = {.kind = VS_PARTITIONER_FN, .fn = two_by_two}}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Can only slice a variable along one dimension: shape: (4, 4), partitioning: [2, 2]");
  vs_get_partitioned_variable(g, "z", &(vs_var_opts){.shape = VS_SHAPE(4, 4),
                                                      .partitioner = {.kind = VS_PARTITIONER_FN, .fn = zero_shards}}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Partitioner returned zero partitions for some axes: [0, 1]");
  VSCOPE(r, "", .reuse = VS_REUSE_TRUE);
  vs_partitioned_var *same = vs_get_partitioned_variable(g, "x", &(vs_var_opts){.shape = VS_SHAPE(10, 3), .partitioner = p3}, st);
  OK();
  EXPECT(same == x, "reuse returned another variable");
  vs_get_partitioned_variable(g, "x", &(vs_var_opts){.shape = VS_SHAPE(10, 3), .partitioner = vs_fixed_size_partitioner(2, 0)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Trying to reuse partitioned variable x, but specified partitions [2, 1] and found "
      "partitions [3, 1].");
  vs_get_partitioned_variable(g, "x", &(vs_var_opts){.shape = VS_SHAPE(10, 4), .partitioner = p3}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Trying to reuse partitioned variable x, but specified shape (10, 4) and found shape (10, 3).");
  vs_get_partitioned_variable(g, "x", &(vs_var_opts){.shape = VS_SHAPE(10, 3), .dtype = VS_INT32, .partitioner = p3}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Trying to reuse partitioned variable x, but specified dtype int32 and found dtype float32.");
  vs_get_partitioned_variable(g, "nope", &(vs_var_opts){.shape = VS_SHAPE(10, 3), .partitioner = p3}, st);
  ERR(VS_NOT_FOUND, "ValueError", "PartitionedVariable nope does not exist, or was not created with tf.get_variable(). Did "
      "you mean to set reuse=False or reuse=tf.AUTO_REUSE in VarScope?");
  VPOP(r);
  VSCOPE(au, "", .reuse = VS_REUSE_AUTO);
  same = vs_get_partitioned_variable(g, "x", &(vs_var_opts){.shape = VS_SHAPE(10, 3), .partitioner = p3}, st);
  OK();
  EXPECT(same == x, "AUTO_REUSE returned another variable");
  VPOP(au);
  GETV(m0, "m/part_0", .shape = VS_SHAPE(2, 2));
  vs_get_partitioned_variable(g, "m", &(vs_var_opts){.shape = VS_SHAPE(4, 2), .partitioner = vs_fixed_size_partitioner(2, 0)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Partitioner returned a different partitioning than what was already found.  "
      "Partitioner returned 2 shards, and shard m/part_0 was found, but m/part_1 was not.");
  GETV(k0, "k/part_0", .shape = VS_SHAPE(2, 2));
  GETV(k1, "k/part_1", .shape = VS_SHAPE(2, 2));
  vs_get_partitioned_variable(g, "k", &(vs_var_opts){.shape = VS_SHAPE(2, 2), .partitioner = vs_fixed_size_partitioner(1, 0)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Partitioner returned a different partitioning than what was already found.  "
      "Partitioner returned 1 shards, and shard k/part_0 was found, but so was the extra shard k/part_1.");
}

/* Calls partitioner(shape=, dtype=) and compares the list. */
#define PARTS(p, shape, dtype, want)                                        \
  do {                                                                      \
    int64_t v_[VS_MAX_RANK];                                                \
    vs_partitioner p_ = (p);                                                \
    vs_shape s_ = (shape);                                                  \
    char b_[64];                                                            \
    EXPECT(vs_partitioner_call(&p_, s_, (dtype), v_, st), "partitioner failed: %s", vs_status_message(st)); \
    size_t l_ = (size_t)snprintf(b_, sizeof b_, "[");                       \
    for (int i_ = 0; i_ < s_.rank; i_++)                                    \
      l_ += (size_t)snprintf(b_ + l_, sizeof b_ - l_, "%s%lld", i_ ? ", " : "", (long long)v_[i_]); \
    snprintf(b_ + l_, sizeof b_ - l_, "]");                                 \
    STR_EQ(b_, want);                                                       \
  } while (0)

/* fixed_size_partitioner(3 | 20 | 2, axis=1)((10, 3), float32) -> [3, 1], [10, 1], [1, 2]
 * variable_axis_size_partitioner(100): float32 [2, 1], string [5, 1]; max_shards=1 [1, 1]; (8, axis=1) [1, 3]
 * min_max_variable_partitioner(max_partitions=4, min_slice_size=32): [4, 1]; on (2, 3) [1, 1]; defaults [1, 1]
 * errors: variable_axis_size_partitioner(0) -> "Both max_shard_bytes ... is 0 andbytes_per_string_element is 16";
 *   max_shards=-1 -> "max_shards must be positive."; min_max(axis=3) on (10, 3) -> "Cannot partition variable
 *   along axis 3 when shape is only (10, 3)"                                        spec 9.3 */
VSC_CASE(partitioners_compute_shards) {
  vs_shape s = VS_SHAPE(10, 3);
  PARTS(vs_fixed_size_partitioner(3, 0), s, VS_FLOAT, "[3, 1]");
  PARTS(vs_fixed_size_partitioner(20, 0), s, VS_FLOAT, "[10, 1]");
  PARTS(vs_fixed_size_partitioner(2, 1), s, VS_FLOAT, "[1, 2]");
  vs_partitioner vsp = vs_variable_axis_size_partitioner(100, NULL, st);
  OK();
  PARTS(vsp, s, VS_FLOAT, "[2, 1]");
  PARTS(vsp, s, VS_STRING, "[5, 1]");
  vs_partitioner one = vs_variable_axis_size_partitioner(100, &(vs_axis_size_partitioner_opts){.max_shards = 1}, st);
  OK();
  PARTS(one, s, VS_STRING, "[1, 1]");
  vs_partitioner ax1 = vs_variable_axis_size_partitioner(8, &(vs_axis_size_partitioner_opts){.axis = 1}, st);
  OK();
  PARTS(ax1, s, VS_FLOAT, "[1, 3]");
  vs_partitioner mm = vs_min_max_variable_partitioner(&(vs_min_max_partitioner_opts){.max_partitions = 4, .min_slice_size = 32});
  PARTS(mm, s, VS_FLOAT, "[4, 1]");
  PARTS(mm, VS_SHAPE(2, 3), VS_FLOAT, "[1, 1]");
  PARTS(vs_min_max_variable_partitioner(NULL), s, VS_FLOAT, "[1, 1]");
  vs_variable_axis_size_partitioner(0, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Both max_shard_bytes and bytes_per_string_element must be positive. Currently, "
      "max_shard_bytes is 0 andbytes_per_string_element is 16");
  vs_variable_axis_size_partitioner(10, &(vs_axis_size_partitioner_opts){.max_shards = -1}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "max_shards must be positive.");
  int64_t out[VS_MAX_RANK];
  vs_partitioner bad = vs_min_max_variable_partitioner(&(vs_min_max_partitioner_opts){.axis = 3});
  EXPECT(!vs_partitioner_call(&bad, s, VS_FLOAT, out, st), "axis 3 accepted");
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Cannot partition variable along axis 3 when shape is only (10, 3)");
}

/* with tf.variable_scope("s", partitioner=fixed_size_partitioner(2)) as sc:
 *   v = get_variable("v", [4, 2]) -> s/v/part_{0,1}; with variable_scope("in"): u -> s/in/u/part_{0,1}
 *   sc.set_partitioner(None); q = get_variable("q", [4, 2]) -> the variable "s/q:0"
 *   sc.set_partitioner(fixed_size_partitioner(4)); r -> 4 parts
 * (after the scope) get_local_variable("l", [4, 2], partitioner=fixed_size_partitioner(2)):
 *   PartitionedVariable; LOCAL_VARIABLES -> l/part_0:0 l/part_1:0; none trainable   spec 6.2.9 X.scope_setters */
VSC_CASE(scope_partitioner_and_set_partitioner) {
  VSCOPE(sc, "s", .partitioner = vs_fixed_size_partitioner(2, 0));
  PGET(v, "v", .shape = VS_SHAPE(4, 2));
  VSCOPE(in, "in");
  PGET(u, "u", .shape = VS_SHAPE(4, 2));
  VPOP(in);
  vs_scope_set_partitioner(sc, (vs_partitioner){0}, st);
  OK();
  EXPECT(vs_scope_partitioner(sc).kind == VS_PARTITIONER_NONE, "the partitioner was not cleared");
  GETV(q, "q", .shape = VS_SHAPE(4, 2));
  vs_scope_set_partitioner(sc, vs_fixed_size_partitioner(4, 0), st);
  OK();
  PGET(r, "r", .shape = VS_SHAPE(4, 2));
  VPOP(sc);
  char b[256];
  STR_EQ(part_names(v, b, sizeof b), "s/v/part_0:0 s/v/part_1:0");
  STR_EQ(part_names(u, b, sizeof b), "s/in/u/part_0:0 s/in/u/part_1:0");
  VAR_NAME(q, "s/q:0");
  INT_EQ(vs_partitioned_var_num_parts(r), 4);
  vs_partitioned_var *loc = vs_get_local_partitioned_variable(
      g, "l", &(vs_var_opts){.shape = VS_SHAPE(4, 2), .partitioner = vs_fixed_size_partitioner(2, 0)}, st);
  OK();
  EXPECT(loc != NULL, "no local PartitionedVariable");
  COLLECTION(VS_LOCAL_VARIABLES, NULL, "l/part_0:0 l/part_1:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, "l", "");
}

/* with tf.device(tf.train.replica_device_setter(ps_tasks=2)):
 *   y = get_variable("y", [6, 2], partitioner=fixed_size_partitioner(3)); ty = convert_to_tensor(y)
 *   parts on /job:ps/task:0, /job:ps/task:1, /job:ps/task:0; ty and its ConcatV2 on /job:worker   spec 8.3 9.3 */
VSC_CASE(partitioned_parts_across_ps_tasks) {
  vs_device_setter *rs = vs_replica_device_setter(g, &(vs_replica_setter_opts){.ps_tasks = 2}, st);
  OK();
  EXPECT(vs_device_push_setter(g, rs, st), "push failed");
  PGET(y, "y", .shape = VS_SHAPE(6, 2), .partitioner = vs_fixed_size_partitioner(3, 0));
  vs_output ty = vs_partitioned_var_value(g, y, st);
  OK();
  vs_device_pop(g, st);
  OK();
  STR_EQ(vs_op_device(vs_var_op(vs_partitioned_var_part(y, 0))), "/job:ps/task:0");
  STR_EQ(vs_op_device(vs_var_op(vs_partitioned_var_part(y, 1))), "/job:ps/task:1");
  STR_EQ(vs_op_device(vs_var_op(vs_partitioned_var_part(y, 2))), "/job:ps/task:0");
  STR_EQ(vs_op_device(ty.op), "/job:worker");
  STR_EQ(vs_op_device(vs_op_input(ty.op, 0).op), "/job:worker");
}

/* Builds a partitioned variable "x" of `shape` in 2 parts (axis 0) from a host value in a graph of its
 * own, runs its initializer when built, and leaves the error (if any) in st; *n_ops gets the ops the
 * graph holds after the call. */
static void part_from_value(vs_initializer init, vs_shape shape, vs_dtype dtype, size_t *n_ops, vs_status *st) {
  vs_graph *g2 = vs_graph_new();
  vs_partitioned_var *pv = vs_get_partitioned_variable(
      g2, "x", &(vs_var_opts){.shape = shape, .dtype = dtype, .initializer = init,
                              .partitioner = vs_fixed_size_partitioner(2, 0)}, st);
  *n_ops = vs_graph_num_operations(g2);
  vs_op *initop = pv ? vs_global_variables_initializer(g2, st) : NULL;
  vs_session *s = initop ? vs_session_new(g2, NULL, st) : NULL;
  if (s) vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &initop, 1, st);
  vs_session_free(s);
  vs_graph_free(g2);
}

/* get_variable(name, shape, partitioner=fixed_size_partitioner(2), initializer=<numpy value>):
 * x [4, 2] from np.ones([4, 2], int32) -> float32 parts (convert_to_tensor(value, float32)), all 1.0;
 * s [4] tf.string from [b"a", b"b", b"c", b"d"] -> parts read back as the four strings;
 * f [2] from [b"1.5", b" 2 "] -> [1.5, 2.0] (numpy parses the bytes);
 * x [4, 2] from np.ones([8]) -> ValueError "Shape must be rank 2 but is rank 1 for
 *   '{{node x/part_0/PartitionedInitializer/Slice}} = Slice[...]' with input shapes: [8], [2], [2]."
 *   (its Const and Slice/begin, Slice/size stay in the graph);
 * x [4, 2] from np.ones([3, 2]) -> built; the initializer fails "Expected size[0] in [0, 1], but got 2"
 *   at x/part_1/PartitionedInitializer/Slice;
 * x [2] from [b"1.5", b"zz"] -> ValueError "could not convert string to float: np.bytes_(b'zz')"
 *                                                                                  spec 9.3 */
VSC_CASE(partitioned_value_initializer_converted_or_failing_as_tf) {
  int32_t ones_i[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  vs_partitioned_var *x = vs_get_partitioned_variable(
      g, "x", &(vs_var_opts){.shape = VS_SHAPE(4, 2), .partitioner = vs_fixed_size_partitioner(2, 0),
                             .initializer = vs_value_initializer(ones_i, VS_INT32, 8, VS_SHAPE(4, 2))}, st);
  OK();
  STR_EQ(vs_dtype_name(vs_var_dtype(vs_partitioned_var_part(x, 1))), "float32");
  const char *abcd[4] = {"a", "b", "c", "d"};
  vs_partitioned_var *sv = vs_get_partitioned_variable(
      g, "s", &(vs_var_opts){.shape = VS_SHAPE(4), .dtype = VS_STRING, .partitioner = vs_fixed_size_partitioner(2, 0),
                             .initializer = vs_value_initializer(abcd, VS_STRING, 4, VS_SHAPE(4))}, st);
  OK();
  const char *nums[2] = {"1.5", " 2 "};
  vs_partitioned_var *f = vs_get_partitioned_variable(
      g, "f", &(vs_var_opts){.shape = VS_SHAPE(2), .partitioner = vs_fixed_size_partitioner(2, 0),
                             .initializer = vs_value_initializer(nums, VS_STRING, 2, VS_SHAPE(2))}, st);
  OK();
  vs_output xv = vs_partitioned_var_value(g, x, st), svv = vs_partitioned_var_value(g, sv, st);
  vs_output fv = vs_partitioned_var_value(g, f, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  OK();
  SESSION(s);
  RUN(s, init);
  FETCH(xt, s, xv);
  for (int i = 0; i < 8; i++) NEAR(FLOATS(xt)[i], 1.0, 0);
  FETCH(st_, s, svv);
  for (size_t i = 0; i < 4; i++) STR_EQ(vs_tensor_string(st_, i), abcd[i]);
  FETCH(ft, s, fv);
  NEAR(FLOATS(ft)[0], 1.5, 0);
  NEAR(FLOATS(ft)[1], 2.0, 0);

  size_t n_ops = 0;
  float ones_f[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  part_from_value(vs_value_initializer(ones_f, VS_FLOAT, 8, VS_SHAPE(8)), VS_SHAPE(4, 2), VS_DTYPE_DEFAULT, &n_ops, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Shape must be rank 2 but is rank 1 for '{{node x/part_0/PartitionedInitializer/Slice}} = "
      "Slice[Index=DT_INT32, T=DT_FLOAT](x/part_0/PartitionedInitializer/Const, "
      "x/part_0/PartitionedInitializer/Slice/begin, x/part_0/PartitionedInitializer/Slice/size)' with input "
      "shapes: [8], [2], [2].");
  INT_EQ(n_ops, 3);
  part_from_value(vs_value_initializer(ones_f, VS_FLOAT, 6, VS_SHAPE(3, 2)), VS_SHAPE(4, 2), VS_DTYPE_DEFAULT, &n_ops,
                  st);
  ERR(VS_INVALID_ARGUMENT, "InvalidArgumentError",
      "Expected size[0] in [0, 1], but got 2\n\t [[{{node x/part_1/PartitionedInitializer/Slice}}]]");
  const char *bad[2] = {"1.5", "zz"};
  part_from_value(vs_value_initializer(bad, VS_STRING, 2, VS_SHAPE(2)), VS_SHAPE(2), VS_DTYPE_DEFAULT, &n_ops, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "could not convert string to float: np.bytes_(b'zz')");
  INT_EQ(n_ops, 0);
}

/* A thread's variable made while another thread holds tf.container("c1") open on the same graph:
 * t = tf.Variable(1., name="t") in the thread (with g.as_default()) gets container b"c1" (TF keeps
 * the container per graph, Graph._container); after the block, u = tf.Variable(...) gets b"".  X.container */
struct container_probe {
  vs_graph *g;
  vs_var *t;
  vs_code code;
};
static void *container_thread(void *arg) {
  struct container_probe *p = arg;
  vs_status *st = vs_status_new();
  p->t = vs_variable(p->g, &(vs_variable_opts){.name = "t", .initial_value = vs_value_initializer(
                                                                &(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
                     st);
  p->code = vs_status_code(st);
  vs_status_free(st);
  return NULL;
}
VSC_CASE(container_is_per_graph_across_threads) {
  EXPECT(vs_container_push(g, "c1", st), "container push failed");
  struct container_probe p = {.g = g};
  pthread_t th;
  EXPECT(pthread_create(&th, NULL, container_thread, &p) == 0, "pthread_create failed");
  pthread_join(th, NULL);
  vs_container_pop(g, st);
  OK();
  VARIABLE(u, .name = "u", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  INT_EQ(p.code, VS_OK);
  EXPECT(p.t != NULL, "the thread made no variable");
  STR_EQ(vs_op_container(vs_var_op(p.t)), "c1");
  STR_EQ(vs_op_container(vs_var_op(u)), "");
}

const vsc_case vsc_cases_variable_api[] = {
    VSC_REG(sync_agg_invalid_modes_name_the_variable, "X.sync_agg"),
    VSC_REG(on_read_makes_trainable_default_false, "X.sync_agg"),
    VSC_REG(getter_receives_sync_agg_constraint, "X.sync_agg X.constraint 9.1"),
    VSC_REG(constraint_kept_on_variable_not_inherited, "X.constraint"),
    VSC_REG(constraint_projects_the_read_value, "X.constraint"),
    VSC_REG(creator_sees_each_variable_and_raw_arguments, "X.creator_scope"),
    VSC_REG(creator_rewrites_arguments_innermost_first, "X.creator_scope"),
    VSC_REG(creator_scope_exit_out_of_order, "X.creator_scope"),
    VSC_REG(scope_setters_caching_device_and_regularizer, "X.scope_setters"),
    VSC_REG(scope_set_custom_getter_replaces_chain, "X.scope_setters 9.1"),
    VSC_REG(add_to_collections_each_key_once, "6.3.11"),
    VSC_REG(strip_and_prepend_name_scope, "X.strip_prepend"),
    VSC_REG(device_scope_exit_out_of_order, "8.2.13"),
    VSC_REG(getter_returns_identity_tensor, "X.tensor_getter 9.1"),
    VSC_REG(getter_returns_sum_of_two_variables, "X.tensor_getter 9.1"),
    VSC_REG(composed_getters_hand_tensors_to_each_other, "X.tensor_getter 9.1"),
    VSC_REG(name_scope_values_checks_graphs, "1.2.4 1.2.5 1.2.9 X.other_graph"),
    VSC_REG(container_is_per_graph_across_threads, "X.container_per_graph"),
    VSC_REG(container_sets_the_variable_op_attribute, "X.container"),
    VSC_REG(partitioned_variable_parts_and_slice_info, "6.2.9 9.3"),
    VSC_REG(partitioned_variable_reads_concatenate_tf_values, "9.3 X.philox"),
    VSC_REG(partitioned_variable_reuse_and_errors, "5.E16 5.E17 5.E18 9.3"),
    VSC_REG(partitioned_variable_slices_value_and_tensor_initializers, "9.3"),
    VSC_REG(partitioned_value_initializer_converted_or_failing_as_tf, "9.3"),
    VSC_REG(partitioners_compute_shards, "9.3"),
    VSC_REG(scope_partitioner_and_set_partitioner, "6.2.9 9.3 X.scope_setters"),
    VSC_REG(partitioned_parts_across_ps_tasks, "8.3.1 9.3"),
    {0},
};
