/* varscope/devices.h - the OpenCL device registry: names, information,
 * memory accounting and tuning.
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
 * Idle buffers: when a session run ends (its commands done), the buffers
 * of its op outputs and feeds are kept idle on their device and serve the
 * next allocation of the same size, in any session: allocating a fresh
 * buffer and faulting in its pages every run costs as much as a large
 * conv (TF's BFC allocator keeps freed memory for the same reason). Idle
 * bytes are not counted as in use (vs_device_memory_in_use excludes them)
 * but they occupy the device, so a buffer that would take the counted plus
 * idle bytes above global_mem_bytes first releases idle buffers, oldest
 * first; a device keeps at most a quarter of global_mem_bytes, at most
 * 256 MiB and at most 256 buffers idle. They are released when the process
 * exits.
 *
 * Thread safety: the registry is built once, under a lock; every call here
 * is thread safe.
 */
#ifndef VARSCOPE_DEVICES_H
#define VARSCOPE_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "varscope/status.h"
#include "varscope/types.h"

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
  size_t compute_units;    /* CL_DEVICE_MAX_COMPUTE_UNITS */
  uint64_t global_mem_bytes; /* what varscope lets live buffers total: CL_DEVICE_GLOBAL_MEM_SIZE,
                                or VARSCOPE_MEMORY_LIMIT when lower */
  uint64_t max_alloc_bytes;  /* the largest buffer varscope makes: CL_DEVICE_MAX_MEM_ALLOC_SIZE,
                                or global_mem_bytes when lower */
  bool fp64;
  bool clblast_tuned;      /* a stored tuned CLBlast GEMM set (Xgemm or XgemmDirect) is in use
                            * (vs_device_tune); it is checked at the first float32 GEMM and dropped if its
                            * results are wrong */
  uint64_t global_mem_bytes_driver; /* CL_DEVICE_GLOBAL_MEM_SIZE as the driver reports it */
  uint64_t max_alloc_bytes_driver;  /* CL_DEVICE_MAX_MEM_ALLOC_SIZE as the driver reports it */
  bool tf32_matrix_units; /* TF32 matrix units reachable from OpenCL C: an NVIDIA device with
                           * cl_nv_device_attribute_query, compute capability 8.0 or above and
                           * 32-item warps (inline PTX mma.sync ... .tf32). Where true, sessions
                           * with vs_session_opts.tensor_float_32_execution may run float32
                           * GEMMs and convolutions with TF32 products */
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
 * memory" above), idle buffers kept for reuse excluded: exact at any
 * moment, with no wait; 0 once every session using the device is freed. Errors: i out of range. Thread safety: any
 * thread. */
uint64_t vs_device_memory_in_use(size_t i, vs_status *st);

/* The global index a device name resolves to ("/device:GPU:1", "GPU:1",
 * "/gpu:1", "/device:CL:0"), after VARSCOPE_DEVICES mapping; VS_NPOS on
 * error. Errors: INVALID_ARGUMENT for a malformed name, NOT_FOUND for a
 * device that is not there. */
size_t vs_device_resolve(const char *name, vs_status *st);

/* Measures the device's fp32 throughput in GFLOP/s with a kernel of
 * independent vector FMA chains (no memory traffic), best of a few runs of
 * about 0.1 s each. The figure benchmarks compare against. Errors: device
 * index out of range, OpenCL failures. */
double vs_device_fp32_peak(size_t i, vs_status *st);

/* Lists the conv2d algorithms measured and kept for device i (this
 * process's and the cache directory's keyed store; those made under the
 * CLBlast sets in use), one "geometry -> algorithm (time)" line each
 * ("tf32|geometry" for sessions with TF32 allowed), and one "family ... ->
 * direct ..." line per shape family tuned by vs_device_tune_conv
 * ("tf32|family ... -> igemm-tf32 ..." for its TF32 search), into buf (snprintf
 * convention: returns the length needed). Errors: device index, NULL buf
 * with cap > 0. Thread safe. */
