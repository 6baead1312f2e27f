/* conv_internal.h - conv2d geometry, algorithms and their selection
 * (conv2d.c runs them, conv_select.c chooses and tunes). */
#ifndef VS_CONV_INTERNAL_H
#define VS_CONV_INTERNAL_H

#include "kernels/gemm.h"
#include "session/session_internal.h"

typedef struct vs_conv_geom {
  int64_t N, H, W, C, KH, KW, K, SH, SW, DH, DW;
  int64_t OH, OW, PT, PB, PL, PR; /* output size and TF's SAME padding */
  vs_dtype dtype;
} vs_conv_geom;

/* VS_CONV_POINTWISE: a 1x1 filter (any stride) as a GEMM reading the
 * input where it lies (conv2d.c's vs__conv_pointwise; rm, nv, ly). */
typedef enum vs_conv_kind {
  VS_CONV_DIRECT = 0,
  VS_CONV_IM2COL,
  VS_CONV_CONVGEMM,
  VS_CONV_IGEMM,
  VS_CONV_POINTWISE,
  VS_CONV_IGEMM_TF32 /* conv_igemm_tf32.c: the implicit GEMM on TF32 matrix units (q) */
} vs_conv_kind;

/* The direct kernel's parameters, then the implicit GEMM's (each ignored
 * by the other kinds). Initialisers name their fields (VS_CONV_SET): the
 * kinds use different ones. */
typedef struct vs_conv_algo {
  vs_conv_kind kind;
  int rm; /* output pixels per work-item (registers: rm x nv accumulators) */
  int nv; /* vectors of VEC output channels per work-item (VEC: the widest of 16..1 dividing K) */
  int uc; /* unrolling of the input-channel loop */
  int ly; /* work-items per work-group along the pixels */
  int rw; /* the form (vs_conv_form): RM pixels, a whole row, or a strip of one row reusing each input pixel;
           * VS_CONV_POINTWISE: how many strips ahead an item prefetches its input (0: none) */
  int rh; /* the strip form's output rows per work-item (1: conv2d_strip; more: conv2d_strip_rows); 1 elsewhere */
  /* VS_CONV_IGEMM (conv_igemm.c): an mwg x nwg output tile per work-group
   * of mdimc x ndimc work-items, kwg-deep local slices (db: two buffers),
   * vectors of vw along K, vwm of a work-item's tile rows contiguous in
   * the A slice (read as one vector; 1, 2 or 4). */
  int mwg, nwg, kwg, mdimc, ndimc, vw, db, vwm;
  /* VS_CONV_IGEMM_TF32: gemm_mma.cl's parameters (warps, fragments a
   * warp, k-slice), zeros for the other kinds. */
  vs_mma_params q;
} vs_conv_algo;
/* A kind with the direct kernel's fields, as an initialiser. */
#define VS_CONV_SET(k, rm_, nv_, uc_, ly_, rw_) VS_CONV_SET_RH(k, rm_, nv_, uc_, ly_, rw_, 1)
/* The same with the strip form's output rows per work-item. */
#define VS_CONV_SET_RH(k, rm_, nv_, uc_, ly_, rw_, rh_) \
  {.kind = (k), .rm = (rm_), .nv = (nv_), .uc = (uc_), .ly = (ly_), .rw = (rw_), .rh = (rh_)}
/* The direct kernel's forms (cl_kernels/conv_direct.cl), the values of rw:
 * RM output pixels anywhere (conv2d); one work-item walking a whole output
 * row, filter row by filter row (conv2d_rows); RM pixels of one output
 * row, each input pixel loaded once per filter row and channel for all
 * the taps reading it (conv2d_strip: no dilation along the width, stride
 * there up to VS_CONV_STRIP_MAX_SW, KW up to VS_CONV_STRIP_MAX_KW, and the
 * (RM - 1) x SW + KW input pixels of a strip at most VS_CONV_STRIP_MAX_PX). */
typedef enum vs_conv_form { VS_CONV_PIXELS = 0, VS_CONV_ROWS = 1, VS_CONV_STRIP = 2 } vs_conv_form;
#define VS_CONV_STRIP_MAX_KW 7
#define VS_CONV_STRIP_MAX_SW 4
/* The strip's pixel pointers are unrolled code and live across the
 * channel loop: 22 is stride 1's largest (RM 16, KW 7), so the bound only
 * narrows the strided strips (stride 2 and KW 3: RM up to 11). */
