/* gemm.h - varscope's own SGEMM kernel (cl_kernels/gemm.cl, run by
 * gemm.c), the per-device choice between it and CLBlast (gemm_select.c)
 * and the search over its parameters (gemm_tune.c). Engine-internal.
 *
 * Layering: kernels/ chooses and runs; CLBlast stays behind runtime/blas.h
 * (vs__gemm), which knows nothing of this file. */
#ifndef VS_KERNELS_GEMM_H
#define VS_KERNELS_GEMM_H

#include "kernels/gemm_tuning.h"
#include "session/session_internal.h"

/* The kernel's compile-time parameters. */
typedef struct vs_gemm_params {
  int rm;  /* rows of C per work-item */
  int nv;  /* vectors of VEC columns of C per work-item (rm x nv accumulators in registers) */
  int vec; /* floats per vector: 1, 2, 4, 8 or 16 */
  int uk;  /* unrolling of the k loop */
  int ly;  /* the most work-items per work-group along m (they share one B panel; vs__gemm_rows) */
  int kc;  /* the k-blocked kind's chunk of k, in steps (an argument of gemm_blocked, not compiled in);
            * 0: 8192 / (nv x vec), a 32 KB chunk of the B panel; the other kinds ignore it */
} vs_gemm_params;
#define VS_GEMM_MAX_RM 16
#define VS_GEMM_MAX_NV 4
#define VS_GEMM_MAX_UK 16
#define VS_GEMM_MAX_LY 64
#define VS_GEMM_MAX_KC 8192

/* Which implementation runs a float32 GEMM: the own kernel on packed
 * panels, CLBlast, the own kernel reading A and B in place (no packing:
 * one launch; only where B is not transposed, vs__gemm_inplace_fits), or
 * the own kernel on packed panels walking k in chunks, each item over up
 * to LY tiles (gemm.cl's gemm_blocked; runs wherever VS_GEMM_OWN does). */
typedef enum vs_gemm_kind {
  VS_GEMM_OWN = 0,
  VS_GEMM_CLBLAST = 1,
  VS_GEMM_INPLACE = 2,
  VS_GEMM_BLOCKED = 3,
  VS_GEMM_TF32 = 4 /* cl_kernels/gemm_mma.cl: TF32 matrix-unit fragments (gemm_mma.c); only where TF32 is allowed */
} vs_gemm_kind;

/* The TF32 kernel's compile-time parameters (cl_kernels/gemm_mma.cl): a
 * work-group of wm x wn warps of 32 items, each warp fm x fn m16n8k8
 * fragments, k in slices of ks (8, 16, 32 or 64): a (wm * fm * 16) x
 * (wn * fn * 8) tile of C per group. */
typedef struct vs_mma_params {
  int wm, wn, fm, fn, ks;
} vs_mma_params;
#define VS_MMA_MAX_WARPS 16 /* wm x wn: 512 items, a common GPU work-group limit's half */
#define VS_MMA_MAX_FRAG 8   /* fm and fn: 8 x 8 x 4 = 256 accumulators a lane at most */
/* The first sets of vs__mma_sets the choice times where TF32 is allowed
 * (gemm_select.c), and so the bar a tuned TF32 set must beat (gemm_tune.c). */
#define VS_MMA_CHOICE_SETS 3

typedef struct vs_gemm_algo {
  vs_gemm_kind kind;
  vs_gemm_params p; /* the own kernel's (packed, blocked, in place); zeros for CLBlast and TF32 */
  vs_mma_params q;  /* the TF32 kernel's; zeros for the others */
} vs_gemm_algo;

/* In range (a set read from the store or the environment is checked
 * before use). */
bool vs__gemm_params_ok(vs_gemm_params p);
/* The default set for d: 14 x 2 vectors of 16 where the device's native
 * float vector is 16 wide (AVX-512), else 6 x 2 vectors of its width;
 * k unrolled 4 times, 16 work-items a group. */
vs_gemm_params vs__gemm_default_params(const vs_cl_device *d);
/* The default set of the k-blocked kind (VS_GEMM_BLOCKED): the default
 * with at most 12 rows where that has 14 or more (gemm_blocked's loop,
 * which keeps its chunk bounds live, spilled one of 14 x 2 accumulators
 * to the stack at every step of k). */
