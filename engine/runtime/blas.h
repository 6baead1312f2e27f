/* blas.h - the CLBlast routines the engine uses (row-major). */
#ifndef VS_BLAS_H
#define VS_BLAS_H

#include "runtime/runtime_internal.h"

/* C[m,n] = op(A)[m,k] x op(B)[k,n], float32 or float64, enqueued on d's queue. */
bool vs__gemm(vs_cl_device *d, vs_dtype t, bool ta, bool tb, size_t m, size_t n, size_t k, cl_mem a,
              size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off,
              size_t ldc, vs_status *st);

/* y += alpha * x over n elements. */
bool vs__axpy(vs_cl_device *d, vs_dtype t, size_t n, double alpha, cl_mem x, cl_mem y, vs_status *st);

#endif
