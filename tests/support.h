/* support.h - helpers shared by the Criterion unit tests (header-only).
 *
 * Each helper here is one copy of code that several test files had defined
 * identically. Helpers that merely look alike but assert differently stay in
 * their own files (e.g. test_placement.c's expect_err, test_custom_getter.c's
 * push, test_collections.c's getv, the two vsc_capture variants).
 *
 * The first section is always available. The rest is opt-in, because its
 * names (push, pop, getv, setup, g, st, ...) mean other things in other
 * files; define the macro before including this header:
 *
 *   SUPPORT_SCOPE_PUSH     push(g, name, reuse, st)        variable scope push
 *   SUPPORT_SCOPE_POP      pop(g, s, st)                   variable scope pop
 *   SUPPORT_GETV           getv(g, name, shape, st)        get_variable(shape)
 *   SUPPORT_FIXTURE        file-wide g/st, asserting setup/teardown and the
 *                          helpers that work on them
 *   SUPPORT_FIXTURE_PLAIN  file-wide g/st, non-asserting setup/teardown, OK()
 *   SUPPORT_FIXTURE_DIR    "tag": file-wide g/st and a scratch directory `dir`
 *                          (/tmp/<tag>- and mkdtemp's six random characters) that teardown removes with its files
 *   SUPPORT_SPAWN          spawn(argv, to, from, quiet), wait_exit(pid): a
 *                          child on pipes, without fork (posix_spawn)
 *   SUPPORT_SCRIBBLE       with SUPPORT_FIXTURE or _PLAIN: setup() has the
 *                          runtime fill every device buffer with NaN before
 *                          use (vs__buffer_scribble; needs the engine's
 *                          include path), so an output element a kernel
 *                          leaves unwritten shows as NaN; teardown() stops it
 */
#ifndef VS_TESTS_SUPPORT_H
#define VS_TESTS_SUPPORT_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "varscope.h"

/* ==== always available: the VARSCOPE_CONV usage text ======================= */

/* The tail of conv_select.c's refusal of a VARSCOPE_CONV it does not
 * know, after "VARSCOPE_CONV='NAME': " (the tests state it, not the code;
 * test_nn, test_choice_memo and the tuning tests compare it). */
#define CONV_FORCE_USAGE                                                                                    \
  "want auto, direct, direct:RM,NV,UC,LY,RW[,RH], im2col, convgemm, igemm, "                                \
  "igemm:MWG,NWG,KWG,MDIMC,NDIMC,VW[,DB[,VWM]], igemm-tf32, igemm-tf32:WM,WN,FM,FN,KS, pointwise or "       \
  "pointwise:RM,NV,LY[,PF]"

/* ==== always available: scratch directories ================================ */

/* Makes a fresh directory /tmp/<tag>-<six random characters> (mkdtemp) in dir (cap bytes), asserting. */
static inline void scratch_dir_new(char *dir, size_t cap, const char *tag)
{
  snprintf(dir, cap, "/tmp/%s-XXXXXX", tag);
  cr_assert_not_null(mkdtemp(dir), "mkdtemp %s", dir);
}

/* Removes a scratch directory with its files and empty subdirectories (what
 * the tests leave: checkpoints, cache entries, FIFOs, mount points). */
