/* gemm.c - runs varscope's own SGEMM (cl_kernels/gemm.cl): packs op(A)
 * and op(B) into panels, then the register-blocked multiply, or the same
 * multiply reading A and B in place (small problems); and
 * vs__matmul, the GEMM entry point of the ops, which runs the algorithm
 * gemm_select.c chose for the problem's shape family.
 *
 * Every launch goes through common.c's one launch path (vs__kernel_get):
 * in a run, the session's kept kernel object for (gemm, options, kernel),
 * its arguments set only where they changed; outside one (selection's and
 * the tuner's measurements, r NULL) a fresh object from the device's
 * program cache, released once enqueued. */
#include <stdio.h>
#include <string.h>

#include "kernels/gemm.h"
#include "kernels/kernels_internal.h"
#include "runtime/blas.h"

bool vs__gemm_params_ok(vs_gemm_params p) {
  return p.rm >= 1 && p.rm <= VS_GEMM_MAX_RM && p.nv >= 1 && p.nv <= VS_GEMM_MAX_NV &&
         (p.vec == 1 || p.vec == 2 || p.vec == 4 || p.vec == 8 || p.vec == 16) && p.uk >= 1 &&
         p.uk <= VS_GEMM_MAX_UK && p.ly >= 1 && p.ly <= VS_GEMM_MAX_LY && p.kc >= 0 && p.kc <= VS_GEMM_MAX_KC;
}

vs_gemm_params vs__gemm_default_params(const vs_cl_device *d) {
  cl_uint w = d->native_float_width;
  /* 32 vector registers (AVX-512): 14 x 2 accumulators, 2 B vectors and
   * the broadcast; 16 (AVX2 and narrower): 6 x 2 and 2. Work-groups of 16
   * items share each B panel 16 times: on the 2-core AVX-512 PoCL device,
   * 1024^3 to 4096^3 took 35-40% fewer CPU seconds than with 4 (B panels
   * are the traffic that limits the kernel; docs/conv-performance.md). */
  if (vs__wide_vector_registers(d)) return (vs_gemm_params){14, 2, 16, 4, 16, 0};
  return (vs_gemm_params){6, 2, w >= 8 ? 8 : w >= 4 ? 4 : 1, 4, 16, 0};
}

vs_gemm_params vs__gemm_blocked_default_params(const vs_cl_device *d) {
  vs_gemm_params p = vs__gemm_default_params(d);
  if (p.rm > 12) p.rm = 12;
  return p;
}

int vs__gemm_blocked_kc(vs_gemm_params p) {
  int nr = p.vec * p.nv;
  return p.kc ? p.kc : nr > 0 ? 8192 / nr : 1;
}

/* "rm=14 nv=2 vec=16 uk=4 ly=16" (" kc=256" after it when kc is set). */
static void params_text(vs_gemm_params p, char *buf, size_t cap) {
  if (p.kc) snprintf(buf, cap, "rm=%d nv=%d vec=%d uk=%d ly=%d kc=%d", p.rm, p.nv, p.vec, p.uk, p.ly, p.kc);
  else snprintf(buf, cap, "rm=%d nv=%d vec=%d uk=%d ly=%d", p.rm, p.nv, p.vec, p.uk, p.ly);
}

static const char *kind_word(vs_gemm_kind k) {
  return k == VS_GEMM_INPLACE ? "inplace" : k == VS_GEMM_BLOCKED ? "blocked" : k == VS_GEMM_CLBLAST ? "clblast" : "own";
}

void vs__gemm_algo_text(vs_gemm_algo a, char *buf, size_t cap) {
  if (a.kind == VS_GEMM_CLBLAST) {
    snprintf(buf, cap, "clblast");
    return;
  }
  if (a.kind == VS_GEMM_TF32) {
    snprintf(buf, cap, "tf32 wm=%d wn=%d fm=%d fn=%d ks=%d", a.q.wm, a.q.wn, a.q.fm, a.q.fn, a.q.ks);
    return;
  }
  vs_gemm_params p = a.p;
  p.kc = a.kind == VS_GEMM_BLOCKED ? vs__gemm_blocked_kc(p) : 0; /* the chunk only where it runs, as it runs */
  char text[96];
  params_text(p, text, sizeof text);
  snprintf(buf, cap, "%s %s", kind_word(a.kind), text);
}

