/* conformance/cases/variable_scope.c - spec §2.2-2.3: variable scopes, the
 * name scopes they open, default names, threads.
 * Twins: conformance/oracle/variable_scope.py. */
#include <pthread.h>

#include "common.h"

#define VSC_SUITE "variable_scope"

static vs_var *getv1(vs_graph *g, const char *name, vs_status *st) {
  return vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
}

/* with tf.variable_scope("foo"): v = tf.get_variable("v", [1])
 * with tf.variable_scope("foo", reuse=True):
 *   v1 = tf.get_variable("v", [1])   # v1 is v
 *   x = v1 * tf.constant(2., name="Const") -> "foo_1/mul:0"  (the operator's name:
 *   vs_mul with no name is `a * b`; tf.multiply would name it "Mul")   spec 2.2.6, 11.2 */
VSC_CASE(reuse_block_opens_new_name_scope) {
  VSCOPE(f1, "foo");
  GETV(v, "v", .shape = VS_SHAPE(1));
  VPOP(f1);
  VSCOPE(f2, "foo", .reuse = VS_REUSE_TRUE);
  GETV(v1, "v", .shape = VS_SHAPE(1));
  CONSTF(two, 2.0f, "Const");
  vs_output x = vs_mul(g, vs_var_value(v1), two, NULL, st);
  OK();
  VPOP(f2);
  EXPECT(v1 == v, "reuse returned another variable");
  STR_EQ(vs_output_name(x), "foo_1/mul:0");
}

/* with tf.variable_scope("foo"): pass
 * with tf.variable_scope("foo") as s:
 *   w = tf.get_variable("w", [1])  -> "foo/w:0"
 *   u = tf.Variable(0., name="u")  -> "foo_1/u:0"
 *   s.name -> "foo", s.original_name_scope -> "foo_1/"   spec 2.2.7, 2.2.8, 11.13 */
