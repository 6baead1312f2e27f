/* tsan_stress.c - threaded scenarios for a ThreadSanitizer build.
 *
 * Criterion runs each test in a forked worker, which ThreadSanitizer cannot
 * follow, so the multi-threaded contracts of graph.h, scope.h and session.h
 * are exercised here, in a plain program run under -fsanitize=thread
 * (tools/run-tsan.sh). ThreadSanitizer finds the races (TSAN_OPTIONS
 * halt_on_error=1 exitcode=66 turns a report into a failed run); the
 * program itself checks that every result is right: names, counts, values.
 *
 * Each scenario is bounded by an iteration count and a time cap, so the
 * whole run stays well under a minute on two cores under ThreadSanitizer.
 * Output: one line per scenario, "ok   tsan <scenario>" or
 * "FAIL tsan <scenario>: <why>", then "N passed, N failed"; the exit status
 * is non-zero when any scenario failed.
 *
 * Usage: tsan_stress [SCENARIO...]   (no argument: all of them)
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "varscope.h"

/* ---- failure reporting (shared by all threads of a scenario) ------------- */

static pthread_mutex_t fail_mu = PTHREAD_MUTEX_INITIALIZER;
static char fail_msg[512];
static atomic_bool failed;

static void fail(const char *fmt, ...) {
  pthread_mutex_lock(&fail_mu);
  if (!atomic_load(&failed)) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fail_msg, sizeof fail_msg, fmt, ap);
    va_end(ap);
    atomic_store(&failed, true);
  }
  pthread_mutex_unlock(&fail_mu);
}

/* True (and the scenario failed) when st holds an error. */
static bool bad(const vs_status *st, const char *what) {
  if (vs_status_code(st) == VS_OK) return false;
  fail("%s: %s: %s", what, vs_code_name(vs_status_code(st)), vs_status_message(st));
  return true;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Each scenario stops starting new rounds after this many seconds. */
#define TIME_CAP_S 6.0

static void start_threads(pthread_t *t, int n, void *(*fn)(void *), void *args, size_t arg_size) {
  for (int i = 0; i < n; i++)
    if (pthread_create(&t[i], NULL, fn, (char *)args + (size_t)i * arg_size) != 0) {
      fprintf(stderr, "tsan_stress: pthread_create failed\n");
      exit(2);
    }
}

static void join_threads(pthread_t *t, int n) {
  for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
}

/* Runs `init_op` and fetches `out` (n floats) in session s; compares each
 * element with want[i] within 1e-6. */
static bool run_and_check(vs_session *s, vs_op *init_op, vs_output out, const float *want, size_t n,
                          const char *what) {
  vs_status *st = vs_status_new();
  bool ok = false;
  vs_tensor *t = NULL;
  if (init_op) {
    vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init_op, 1, st);
    if (bad(st, what)) goto out;
  }
  vs_session_run(s, NULL, NULL, 0, &out, &t, 1, NULL, 0, st);
  if (bad(st, what)) goto out;
  if (vs_tensor_num_elements(t) != n) {
    fail("%s: %zu elements, expected %zu", what, vs_tensor_num_elements(t), n);
    goto out;
  }
  const float *got = vs_tensor_data(t);
  for (size_t i = 0; i < n; i++)
    if (fabsf(got[i] - want[i]) > 1e-6f) {
      fail("%s: element %zu is %g, expected %g", what, i, (double)got[i], (double)want[i]);
      goto out;
    }
  ok = true;
out:
  vs_tensor_free(t);
  vs_status_free(st);
  return ok;
}

/* ---- scenario: many graphs and sessions in parallel ---------------------- */

/* Each thread builds its own graph (variable_scope "layer", get_variable
 * "w" = k, w + 1), runs it in its own session and frees both, repeatedly:
 * graphs share nothing but the device registry and kernel caches. */
typedef struct {
  int id;
} par_arg;

static void *parallel_graphs_thread(void *p) {
  par_arg *a = p;
  vs_status *st = vs_status_new();
  double t0 = now_s();
  for (int round = 0; round < 16 && !atomic_load(&failed) && now_s() - t0 < TIME_CAP_S; round++) {
    float k = (float)(a->id * 10 + round);
    vs_graph *g = vs_graph_new();
    if (!g) {
      fail("vs_graph_new returned NULL");
      break;
    }
    vs_scope *sc = vs_variable_scope_push(g, "layer", NULL, st);
    vs_var *w = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(4),
                                                       .initializer = vs_constant_initializer(k)}, st);
    if (!bad(st, "get_variable") && strcmp(vs_var_op_name(w), "layer/w") != 0)
      fail("variable named %s, expected layer/w", vs_var_op_name(w));
    vs_output sum = vs_add(g, vs_var_value(w), vs_constant_float(g, 1.0f, "one", st), "sum", st);
    vs_variable_scope_pop(g, sc, st);
    vs_op *init = vs_global_variables_initializer(g, st);
    if (!bad(st, "build") && strcmp(vs_op_name(sum.op), "layer/sum") != 0)
      fail("sum named %s, expected layer/sum", vs_op_name(sum.op));
    if (!atomic_load(&failed)) {
      vs_session *s = vs_session_new(g, NULL, st);
      if (!bad(st, "session_new")) {
        float want[4] = {k + 1, k + 1, k + 1, k + 1};
        run_and_check(s, init, sum, want, 4, "parallel run");
      }
      vs_session_free(s);
    }
    vs_graph_free(g);
  }
  vs_status_free(st);
  return NULL;
}

static void scenario_parallel_graphs(void) {
  enum { N = 4 };
  pthread_t t[N];
  par_arg a[N];
  for (int i = 0; i < N; i++) a[i].id = i;
  start_threads(t, N, parallel_graphs_thread, a, sizeof a[0]);
  join_threads(t, N);
}

/* ---- scenario: several threads building one graph ------------------------ */

enum { BUILDERS = 4, BUILD_OPS = 150 };

typedef struct {
  vs_graph *g;
  int id;
  atomic_int *done;
} build_arg;

/* Builds under its own variable scope "t<id>": constants, variables and a
 * group, checking that the name scope it sees is its own (scope state is
 * per thread, as in TF 1.15). */