static inline void scratch_dir_remove(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[1024];
  while (d && (e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (unlink(path) != 0) rmdir(path);
  }
  if (d) closedir(d);
  rmdir(dir);
}

/* ==== always available: explicit graph and status ========================== */

/* Null guard for strings: s, or "(null)" when s is NULL. Asserts nothing. */
static inline const char *nn(const char *s) { return s ? s : "(null)"; }

/* Asserts that st holds VS_OK ("unexpected error CODE: message" otherwise). */
static inline void expect_ok(const vs_status *st)
{
  cr_assert_eq(vs_status_code(st), VS_OK, "unexpected error %s: %s",
               vs_code_name(vs_status_code(st)), vs_status_message(st));
}

/* Asserts that st holds `code`; the exception class and message are not checked. */
static inline void expect_code(const vs_status *s, vs_code code)
{
  cr_assert_eq(vs_status_code(s), code, "expected %s, got %s: %s", vs_code_name(code),
               vs_code_name(vs_status_code(s)), vs_status_message(s));
}

/* Asserts that st holds `code`, exception class name `exc` and exactly message `msg`. */
static inline void expect_error(const vs_status *st, vs_code code, const char *exc,
                                const char *msg)
{
  cr_assert_eq(vs_status_code(st), code, "expected %s, got %s: %s", vs_code_name(code),
               vs_code_name(vs_status_code(st)), vs_status_message(st));
  cr_assert_str_eq(vs_status_exception_name(st), exc);
  cr_assert_str_eq(vs_status_message(st), msg);
}

/* Asserts E1 (ALREADY_EXISTS, ValueError "Variable <full_name> already exists,
 * disallowed. ... in VarScope?"). TF appends " Originally defined at:\n\n<python
 * traceback>" for a RefVariable, which C cannot produce; the message is
 * compared up to "VarScope?" and only that suffix is allowed after it. */
static inline void expect_e1(const vs_status *st, const char *full_name)
{
  char want[512];
  snprintf(want, sizeof want,
           "Variable %s already exists, disallowed. Did you mean to set reuse=True or "
           "reuse=tf.AUTO_REUSE in VarScope?",
           full_name);
  cr_assert_eq(vs_status_code(st), VS_ALREADY_EXISTS, "expected ALREADY_EXISTS, got %s: %s",
               vs_code_name(vs_status_code(st)), vs_status_message(st));
  cr_assert_str_eq(vs_status_exception_name(st), "ValueError");
  const char *msg = vs_status_message(st);
  size_t n = strlen(want);
  cr_assert(strncmp(msg, want, n) == 0, "message was: %s", msg);
  cr_assert(msg[n] == '\0' || strncmp(msg + n, " Originally defined at:", 23) == 0,
            "unexpected text after VarScope?: %s", msg + n);
}

/* Asserts E2 exactly (NOT_FOUND, ValueError "Variable <full_name> does not
 * exist, or was not created with tf.get_variable(). ..."). */
static inline void expect_e2(const vs_status *st, const char *full_name)
{
  char want[512];
  snprintf(want, sizeof want,
           "Variable %s does not exist, or was not created with tf.get_variable(). Did you "
           "mean to set reuse=tf.AUTO_REUSE in VarScope?",
           full_name);
  expect_error(st, VS_NOT_FOUND, "ValueError", want);
}

/* Asserts that v's shape formats as `want` (e.g. "(2, 3)"). */
static inline void expect_shape(const vs_var *v, const char *want)
{
  char buf[64];
  vs_shape s = vs_var_shape(v);
  vs_shape_format(s, buf, sizeof buf);
  cr_assert_str_eq(buf, want);
}

/* tf.get_variable(name, **o); asserts success (expect_ok) and a non-NULL variable. */
static inline vs_var *get_opts(vs_graph *g, const char *name, const vs_var_opts *o, vs_status *st)
{
  vs_var *v = vs_get_variable(g, name, o, st);
  expect_ok(st);
  cr_assert_not_null(v);
  return v;
}

/* ==== opt-in: variable scopes and variables, explicit graph and status ===== */

#ifdef SUPPORT_SCOPE_PUSH
/* with tf.variable_scope(name, reuse=reuse); asserts success and a non-NULL scope. */
static inline vs_scope *push(vs_graph *g, const char *name, vs_reuse reuse, vs_status *st)
{
  vs_scope *s = vs_variable_scope_push(g, name, &(vs_varscope_opts){.reuse = reuse}, st);
  expect_ok(st);
  cr_assert_not_null(s);
  return s;
}
#endif

#ifdef SUPPORT_SCOPE_POP
/* Leaves variable scope s; asserts success. */
static inline void pop(vs_graph *g, vs_scope *s, vs_status *st)
{
  vs_variable_scope_pop(g, s, st);
  expect_ok(st);
}
#endif

#ifdef SUPPORT_GETV
/* tf.get_variable(name, shape); asserts success and a non-NULL variable. */
static inline vs_var *getv(vs_graph *g, const char *name, vs_shape shape, vs_status *st)
{
  return get_opts(g, name, &(vs_var_opts){.shape = shape}, st);
}
#endif

/* ==== opt-in: file-wide graph and status =================================== */

#if defined(SUPPORT_FIXTURE) + defined(SUPPORT_FIXTURE_PLAIN) + defined(SUPPORT_FIXTURE_DIR) > 1
#error "support.h: define one of SUPPORT_FIXTURE, SUPPORT_FIXTURE_PLAIN and SUPPORT_FIXTURE_DIR"
#endif

#ifdef SUPPORT_FIXTURE_DIR
/* The checkpoint and export tests: a fresh graph, status and scratch
 * directory per test. */
static vs_graph *g;
static vs_status *st;
static char dir[256];

static inline void setup(void)
{
  g = vs_graph_new();
  st = vs_status_new();
  cr_assert_not_null(g);
  cr_assert_not_null(st);
  scratch_dir_new(dir, sizeof dir, SUPPORT_FIXTURE_DIR);
}

static inline void teardown(void)
{
  scratch_dir_remove(dir);
  vs_status_free(st);
  vs_graph_free(g);
}
#endif

#if defined(SUPPORT_FIXTURE) || defined(SUPPORT_FIXTURE_PLAIN)
static vs_graph *g;
static vs_status *st;
#endif

#ifdef SUPPORT_SCRIBBLE
#include "runtime/runtime_internal.h"
#define SUPPORT_SCRIBBLE_SET(on) vs__buffer_scribble(on)
#else
#define SUPPORT_SCRIBBLE_SET(on) ((void)0)
#endif

#ifdef SUPPORT_FIXTURE
/* A fresh graph and status per test; asserts both were allocated. */
static inline void setup(void)
{
  g = vs_graph_new();
  st = vs_status_new();
  cr_assert_not_null(g);
  cr_assert_not_null(st);
  SUPPORT_SCRIBBLE_SET(true);
}

/* Frees the graph and status of setup(). Asserts nothing. */
static inline void teardown(void)
{
  SUPPORT_SCRIBBLE_SET(false);
  vs_graph_free(g);
  vs_status_free(st);
}

/* TF 2.21 error texts. E1 is a prefix: TF appends " Originally defined at:...". */
#define ROOT_PATTERN "^[A-Za-z0-9.][A-Za-z0-9_.\\\\/>-]*$"
#define ROOT_SCOPE_ERR(n)                                                                        \
  "'" n "' is not a valid root scope name. A root scope name has to match the following "     \
  "pattern: " ROOT_PATTERN
#define E1_PREFIX(n)                                                                             \
  "Variable " n " already exists, disallowed. Did you mean to set reuse=True or "             \
  "reuse=tf.AUTO_REUSE in VarScope?"
#define E2(n)                                                                                    \
  "Variable " n " does not exist, or was not created with tf.get_variable(). Did you mean to " \
  "set reuse=tf.AUTO_REUSE in VarScope?"

/* Asserts that st holds VS_OK ("unexpected error <int code>: message" otherwise). */
static inline void assert_ok(void)
{
  cr_assert_eq(vs_status_code(st), VS_OK, "unexpected error %d: %s", (int)vs_status_code(st),
               vs_status_message(st));
}

/* Asserts that st holds `code`, exception class name `exception` and exactly `message`. */
static inline void assert_error(vs_code code, const char *exception, const char *message)
{
  cr_assert_eq(vs_status_code(st), code, "code %d, want %d (message: %s)", (int)vs_status_code(st),
               (int)code, vs_status_message(st));
  cr_assert_str_eq(vs_status_exception_name(st), exception);
  cr_assert_str_eq(vs_status_message(st), message);
}

/* As assert_error, but the message need only start with `prefix` (for E1,
 * where TF appends " Originally defined at:..." (a Python traceback)). */
static inline void assert_error_prefix(vs_code code, const char *exception, const char *prefix)
{
  cr_assert_eq(vs_status_code(st), code, "code %d, want %d (message: %s)", (int)vs_status_code(st),
               (int)code, vs_status_message(st));
  cr_assert_str_eq(vs_status_exception_name(st), exception);
  cr_assert(strncmp(vs_status_message(st), prefix, strlen(prefix)) == 0,
            "message \"%s\" does not start with \"%s\"", vs_status_message(st), prefix);
}

/* with tf.name_scope(name) as s: returns s; asserts success (assert_ok) and non-NULL. */
static inline const char *ns(const char *name)
{
  const char *s = vs_name_scope_push(g, name, st);
  assert_ok();
  cr_assert_not_null(s);
  return s;
}

/* Leaves the innermost name scope; asserts success (assert_ok). */
static inline void ns_pop(void)
{
  vs_name_scope_pop(g, st);
  assert_ok();
}

/* with tf.variable_scope(name, reuse=reuse) as s; asserts success (assert_ok) and non-NULL. */
static inline vs_scope *vsc(const char *name, vs_reuse reuse)
{
  vs_scope *s = vs_variable_scope_push(g, name, &(vs_varscope_opts){.reuse = reuse}, st);
  assert_ok();
  cr_assert_not_null(s);
  return s;
}

/* with tf.variable_scope(None, default_name=default_name) as s; asserts
 * success (assert_ok) and non-NULL. */
static inline vs_scope *vsc_default(const char *default_name)
{
  vs_scope *s =
      vs_variable_scope_push(g, NULL, &(vs_varscope_opts){.default_name = default_name}, st);
  assert_ok();
  cr_assert_not_null(s);
  return s;
}

/* Leaves variable scope s; asserts success (assert_ok). */
static inline void vsc_pop(vs_scope *s)
{
  vs_variable_scope_pop(g, s, st);
  assert_ok();
}

/* tf.get_variable(name, shape); asserts success (assert_ok) and a non-NULL variable. */
static inline vs_var *gv(const char *name, vs_shape shape)
{
  vs_var *v = vs_get_variable(g, name, &(vs_var_opts){.shape = shape}, st);
  assert_ok();
  cr_assert_not_null(v);
  return v;
}

/* A session on g; asserts success (expect_ok) and a non-NULL session. */
static inline vs_session *new_session(const vs_session_opts *opts)
{
  vs_session *s = vs_session_new(g, opts, st);
  expect_ok(st);
  cr_assert_not_null(s);
  return s;
}

/* sess.run(out); asserts success (expect_ok) and a non-NULL tensor, which
 * the caller frees. */
static inline vs_tensor *fetch(vs_session *s, vs_output out)
{
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &out, &t, 1, NULL, 0, st);
  expect_ok(st);
  cr_assert_not_null(t);
  return t;
}

