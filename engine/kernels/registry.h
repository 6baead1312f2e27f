/* registry.h - the op registry: one vs_op_def per op type, as TensorFlow's
 * REGISTER_OP + REGISTER_KERNEL_BUILDER. An op holds its def (op->def, set by
 * vs__op_create from the type name) and its typed attributes (op->attr);
 * sessions dispatch through the def, never by comparing type strings.
 *
 * Adding an op: write its kernel, shape function and def in the family file
 * engine/kernels/<family>.c (state, resource, random, array, math, nn, control) and
 * list it in that file's table; a new family adds its table to registry.c.
 * The op constructors (engine/ops) check their inputs with TF's errors and
 * take the output's shape from the def's shape function (vs_op_spec's
 * infer_shape): one shape function per op. tests/test_exec.c checks that
 * every registered def has a kernel, a shape function and a doc line, that
 * the constructors give TF's shapes, and that each shape function agrees
 * with the ops built elsewhere (initializers, variables).
 *
 * Thread safety: the tables are constant; lookups need no lock. */
#ifndef VS_KERNELS_REGISTRY_H
#define VS_KERNELS_REGISTRY_H

#include "graph/graph_internal.h"

struct vs_run;

/* Computes the op's value in a run on device `dev` (engine/session). */
typedef bool (*vs_kernel_fn)(struct vs_run *r, vs_op *op, size_t dev, vs_status *st);
/* The static shape of the op's output from its inputs' static shapes, its
 * attributes and constant inputs (TF's shape function); unknown dimensions
 * are -1 and an unknown rank is known=false. Ops without an output give
 * the unknown shape. */
typedef vs_shape (*vs_shape_fn)(const vs_op *op);

enum {
  /* The kernel writes a variable's buffer (no caching of its result). */
  VS_OPF_STATEFUL = 1u << 0,
  /* Fusion: a lone consuming Relu can be applied in this op's pass (the
   * bias epilogue of BiasAdd, and AddV2 when it adds a bias vector). */
  VS_OPF_ACT_EPILOGUE = 1u << 1,
  /* Fusion: this op is an activation a producer's epilogue may absorb. */
  VS_OPF_ACTIVATION = 1u << 2,
  /* The host implementation's output is storage the op does not own (the
   * variable's, the graph's constant data): exec/inline.c gives it no
   * scratch of its own. */
  VS_OPF_HOST_ALIAS = 1u << 3,
  /* The output is a host value (strings, bools), not a device buffer. */
  VS_OPF_HOST_OUTPUT = 1u << 4,
  /* The kernel knows string tensors (host values); others refuse them. */
  VS_OPF_STRINGS = 1u << 5,
  /* A stateful op with a `container` attribute (attr.variable): Graph.
   * container sets it (graph/container.c). */
  VS_OPF_CONTAINER = 1u << 6,
  /* Ops of this type have typed attributes (op->attr): only they are
   * allocated with the union, the last field of vs_op (72 bytes an op
   * spared for the others; graph_internal.h). Every def whose kernel,
   * shape function or constructor touches op->attr must have it. */
  VS_OPF_ATTRS = 1u << 7,
  /* Given a variable (its ref, or its VarHandleOp's handle) as input 0,
   * the output is the variable's value as it stands (v/read, Identity,
   * ReadVariableOp): the step may borrow the variable's buffer instead of
   * copying it when no step of its plan writes that variable before the
   * value's last use (plan.c's mark_borrowed_reads, vs_step.borrows_var). */
  VS_OPF_VAR_READ = 1u << 8,
  /* The output may be input 0's device buffer itself (Reshape, Squeeze of
   * a run value): whoever uses the output uses the input's storage, which
   * the plan's borrowing of variable reads must follow (plan.c). */
  VS_OPF_ALIAS_INPUT = 1u << 9,
};

/* An op's gradient (TF's @RegisterGradient): builds, in the caller's name
 * scope ("gradients/<op>_grad/"), the gradients of op's inputs from `grad`,
 * the gradient of its output, and writes them to dx[0 .. op->n_inputs)
 * ({NULL, 0} for an input that gets none, as TF's None; dx arrives zeroed).
 * Returns false with st set on failure. The graph lock is held (it is
 * recursive: gradient functions build through the public constructors). */
typedef bool (*vs_grad_fn)(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);