static void *builder_thread(void *p) {
  build_arg *a = p;
  vs_status *st = vs_status_new();
  char want_scope[16], want[64];
  snprintf(want_scope, sizeof want_scope, "t%d", a->id);
  if (strcmp(vs_get_name_scope(a->g), "") != 0) fail("a new thread does not start at the root scope");
  vs_scope *sc = vs_variable_scope_push(a->g, want_scope, NULL, st);
  for (int i = 0; i < BUILD_OPS && !bad(st, "builder") && !atomic_load(&failed); i++) {
    if (strcmp(vs_get_name_scope(a->g), want_scope) != 0) {
      fail("thread %d sees name scope '%s'", a->id, vs_get_name_scope(a->g));
      break;
    }
    vs_output c = vs_constant_float(a->g, (float)i, "c", st);
    snprintf(want, sizeof want, i ? "t%d/c_%d" : "t%d/c", a->id, i);
    if (!bad(st, "constant") && strcmp(vs_op_name(c.op), want) != 0)
      fail("constant named %s, expected %s", vs_op_name(c.op), want);
    if (i % 10 == 0) {
      char vname[16];
      snprintf(vname, sizeof vname, "v%d", i);
      vs_var *v = vs_get_variable(a->g, vname, &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
      snprintf(want, sizeof want, "t%d/v%d", a->id, i);
      if (!bad(st, "get_variable") && strcmp(vs_var_op_name(v), want) != 0)
        fail("variable named %s, expected %s", vs_var_op_name(v), want);
      vs_op *deps[1] = {c.op};
      vs_op *grp = vs_group(a->g, deps, 1, "grp", st);
      if (!bad(st, "group") && vs_op_num_control_inputs(grp) != 1)
        fail("group has %zu control inputs, expected 1", vs_op_num_control_inputs(grp));
    }
  }
  vs_variable_scope_pop(a->g, sc, st);
  bad(st, "variable_scope_pop");
  atomic_fetch_add(a->done, 1);
  vs_status_free(st);
  return NULL;
}

/* Walks the operation list while it grows: every index below the count
 * read must give an op with a name, inputs and control inputs. */
static void *reader_thread(void *p) {
  build_arg *a = p;
  size_t last = 0;
  while (atomic_load(a->done) < BUILDERS && !atomic_load(&failed)) {
    size_t n = vs_graph_num_operations(a->g);
    if (n < last) fail("operation count went down from %zu to %zu", last, n);
    last = n;
    for (size_t i = n > 32 ? n - 32 : 0; i < n; i++) {
      vs_op *op = vs_graph_operation(a->g, i);
      if (!op || !vs_op_name(op) || !vs_op_type(op)) {
        fail("operation %zu of %zu is missing", i, n);
        break;
      }
      if (vs_graph_operation_by_name(a->g, vs_op_name(op)) != op)
        fail("operation %s is not found by its name", vs_op_name(op));
      for (size_t c = 0; c < vs_op_num_control_inputs(op); c++)
        if (!vs_op_control_input(op, c)) fail("operation %s: control input %zu is NULL", vs_op_name(op), c);
    }
  }
  return NULL;
}

static void scenario_one_graph_many_builders(void) {
  /* The op count one builder makes, measured on a graph of its own. */
  vs_graph *ref = vs_graph_new();
  atomic_int ref_done = 0;
  build_arg ref_arg = {.g = ref, .id = 0, .done = &ref_done};
  builder_thread(&ref_arg);
  size_t per_builder = vs_graph_num_operations(ref);
  vs_graph_free(ref);

  vs_graph *g = vs_graph_new();
  atomic_int done = 0;
  build_arg a[BUILDERS + 1];
  for (int i = 0; i <= BUILDERS; i++) a[i] = (build_arg){.g = g, .id = i, .done = &done};
  pthread_t t[BUILDERS + 1];
  start_threads(t, BUILDERS, builder_thread, a, sizeof a[0]);
  start_threads(&t[BUILDERS], 1, reader_thread, &a[BUILDERS], sizeof a[0]);
  join_threads(t, BUILDERS + 1);
  if (!atomic_load(&failed)) {
    size_t want = BUILDERS * per_builder;
    if (vs_graph_num_operations(g) != want)
      fail("%zu operations, expected %zu", vs_graph_num_operations(g), want);
    size_t nv = vs_global_variables(g, NULL, NULL, 0, NULL);
    size_t want_vars = BUILDERS * ((BUILD_OPS + 9) / 10); /* one per ten rounds */
    if (nv != want_vars) fail("%zu global variables, expected %zu", nv, want_vars);
  }
  vs_graph_free(g);
}

/* ---- scenario: every op accessor while the graph grows -------------------- */

/* graph.h promises that an op is complete when any thread can see it (by
 * index, by name or in a collection) and that its accessors need no lock.
 * One thread grows the graph with groups of GROUP_DEPS control inputs (a
 * group gets its controls after its NoOp is registered, within one hold of
 * the graph lock, so no locked lookup may find it before they are all
 * there), ops inside a control_dependencies block and variables; readers
 * walk the newest ops with every accessor, NULL and out-of-range indices
 * included, and check that each group has all its control inputs. */
#define ACCESS_ROUNDS 150
#define GROUP_DEPS 9
#define ACCESS_READERS 2

typedef struct {
  vs_graph *g;
  atomic_int *done;
  atomic_size_t *groups_seen;
} access_arg;

static void *access_grower_thread(void *p) {
  access_arg *a = p;
  vs_status *st = vs_status_new();
  vs_op *deps[GROUP_DEPS];
  for (int i = 0; i < ACCESS_ROUNDS && !atomic_load(&failed); i++) {
    for (int k = 0; k < GROUP_DEPS && !bad(st, "constant"); k++)
      deps[k] = vs_constant_float(a->g, (float)k, "c", st).op;
    vs_op *grp = vs_group(a->g, deps, GROUP_DEPS, "grp", st);
    if (bad(st, "group")) break;
    vs_op *anchor = grp;
    vs_control_dependencies_push(a->g, &anchor, 1, st);
    vs_output x = vs_constant_float(a->g, 1.0f, "dep", st);
    vs_output y = vs_add(a->g, x, x, "sum", st);
    vs_control_dependencies_pop(a->g, st);
    if (bad(st, "control_dependencies")) break;
    if (vs_op_num_inputs(y.op) != 2 || vs_op_num_control_inputs(x.op) != 1)
      fail("%s: %zu inputs, %s: %zu control inputs", vs_op_name(y.op), vs_op_num_inputs(y.op),
           vs_op_name(x.op), vs_op_num_control_inputs(x.op));
    if (i % 10 == 0) {
      char name[16];
      snprintf(name, sizeof name, "v%d", i);
      vs_get_variable(a->g, name, &(vs_var_opts){.shape = VS_SHAPE(3)}, st);
      if (bad(st, "get_variable")) break;
    }
  }
  atomic_store(a->done, 1);
  vs_status_free(st);
  return NULL;
}

/* Reads one op through every public accessor; false (and the scenario
 * failed) when something is missing or inconsistent. */
static bool read_op(vs_graph *g, vs_op *op, atomic_size_t *groups_seen) {
  const char *name = vs_op_name(op), *type = vs_op_type(op), *dev = vs_op_device(op);
  if (!name || !type || !dev) {
    fail("an op without a name, type or device string");
    return false;
  }
  if (vs_graph_operation_by_name(g, name) != op) {
    fail("operation %s is not found by its name", name);
    return false;
  }
  size_t ni = vs_op_num_inputs(op), nc = vs_op_num_control_inputs(op);
  for (size_t i = 0; i < ni; i++)
    if (!vs_op_input(op, i).op) {
      fail("%s: input %zu of %zu is NULL", name, i, ni);
      return false;
    }
  if (vs_op_input(op, ni).op || vs_op_control_input(op, nc)) {
    fail("%s: an index past the count gives an input", name);
    return false;
  }
  for (size_t i = 0; i < nc; i++)
    if (!vs_op_control_input(op, i)) {
      fail("%s: control input %zu of %zu is NULL", name, i, nc);
      return false;
    }
  if (strcmp(type, "NoOp") == 0 && strncmp(name, "grp", 3) == 0) {
    if (nc != GROUP_DEPS) {
      fail("group %s is visible with %zu of its %d control inputs", name, nc, GROUP_DEPS);
      return false;
    }
    atomic_fetch_add(groups_seen, 1);
  }
  vs_shape shape = vs_op_output_shape(op);
  char buf[64];
  vs_shape_format(shape, buf, sizeof buf);
  if (vs_op_output_dtype(op) != VS_DTYPE_DEFAULT && !vs_output_name(vs_op_output(op))) {
    fail("%s has an output dtype but no output name", name);
    return false;
  }
  return true;
}

static void *access_reader_thread(void *p) {
  access_arg *a = p;
  size_t last = 0;
  while (!atomic_load(a->done) && !atomic_load(&failed)) {
    size_t n = vs_graph_num_operations(a->g);
    if (n < last) fail("operation count went down from %zu to %zu", last, n);
    last = n;
    for (size_t i = n > 24 ? n - 24 : 0; i < n; i++) {
      vs_op *op = vs_graph_operation(a->g, i);
      if (!op) {
        fail("operation %zu of %zu is missing", i, n);
        break;
      }
      if (!read_op(a->g, op, a->groups_seen)) break;
    }
    /* n + k could already exist (the writer keeps adding ops); an index no
     * graph can reach cannot. */
    if (vs_graph_operation(a->g, VS_NPOS - 1) != NULL || vs_graph_operation(a->g, VS_NPOS) != NULL)
      fail("an index past the count gives an op");
    vs_var *vars[32];
    size_t nv = vs_global_variables(a->g, NULL, vars, 32, NULL);
    for (size_t i = 0; i < nv && i < 32; i++)
      if (!read_op(a->g, vs_var_op(vars[i]), a->groups_seen) ||
          !read_op(a->g, vs_var_initializer_op(vars[i]), a->groups_seen))
        break;
  }
  return NULL;
}

static void scenario_accessors_while_growing(void) {
  vs_graph *g = vs_graph_new();
  atomic_int done = 0;
  atomic_size_t groups_seen = 0;
  access_arg a = {.g = g, .done = &done, .groups_seen = &groups_seen};
  access_arg args[ACCESS_READERS + 1];
  for (int i = 0; i <= ACCESS_READERS; i++) args[i] = a;
  pthread_t t[ACCESS_READERS + 1];
  start_threads(t, 1, access_grower_thread, args, sizeof args[0]);
  start_threads(&t[1], ACCESS_READERS, access_reader_thread, &args[1], sizeof args[0]);
  join_threads(t, ACCESS_READERS + 1);
  /* After the growth the walk is exact: every op, every group complete. */
  if (!atomic_load(&failed)) {
    size_t n = vs_graph_num_operations(g), groups = 0;
    for (size_t i = 0; i < n; i++) {
      vs_op *op = vs_graph_operation(g, i);
      if (!read_op(g, op, &groups_seen)) break;
      groups += strcmp(vs_op_type(op), "NoOp") == 0;
    }
    if (!atomic_load(&failed) && groups != ACCESS_ROUNDS)
      fail("%zu groups, expected %d", groups, ACCESS_ROUNDS);
  }
  vs_graph_free(g);
}

/* ---- scenario: vs_session_op_device while the session runs -------------- */

/* A run places the ops its plan needs and records each op's device in the
 * session (a table that grows with the graph); vs_session_op_device reads
 * that table from any thread. One thread adds a constant and runs it, over
 * and over, so the table grows and is written; readers ask for the device
 * of the newest ops meanwhile: VS_NPOS before the run that places an op, a
 * device index after it, and never a different device later. */
#define PLACE_ROUNDS 120
#define PLACE_READERS 2

typedef struct {
  vs_graph *g;
  vs_session *s;
  atomic_int *done;
} place_arg;

static void *place_runner_thread(void *p) {
  place_arg *a = p;
  vs_status *st = vs_status_new();
  for (int i = 0; i < PLACE_ROUNDS && !atomic_load(&failed); i++) {
    vs_output c = vs_constant_float(a->g, (float)i, "c", st);
    if (bad(st, "constant")) break;
    vs_tensor *t = NULL;
    vs_session_run(a->s, NULL, NULL, 0, &c, &t, 1, NULL, 0, st);
    if (bad(st, "session run")) break;
    if (*(const float *)vs_tensor_data(t) != (float)i) fail("c_%d is %g", i, (double)*(const float *)vs_tensor_data(t));
    vs_tensor_free(t);
    if (vs_session_op_device(a->s, c.op) == VS_NPOS) fail("%s ran but has no device", vs_op_name(c.op));
  }
  atomic_store(a->done, 1);
  vs_status_free(st);
  return NULL;
}

static void *place_reader_thread(void *p) {
  place_arg *a = p;
  size_t n_dev = vs_num_devices(NULL);
  size_t first = VS_NPOS; /* op 0's device once placed: it never moves */
  while (!atomic_load(a->done) && !atomic_load(&failed)) {
    size_t n = vs_graph_num_operations(a->g);
    if (!n) continue;
    /* Polls the newest op until the runner's run places it: these reads
     * take no other lock in between, so only vs_session_op_device's own
     * locking orders them with the run's write. */
    vs_op *op = vs_graph_operation(a->g, n - 1);
    size_t dev = VS_NPOS;
    for (int k = 0; k < 2000 && dev == VS_NPOS && !atomic_load(a->done); k++)
      dev = vs_session_op_device(a->s, op);
    if (dev != VS_NPOS && dev >= n_dev) fail("%s is on device %zu of %zu", vs_op_name(op), dev, n_dev);
    size_t d0 = vs_session_op_device(a->s, vs_graph_operation(a->g, 0));
    if (d0 != VS_NPOS) {
      if (first != VS_NPOS && d0 != first) fail("op 0 moved from device %zu to %zu", first, d0);
      first = d0;
    }
  }
  return NULL;
}

static void scenario_op_device_while_running(void) {
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_session *s = vs_session_new(g, NULL, st);
  atomic_int done = 0;
  if (!bad(st, "session_new")) {
    place_arg args[PLACE_READERS + 1];
    for (int i = 0; i <= PLACE_READERS; i++) args[i] = (place_arg){.g = g, .s = s, .done = &done};
    pthread_t t[PLACE_READERS + 1];
    start_threads(t, 1, place_runner_thread, args, sizeof args[0]);
    start_threads(&t[1], PLACE_READERS, place_reader_thread, &args[1], sizeof args[0]);
    join_threads(t, PLACE_READERS + 1);
    if (!atomic_load(&failed) && vs_graph_num_operations(g) != PLACE_ROUNDS)
      fail("%zu operations, expected %d", vs_graph_num_operations(g), PLACE_ROUNDS);
  }
  vs_session_free(s);
  vs_status_free(st);
  vs_graph_free(g);
}

/* ---- scenario: threads exit while their graph is freed ------------------- */

enum { EXITERS = 4 };

typedef struct {
  vs_graph *g;
  pthread_barrier_t *used;
} exit_arg;

/* Uses the graph (which gives this thread scope state in it), leaves a name
 * scope and a variable scope open, then exits as the graph is freed. */
static void *exiter_thread(void *p) {
  exit_arg *a = p;
  vs_status *st = vs_status_new();
  vs_name_scope_push(a->g, "open", st);
  vs_variable_scope_push(a->g, "vs", NULL, st);
  vs_constant_float(a->g, 1.0f, "c", st);
  bad(st, "exiter");
  vs_status_free(st);
  pthread_barrier_wait(a->used);
  return NULL; /* the thread's exit races vs_graph_free below */
}

static void scenario_thread_exit_vs_graph_free(void) {
  double t0 = now_s();
  for (int round = 0; round < 200 && !atomic_load(&failed) && now_s() - t0 < TIME_CAP_S; round++) {
    vs_graph *g = vs_graph_new();
    if (!g) {
      fail("vs_graph_new returned NULL in round %d", round);
      return;
    }
    pthread_barrier_t used;
    pthread_barrier_init(&used, NULL, EXITERS + 1);
    exit_arg a[EXITERS];
    pthread_t t[EXITERS];
    for (int i = 0; i < EXITERS; i++) a[i] = (exit_arg){.g = g, .used = &used};
    start_threads(t, EXITERS, exiter_thread, a, sizeof a[0]);
    pthread_barrier_wait(&used);
    /* Every thread has used g and is now exiting. */
    size_t n = vs_graph_num_operations(g);
    if (n != EXITERS) fail("%zu operations, expected %d", n, EXITERS);
    vs_graph_free(g);
    join_threads(t, EXITERS);
    pthread_barrier_destroy(&used);
  }
}

/* ---- scenario: two sessions on one graph while a third thread builds ----- */

enum { GROW_ROUNDS = 600 };

typedef struct {
  vs_graph *g;
  vs_var *w;
  vs_output sum;
  vs_op *init;
  atomic_bool *grown;             /* the grower is done */
  _Atomic(vs_op *) *latest_add;   /* the grower's newest w + i ... */
  atomic_int *latest_i;           /* ... and its i (published after the op) */
} sess_arg;

/* Runs w + 2 and the grower's newest op over and over while the graph
 * grows, checking every value (w = [1, 2, 3]). */
static void *session_thread(void *p) {
  sess_arg *a = p;
  vs_status *st = vs_status_new();
  vs_session *s = vs_session_new(a->g, NULL, st);
  const float want[3] = {3, 4, 5};
  double t0 = now_s();
  if (!bad(st, "session_new")) {
    for (int i = 0; i < 5000 && !atomic_load(&failed) && now_s() - t0 < TIME_CAP_S; i++) {
      if (i >= 5 && atomic_load(a->grown)) break;
      if (!run_and_check(s, i == 0 ? a->init : NULL, a->sum, want, 3, "session run w + 2")) break;
      int k = atomic_load(a->latest_i);
      vs_op *add = atomic_load(a->latest_add);
      if (add && k >= 0) {
        /* latest_i is stored before latest_add, so add is op k or newer:
         * recover its k from its name "grow_<k>/add". */
        const char *name = vs_op_name(add);
        k = strncmp(name, "grow/", 5) == 0 ? 0 : atoi(name + 5);
        const float grown[3] = {1.0f + (float)k, 2.0f + (float)k, 3.0f + (float)k};
        if (!run_and_check(s, NULL, vs_op_output(add), grown, 3, "session run grown op")) break;
      }
      vs_tensor *t = vs_session_variable_value(s, a->w, st);
      if (!bad(st, "variable_value") && ((const float *)vs_tensor_data(t))[2] != 3.0f)
        fail("w[2] is %g, expected 3", (double)((const float *)vs_tensor_data(t))[2]);
      vs_tensor_free(t);
    }
  }
  vs_session_free(s);
  vs_status_free(st);
  return NULL;
}

/* Adds ops in name scopes grow, grow_1, ...: a constant k, w + k, and every
 * eighth round a variable, publishing each w + k to the session threads. */
static void *grower_thread(void *p) {
  sess_arg *a = p;
  vs_status *st = vs_status_new();
  for (int k = 0; k < GROW_ROUNDS && !atomic_load(&failed); k++) {
    vs_name_scope_push(a->g, "grow", st);
    vs_output c = vs_constant_float(a->g, (float)k, "c", st);
    vs_output add = vs_add(a->g, vs_var_value(a->w), c, "add", st);
    if (k % 8 == 0) {
      char name[24];
      snprintf(name, sizeof name, "gv%d", k);
      vs_get_variable(a->g, name, &(vs_var_opts){.shape = VS_SHAPE(3)}, st);
    }
    vs_name_scope_pop(a->g, st);
    if (bad(st, "grower")) break;
    atomic_store(a->latest_i, k);
    atomic_store(a->latest_add, add.op);
  }
  atomic_store(a->grown, true);
  vs_status_free(st);
  return NULL;
}

static void scenario_sessions_while_building(void) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  const float w0[3] = {1, 2, 3};
  vs_var *w = vs_get_variable(
      g, "w",
      &(vs_var_opts){.shape = VS_SHAPE(3),
                     .initializer = vs_constant_initializer_array(w0, VS_FLOAT, 3, VS_UNKNOWN_SHAPE, false)},
      st);
  vs_output sum = vs_add(g, vs_var_value(w), vs_constant_float(g, 2.0f, "two", st), "sum", st);
  vs_op *init = vs_variables_initializer(g, &w, 1, "init", st);
  if (!bad(st, "build")) {
    atomic_bool grown = false;
    _Atomic(vs_op *) latest_add = NULL;
    atomic_int latest_i = -1;
    sess_arg a = {.g = g, .w = w, .sum = sum, .init = init, .grown = &grown,
                  .latest_add = &latest_add, .latest_i = &latest_i};
    sess_arg args[3] = {a, a, a};
    pthread_t t[3];
    start_threads(t, 2, session_thread, args, sizeof args[0]);
    start_threads(&t[2], 1, grower_thread, &args[2], sizeof args[0]);
    join_threads(t, 3);
    size_t n = vs_graph_num_operations(g);
    if (!atomic_load(&failed) && !vs_graph_operation_by_name(g, "grow_599/add"))
      fail("grow_599/add is missing (%zu operations)", n);
  }
  vs_graph_free(g);
  vs_status_free(st);
}

