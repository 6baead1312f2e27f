/* varscope/session.h - OpenCL devices, host tensors and sessions.
 *
 * Devices: every OpenCL device the ICD loader reports gets a global index and
 * the name "/device:CL:N"; devices of type CPU and GPU are also
 * "/device:CPU:N" and "/device:GPU:N", counted per type in platform order.
 * VARSCOPE_DEVICES="GPU:0=CL:0,GPU:1=CL:1" maps names a graph asks for onto
 * other devices (a CPU-only CI machine can run /device:GPU:1 placements).
 * Syntax: TYPE:N=TYPE:M mappings separated by commas (spaces allowed around
 * each), TYPE 1-15 letters in any case, N and M decimal in 0..65535, at most
 * 32 mappings, each name mapped once; the target must exist.
 *
 * Device memory: every buffer varscope creates on a device (variable
 * values, op outputs, temporaries) is counted per device from its creation
 * until varscope releases it (a kernel still queued on a released buffer
 * keeps it alive in the driver a little longer, uncounted). A buffer fails
 * with RESOURCE_EXHAUSTED, TF's text
 *   "OOM when allocating tensor with shape[N,M] and type float on
 *    /device:CL:0: <why>",
 * when it is larger than the device's max_alloc_bytes or when it would
 * take the device's counted bytes above global_mem_bytes; the op fails,
 * the session stays usable. global_mem_bytes is CL_DEVICE_GLOBAL_MEM_SIZE,
 * or VARSCOPE_MEMORY_LIMIT when that is lower: bytes, with an optional
 * binary suffix K, M or G ("64M" = 67108864), applied to each device.
 * VARSCOPE_DEVICES and VARSCOPE_MEMORY_LIMIT are read once, when the
 * registry is first used (unset or empty: none); a malformed value makes
 * every device call fail with INVALID_ARGUMENT naming the variable (never
 * ignored). CLBlast's own scratch memory is not counted.
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
 * Thread safety: the device registry is built once, under a lock. A session
 * may be run from one thread at a time; different sessions are independent.
 */
#ifndef VARSCOPE_SESSION_H
#define VARSCOPE_SESSION_H

#include "varscope/graph.h"
#include "varscope/scope.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the device registry ---------------------------------------------- */

typedef struct vs_device_info {
  char name[64];         /* "/device:CPU:0" (by type; "" for other types) */
  char cl_name[64];      /* "/device:CL:0" (global index) */
  char device_name[256]; /* CL_DEVICE_NAME */
  char vendor[256];
  char type[16];         /* "CPU", "GPU", "ACCELERATOR", "OTHER" */
  char opencl_c_version[64];
  char driver_version[64];
  char platform_name[256];
  unsigned compute_units;
  uint64_t global_mem_bytes; /* what varscope lets live buffers total: CL_DEVICE_GLOBAL_MEM_SIZE,
                                or VARSCOPE_MEMORY_LIMIT when lower */
  uint64_t max_alloc_bytes;  /* the largest buffer varscope makes: CL_DEVICE_MAX_MEM_ALLOC_SIZE,
                                or global_mem_bytes when lower */
  bool fp64;
  bool clblast_tuned;      /* a stored tuned CLBlast GEMM set is in use (vs_device_tune); it is checked at
                            * the first float32 GEMM and dropped if its results are wrong */
  uint64_t global_mem_bytes_driver; /* CL_DEVICE_GLOBAL_MEM_SIZE as the driver reports it */
  uint64_t max_alloc_bytes_driver;  /* CL_DEVICE_MAX_MEM_ALLOC_SIZE as the driver reports it */
} vs_device_info;

/* Number of OpenCL devices (0 when there is no platform). Errors: OpenCL
 * failures other than "no platform / no device", and a malformed
 * VARSCOPE_DEVICES (INVALID_ARGUMENT). */
size_t vs_num_devices(vs_status *st);

/* Fills *info for the device with global index i (global_mem_bytes and
 * max_alloc_bytes are the limits varscope enforces; the *_driver fields the
 * driver's own figures). Errors: i out of range. */
void vs_device_get_info(size_t i, vs_device_info *info, vs_status *st);

/* The bytes of the buffers varscope holds on device i (see "Device
 * memory" above): exact at any moment, with no wait; 0 once every session
 * using the device is freed. Errors: i out of range. Thread safety: any
 * thread. */
uint64_t vs_device_memory_in_use(size_t i, vs_status *st);

/* The global index a device name resolves to ("/device:GPU:1", "GPU:1",
 * "/gpu:1", "/device:CL:0"), after VARSCOPE_DEVICES mapping. Errors:
 * INVALID_ARGUMENT for a malformed name, NOT_FOUND for a device that is not
 * there. */
size_t vs_device_resolve(const char *name, vs_status *st);

/* Measures the device's fp32 throughput in GFLOP/s with a kernel of
 * independent vector FMA chains (no memory traffic), best of a few runs of
 * about 0.1 s each. The figure benchmarks compare against. Errors: device
 * index out of range, OpenCL failures. */
double vs_device_fp32_peak(size_t i, vs_status *st);

/* Lists the conv2d algorithms measured and kept for device i (this
 * process's and the cache file's), one "geometry -> algorithm" line each,
 * into buf (snprintf convention: returns the length needed). */
