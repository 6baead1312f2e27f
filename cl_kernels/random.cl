/* random.cl - TensorFlow's CPU random kernels, bit for bit.
 *
 * Generator (tensorflow/core/lib/random/philox_random.h): Philox4x32-10 with
 * key (seed lo, seed hi) and 128-bit counter (0, 0, seed2 lo, seed2 hi); each
 * run of an op first skips the blocks its earlier runs reserved (`offset`,
 * ReserveRandomOutputs(n, 256) on the host side).
 * Layout (core/kernels/random_op_cpu.h, FillPhiloxRandomTask): the output is
 * cut into groups of kResultElementCount elements. A fixed-cost distribution
 * (uniform, normal, integers) draws group g from counter block base + g; a
 * variable-cost one (truncated normal) starts group g at block base + g * 256
 * (float) or g * 128 (double) and consumes single 32-bit words from there
 * (SingleSampleAdapter). One work-item computes one group, so the values
 * never depend on the device or the work-group size.
 * Float Box-Muller (random_distributions.h, BoxMullerFloat) calls glibc's
 * logf and sincosf; their algorithms are reproduced here in double precision
 * (glibc 2.36 sysdeps/ieee754/flt-32/e_logf.c and s_sincosf.c, the FMA
 * variant x86-64 selects) and were checked equal to glibc on every one of the
 * 2^23 inputs Box-Muller can give them (tests/test_initializers.c,
 * r7_3_box_muller_ports_equal_glibc_on_every_input). A device
 * without cl_khr_fp64 falls back to its own logf/sincos: same streams, values
 * within a few ulp instead of identical. Float64 outputs use the device's
 * double log/sincos: identical counters, values within a few ulp.
 * T is float or double (-DT=..., VS_FP64 for double), int or long for the
 * integer kernel. */
#if defined(cl_khr_fp64)
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define VS_EXACT_LOG 1
#endif
/* The ports below must round exactly as written (their fma() calls are
 * explicit); no contraction of anything else either. */
#pragma OPENCL FP_CONTRACT OFF

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

/* PhiloxRandom::Skip: the 128-bit counter advanced by `count` blocks, with
 * TF's carry rules. */
static uint4 skip(uint4 c, ulong count) {
  uint lo = (uint)count, hi = (uint)(count >> 32);
  c.x += lo;
  if (c.x < lo) ++hi;
  c.y += hi;
  if (c.y < hi && ++c.z == 0) ++c.w;
  return c;
}

/* The counter of this run's first block: PhiloxRandom(seed, seed2) after the
 * blocks earlier runs reserved. */
static uint4 first_block(ulong seed2, ulong offset) {
  return skip((uint4)(0u, 0u, (uint)seed2, (uint)(seed2 >> 32)), offset);
}

static uint2 key_of(ulong seed) { return (uint2)((uint)seed, (uint)(seed >> 32)); }

static uint word(uint4 r, uint j) { return j == 0 ? r.x : j == 1 ? r.y : j == 2 ? r.z : r.w; }

/* Uint32ToFloat: 23 random mantissa bits under exponent 0, minus 1: [0, 1). */
static float u32_to_float(uint x) { return as_float(0x3f800000u | (x & 0x7fffffu)) - 1.0f; }

#ifdef VS_EXACT_LOG
/* Uint64ToDouble: 52 mantissa bits (20 from x0, 32 from x1) the same way. */
static double u64_to_double(uint x0, uint x1) {
  return as_double(((ulong)0x3ffu << 52) | ((ulong)(x0 & 0xfffffu) << 32) | x1) - 1.0;
}

/* glibc logf for normal positive x != 1 (Box-Muller's u1 lies in
 * [1e-7, 1)): log1p(z/c - 1) + log(c) + k ln2 over a 16-entry table. */
__constant double LOGF_TAB[16][2] = {
    {0x1.661ec79f8f3bep+0, -0x1.57bf7808caadep-2}, {0x1.571ed4aaf883dp+0, -0x1.2bef0a7c06ddbp-2},
    {0x1.49539f0f010bp+0, -0x1.01eae7f513a67p-2},  {0x1.3c995b0b80385p+0, -0x1.b31d8a68224e9p-3},
    {0x1.30d190c8864a5p+0, -0x1.6574f0ac07758p-3}, {0x1.25e227b0b8eap+0, -0x1.1aa2bc79c81p-3},
    {0x1.1bb4a4a1a343fp+0, -0x1.a4e76ce8c0e5ep-4}, {0x1.12358f08ae5bap+0, -0x1.1973c5a611cccp-4},
    {0x1.0953f419900a7p+0, -0x1.252f438e10c1ep-5}, {0x1p+0, 0x0p+0},
    {0x1.e608cfd9a47acp-1, 0x1.aa5aa5df25984p-5},  {0x1.ca4b31f026aap-1, 0x1.c5e53aa362eb4p-4},
    {0x1.b2036576afce6p-1, 0x1.526e57720db08p-3},  {0x1.9c2d163a1aa2dp-1, 0x1.bc2860d22477p-3},
    {0x1.886e6037841edp-1, 0x1.1058bc8a07ee1p-2},  {0x1.767dcf5534862p-1, 0x1.4043057b6ee09p-2}};