#define VS_CONV_STRIP_MAX_PX 24
#define VS_CONV_MAX_RM 16
#define VS_CONV_MAX_NV 4
#define VS_CONV_MAX_UC 8
#define VS_CONV_MAX_LY 64
#define VS_CONV_MAX_RH 8

/* What the conv applies to its output as it stores it: the BiasAdd and
 * Relu the plan fused into it (engine/exec/plan.c's fuse). bias: K values
 * of the conv's dtype on its device, or NULL for none. */
typedef struct vs_conv_epi {
  cl_mem bias;
  bool relu;
} vs_conv_epi;

/* TF's output size and SAME padding for op over these shapes; false when
 * they do not fit together. */
bool vs__conv_geometry(const vs_op *op, vs_shape xs, vs_shape fs, vs_conv_geom *g);

/* The widest vector of 16, 8, 4, 2 or 1 lanes dividing n (conv2d.c). */
int vs__vec_width(int64_t n);
/* The direct kernel's vector width for g, and whether a's parameters fit
 * g (in range, VEC * nv dividing K). A set that does not fit runs with
 * the default register tile. */
int vs__conv_direct_vec(const vs_conv_geom *g);
bool vs__conv_direct_fits(const vs_conv_geom *g, vs_conv_algo a);
/* A direct set's fields in their ranges, whatever the geometry; rh above 1
 * only with the strip form (the one kernel blocked across rows). */
bool vs__conv_direct_in_range(vs_conv_algo a);
/* Work-groups of the direct kernel's launch of a on g (as it runs there:
 * a set that does not fit runs as the default's tile). */
size_t vs__conv_direct_groups(const vs_conv_geom *g, vs_conv_algo a);
/* epi (NULL: none) is applied in the kernel's stores. */
bool vs__conv_direct(vs_run *r, vs_cl_device *d, size_t dev, const vs_conv_geom *g, vs_conv_algo a, cl_mem x, cl_mem f,
                     cl_mem out, const vs_conv_epi *epi, vs_status *st);
/* Output lines [line0, line0 + lines) (a line: one (n, oh)) of g's im2col
 * matrix into cols, row (line - line0) x OW + ow, column (kh, kw, c):
 * cl_kernels/conv.cl's im2col_lines, enqueued. Conv2D's im2col route and
 * Conv2DBackpropFilter's (nn_grad.c) use it. */
bool vs__im2col_lines(vs_run *r, vs_cl_device *d, const vs_conv_geom *g, cl_mem x, cl_mem cols, size_t line0, size_t lines,
                      vs_status *st);
/* epi (NULL: none) in the GEMM's store where the GEMM chosen is our own,
 * else as a pass after it. */
bool vs__conv_im2col(vs_run *r, vs_cl_device *d, size_t dev, const vs_conv_geom *g, cl_mem x, cl_mem f, cl_mem out,
                     const vs_conv_epi *epi, vs_status *st);
/* CLBlast's convgemm covers float32 with symmetric padding only. */
bool vs__conv_convgemm_fits(const vs_conv_geom *g);
bool vs__conv_convgemm(vs_run *r, vs_cl_device *d, size_t dev, const vs_conv_geom *g, cl_mem x, cl_mem f, cl_mem out,
                       vs_status *st);
/* ---- the pointwise kernel (conv2d.c, cl_kernels/conv_pointwise.cl) ---- */
#define VS_CONV_PW_MAX_RM 16
#define VS_CONV_PW_MAX_PF 4 /* rw, the input prefetch's distance in strips */
/* Whether g is a 1x1 conv without padding (any stride): the kernel's
 * shapes. */
bool vs__conv_pointwise_applies(const vs_conv_geom *g);
/* Its vector width on g (the widest of 16..1 dividing K; 8 at most for
 * float64, whose 16 lanes are two AVX-512 registers); a's rm (1 to
 * VS_CONV_PW_MAX_RM), nv (1 to VS_CONV_MAX_NV, vec x nv dividing K), ly
 * (1 to VS_CONV_MAX_LY) and rw (0 to VS_CONV_PW_MAX_PF) fitting g. */