struct vs_host_run;
/* The op's host implementation (exec/inline.h), as TF's executor runs an
 * inexpensive kernel on the caller's thread: the same result as the device
 * kernel, bit for bit, computed on the calling thread from the inputs'
 * host addresses, without any OpenCL command. It is called only after
 * exec/inline.c checked what the device kernel would refuse (variables
 * initialised, shapes as the plan assumed), so it cannot fail. */
typedef void (*vs_host_fn)(struct vs_host_run *h, const vs_op *op);

typedef struct vs_op_def {
  const char *type;     /* TF's op type name */
  const char *doc;      /* what the op computes, one line */
  vs_shape_fn shape;
  vs_kernel_fn kernel;  /* the OpenCL device kernel (every device class today) */
  unsigned flags;       /* VS_OPF_* */
  /* VS_OPF_ATTRS: the bytes of op->attr the type uses, its member's size
   * (an op is allocated with just those); 0: the whole union. */
  size_t attr_size;
  /* The gradient function (TF's RegisterGradient), used by vs_gradients
   * (engine/train); NULL where TF registers none (tf.gradients through such
   * an op is TF's LookupError). vs__grad_none is TF's NotDifferentiable. */
  vs_grad_fn gradient;
  /* The host implementation, NULL where the op has none: a plan holding
   * such an op never runs on the host. */
  vs_host_fn host;
} vs_op_def;

/* The bytes of op->attr an op of def's type has (0 without VS_OPF_ATTRS). */
static inline size_t vs__def_attr_bytes(const vs_op_def *def) {
  if (!(def->flags & VS_OPF_ATTRS)) return 0;
  return def->attr_size ? def->attr_size : sizeof(vs_op_attrs);
}

/* The def registered for a type name; NULL when there is none. */
const vs_op_def *vs__op_def_find(const char *type);
/* The i-th registered def (family order), NULL past the last: lets the
 * registry test walk them all. */
const vs_op_def *vs__op_def_at(size_t i);

/* The family tables (one per engine/kernels/<family>.c). */
extern const vs_op_def vs__state_defs[], vs__random_defs[], vs__array_defs[], vs__math_defs[], vs__nn_defs[],
    vs__control_defs[], vs__partition_defs[], vs__resource_defs[];
extern const size_t vs__n_state_defs, vs__n_random_defs, vs__n_array_defs, vs__n_math_defs, vs__n_nn_defs,
    vs__n_control_defs, vs__n_partition_defs, vs__n_resource_defs;
/* Training's families: reductions and Tile (reduce.c), activations and
 * their gradients (activation.c), arithmetic beyond add/sub/mul (arith.c),
 * Conv2D's gradient ops (nn_grad.c), pooling and its gradients (pool.c),
 * comparisons, Select and Range (logic.c), softmax and its loss (softmax.c). */
extern const vs_op_def vs__reduce_defs[], vs__activation_defs[], vs__arith_defs[], vs__nn_grad_defs[],
    vs__pool_defs[], vs__logic_defs[], vs__softmax_defs[];
extern const size_t vs__n_reduce_defs, vs__n_activation_defs, vs__n_arith_defs, vs__n_nn_grad_defs,
    vs__n_pool_defs, vs__n_logic_defs, vs__n_softmax_defs;

/* Gradient functions (engine/train: math_grad.c, nn_grad.c, array_grad.c). */
bool vs__grad_none(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_identity(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_read_variable(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_reshape(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_add(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_sub(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_mul(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_realdiv(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_neg(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_square(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_add_n(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_sum(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_mean(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_matmul(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_relu(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_bias_add(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_sigmoid(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_tanh(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_exp(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_log1p(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_select(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_squared_difference(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_div_no_nan(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_maximum(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_softmax_xent(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_conv2d(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_max_pool(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_avg_pool(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
bool vs__grad_cast(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st);
/* Cast (engine/kernels/cast.c). */
extern const vs_op_def vs__cast_defs[];
extern const size_t vs__n_cast_defs;
/* The optimizers' Apply* and ResourceApply* ops (engine/kernels/training.c). */
extern const vs_op_def vs__training_defs[];
extern const size_t vs__n_training_defs;

/* Shared shape functions. */
vs_shape vs__shape_of_input0(const vs_op *op);
vs_shape vs__shape_none(const vs_op *op);
vs_shape vs__shape_scalar(const vs_op *op);
/* The broadcast of inputs 0 and 1 the kernels implement (math.c). */
vs_shape vs__shape_binary(const vs_op *op);
/* The shape named by a constant int32/int64 vector input (Fill, random
 * ops): its values when the input is a Const, else rank from its length. */
vs_shape vs__shape_from_input(const vs_op *op, int i);

#endif