static float glibc_logf(float x) {
  uint ix = as_uint(x), tmp = ix - 0x3f330000u;
  int i = (int)((tmp >> 19) % 16u), k = (int)tmp >> 23;
  double z = (double)as_float(ix - (tmp & (0x1ffu << 23)));
  double r = fma(z, LOGF_TAB[i][0], -1.0);
  double y0 = fma((double)k, 0x1.62e42fefa39efp-1, LOGF_TAB[i][1]);
  double r2 = r * r;
  double y = fma(0x1.5575b0be00b6ap-2, r, -0x1.ffffef20a4123p-2);
  y = fma(-0x1.00ea348b88334p-2, r2, y);
  y = fma(y, r2, y0 + r);
  return (float)y;
}

/* glibc sincosf for 0 <= x < 120 (Box-Muller's angle lies in [0, 2 pi)):
 * the quadrant n from x * 2/pi, then sine and cosine polynomials in the
 * remainder, swapped and negated by quadrant. */
static float2 glibc_sincosf(float y) {
  uint top = (as_uint(y) >> 20) & 0x7ffu;
  if (top < ((0x39800000u >> 20) & 0x7ffu)) return (float2)(y, 1.0f); /* below 2^-12 */
  double x = y, s = 1.0;
  int n = 0;
  if (top >= ((0x3f490fdbu >> 20) & 0x7ffu)) { /* >= pi/4: reduce_fast */
    double r = x * 0x1.45F306DC9C883p+23;
    n = ((int)r + 0x800000) >> 24;
    x = fma(-(double)n, 0x1.921FB54442D18p0, x);
    s = (n & 3) == 1 || (n & 3) == 2 ? -1.0 : 1.0;
  }
  double cs = n & 2 ? -1.0 : 1.0; /* __sincosf_table[1]: the cosine polynomial negated */
  double xs = x * s, x2 = x * x;
  double x3 = x2 * xs, x4 = x2 * x2;
  double s1c = fma(x2, -0x1.994eb3774cf24p-13, 0x1.1107605230bc4p-7);
  double c2c = fma(x2, cs * 0x1.99343027bf8c3p-16, cs * -0x1.6c087e89a359dp-10);
  double c1 = fma(x2, cs * -0x1.ffffffd0c621cp-2, cs);
  double x5 = x3 * x2, x6 = x4 * x2;
  double sn = fma(x3, -0x1.555545995a603p-3, xs);
  double cn = fma(x4, cs * 0x1.55553e1068f19p-5, c1);
  sn = fma(x5, s1c, sn);
  cn = fma(x6, c2c, cn);
  return n & 1 ? (float2)((float)cn, (float)sn) : (float2)((float)sn, (float)cn);
}
#endif

/* BoxMullerFloat: two normals from two words, exactly as TF computes them:
 * the angle 2 pi u in double rounded to float, the radius in float with a
 * correctly rounded sqrt (float sqrt via double rounds the same). */
static float2 box_muller_float(uint x0, uint x1) {
  float u1 = u32_to_float(x0);
  if (u1 < 1.0e-7f) u1 = 1.0e-7f;
#ifdef VS_EXACT_LOG
  float v1 = (float)(0x1.921fb54442d18p+2 * (double)u32_to_float(x1));
  float u2 = (float)sqrt((double)(-2.0f * glibc_logf(u1)));
  return glibc_sincosf(v1) * u2;
#else
  float v1 = 6.2831853071795864f * u32_to_float(x1);
  float c, sn = sincos(v1, &c);
  return (float2)(sn, c) * sqrt(-2.0f * log(u1));
#endif
}

