/* test_variable_api.c - the engine side of issue 12's items 4-8: the
 * C-only rules around constraints, creators, tensor getters, device-scope
 * handles, add_to_collections and strip/prepend_name_scope (NULL and
 * foreign arguments, buffers, threads). TF's own behaviour is in the
 * conformance suite variable_api. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "varscope.h"

#include "support.h"

static vs_graph *g;
static vs_status *st;

static void setup(void) {
  g = vs_graph_new();
  st = vs_status_new();
  cr_assert(g && st);
}

static void teardown(void) {
  vs_graph_free(g);
  vs_status_free(st);
}

TestSuite(variable_api, .init = setup, .fini = teardown);

/* ---- strip / prepend ---- */

Test(variable_api, strip_and_prepend_truncate_as_snprintf) {
  char buf[4];
  cr_assert_eq(vs_strip_name_scope("foo/barbaz", "foo", buf, sizeof buf), 6);
  cr_assert_str_eq(buf, "bar");
  cr_assert_eq(vs_prepend_name_scope("bar", "foo", NULL, 0), 7);
  cr_assert_eq(vs_prepend_name_scope("bar", "foo", buf, 1), 7);
  cr_assert_str_eq(buf, "");
  cr_assert_eq(vs_strip_name_scope(NULL, "foo", buf, sizeof buf), 0);
  cr_assert_str_eq(buf, "");
  cr_assert_eq(vs_prepend_name_scope("x", NULL, buf, sizeof buf), 1);
  cr_assert_str_eq(buf, "x");
}

Test(variable_api, strip_reads_backslash_as_an_escape) {
  char buf[32];
  /* r"a\.b" matches only a literal '.', r"a.b" any character. */
  vs_strip_name_scope("axb/c", "a\\.b", buf, sizeof buf);
  cr_assert_str_eq(buf, "axb/c");
  vs_strip_name_scope("a.b/c", "a\\.b", buf, sizeof buf);
  cr_assert_str_eq(buf, "c");
  /* Only the first occurrence goes (count=1): "^" forms later in the name stay. */
  vs_strip_name_scope("foo/x^foo/y", "foo", buf, sizeof buf);
  cr_assert_str_eq(buf, "x^foo/y");
}

/* ---- constraints ---- */

static vs_output no_tensor(vs_graph *gr, vs_output x, void *data, vs_status *s) {
  (void)gr, (void)x, (void)data, (void)s;
  return (vs_output){0};
}

static vs_output failing(vs_graph *gr, vs_output x, void *data, vs_status *s) {
  (void)gr, (void)x, (void)data;
  vs_status_set(s, VS_UNIMPLEMENTED, "projection refused");
  return (vs_output){0};
}

Test(variable_api, constraint_that_returns_nothing_is_an_error) {
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1), .constraint = no_tensor}, st);
  expect_ok(st);
  vs_output p = vs_var_apply_constraint(v, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "the constraint of v returned no tensor of its graph");
  cr_assert_null(p.op);
  vs_var *w = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(1), .constraint = failing}, st);
  expect_ok(st);
  p = vs_var_apply_constraint(w, st);
  expect_code(st, VS_UNIMPLEMENTED);
  cr_assert_str_eq(vs_status_message(st), "projection refused");
  cr_assert_null(p.op);
  p = vs_var_apply_constraint(NULL, st);
  expect_code(st, VS_INVALID_ARGUMENT);
  cr_assert_null(vs_var_constraint(NULL, NULL));
}

/* ---- creators ---- */

static vs_var *null_creator(const vs_creator *next, const vs_creator_args *a, void *data, vs_status *s) {
  (void)next, (void)a, (void)data, (void)s;
  return NULL;
}

Test(variable_api, creator_returning_nothing_is_an_error_and_store_stays_clean) {
  vs_creator_scope *cs = vs_variable_creator_scope_push(g, null_creator, NULL, st);
  expect_ok(st);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "variable creator for v returned no variable");
  cr_assert_null(v);
  vs_variable_creator_scope_pop(g, cs, st);
  expect_ok(st);
  /* Not stored: the name can be created once the creator is gone. */
  v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  cr_assert_str_eq(vs_var_name(v), "v:0");
}

