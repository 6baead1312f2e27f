/* reduce.cl - reductions over any set of axes (Sum, Mean, BiasAddGrad) and
 * Tile, for every dtype the engine keeps on devices (-DT=...). The host
 * describes the shapes in a small __constant long array (desc) so one kernel
 * serves every rank and axis set; global sizes are padded, so kernels guard. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

/* One work-item per output element. desc holds the kept dimensions and
 * their input strides (nk each), then the reduced dimensions and their
 * input strides (nr each); m is the number of reduced elements. mean
 * divides the sum by m (TF's Mean: the sum, then one division). */
__kernel void reduce_sum(__global T *out, __global const T *in, __constant long *desc, const int nk,
                         const int nr, const ulong m, const int mean, const ulong n) {
  size_t o = get_global_id(0);
  if (o >= n) return;
  __constant long *kd = desc, *ks = desc + nk, *rd = desc + 2 * nk, *rs = desc + 2 * nk + nr;
  long base = 0, rem = (long)o;
  if (nk == 1) base = rem * ks[0]; /* o < kd[0]: no division */
  else
    for (int k = nk - 1; k >= 0; k--) {
      base += (rem % kd[k]) * ks[k];
      rem /= kd[k];
    }
  T acc = 0;
  if (nr == 1) /* one reduced run (the host joins adjacent dimensions): a stride, no division */
    for (ulong j = 0; j < m; j++) acc += in[base + (long)j * rs[0]];
  else
    for (ulong j = 0; j < m; j++) {
      long off = base, r = (long)j;
      for (int k = nr - 1; k >= 0; k--) {
        off += (r % rd[k]) * rs[k];
        r /= rd[k];
      }
      acc += in[off];
    }
  out[o] = mean && m ? acc / (T)m : acc;
}

/* Tile: desc holds the output dimensions, the input dimensions and the
 * input strides (rank each); element i reads its coordinates modulo the
 * input's. */
__kernel void tile(__global T *out, __global const T *in, __constant long *desc, const int rank, const ulong n) {
  size_t i = get_global_id(0);
  if (i >= n) return;
  __constant long *od = desc, *id = desc + rank, *is = desc + 2 * rank;
  long off = 0, rem = (long)i;
  for (int k = rank - 1; k >= 0; k--) {
    off += ((rem % od[k]) % id[k]) * is[k];
    rem /= od[k];
  }
  out[i] = in[off];
}
