/* test_memory.c - the memory a small variable costs, in the graph and in
 * a session (issue 10: "overhead per small variable <= 4 KB", read as the
 * two together; docs/execution.md).
 *
 * Counts bytes, not time: the heap in use before and after building 2000
 * get_variable variables (glorot_uniform default, 100 per variable scope,
 * as bench/exec_bench builds them), divided by 2000. Under ASan the count is
 * the sanitizer's live user bytes (requested sizes, no chunk headers); in a
 * plain build it is glibc's mallinfo2().uordblks (chunk sizes, headers
 * included), so the two builds state their own bounds. A graph holds no
 * device data, so everything counted is overhead. */
#include <criterion/criterion.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "varscope.h"

#if defined(__SANITIZE_ADDRESS__)
/* From <sanitizer/allocator_interface.h>, which this GCC does not install. */
size_t __sanitizer_get_current_allocated_bytes(void);
#define VS_COUNTER "ASan live bytes"
/* Measured 7.7 KB before the issue-10 work, 5.0 KB after the first pass,
 * 4416 B once ops without attributes stopped carrying the union; 4509 B
 * after main's colocation lists and VariableV2's container attribute;
 * 3324 B after the third pass (docs/execution.md); 3076 B once ops lost
 * their type pointer and carry a payload or variable only where they have
 * one (the fourth pass); 2700 B with the op's shape compact (the fifth). */
#define VS_BOUND_PER_VAR 2752.0 /* 2.69 KB */
static size_t heap_in_use(void) { return __sanitizer_get_current_allocated_bytes(); }
#else
#define VS_COUNTER "mallinfo2 uordblks + hblkhd"
/* Measured 8.6 KB before the issue-10 work, 5.1 KB after the first pass,
 * 4444 B once ops without attributes stopped carrying the union; 4500 B
 * after main's colocation lists and VariableV2's container attribute;
 * counted with mmapped chunks too (the big tables), 5185 B before the
 * third pass and 3516 B after it, 3276 B after the fourth, 2876 B after
 * the fifth (docs/execution.md): glibc's chunk headers and rounding add
 * ~16 B to each of a variable's ~13 blocks, so this bound is 192 B above
 * the ASan one. */
#define VS_BOUND_PER_VAR 2944.0 /* 2.875 KB */
/* Chunks in use plus mmapped ones: the graph's big tables (op index,
 * reserved names) pass glibc's mmap threshold and would not be counted by
 * uordblks alone. */
static size_t heap_in_use(void) {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}
#endif

#define N_VARS 2000
#define PER_SCOPE 100

Test(memory, graph_overhead_per_small_variable) {
  vs_status *st = vs_status_new();
  cr_assert_not_null(st);
  size_t before = heap_in_use();
  vs_graph *g = vs_graph_new();
  cr_assert_not_null(g);
  char name[32];
  vs_var *last = NULL;
  for (int s = 0; s < N_VARS / PER_SCOPE; s++) {
    snprintf(name, sizeof name, "s%d", s);
    vs_scope *sc = vs_variable_scope_push(g, name, NULL, st);
    cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
    for (int i = 0; i < PER_SCOPE; i++) {
      snprintf(name, sizeof name, "v%d", i);
      last = vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(256)}, st);
      cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
    }
    vs_variable_scope_pop(g, sc, st);
    cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  }
  size_t after = heap_in_use();
  cr_assert_str_eq(vs_var_name(last), "s19/v99:0");
  cr_assert_str_eq(vs_op_name(vs_var_op(last)), "s19/v99");
  cr_assert_str_eq(vs_output_name(vs_op_output(vs_var_op(last))), "s19/v99:0");
  cr_assert_str_eq(vs_op_device(vs_var_op(last)), "");
  double per_var = (double)(after - before) / N_VARS;
  cr_log_info("graph side: %.0f bytes per variable (%s)", per_var, VS_COUNTER);
  fprintf(stderr, "memory: graph side %.0f bytes per variable (%s)\n", per_var, VS_COUNTER);
  cr_assert_gt(after, before, "the counter saw no allocation (%s)", VS_COUNTER);
  cr_assert_leq(per_var, VS_BOUND_PER_VAR, "graph side %.0f bytes per variable > bound %.0f (%s)",
                per_var, VS_BOUND_PER_VAR, VS_COUNTER);
  vs_graph_free(g);
  vs_status_free(st);
}