/* ---- scenario: scope setters against scope readers ----------------------- */

typedef struct {
  vs_graph *g;
  vs_scope *shared;
  atomic_int *done;
} setter_arg;

/* Flips the captured scope's dtype and initializer until the reader is
 * done, then sets its reuse. */
static void *scope_setter_thread(void *p) {
  setter_arg *a = p;
  vs_status *st = vs_status_new();
  for (int i = 0; i < 100000 && atomic_load(a->done) == 0 && !atomic_load(&failed); i++) {
    vs_scope_set_dtype(a->shared, i % 2 ? VS_DOUBLE : VS_FLOAT, st);
    vs_scope_set_initializer(a->shared, vs_constant_initializer(i % 2 ? 2.0 : 1.0), st);
    if (bad(st, "scope setters")) break;
    vs_dtype d = vs_scope_dtype(a->shared);
    if (d != VS_FLOAT && d != VS_DOUBLE) fail("scope dtype %d", (int)d);
  }
  vs_scope_reuse_variables(a->shared);
  vs_status_free(st);
  return NULL;
}

/* Re-enters the captured scope and checks what the copy inherited. */
static void *scope_reader_thread(void *p) {
  setter_arg *a = p;
  vs_status *st = vs_status_new();
  for (int i = 0; i < 300 && !atomic_load(&failed); i++) {
    vs_scope *s = vs_variable_scope_push_scope(a->g, a->shared, NULL, st);
    if (bad(st, "push_scope")) break;
    vs_dtype d = vs_scope_dtype(s);
    vs_initializer in = vs_scope_initializer(s);
    vs_reuse r = vs_scope_reuse(a->shared);
    vs_dtype ds = vs_scope_dtype(a->shared);
    vs_initializer ins = vs_scope_initializer(a->shared);
    if (d != VS_FLOAT && d != VS_DOUBLE) fail("inherited dtype %d", (int)d);
    if (ds != VS_FLOAT && ds != VS_DOUBLE) fail("shared scope's dtype %d", (int)ds);
    if (ins.kind != VS_INIT_NONE && ins.kind != VS_INIT_CONSTANT)
      fail("shared scope's initializer kind %d", (int)ins.kind);
    if (in.kind != VS_INIT_NONE && in.kind != VS_INIT_CONSTANT) fail("inherited initializer kind %d", (int)in.kind);
    if (r != VS_REUSE_FALSE && r != VS_REUSE_TRUE) fail("reuse %d", (int)r);
    if (strcmp(vs_scope_name(s), "shared") != 0) fail("re-entered scope named %s", vs_scope_name(s));
    vs_variable_scope_pop(a->g, s, st);
    if (bad(st, "pop")) break;
  }
  atomic_fetch_add(a->done, 1);
  vs_status_free(st);
  return NULL;
}