void vs__gemm_algo_name(vs_gemm_algo a, char *buf, size_t cap) {
  if (a.kind == VS_GEMM_CLBLAST) {
    snprintf(buf, cap, "clblast");
    return;
  }
  if (a.kind == VS_GEMM_TF32) {
    snprintf(buf, cap, "tf32 w%dx%d f%dx%d k%d", a.q.wm, a.q.wn, a.q.fm, a.q.fn, a.q.ks);
    return;
  }
  int len = snprintf(buf, cap, "%s rm%d nv%d v%d u%d ly%d", kind_word(a.kind), a.p.rm, a.p.nv, a.p.vec, a.p.uk, a.p.ly);
  if (a.kind == VS_GEMM_BLOCKED && len >= 0 && (size_t)len < cap)
    snprintf(buf + len, cap - (size_t)len, " kc%d", vs__gemm_blocked_kc(a.p));
}

size_t vs__gemm_rows(size_t tiles, int ly, size_t *per) {
  size_t l = ly > 0 ? (size_t)ly : 1, rows = tiles ? (tiles + l - 1) / l : 1;
  *per = tiles ? (tiles + rows - 1) / rows : 1;
  return rows;
}

/* The rows of work-groups (of items, blocked) of the multiply of an
 * m-row C under p (vs__gemm_rows): the kernels' `rows` argument. */
static size_t multiply_rows(vs_gemm_params p, size_t m) {
  size_t per;
  return vs__gemm_rows((m + (size_t)p.rm - 1) / (size_t)p.rm, p.ly, &per);
}

size_t vs__gemm_own_groups(vs_gemm_params p, size_t m, size_t n) {
  size_t nr = (size_t)(p.vec * p.nv);
  return (n + nr - 1) / nr * multiply_rows(p, m);
}

double vs__gemm_cost(const vs_cl_device *d, double wall, double cpu, size_t groups) {
  if (strcmp(d->info.type, "CPU") != 0 || cpu <= 0) return wall;
  size_t units = d->info.compute_units ? d->info.compute_units : 1;
  if (groups && groups < units) units = groups;
  double cost = cpu / (double)units;
  return cost < wall ? cost : wall; /* never above what was seen */
}

/* True when epi has work (a bias or a relu). */
static bool epi_some(const vs_gemm_epi *epi) { return epi && (epi->bias || epi->relu); }

/* The build options of gemm.cl under p; ta: the in-place kernel's TA;
 * the epilogue's defines only when it has work (so the plain programs,
 * and their cached builds, are those of the GEMM without one). */
static void kernel_options(const vs_cl_device *d, vs_gemm_params p, int ta, const vs_gemm_epi *epi, char *opts,
                           size_t cap) {
  const char *base = vs__cl_options(VS_FLOAT, d);
  snprintf(opts, cap, "%s -DRM=%d -DNV=%d -DVEC=%d -DUNROLL_K=%d -DTA=%d%s%s", base ? base : "", p.rm, p.nv, p.vec,
           p.uk, ta, epi && epi->bias ? " -DEPI_BIAS" : "", epi && epi->relu ? " -DEPI_RELU" : "");
}

/* Panel counts and padded sizes; false when a size overflows. */
static bool panels(vs_gemm_params p, size_t m, size_t n, size_t k, size_t *na, size_t *nb) {
  size_t rm = (size_t)p.rm, nr = (size_t)(p.vec * p.nv);
  size_t mp = (m + rm - 1) / rm * rm, np = (n + nr - 1) / nr * nr;
  return !__builtin_mul_overflow(mp, k, na) && !__builtin_mul_overflow(np, k, nb) &&
         !__builtin_mul_overflow(*na, sizeof(float), na) && !__builtin_mul_overflow(*nb, sizeof(float), nb);
}

bool vs__gemm_own_fits(const vs_cl_device *d, vs_gemm_params p, size_t m, size_t n, size_t k) {
  size_t na, nb;
  return vs__gemm_params_ok(p) && k <= INT32_MAX && m / (size_t)p.rm < INT32_MAX &&
         n / (size_t)(p.vec * p.nv) < INT32_MAX && panels(p, m, n, k, &na, &nb) && na <= d->info.max_alloc_bytes &&
         nb <= d->info.max_alloc_bytes;
}

/* Packs op(A) (rows of m, padded to mp) and op(B) (columns of n, padded
 * to np), k long, with gemm.cl's `pack` in one launch: one work-item per
 * panel and block of VEC steps of k (the blocks rounded up to the local
 * size; A's panels and then B's). */
