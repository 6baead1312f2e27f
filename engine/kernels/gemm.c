/* gemm.c - runs varscope's own SGEMM (cl_kernels/gemm.cl): packs op(A)
 * and op(B) into panels, then the register-blocked multiply; and
 * vs__matmul, the GEMM entry point of the ops, which runs the algorithm
 * gemm_select.c chose for the problem's shape family. */
#include <stdio.h>
#include <string.h>

#include "kernels/gemm.h"
#include "runtime/blas.h"

bool vs__gemm_params_ok(vs_gemm_params p) {
  return p.rm >= 1 && p.rm <= VS_GEMM_MAX_RM && p.nv >= 1 && p.nv <= VS_GEMM_MAX_NV &&
         (p.vec == 1 || p.vec == 2 || p.vec == 4 || p.vec == 8 || p.vec == 16) && p.uk >= 1 &&
         p.uk <= VS_GEMM_MAX_UK && p.ly >= 1 && p.ly <= VS_GEMM_MAX_LY;
}

vs_gemm_params vs__gemm_default_params(const vs_cl_device *d) {
  cl_uint w = 0;
  if (clGetDeviceInfo(d->id, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, sizeof w, &w, NULL) != CL_SUCCESS) w = 4;
  /* 32 vector registers (AVX-512): 14 x 2 accumulators, 2 B vectors and
   * the broadcast; 16 (AVX2 and narrower): 6 x 2 and 2. Work-groups of 16
   * items share each B panel 16 times: on the 2-core AVX-512 PoCL device,
   * 1024^3 to 4096^3 took 35-40% fewer CPU seconds than with 4 (B panels
   * are the traffic that limits the kernel; docs/conv-performance.md). */
  if (w >= 16) return (vs_gemm_params){14, 2, 16, 4, 16};
  return (vs_gemm_params){6, 2, w >= 8 ? 8 : w >= 4 ? 4 : 1, 4, 16};
}

void vs__gemm_params_text(vs_gemm_params p, char *buf, size_t cap) {
  snprintf(buf, cap, "rm=%d nv=%d vec=%d uk=%d ly=%d", p.rm, p.nv, p.vec, p.uk, p.ly);
}

void vs__gemm_algo_name(vs_gemm_algo a, char *buf, size_t cap) {
  if (a.kind == VS_GEMM_CLBLAST) snprintf(buf, cap, "clblast");
  else snprintf(buf, cap, "own rm%d nv%d v%d u%d ly%d", a.p.rm, a.p.nv, a.p.vec, a.p.uk, a.p.ly);
}

size_t vs__gemm_own_groups(vs_gemm_params p, size_t m, size_t n) {
  size_t nr = (size_t)(p.vec * p.nv), rows = (m + (size_t)p.rm - 1) / (size_t)p.rm;
  return (n + nr - 1) / nr * ((rows + (size_t)p.ly - 1) / (size_t)p.ly);
}