int vs__conv_pointwise_vec(const vs_conv_geom *g);
bool vs__conv_pointwise_fits(const vs_conv_geom *g, vs_conv_algo a);
/* The sets selection tries on d for g (those that fit), up to cap; their
 * count. */
size_t vs__conv_pointwise_sets(const vs_cl_device *d, const vs_conv_geom *g, vs_conv_algo *out, size_t cap);
/* Runs a on g (INVALID_ARGUMENT when it does not fit), epi in its stores. */
bool vs__conv_pointwise(vs_run *r, vs_cl_device *d, const vs_conv_geom *g, vs_conv_algo a, cl_mem x, cl_mem f, cl_mem out,
                        const vs_conv_epi *epi, vs_status *st);

/* ---- the implicit-GEMM kernel (conv_igemm.c, cl_kernels/conv_igemm.cl) ---- */
/* a's parameters in range and dividing each other (no device check). */
bool vs__conv_igemm_valid(vs_conv_algo a);
/* Whether a fits d's local memory and work-group size for dtype; when not,
 * why (when why is not NULL). */
bool vs__conv_igemm_fits(vs_cl_device *d, vs_dtype dtype, vs_conv_algo a, char *why, size_t cap);
/* The device class the kernel is designed for: local memory of its own
 * (CL_DEVICE_LOCAL_MEM_TYPE == CL_LOCAL: GPUs). Only there does it join
 * the measured selection and the tuner's search. */
bool vs__conv_igemm_gate(vs_cl_device *d);
/* Up to cap default sets that fit d, for selection; their count. */
size_t vs__conv_igemm_defaults(vs_cl_device *d, vs_dtype dtype, vs_conv_algo *out, size_t cap);
/* The idx-th set of the tuner's search space (phase 2 around centre, the
 * best tile of phase 1); false past its end. */
bool vs__conv_igemm_candidate(size_t idx, vs_conv_algo centre, vs_conv_algo *out);
/* The run-time arguments both implicit GEMMs take (conv_igemm.cl's and
 * conv_igemm_tf32.cl's kernels: out, in, filter, bias, H, W, C, KH, KW,
 * K, PT, PL, OH, OW, SH, SW, DH, DW, M, has_bias, relu): args point into
 * the struct, which must outlive the enqueue. */
#define VS_CONV_IGEMM_ARGS 21
typedef struct vs_conv_igemm_argv {
  cl_mem out, x, f, bias;
  cl_int i[14];
  cl_ulong M;
  cl_int has_bias, relu;
  karg args[VS_CONV_IGEMM_ARGS];
} vs_conv_igemm_argv;
void vs__conv_igemm_args(vs_conv_igemm_argv *v, const vs_conv_geom *g, cl_mem x, cl_mem f, cl_mem out,
                         const vs_conv_epi *epi);
/* Runs a (refused with a status when it does not fit d), epi in its stores. */
bool vs__conv_igemm(vs_run *r, vs_cl_device *d, const vs_conv_geom *g, vs_conv_algo a, cl_mem x, cl_mem f, cl_mem out,
                    const vs_conv_epi *epi, vs_status *st);
/* "igemm m64 n64 k16 d8x8 v4[ db][ vm4]". */
void vs__conv_igemm_name(vs_conv_algo a, char *buf, size_t cap);
/* The store table's fields ("3 mwg nwg kwg mdimc ndimc vw db vwm") and their
 * strict parse (false for a line of another kind). */
void vs__conv_igemm_fields(vs_conv_algo a, char *buf, size_t cap);
bool vs__conv_igemm_parse(const char *s, vs_conv_algo *a);
/* VARSCOPE_CONV's "igemm" (d's first default) or "igemm:MWG,NWG,KWG,MDIMC,
 * NDIMC,VW[,DB[,VWM]]"; false, with st set, for a bad one. */
bool vs__conv_igemm_forced(vs_cl_device *d, const vs_conv_geom *g, const char *force, vs_conv_algo *a, vs_status *st);

