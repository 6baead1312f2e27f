/* blas.h - the CLBlast routines the engine uses (row-major). */
#ifndef VS_BLAS_H
#define VS_BLAS_H

#include "runtime/runtime_internal.h"

/* C[m,n] = op(A)[m,k] x op(B)[k,n], float32 or float64, enqueued on d's queue. */
bool vs__gemm(vs_cl_device *d, vs_dtype t, bool ta, bool tb, size_t m, size_t n, size_t k, cl_mem a,
              size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off,
              size_t ldc, vs_status *st);

/* C[n,n] = A[n,n] x B[n,n] in float32 under whatever Xgemm parameters
 * CLBlast holds now: for the tuner (clblast_tuning.c), which must not
 * trigger vs__clblast_prepare. */
bool vs__sgemm_direct(vs_cl_device *d, size_t n, cl_mem a, cl_mem b, cl_mem c, vs_status *st);

/* Applies the device's stored Xgemm set, after checking its results, the
 * first time it is called for d (clblast_tuning.c); vs__gemm calls it
 * before every float32 GEMM. Thread safe. */
void vs__clblast_prepare(vs_cl_device *d);

/* An identity of the CLBlast GEMM parameter sets in use on d (Xgemm and
 * XgemmDirect; clblast_tuning.c): 0 while CLBlast's own are, else a hash
 * of the sets, the same in every process that uses the same sets (a stored
 * set counts as in use from when it is read, before its first-GEMM
 * check). What was measured with CLBlast as a candidate is valid under
 * these sets only: kernels/ keys such choices by it, so that choices made
 * under other sets are not found. Lock-free. */
uint64_t vs__clblast_sets_id(const vs_cl_device *d);
/* The identity the sets stored in the cache directory for d have (what a
 * new process on d will run): differs from vs__clblast_sets_id after a
 * run in this process applied a set it did not store, or a reset removed
 * one this process had applied. Reads the stored sets' files. */
uint64_t vs__clblast_stored_sets_id(vs_cl_device *d);

/* The choice tables kept per identity of the CLBlast sets (kernels/
 * gemm_select.c's, conv_select.c's and conv_grad_select.c's, each a
 * candidate route through CLBlast), named here so that a tuning run can
 * retire them: when `varscope tune` (vs_device_tune, vs_device_tune_reset)
 * changes the sets stored for a device, the tables under the identity the
 * stored sets had are removed from the store (clblast_tuning.c); a process
 * still running those sets keeps its own in its memo. */
#define VS_CLBLAST_TABLE_GEMM "gemm-choice-v5"
#define VS_CLBLAST_TABLE_CONV "conv-choices 14"
#define VS_CLBLAST_TABLE_CONV_GRAD "conv-grad-choices 2"
/* The store key of table `name` of d under identity id: "varscope <name>\n
 * device ...\ndriver ...\nplatform ...\nclblast <id, 16 hex>\n"
 * (malloc'd; NULL when out of memory). */
char *vs__clblast_table_key(const vs_cl_device *d, const char *name, uint64_t id);

/* y += alpha * x over n elements. */
bool vs__axpy(vs_cl_device *d, vs_dtype t, size_t n, double alpha, cl_mem x, cl_mem y, vs_status *st);

#endif
