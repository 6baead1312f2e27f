/* varscope/session.h - sessions (host tensors: varscope/tensor.h; devices:
 * varscope/devices.h).
 *
 * The device registry (device names, VARSCOPE_DEVICES, device memory
 * accounting, tuning) is declared in varscope/devices.h, included here.
 *
 * Sessions run a graph in the style of TF_SessionRun: feeds, fetches and
 * targets; only the ops they need run, in dependency order, each on its
 * placed device. Each session holds its own variable values: one OpenCL
 * buffer per variable on the variable's device, created when the variable is
 * first initialised, shared by every op that uses the variable.
 *
 * Placement of an op (its vs_op_device string):
 *   - a device type and index ("/device:GPU:1", "/cpu:0") name a device;
 *   - no type but "/job:J/task:k": task k runs on local device CL:(k mod N),
 *     so a replica_device_setter's ps tasks spread over the local devices;
 *     the job, replica and task fields are otherwise kept but not used;
 *   - nothing: the session's default device (opts.default_device, else the
 *     first GPU, else CL:0).
 * A device that does not exist is an INVALID_ARGUMENT error in TF's words,
 * listing the devices there are ("Cannot assign a device for operation q:
 * {{node q}} was explicitly assigned to /device:GPU:7 but available devices
 * are [ /job:localhost/replica:0/task:0/device:CPU:0,
 * /job:localhost/replica:0/task:0/device:CL:0 ]. Make sure ..."), or with
 * allow_soft_placement a fallback to the default device, logged on stderr.
 * DT_STRING values always live on the host, whatever the placement.
 *
 * Thread safety: runs of one session are serial (a second thread's run
 * waits for the first); sessions on one graph run in parallel, and other
 * threads may build ops in the graph meanwhile (a run holds the graph lock
 * only while it finds or compiles its plan). A session caches a compiled
 * plan per (feeds, fetches, targets), its 64 most recently used.
 */
#ifndef VARSCOPE_SESSION_H
#define VARSCOPE_SESSION_H

#include "varscope/devices.h"
#include "varscope/tensor.h"
#include "varscope/graph.h"
#include "varscope/scope.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- sessions ---------------------------------------------------------- */

typedef struct vs_session vs_session;

typedef struct vs_session_opts {
  const char *default_device;        /* NULL: first GPU, else CL:0 */
  bool allow_soft_placement;         /* fall back to the default device */
  bool log_device_placement;         /* print "op: device" on first placement */
  /* TF's tf.config.experimental.enable_tensor_float_32_execution(True),
   * scoped to this session: float32 MatMul (its gradients' GEMMs too) and
   * Conv2D (the GEMM of its im2col route, and a TF32 implicit-GEMM kernel)
   * may multiply in TF32 (inputs rounded to 10 mantissa bits, products
   * summed in float32: about 1e-3 relative error per product instead of
   * 6e-8) on a device with TF32 matrix units
   * (vs_device_info.tf32_matrix_units), where the TF32 kernels join the
   * measured choice of GEMM and of conv algorithm. On other devices it changes nothing, as TF's
   * switch on a CPU. Default false: float32 throughout. (TF's switch is
   * process-wide and on by default since TF 2.4; docs/differences.md.) */
  bool tensor_float_32_execution;
} vs_session_opts;

/* Creates a session on a graph, which may still grow. The session holds the
 * graph: a vs_graph_free while sessions are open is deferred until the last
 * of them is freed (the sessions and the graph's handles keep working until
 * then). Errors: no OpenCL device (NOT_FOUND), an unknown default device. */
vs_session *vs_session_new(vs_graph *g, const vs_session_opts *opts, vs_status *st);

/* Frees the session and releases its device buffers. NULL is a no-op. */
void vs_session_free(vs_session *s);

/* Runs the graph: feeds replace op outputs with host tensors (borrowed for
 * the call); fetches are computed and returned as new host tensors in
 * fetch_values (the caller frees them); targets are run for their effects.
 * Only the ops needed, in dependency order, control dependencies included.
 * Errors: FAILED_PRECONDITION "Attempting to use uninitialized value foo/v"
 * when an op reads a variable that was never initialised; device errors
 * (RESOURCE_EXHAUSTED for out-of-memory, INTERNAL for others, naming the
 * OpenCL call); placement errors; a fetch or feed of another graph, in
 * TF's words ("Argument `fetch` = Tensor(\"c:0\", shape=(), dtype=float32)
 * cannot be interpreted as a Tensor. (Tensor ... is not an element of this
 * graph.)"). On error no fetch is returned. String tensors are fed and
 * fetched like others (vs_tensor_new_strings, vs_tensor_string). */
void vs_session_run(vs_session *s, const vs_output *feeds, vs_tensor *const *feed_values,
                    size_t nfeeds, const vs_output *fetches, vs_tensor **fetch_values, size_t nfetches,
                    vs_op *const *targets, size_t ntargets, vs_status *st);

/* The current value of a variable in this session, as a new host tensor
 * (the caller frees it). Errors: FAILED_PRECONDITION "Attempting to use
 * uninitialized value foo/v" when it was never initialised. */
vs_tensor *vs_session_variable_value(vs_session *s, vs_var *v, vs_status *st);

/* Writes a host tensor into a variable's buffer in this session and marks
 * it initialised, without running its initializer (what a checkpoint
 * restore does). The dtype must match and the shape be compatible with the
 * variable's (INVALID_ARGUMENT otherwise, naming the variable); the buffer
 * is created on the variable's device when it does not exist yet. */
void vs_session_assign_variable(vs_session *s, vs_var *v, const vs_tensor *value, vs_status *st);

/* The global device index an op ran on in this session, or VS_NPOS when
 * it has not been placed yet in this session (no run has needed it), or s
 * or op is NULL, or op is of another graph. Thread safe: it takes the
 * graph's lock, under which runs place their ops. */
size_t vs_session_op_device(const vs_session *s, const vs_op *op);

#ifdef __cplusplus
}
#endif
#endif
