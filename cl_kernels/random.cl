/* random.cl - counter-based random initializers (Philox4x32-10, as TF's
 * PhiloxRandom): element e = i + offset of a stream uses counter (e/4, 0, 0, 0)
 * under key (seed_lo, seed_hi), so results depend only on the seeds and the
 * draw's offset, never on the device or the work-group size.
 * T is float or double (-DT=..., VS_FP64 for double). */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static uint4 philox(uint4 c, uint2 k) {
  for (int r = 0; r < 10; r++) {
    uint hi0 = mul_hi(PHILOX_M0, c.x), lo0 = PHILOX_M0 * c.x;
    uint hi1 = mul_hi(PHILOX_M1, c.z), lo1 = PHILOX_M1 * c.z;
    c = (uint4)(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k += (uint2)(PHILOX_W0, PHILOX_W1);
  }
  return c;
}

/* Uniform in [0, 1) from 23 random mantissa bits (exact in float). */
static float u01(uint x) { return (float)(x >> 9) * (1.0f / 8388608.0f); }

static uint word(uint4 r, uint j) { return j == 0 ? r.x : j == 1 ? r.y : j == 2 ? r.z : r.w; }

/* out[i] = minval + u * (maxval - minval). */
__kernel void random_uniform(__global T *out, const ulong n, const uint seed_lo, const uint seed_hi,
                             const ulong offset, const T minval, const T maxval) {
  size_t i = get_global_id(0);
  if (i >= n) return;
  ulong e = i + offset, block = e / 4;
  uint4 r = philox((uint4)((uint)block, (uint)(block >> 32), 0u, 0u), (uint2)(seed_lo, seed_hi));
  out[i] = minval + (T)u01(word(r, (uint)(e % 4))) * (maxval - minval);
}

/* Box-Muller over one Philox block per element pair; truncated draws
 * (|z| > 2) are redrawn from later blocks, as TF's TruncatedNormal. */
__kernel void random_normal(__global T *out, const ulong n, const uint seed_lo, const uint seed_hi,
                            const ulong offset, const T mean, const T stddev, const int truncated) {
  size_t i = get_global_id(0);
  if (i >= n) return;
  ulong block = i + offset;
  for (uint attempt = 0;; attempt++) {
    uint4 r = philox((uint4)((uint)block, (uint)(block >> 32), attempt, 0x5eedu),
                     (uint2)(seed_lo, seed_hi));
    float u1 = u01(r.x) + (0.5f / 8388608.0f); /* (0, 1): log is finite */
    float u2 = u01(r.y);
    float z = sqrt(-2.0f * log(u1)) * cos(6.2831853071795864f * u2);
    if (!truncated || fabs(z) <= 2.0f || attempt >= 64) {
      out[i] = mean + (T)z * stddev;
      return;
    }
  }
}

/* Integers uniform in [minval, minval + range): one 64-bit draw per element. */
__kernel void random_uniform_int(__global T *out, const ulong n, const uint seed_lo, const uint seed_hi,
                                 const ulong offset, const long minval, const ulong range) {
  size_t i = get_global_id(0);
  if (i >= n) return;
  uint4 r = philox((uint4)((uint)(i + offset), (uint)((i + offset) >> 32), 0x1u, 0u),
                   (uint2)(seed_lo, seed_hi));
  ulong x = ((ulong)r.x << 32) | r.y;
  out[i] = (T)(minval + (long)(x % range));
}