/* The session side: what a session holding the same variables adds,
 * counted around session creation, the run of the global initializer and
 * one fetch, less each variable's 1 KiB of data (its share of the batch's
 * device allocation, which PoCL takes from the host heap). Everything else
 * is overhead: ours (batch entries, variable states, Philox offsets,
 * placement) and PoCL's own record for each variable's sub-buffer (416 B
 * measured in PoCL 3.1: each variable stays one OpenCL buffer by design).
 * A warm-up session on another graph of the same size first runs the same kernels, so the
 * one-time costs (programs, kernel objects, PoCL's worker threads) are not
 * counted. */
/* Measured 1861 B (glibc chunks) before the fifth pass (docs/execution.md)
 * and after it 730 B (glibc) and 708 B (ASan), of which 416 B are PoCL's
 * sub-buffer records: one bound for both counters. */
#define VS_SESSION_BOUND_PER_VAR 768.0

static vs_graph *small_variables(int n, vs_var **mid, vs_status *st) {
  vs_graph *g = vs_graph_new();
  char name[32];
  for (int s = 0; s * PER_SCOPE < n; s++) {
    snprintf(name, sizeof name, "s%d", s);
    vs_scope *sc = vs_variable_scope_push(g, name, NULL, st);
    for (int i = 0; i < PER_SCOPE && s * PER_SCOPE + i < n; i++) {
      snprintf(name, sizeof name, "v%d", i);
      vs_var *v = vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(256)}, st);
      if (mid && s * PER_SCOPE + i == n / 2) *mid = v;
    }
    vs_variable_scope_pop(g, sc, st);
  }
  return g;
}