size_t vs_device_conv_choices(size_t i, char *buf, size_t cap, vs_status *st);

/* One phase of a tuning run: CLBlast's Xgemm kernel (vs_tune_result.xgemm)
 * or its XgemmDirect kernel (vs_tune_result.direct). */
typedef struct vs_tune_phase {
  size_t n;                /* the SGEMM size timed, searched and verified; when the phase was skipped at its
                            * path check, the size checked; 0 when it did not start (no_direct, or it was
                            * not reached) */
  size_t candidates;       /* parameter sets tried (at most 16) */
  double gflops[16];       /* SGEMM n^3 GFLOP/s under each; 0 when it could not run */
  char verdict[16][160];   /* "kept", "correct, slower than the kept set", "correct, not 3% faster than
                            * CLBlast's own", "wrong result: C[i,j] = x, want y",
                            * "invalid: MWG=0: ...", "failed: ..." */
  double gflops_database;  /* under CLBlast's own parameters for the device (no override) */
  double gflops_best;      /* the kept set's; 0 when none was kept */
  bool stored;             /* a set beat CLBlast's own by at least 3% and was stored */
  char params[256];        /* the kept set ("GEMMK=0 KREG=1 ...", "KWID=2 MDIMAD=8 ..."); "" when none */
  char stored_at[512];     /* its store entry: written when stored, else removed; "" without a cache directory */
  /* CLBlast's own tuner (clblast::TuneXgemm, clblast::TuneXgemmDirect), run first as the search: */
  size_t searched;         /* candidates it sampled (Xgemm: its two searches together); 0: no search ran */
  size_t search_space;     /* the size of its search space on this device (Xgemm: both searches) */
  double fraction;         /* the fraction of that space it sampled */
  double search_s;         /* seconds it took */
  char search[256];        /* its pick, or why it found none */
  size_t search_index;     /* its pick's index among the candidates; VS_NPOS when none */
  size_t stored_index;     /* the index of the set stored before this run; VS_NPOS when none */
  char skipped[256];       /* why the phase timed nothing ("skipped: no_direct is set", or that SGEMM n^3
                            * does not run the phase's kernel on this device); "" when it ran */
  char not_stored[200];    /* why a kept set is used in this process only ("no writable cache directory",
                            * "cannot write PATH: REASON", ...); "" when stored or none was kept */
} vs_tune_phase;

/* The outcome of vs_device_tune: one vs_tune_phase per kernel. (Before
 * session 12 the Xgemm phase's fields were also copied to the top level;
 * they are gone: read res.xgemm.FIELD. See docs/api-conventions.md.) */
typedef struct vs_tune_result {
  /* CLBlast's Xgemm kernel, which it runs for SGEMMs at or above its
   * indirect-size threshold; its skipped says why it timed nothing: SGEMM
   * n^3 runs CLBlast's XgemmDirect kernel on this device, which no Xgemm
   * set changes. */
  vs_tune_phase xgemm;
  /* CLBlast's XgemmDirect kernel, which CLBlast runs instead of Xgemm for
   * SGEMMs below its indirect-size threshold (n^3 under 896^3 by default
   * in its database; small GEMMs such as dense layers), tuned in the same
   * way at opts->direct_n. */
  vs_tune_phase direct;
} vs_tune_result;

/* Progress of a tuning run, called once per parameter set as soon as it is
 * measured: index VS_NPOS is CLBlast's own parameters (the bar to beat;
 * count 0, the candidates are not known yet), then 0..count-1. params and
 * verdict are borrowed for the call. */
typedef void (*vs_tune_progress)(void *user, size_t index, size_t count, const char *params,
                                 double gflops, const char *verdict);
/* The largest SGEMM size vs_device_tune_ex tunes at: a stored set records
 * the size it was verified at (4 digits in its file), and the run holds
 * three n x n matrices and a double-precision reference on the host. */