vs_gemm_params vs__gemm_blocked_default_params(const vs_cl_device *d);
/* The chunk of k gemm_blocked walks under p: p.kc, or 8192 / NR when 0. */
int vs__gemm_blocked_kc(vs_gemm_params p);
/* "own rm=14 nv=2 vec=16 uk=4 ly=16", "inplace ...", "blocked ... kc=256"
 * (the chunk always, as run) or "clblast": a tuned set as listed and
 * reported. */
void vs__gemm_algo_text(vs_gemm_algo a, char *buf, size_t cap);
/* "own rm14 nv2 v16 u4 ly16", "inplace ...", "blocked ... kc256" or "clblast". */
void vs__gemm_algo_name(vs_gemm_algo a, char *buf, size_t cap);

/* True when the own kernel can run this problem on d: float32, its packed
 * panels within the device's largest buffer, k and the panel counts
 * within the kernel's 32-bit loop counter. */
bool vs__gemm_own_fits(const vs_cl_device *d, vs_gemm_params p, size_t m, size_t n, size_t k);

/* C = op(A) x op(B) in float32 with the own kernel under p (walking k in
 * chunks, gemm_blocked, when blocked), enqueued on
 * d's current queue (vs__gemm's arguments: row-major, offsets and leading
 * dimensions in elements). m, n or k of 0 are fine (k = 0 writes zeros).
 * Errors: RESOURCE_EXHAUSTED when the panels cannot be allocated, INTERNAL
 * for OpenCL failures. r, here and in every run function below: the run
 * whose session keeps the kernel objects (common.c's vs__kernel_get: made
 * at a step's first launch, then reused); NULL outside a run (selection's
 * and the tuner's measurements): a fresh object per launch, released once
 * enqueued. */
bool vs__gemm_own(vs_run *r, vs_cl_device *d, vs_gemm_params p, bool blocked, bool ta, bool tb, size_t m, size_t n,
                  size_t k, cl_mem a, size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c,
                  size_t c_off, size_t ldc, vs_status *st);

/* True when the in-place kernel can run this problem under p: B not
 * transposed (its vectors are runs of a row of B), m >= rm and n >= nv x
 * vec (an edge tile is shifted back into C, so C holds one whole tile),
 * 1 <= k <= INT32_MAX. */
bool vs__gemm_inplace_fits(vs_gemm_params p, bool tb, size_t m, size_t n, size_t k);
/* Whether algorithm a can run this problem: CLBlast always, the in-place
 * kernel by vs__gemm_inplace_fits, packed and k-blocked by vs__gemm_own_fits. */
bool vs__gemm_algo_fits(const vs_cl_device *d, vs_gemm_algo a, bool tb, size_t m, size_t n, size_t k);

/* vs__gemm_own's contract with the in-place kernel (one launch, no
 * panels); INVALID_ARGUMENT when !vs__gemm_inplace_fits. */
bool vs__gemm_inplace(vs_run *r, vs_cl_device *d, vs_gemm_params p, bool ta, bool tb, size_t m, size_t n, size_t k,
                      cl_mem a, size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off,
                      size_t ldc, vs_status *st);

/* An epilogue applied to C as the own kernel stores it (conv2d's fused
 * BiasAdd and Relu; cl_kernels/gemm.cl's EPI_BIAS and EPI_RELU):
 * C[i, j] = relu?(C[i, j] + bias[j]), relu mapping every value not above
 * 0 (NaN too) to 0 as conv.cl's bias_act does. bias: n floats on the
 * device, NULL for none. Borrowed for the call. */
typedef struct vs_gemm_epi {
  cl_mem bias;
  bool relu;
} vs_gemm_epi;

/* vs__gemm_algo_run with epi (NULL or empty: none) in the own kernels'
 * store; INVALID_ARGUMENT when a is CLBlast and epi has work. */
bool vs__gemm_algo_run_epi(vs_run *r, vs_cl_device *d, vs_gemm_algo a, bool ta, bool tb, size_t m, size_t n, size_t k,
                           cl_mem am, size_t a_off, size_t lda, cl_mem bm, size_t b_off, size_t ldb, cl_mem c,
                           size_t c_off, size_t ldc, const vs_gemm_epi *epi, vs_status *st);

/* Runs algorithm a (own, blocked or in-place under a.p, or CLBlast
 * through vs__gemm). */
