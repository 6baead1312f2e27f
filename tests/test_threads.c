/* test_threads.c - per-thread scope state and its lifetime (graph.c).
 *
 * The races themselves are found by the ThreadSanitizer stress program
 * (tests/stress/tsan_stress.c, tools/run-tsan.sh), which Criterion's forked
 * workers cannot host. What is deterministic is checked here, under the
 * AddressSanitizer build: which scope state a thread sees, and that a
 * thread's state outlives or predeceases its graph in either order without
 * a leak, a double free or a use after free. */
#include <pthread.h>

#include "support.h"

/* Runs fn(arg) on a new thread and waits for it to exit. */
static void on_thread(void *(*fn)(void *), void *arg) {
  pthread_t t;
  cr_assert_eq(pthread_create(&t, NULL, fn, arg), 0);
  cr_assert_eq(pthread_join(t, NULL), 0);
}

typedef struct {
  vs_graph *g;
  char name_scope[64];
  char var_scope[64];
  char op[64];
  vs_code code;
} seen;

/* What a fresh thread sees in g, and the name a constant "c" gets there. */
static void *look(void *p) {
  seen *s = p;
  vs_status *st = vs_status_new();
  snprintf(s->name_scope, sizeof s->name_scope, "%s", nn(vs_get_name_scope(s->g)));
  snprintf(s->var_scope, sizeof s->var_scope, "%s", nn(vs_scope_name(vs_get_variable_scope(s->g))));
  vs_output c = vs_constant_float(s->g, 1.0f, "c", st);
  s->code = vs_status_code(st);
  snprintf(s->op, sizeof s->op, "%s", nn(vs_op_name(c.op)));
  vs_status_free(st);
  return NULL;
}

/* TF 1.15: "each thread starts with an empty variable scope"; the name
 * table is the graph's, so names stay unique across threads. */
Test(threads, new_thread_starts_at_root_scope) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_scope *vs = vs_variable_scope_push(g, "outer", NULL, st);
  vs_name_scope_push(g, "inner", st);
  vs_constant_float(g, 1.0f, "c", st);
  expect_ok(st);
  seen s = {.g = g};
  on_thread(look, &s);
  cr_assert_eq(s.code, VS_OK);
  cr_assert_str_eq(s.name_scope, "");
  cr_assert_str_eq(s.var_scope, "");
  cr_assert_str_eq(s.op, "c");
  /* This thread's scopes are untouched by the other thread's work. */
  cr_assert_str_eq(vs_get_name_scope(g), "outer/inner");
  cr_assert_str_eq(vs_scope_name(vs_get_variable_scope(g)), "outer");
  vs_output c2 = vs_constant_float(g, 2.0f, "c", st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_name(c2.op), "outer/inner/c_1");
  vs_name_scope_pop(g, st);
  vs_variable_scope_pop(g, vs, st);
  expect_ok(st);
  vs_output c3 = vs_constant_float(g, 3.0f, "c", st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_name(c3.op), "c_1");
  vs_graph_free(g);
  vs_status_free(st);
}

/* A thread exits with scopes still open, then the graph is used and freed:
 * the graph's names stay taken, the thread's state is gone with it. */
Test(threads, thread_exits_before_graph_is_freed) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  seen s = {.g = g};
  on_thread(look, &s);
  cr_assert_str_eq(s.op, "c");
  on_thread(look, &s); /* a second thread, perhaps with the same pthread_t */
  cr_assert_str_eq(s.name_scope, "");
  cr_assert_str_eq(s.op, "c_1");
  vs_output c = vs_constant_float(g, 1.0f, "c", st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_name(c.op), "c_2");
  cr_assert_eq(vs_graph_num_operations(g), 3);
  vs_graph_free(g);
  vs_status_free(st);
}

typedef struct {
  vs_graph *g;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int step; /* 1: the thread used g; 2: g was freed */
  char after[64];
  char after_scope[64];
} handoff;

/* Uses g with scopes left open, waits until g is freed, then uses a new
 * graph (whose first use frees the state of the dead one) and exits. */