#define VS_TUNE_MAX_N 8192

typedef struct vs_tune_opts {
  vs_tune_progress progress; /* may be NULL */
  void *user;
  size_t n;         /* SGEMM n x n x n to time, search and verify at (0: 1024; at most VS_TUNE_MAX_N); the
                     * search needs a multiple of 128; the phase runs only when CLBlast takes its Xgemm path at
                     * that size, checked first */
  double fraction;  /* of CLBlast's search space to sample, at most (0: as many as budget_s allows) */
  double budget_s;  /* for the search (0: 120 s): each of its steps starts only when its cost, estimated
                     * from the last step's, fits what is left (the first step always runs) */
  bool no_search;   /* time only the built-in sets and the stored one, without CLBlast's tuner */
  bool no_builtin;  /* time only the tuner's pick and the stored set, not the built-in sets (both phases) */
  /* The XgemmDirect phase (after the Xgemm phase; fraction and no_search
   * apply to it too): */
  bool no_direct;         /* skip it (the stored XgemmDirect set stays as it is) */
  size_t direct_n;        /* its SGEMM n x n x n (0: 256); at most 2048, a multiple of 64 for its search; it
                           * runs only when CLBlast takes its direct path at that size, checked first */
  double direct_budget_s; /* for its search, as budget_s (0: 60 s) */
  /* One line per phase (the search's plan and its outcome), called on the
   * tuning thread; line is borrowed for the call. May be NULL. */
  void (*note)(void *user, const char *line);
} vs_tune_opts;

/* Tunes CLBlast's GEMM on device i so that it can never be made slower or
 * wrong. Measures SGEMM n^3 (opts->n, default 1024) under CLBlast's own
 * parameters for the device (the bar); confirms that CLBlast runs its
 * Xgemm kernel at that size (below its indirect-size threshold it runs
 * XgemmDirect, which no Xgemm set changes: then the phase times and stores
 * nothing, the stored Xgemm set stays as it is and is used in this process
 * as in any other (after its check at the next float32 GEMM), and
 * res->xgemm.skipped says why); runs CLBlast's own tuner
 * (clblast::TuneXgemm) on a random sample of its search space sized to fit
 * opts->budget_s (or opts->fraction), which proposes one set; then times
 * that set, the set stored by an earlier run and a few built-in CPU-minded
 * sets (GEMMK=0, which CLBlast 1.5.3's tuner does not return), each meeting
 * CLBlast's constraints; verifies every result in full against a host
 * reference (double accumulation); and stores the fastest correct set only
 * when it beats CLBlast's own by at least 3% -- a stored set is replaced
 * only by one measured faster than it in the same run (else any stored set
 * is removed). The stored set records n; every later process applies it,
 * after a result check at SGEMM n^3 (where it was seen to run; above 2048,
 * at 2048^3, which runs Xgemm wherever a larger size does), at its first
 * float32 GEMM. The device's GEMM, conv2d and conv2d-gradient algorithm
 * choices (CLBlast is one of the candidates timed, directly or through a
 * GEMM) are kept per set of CLBlast parameters in use: a process under
 * other sets (after a run stores or removes one, or vs_device_tune_reset
 * removes one) does not find them and measures again; when a run or reset
 * changes the stored sets, the choices kept under the sets stored before
 * are removed from the cache directory. In this process the kept set, else the
 * fastest correct candidate, stays in use (CLBlast's C API cannot restore
 * its own once replaced). Then, unless opts->no_direct, the same for
 * CLBlast's XgemmDirect kernel at SGEMM opts->direct_n^3 (default 256):
 * CLBlast's own XgemmDirect parameters are timed, the size is confirmed to
 * run that kernel (else the phase is skipped and res->direct.skipped says
 * why), clblast::TuneXgemmDirect searches within opts->direct_budget_s, and
 * its pick, the stored XgemmDirect set and a few sets of CLBlast's database
 * are timed and verified in full; the fastest correct one is stored (under
 * its own key, with the size) only when at least 3% faster than CLBlast's
 * own, and later processes apply it at their first float32 GEMM after a
 * result check at that size. Takes about budget_s + direct_budget_s plus
 * tens of seconds. It
 * holds device i's tuning lock throughout: float32 GEMMs of other threads
 * on device i wait until it is done; other devices do not. A stored set
 * whose first-GEMM check cannot run (out of memory) is kept and checked
 * again later; only a wrong result or a refusal discards it. Errors: device
 * index, NULL res, OpenCL failures, INVALID_ARGUMENT for an n the search
 * cannot take (not a multiple of 128), a direct_n above 2048 or, with the
 * search, not a multiple of 64, or a fraction outside [0, 1],
 * FAILED_PRECONDITION when this process already replaced CLBlast's
 * parameters for the device (tune in a fresh process). A search that finds
 * nothing is no error: res->xgemm.search (res->direct.search) says why. Thread safe; other work on
 * the same device meanwhile skews the timings. The callbacks run on the
 * tuning thread with that lock held; they may call varscope (the lock is
 * recursive), but a GEMM they run on device i uses the set being measured. */