static void scenario_scope_setters(void) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_scope *shared = vs_variable_scope_push(g, "shared", NULL, st);
  vs_variable_scope_pop(g, shared, st);
  if (!bad(st, "setup")) {
    atomic_int done = 0;
    setter_arg a[2] = {{g, shared, &done}, {g, shared, &done}};
    pthread_t t[2];
    start_threads(t, 1, scope_setter_thread, &a[0], sizeof a[0]);
    start_threads(&t[1], 1, scope_reader_thread, &a[1], sizeof a[0]);
    join_threads(t, 2);
    if (!atomic_load(&failed) && vs_scope_reuse(shared) != VS_REUSE_TRUE)
      fail("reuse_variables did not stick");
  }
  vs_graph_free(g);
  vs_status_free(st);
}

/* ---- scenario: threads sharing variables through the store --------------- */

enum { SHARERS = 4, SHARED_VARS = 40 };

typedef struct {
  vs_graph *g;
  vs_var **seen; /* [SHARERS][SHARED_VARS] */
  int id;
} share_arg;

/* Every thread enters variable_scope("shared", reuse=AUTO_REUSE) (scope
 * names are not uniquified, so all get "shared") and asks for the same
 * names: the store is the graph's, so each name must give one variable. */
static void *sharer_thread(void *p) {
  share_arg *a = p;
  vs_status *st = vs_status_new();
  vs_scope *sc = vs_variable_scope_push(a->g, "shared", &(vs_varscope_opts){.reuse = VS_REUSE_AUTO}, st);
  for (int i = 0; i < SHARED_VARS && !bad(st, "sharer") && !atomic_load(&failed); i++) {
    char name[16], want[32];
    snprintf(name, sizeof name, "w%d", i);
    snprintf(want, sizeof want, "shared/w%d", i);
    vs_var *v = vs_get_variable(a->g, name, &(vs_var_opts){.shape = VS_SHAPE(2, 2)}, st);
    if (!bad(st, "get_variable") && strcmp(vs_var_op_name(v), want) != 0)
      fail("variable named %s, expected %s", vs_var_op_name(v), want);
    a->seen[a->id * SHARED_VARS + i] = v;
  }
  vs_variable_scope_pop(a->g, sc, st);
  bad(st, "pop");
  vs_status_free(st);
  return NULL;
}

