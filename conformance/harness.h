/* conformance/harness.h - the conformance harness: named cases, grouped by
 * suite, each encoding one documented TensorFlow 1 behaviour against the
 * public API (see README.md "Conformance" and conformance/COVERAGE.md).
 *
 * A case is a function registered in its suite's table with the spec rules
 * it covers. It runs on a fresh graph and status, and ends in PASS (it
 * returned without a failed check), FAIL (a check failed: the first failure
 * is kept, with its line) or SKIP (it needs something the machine lacks,
 * e.g. an OpenCL device for a session). Every case has a Python twin of the
 * same name under conformance/oracle/<suite>.py that runs the same scenario
 * under real TensorFlow and asserts the same results.
 *
 * Sessions and tensors made through vsc_session/vsc_fetch belong to the
 * case context and are freed by the harness, so a check may return early.
 */
#ifndef VARSCOPE_CONFORMANCE_HARNESS_H
#define VARSCOPE_CONFORMANCE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "varscope.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vsc_result { VSC_PASS = 0, VSC_FAIL = 1, VSC_SKIP = 2 } vsc_result;

#define VSC_MAX_OWNED 64

typedef struct vsc_ctx {
  const char *device;      /* the session's default device; NULL: the library's default */
  vs_graph *graph;
  vs_status *status;
  vsc_result result;
  char message[1024];      /* the failure ("file:line: ...") or the skip reason */
  vs_session *sessions[VSC_MAX_OWNED];
  size_t nsessions;
  vs_tensor *tensors[VSC_MAX_OWNED];
  size_t ntensors;
} vsc_ctx;

typedef void (*vsc_fn)(vsc_ctx *t, vs_graph *g, vs_status *st);

typedef struct vsc_case {
  const char *name;   /* also the Python twin's name */
  const char *suite;  /* also the twin's module: conformance/oracle/<suite>.py */
  const char *rules;  /* spec rules covered, space separated: "2.2.6 11.2 A.a" */
  vsc_fn fn;
} vsc_case;

/* ---- the registry ------------------------------------------------------ */

/* Every registered case, suite by suite; *n receives the count. */
const vsc_case *const *vsc_all_cases(size_t *n);
/* The suites in order (NULL-terminated), including those with no case yet. */
extern const char *const vsc_suite_names[];

/* Runs one case on `device` (NULL: the default device) and returns its
 * result; `message` (may be NULL) receives the failure or skip reason. */
vsc_result vsc_run_case(const vsc_case *c, const char *device, char *message, size_t cap);

/* ---- device kinds and expected failures -------------------------------- */

/* The kind of the device a session on `device` would use, for expected
 * failure lists: "pocl", "nvidia", "amd", "intel", "apple", or "other";
 * "none" when there is no OpenCL device. Writes into buf. */
void vsc_device_kind(const char *device, char *buf, size_t cap);

/* An expected-failure list: lines "case_name  reason" ('#' comments). */
typedef struct vsc_xfail {
  size_t n;
  char **names;
  char **reasons;
} vsc_xfail;

/* Loads `path`; a missing file is an empty list (returns true). Returns false
 * and writes the reason into err on a read error or a malformed line. */
bool vsc_xfail_load(vsc_xfail *x, const char *path, char *err, size_t cap);
/* The reason the case is expected to fail, or NULL. */
const char *vsc_xfail_reason(const vsc_xfail *x, const char *name);
void vsc_xfail_free(vsc_xfail *x);

/* The directory holding the conformance data (xfail/ and golden/), found
 * once per process, first of:
 *   1. $VARSCOPE_DATA_DIR/conformance, when VARSCOPE_DATA_DIR is set and not
 *      empty (used as given: a missing file is then reported under it);
 *   2. <dir of the running binary>/../share/varscope/conformance, when it
 *      has an xfail/ directory (an installed varscope: bin/ next to share/);
 *   3. the source tree's conformance/ (a build-tree run).
 * Thread safe; the string lives until exit. */
const char *vsc_data_dir(void);

/* Hands x to the case, which frees it when it ends; false (x freed, the case
 * failed at file:line) when the case already owns VSC_MAX_OWNED tensors. */
bool vsc_own_tensor(vsc_ctx *t, vs_tensor *x, const char *file, int line);

/* vsc_data_dir()/golden/<dir>/<fixture>/<file>.npy (float32, written by
 * TensorFlow) as a tensor the case owns; NULL, the case failed at file:line,
 * when it cannot be read. */