/* The same with its global initializer in *init. */
static vs_graph *small_variables_init(int n, vs_var **mid, vs_op **init, vs_status *st) {
  vs_graph *g = small_variables(n, mid, st);
  *init = vs_global_variables_initializer(g, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  return g;
}

/* Runs g's global initializer in a new session and fetches v once. */
static vs_session *initialised_session(vs_graph *g, vs_op *init, vs_var *v, vs_status *st) {
  vs_session *s = vs_session_new(g, NULL, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_output f = vs_var_value(v);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &f, &t, 1, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(vs_tensor_num_elements(t), 256);
  const float *x = vs_tensor_data(t);
  float limit = sqrtf(6.0f / 512.0f); /* glorot_uniform of [256]: fans 256 and 256 */
  for (int i = 0; i < 256; i++) cr_assert(x[i] >= -limit && x[i] < limit, "x[%d] = %g", i, x[i]);
  vs_tensor_free(t);
  return s;
}

Test(memory, session_overhead_per_small_variable) {
  vs_status *st = vs_status_new();
  vs_var *mid = NULL;
  vs_op *init = NULL;
  /* As large as the counted graph: its launches take the same global and
   * local sizes, so PoCL generates every work-group function they need
   * here. A smaller warm-up left the counted run to generate one (LLVM's
   * lasting allocations, 1.2 KB a variable, counted as the session's)
   * whenever PoCL's cache lacked it: the first run on a new machine. */
  vs_graph *warm = small_variables_init(N_VARS, &mid, &init, st);
  vs_session *ws = initialised_session(warm, init, mid, st);
  /* Counted where PoCL's CPU devices keep the variables' data in the
   * host heap, as here; another driver's device memory is not in it. */
  vs_device_info info;
  vs_device_get_info(vs_session_op_device(ws, vs_var_op(mid)), &info, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  if (strcmp(info.type, "CPU") != 0 || strcmp(info.platform_name, "Portable Computing Language") != 0) {
    vs_session_free(ws);
    vs_graph_free(warm);
    vs_status_free(st);
    cr_skip_test("the session side is counted on PoCL's CPU devices only (this one: %s, %s)", info.type,
                 info.platform_name);
  }
  vs_graph *g = small_variables_init(N_VARS, &mid, &init, st);
  size_t before = heap_in_use();
  vs_session *s = initialised_session(g, init, mid, st);
  size_t after = heap_in_use();
  double per_var = (double)(after - before) / N_VARS - 256 * sizeof(float);
  cr_log_info("session side: %.0f bytes per variable beyond its data (%s)", per_var, VS_COUNTER);
  fprintf(stderr, "memory: session side %.0f bytes per variable beyond its data (%s)\n", per_var, VS_COUNTER);
  cr_assert_gt(per_var, 0, "the counter missed the session's allocations (%s)", VS_COUNTER);
  cr_assert_leq(per_var, VS_SESSION_BOUND_PER_VAR, "session side %.0f bytes per variable > bound %.0f (%s)", per_var,
                VS_SESSION_BOUND_PER_VAR, VS_COUNTER);
  vs_session_free(s);
  vs_session_free(ws);
  vs_graph_free(g);
  vs_graph_free(warm);
  vs_status_free(st);
}

/* ---- the behaviours the cuts above rely on (docs/execution.md, "Third
 * pass" and "Fifth pass"): each cut shares or defers something, and must
 * not change what the API returns. ---- */

#include <pthread.h>

typedef struct name_race {
  vs_output out;
  const char *got;
} name_race;

static void *ask_name(void *p) {
  name_race *r = p;
  r->got = vs_output_name(r->out);
  return NULL;
}

/* An op's tensor name is made on first use (most are never asked for):
 * threads asking at once get one string, kept for the graph's life. */
Test(memory, tensor_names_are_made_once_on_first_use_and_agree_across_threads) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  float one = 1.0f;
  vs_output c = vs_constant(g, &one, VS_FLOAT, VS_SCALAR, "Scale/One", st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  enum { N = 8 };
  pthread_t th[N];
  name_race r[N];
  for (int i = 0; i < N; i++) {
    r[i] = (name_race){.out = c};
    cr_assert_eq(pthread_create(&th[i], NULL, ask_name, &r[i]), 0);
  }
  for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < N; i++) {
    cr_assert_str_eq(r[i].got, "Scale/One:0");
    cr_assert_eq(r[i].got, r[0].got, "thread %d got another copy of the name", i);
  }
  cr_assert_eq(vs_output_name(c), r[0].got);
  cr_assert_null(vs_output_name((vs_output){c.op, 1}));
  vs_var *v = vs_get_variable(g, "W", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_str_eq(vs_var_name(v), "W:0");
  cr_assert_eq(vs_var_name(v), vs_output_name(vs_op_output(vs_var_op(v))));
  vs_graph_free(g);
  vs_status_free(st);
}

/* The reserved names compare case-insensitively (TF's lower-cased
 * names_in_use) while ops keep the case they were given. */
Test(memory, reserved_names_ignore_case_and_ops_keep_theirs) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  float one = 1.0f;
  vs_output a = vs_constant(g, &one, VS_FLOAT, VS_SCALAR, "Foo", st);
  vs_output b = vs_constant(g, &one, VS_FLOAT, VS_SCALAR, "foo", st);
  vs_output c = vs_constant(g, &one, VS_FLOAT, VS_SCALAR, "FOO_1", st);
  vs_output d = vs_constant(g, &one, VS_FLOAT, VS_SCALAR, "fOo", st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_str_eq(vs_op_name(a.op), "Foo");
  cr_assert_str_eq(vs_op_name(b.op), "foo_1");
  cr_assert_str_eq(vs_op_name(c.op), "FOO_1_1");
  cr_assert_str_eq(vs_op_name(d.op), "fOo_2");
  cr_assert_eq(vs_graph_operation_by_name(g, "Foo"), a.op);
  cr_assert_eq(vs_graph_operation_by_name(g, "foo_1"), b.op);
  cr_assert_null(vs_graph_operation_by_name(g, "foo"));
  cr_assert_null(vs_graph_operation_by_name(g, "FOO"));
  vs_graph_free(g);
  vs_status_free(st);
}

/* A variable's ops carry one shared "loc:@<v>" list, and variables with
 * an equal initializer share one copy of it; what the API reports is
 * unchanged. */
Test(memory, a_variables_ops_share_one_colocation_list_and_equal_initializers_one_copy) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(3)}, st);
  vs_var *w = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(3)}, st);
  vs_var *z = vs_get_variable(g, "z", &(vs_var_opts){.shape = VS_SHAPE(3), .initializer = vs_zeros_initializer()}, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  const char *assign[2], *read[2];
  cr_assert_eq(vs_op_colocation_groups(vs_var_initializer_op(v), assign, 2), 1);
  cr_assert_eq(vs_op_colocation_groups(vs_var_value(v).op, read, 2), 1);
  cr_assert_str_eq(assign[0], "loc:@v");
  cr_assert_eq(read[0], assign[0], "the read op has its own copy of the list");
  cr_assert_eq(vs_op_colocation_groups(vs_var_initializer_op(w), assign, 2), 1);
  cr_assert_str_eq(assign[0], "loc:@w");
  vs_initializer iv = vs_var_initializer(v), iw = vs_var_initializer(w), iz = vs_var_initializer(z);
  cr_assert_eq(iv.kind, VS_INIT_VARIANCE_SCALING);
  cr_assert_eq(iw.kind, iv.kind);
  cr_assert_float_eq(iw.scale, 1.0, 1e-12);
  cr_assert_eq(iw.mode, VS_FAN_AVG);
  cr_assert_eq(iw.distribution, VS_DIST_UNIFORM);
  cr_assert_eq(iz.kind, VS_INIT_ZEROS);
  vs_graph_free(g);
  vs_status_free(st);
}