/* sess.run(op) for its effect; asserts success (expect_ok). */
static inline void run_op(vs_session *s, vs_op *op)
{
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &op, 1, st);
  expect_ok(st);
}

/* sess.run(out) as fetch(), then asserts a float32 tensor of n elements;
 * copies them into buf. */
static inline void fetch_floats(vs_session *s, vs_output out, float *buf, size_t n)
{
  vs_tensor *t = fetch(s, out);
  cr_assert_eq(vs_tensor_dtype(t), VS_FLOAT);
  cr_assert_eq(vs_tensor_num_elements(t), n);
  memcpy(buf, vs_tensor_data(t), n * sizeof(float));
  vs_tensor_free(t);
}
#endif /* SUPPORT_FIXTURE */

#ifdef SUPPORT_FIXTURE_PLAIN
/* A fresh graph and status per test. Asserts nothing (unlike SUPPORT_FIXTURE). */
static inline void setup(void)
{
  g = vs_graph_new();
  st = vs_status_new();
  SUPPORT_SCRIBBLE_SET(true);
}

/* Frees the graph and status of setup(). Asserts nothing. */
static inline void teardown(void)
{
  SUPPORT_SCRIBBLE_SET(false);
  vs_graph_free(g);
  vs_status_free(st);
}

/* Asserts that st holds VS_OK, printing only its message otherwise. */
#define OK() cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st))
#endif /* SUPPORT_FIXTURE_PLAIN */

#ifdef SUPPORT_SPAWN
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

/* Starts argv with its stdin and stdout on pipes (either may be NULL). */
static inline pid_t spawn(char *const argv[], int *to_child, int *from_child, bool quiet)
{
  int in[2] = {-1, -1}, out[2] = {-1, -1};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (to_child) {
    cr_assert_eq(pipe(in), 0);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_addclose(&fa, in[1]);
  }
  if (from_child) {
    cr_assert_eq(pipe(out), 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, out[0]);
  } else if (quiet) {
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  }
  if (quiet) posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (to_child) {
    close(in[0]);
    *to_child = in[1];
  }
  if (from_child) {
    close(out[1]);
    *from_child = out[0];
  }
  return rc == 0 ? pid : -1;
}

static inline int wait_exit(pid_t pid)
{
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) continue;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
#endif

#endif /* VS_TESTS_SUPPORT_H */
