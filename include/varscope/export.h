/* varscope/export.h - a graph as TensorFlow's GraphDef (graph.as_graph_def(),
 * tf.io.write_graph) and as Graphviz DOT (a quick picture).
 *
 * GraphDef: the binary protobuf TF's Graph.as_graph_def() serializes, built
 * by hand (no protobuf library): every op, in creation order, as a NodeDef
 * with its name, op type, inputs ("op" for output 0, "op:k" for others,
 * "^op" for control inputs, which come after the data inputs sorted by
 * name as TF's ToGraphDef sorts them), device and the attrs TF 1's Python
 * API gives the same op: T/dtype types, shapes, Const values as TF's
 * make_tensor_proto writes them (tensor_content for several elements of a
 * content type, one typed value for a single element or for the scalar a
 * zeros/ones/constant initializer broadcast to the variable's shape, typed
 * lists for bool, complex, uint16 and string), seeds,
 * Conv2D's strides/padding/data_format/dilations/use_cudnn_on_gpu/
 * explicit_paddings, MatMul's transpose_a/b and grad_a/b,
 * VariableV2's container/shared_name, Assign's validate_shape/use_locking,
 * the "_class" colocation list ("loc:@v") and "_has_manual_control_
 * dependencies" on ops used as control inputs. versions.producer is 2474
 * (TF 2.21's GRAPH_DEF_VERSION). For a graph built by the same scopes and
 * calls, the NodeDefs equal TF's (tests/test_tf_roundtrip.c compares them
 * node by node, attr by attr, under TF 2.21) and tf.import_graph_def loads
 * the result.
 *
 * Ops TF has no single op for refuse the export (UNIMPLEMENTED, naming the
 * op): InitializedValue (TF builds a cond), and any op type registered
 * after this exporter learnt its attrs. report_uninitialized_variables'
 * sub-graph exports as TF's (tests/test_export.c compares the bytes).
 *
 * Thread safety: both exports take the graph's lock for the call, so they
 * see the graph at one moment; other threads may go on building. The
 * returned buffers belong to the caller.
 */
#ifndef VARSCOPE_EXPORT_H
#define VARSCOPE_EXPORT_H

#include "varscope/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Options of the exports; NULL means all defaults. */
typedef struct vs_export_opts {
  /* as_graph_def(add_shapes=True): each node with outputs gets
   * "_output_shapes", the list of its outputs' static shapes. */
  bool add_shapes;
  /* export_meta_graph(strip_default_attrs=True): attrs equal to their op
   * def's default are left out (use_cudnn_on_gpu, data_format "NHWC",
   * dilations, explicit_paddings, transposes, grad_a/b, seeds 0, empty
   * container/shared_name, validate_shape, use_locking, Tshape/index_type
   * int32, Placeholder's unknown shape). */
  bool strip_default_attrs;
} vs_export_opts;

/* graph.as_graph_def().SerializeToString(): the graph as a binary GraphDef.
 * Returns a new buffer of *len bytes (free it with vs_export_free), or NULL
 * on error with *len 0. Errors: INVALID_ARGUMENT for a NULL graph or len;
 * UNIMPLEMENTED "vs_graph_export_graphdef: op 'foo/x' has type
 * InitializedValue, which has no TensorFlow GraphDef equivalent" for the
 * ops named at the top of this header; RESOURCE_EXHAUSTED when out of
 * memory. [locked] */
void *vs_graph_export_graphdef(vs_graph *g, const vs_export_opts *opts, size_t *len, vs_status *st);

/* tf.io.write_graph(graph, dir, name, as_text=False): the GraphDef written
 * to `path` atomically (a temporary file beside it, fsync, rename, as
 * checkpoints are saved: see saver.h). Errors: those of
 * vs_graph_export_graphdef; the OS's error for the file (NOT_FOUND for a
 * missing directory, PERMISSION_DENIED, ...), after which `path` is
 * unchanged and no temporary file remains. [locked] */
void vs_graph_write_graphdef(vs_graph *g, const char *path, const vs_export_opts *opts, vs_status *st);

/* The graph as a Graphviz digraph (text, NUL-terminated, *len bytes
 * without the NUL; len may be NULL): a box per op labelled with its name
 * and type (and device when placed), an edge per data input labelled with
 * the tensor's dtype and shape, a dashed edge per control input, ops
 * grouped in one cluster per top-level name scope. Names are quoted with '"'
 * and '\' escaped. Free with vs_export_free. Errors: INVALID_ARGUMENT for
 * a NULL graph; RESOURCE_EXHAUSTED. [locked] */
char *vs_graph_export_dot(vs_graph *g, const vs_export_opts *opts, size_t *len, vs_status *st);

/* Frees a buffer returned by an export; NULL is a no-op. */
void vs_export_free(void *buf);

#ifdef __cplusplus
}
#endif
#endif