static bool pack(vs_run *r, vs_cl_device *d, const char *opts, vs_gemm_params p, cl_mem ap, cl_mem a, size_t a_off,
                 size_t lda, bool ta, size_t m, size_t mp, cl_mem bp, cl_mem b, size_t b_off, size_t ldb, bool tb,
                 size_t n, size_t np, size_t k, vs_status *st) {
  vs_kernel_use kp;
  if (!vs__kernel_get(r, d, "gemm", VS_FLOAT, "pack", opts, &kp, st)) return false;
  size_t l = vs__kernel_use_local(d, &kp);
  cl_ulong uaoff = a_off, ulda = lda, um = m, uboff = b_off, uldb = ldb, un = n, uk = k;
  cl_ulong a_panels = mp / (size_t)p.rm, b_panels = np / (size_t)(p.vec * p.nv);
  cl_int ita = ta, itb = tb;
  karg args[] = {KARG(ap),  KARG(a),   KARG(uaoff), KARG(ulda), KARG(ita), KARG(um), KARG(bp),
                 KARG(b),   KARG(uboff), KARG(uldb), KARG(itb), KARG(un),  KARG(uk), KARG(a_panels)};
  size_t blocks = (k + (size_t)p.vec - 1) / (size_t)p.vec;
  size_t global[2] = {(blocks + l - 1) / l * l, (size_t)(a_panels + b_panels)}, local[2] = {l, 1};
  bool ok = vs__kernel_enqueue(d, &kp, 2, global, local, args, 14, "pack", st);
  vs__kernel_put(&kp);
  return ok;
}

/* Enqueues a multiply kernel (its arguments set from args, `rows` among
 * them: multiply_rows's, passed here too) over C's tiles: global
 * (ceil(n / NR), rows x LY), local (1, LY); for gemm_blocked (whose item
 * walks its row's tiles itself) global (ceil(n / NR), rows), local (1, 1). The local size
 * stays LY whatever m is (PoCL builds a work-group function per local
 * size); a row's items past its share of tiles return at once. Then puts
 * km back. */
static bool multiply(vs_cl_device *d, vs_kernel_use *km, vs_gemm_params p, bool blocked, size_t rows, size_t n,
                     const karg *args, int nargs, const char *what, vs_status *st) {
  size_t nr = (size_t)(p.vec * p.nv), ly = (size_t)p.ly;
  size_t global[2] = {(n + nr - 1) / nr, blocked ? rows : rows * ly}, local[2] = {1, blocked ? 1 : ly};
  bool ok = vs__kernel_enqueue(d, km, 2, global, local, args, nargs, what, st);
  vs__kernel_put(km);
  return ok;
}

/* vs__gemm_own with the epilogue epi (NULL: none) in the multiply's store. */
static bool own_run(vs_run *r, vs_cl_device *d, vs_gemm_params p, bool blocked, bool ta, bool tb, size_t m, size_t n,
                    size_t k, cl_mem a, size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c,
                    size_t c_off, size_t ldc, const vs_gemm_epi *epi, vs_status *st) {
  if (!m || !n) return true;
  if (!vs__gemm_own_fits(d, p, m, n, k)) {
    vs__fail(st, VS_RESOURCE_EXHAUSTED, VS_EXC_OP_ERROR,
             "SGEMM %zux%zux%zu: the packed panels of parameters rm=%d nv=%d vec=%d do not fit %s", m, n, k, p.rm,
             p.nv, p.vec, d->info.cl_name);
    return false;
  }
  char opts[224];
  kernel_options(d, p, 0, epi, opts, sizeof opts);
  size_t kk = k ? k : 1; /* k = 0: panels of zeros, so C gets zeros */
  size_t na = 0, nb = 0;
  panels(p, m, n, kk, &na, &nb); /* cannot overflow: vs__gemm_own_fits checked k >= kk */
  vs_shape sa = {.known = true, .rank = 1, .dims = {(int64_t)(na / sizeof(float))}},
           sb = {.known = true, .rank = 1, .dims = {(int64_t)(nb / sizeof(float))}};
  cl_mem ap = vs__device_buffer(d, na, &sa, VS_FLOAT, st);
  cl_mem bp = ap ? vs__device_buffer(d, nb, &sb, VS_FLOAT, st) : NULL;
  bool ok = bp != NULL;
  if (ok && k)
    ok = pack(r, d, opts, p, ap, a, a_off, lda, ta, m, na / sizeof(float) / k, bp, b, b_off, ldb, tb, n,
              nb / sizeof(float) / k, k, st);
  if (ok && !k) {
    float zero = 0;
    cl_int err = clEnqueueFillBuffer(*vs__queue(d), ap, &zero, sizeof zero, 0, na, 0, NULL, NULL);
    if (err == CL_SUCCESS) err = clEnqueueFillBuffer(*vs__queue(d), bp, &zero, sizeof zero, 0, nb, 0, NULL, NULL);
    if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueFillBuffer");
    ok = err == CL_SUCCESS;
  }
  const char *name = blocked ? "gemm_blocked" : "gemm_packed";
  vs_kernel_use km;
  if (ok && vs__kernel_get(r, d, "gemm", VS_FLOAT, name, opts, &km, st)) {
    cl_ulong uoff = c_off, uld = ldc, um = m, un = n;
    cl_int ik = (cl_int)kk;
    size_t rows = multiply_rows(p, m);
    cl_ulong urows = rows;
    cl_int ikc = vs__gemm_blocked_kc(p); /* gemm_blocked's chunk; gemm_packed has 9 arguments */
    karg args[] = {KARG(c),  KARG(uoff), KARG(uld),   KARG(ap),  KARG(bp), KARG(um),
                   KARG(un), KARG(ik),   KARG(urows), KARG(ikc), {0, NULL}};
    int nargs = blocked ? 10 : 9;
    if (epi && epi->bias) args[nargs++] = KARG(epi->bias); /* gemm.cl's EPI_ARG, last */
    ok = multiply(d, &km, p, blocked, rows, n, args, nargs, name, st);
  } else {
    ok = false;
  }
  vs__buffer_release(ap); /* freed by the driver once the queued kernels finish */
  vs__buffer_release(bp);
  return ok;
}