static void scenario_shared_store(void) {
  vs_graph *g = vs_graph_new();
  vs_var *seen[SHARERS * SHARED_VARS] = {0};
  share_arg a[SHARERS];
  pthread_t t[SHARERS];
  for (int i = 0; i < SHARERS; i++) a[i] = (share_arg){.g = g, .seen = seen, .id = i};
  start_threads(t, SHARERS, sharer_thread, a, sizeof a[0]);
  join_threads(t, SHARERS);
  for (int i = 0; i < SHARED_VARS && !atomic_load(&failed); i++)
    for (int k = 1; k < SHARERS; k++)
      if (seen[k * SHARED_VARS + i] != seen[i]) fail("thread %d got another shared/w%d", k, i);
  size_t n = vs_global_variables(g, NULL, NULL, 0, NULL);
  if (!atomic_load(&failed) && n != SHARED_VARS) fail("%zu global variables, expected %d", n, SHARED_VARS);
  vs_graph_free(g);
}

/* ---- scenario: per-thread device and control-dependency scopes ----------- */

enum { STACKERS = 4, STACK_ROUNDS = 50 };

typedef struct {
  vs_graph *g;
  int id;
} stack_arg;

/* Under its own tf.device and control_dependencies, each thread's ops must
 * get its device and its control input only, whatever the others push. */