/* Const payloads live inside their op: values of every width survive, and
 * a zero-element constant still has a payload pointer (batch and export
 * read it). */
Test(memory, constants_keep_their_values_inside_the_op) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  int64_t big[3] = {INT64_MIN, -1, INT64_MAX};
  double d[2] = {0.1, -2.5e300};
  vs_output a = vs_constant(g, big, VS_INT64, VS_SHAPE(3), "big", st);
  vs_output b = vs_constant(g, d, VS_DOUBLE, VS_SHAPE(2), "d", st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_session *s = vs_session_new(g, NULL, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_output fetch[2] = {a, b};
  vs_tensor *out[2] = {NULL, NULL};
  vs_session_run(s, NULL, NULL, 0, fetch, out, 2, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  const int64_t *x = vs_tensor_data(out[0]);
  const double *y = vs_tensor_data(out[1]);
  cr_assert(x[0] == INT64_MIN && x[1] == -1 && x[2] == INT64_MAX);
  cr_assert(y[0] == 0.1 && y[1] == -2.5e300);
  vs_tensor_free(out[0]);
  vs_tensor_free(out[1]);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* Fifth pass: a batched Assign keeps a value only when its plan reads it.
 * Fetching one Assign beside the initializer (one plan: the batch and the
 * fetch) gives the variable's new value, the one a later read sees. */
Test(memory, a_batched_assign_that_is_fetched_gives_the_variables_new_value) {
  vs_status *st = vs_status_new();
  vs_var *mid = NULL;
  vs_op *init = NULL;
  vs_graph *g = small_variables_init(6, &mid, &init, st);
  vs_session *s = vs_session_new(g, NULL, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_output assign = vs_op_output(vs_var_initializer_op(mid));
  vs_output read = vs_var_value(mid);
  for (int round = 0; round < 2; round++) { /* the plan built, then reused */
    vs_tensor *got = NULL, *now = NULL;
    vs_session_run(s, NULL, NULL, 0, &assign, &got, 1, &init, 1, st);
    cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
    vs_session_run(s, NULL, NULL, 0, &read, &now, 1, NULL, 0, st);
    cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
    cr_assert_eq(vs_tensor_num_elements(got), 256);
    cr_assert(memcmp(vs_tensor_data(got), vs_tensor_data(now), 256 * sizeof(float)) == 0,
              "round %d: the fetched Assign differs from the variable's value", round);
    vs_tensor_free(got);
    vs_tensor_free(now);
  }
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

static vs_tensor *value_after(vs_session *s, vs_op *const *targets, int n, vs_var *v, vs_status *st) {
  for (int i = 0; i < n; i++) {
    vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &targets[i], 1, st);
    cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  }
  vs_tensor *t = vs_session_variable_value(s, v, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  return t;
}

/* Fifth pass: Philox offsets live in a sparse map of the session's random
 * ops. A random op's stream continues across plans, batched or not, as
 * TF's kernel (one per op and session) continues it: initialising v in the
 * batched global initializer and then through its own Assign gives what two
 * runs of its own Assign give in another session, and not the first draw. */
Test(memory, philox_offsets_continue_across_plans_batched_or_not) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_graph_set_random_seed(g, 7);
  vs_var *v = NULL;
  for (int i = 0; i < 4; i++) {
    char name[8];
    snprintf(name, sizeof name, "w%d", i);
    vs_var *w = vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(64)}, st);
    if (i == 1) v = w;
  }
  vs_op *init = vs_global_variables_initializer(g, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_op *own = vs_var_initializer_op(v);
  vs_session *a = vs_session_new(g, NULL, st), *b = vs_session_new(g, NULL, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_tensor *first = value_after(b, &own, 1, v, st);
  vs_tensor *second_b = value_after(b, &own, 1, v, st);
  vs_tensor *second_a = value_after(a, (vs_op *const[]){init, own}, 2, v, st);
  cr_assert(memcmp(vs_tensor_data(second_a), vs_tensor_data(second_b), 64 * sizeof(float)) == 0,
            "the second draw differs between the batched and the unbatched first run");
  cr_assert(memcmp(vs_tensor_data(first), vs_tensor_data(second_b), 64 * sizeof(float)) != 0,
            "a second run drew the first run's values again");
  vs_tensor_free(first);
  vs_tensor_free(second_a);
  vs_tensor_free(second_b);
  vs_session_free(a);
  vs_session_free(b);
  vs_graph_free(g);
  vs_status_free(st);
}

/* Fifth pass: an op keeps up to 4 dimensions inline and more in a block of
 * its own; every rank reads back as it was given, partly known dimensions
 * and the unknown shape included, and a session computes with them. */
Test(memory, op_shapes_of_every_rank_read_back_as_given) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  const vs_shape shapes[] = {VS_UNKNOWN_SHAPE,
                             VS_SCALAR,
                             VS_SHAPE(7),
                             VS_SHAPE(-1, 3),
                             VS_SHAPE(2, 3, 4, 5),
                             VS_SHAPE(2, -1, 1, 1, 3),
                             VS_SHAPE(1, 2, 1, 2, 1, 2, 1, 2)};
  enum { N = sizeof shapes / sizeof shapes[0] };
  vs_output ph[N];
  for (int i = 0; i < N; i++) {
    char name[8];
    snprintf(name, sizeof name, "p%d", i);
    ph[i] = vs_placeholder(g, VS_FLOAT, shapes[i], name, st);
    cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  }
  for (int i = 0; i < N; i++) {
    vs_shape got = vs_op_output_shape(ph[i].op);
    cr_assert_eq(got.known, shapes[i].known, "p%d", i);
    cr_assert_eq(got.rank, shapes[i].rank, "p%d", i);
    for (int d = 0; d < got.rank; d++) cr_assert_eq(got.dims[d], shapes[i].dims[d], "p%d dim %d", i, d);
  }
  /* Rank 8 through a kernel: the fed values come back through Identity,
   * whose static shape is its input's (read from the out-of-line dims). */
  vs_output id = vs_identity(g, ph[N - 1], "id", st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_shape got = vs_op_output_shape(id.op);
  cr_assert_eq(got.rank, 8);
  cr_assert_eq(got.dims[7], 2);
  float x[16];
  for (int i = 0; i < 16; i++) x[i] = (float)i - 3.5f;
  vs_tensor *feed = vs_tensor_new(VS_FLOAT, shapes[N - 1], x, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_session *s = vs_session_new(g, NULL, st);
  vs_tensor *out = NULL;
  vs_session_run(s, &ph[N - 1], &feed, 1, &id, &out, 1, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert(memcmp(vs_tensor_data(out), x, sizeof x) == 0);
  vs_tensor_free(out);
  vs_tensor_free(feed);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}