bool vs__gemm_own(vs_run *r, vs_cl_device *d, vs_gemm_params p, bool blocked, bool ta, bool tb, size_t m, size_t n,
                  size_t k, cl_mem a, size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c,
                  size_t c_off, size_t ldc, vs_status *st) {
  return own_run(r, d, p, blocked, ta, tb, m, n, k, a, a_off, lda, b, b_off, ldb, c, c_off, ldc, NULL, st);
}

bool vs__gemm_inplace_fits(vs_gemm_params p, bool tb, size_t m, size_t n, size_t k) {
  return vs__gemm_params_ok(p) && !tb && m >= (size_t)p.rm && n >= (size_t)(p.vec * p.nv) && k >= 1 &&
         k <= INT32_MAX && m / (size_t)p.rm < INT32_MAX && n / (size_t)(p.vec * p.nv) < INT32_MAX;
}

bool vs__gemm_algo_fits(const vs_cl_device *d, vs_gemm_algo a, bool tb, size_t m, size_t n, size_t k) {
  if (a.kind == VS_GEMM_TF32) return vs__mma_fits(d, a.q, k, NULL, 0);
  return a.kind == VS_GEMM_CLBLAST ||
         (a.kind == VS_GEMM_INPLACE ? vs__gemm_inplace_fits(a.p, tb, m, n, k) : vs__gemm_own_fits(d, a.p, m, n, k));
}

/* vs__gemm_inplace with the epilogue epi (NULL: none) in its store. */
static bool inplace_run(vs_run *r, vs_cl_device *d, vs_gemm_params p, bool ta, bool tb, size_t m, size_t n, size_t k,
                        cl_mem a, size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off,
                        size_t ldc, const vs_gemm_epi *epi, vs_status *st) {
  if (!vs__gemm_inplace_fits(p, tb, m, n, k)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
             "SGEMM %zux%zux%zu (transpose_b %d): the in-place kernel of parameters rm=%d nv=%d vec=%d cannot run it",
             m, n, k, (int)tb, p.rm, p.nv, p.vec);
    return false;
  }
  char opts[224];
  kernel_options(d, p, ta, epi, opts, sizeof opts);
  vs_kernel_use km;
  if (!vs__kernel_get(r, d, "gemm", VS_FLOAT, "gemm_inplace", opts, &km, st)) return false;
  cl_ulong uoff = c_off, uld = ldc, uaoff = a_off, ulda = lda, uboff = b_off, uldb = ldb, um = m, un = n;
  cl_int ik = (cl_int)k;
  size_t rows = multiply_rows(p, m);
  cl_ulong urows = rows;
  karg args[] = {KARG(c),     KARG(uoff), KARG(uld),  KARG(a),  KARG(uaoff), KARG(ulda),     KARG(b),
                 KARG(uboff), KARG(uldb), KARG(um),   KARG(un), KARG(ik),    KARG(urows), {0, NULL}};
  int nargs = 13;
  if (epi && epi->bias) args[nargs++] = KARG(epi->bias); /* gemm.cl's EPI_ARG, last */
  return multiply(d, &km, p, false, rows, n, args, nargs, "gemm_inplace", st);
}