static void *push_creator(void *arg) {
  vs_status *s = vs_status_new();
  vs_creator_scope **out = arg;
  *out = vs_variable_creator_scope_push(g, null_creator, NULL, s);
  vs_status_free(s);
  return NULL;
}

Test(variable_api, creator_stack_is_per_thread) {
  vs_creator_scope *other = NULL;
  pthread_t th;
  cr_assert_eq(pthread_create(&th, NULL, push_creator, &other), 0);
  pthread_join(th, NULL);
  cr_assert_not_null(other);
  /* This thread has no creator: variables are made normally... */
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  cr_assert_not_null(v);
  /* ...and another thread's scope is not this thread's innermost. */
  vs_variable_creator_scope_pop(g, other, st);
  expect_error(st, VS_FAILED_PRECONDITION, "RuntimeError",
               "Exiting variable_creator_scope without proper nesting.");
  vs_variable_creator_scope_pop(g, NULL, st);
  expect_code(st, VS_INVALID_ARGUMENT);
  cr_assert_null(vs_variable_creator_scope_push(g, NULL, NULL, st));
  expect_code(st, VS_INVALID_ARGUMENT);
}

/* ---- tensor getters ---- */

static vs_graph *foreign;

static vs_getter_result foreign_getter(const vs_getter *next, const vs_getter_args *a, void *data,
                                       vs_status *s) {
  (void)next, (void)a, (void)data;
  return (vs_getter_result){.value = vs_constant_float(foreign, 1.0f, "c", s)};
}

static vs_var *plain_getter(const vs_getter *next, const vs_getter_args *a, void *data, vs_status *s) {
  (void)data;
  return vs_getter_call(next, a, s);
}

Test(variable_api, tensor_getter_results_are_checked) {
  foreign = vs_graph_new();
  vs_getter_result r = vs_get_variable_any(
      g, "v", &(vs_var_opts){.shape = VS_SHAPE(1), .tensor_getter = foreign_getter}, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "custom getter for v returned a tensor that is not an element of this graph");
  cr_assert_null(r.value.op);
  vs_graph_free(foreign);
  r = vs_get_variable_any(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1), .tensor_getter = foreign_getter,
                                                 .custom_getter = plain_getter}, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "custom_getter and tensor_getter cannot both be set");
  cr_assert_null(vs_variable_scope_push(g, "s", &(vs_varscope_opts){.tensor_getter = foreign_getter,
                                                                    .custom_getter = plain_getter}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "custom_getter and tensor_getter cannot both be set");
  cr_assert_str_eq(vs_get_name_scope(g), "");
  r = vs_get_variable_any(NULL, "v", NULL, st);
  expect_code(st, VS_INVALID_ARGUMENT);
  /* A classic getter through the _any call: the variable and its read value. */
  r = vs_get_variable_any(g, "p", &(vs_var_opts){.shape = VS_SHAPE(1), .custom_getter = plain_getter}, st);
  expect_ok(st);
  cr_assert_str_eq(vs_var_name(r.var), "p:0");
  cr_assert_str_eq(vs_output_name(r.value), "p/read:0");
}

/* ---- scope setters ---- */

Test(variable_api, replaced_caching_device_string_stays_readable) {
  vs_scope *s = vs_get_variable_scope(g);
  vs_scope_set_caching_device(s, "/cpu:0", st);
  expect_ok(st);
  const char *old = vs_scope_caching_device(s);
  vs_scope_set_caching_device(s, "/cpu:1", st);
  expect_ok(st);
  cr_assert_str_eq(old, "/cpu:0"); /* kept by the graph, not freed */
  cr_assert_str_eq(vs_scope_caching_device(s), "/cpu:1");
  vs_scope_set_caching_device(NULL, "/cpu:0", st);
  expect_code(st, VS_INVALID_ARGUMENT);
  vs_scope_set_regularizer(NULL, NULL, NULL, st);
  expect_code(st, VS_INVALID_ARGUMENT);
  vs_scope_set_custom_getter(NULL, NULL, NULL, st);
  expect_code(st, VS_INVALID_ARGUMENT);
}