size_t vs_device_conv_choices(size_t i, char *buf, size_t cap, vs_status *st);

typedef struct vs_tune_result {
  int candidates;          /* parameter sets tried (at most 16) */
  double gflops[16];       /* SGEMM 1024^3 GFLOP/s under each; 0 when it could not run */
  char verdict[16][160];   /* "kept", "correct, slower than the kept set", "correct, not 3% faster than
                            * CLBlast's own", "wrong result: C[i,j] = x, want y",
                            * "invalid: MWG=0: ...", "failed: ..." */
  double gflops_database;  /* under CLBlast's own parameters for the device (no override) */
  double gflops_best;      /* the kept set's; 0 when none was kept */
  bool stored;             /* a set beat CLBlast's own by at least 3% and was stored */
  char params[256];        /* the kept set, "GEMMK=0 KREG=1 ..."; "" when none */
  char stored_at[512];     /* the tuning file: written when stored, else removed; "" without a cache directory */
} vs_tune_result;

/* Progress of a tuning run, called once per parameter set as soon as it is
 * measured: index -1 is CLBlast's own parameters (the bar to beat), then
 * 0..count-1. params and verdict are borrowed for the call. */
typedef void (*vs_tune_progress)(void *user, int index, int count, const char *params, double gflops,
                                 const char *verdict);
typedef struct vs_tune_opts {
  vs_tune_progress progress; /* may be NULL */
  void *user;
} vs_tune_opts;

/* Tunes CLBlast's GEMM on device i so that it can never be made slower or
 * wrong: measures SGEMM 1024^3 under CLBlast's own parameters for the
 * device, then under each candidate Xgemm set that meets CLBlast's
 * constraints; verifies every result in full against a host reference
 * (double accumulation); and stores the fastest correct set only when it
 * beats CLBlast's own by at least 3% (else removes any stored set). Every
 * later process applies the stored set, after a result check, at its first
 * float32 GEMM. In this process the kept set, else the fastest correct
 * candidate, stays in use (CLBlast's C API cannot restore its own once
 * replaced). Takes tens of seconds (each set is compiled); float32 GEMMs of other
 * threads wait until it is done. Errors: device index,
 * NULL res, OpenCL failures, FAILED_PRECONDITION when this process already
 * replaced CLBlast's parameters for the device (tune in a fresh process).
 * Thread safe; other work on the same device meanwhile skews the timings. */
void vs_device_tune(size_t i, vs_tune_result *res, vs_status *st);
/* The same with progress reporting (opts may be NULL). */
void vs_device_tune_ex(size_t i, const vs_tune_opts *opts, vs_tune_result *res, vs_status *st);
/* Removes device i's stored set: later processes use CLBlast's own
 * parameters. Not yet applied in this process, it is dropped here too.
 * Errors: device index, a file that cannot be removed. Thread safe. */
void vs_device_tune_reset(size_t i, vs_status *st);

/* ---- host tensors ------------------------------------------------------ */

typedef struct vs_tensor vs_tensor;

/* A new host tensor of a fully defined shape. `data` (may be NULL: zeros)
 * holds vs_shape_num_elements(shape) elements and is copied. Not for
 * VS_STRING. Errors: bad dtype or shape. Free with vs_tensor_free. */
vs_tensor *vs_tensor_new(vs_dtype dtype, vs_shape shape, const void *data, vs_status *st);
/* A new VS_STRING host tensor of a fully defined shape: `strings` (may be
 * NULL: every element "") holds vs_shape_num_elements(shape) NUL-terminated
 * strings (a NULL entry is ""), each copied. String tensors live on the
 * host: they are fed and fetched like others, and read with
 * vs_tensor_string. Errors: a shape that is not fully defined. Free with
 * vs_tensor_free. Thread safe (no shared state). */
vs_tensor *vs_tensor_new_strings(vs_shape shape, const char *const *strings, vs_status *st);
void vs_tensor_free(vs_tensor *t);
vs_dtype vs_tensor_dtype(const vs_tensor *t);
vs_shape vs_tensor_shape(const vs_tensor *t);
size_t vs_tensor_num_elements(const vs_tensor *t);
/* The elements, row-major. Borrowed; NULL for string tensors. */
void *vs_tensor_data(const vs_tensor *t);
size_t vs_tensor_byte_size(const vs_tensor *t);
/* Element i of a VS_STRING tensor (e.g. report_uninitialized_variables).
 * Borrowed; NULL when out of range or not a string tensor. */
const char *vs_tensor_string(const vs_tensor *t, size_t i);

/* ---- sessions ---------------------------------------------------------- */

typedef struct vs_session vs_session;

typedef struct vs_session_opts {
  const char *default_device;        /* NULL: first GPU, else CL:0 */
  bool allow_soft_placement;         /* fall back to the default device */
  bool log_device_placement;         /* print "op: device" on first placement */
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
                    int nfeeds, const vs_output *fetches, vs_tensor **fetch_values, int nfetches,
                    vs_op *const *targets, int ntargets, vs_status *st);

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

/* The global device index an op ran on in this session, or -1 when it has
 * not been placed yet. */
int vs_session_op_device(const vs_session *s, const vs_op *op);

#ifdef __cplusplus
}
#endif
#endif