void vs_device_tune(size_t i, vs_tune_result *res, vs_status *st);
/* The same with progress reporting (opts may be NULL). */
void vs_device_tune_ex(size_t i, const vs_tune_opts *opts, vs_tune_result *res, vs_status *st);
/* Removes device i's stored sets (Xgemm and XgemmDirect): later processes
 * use CLBlast's own parameters. Not yet applied in this process, they are
 * dropped here too. The GEMM, conv and conv-gradient algorithm choices
 * made under the removed sets are removed from the cache directory too
 * (later processes measure them again; this process, if it runs those
 * sets, keeps its own: see vs_device_tune); so does the cost of a
 * candidate of CLBlast's search that earlier runs measured (which prices
 * the next search's steps); the tuner's conv and GEMM sets per family
 * stay.
 * Errors: device index, a file that cannot be removed. Thread safe. */
void vs_device_tune_reset(size_t i, vs_status *st);

/* Options of vs_device_tune_conv; zero fields take the defaults. */
typedef struct vs_conv_tune_opts {
  int64_t c, k, kh, kw;       /* the shape family: a kh x kw filter from c to k channels (0: 32, 32, 5, 5) */
  int64_t stride, dilation;   /* both spatial dimensions (0: 1); SAME padding */
  int64_t n, h, w;            /* the input the candidates are timed and verified on (0: 8, 64, 64) */
  double budget_s;            /* no new candidate is started after this many seconds (0: 60) */
  vs_tune_progress progress;  /* one call per candidate as soon as it is measured (index VS_NPOS: the
                               * default, the bar to beat; count 0: the search's length is open); may be NULL */
  void *user;
} vs_conv_tune_opts;

typedef struct vs_conv_tune_result {
  size_t tried;           /* candidates run (the default set not counted) */
  size_t wrong;           /* of them, results that failed the check against the host */
  size_t failed;          /* of them, candidates that could not run */
  double gflops_default;  /* under the default parameters */
  double gflops_best;     /* the kept set's; 0 when none was kept */
  bool stored;            /* a set beat the default by at least 3% and was stored */
  char params[64];        /* the kept set, "rm=8 nv=2 uc=2 ly=4 rw=1" (or "igemm mwg=64 nwg=64 kwg=16
                           * mdimc=8 ndimc=8 vw=4 db=1"); "" when none */
  /* The TF32 search, only on a device with TF32 matrix units (tried,
   * wrong and failed above count its sets too; each is named by the
   * progress callback as it is measured, "igemm-tf32 wm=2 wn=2 fm=2 fn=4 ks=32"). */
  bool tf32_searched;         /* false: the device has no TF32 matrix units, no TF32 set was run */
  size_t tf32_tried;          /* TF32 sets run (the choice's own TF32 sets, the bar, not counted) */
  double gflops_tf32_default; /* the fastest of the TF32 sets the choice times, the bar to beat */
  double gflops_tf32_best;    /* the kept TF32 set's; 0 when none was kept */
  bool tf32_stored;           /* a TF32 set beat the bar by at least 3% and was stored (TF32 sessions only) */
  char tf32_params[48];       /* the kept TF32 set, "igemm-tf32 wm=2 wn=2 fm=2 fn=4 ks=32"; "" when none */
} vs_conv_tune_result;