static void *outlive(void *p) {
  handoff *h = p;
  vs_status *st = vs_status_new();
  vs_name_scope_push(h->g, "left_open", st);
  vs_variable_scope_push(h->g, "also_open", NULL, st);
  vs_constant_float(h->g, 1.0f, "c", st);
  pthread_mutex_lock(&h->mu);
  h->step = 1;
  pthread_cond_broadcast(&h->cv);
  while (h->step != 2) pthread_cond_wait(&h->cv, &h->mu);
  pthread_mutex_unlock(&h->mu);
  vs_graph *g2 = vs_graph_new();
  vs_output c = vs_constant_float(g2, 1.0f, "c", st);
  snprintf(h->after, sizeof h->after, "%s", nn(vs_op_name(c.op)));
  snprintf(h->after_scope, sizeof h->after_scope, "%s", nn(vs_get_name_scope(g2)));
  vs_graph_free(g2);
  vs_status_free(st);
  return NULL;
}

/* The graph is freed while a thread that used it is alive; the thread goes
 * on with other graphs, then exits. ASan/LSan check that the dead graph's
 * state is freed exactly once and never touches the freed graph. */
Test(threads, graph_freed_while_its_thread_lives) {
  handoff h = {.g = vs_graph_new()};
  pthread_mutex_init(&h.mu, NULL);
  pthread_cond_init(&h.cv, NULL);
  pthread_t t;
  cr_assert_eq(pthread_create(&t, NULL, outlive, &h), 0);
  pthread_mutex_lock(&h.mu);
  while (h.step != 1) pthread_cond_wait(&h.cv, &h.mu);
  cr_assert_eq(vs_graph_num_operations(h.g), 1);
  cr_assert_str_eq(vs_op_name(vs_graph_operation(h.g, 0)), "left_open/also_open/c");
  vs_graph_free(h.g);
  h.step = 2;
  pthread_cond_broadcast(&h.cv);
  pthread_mutex_unlock(&h.mu);
  cr_assert_eq(pthread_join(t, NULL), 0);
  cr_assert_str_eq(h.after, "c");
  cr_assert_str_eq(h.after_scope, "");
  pthread_cond_destroy(&h.cv);
  pthread_mutex_destroy(&h.mu);
}

/* A graph freed with scopes open on this thread, and a new one (often at
 * the same address): the new graph starts at the root scope. */
Test(threads, new_graph_does_not_inherit_a_freed_graphs_scopes) {
  vs_status *st = vs_status_new();
  for (int i = 0; i < 20; i++) {
    vs_graph *g = vs_graph_new();
    cr_assert_str_eq(vs_get_name_scope(g), "");
    cr_assert_str_eq(vs_scope_name(vs_get_variable_scope(g)), "");
    vs_name_scope_push(g, "a", st);
    vs_variable_scope_push(g, "b", NULL, st);
    expect_ok(st);
    cr_assert_str_eq(vs_get_name_scope(g), "a/b");
    vs_graph_free(g); /* scopes left open on purpose */
  }
  vs_status_free(st);
}

/* More graphs alive at once than glibc has pthread keys (1024): scope state
 * must not cost a key per graph (vs_graph_new used to fail at the 1024th). */
Test(threads, more_live_graphs_than_pthread_keys) {
  enum { N = 1100 };
  vs_status *st = vs_status_new();
  vs_graph **gs = calloc(N, sizeof *gs);
  cr_assert_not_null(gs);
  for (int i = 0; i < N; i++) {
    gs[i] = vs_graph_new();
    cr_assert_not_null(gs[i], "vs_graph_new failed with %d graphs alive", i);
    vs_output c = vs_constant_float(gs[i], 1.0f, "c", st);
    expect_ok(st);
    cr_assert_str_eq(vs_op_name(c.op), "c");
  }
  seen s = {.g = gs[N - 1]};
  on_thread(look, &s);
  cr_assert_str_eq(s.op, "c_1");
  for (int i = 0; i < N; i++) vs_graph_free(gs[i]);
  free(gs);
  vs_status_free(st);
}

/* vs_graph_operation is a snapshot read: out of range gives NULL. */
Test(threads, operation_index_out_of_range_is_null) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  cr_assert_eq(vs_graph_num_operations(g), 0);
  cr_assert_null(vs_graph_operation(g, 0));
  vs_output c = vs_constant_float(g, 1.0f, "c", st);
  expect_ok(st);
  cr_assert_eq(vs_graph_operation(g, 0), c.op);
  cr_assert_null(vs_graph_operation(g, 1));
  cr_assert_eq(vs_graph_num_operations(NULL), 0);
  cr_assert_null(vs_graph_operation(NULL, 0));
  vs_graph_free(g);
  vs_status_free(st);
}