static void *stacker_thread(void *p) {
  stack_arg *a = p;
  vs_status *st = vs_status_new();
  char dev[32], name[32];
  snprintf(dev, sizeof dev, "/device:CPU:%d", a->id);
  snprintf(name, sizeof name, "anchor%d", a->id);
  vs_op *anchor = vs_no_op(a->g, name, st);
  vs_device_push(a->g, dev, st);
  vs_control_dependencies_push(a->g, &anchor, 1, st);
  for (int i = 0; i < STACK_ROUNDS && !bad(st, "stacker") && !atomic_load(&failed); i++) {
    vs_output c = vs_constant_float(a->g, (float)i, "c", st);
    if (bad(st, "constant")) break;
    if (strcmp(vs_op_device(c.op), dev) != 0) fail("op %s on %s, expected %s", vs_op_name(c.op), vs_op_device(c.op), dev);
    if (vs_op_num_control_inputs(c.op) != 1 || vs_op_control_input(c.op, 0) != anchor)
      fail("op %s: %zu control inputs, expected %s only", vs_op_name(c.op), vs_op_num_control_inputs(c.op), name);
  }
  vs_control_dependencies_pop(a->g, st);
  vs_device_pop(a->g, st);
  bad(st, "pops");
  vs_status_free(st);
  return NULL;
}

static void scenario_per_thread_stacks(void) {
  vs_graph *g = vs_graph_new();
  stack_arg a[STACKERS];
  pthread_t t[STACKERS];
  for (int i = 0; i < STACKERS; i++) a[i] = (stack_arg){.g = g, .id = i};
  start_threads(t, STACKERS, stacker_thread, a, sizeof a[0]);
  join_threads(t, STACKERS);
  size_t n = vs_graph_num_operations(g);
  if (!atomic_load(&failed) && n != STACKERS * (STACK_ROUNDS + 1))
    fail("%zu operations, expected %d", n, STACKERS * (STACK_ROUNDS + 1));
  vs_graph_free(g);
}

/* ---- scenario: one replica_device_setter pushed on several threads ------- */

enum { PS_USERS = 2, PS_VARS = 40 };

typedef struct {
  vs_graph *g;
  vs_device_setter *setter;
  int id;
  int on_task[2]; /* variables this thread got on ps task 0 and 1 */
} ps_arg;