/* Tunes varscope's direct conv2d kernel (per-block or row-walking form,
 * register tile, channel-loop unrolling, work-group height) for one shape
 * family on device i, float32:
 * searches the parameters (register tiles first, then unrolling and
 * work-group shape around the best tile) within opts->budget_s, and on
 * devices with local memory of their own (GPUs) then the implicit-GEMM
 * kernel's (output tile, work-group shape, vector width, then slice depth
 * and double buffering around the best); runs each
 * candidate on the full input, verifies every output against a host
 * reference (double accumulation; an element may differ by 1e-5 * (1 +
 * sum of |products|)), times the correct ones (fastest of 3), and stores
 * the fastest correct set in the cache's keyed store only when it beats
 * the default by at least 3% (else removes any stored set for the
 * family). Later conv2d selections of the family on this device, in this
 * process and later ones, measure the stored set among their candidates
 * (the geometries of the family chosen before are chosen again). On a
 * device with TF32 matrix units it then searches the TF32 implicit-GEMM
 * kernel's sets (warps wm, wn 1-4, fragments fm, fn 1-4, slice depth ks
 * 8-64, those the device's work-group size and local memory allow,
 * double-buffered), within another budget_s: each verified against a
 * host reference from the TF32-rounded input and filter (an element may
 * differ by 2 (R + 2) 2^-24 of the sum of |products|, R = kh kw c), the
 * fastest stored under the family's "tf32|" key when it beats the
 * fastest of the TF32 sets the choice times by 3% (else that key's set is
 * removed); only sessions with tensor_float_32_execution read it. Errors:
 * device index, NULL res, a shape the direct kernel cannot run, OpenCL
 * failures. Thread safe; other work on the device skews the timings. */
void vs_device_tune_conv(size_t i, const vs_conv_tune_opts *opts, vs_conv_tune_result *res, vs_status *st);

/* Options of vs_device_tune_gemm; zero fields take the defaults. */
typedef struct vs_gemm_tune_opts {
  int64_t m, n, k;                /* the problem the candidates are timed and verified on (0: 1024 each); its
                                   * shape family (the transposes and the power-of-two bucket of each size)
                                   * is what the kept set applies to */
  bool transpose_a, transpose_b;  /* C = op(A) x op(B), row-major */
  double budget_s;                /* no new candidate is started after this many seconds (0: 60); the TF32
                                   * search, where it runs, has another budget_s */
  vs_tune_progress progress;      /* one call per candidate as soon as it is measured (index VS_NPOS: the
                                   * default, the bar to beat; count 0: the search's length is open); may be NULL */
  void *user;
} vs_gemm_tune_opts;