#ifdef VS_FP64
/* BoxMullerDouble: two normals from four words (52-bit uniforms). */
static double2 box_muller_double(uint x0, uint x1, uint x2, uint x3) {
  double u1 = u64_to_double(x0, x1);
  if (u1 < 1.0e-7) u1 = 1.0e-7;
  double v1 = 0x1.921fb54442d18p+2 * u64_to_double(x2, x3);
  double c, sn = sincos(v1, &c);
  return (double2)(sn, c) * sqrt(-2.0 * log(u1));
}
#define GROUP 2 /* kResultElementCount of the double distributions */
#else
#define GROUP 4
#endif

/* RandomUniform: group g from block g; [0, 1) (the graph's Mul and Add
 * scale it, as TF's random_uniform). */
__kernel void random_uniform(__global T *out, const ulong n, const ulong seed, const ulong seed2,
                             const ulong offset) {
  ulong g = get_global_id(0), e = g * GROUP;
  if (e >= n) return;
  uint4 r = philox(skip(first_block(seed2, offset), g), key_of(seed));
#ifdef VS_FP64
  out[e] = u64_to_double(r.x, r.y);
  if (e + 1 < n) out[e + 1] = u64_to_double(r.z, r.w);
#else
  for (uint j = 0; j < 4 && e + j < n; j++) out[e + j] = u32_to_float(word(r, j));
#endif
}

/* RandomStandardNormal: group g from block g. */
__kernel void random_normal(__global T *out, const ulong n, const ulong seed, const ulong seed2,
                            const ulong offset) {
  ulong g = get_global_id(0), e = g * GROUP;
  if (e >= n) return;
  uint4 r = philox(skip(first_block(seed2, offset), g), key_of(seed));
#ifdef VS_FP64
  double2 z = box_muller_double(r.x, r.y, r.z, r.w);
#else
  float2 z0 = box_muller_float(r.x, r.y), z1 = box_muller_float(r.z, r.w);
  float4 z = (float4)(z0, z1);
  if (e + 2 < n) out[e + 2] = z.z;
  if (e + 3 < n) out[e + 3] = z.w;
#endif
  out[e] = z.x;
  if (e + 1 < n) out[e + 1] = z.y;
}

/* TruncatedNormal: TruncatedNormalDistribution over a SingleSampleAdapter.
 * Group g starts at block g * GROUP * 256 / 4 and takes words one at a time:
 * pairs through Box-Muller, each value kept when |x| < 2, until the group is
 * full. A pair is kept with probability 0.91, so the loop ends (TF's has no
 * bound either; 100 rejected pairs in a row has probability below 1e-100). */
__kernel void truncated_normal(__global T *out, const ulong n, const ulong seed, const ulong seed2,
                               const ulong offset) {
  ulong g = get_global_id(0), e = g * GROUP;
  if (e >= n) return;
  uint2 key = key_of(seed);
  uint4 c = skip(first_block(seed2, offset), g * (GROUP * 256 / 4)), r = (uint4)(0u);
  uint used = 4, got = 0;
  T res[GROUP];
  while (got < GROUP) {
    uint x[4];
    for (uint j = 0; j < (sizeof(T) == 8 ? 4u : 2u); j++) {
      if (used == 4) {
        r = philox(c, key);
        c = skip(c, 1);
        used = 0;
      }
      x[j] = word(r, used++);
    }
#ifdef VS_FP64
    double2 z = box_muller_double(x[0], x[1], x[2], x[3]);
#else
    float2 z = box_muller_float(x[0], x[1]);
#endif
    if (fabs(z.x) < (T)2) res[got++] = z.x;
    if (got < GROUP && fabs(z.y) < (T)2) res[got++] = z.y;
  }
  for (uint j = 0; j < GROUP && e + j < n; j++) out[e + j] = res[j];
}

/* RandomUniformInt: lo + word % range; int32 takes one word per value (4 a
 * group), int64 two (low word first, 2 a group). */
__kernel void random_uniform_int(__global T *out, const ulong n, const ulong seed, const ulong seed2,
                                 const ulong offset, const long minval, const ulong range) {
  const uint per = sizeof(T) == 8 ? 2 : 4;
  ulong g = get_global_id(0), e = g * per;
  if (e >= n) return;
  uint4 r = philox(skip(first_block(seed2, offset), g), key_of(seed));
  for (uint j = 0; j < per && e + j < n; j++) {
    if (sizeof(T) == 8) {
      ulong bits = (ulong)word(r, 2 * j) | ((ulong)word(r, 2 * j + 1) << 32);
      out[e + j] = (T)((ulong)minval + bits % range); /* wraps as TF's two's complement */
    } else {
      out[e + j] = (T)((uint)minval + word(r, j) % (uint)range);
    }
  }
}