VSC_CASE(variable_scope_not_uniquified_name_scope_is) {
  VSCOPE(f1, "foo");
  VPOP(f1);
  VSCOPE(s, "foo");
  GETV(w, "w", .shape = VS_SHAPE(1));
  VARIABLE(u, .name = "u", .initial_value = vs_value_initializer(&(float){0.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  STR_EQ(vs_scope_name(s), "foo");
  STR_EQ(vs_scope_original_name_scope(s), "foo_1/");
  STR_EQ(vs_scope_name(vs_get_variable_scope(g)), "foo");
  VPOP(s);
  VAR_NAME(w, "foo/w:0");
  VAR_NAME(u, "foo_1/u:0");
}

/* with tf.variable_scope("foo") as vs: pass
 * with tf.variable_scope(vs) as s:
 *   c = tf.constant(1., name="c") -> "foo_1/c:0"; x = get_variable("x", [1]) -> "foo/x:0"
 *   y = tf.Variable(1., name="y") -> "foo_1/y:0"
 *   s.name -> "foo", s.original_name_scope -> "foo/"      spec 2.2.9, 11.2 */
VSC_CASE(reentering_captured_scope) {
  VSCOPE(vs, "foo");
  VPOP(vs);
  VSCOPE_OBJ(s, vs);
  CONSTF(c, 1.0f, "c");
  GETV(x, "x", .shape = VS_SHAPE(1));
  VARIABLE(y, .name = "y", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  STR_EQ(vs_scope_name(vs_get_variable_scope(g)), "foo");
  STR_EQ(vs_scope_original_name_scope(vs_get_variable_scope(g)), "foo/");
  VPOP(s);
  STR_EQ(vs_output_name(c), "foo_1/c:0");
  VAR_NAME(x, "foo/x:0");
  VAR_NAME(y, "foo_1/y:0");
}

/* with tf.variable_scope("foo") as vs: pass
 * with tf.variable_scope("outer"):
 *   with tf.variable_scope(vs):
 *     tf.get_variable("w", [1]) -> "foo/w:0"; tf.constant(1., name="c") -> "outer/foo/c:0"
 *                                                          spec 2.2.10 (derived) */
VSC_CASE(captured_scope_inside_other_scope) {
  VSCOPE(vs, "foo");
  VPOP(vs);
  VSCOPE(outer, "outer");
  VSCOPE_OBJ(s, vs);
  GETV(w, "w", .shape = VS_SHAPE(1));
  CONSTF(c, 1.0f, "c");
  VPOP(s);
  VPOP(outer);
  VAR_NAME(w, "foo/w:0");
  STR_EQ(vs_output_name(c), "outer/foo/c:0");
}

/* with tf.variable_scope("foo") as vs: pass
 * with tf.variable_scope(vs, auxiliary_name_scope=False) as vs1:
 *   tf.get_default_graph().get_name_scope() -> ""
 *   with tf.name_scope(vs1.original_name_scope):
 *     tf.get_variable("v", [1]) -> "foo/v:0"; tf.constant([1], name="c") -> "foo/c:0"
 *                                               spec 2.2.11 (docstring), 11.2 (the fix) */
VSC_CASE(auxiliary_name_scope_false_with_original_name_scope) {
  VSCOPE(vs, "foo");
  VPOP(vs);
  VSCOPE_OBJ(vs1, vs, .auxiliary_name_scope = VS_OPT_FALSE);
  STR_EQ(vs_get_name_scope(g), "");
  STR_EQ(vs_scope_original_name_scope(vs1), "foo/");
  NSCOPE(n, vs_scope_original_name_scope(vs1));
  STR_EQ(n, "foo/");
  GETV(v, "v", .shape = VS_SHAPE(1));
  vs_output c = vs_constant_int32(g, 1, "c", st);
  OK();
  NPOP();
  VPOP(vs1);
  VAR_NAME(v, "foo/v:0");
  STR_EQ(vs_output_name(c), "foo/c:0");
}

/* with tf.name_scope("ns"):
 *   with tf.variable_scope("foo", auxiliary_name_scope=False) as s:
 *     s.name -> "foo"; s.original_name_scope -> "ns/"; get_name_scope() -> "ns"
 *     tf.constant(1., name="c") -> "ns/c:0"; get_variable("v", [1]) -> "foo/v:0"   spec 2.2.11 */
VSC_CASE(auxiliary_name_scope_false_with_string_name) {
  NSCOPE(ns, "ns");
  VSCOPE(s, "foo", .auxiliary_name_scope = VS_OPT_FALSE);
  STR_EQ(vs_scope_name(s), "foo");
  STR_EQ(vs_scope_original_name_scope(s), "ns/");
  STR_EQ(vs_get_name_scope(g), "ns");
  CONSTF(c, 1.0f, "c");
  GETV(v, "v", .shape = VS_SHAPE(1));
  VPOP(s);
  NPOP();
  STR_EQ(vs_output_name(c), "ns/c:0");
  VAR_NAME(v, "foo/v:0");
}

/* with tf.variable_scope("alpha"):
 *   with tf.variable_scope("beta"):
 *     with tf.variable_scope(tf.get_variable_scope()) as s:
 *       tf.get_variable("my_var", [42]) -> "alpha/beta/my_var:0"
 *       tf.constant(1., name="my_op")   -> "alpha/beta/beta/my_op:0"   spec 2.2.12, 11.11 */
VSC_CASE(reentering_current_scope_doubles_op_prefix) {
  VSCOPE(alpha, "alpha");
  VSCOPE(beta, "beta");
  VSCOPE_OBJ(s, vs_get_variable_scope(g));
  GETV(v, "my_var", .shape = VS_SHAPE(42));
  CONSTF(op, 1.0f, "my_op");
  STR_EQ(vs_scope_name(s), "alpha/beta");
  VPOP(s);
  VPOP(beta);
  VPOP(alpha);
  VAR_NAME(v, "alpha/beta/my_var:0");
  STR_EQ(vs_output_name(op), "alpha/beta/beta/my_op:0");
}

/* root = tf.get_variable_scope()
 * with tf.variable_scope(root) as s:   # a copy: s is not root
 *   get_name_scope() -> ""; tf.constant(1., name="c") -> "c:0"; s.name -> ""
 * with tf.name_scope("x"):
 *   with tf.variable_scope(root): tf.constant(1., name="c") -> "x/c:0"   spec 2.2.13 */
VSC_CASE(reentering_root_scope_opens_no_name_scope) {
  vs_scope *root = vs_get_variable_scope(g);
  VSCOPE_OBJ(s, root);
  EXPECT(s != root, "re-entering the root scope did not copy it");
  STR_EQ(vs_get_name_scope(g), "");
  CONSTF(c, 1.0f, "c");
  STR_EQ(vs_scope_name(s), "");
  STR_EQ(vs_scope_original_name_scope(s), "");
  VPOP(s);
  EXPECT(vs_get_variable_scope(g) == root, "the root scope was not restored");
  NSCOPE(x, "x");
  VSCOPE_OBJ(s2, root);
  CONSTF(c2, 1.0f, "c");
  STR_EQ(vs_get_name_scope(g), "x");
  VPOP(s2);
  NPOP();
  STR_EQ(vs_output_name(c), "c:0");
  STR_EQ(vs_output_name(c2), "x/c:0");
}

/* with tf.variable_scope("foo/") as s:
 *   tf.get_variable("v", [1]) -> "foo//v:0"; tf.constant(0, name="c") -> "foo/c:0"
 *   s.name -> "foo/"; s.original_name_scope -> "foo/"        spec 2.2.14 (derived) */
VSC_CASE(trailing_slash_variable_scope) {
  VSCOPE(s, "foo/");
  GETV(v, "v", .shape = VS_SHAPE(1));
  vs_output c = vs_constant_int32(g, 0, "c", st);
  OK();
  STR_EQ(vs_scope_name(s), "foo/");
  STR_EQ(vs_scope_original_name_scope(s), "foo/");
  VPOP(s);
  VAR_NAME(v, "foo//v:0");
  STR_EQ(vs_output_name(c), "foo/c:0");
}

/* tf.variable_scope("bad name") -> ValueError from its name scope
 *   TF 2.x "'bad name' is not a valid root scope name. ..."; TF 1.15 "'bad name' is not a valid scope name"
 *                                                           spec 2.2.17, 5.E9 */
VSC_CASE(invalid_variable_scope_name) {
  vs_scope *s = vs_variable_scope_push(g, "bad name", NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", ROOT_SCOPE_ERR("bad name"));
  EXPECT(s == NULL, "a scope was entered");
  STR_EQ(vs_scope_name(vs_get_variable_scope(g)), "");
  STR_EQ(vs_get_name_scope(g), "");
}

/* with tf.name_scope("a"):
 *   with tf.variable_scope("_x") as s:   # s.name "_x", s.original_name_scope "a/_x/"
 *     tf.get_variable("v", [1]) -> ValueError, "_x/v" checked at the root   spec 2.2.18 (derived) */
VSC_CASE(underscore_scope_ok_but_variable_name_checked_at_root) {
  NSCOPE(a, "a");
  VSCOPE(s, "_x");
  STR_EQ(vs_scope_name(s), "_x");
  STR_EQ(vs_scope_original_name_scope(s), "a/_x/");
  vs_var *v = getv1(g, "v", st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", ROOT_SCOPE_ERR("_x/v"));
  EXPECT(v == NULL, "a variable was returned");
  VPOP(s);
  NPOP();
}

/* for _ in range(2):
 *   with tf.variable_scope(None, default_name="bar") as s: tf.get_variable("v", [1])
 *   -> "bar/v:0" (name scope "bar/"), "bar_1/v:0" (name scope "bar_1/")   spec 2.3.1 */
VSC_CASE(sequential_default_names_uniquified) {
  const char *want[] = {"bar/v:0", "bar_1/v:0"}, *ns[] = {"bar/", "bar_1/"};
  for (int i = 0; i < 2; i++) {
    VSCOPE(s, NULL, .default_name = "bar");
    vs_var *v = getv1(g, "v", st);
    OK();
    VAR_NAME(v, want[i]);
    STR_EQ(vs_scope_original_name_scope(s), ns[i]);
    VPOP(s);
  }
}

/* with tf.variable_scope("foo") as vs:
 *   with tf.variable_scope(None, default_name="bar"): a = get_variable("a", [1]) -> "foo/bar/a:0"
 *   with tf.variable_scope(None, default_name="bar"): b = get_variable("b", [1]) -> "foo/bar_1/b:0"
 * with tf.variable_scope(vs):
 *   with tf.variable_scope(None, default_name="bar"): c = get_variable("c", [1]) -> "foo/bar/c:0"
 *   ("Uses bar instead of bar_2!": counts reset when the parent exits)
 *                                          spec 2.3.2, 2.3.3, 11.12 (variable_scope docstring) */
VSC_CASE(default_names_reset_when_parent_exits) {
  VSCOPE(vs, "foo");
  VSCOPE(b1, NULL, .default_name = "bar");
  GETV(a, "a", .shape = VS_SHAPE(1));
  VPOP(b1);
  VSCOPE(b2, NULL, .default_name = "bar");
  GETV(b, "b", .shape = VS_SHAPE(1));
  VPOP(b2);
  VPOP(vs);
  VSCOPE_OBJ(again, vs);
  VSCOPE(b3, NULL, .default_name = "bar");
  GETV(c, "c", .shape = VS_SHAPE(1));
  VPOP(b3);
  VPOP(again);
  VAR_NAME(a, "foo/bar/a:0");
  VAR_NAME(b, "foo/bar_1/b:0");
  VAR_NAME(c, "foo/bar/c:0");
}

/* with tf.name_scope("bar"): pass
 * with tf.variable_scope(None, default_name="bar") as s:
 *   get_variable("v", [1]) -> "bar/v:0"; tf.constant(0, name="c") -> "bar_1/c:0"
 *                                                         spec 2.3.4 (derived) */
VSC_CASE(name_scopes_do_not_count_for_default_names) {
  NSCOPE(n, "bar");
  NPOP();
  VSCOPE(s, NULL, .default_name = "bar");
  GETV(v, "v", .shape = VS_SHAPE(1));
  vs_output c = vs_constant_int32(g, 0, "c", st);
  OK();
  STR_EQ(vs_scope_name(s), "bar");
  VPOP(s);
  VAR_NAME(v, "bar/v:0");
  STR_EQ(vs_output_name(c), "bar_1/c:0");
}

/* with tf.variable_scope("bar"): pass   (twice)
 * with tf.variable_scope(None, default_name="bar") as s:
 *   s.name -> "bar_1"; s.original_name_scope -> "bar_2/"   spec 2.3.5 (derived) */
VSC_CASE(string_scopes_count_for_default_names) {
  VSCOPE(a, "bar");
  VPOP(a);
  VSCOPE(b, "bar");
  VPOP(b);
  VSCOPE(s, NULL, .default_name = "bar");
  STR_EQ(vs_scope_name(s), "bar_1");
  STR_EQ(vs_scope_original_name_scope(s), "bar_2/");
  VPOP(s);
}

/* for _ in range(2):
 *   with tf.variable_scope("foo"):
 *     with tf.variable_scope(None, default_name="bar"): tf.get_variable("a", [1])
 *   -> the second raises ValueError "Variable foo/bar/a already exists, disallowed. ..."
 *                                                  spec 2.3.6 (derived), 11.12, 5.E1 */
VSC_CASE(reopened_parent_collides_on_default_name) {
  VSCOPE(f1, "foo");
  VSCOPE(b1, NULL, .default_name = "bar");
  GETV(a, "a", .shape = VS_SHAPE(1));
  VPOP(b1);
  VPOP(f1);
  VSCOPE(f2, "foo");
  VSCOPE(b2, NULL, .default_name = "bar");
  STR_EQ(vs_scope_original_name_scope(b2), "foo_1/bar/");
  vs_var *again = getv1(g, "a", st);
  EXPECT_E1("foo/bar/a");
  EXPECT(again == NULL, "a variable was returned");
  VPOP(b2);
  VPOP(f2);
  VAR_NAME(a, "foo/bar/a:0");
}

/* with tf.variable_scope("outer", reuse=True):
 *   with tf.variable_scope(None, default_name="d") as s: s.reuse -> True   spec 2.3.9 */
VSC_CASE(default_name_scope_inherits_reuse) {
  VSCOPE(outer, "outer", .reuse = VS_REUSE_TRUE);
  VSCOPE(s, NULL, .default_name = "d");
  INT_EQ(vs_scope_reuse(s), VS_REUSE_TRUE);
  VPOP(s);
  VPOP(outer);
}

struct thread_probe {
  vs_graph *g;
  char scope[64], name_scope[64], var[64];
  vs_var *shared;
  int code;
};

static void *thread_main(void *arg) {
  struct thread_probe *p = arg;
  vs_status *st = vs_status_new();
  snprintf(p->scope, sizeof p->scope, "%s", vs_scope_name(vs_get_variable_scope(p->g)));
  snprintf(p->name_scope, sizeof p->name_scope, "%s", vs_get_name_scope(p->g));
  vs_scope *r = vs_variable_scope_push(p->g, "foo", &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
  if (r) {
    p->shared = vs_get_variable(p->g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
    p->code = (int)vs_status_code(st);
    if (p->shared) snprintf(p->var, sizeof p->var, "%s", vs_var_name(p->shared));
    vs_variable_scope_pop(p->g, r, NULL);
  } else {
    p->code = (int)vs_status_code(st);
  }
  vs_status_free(st);
  return NULL;
}

/* with tf.variable_scope("foo"):
 *   v = tf.get_variable("v", [1])
 *   with tf.name_scope("ns"):
 *     in a new thread: tf.get_variable_scope().name -> ""; get_name_scope() -> "";
 *       with tf.variable_scope("foo", reuse=True): tf.get_variable("v", [1]) is v
 *                                                         spec 2.3.10 */
VSC_CASE(new_thread_starts_at_root_scope_shares_store) {
  VSCOPE(foo, "foo");
  GETV(v, "v", .shape = VS_SHAPE(1));
  NSCOPE(ns, "ns");
  struct thread_probe p = {.g = g};
  pthread_t th;
  EXPECT(pthread_create(&th, NULL, thread_main, &p) == 0, "pthread_create failed");
  pthread_join(th, NULL);
  NPOP();
  VPOP(foo);
  STR_EQ(p.scope, "");
  STR_EQ(p.name_scope, "");
  INT_EQ(p.code, VS_OK);
  EXPECT(p.shared == v, "the thread did not share foo/v");
  STR_EQ(p.var, "foo/v:0");
}

const vsc_case vsc_cases_variable_scope[] = {
    VSC_REG(reuse_block_opens_new_name_scope, "2.2.6 11.2"),
    VSC_REG(variable_scope_not_uniquified_name_scope_is, "2.2.7 2.2.8 11.13"),
    VSC_REG(reentering_captured_scope, "2.2.9 11.2"),
    VSC_REG(captured_scope_inside_other_scope, "2.2.10"),
    VSC_REG(auxiliary_name_scope_false_with_original_name_scope, "2.2.11 11.2"),
    VSC_REG(auxiliary_name_scope_false_with_string_name, "2.2.11"),
    VSC_REG(reentering_current_scope_doubles_op_prefix, "2.2.12 11.11"),
    VSC_REG(reentering_root_scope_opens_no_name_scope, "2.2.13"),
    VSC_REG(trailing_slash_variable_scope, "2.2.14"),
    VSC_REG(invalid_variable_scope_name, "2.2.17 5.E9"),
    VSC_REG(underscore_scope_ok_but_variable_name_checked_at_root, "2.2.18"),
    VSC_REG(sequential_default_names_uniquified, "2.3.1"),
    VSC_REG(default_names_reset_when_parent_exits, "2.3.2 2.3.3 11.12"),
    VSC_REG(name_scopes_do_not_count_for_default_names, "2.3.4"),
    VSC_REG(string_scopes_count_for_default_names, "2.3.5"),
    VSC_REG(reopened_parent_collides_on_default_name, "2.3.6 11.12 5.E1"),
    VSC_REG(default_name_scope_inherits_reuse, "2.3.9"),
    VSC_REG(new_thread_starts_at_root_scope_shares_store, "2.3.10"),
    {0},
};