static void *ps_user_thread(void *p) {
  ps_arg *a = p;
  vs_status *st = vs_status_new();
  char scope[16];
  snprintf(scope, sizeof scope, "w%d", a->id);
  vs_device_push_setter(a->g, a->setter, st);
  vs_scope *sc = vs_variable_scope_push(a->g, scope, NULL, st);
  for (int i = 0; i < PS_VARS && !bad(st, "ps user") && !atomic_load(&failed); i++) {
    char name[16];
    snprintf(name, sizeof name, "v%d", i);
    vs_var *v = vs_get_variable(a->g, name, &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
    if (bad(st, "get_variable")) break;
    const char *dev = vs_op_device(vs_var_op(v));
    if (strcmp(dev, "/job:ps/task:0") == 0) a->on_task[0]++;
    else if (strcmp(dev, "/job:ps/task:1") == 0) a->on_task[1]++;
    else fail("variable %s on %s, expected a ps task", vs_var_op_name(v), dev);
  }
  vs_variable_scope_pop(a->g, sc, st);
  vs_device_pop(a->g, st);
  bad(st, "pops");
  vs_status_free(st);
  return NULL;
}

/* The round-robin counter is the setter's, shared by every push of it and
 * guarded by the graph's lock: over all threads, the variables alternate
 * between the two ps tasks, so each gets exactly half. */
static void scenario_shared_replica_setter(void) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_device_setter *setter = vs_replica_device_setter(g, &(vs_replica_setter_opts){.ps_tasks = 2}, st);
  if (!bad(st, "replica_device_setter")) {
    ps_arg a[PS_USERS];
    pthread_t t[PS_USERS];
    for (int i = 0; i < PS_USERS; i++) a[i] = (ps_arg){.g = g, .setter = setter, .id = i};
    start_threads(t, PS_USERS, ps_user_thread, a, sizeof a[0]);
    join_threads(t, PS_USERS);
    int on0 = 0, on1 = 0;
    for (int i = 0; i < PS_USERS; i++) {
      on0 += a[i].on_task[0];
      on1 += a[i].on_task[1];
    }
    if (!atomic_load(&failed) && (on0 != PS_USERS * PS_VARS / 2 || on1 != PS_USERS * PS_VARS / 2))
      fail("%d variables on ps task 0 and %d on task 1, expected %d each", on0, on1, PS_USERS * PS_VARS / 2);
  }
  vs_graph_free(g);
  vs_status_free(st);
}

/* ---- scenario: many live graphs used from several threads ---------------- */

/* More graphs alive at once than a process has pthread keys (1024 in glibc):
 * per-thread scope state must not cost one key per graph. Two threads use
 * every graph, so each graph holds two threads' state. */
enum { LIVE_GRAPHS = 1100 };

typedef struct {
  vs_graph **graphs;
  int id;
} live_arg;

static void *live_graphs_thread(void *p) {
  live_arg *a = p;
  vs_status *st = vs_status_new();
  char name[16];
  snprintf(name, sizeof name, "t%d", a->id);
  for (int i = 0; i < LIVE_GRAPHS && !atomic_load(&failed); i++) {
    vs_output c = vs_constant_float(a->graphs[i], 1.0f, name, st);
    if (bad(st, "constant")) break;
    if (strcmp(vs_op_name(c.op), name) != 0) fail("constant named %s, expected %s", vs_op_name(c.op), name);
  }
  vs_status_free(st);
  return NULL;
}

static void scenario_many_live_graphs(void) {
  vs_graph **graphs = calloc(LIVE_GRAPHS, sizeof *graphs);
  int made = 0;
  for (; graphs && made < LIVE_GRAPHS; made++)
    if (!(graphs[made] = vs_graph_new())) break;
  if (made < LIVE_GRAPHS) {
    fail("vs_graph_new returned NULL after %d live graphs", made);
  } else {
    live_arg a[2] = {{graphs, 0}, {graphs, 1}};
    pthread_t t[2];
    start_threads(t, 2, live_graphs_thread, a, sizeof a[0]);
    join_threads(t, 2);
    for (int i = 0; i < LIVE_GRAPHS && !atomic_load(&failed); i++)
      if (vs_graph_num_operations(graphs[i]) != 2) fail("graph %d has %zu operations", i, vs_graph_num_operations(graphs[i]));
  }
  for (int i = 0; i < made; i++) vs_graph_free(graphs[i]);
  free(graphs);
}

/* ---- scenario: host (inline) runs beside device-path runs ---------------- */

/* Small plans on a CPU device with fine-grained SVM run on the calling
 * thread (engine/exec/inline.c); a Square has no host kernel, so its plans
 * take the device path. Four threads on one graph: a session counting on
 * the host (c += 1, checked each run), a session whose runs use the
 * device's queue (square(w)) and that restores c by vs_session_assign_variable,
 * a thread making and freeing sessions of many small variables (the SVM
 * buffers and their cap's counter, device_memory.c), and a thread building
 * ops (the graph lock rule). */
enum { INLINE_VARS = 300 }; /* past the 256 SVM buffers of the cap */

typedef struct {
  vs_graph *g;
  vs_var *c, *w, **many;
  vs_output count, sq;
  vs_op *init;
  atomic_bool *done;
  atomic_int *device_rounds, *churn_rounds; /* the counter runs until both did some */
} inline_arg;

static void *inline_counter_thread(void *p) {
  inline_arg *a = p;
  vs_status *st = vs_status_new();
  vs_session *s = vs_session_new(a->g, NULL, st);
  double t0 = now_s();
  if (!bad(st, "session_new")) {
    vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &a->init, 1, st);
    for (int i = 1; !bad(st, "counter") && now_s() - t0 < TIME_CAP_S; i++) {
      if (i > 1000 && atomic_load(a->device_rounds) >= 50 && atomic_load(a->churn_rounds) >= 3) break;
      const float want = (float)i;
      if (!run_and_check(s, NULL, a->count, &want, 1, "host counter")) break;
    }
  }
  atomic_store(a->done, true);
  vs_session_free(s);
  vs_status_free(st);
  return NULL;
}