vs_tensor *vsc_golden_npy(vsc_ctx *t, const char *dir, const char *fixture, const char *name, const char *file,
                          int line);

/* The default location of the lists: vsc_data_dir()/xfail. */
const char *vsc_xfail_dir(void);

/* ---- helpers for cases (used through the macros below) ------------------ */

void vsc_fail(vsc_ctx *t, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void vsc_skip(vsc_ctx *t, const char *reason);
/* A session on the case's device, owned by the context; NULL with the case
 * skipped (no device) or failed. */
vs_session *vsc_session(vsc_ctx *t, const char *file, int line);
/* sess.run(out): a tensor owned by the context; NULL with the case failed. */
vs_tensor *vsc_fetch(vsc_ctx *t, vs_session *s, vs_output out, const char *file, int line);
/* sess.run(op) for its effect; false with the case failed. */
bool vsc_run_target(vsc_ctx *t, vs_session *s, vs_op *op, const char *file, int line);
/* The value of the variable in the session, owned by the context. */
vs_tensor *vsc_value(vsc_ctx *t, vs_session *s, vs_var *v, const char *file, int line);
/* True when `msg` starts with `head` (E1's traceback and run-time node
 * descriptions follow the compared part in TensorFlow). */
bool vsc_starts_with(const char *msg, const char *head);
/* The names of the variables of a collection, joined by ' ' ("a:0 b:0"). */
const char *vsc_collection_names(vsc_ctx *t, const char *key, const char *scope, char *buf,
                                 size_t cap);

/* ---- the case DSL ------------------------------------------------------- */

#define VSC_CASE(fn) static void fn(vsc_ctx *t, vs_graph *g, vs_status *st)
#define VSC_REG(fn, rules) {#fn, VSC_SUITE, rules, fn}

#define VSC_FAILF(...)                          \
  do {                                          \
    vsc_fail(t, __FILE__, __LINE__, __VA_ARGS__); \
    return;                                     \
  } while (0)

#define EXPECT(cond, ...)           \
  do {                                \
    if (!(cond)) VSC_FAILF(__VA_ARGS__); \
  } while (0)

/* The last call succeeded. */
#define OK()                                                                            \
  EXPECT(vs_status_code(st) == VS_OK, "unexpected error %s %s: %s",                     \
         vs_code_name(vs_status_code(st)), vs_status_exception_name(st), vs_status_message(st))

/* The last call failed with this code, Python exception and exact message. */
#define ERR(code, exc, msg)                                                                  \
  do {                                                                                       \
    EXPECT(vs_status_code(st) == (code), "expected %s, got %s: %s", vs_code_name(code),      \
           vs_code_name(vs_status_code(st)), vs_status_message(st));                          \
    EXPECT(strcmp(vs_status_exception_name(st), (exc)) == 0, "expected %s, got %s", (exc),   \
           vs_status_exception_name(st));                                                    \
    EXPECT(strcmp(vs_status_message(st), (msg)) == 0, "message \"%s\", want \"%s\"",         \
           vs_status_message(st), (msg));                                                    \
  } while (0)

/* As ERR, comparing the head of the message only. */
#define ERR_HEAD(code, exc, head)                                                            \
  do {                                                                                       \
    EXPECT(vs_status_code(st) == (code), "expected %s, got %s: %s", vs_code_name(code),      \
           vs_code_name(vs_status_code(st)), vs_status_message(st));                          \
    EXPECT(strcmp(vs_status_exception_name(st), (exc)) == 0, "expected %s, got %s", (exc),   \
           vs_status_exception_name(st));                                                    \
    EXPECT(vsc_starts_with(vs_status_message(st), (head)), "message \"%s\" does not start "   \
           "with \"%s\"", vs_status_message(st), (head));                                    \
  } while (0)

#define STR_EQ(got, want)                                                              \
  do {                                                                                 \
    const char *vsc_g_ = (got), *vsc_w_ = (want);                                      \
    EXPECT(vsc_g_ && strcmp(vsc_g_, vsc_w_) == 0, "%s is \"%s\", want \"%s\"", #got,   \
           vsc_g_ ? vsc_g_ : "(null)", vsc_w_);                                        \
  } while (0)

#define INT_EQ(got, want)                                                               \
  do {                                                                                  \
    long long vsc_g_ = (long long)(got), vsc_w_ = (long long)(want);                    \
    EXPECT(vsc_g_ == vsc_w_, "%s is %lld, want %lld", #got, vsc_g_, vsc_w_);            \
  } while (0)

#define NEAR(got, want, tol)                                                            \
  do {                                                                                  \
    double vsc_g_ = (double)(got), vsc_w_ = (double)(want);                             \
    EXPECT(vsc_g_ - vsc_w_ <= (tol) && vsc_w_ - vsc_g_ <= (tol), "%s is %.9g, want %.9g", \
           #got, vsc_g_, vsc_w_);                                                       \
  } while (0)

/* v is a variable named `want` ("foo/v:0"). */
#define VAR_NAME(v, want)                                 \
  do {                                                    \
    EXPECT((v) != NULL, "%s is NULL", #v);                \
    STR_EQ(vs_var_name(v), want);                         \
  } while (0)

/* Shape equality by TF's str(): SHAPE_STR(vs_var_shape(v), "(2, 3)"). */
#define SHAPE_STR(shape, want)                            \
  do {                                                    \
    char vsc_sb_[128];                                    \
    vs_shape vsc_s_ = (shape);                            \
    vs_shape_format(vsc_s_, vsc_sb_, sizeof vsc_sb_);      \
    STR_EQ(vsc_sb_, want);                                \
  } while (0)

/* The names of a collection's variables, space separated, in order. */
#define COLLECTION(key, scope, want)                                        \
  do {                                                                      \
    char vsc_cb_[2048];                                                     \
    STR_EQ(vsc_collection_names(t, (key), (scope), vsc_cb_, sizeof vsc_cb_), want); \
  } while (0)

/* v = tf.compat.v1.get_variable(name, **opts); must succeed. */
#define GETV(v, name, ...)                                                           \
  vs_var *v = vs_get_variable(g, (name), &(vs_var_opts){__VA_ARGS__}, st);           \
  OK();                                                                              \
  EXPECT(v != NULL, "get_variable returned NULL")

/* v = tf.Variable(**opts); must succeed. */
#define VARIABLE(v, ...)                                                             \
  vs_var *v = vs_variable(g, &(vs_variable_opts){__VA_ARGS__}, st);                  \
  OK();                                                                              \
  EXPECT(v != NULL, "Variable returned NULL")

/* with tf.variable_scope(name, **opts) as s:  (push; pop with VPOP(s)) */
#define VSCOPE(s, name, ...)                                                        \
  vs_scope *s = vs_variable_scope_push(g, (name), &(vs_varscope_opts){__VA_ARGS__}, st); \
  OK();                                                                             \
  EXPECT(s != NULL, "variable_scope returned NULL")

/* with tf.variable_scope(captured, **opts) as s: */
#define VSCOPE_OBJ(s, captured, ...)                                                         \
  vs_scope *s = vs_variable_scope_push_scope(g, (captured), &(vs_varscope_opts){__VA_ARGS__}, st); \
  OK();                                                                                      \
  EXPECT(s != NULL, "variable_scope returned NULL")

#define VPOP(s)                         \
  do {                                  \
    vs_variable_scope_pop(g, (s), st);  \
    OK();                               \
  } while (0)

/* with tf.name_scope(name) as str: */
#define NSCOPE(str, name)                                  \
  const char *str = vs_name_scope_push(g, (name), st);     \
  OK();                                                    \
  EXPECT(str != NULL, "name_scope returned NULL")

#define NPOP()                      \
  do {                              \
    vs_name_scope_pop(g, st);       \
    OK();                           \
  } while (0)

/* out = tf.constant(value, name=name) for a float32 scalar. */
#define CONSTF(out, value, name)                                 \
  vs_output out = vs_constant_float(g, (value), (name), st);     \
  OK();                                                          \
  EXPECT(out.op != NULL, "constant returned no op")

/* s = tf.Session(); skips the case when there is no device. */
#define SESSION(s)                                   \
  vs_session *s = vsc_session(t, __FILE__, __LINE__); \
  if (!s) return

/* x = sess.run(out) */
#define FETCH(x, s, out)                                           \
  vs_tensor *x = vsc_fetch(t, (s), (out), __FILE__, __LINE__);     \
  if (!x) return

/* sess.run(op) */
#define RUN(s, op)                                                 \
  do {                                                             \
    if (!vsc_run_target(t, (s), (op), __FILE__, __LINE__)) return; \
  } while (0)

/* x = sess.run(v) */
#define VALUE(x, s, v)                                             \
  vs_tensor *x = vsc_value(t, (s), (v), __FILE__, __LINE__);       \
  if (!x) return

#define FLOATS(x) ((const float *)vs_tensor_data(x))
#define INTS(x) ((const int32_t *)vs_tensor_data(x))

#ifdef __cplusplus
}
#endif
#endif
