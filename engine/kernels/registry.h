/* registry.h - the op registry: one vs_op_def per op type, as TensorFlow's
 * REGISTER_OP + REGISTER_KERNEL_BUILDER. An op holds its def (op->def, set by
 * vs__op_create from the type name) and its typed attributes (op->attr);
 * sessions dispatch through the def, never by comparing type strings.
 *
 * Adding an op: write its kernel, shape function and def in the family file
 * engine/kernels/<family>.c (state, resource, random, array, math, nn, control) and
 * list it in that file's table; a new family adds its table to registry.c.
 * tests/test_exec.c checks that every registered def has a kernel, a shape
 * function and a doc line, and that the shape function agrees with what the
 * op constructors built.
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
  /* The op owns attr.report.list (freed with the op). */
  VS_OPF_OWNS_VAR_LIST = 1u << 3,
  /* The output is a host value (strings, bools), not a device buffer. */
  VS_OPF_HOST_OUTPUT = 1u << 4,
  /* The kernel knows string tensors (host values); others refuse them. */
  VS_OPF_STRINGS = 1u << 5,
  /* A stateful op with a `container` attribute (attr.variable): Graph.
   * container sets it (graph/container.c). */
  VS_OPF_CONTAINER = 1u << 6,
};

typedef struct vs_op_def {
  const char *type;     /* TF's op type name */
  const char *doc;      /* what the op computes, one line */
  vs_shape_fn shape;
  vs_kernel_fn kernel;  /* the OpenCL device kernel (every device class today) */
  unsigned flags;       /* VS_OPF_* */
  /* Room for training: the gradient function (TF's RegisterGradient);
   * NULL for every op today, and nothing reads it yet. */
  const void *gradient;
} vs_op_def;

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

/* Shared shape functions. */
vs_shape vs__shape_of_input0(const vs_op *op);
vs_shape vs__shape_none(const vs_op *op);
vs_shape vs__shape_scalar(const vs_op *op);
/* The shape named by a constant int32/int64 vector input (Fill, random
 * ops): its values when the input is a Const, else rank from its length. */
vs_shape vs__shape_from_input(const vs_op *op, int i);

#endif
