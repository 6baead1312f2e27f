/* conv2d_internal.h - conv2d geometry, algorithms and their selection. */
#ifndef VS_CONV2D_INTERNAL_H
#define VS_CONV2D_INTERNAL_H

#include "session/session_internal.h"

typedef struct vs_conv_geom {
  int64_t N, H, W, C, KH, KW, K, SH, SW, DH, DW;
  int64_t OH, OW, PT, PB, PL, PR; /* output size and TF's SAME padding */
  vs_dtype dtype;
} vs_conv_geom;

typedef enum vs_conv_kind { VS_CONV_DIRECT = 0, VS_CONV_IM2COL, VS_CONV_CONVGEMM } vs_conv_kind;

typedef struct vs_conv_algo {
  vs_conv_kind kind;
  int rm, unroll_c; /* direct: output pixels per work-item, unrolling of the channel loop */
} vs_conv_algo;

/* TF's output size and SAME padding for op over these shapes; false when
 * they do not fit together. */
bool vs__conv_geometry(const vs_op *op, vs_shape xs, vs_shape fs, vs_conv_geom *g);

bool vs__conv_direct(vs_cl_device *d, size_t dev, const vs_conv_geom *g, int rm, int unroll_c, cl_mem x, cl_mem f,
                     cl_mem out, vs_status *st);
bool vs__conv_im2col(vs_cl_device *d, size_t dev, const vs_conv_geom *g, cl_mem x, cl_mem f, cl_mem out,
                     vs_status *st);
/* CLBlast's convgemm covers float32 with symmetric padding only. */
bool vs__conv_convgemm_fits(const vs_conv_geom *g);
bool vs__conv_convgemm(vs_cl_device *d, size_t dev, const vs_conv_geom *g, cl_mem x, cl_mem f, cl_mem out,
                       vs_status *st);
bool vs__conv_algo_run(vs_cl_device *d, size_t dev, const vs_conv_geom *g, vs_conv_algo a, cl_mem x, cl_mem f,
                       cl_mem out, vs_status *st);

/* The algorithm for this device and geometry: VARSCOPE_CONV when set
 * (direct, im2col, convgemm), else a remembered choice (this process, then
 * the on-disk choice file), else measured now on the real buffers (out is
 * overwritten) and remembered. */
bool vs__conv_select(vs_cl_device *d, size_t dev, const vs_conv_geom *g, cl_mem x, cl_mem f, cl_mem out,
                     vs_conv_algo *algo, vs_status *st);

/* A short name ("direct rm6 u2", "im2col+gemm", "convgemm"). */
void vs__conv_algo_name(vs_conv_algo a, char *buf, size_t cap);

#endif
