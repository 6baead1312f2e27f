/* blas.c - CLBlast calls with their status mapped onto vs_status. A
 * float32 GEMM first lets clblast_tuning.c apply (and check) the device's
 * stored Xgemm parameters, so a process that never multiplies matrices
 * never pays for that check. */
#include <clblast_c.h>

#include "runtime/blas.h"

static bool check(CLBlastStatusCode s, const char *call, vs_status *st) {
  if (s == CLBlastSuccess) return true;
  if (s < 0 && s > -100) { /* OpenCL error codes pass through */
    vs__cl_fail(st, (cl_int)s, call);
    return false;
  }
  vs_code code = s == CLBlastInsufficientMemoryTemp || s == CLBlastInsufficientMemoryA ||
                         s == CLBlastInsufficientMemoryB || s == CLBlastInsufficientMemoryC
                     ? VS_RESOURCE_EXHAUSTED
                     : VS_INTERNAL;
  vs__fail(st, code, VS_EXC_OP_ERROR, "%s failed: CLBlast status %d", call, (int)s);
  return false;
}

bool vs__gemm(vs_cl_device *d, vs_dtype t, bool ta, bool tb, size_t m, size_t n, size_t k, cl_mem a,
              size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off,
              size_t ldc, vs_status *st) {
  if (!m || !n) return true;
  if (t == VS_FLOAT) vs__clblast_prepare(d);
  CLBlastTranspose xa = ta ? CLBlastTransposeYes : CLBlastTransposeNo;
  CLBlastTranspose xb = tb ? CLBlastTransposeYes : CLBlastTransposeNo;
  if (t == VS_FLOAT)
    return check(CLBlastSgemm(CLBlastLayoutRowMajor, xa, xb, m, n, k, 1.0f, a, a_off, lda, b, b_off, ldb, 0.0f, c,
                              c_off, ldc, vs__queue(d), NULL),
                 "CLBlastSgemm", st);
  if (t == VS_DOUBLE && d->info.fp64)
    return check(CLBlastDgemm(CLBlastLayoutRowMajor, xa, xb, m, n, k, 1.0, a, a_off, lda, b, b_off, ldb, 0.0, c,
                              c_off, ldc, vs__queue(d), NULL),
                 "CLBlastDgemm", st);
  vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "GEMM in %s is not supported on %s", vs_dtype_name(t),
           d->info.cl_name);
  return false;
}

bool vs__sgemm_direct(vs_cl_device *d, size_t n, cl_mem a, cl_mem b, cl_mem c, vs_status *st) {
  return check(CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeNo, n, n, n, 1.0f, a, 0, n, b,
                            0, n, 0.0f, c, 0, n, vs__queue(d), NULL),
               "CLBlastSgemm", st);
}

bool vs__axpy(vs_cl_device *d, vs_dtype t, size_t n, double alpha, cl_mem x, cl_mem y, vs_status *st) {
  if (!n) return true;
  if (t == VS_FLOAT)
    return check(CLBlastSaxpy(n, (float)alpha, x, 0, 1, y, 0, 1, vs__queue(d), NULL), "CLBlastSaxpy", st);
  if (t == VS_DOUBLE && d->info.fp64)
    return check(CLBlastDaxpy(n, alpha, x, 0, 1, y, 0, 1, vs__queue(d), NULL), "CLBlastDaxpy", st);
  vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "AXPY in %s is not supported on %s", vs_dtype_name(t),
           d->info.cl_name);
  return false;
}