bool vs__gemm_algo_run(vs_run *r, vs_cl_device *d, vs_gemm_algo a, bool ta, bool tb, size_t m, size_t n, size_t k,
                       cl_mem am, size_t a_off, size_t lda, cl_mem bm, size_t b_off, size_t ldb, cl_mem c, size_t c_off,
                       size_t ldc, vs_status *st);

/* The GEMM every op calls (MatMul, conv2d's im2col path, the conv
 * backprops): vs__gemm's contract; float32 runs the algorithm chosen for
 * the device and the problem's shape family (vs__gemm_select), other
 * dtypes CLBlast. */
bool vs__matmul(vs_run *r, vs_cl_device *d, vs_dtype t, bool ta, bool tb, size_t m, size_t n, size_t k, cl_mem a,
                size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off, size_t ldc,
                vs_status *st);

/* vs__matmul with epi (NULL: none) applied where the chosen algorithm is
 * one of the own kernels: *applied (may be NULL) says whether it was;
 * where it was not (other dtypes, CLBlast chosen), the caller applies it
 * itself. Used by conv2d's im2col route only. */
bool vs__matmul_epi(vs_run *r, vs_cl_device *d, vs_dtype t, bool ta, bool tb, size_t m, size_t n, size_t k, cl_mem a,
                    size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off, size_t ldc,
                    const vs_gemm_epi *epi, bool *applied, vs_status *st);

/* ---- the TF32 kernel (gemm_mma.c) ---- */
/* In range: wm, wn >= 1 with wm x wn <= VS_MMA_MAX_WARPS, fm and fn 1 to
 * VS_MMA_MAX_FRAG, ks 8, 16, 32 or 64. */
bool vs__mma_params_ok(vs_mma_params q);
/* The sets selection times where TF32 is allowed (and the tests run), in
 * order; the first is the default of VARSCOPE_GEMM=tf32. *n: their count. */
const vs_mma_params *vs__mma_sets(size_t *n);
/* True when the TF32 kernel under q can run on d: q in range, its
 * work-group (32 x wm x wn items) within the device's, its __local tiles
 * (and the emulation's scratch where d has no matrix units) within the
 * device's local memory, k <= INT32_MAX. Else false with the reason in
 * why (may be NULL). */
bool vs__mma_fits(const vs_cl_device *d, vs_mma_params q, size_t k, char *why, size_t cap);
/* The tuners' TF32 search space (gemm_tune.c; conv_tune.c walks it for
 * the TF32 implicit-GEMM conv, whose parameters are the same): the
 * `done`-th set into *q of warps wm, wn and fragments fm, fn 1 to 4,
 * slice depth 16, 32, 8, 64 in that order, at each depth the tiles of
 * powers of two before those with a 3, leaving out the nbar sets of bar
 * (the choice's own: the bar a kept set must beat) and those fits(ctx, q)
 * refuses (the kernel's own limits on the device). False when over. */
typedef bool (*vs_mma_fits_fn)(const void *ctx, vs_mma_params q);
bool vs__mma_search_next(size_t done, const vs_mma_params *bar, size_t nbar, vs_mma_fits_fn fits, const void *ctx,
                         vs_mma_params *q);
/* The whole walk, for the tests: up to cap sets into out as {wm, wn, fm,
 * fn, ks}; returns their number. */
size_t vs__mma_search_list(const vs_mma_params *bar, size_t nbar, vs_mma_fits_fn fits, const void *ctx,
                           int (*out)[5], size_t cap);
/* x rounded to TF32 as cvt.rna.tf32.f32 does (the tuners' host
 * references); x finite. */
double vs__tf32_rna(float x);
/* C = op(A) x op(B) with TF32 products (inputs rounded as cvt.rna.tf32.f32
 * does) and float32 sums, vs__gemm_own's contract otherwise; on a device
 * with TF32 matrix units the mma instruction, elsewhere its emulation.
 * RESOURCE_EXHAUSTED with the reason when !vs__mma_fits or the compiled
 * kernel takes smaller groups or more local memory than the device has. */
bool vs__gemm_mma(vs_run *r, vs_cl_device *d, vs_mma_params q, bool ta, bool tb, size_t m, size_t n, size_t k,
                  cl_mem a, size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off,
                  size_t ldc, vs_status *st);
/* y[i] = x[i] rounded to TF32 by the kernel's own rounding (gemm_mma.cl's
 * tf32_round), n floats on the device. */