double vs__gemm_cost(const vs_cl_device *d, double wall, double cpu, size_t groups) {
  if (strcmp(d->info.type, "CPU") != 0 || cpu <= 0) return wall;
  size_t units = d->info.compute_units ? d->info.compute_units : 1;
  if (groups && groups < units) units = groups;
  double cost = cpu / (double)units;
  return cost < wall ? cost : wall; /* never above what was seen */
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

static bool enqueue(vs_cl_device *d, cl_kernel k, const karg *args, int n, cl_uint dims, const size_t *global,
                    const size_t *local, const char *what, vs_status *st) {
  cl_int err = CL_SUCCESS;
  for (int i = 0; i < n && err == CL_SUCCESS; i++) err = clSetKernelArg(k, (cl_uint)i, args[i].size, args[i].ptr);
  if (err == CL_SUCCESS) err = clEnqueueNDRangeKernel(*vs__queue(d), k, dims, NULL, global, local, 0, NULL, NULL);
  if (err != CL_SUCCESS) vs__cl_fail(st, err, what);
  return err == CL_SUCCESS;
}

/* Packs op(A) (rows of m, padded to mp) and op(B) (columns of n, padded
 * to np), k long, with gemm.cl's `pack`: in one launch when the two
 * panels' ranges (fast extent x slow extent, the fast one the source's
 * contiguous direction) are alike, else in one launch each, the same
 * kernel (one launch over max(fast) x (slow A + slow B) items would be
 * mostly idle items for a rank-16 update of 4096 x 4096, say). */
static bool pack(vs_cl_device *d, const char *opts, cl_mem ap, cl_mem a, size_t a_off, size_t lda, bool ta, size_t m,
                 size_t mp, cl_mem bp, cl_mem b, size_t b_off, size_t ldb, bool tb, size_t n, size_t np, size_t k,
                 vs_status *st) {
  cl_kernel kp = vs__kernel(d, "gemm", opts, "pack", st);
  if (!kp) return false;
  size_t l = vs__local_size(d, kp);
  size_t fa = ta ? mp : k, sa = ta ? k : mp, fb = tb ? k : np, sb = tb ? np : k; /* B's rows are its columns */
  fa = (fa + l - 1) / l * l, fb = (fb + l - 1) / l * l;
  size_t f = fa > fb ? fa : fb;
  /* Idle items cost a test each, a launch tens of microseconds: share one
   * range unless it is over twice the items needed (counted in double:
   * the products may exceed size_t on 32-bit hosts). */
  double shared = (double)f * (double)(sa + sb), need = (double)fa * (double)sa + (double)fb * (double)sb;
  bool one = shared <= 2 * need;
  cl_ulong uaoff = a_off, ulda = lda, um = m, ump = mp, uboff = b_off, uldb = ldb, un = n, unp = np, uk = k;
  cl_int ita = ta, itb = tb;
  bool ok = true;
  for (int part = one ? 2 : 0, last = one ? 2 : 1; ok && part <= last; part++) { /* 0: A alone, 1: B, 2: both */
    cl_ulong a_slow = part == 1 ? 0 : sa;
    karg args[] = {KARG(ap),    KARG(a),  KARG(uaoff), KARG(ulda), KARG(ita), KARG(um),
                   KARG(ump),   KARG(bp), KARG(b),     KARG(uboff), KARG(uldb), KARG(itb),
                   KARG(un),    KARG(unp), KARG(uk),   KARG(a_slow)};
    size_t global[2] = {part == 0 ? fa : part == 1 ? fb : f, part == 0 ? sa : part == 1 ? sb : sa + sb};
    size_t local[2] = {l, 1};
    ok = enqueue(d, kp, args, 16, 2, global, local, "pack", st);
  }
  clReleaseKernel(kp);
  return ok;
}

bool vs__gemm_own(vs_cl_device *d, vs_gemm_params p, bool ta, bool tb, size_t m, size_t n, size_t k, cl_mem a,
                  size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off, size_t ldc,
                  vs_status *st) {
  if (!m || !n) return true;
  if (!vs__gemm_own_fits(d, p, m, n, k)) {
    vs__fail(st, VS_RESOURCE_EXHAUSTED, VS_EXC_OP_ERROR,
             "SGEMM %zux%zux%zu: the packed panels of parameters rm=%d nv=%d vec=%d do not fit %s", m, n, k, p.rm,
             p.nv, p.vec, d->info.cl_name);
    return false;
  }
  const char *base = vs__cl_options(VS_FLOAT, d);
  char opts[192];
  snprintf(opts, sizeof opts, "%s -DRM=%d -DNV=%d -DVEC=%d -DUNROLL_K=%d", base ? base : "", p.rm, p.nv, p.vec, p.uk);
  size_t kk = k ? k : 1; /* k = 0: panels of zeros, so C gets zeros */
  size_t na = 0, nb = 0;
  panels(p, m, n, kk, &na, &nb); /* cannot overflow: vs__gemm_own_fits checked k >= kk */
  vs_shape sa = {.known = true, .rank = 1, .dims = {(int64_t)(na / sizeof(float))}},
           sb = {.known = true, .rank = 1, .dims = {(int64_t)(nb / sizeof(float))}};
  cl_mem ap = vs__device_buffer(d, na, &sa, VS_FLOAT, st);
  cl_mem bp = ap ? vs__device_buffer(d, nb, &sb, VS_FLOAT, st) : NULL;
  bool ok = bp != NULL;
  if (ok && k)
    ok = pack(d, opts, ap, a, a_off, lda, ta, m, na / sizeof(float) / k, bp, b, b_off, ldb, tb, n,
              nb / sizeof(float) / k, k, st);
  if (ok && !k) {
    float zero = 0;
    cl_int err = clEnqueueFillBuffer(*vs__queue(d), ap, &zero, sizeof zero, 0, na, 0, NULL, NULL);
    if (err == CL_SUCCESS) err = clEnqueueFillBuffer(*vs__queue(d), bp, &zero, sizeof zero, 0, nb, 0, NULL, NULL);
    if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueFillBuffer");
    ok = err == CL_SUCCESS;
  }
  cl_kernel km = ok ? vs__kernel(d, "gemm", opts, "gemm_packed", st) : NULL;
  if (km) {
    cl_ulong uoff = c_off, uld = ldc, um = m, un = n;
    cl_int ik = (cl_int)kk;
    karg args[] = {KARG(c), KARG(uoff), KARG(uld), KARG(ap), KARG(bp), KARG(um), KARG(un), KARG(ik)};
    size_t nr = (size_t)(p.vec * p.nv), ly = (size_t)p.ly;
    size_t gy = (m + (size_t)p.rm - 1) / (size_t)p.rm;
    gy = (gy + ly - 1) / ly * ly; /* PoCL has no non-uniform work-groups: the extra items return at once */
    size_t global[2] = {(n + nr - 1) / nr, gy}, local[2] = {1, ly};
    ok = enqueue(d, km, args, 8, 2, global, local, "gemm_packed", st);
    clReleaseKernel(km);
  } else {
    ok = false;
  }
  vs__buffer_release(ap); /* freed by the driver once the queued kernels finish */
  vs__buffer_release(bp);
  return ok;
}

bool vs__gemm_algo_run(vs_cl_device *d, vs_gemm_algo a, bool ta, bool tb, size_t m, size_t n, size_t k, cl_mem am,
                       size_t a_off, size_t lda, cl_mem bm, size_t b_off, size_t ldb, cl_mem c, size_t c_off,
                       size_t ldc, vs_status *st) {
  if (a.kind == VS_GEMM_OWN)
    return vs__gemm_own(d, a.p, ta, tb, m, n, k, am, a_off, lda, bm, b_off, ldb, c, c_off, ldc, st);
  return vs__gemm(d, VS_FLOAT, ta, tb, m, n, k, am, a_off, lda, bm, b_off, ldb, c, c_off, ldc, st);
}

bool vs__matmul(vs_cl_device *d, vs_dtype t, bool ta, bool tb, size_t m, size_t n, size_t k, cl_mem a, size_t a_off,
                size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off, size_t ldc, vs_status *st) {
  if (!d) return false; /* vs__device already set st */
  if (t != VS_FLOAT || !m || !n)
    return vs__gemm(d, t, ta, tb, m, n, k, a, a_off, lda, b, b_off, ldb, c, c_off, ldc, st);
  vs_gemm_algo algo;
  if (!vs__gemm_select(d, ta, tb, m, n, k, a, a_off, lda, b, b_off, ldb, c, c_off, ldc, &algo, st)) return false;
  return vs__gemm_algo_run(d, algo, ta, tb, m, n, k, a, a_off, lda, b, b_off, ldb, c, c_off, ldc, st);
}