bool vs__gemm_inplace(vs_run *r, vs_cl_device *d, vs_gemm_params p, bool ta, bool tb, size_t m, size_t n, size_t k,
                      cl_mem a, size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off,
                      size_t ldc, vs_status *st) {
  return inplace_run(r, d, p, ta, tb, m, n, k, a, a_off, lda, b, b_off, ldb, c, c_off, ldc, NULL, st);
}

bool vs__gemm_algo_run_epi(vs_run *r, vs_cl_device *d, vs_gemm_algo a, bool ta, bool tb, size_t m, size_t n, size_t k,
                           cl_mem am, size_t a_off, size_t lda, cl_mem bm, size_t b_off, size_t ldb, cl_mem c,
                           size_t c_off, size_t ldc, const vs_gemm_epi *epi, vs_status *st) {
  if (a.kind == VS_GEMM_OWN || a.kind == VS_GEMM_BLOCKED)
    return own_run(r, d, a.p, a.kind == VS_GEMM_BLOCKED, ta, tb, m, n, k, am, a_off, lda, bm, b_off, ldb, c, c_off, ldc,
                   epi, st);
  if (a.kind == VS_GEMM_INPLACE)
    return inplace_run(r, d, a.p, ta, tb, m, n, k, am, a_off, lda, bm, b_off, ldb, c, c_off, ldc, epi, st);
  if (epi_some(epi)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "SGEMM %zux%zux%zu: %s GEMM has no epilogue", m, n, k,
             a.kind == VS_GEMM_TF32 ? "the TF32" : "CLBlast's");
    return false;
  }
  if (a.kind == VS_GEMM_TF32)
    return vs__gemm_mma(r, d, a.q, ta, tb, m, n, k, am, a_off, lda, bm, b_off, ldb, c, c_off, ldc, st);
  return vs__gemm(d, VS_FLOAT, ta, tb, m, n, k, am, a_off, lda, bm, b_off, ldb, c, c_off, ldc, st);
}

bool vs__gemm_algo_run(vs_run *r, vs_cl_device *d, vs_gemm_algo a, bool ta, bool tb, size_t m, size_t n, size_t k,
                       cl_mem am, size_t a_off, size_t lda, cl_mem bm, size_t b_off, size_t ldb, cl_mem c, size_t c_off,
                       size_t ldc, vs_status *st) {
  return vs__gemm_algo_run_epi(r, d, a, ta, tb, m, n, k, am, a_off, lda, bm, b_off, ldb, c, c_off, ldc, NULL, st);
}

bool vs__matmul_epi(vs_run *r, vs_cl_device *d, vs_dtype t, bool ta, bool tb, size_t m, size_t n, size_t k, cl_mem a,
                    size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off, size_t ldc,
                    const vs_gemm_epi *epi, bool *applied, vs_status *st) {
  if (applied) *applied = false;
  if (!d) return false; /* vs__device already set st */
  if (t != VS_FLOAT || !m || !n)
    return vs__gemm(d, t, ta, tb, m, n, k, a, a_off, lda, b, b_off, ldb, c, c_off, ldc, st);
  vs_gemm_algo algo;
  bool tf32 = r && r->s && r->s->opts.tensor_float_32_execution; /* the session's switch (vs__gemm_select weighs it) */
  if (!vs__gemm_select(d, tf32, ta, tb, m, n, k, a, a_off, lda, b, b_off, ldb, c, c_off, ldc, &algo, st)) return false;
  bool fused = epi_some(epi) && algo.kind != VS_GEMM_CLBLAST && algo.kind != VS_GEMM_TF32; /* those two have none */
  if (!vs__gemm_algo_run_epi(r, d, algo, ta, tb, m, n, k, a, a_off, lda, b, b_off, ldb, c, c_off, ldc,
                             fused ? epi : NULL, st))
    return false;
  if (applied) *applied = fused;
  return true;
}

bool vs__matmul(vs_run *r, vs_cl_device *d, vs_dtype t, bool ta, bool tb, size_t m, size_t n, size_t k, cl_mem a,
                size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off, size_t ldc,
                vs_status *st) {
  return vs__matmul_epi(r, d, t, ta, tb, m, n, k, a, a_off, lda, b, b_off, ldb, c, c_off, ldc, NULL, NULL, st);
}