bool vs__tf32_round_buffer(vs_cl_device *d, cl_mem y, cl_mem x, size_t n, vs_status *st);
/* One warp's m16n8k8 instruction on fragments given lane by lane
 * (gemm_mma.cl's mma_probe): a 128 floats (lane * 4 + i: a_i), b 64
 * (lane * 2 + i: b_i), out 128 (lane * 4 + i: d_i, from zero). The real
 * instruction where the device has TF32 matrix units, else its emulation. */
bool vs__mma_probe_buffer(vs_cl_device *d, cl_mem out, cl_mem a, cl_mem b, vs_status *st);
/* d's TF32 matrix units as the choice sees them: info.tf32_matrix_units,
 * or a test's pretence (gemm_tuning.h's vs__tf32_units_pretend; the
 * kernel then still runs its emulation, keyed to info's answer). */
bool vs__tf32_units(const vs_cl_device *d);
/* True when float32 GEMMs of run r may take TF32 products: r's session
 * has tensor_float_32_execution on and d has TF32 matrix units. */
bool vs__tf32_allowed(const vs_run *r, const vs_cl_device *d);

/* ---- the choice (gemm_select.c) ---- */
/* The shape family of a problem: the transposes and the power-of-two
 * bucket of m, n and k ("nn|m10|n10|k10"). malloc'd. */
char *vs__gemm_family_key(bool ta, bool tb, size_t m, size_t n, size_t k);
/* The algorithm for this device and problem. tf32: the caller's session
 * has tensor_float_32_execution on; where d also has TF32 matrix units
 * (vs__tf32_allowed) the TF32 kernel's sets are candidates too, under
 * family keys of their own ("tf32|nn|m10|n10|k10") and a memo key of
 * their own, so FP32 and TF32 choices never mix; elsewhere the switch
 * changes nothing. VARSCOPE_GEMM when set ("clblast", "own",
 * "own:RM,NV,VEC,UK,LY", "blocked", "blocked:RM,NV,VEC,UK,LY[,KC]",
 * "inplace" or "inplace:RM,NV,VEC,UK,LY"; in-place falls back to own where
 * it cannot run the problem; "tf32" or "tf32:WM,WN,FM,FN,KS": the TF32
 * kernel wherever tf32 is set, matrix units or not (the emulation on
 * other devices: tests, benches; where the set cannot run, the run fails
 * with RESOURCE_EXHAUSTED and the reason), the usual choice where it is
 * not), else the one the running plan step
 * memoised for these sizes (choice_memo.h), else the one kept for the
 * family (this process's memo, then the keyed store), else measured now
 * on the real buffers (c is overwritten) and kept. */
bool vs__gemm_select(vs_cl_device *d, bool tf32, bool ta, bool tb, size_t m, size_t n, size_t k, cl_mem a, size_t a_off,
                     size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off, size_t ldc,
                     vs_gemm_algo *algo, vs_status *st);
/* The own kernel's form and parameters tuned for the family
 * (vs_device_tune_gemm: packed, k-blocked or in place); false when none
 * are kept. */
bool vs__gemm_tuned_lookup(vs_cl_device *d, const char *family, vs_gemm_algo *a);
/* Keeps (a non-NULL) or removes the tuned set of a family, and forgets
 * the family's choice so that it is measured again with the set. */
bool vs__gemm_tuned_put(vs_cl_device *d, const char *family, const vs_gemm_algo *a, double gflops);
double vs__gemm_now(void);
/* CPU seconds of this process, all its threads (clock for vs__gemm_cost). */
double vs__gemm_cpu_now(void);

/* Work-groups of the own kernel's multiply for an m x n C under p (its
 * rows: gemm_tuning.h's vs__gemm_rows). */
size_t vs__gemm_own_groups(vs_gemm_params p, size_t m, size_t n);
/* The seconds a finished run is ranked by when choosing or tuning. On a
 * CPU device, whose compute units are threads of this process, it is the
 * run's CPU seconds spread over the units the run can occupy
 * (min(compute units, groups); groups 0: all units): what the run takes
 * with the device to itself. Wall time would also measure every other
 * process sharing the cores (a shared build machine runs at load 8-12 on
 * 2 cores, stretching a run's wall time 2-5x at random while its CPU time
 * moves by a few percent), and rank candidates by luck. On other devices
 * the host's CPU time says nothing of the device's work: wall seconds. */
double vs__gemm_cost(const vs_cl_device *d, double wall, double cpu, size_t groups);

#endif