/* ---- device scopes with handles ---- */

Test(variable_api, device_scope_handle_errors) {
  vs_device_scope *d = vs_device_scope_push(g, "/job:ps/task:x", st);
  cr_assert_null(d);
  cr_assert_neq(vs_status_code(st), VS_OK);
  d = vs_device_scope_push(g, "/cpu:0", st);
  expect_ok(st);
  /* A plain push on top: the handle is no longer the innermost. */
  cr_assert(vs_device_push(g, "/gpu:0", st));
  vs_device_scope_pop(g, d, st);
  expect_error(st, VS_FAILED_PRECONDITION, "RuntimeError",
               "Exiting device scope without proper scope nesting.");
  vs_device_pop(g, st);
  expect_ok(st);
  vs_device_scope_pop(g, d, st);
  expect_ok(st);
  vs_device_scope_pop(g, d, st); /* already left */
  expect_error(st, VS_FAILED_PRECONDITION, "RuntimeError",
               "Exiting device scope without proper scope nesting.");
  vs_device_scope_pop(g, NULL, st);
  expect_code(st, VS_INVALID_ARGUMENT);
}

/* ---- add_to_collections ---- */

Test(variable_api, add_to_collections_refuses_foreign_items_whole) {
  vs_graph *h = vs_graph_new();
  vs_var *v = vs_get_variable(h, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  vs_add_to_collections(g, VS_COLLECTIONS("a", "b"), v, st);
  expect_code(st, VS_INVALID_ARGUMENT);
  vs_add_op_to_collections(g, VS_COLLECTIONS("a"), vs_var_op(v), st);
  expect_code(st, VS_INVALID_ARGUMENT);
  vs_add_to_collections(g, NULL, v, st);
  expect_code(st, VS_INVALID_ARGUMENT);
  cr_assert_eq(vs_get_all_collection_keys(g, NULL, 0), 0);
  vs_add_to_collections(h, VS_NO_COLLECTIONS, v, st); /* no keys: nothing to do */
  expect_ok(st);
  vs_graph_free(h);
}

/* ---- sync / aggregation names ---- */

Test(variable_api, enum_names) {
  cr_assert_str_eq(vs_synchronization_name(VS_SYNC_ON_READ), "ON_READ");
  cr_assert_str_eq(vs_synchronization_name((vs_synchronization)9), "");
  cr_assert_str_eq(vs_aggregation_name(VS_AGG_ONLY_FIRST_REPLICA), "ONLY_FIRST_REPLICA");
  cr_assert_str_eq(vs_aggregation_name((vs_aggregation)-1), "");
}

/* ---- issue 12 item 8: containers and assert_variables_initialized ---- */

Test(variable_api, container_pop_without_push_and_per_thread) {
  vs_container_pop(g, st);
  cr_assert_eq(vs_status_code(st), VS_FAILED_PRECONDITION);
  cr_assert_str_eq(vs_status_message(st), "vs_container_pop: no container scope is open on this graph");
  cr_assert_not(vs_container_push(NULL, "x", st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert(vs_container_push(g, NULL, st)); /* None: the default container */
  vs_var *v = vs_variable(g, &(vs_variable_opts){.name = "v", .initial_value = vs_zeros_initializer(),
                                                 .shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_container(vs_var_op(v)), "");
  vs_container_pop(g, st);
  expect_ok(st);
  cr_assert_null(vs_op_container(NULL));
}

Test(variable_api, container_left_open_is_freed_with_the_graph) {
  cr_assert(vs_container_push(g, "a", st));
  cr_assert(vs_container_push(g, "b", st));
  /* teardown frees the graph and this thread's state with both frames */
}

Test(variable_api, assert_variables_initialized_refuses_bad_arguments) {
  vs_output r = vs_assert_variables_initialized(NULL, NULL, 0, st);
  cr_assert_null(r.op);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  r = vs_assert_variables_initialized(g, NULL, 2, st);
  cr_assert_null(r.op);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  vs_graph *h = vs_graph_new();
  vs_var *other = vs_variable(h, &(vs_variable_opts){.name = "o", .initial_value = vs_zeros_initializer(),
                                                     .shape = VS_SHAPE(1)}, st);
  expect_ok(st);
  r = vs_assert_variables_initialized(g, (vs_var *[]){NULL}, 1, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  r = vs_assert_variables_initialized(g, &other, 1, st);
  cr_assert_null(r.op);
  cr_assert_str_eq(vs_status_message(st),
                   "vs_assert_variables_initialized: variable 0 is NULL or of another graph");
  cr_assert_eq(vs_graph_num_operations(g), 0);
  vs_graph_free(h);
}

/* ---- issue 12 item 1: the C-only rules of partitioned variables ---- */

static const vs_var_opts part_opts = {.shape = VS_SHAPE(6, 2), .partitioner = {.kind = VS_PARTITIONER_FIXED_SIZE,
                                                                               .num_shards = 3}};

Test(variable_api, partitioned_entry_points_refuse_the_other_kind) {
  /* Nothing is built when the wrong entry point is used. */
  cr_assert_null(vs_get_variable(g, "x", &part_opts, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "a partitioner applies to x: it is a PartitionedVariable; use vs_get_partitioned_variable");
  vs_getter_result r = vs_get_variable_any(g, "x", &part_opts, st);
  cr_assert(!r.var && !r.partitioned && !r.value.op);
  expect_code(st, VS_INVALID_ARGUMENT);
  cr_assert_null(vs_get_partitioned_variable(g, "y", &(vs_var_opts){.shape = VS_SHAPE(2)}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "no partitioner applies to y: it is a single variable; use vs_get_variable");
  cr_assert_null(vs_get_partitioned_variable(g, "s", &(vs_var_opts){.shape = VS_SCALAR,
                                                                    .partitioner = part_opts.partitioner}, st));
  expect_code(st, VS_INVALID_ARGUMENT);
  cr_assert_eq(vs_graph_num_operations(g), 0);
  cr_assert_null(vs_get_partitioned_variable(NULL, "x", &part_opts, st));
  expect_code(st, VS_INVALID_ARGUMENT);
}

/* A host value is converted to the variable's dtype as TF's
 * convert_to_tensor(value, dtype) does (numpy's astype, strings parsed as
 * Python's float()/int()), then sliced: another rank fails in Slice's shape
 * function with TF's text (the Const and the Slice's begin and size stay,
 * as in TF); unparsable strings fail before anything is built. */
Test(variable_api, partitioned_value_initializer_of_another_shape_or_dtype_as_tf) {
  float vals[12] = {0};
  vs_initializer flat = vs_value_initializer(vals, VS_FLOAT, 12, VS_UNKNOWN_SHAPE);
  cr_assert_null(vs_get_partitioned_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(6, 2), .initializer = flat,
                                                                    .partitioner = part_opts.partitioner}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Shape must be rank 2 but is rank 1 for '{{node v/part_0/PartitionedInitializer/Slice}} = "
               "Slice[Index=DT_INT32, T=DT_FLOAT](v/part_0/PartitionedInitializer/Const, "
               "v/part_0/PartitionedInitializer/Slice/begin, v/part_0/PartitionedInitializer/Slice/size)' with "
               "input shapes: [12], [2], [2].");
  cr_assert_eq(vs_graph_num_operations(g), 3);
  const char *words[2] = {"7", "x\ty"};
  cr_assert_null(vs_get_partitioned_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_INT32,
                                                                    .partitioner = part_opts.partitioner,
                                                                    .initializer = vs_value_initializer(
                                                                        words, VS_STRING, 2, VS_SHAPE(2))}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "Initializer type '<dtype: 'string'>' and explicit dtype "
               "'<dtype: 'int32'>' don't match.");
  vs_var_opts ints = {.shape = VS_SHAPE(2), .partitioner = part_opts.partitioner,
                      .initializer = vs_value_initializer(words, VS_STRING, 2, VS_SHAPE(2))};
  vs_scope *sc = vs_variable_scope_push(g, "i", &(vs_varscope_opts){.dtype = VS_INT32}, st);
  expect_ok(st);
  cr_assert_null(vs_get_partitioned_variable(g, "w", &ints, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "invalid literal for int() with base 10: b'x\\ty'");
  vs_variable_scope_pop(g, sc, st);
  cr_assert_eq(vs_graph_num_operations(g), 3);
  int32_t as_int[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  vs_partitioned_var *pv = vs_get_partitioned_variable(
      g, "c", &(vs_var_opts){.shape = VS_SHAPE(6, 2), .partitioner = part_opts.partitioner,
                             .initializer = vs_value_initializer(as_int, VS_INT32, 12, VS_SHAPE(6, 2))}, st);
  expect_ok(st);
  cr_assert_eq(vs_var_dtype(vs_partitioned_var_part(pv, 0)), VS_FLOAT);
}

/* A tensor initializer must be an output of this graph; one of another
 * graph or a NULL op is refused before anything is built, and a shape
 * that disagrees with the tensor's is TF's merge_with error. */
Test(variable_api, partitioned_tensor_initializer_of_another_graph_or_shape_is_refused) {
  vs_graph *other = vs_graph_new();
  float vals[4] = {1, 2, 3, 4};
  vs_output elsewhere = vs_constant(other, vals, VS_FLOAT, VS_SHAPE(4), "c", st);
  expect_ok(st);
  cr_assert_null(vs_get_partitioned_variable(g, "t", &(vs_var_opts){.initializer = vs_tensor_initializer(elsewhere),
                                                                    .partitioner = part_opts.partitioner}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "initial_value must be a tensor of this graph");
  cr_assert_null(vs_get_partitioned_variable(g, "t", &(vs_var_opts){.initializer = vs_tensor_initializer((vs_output){NULL, 0}),
                                                                    .partitioner = part_opts.partitioner}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "initial_value must be a tensor of this graph");
  cr_assert_eq(vs_graph_num_operations(g), 0);
  vs_output mine = vs_constant(g, vals, VS_FLOAT, VS_SHAPE(2, 2), "c", st);
  expect_ok(st);
  cr_assert_null(vs_get_partitioned_variable(g, "t", &(vs_var_opts){.shape = VS_SHAPE(2, 3),
                                                                    .initializer = vs_tensor_initializer(mine),
                                                                    .partitioner = part_opts.partitioner}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "Shapes (2, 3) and (2, 2) are not compatible");
  cr_assert_null(vs_get_partitioned_variable(g, "t", &(vs_var_opts){.shape = VS_SHAPE(2),
                                                                    .initializer = vs_tensor_initializer(mine),
                                                                    .partitioner = part_opts.partitioner}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "Shapes (2,) and (2, 2) are not compatible");
  cr_assert_eq(vs_graph_num_operations(g), 1);
  /* A partly known shape merges with the tensor's: (?, 2) -> (2, 2). */
  vs_partitioned_var *pv = vs_get_partitioned_variable(
      g, "t", &(vs_var_opts){.shape = VS_SHAPE(-1, 2), .initializer = vs_tensor_initializer(mine),
                             .partitioner = part_opts.partitioner}, st);
  expect_ok(st);
  char buf[64];
  vs_shape_format(vs_partitioned_var_shape(pv), buf, sizeof buf);
  cr_assert_str_eq(buf, "(2, 2)");
  vs_graph_free(other);
}

static vs_var *classic_getter(const vs_getter *next, const vs_getter_args *a, void *data, vs_status *st_) {
  (void)data;
  cr_assert_eq(a->partitioner.kind, VS_PARTITIONER_FIXED_SIZE); /* the getter sees partitioner= */
  return vs_getter_call(next, a, st_);
}

static vs_getter_result passing_getter(const vs_getter *next, const vs_getter_args *a, void *data, vs_status *st_) {
  (*(int *)data)++;
  return vs_getter_call_any(next, a, st_);
}

Test(variable_api, custom_getters_and_partitioned_variables) {
  /* A classic getter cannot return a PartitionedVariable; a tensor getter
   * passes it on. */
  vs_var_opts o = part_opts;
  o.custom_getter = classic_getter;
  cr_assert_null(vs_get_partitioned_variable(g, "x", &o, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "the custom getter for x got a PartitionedVariable, not a variable; use vs_getter_call_any");
  int calls = 0;
  o = part_opts;
  o.tensor_getter = passing_getter;
  o.tensor_getter_data = &calls;
  vs_partitioned_var *p = vs_get_partitioned_variable(g, "y", &o, st);
  expect_ok(st);
  cr_assert_not_null(p);
  cr_assert_eq(calls, 1);
  cr_assert_eq(vs_partitioned_var_num_parts(p), 3);
}

Test(variable_api, partitioned_accessors_on_null_and_spec_truncation) {
  cr_assert_null(vs_partitioned_var_name(NULL));
  cr_assert_eq(vs_partitioned_var_num_parts(NULL), 0);
  cr_assert_null(vs_partitioned_var_part(NULL, 0));
  cr_assert_eq(vs_partitioned_var_partitions(NULL, NULL, 0), 0);
  vs_save_slice_info si;
  cr_assert_not(vs_var_save_slice_info(NULL, &si));
  vs_partitioned_var *p = vs_get_partitioned_variable(g, "x", &part_opts, st);
  expect_ok(st);
  cr_assert_null(vs_partitioned_var_part(p, 3));
  cr_assert_not(vs_var_save_slice_info(vs_get_variable(g, "plain", &(vs_var_opts){.shape = VS_SHAPE(1)}, st), &si));
  cr_assert(vs_var_save_slice_info(vs_partitioned_var_part(p, 2), &si));
  char b[6];
  cr_assert_eq(vs_save_slice_info_spec(&si, b, sizeof b), strlen("6 2 4,2:0,2"));
  cr_assert_str_eq(b, "6 2 4");
  vs_graph *h = vs_graph_new();
  vs_output r = vs_partitioned_var_value(h, p, st);
  cr_assert_null(r.op);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "vs_partitioned_var_value: the variable belongs to another graph");
  vs_graph_free(h);
}

static const char *alternate_devices(const vs_op *op, void *data, vs_status *st_) {
  (void)st_;
  int *n = data;
  if (strcmp(vs_op_type(op), "VariableV2") != 0) return vs_op_device(op);
  return (*n)++ % 2 ? "/device:CL:1" : "/device:CL:0";
}

Test(variable_api, partitioned_read_joins_parts_of_two_devices) {
  /* Parts on CL:0 and CL:1 (a device function placing the variable ops),
   * the read on CL:0: the concatenation copies across devices. */
  if (vs_num_devices(st) < 2) cr_skip_test("needs 2 devices");
  int n = 0;
  cr_assert(vs_device_push_fn(g, alternate_devices, &n, st));
  vs_partitioned_var *p = vs_get_partitioned_variable(
      g, "x", &(vs_var_opts){.shape = VS_SHAPE(3, 5), .initializer = vs_ones_initializer(),
                             .partitioner = vs_fixed_size_partitioner(3, 1)}, st);
  vs_device_pop(g, st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_device(vs_var_op(vs_partitioned_var_part(p, 1))), "/device:CL:1");
  vs_op *add = vs_assign_add(g, vs_partitioned_var_part(p, 1),
                             vs_constant(g, (float[]){1, 1, 1, 1, 1, 1}, VS_FLOAT, VS_SHAPE(3, 2), NULL, st), NULL, st)
                   .op;
  vs_output v = vs_partitioned_var_value(g, p, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &add, 1, st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &v, &t, 1, NULL, 0, st);
  expect_ok(st);
  /* columns 0-1 part 0, 2-3 part 1 (incremented), 4 part 2 */
  const float *x = vs_tensor_data(t);
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 5; c++) cr_assert_eq(x[r * 5 + c], c == 2 || c == 3 ? 2.0f : 1.0f, "[%d][%d]", r, c);
  vs_tensor_free(t);
  vs_session_free(s);
}