static void *inline_device_thread(void *p) {
  inline_arg *a = p;
  vs_status *st = vs_status_new();
  vs_session *s = vs_session_new(a->g, NULL, st);
  const float want[3] = {1, 4, 9};
  if (!bad(st, "session_new")) {
    vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &a->init, 1, st);
    for (int i = 0; !atomic_load(a->done) && !bad(st, "device runs"); i++) {
      if (!run_and_check(s, NULL, a->sq, want, 3, "device square")) break;
      vs_tensor *t = vs_tensor_new(VS_FLOAT, VS_SCALAR, &(float){(float)i}, st);
      if (!bad(st, "tensor_new")) vs_session_assign_variable(s, a->c, t, st);
      vs_tensor_free(t);
      const float next = (float)i + 1.0f; /* restored, then counted on the host */
      if (bad(st, "assign_variable") || !run_and_check(s, NULL, a->count, &next, 1, "counter after restore")) break;
      atomic_fetch_add(a->device_rounds, 1);
    }
  }
  vs_session_free(s);
  vs_status_free(st);
  return NULL;
}

static void *inline_churn_thread(void *p) {
  inline_arg *a = p;
  vs_status *st = vs_status_new();
  vs_tensor *t = vs_tensor_new(VS_FLOAT, VS_SHAPE(3), (float[]){1, 2, 3}, st);
  while (!atomic_load(a->done) && !bad(st, "churn")) {
    vs_session *s = vs_session_new(a->g, NULL, st);
    for (int k = 0; s && k < INLINE_VARS && !vs_status_code(st); k++) vs_session_assign_variable(s, a->many[k], t, st);
    vs_session_free(s);
    atomic_fetch_add(a->churn_rounds, 1);
  }
  vs_tensor_free(t);
  vs_status_free(st);
  return NULL;
}

static void *inline_grower_thread(void *p) {
  inline_arg *a = p;
  vs_status *st = vs_status_new();
  for (int k = 0; !atomic_load(a->done) && k < 2000; k++) {
    vs_output x = vs_add(a->g, vs_var_value(a->w), vs_constant_float(a->g, (float)k, "k", st), "grown", st);
    if (bad(st, "grower") || !x.op) break;
  }
  vs_status_free(st);
  return NULL;
}

static void scenario_inline_beside_device_path(void) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  const float w0[3] = {1, 2, 3};
  vs_var *c = vs_get_variable(g, "c", &(vs_var_opts){.shape = VS_SCALAR, .initializer = vs_zeros_initializer()}, st);
  vs_var *w = vs_get_variable(
      g, "w",
      &(vs_var_opts){.shape = VS_SHAPE(3),
                     .initializer = vs_constant_initializer_array(w0, VS_FLOAT, 3, VS_UNKNOWN_SHAPE, false)},
      st);
  vs_var *many[INLINE_VARS];
  for (int k = 0; k < INLINE_VARS; k++) {
    char name[24];
    snprintf(name, sizeof name, "m%d", k);
    many[k] = vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(3)}, st);
  }
  vs_output count = vs_assign_add(g, c, vs_constant_float(g, 1.0f, "one", st), NULL, st);
  vs_output sq = vs_square(g, vs_var_value(w), "sq", st);
  vs_var *two[2] = {c, w};
  vs_op *init = vs_variables_initializer(g, two, 2, "init", st);
  if (!bad(st, "build")) {
    atomic_bool done = false;
    atomic_int device_rounds = 0, churn_rounds = 0;
    inline_arg a = {.g = g, .c = c, .w = w, .many = many, .count = count, .sq = sq, .init = init, .done = &done,
                    .device_rounds = &device_rounds, .churn_rounds = &churn_rounds};
    pthread_t t[4];
    start_threads(&t[0], 1, inline_counter_thread, &a, 0);
    start_threads(&t[1], 1, inline_device_thread, &a, 0);
    start_threads(&t[2], 1, inline_churn_thread, &a, 0);
    start_threads(&t[3], 1, inline_grower_thread, &a, 0);
    join_threads(t, 4);
    if (!atomic_load(&failed) && (atomic_load(&device_rounds) < 1 || atomic_load(&churn_rounds) < 1))
      fail("the device thread ran %d rounds, the churn thread %d", atomic_load(&device_rounds),
           atomic_load(&churn_rounds));
  }
  vs_graph_free(g);
  vs_status_free(st);
}

/* ---- driver ---------------------------------------------------------------- */

static const struct {
  const char *name;
  void (*fn)(void);
} scenarios[] = {
    {"parallel_graphs", scenario_parallel_graphs},
    {"one_graph_many_builders", scenario_one_graph_many_builders},
    {"accessors_while_growing", scenario_accessors_while_growing},
    {"op_device_while_running", scenario_op_device_while_running},
    {"thread_exit_vs_graph_free", scenario_thread_exit_vs_graph_free},
    {"sessions_while_building", scenario_sessions_while_building},
    {"scope_setters", scenario_scope_setters},
    {"shared_store", scenario_shared_store},
    {"per_thread_stacks", scenario_per_thread_stacks},
    {"shared_replica_setter", scenario_shared_replica_setter},
    {"many_live_graphs", scenario_many_live_graphs},
    {"inline_beside_device_path", scenario_inline_beside_device_path},
};

static bool selected(const char *name, int argc, char **argv) {
  if (argc < 2) return true;
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], name) == 0) return true;
  return false;
}

int main(int argc, char **argv) {
  int passed = 0, failed_n = 0;
  for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
    if (!selected(scenarios[i].name, argc, argv)) continue;
    atomic_store(&failed, false);
    fail_msg[0] = '\0';
    /* On stderr, for tools/run-tsan.sh to name a scenario TSan halted in. */
    fprintf(stderr, "tsan_stress: running %s\n", scenarios[i].name);
    double t0 = now_s();
    scenarios[i].fn();
    if (atomic_load(&failed)) {
      printf("FAIL tsan %s: %s\n", scenarios[i].name, fail_msg);
      failed_n++;
    } else {
      printf("ok   tsan %s (%.1f s)\n", scenarios[i].name, now_s() - t0);
      passed++;
    }
    fflush(stdout);
  }
  printf("%d passed, %d failed\n", passed, failed_n);
  return failed_n == 0 && passed > 0 ? 0 : 1;
}