/* ---- the TF32 implicit GEMM (conv_igemm_tf32.c, cl_kernels/conv_igemm_tf32.cl) ---- */
/* The kind's algo under q. */
vs_conv_algo vs__conv_mma_algo(vs_mma_params q);
/* Whether a (VS_CONV_IGEMM_TF32) can run on d: q in range, its work-group
 * and local memory within d's limits; when not, why. */
bool vs__conv_mma_fits(const vs_cl_device *d, vs_conv_algo a, char *why, size_t cap);
/* Up to cap of its default sets that fit d, for selection; their count. */
size_t vs__conv_mma_defaults(const vs_cl_device *d, vs_conv_algo *out, size_t cap);
/* "igemm-tf32 w2x2 f2x4 k16". */
void vs__conv_mma_name(vs_conv_algo a, char *buf, size_t cap);
/* The store table's fields ("5 wm wn fm fn ks") and their strict parse
 * (false for a line of another kind). */
void vs__conv_mma_fields(vs_conv_algo a, char *buf, size_t cap);
bool vs__conv_mma_parse(const char *s, vs_conv_algo *a);
/* Whether force is VARSCOPE_CONV's igemm-tf32 form: "igemm-tf32" or
 * "igemm-tf32:..."; then vs__conv_mma_forced parses it (the bare form: d's
 * first default that fits) into *a: false, with st set, for a bad one. */
bool vs__conv_mma_is_forced(const char *force);
bool vs__conv_mma_forced(const vs_cl_device *d, const char *force, vs_conv_algo *a, vs_status *st);
/* Runs a on g (refused with a status when it does not fit d), epi in its
 * stores: TF32 products whatever the session (the caller chose it). */
bool vs__conv_igemm_tf32(vs_run *r, vs_cl_device *d, const vs_conv_geom *g, vs_conv_algo a, cl_mem x, cl_mem f,
                         cl_mem out, const vs_conv_epi *epi, vs_status *st);

/* Runs algorithm a, then epi (NULL: none): in the direct, igemm and pointwise kernels' stores
 * and our own GEMM's (the im2col route), as a bias_act pass after the others. */
bool vs__conv_algo_run(vs_run *r, vs_cl_device *d, size_t dev, const vs_conv_geom *g, vs_conv_algo a, cl_mem x, cl_mem f,
                       cl_mem out, const vs_conv_epi *epi, vs_status *st);

/* Whether d's registers are 16 vectors of 8 floats or fewer (a CPU whose
 * native float width is below 16: AVX2, SSE), the class whose direct and
 * pointwise tiles are sized for half the accumulators (gemm.c's rule). */
bool vs__conv_narrow_registers(const vs_cl_device *d);

/* The direct kernel's register file on d, counted in g's VEC-wide
 * vectors (vs__conv_direct_vec): 32 on GPUs and on CPUs whose native float
 * width is 16 (AVX-512); elsewhere 16 registers of the native width
 * (AVX2, SSE), so 8 on AVX2 when VEC is 16 (a float16 is two ymm). */
int vs__conv_direct_registers(const vs_cl_device *d, const vs_conv_geom *g);

/* The direct kernel's default parameters on d: the AVX-512-sized tile on
 * devices with 32 registers of 16 floats (and GPUs, unmeasured), a tile of
 * half the accumulators where the registers are 16 of 8 floats or fewer. */
vs_conv_algo vs__conv_default_direct(const vs_cl_device *d);

/* The direct sets selection times on d for g, at most cap written to out:
 * the default first (whether it fits g or not: vs__conv_direct runs the
 * nearest form that does), then the device class's variants that fit g;
 * where none does (output channels in a count of vectors that no
 * variant's nv divides: one, or three for 48 channels of 16), the
 * default's and the variants' own forms with as many
 * channel vectors as g's K divides into, each once (conv_select.c).
 * Returns how many were written; never more than 2 + the variants. */
size_t vs__conv_direct_sets(const vs_cl_device *d, const vs_conv_geom *g, vs_conv_algo *out, size_t cap);

/* The sets conv selection times again in interleaved rounds (conv_select.c
 * `refine`): of cands[0, n), with screening times times[i] (< 0: failed)
 * and best the lowest of them (< 0: none), the direct, pointwise and
 * im2col sets within 1.5x of best, and a set of another kind whose time
 * is best (the screening's winner), at most VS_CHOICE_MAX_CANDS
 * (choice_pick.h), the fastest first. Writes their indices to idx (room
 * for VS_CHOICE_MAX_CANDS) in order of screening time; returns how many. */