typedef struct vs_gemm_tune_result {
  size_t tried;           /* candidates run (the default set not counted) */
  size_t wrong;           /* of them, results that failed the check against the host */
  size_t failed;          /* of them, candidates that could not run */
  double gflops_default;  /* under the default parameters (the packed form's) */
  double gflops_clblast;  /* CLBlast's SGEMM on the same problem, for comparison (0 if it failed) */
  double gflops_best;     /* the kept set's; 0 when none was kept */
  bool stored;            /* a set beat the default by at least 3% and was stored */
  char params[64];        /* the kept form and set, "own rm=12 nv=2 vec=16 uk=4 ly=4", "inplace ..." or
                           * "blocked rm=12 nv=2 vec=16 uk=4 ly=8 kc=128"; "" when none */
  /* The TF32 search, only on a device with TF32 matrix units (tried,
   * wrong and failed above count its sets too; each is named by the
   * progress callback as it is measured, "tf32 wm=2 wn=2 fm=2 fn=4 ks=32"). */
  bool tf32_searched;         /* false: the device has no TF32 matrix units, no TF32 set was run */
  size_t tf32_tried;          /* TF32 sets run (the choice's own TF32 sets, the bar, not counted) */
  double gflops_tf32_default; /* the fastest of the TF32 sets the choice times, the bar to beat */
  double gflops_tf32_best;    /* the kept TF32 set's; 0 when none was kept */
  bool tf32_stored;           /* a TF32 set beat the bar by at least 3% and was stored (TF32 sessions only) */
  char tf32_params[48];       /* the kept TF32 set, "tf32 wm=2 wn=2 fm=2 fn=4 ks=32"; "" when none */
} vs_gemm_tune_result;

/* Tunes varscope's own SGEMM kernel (its form: packed panels, packed
 * panels walked in chunks of k, or in place; register tile rm x nv vectors
 * of vec floats, k-loop unrolling, work-group height, the chunk length)
 * for one shape family on device i, float32: searches each form in turn
 * (its register tiles first, then unrolling and work-group shape, or
 * chunk length and tiles per item, around its best tile) within
 * opts->budget_s; runs each candidate on the full problem, verifies every
 * element of C against a host reference (double accumulation; an element
 * may differ by 1e-5 * (1 + sum of |products|)), times the correct ones
 * (the best of 3; on a CPU device a run counts as its process CPU seconds
 * over the compute units it can occupy, so that other processes sharing
 * the cores do not decide the ranking; elsewhere as wall seconds; the
 * GFLOP/s reported are on that count), and stores the fastest correct form and set in the cache's
 * keyed store only when it beats the packed default by at least 3% (else removes any
 * stored set for the family). Later float32 GEMMs of the family on this
 * device, in this process and later ones, measure the stored set among
 * their candidates (each form's default and CLBlast; the family's
 * choice made before is made again). On a device with TF32 matrix units
 * it then searches the TF32 kernel's sets as well (warps wm, wn 1-4,
 * fragments fm, fn 1-4, slice depth ks 8-64, those the device's
 * work-group size and local memory allow), within another budget_s: each
 * verified against a host reference from the TF32-rounded inputs (an
 * element may differ by 2 (k + 2) 2^-24 of the sum of |products|), the
 * fastest stored under the family's "tf32|" key when it beats the
 * fastest of the TF32 sets the choice times by 3% (else that key's set is
 * removed); only sessions with tensor_float_32_execution read it. Errors: device index, NULL res,
 * sizes outside 0..4096 (INVALID_ARGUMENT), OpenCL failures. Thread safe;
 * other work on the device skews the timings. */
void vs_device_tune_gemm(size_t i, const vs_gemm_tune_opts *opts, vs_gemm_tune_result *res, vs_status *st);

/* Lists the float32 GEMM algorithms chosen for device i (this process's
 * and the cache directory's keyed store), one "family -> algorithm (time)"
 * line each ("nn|m10|n10|k10 -> own rm12 nv2 v16 u4 ly4 (1.234 ms)"), and
 * one "tuned family -> parameters" line per family tuned by
 * vs_device_tune_gemm (a TF32 set under its "tf32|" family:
 * "tuned tf32|nn|m10|n10|k10 -> tf32 wm=2 wn=2 fm=2 fn=4 ks=32 (...)"), into buf (snprintf convention: returns the length
 * needed). Errors: device index, NULL buf with cap > 0. Thread safe. */
size_t vs_device_gemm_choices(size_t i, char *buf, size_t cap, vs_status *st);

#ifdef __cplusplus
}
#endif

#endif