int vs__conv_refine_sets(const vs_conv_algo *cands, const double *times, int n, double best, int *idx);

/* refine's decision among sets[0, m) (m at most VS_CHOICE_MAX_CANDS) from
 * their round costs costs[i * VS_CHOICE_ROUNDS_MAX + round] (< 0: not
 * run): choice_pick.h's rule (the lowest median, a simpler set within 3%),
 * the one-launch direct and pointwise sets simpler than every other kind.
 * Returns the index and its median in *cost (may be NULL); m (or more)
 * when no set ran. */
size_t vs__conv_refine_pick(const vs_conv_algo *sets, const double *costs, int m, double *cost);

/* The algorithm for this device and geometry: VARSCOPE_CONV when set
 * (direct, direct:RM,NV,UC,LY,RW[,RH], im2col, convgemm, igemm,
 * igemm:MWG,NWG,KWG,MDIMC,NDIMC,VW[,DB[,VWM]], pointwise, pointwise:RM,NV,LY;
 * convgemm and pointwise on a geometry they cannot run: the default
 * direct set; igemm-tf32[:WM,WN,FM,FN,KS] only when tf32, the run's
 * session switch, is on), else the one kept for the geometry (the running step's
 * memo, choice_memo.h; this process's memo, then the keyed store), else
 * measured now on the real buffers (out is overwritten) and kept. Where
 * tf32 is on and d has TF32 matrix units, the TF32 implicit GEMM's sets
 * are candidates too, and the choice is kept under "tf32|" keys. */
bool vs__conv_select(vs_cl_device *d, size_t dev, bool tf32, const vs_conv_geom *g, cl_mem x, cl_mem f, cl_mem out,
                     vs_conv_algo *algo, vs_status *st);

/* A short name ("direct rm6 nv2 u2 ly1", "im2col+gemm", "convgemm",
 * "igemm m64 n64 k16 d8x8 v4", "pointwise rm8 nv2 ly4"). */
void vs__conv_algo_name(vs_conv_algo a, char *buf, size_t cap);

/* ---- the choices tables in the keyed store (conv_select.c) ---- */
/* The store key of device d's table of geometries' choices (it holds the
 * identity of the CLBlast sets in use); a geometry's key in it; its shape
 * family's key (where the tuner's sets are kept, in a table of their own,
 * which the table functions below pick by the key). malloc'd. */
char *vs__conv_store_key(const vs_cl_device *d);
char *vs__conv_geom_key(const vs_conv_geom *g);
char *vs__conv_family_key(const vs_conv_geom *g);
/* The geometry's numbers, dtype first (VS_CONV_GEOM_WORDS of them), into
 * w: what a step's memo of a choice compares (choice_memo.h). */
#define VS_CONV_GEOM_WORDS 18
void vs__conv_geom_words(const vs_conv_geom *g, int64_t *w);
/* The algorithm kept under key; false when none. */
bool vs__conv_table_lookup(vs_cl_device *d, const char *key, vs_conv_algo *a);
/* Keeps a under key (replacing), with its time for the listing. */
bool vs__conv_table_put(vs_cl_device *d, const char *key, vs_conv_algo a, double ms);
/* Removes key's line. */
bool vs__conv_table_remove(vs_cl_device *d, const char *key);
/* Forgets the choices of g's family's geometries (measured again with
 * newly tuned parameters). */
bool vs__conv_table_forget_family(vs_cl_device *d, const vs_conv_geom *g);
double vs__conv_now(void);
/* The seconds a finished run of a on g is ranked by when choosing
 * (conv_select.c) or tuning (conv_tune.c): on a CPU device its CPU
 * seconds over the threads the run can occupy (gemm.h's vs__gemm_cost;
 * the direct kernel's work-groups, all threads for the other kinds),
 * elsewhere wall seconds. cpu: vs__gemm_cpu_now's difference. */
double vs__conv_cost(const vs_cl_device *d, const vs_conv_geom *g, vs_conv_algo a, double wall, double cpu);

#endif
