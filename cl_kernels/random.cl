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
 * r7_3_box_muller_float_ports_equal_glibc_on_every_input). A device without
 * cl_khr_fp64 falls back to its own logf/sincos: same streams, values within
 * a few ulp instead of identical. Float64 Box-Muller (BoxMullerDouble)
 * likewise reproduces glibc's double log and sincos (dbl-64/e_log.c,
 * s_sincos.c; r7_3_box_muller_double_ports_equal_glibc).
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
/* glibc 2.36 log and sincos (double), the -mfma builds x86-64 selects, for
 * Box-Muller's u1 in [1e-7, 1) and angle in [0, 2 pi). Every fma() below is
 * a multiply-add GCC contracts there (a product whose only uses are
 * additions); the rest must not be contracted. A C mirror of this code
 * matched glibc on 2e8 random inputs of that domain; the test
 * r7_3_box_muller_double_ports_equal_glibc checks this code on 4M, and the
 * conformance case random_streams_float64 whole streams against TensorFlow. */

/* dbl-64/e_log.c: near 1 a degree-11 polynomial in r = x - 1 with a split
 * head; elsewhere log1p(z/c - 1) + log(c) + k ln2 over 128 intervals. */
__constant double LOG_TAB[128][2] = {
    {0x1.734f0c3e0de9fp+0, -0x1.7cc7f79e69000p-2}, {0x1.713786a2ce91fp+0, -0x1.76feec20d0000p-2},
    {0x1.6f26008fab5a0p+0, -0x1.713e31351e000p-2}, {0x1.6d1a61f138c7dp+0, -0x1.6b85b38287800p-2},
    {0x1.6b1490bc5b4d1p+0, -0x1.65d5590807800p-2}, {0x1.69147332f0cbap+0, -0x1.602d076180000p-2},
    {0x1.6719f18224223p+0, -0x1.5a8ca86909000p-2}, {0x1.6524f99a51ed9p+0, -0x1.54f4356035000p-2},
    {0x1.63356aa8f24c4p+0, -0x1.4f637c36b4000p-2}, {0x1.614b36b9ddc14p+0, -0x1.49da7fda85000p-2},
    {0x1.5f66452c65c4cp+0, -0x1.445923989a800p-2}, {0x1.5d867b5912c4fp+0, -0x1.3edf439b0b800p-2},
    {0x1.5babccb5b90dep+0, -0x1.396ce448f7000p-2}, {0x1.59d61f2d91a78p+0, -0x1.3401e17bda000p-2},
    {0x1.5805612465687p+0, -0x1.2e9e2ef468000p-2}, {0x1.56397cee76bd3p+0, -0x1.2941b3830e000p-2},
    {0x1.54725e2a77f93p+0, -0x1.23ec58cda8800p-2}, {0x1.52aff42064583p+0, -0x1.1e9e129279000p-2},
    {0x1.50f22dbb2bddfp+0, -0x1.1956d2b48f800p-2}, {0x1.4f38f4734ded7p+0, -0x1.141679ab9f800p-2},
    {0x1.4d843cfde2840p+0, -0x1.0edd094ef9800p-2}, {0x1.4bd3ec078a3c8p+0, -0x1.09aa518db1000p-2},
    {0x1.4a27fc3e0258ap+0, -0x1.047e65263b800p-2}, {0x1.4880524d48434p+0, -0x1.feb224586f000p-3},
    {0x1.46dce1b192d0bp+0, -0x1.f474a7517b000p-3}, {0x1.453d9d3391854p+0, -0x1.ea4443d103000p-3},
    {0x1.43a2744b4845ap+0, -0x1.e020d44e9b000p-3}, {0x1.420b54115f8fbp+0, -0x1.d60a22977f000p-3},
    {0x1.40782da3ef4b1p+0, -0x1.cc00104959000p-3}, {0x1.3ee8f5d57fe8fp+0, -0x1.c202956891000p-3},
    {0x1.3d5d9a00b4ce9p+0, -0x1.b81178d811000p-3}, {0x1.3bd60c010c12bp+0, -0x1.ae2c9ccd3d000p-3},
    {0x1.3a5242b75dab8p+0, -0x1.a45402e129000p-3}, {0x1.38d22cd9fd002p+0, -0x1.9a877681df000p-3},
    {0x1.3755bc5847a1cp+0, -0x1.90c6d69483000p-3}, {0x1.35dce49ad36e2p+0, -0x1.87120a645c000p-3},
    {0x1.34679984dd440p+0, -0x1.7d68fb4143000p-3}, {0x1.32f5cceffcb24p+0, -0x1.73cb83c627000p-3},
    {0x1.3187775a10d49p+0, -0x1.6a39a9b376000p-3}, {0x1.301c8373e3990p+0, -0x1.60b3154b7a000p-3},
    {0x1.2eb4ebb95f841p+0, -0x1.5737d76243000p-3}, {0x1.2d50a0219a9d1p+0, -0x1.4dc7b8fc23000p-3},
    {0x1.2bef9a8b7fd2ap+0, -0x1.4462c51d20000p-3}, {0x1.2a91c7a0c1babp+0, -0x1.3b08abc830000p-3},
    {0x1.293726014b530p+0, -0x1.31b996b490000p-3}, {0x1.27dfa5757a1f5p+0, -0x1.2875490a44000p-3},
    {0x1.268b39b1d3bbfp+0, -0x1.1f3b9f879a000p-3}, {0x1.2539d838ff5bdp+0, -0x1.160c8252ca000p-3},
    {0x1.23eb7aac9083bp+0, -0x1.0ce7f57f72000p-3}, {0x1.22a012ba940b6p+0, -0x1.03cdc49fea000p-3},
    {0x1.2157996cc4132p+0, -0x1.f57bdbc4b8000p-4}, {0x1.201201dd2fc9bp+0, -0x1.e370896404000p-4},
    {0x1.1ecf4494d480bp+0, -0x1.d17983ef94000p-4}, {0x1.1d8f5528f6569p+0, -0x1.bf9674ed8a000p-4},
    {0x1.1c52311577e7cp+0, -0x1.adc79202f6000p-4}, {0x1.1b17c74cb26e9p+0, -0x1.9c0c3e7288000p-4},
    {0x1.19e010c2c1ab6p+0, -0x1.8a646b372c000p-4}, {0x1.18ab07bb670bdp+0, -0x1.78d01b3ac0000p-4},
    {0x1.1778a25efbcb6p+0, -0x1.674f145380000p-4}, {0x1.1648d354c31dap+0, -0x1.55e0e6d878000p-4},
    {0x1.151b990275fddp+0, -0x1.4485cdea1e000p-4}, {0x1.13f0ea432d24cp+0, -0x1.333d94d6aa000p-4},
    {0x1.12c8b7210f9dap+0, -0x1.22079f8c56000p-4}, {0x1.11a3028ecb531p+0, -0x1.10e4698622000p-4},
    {0x1.107fbda8434afp+0, -0x1.ffa6c6ad20000p-5}, {0x1.0f5ee0f4e6bb3p+0, -0x1.dda8d4a774000p-5},
    {0x1.0e4065d2a9fcep+0, -0x1.bbcece4850000p-5}, {0x1.0d244632ca521p+0, -0x1.9a1894012c000p-5},
    {0x1.0c0a77ce2981ap+0, -0x1.788583302c000p-5}, {0x1.0af2f83c636d1p+0, -0x1.5715e67d68000p-5},
    {0x1.09ddb98a01339p+0, -0x1.35c8a49658000p-5}, {0x1.08cabaf52e7dfp+0, -0x1.149e364154000p-5},
    {0x1.07b9f2f4e28fbp+0, -0x1.e72c082eb8000p-6}, {0x1.06ab58c358f19p+0, -0x1.a55f152528000p-6},
    {0x1.059eea5ecf92cp+0, -0x1.63d62cf818000p-6}, {0x1.04949cdd12c90p+0, -0x1.228fb8caa0000p-6},
    {0x1.038c6c6f0ada9p+0, -0x1.c317b20f90000p-7}, {0x1.02865137932a9p+0, -0x1.419355daa0000p-7},
    {0x1.0182427ea7348p+0, -0x1.81203c2ec0000p-8}, {0x1.008040614b195p+0, -0x1.0040979240000p-9},
    {0x1.fe01ff726fa1ap-1, 0x1.feff384900000p-9}, {0x1.fa11cc261ea74p-1, 0x1.7dc41353d0000p-7},
    {0x1.f6310b081992ep-1, 0x1.3cea3c4c28000p-6}, {0x1.f25f63ceeadcdp-1, 0x1.b9fc114890000p-6},
    {0x1.ee9c8039113e7p-1, 0x1.1b0d8ce110000p-5}, {0x1.eae8078cbb1abp-1, 0x1.58a5bd001c000p-5},
    {0x1.e741aa29d0c9bp-1, 0x1.95c8340d88000p-5}, {0x1.e3a91830a99b5p-1, 0x1.d276aef578000p-5},
    {0x1.e01e009609a56p-1, 0x1.07598e598c000p-4}, {0x1.dca01e577bb98p-1, 0x1.253f5e30d2000p-4},
    {0x1.d92f20b7c9103p-1, 0x1.42edd8b380000p-4}, {0x1.d5cac66fb5ccep-1, 0x1.606598757c000p-4},
    {0x1.d272caa5ede9dp-1, 0x1.7da76356a0000p-4}, {0x1.cf26e3e6b2ccdp-1, 0x1.9ab434e1c6000p-4},
    {0x1.cbe6da2a77902p-1, 0x1.b78c7bb0d6000p-4}, {0x1.c8b266d37086dp-1, 0x1.d431332e72000p-4},
    {0x1.c5894bd5d5804p-1, 0x1.f0a3171de6000p-4}, {0x1.c26b533bb9f8cp-1, 0x1.067152b914000p-3},
    {0x1.bf583eeece73fp-1, 0x1.147858292b000p-3}, {0x1.bc4fd75db96c1p-1, 0x1.2266ecdca3000p-3},
    {0x1.b951e0c864a28p-1, 0x1.303d7a6c55000p-3}, {0x1.b65e2c5ef3e2cp-1, 0x1.3dfc33c331000p-3},
    {0x1.b374867c9888bp-1, 0x1.4ba366b7a8000p-3}, {0x1.b094b211d304ap-1, 0x1.5933928d1f000p-3},
    {0x1.adbe885f2ef7ep-1, 0x1.66acd2418f000p-3}, {0x1.aaf1d31603da2p-1, 0x1.740f8ec669000p-3},
    {0x1.a82e63fd358a7p-1, 0x1.815c0f51af000p-3}, {0x1.a5740ef09738bp-1, 0x1.8e92954f68000p-3},
    {0x1.a2c2a90ab4b27p-1, 0x1.9bb3602f84000p-3}, {0x1.a01a01393f2d1p-1, 0x1.a8bed1c2c0000p-3},
    {0x1.9d79f24db3c1bp-1, 0x1.b5b515c01d000p-3}, {0x1.9ae2505c7b190p-1, 0x1.c2967ccbcc000p-3},
    {0x1.9852ef297ce2fp-1, 0x1.cf635d5486000p-3}, {0x1.95cbaeea44b75p-1, 0x1.dc1bd3446c000p-3},
    {0x1.934c69de74838p-1, 0x1.e8c01b8cfe000p-3}, {0x1.90d4f2f6752e6p-1, 0x1.f5509c0179000p-3},
    {0x1.8e6528effd79dp-1, 0x1.00e6c121fb800p-2}, {0x1.8bfce9fcc007cp-1, 0x1.071b80e93d000p-2},
    {0x1.899c0dabec30ep-1, 0x1.0d46b9e867000p-2}, {0x1.87427aa2317fbp-1, 0x1.13687334bd000p-2},
    {0x1.84f00acb39a08p-1, 0x1.1980d67234800p-2}, {0x1.82a49e8653e55p-1, 0x1.1f8ffe0cc8000p-2},
    {0x1.8060195f40260p-1, 0x1.2595fd7636800p-2}, {0x1.7e22563e0a329p-1, 0x1.2b9300914a800p-2},
    {0x1.7beb377dcb5adp-1, 0x1.3187210436000p-2}, {0x1.79baa679725c2p-1, 0x1.377266dec1800p-2},
    {0x1.77907f2170657p-1, 0x1.3d54ffbaf3000p-2}, {0x1.756cadbd6130cp-1, 0x1.432eee32fe000p-2},
};
__constant double LOG_B[11] = {-0x1p-1, 0x1.5555555555577p-2, -0x1.ffffffffffdcbp-3, 0x1.999999995dd0cp-3,
                               -0x1.55555556745a7p-3, 0x1.24924a344de3p-3, -0x1.fffffa4423d65p-4,
                               0x1.c7184282ad6cap-4, -0x1.999eb43b068ffp-4, 0x1.78182f7afd085p-4,
                               -0x1.5521375d145cdp-4};
__constant double LOG_A[5] = {-0x1.0000000000001p-1, 0x1.555555551305bp-2, -0x1.fffffffeb459p-3,
                              0x1.999b324f10111p-3, -0x1.55575e506c89fp-3};

static double glibc_log(double x) {
  ulong ix = as_ulong(x), lo1 = as_ulong(1.0 - 0x1p-4), hi1 = as_ulong(1.0 + 0x1.09p-4);
  if (ix - lo1 < hi1 - lo1) {
    if (ix == as_ulong(1.0)) return 0;
    double r = x - 1.0, r2 = r * r, r3 = r * r2;
    double p3 = fma(r3, LOG_B[10], fma(r2, LOG_B[9], fma(r, LOG_B[8], LOG_B[7])));
    double p2 = fma(r3, p3, fma(r2, LOG_B[6], fma(r, LOG_B[5], LOG_B[4])));
    double p1 = fma(r3, p2, fma(r2, LOG_B[3], fma(r, LOG_B[2], LOG_B[1])));
    double w = r * 0x1p27;
    double rhi = r + w - w, rlo = r - rhi;
    w = rhi * rhi * LOG_B[0];
    double hi = r + w, lo = r - hi + w;
    lo = fma(LOG_B[0] * rlo, rhi + r, lo);
    return fma(r3, p1, lo) + hi;
  }
  ulong tmp = ix - 0x3fe6000000000000ul;
  int i = (int)((tmp >> 45) % 128), k = (int)((long)tmp >> 52);
  double z = as_double(ix - (tmp & (0xffful << 52)));
  double r = fma(z, LOG_TAB[i][0], -1.0), kd = (double)k;
  double w = fma(kd, 0x1.62e42fefa3800p-1, LOG_TAB[i][1]);
  double hi = w + r, lo = fma(kd, 0x1.ef35793c76730p-45, w - hi + r);
  double r2 = r * r;
  double p = fma(r2, fma(r, LOG_A[4], LOG_A[3]), fma(r, LOG_A[2], LOG_A[1]));
  return fma(r * r2, p, fma(r2, LOG_A[0], lo)) + hi;
}

/* dbl-64/s_sincos.c (IBM's): Taylor series near 0, else sin/cos of the
 * nearest table point (big + |x| picks it) corrected by short series, after
 * a Cody-Waite reduction by pi/2 past 2.426265. */
__constant double SINCOS_TAB[440] = {
    0x0.0p+0, 0x0.0p+0, 0x1.0000000000000p+0, 0x0.0p+0,
    0x1.fffeaaaaeeeefp-8, -0x1.e45e2ec67b77cp-62, 0x1.fffc000155552p-1, 0x1.f4a01a0196daep-55,
    0x1.fffaaaaeeeed5p-7, -0x1.2ab639a9f0777p-63, 0x1.fff000155549fp-1, 0x1.28a28a03a5ef3p-55,
    0x1.7ff7001033255p-6, 0x1.efe2b51527336p-64, 0x1.ffdc006bff7e6p-1, 0x1.ae6dae86977bdp-55,
    0x1.ffeaaaeeee86fp-6, -0x1.cd406fb224ae2p-60, 0x1.ffc00155527d3p-1, -0x1.3b54492d89b5bp-55,
    0x1.3feb2b12d45d5p-5, 0x1.4ec54203d1c11p-60, 0x1.ff9c03414a7bap-1, 0x1.991f4be6c59bfp-57,
    0x1.7fdc01032fba9p-5, -0x1.599bdf46e997ap-59, 0x1.ff7006bfdf99fp-1, -0x1.8b3b560648d5fp-56,
    0x1.bfc6d78586dacp-5, 0x1.8e4fd03dbf236p-62, 0x1.ff3c0c8103a31p-1, 0x1.4856dbddc0e66p-56,
    0x1.ffaaaeeed4edbp-5, -0x1.2d16d32684b69p-59, 0x1.ff0015549f4d3p-1, 0x1.328387b99426fp-55,
    0x1.1fc343d808befp-4, -0x1.f3d32e6f3be4fp-58, 0x1.febc222a8ef9fp-1, 0x1.7934934f54c77p-58,
    0x1.3facb12d1755bp-4, -0x1.921915299468cp-58, 0x1.fe7034129ef6fp-1, -0x1.cbf4337c96f97p-57,
    0x1.5f911fd10b737p-4, -0x1.0184f02be9102p-58, 0x1.fe1c4c3c873ebp-1, -0x1.5a9c9057c4a02p-60,
    0x1.7f701032550e4p-4, 0x1.afc2d1800501ap-60, 0x1.fdc06bf7e6b9bp-1, 0x1.31902b535f8dbp-55,
    0x1.9f4902d55d1f9p-4, 0x1.2696d7eac1dc1p-58, 0x1.fd5c94b43e000p-1, -0x1.2e768cb4f92f9p-57,
    0x1.bf1b78568391dp-4, 0x1.e91841dea4cc8p-58, 0x1.fcf0c800e99b1p-1, 0x1.ea3d786d186acp-57,
    0x1.dee6f16c1cce6p-4, -0x1.50f8e2fb71673p-59, 0x1.fc7d078d1bc88p-1, 0x1.075d2447db685p-55,
    0x1.feaaeee86ee36p-4, -0x1.afcb2bcc6f03bp-59, 0x1.fc015527d5bd3p-1, 0x1.b68f35094efb8p-55,
    0x1.0f3378ddd71d1p-3, 0x1.d8468724f0f9ep-57, 0x1.fb7db2bfe0695p-1, 0x1.21dadf4f65ab1p-55,
    0x1.1f0d3d7afceafp-3, -0x1.6ef95099769a5p-57, 0x1.faf22263c4bd3p-1, -0x1.52ace133a2769p-58,
    0x1.2ee285e4ab88fp-3, -0x1.e4d0f05dee058p-57, 0x1.fa5ea641c36f2p-1, 0x1.04da6ed17cc7cp-59,
    0x1.3eb312c5d66cbp-3, 0x1.47d666b66cb91p-57, 0x1.f9c340a7cc428p-1, 0x1.c5b6b063b7462p-55,
    0x1.4e7ea4dc5f27bp-3, 0x1.949db2ac072fcp-58, 0x1.f91ff40374d01p-1, -0x1.7d03f4d3a9e4cp-57,
    0x1.5e44fcfa126f3p-3, -0x1.6f443063f89b6p-57, 0x1.f874c2e1eecf6p-1, -0x1.c6514e1332b16p-55,
    0x1.6e05dc05a4d4cp-3, -0x1.32c5c8b81c940p-66, 0x1.f7c1afeffde24p-1, -0x1.8f55bc47540b1p-56,
    0x1.7dc102fbaf2b5p-3, 0x1.5ab50e23c97c3p-59, 0x1.f706bdf9ece1cp-1, -0x1.698c80c36dcb4p-55,
    0x1.8d7632efaa944p-3, -0x1.20fa262cbb953p-57, 0x1.f643efeb82acdp-1, 0x1.6b00ac1fe28acp-56,
    0x1.9d252d0cec312p-3, 0x1.9c43d80b1137dp-58, 0x1.f57948cff6797p-1, 0x1.e3a0d3e03b1d5p-57,
    0x1.accdb297a0765p-3, -0x1.9883b57d6cdebp-58, 0x1.f4a6cbd1e3a79p-1, 0x1.13df0edaebb57p-55,
    0x1.bc6f84edc6199p-3, 0x1.9c1a56a7b0cabp-57, 0x1.f3cc7c3b3d16ep-1, -0x1.21a3ad28a3494p-57,
    0x1.cc0a6588289a3p-3, -0x1.868d09bc87c6bp-57, 0x1.f2ea5d753ffedp-1, 0x1.cc4215f56d583p-55,
    0x1.db9e15fb5a5d0p-3, -0x1.32e20d6cc6fc2p-57, 0x1.f20073086649fp-1, 0x1.b940416c1984bp-56,
    0x1.eb2a57f8ae5a3p-3, -0x1.0be06af572cebp-57, 0x1.f10ec09c5873bp-1, 0x1.d9072762c1283p-55,
    0x1.faaeed4f31577p-3, -0x1.15d88508e32b8p-57, 0x1.f01549f7deea1p-1, 0x1.d3c1e99e5cafdp-55,
    0x1.0515cbf65155cp-2, -0x1.9b8c29dfd8ec8p-56, 0x1.ef141300d2f26p-1, -0x1.2aa1b08ded372p-55,
    0x1.0cd00cef36436p-2, -0x1.9fb0a0c93e2b5p-56, 0x1.ee0b1fbc0f11cp-1, -0x1.bfd2380bbc3b1p-59,
    0x1.14861aa94ddebp-2, -0x1.be881b5b615a4p-57, 0x1.ecfa744d5efa1p-1, -0x1.56d0a4af541d0p-58,
    0x1.1c37d64c6b876p-2, 0x1.46076fe0dcff5p-56, 0x1.ebe214f76efa8p-1, -0x1.02f9f12ba543ep-55,
    0x1.23e52111aaf36p-2, -0x1.4f080334eff18p-56, 0x1.eac2061bbaf4fp-1, 0x1.2c1d53e94658dp-57,
    0x1.2b8ddc43eb49fp-2, 0x1.1553899f2d807p-57, 0x1.e99a4c3a7cd83p-1, -0x1.2264b1bc53ce8p-55,
    0x1.3331e94049f87p-2, 0x1.e0cb6b40c302cp-56, 0x1.e86aebf29a9edp-1, 0x1.9397afdbb58a7p-55,
    0x1.3ad129769d3d8p-2, 0x1.03d5504878398p-63, 0x1.e733ea0193d40p-1, -0x1.6428b3546ce13p-55,
    0x1.426b7e69ee697p-2, -0x1.f09c75705c59fp-56, 0x1.e5f54b436e9d0p-1, 0x1.7eb0fd02fc8bcp-55,
    0x1.4a00c9b0f3d20p-2, 0x1.823ba6bb08eadp-56, 0x1.e4af14b2a449cp-1, -0x1.68ca02e8a6833p-55,
    0x1.5190ecf68a77ap-2, 0x1.b357155eef0f3p-56, 0x1.e3614b680d6a5p-1, -0x1.27793aa015237p-56,
    0x1.591bc9fa2f597p-2, 0x1.7c74bac3fe0cbp-57, 0x1.e20bf49acd6c1p-1, -0x1.660aec7ef636cp-58,
    0x1.60a1429078775p-2, 0x1.b1fd80ba89133p-58, 0x1.e0af15a03dbcep-1, 0x1.fe8e702771ae6p-58,
    0x1.682138a38d7f7p-2, -0x1.d889202444aadp-56, 0x1.df4ab3ebd875ep-1, -0x1.e2d8a7e6736c4p-55,
    0x1.6f9b8e33a0255p-2, 0x1.42bc14ee9da0dp-56, 0x1.ddded50f228d6p-1, -0x1.e80c8d42ba2bfp-57,
    0x1.7710255764214p-2, -0x1.6ead7314bb6cep-57, 0x1.dc6b7eb995912p-1, 0x1.4b364776dcd35p-58,
    0x1.7e7ee03c86d4ep-2, -0x1.b63bcdabf5af2p-56, 0x1.daf0b6b888e83p-1, 0x1.a249e2b5e5ceap-55,
    0x1.85e7a12826949p-2, 0x1.8a40e9b5face0p-56, 0x1.d96e82f71a9dcp-1, 0x1.ff61bd5d2039dp-55,
    0x1.8d4a4a774992fp-2, 0x1.44a02ea766326p-56, 0x1.d7e4e97e17b4ap-1, -0x1.3b770352bed94p-57,
    0x1.94a6be9f546c5p-2, -0x1.69ce13e683f58p-56, 0x1.d653f073e4040p-1, -0x1.76236434bec37p-55,
    0x1.9bfce02e80510p-2, 0x1.09e39a320b0a4p-56, 0x1.d4bb9e1c619e0p-1, 0x1.f34bb77858f61p-55,
    0x1.a34c91cc50ccap-2, -0x1.a310e3b50cecdp-58, 0x1.d31bf8d8d7c06p-1, 0x1.e60dd3089cbddp-56,
    0x1.aa95b63a09277p-2, -0x1.6293eb13c0381p-57, 0x1.d1750727d94f0p-1, 0x1.0d52b1ec1a48ep-55,
    0x1.b1d8305321617p-2, -0x1.ae242cb99f519p-56, 0x1.cfc6cfa52ad9fp-1, 0x1.8b5b5508f2a0dp-55,
    0x1.b913e30dbac43p-2, -0x1.e38ad2f6c3ff1p-56, 0x1.ce115909a82e5p-1, 0x1.1f139bb31109ap-55,
    0x1.c048b17b140a3p-2, 0x1.19fe6757e9fa7p-57, 0x1.cc54aa2b2972ep-1, 0x1.4ee162ba83a98p-57,
    0x1.c7767ec7fd19ep-2, -0x1.eb14d1a3d5826p-58, 0x1.ca90c9fc67d0bp-1, -0x1.46a81485e3462p-57,
    0x1.ce9d2e3d4a51fp-2, -0x1.2fc8a12dae298p-57, 0x1.c8c5bf8ce1a84p-1, 0x1.ab3d1a1590123p-56,
    0x1.d5bca34047661p-2, 0x1.28a44a75fc29cp-56, 0x1.c6f39208be53bp-1, -0x1.741dbfbaadb42p-55,
    0x1.dcd4c15329c9ap-2, 0x1.0d4c6e171fd9ap-56, 0x1.c51a48b8b175ep-1, -0x1.1bbb43b9aa880p-57,
    0x1.e3e56c1582a69p-2, -0x1.0a4821099f88fp-58, 0x1.c339eb01ddd81p-1, -0x1.caaf5ee82c5c0p-55,
    0x1.eaee8744b05f0p-2, -0x1.789b43c9b027dp-58, 0x1.c1528065b7d50p-1, -0x1.892111312e828p-55,
    0x1.f1eff6bc4f97bp-2, 0x1.17212f8a7525cp-56, 0x1.bf641081e7536p-1, 0x1.b7bd71628a9a1p-55,
    0x1.f8e99e76abc97p-2, 0x1.9d950af2d00a3p-58, 0x1.bd6ea310294f5p-1, 0x1.31bbcc88c109dp-56,
    0x1.ffdb628d2f57ap-2, 0x1.f4a992e905b6ap-57, 0x1.bb723fe630f32p-1, 0x1.72bd2452d0a39p-56,
    0x1.0362939c69955p-1, -0x1.2d8cd78397b01p-55, 0x1.b96eeef58840ep-1, 0x1.45a3cc78fade0p-58,
    0x1.06d3686946e5bp-1, 0x1.3f5ae4538ff1bp-55, 0x1.b764b84b704c2p-1, -0x1.f5848c21b389bp-55,
    0x1.0a4021e9e1001p-1, -0x1.6f643a13914f6p-55, 0x1.b553a410c104ep-1, 0x1.8ff7947027a16p-58,
    0x1.0da8b26b5672ep-1, -0x1.a58def0bee909p-55, 0x1.b33bba89c8948p-1, 0x1.ea6a51d1f6ca9p-55,
    0x1.110d0c4b69c3bp-1, 0x1.d918998809981p-55, 0x1.b11d04162a4c6p-1, 0x1.1dd561efbc0c2p-56,
    0x1.146d21f8b7f82p-1, 0x1.bf9535e2739a8p-56, 0x1.aef78930bd275p-1, -0x1.f836279746f94p-56,
    0x1.17c8e5f2eedb0p-1, 0x1.35e57102e2488p-57, 0x1.accb526f69de5p-1, 0x1.8fb6a8dd6b6ccp-55,
    0x1.1b204acb02fddp-1, -0x1.f190c70cbb5ffp-58, 0x1.aa98688308913p-1, -0x1.b83d607cd5070p-63,
    0x1.1e7343236574cp-1, 0x1.22a3fa4f41d5ap-56, 0x1.a85ed4373e02dp-1, 0x1.9be06385ec792p-57,
    0x1.21c1c1b0394cfp-1, 0x1.e5b324b23aa31p-58, 0x1.a61e9e72586afp-1, 0x1.58330e2fd453fp-55,
    0x1.250bb93788bbbp-1, 0x1.ea3d02457bccep-56, 0x1.a3d7d0352bdcfp-1, -0x1.68dbaeca19669p-55,
    0x1.28511c917a067p-1, -0x1.01df1d9a16b70p-55, 0x1.a18a729aee445p-1, 0x1.95e25736c0358p-60,
    0x1.2b91dea88421ep-1, -0x1.fa371db216ab0p-55, 0x1.9f368ed912f85p-1, -0x1.1d200c5791606p-55,
    0x1.2ecdf279a3082p-1, 0x1.d3557e0e7e37ep-55, 0x1.9cdc2e3f25e5cp-1, 0x1.3f99112993f62p-55,
    0x1.32054b148bc4fp-1, 0x1.f6b42095a135bp-55, 0x1.9a7b5a36a6514p-1, 0x1.722cfcc9fa7a9p-55,
    0x1.3537db9be0367p-1, 0x1.b327e7af040f0p-57, 0x1.98141c42e1310p-1, 0x1.d1ff80488f08dp-55,
    0x1.386597456282bp-1, -0x1.10fada93b07a8p-56, 0x1.95a67e00cb1fdp-1, -0x1.0befda21f862dp-55,
    0x1.3b8e715a2840ap-1, -0x1.97653a7d2f07bp-56, 0x1.93328926d9e92p-1, -0x1.bb77003600cdap-55,
    0x1.3eb25d36cd53ap-1, -0x1.be570e1570fc0p-58, 0x1.90b84784ddaf7p-1, -0x1.0feb10ab93b87p-56,
    0x1.41d14e4ba6790p-1, 0x1.4608fd287ecf5p-55, 0x1.8e37c303d9ad1p-1, -0x1.463a4b53d4bf8p-57,
    0x1.44eb381cf386bp-1, -0x1.3ed6c1e6a5505p-55, 0x1.8bb105a5dc900p-1, 0x1.863e03e9474c1p-55,
    0x1.48000e431159fp-1, -0x1.b194a7463ed10p-55, 0x1.89241985d871fp-1, 0x1.c48d9c413ed84p-55,
    0x1.4b0fc46aab761p-1, 0x1.0da05738cc59ap-61, 0x1.869108d77a6c6p-1, 0x1.338ffe2bfe9ddp-56,
    0x1.4e1a4e54ed51bp-1, -0x1.a492f89b7c76ap-55, 0x1.83f7dde701ca0p-1, -0x1.152cf609bc6e8p-59,
    0x1.511f9fd7b351cp-1, -0x1.5c0e861c48831p-55, 0x1.8158a31916d5dp-1, -0x1.de8b90b8228dep-57,
    0x1.541facddbb724p-1, 0x1.232c28520d391p-56, 0x1.7eb362eaa1488p-1, 0x1.a1d65a4a5959fp-58,
    0x1.571a6966d59b3p-1, 0x1.c843b4d0fb198p-58, 0x1.7c0827f09e54fp-1, -0x1.c73d6d72aee68p-57,
    0x1.5a0fc98813a12p-1, -0x1.d82e2b7d4227bp-55, 0x1.7956fcd7f6543p-1, -0x1.ab276e9d45ae4p-55,
    0x1.5cffc16bf8f0dp-1, 0x1.96cb370eb578ap-55, 0x1.769fec655211fp-1, -0x1.827d5cf8c68c5p-57,
    0x1.5fea4552a9e57p-1, 0x1.0b6cef7ee20b7p-55, 0x1.73e30174efba1p-1, -0x1.5d3ae3d94ad5fp-57,
    0x1.62cf49921ac79p-1, -0x1.edd9855b6241ap-55, 0x1.712046fa77678p-1, 0x1.425b0a5029c81p-55,
    0x1.65aec2963e755p-1, 0x1.126f96b71053cp-55, 0x1.6e57c800cf55ep-1, 0x1.60286dedbd0a6p-55,
    0x1.6888a4e134b2fp-1, -0x1.6b7d37644d5e6p-55, 0x1.6b898fa9efb5dp-1, 0x1.15ac786ccf4b2p-56,
    0x1.6b5ce50b7821ap-1, -0x1.5d5158f702e0fp-57, 0x1.68b5a92eb6253p-1, -0x1.9a91ad985f89cp-55,
    0x1.6e2b77c40bde1p-1, -0x1.0e729857fad53p-56, 0x1.65dc1fdeb8cbap-1, -0x1.97c1b47337c77p-58,
    0x1.70f451d0a8c40p-1, 0x1.97ede3885770dp-57, 0x1.62fcff20191c7p-1, 0x1.d9143895756efp-57,
    0x1.73b7680dea578p-1, -0x1.2248306dc12a2p-56, 0x1.6018526f563dfp-1, 0x1.46ca5e0e432d0p-55,
    0x1.7674af6f7b524p-1, 0x1.e9d3f94ac84a8p-56, 0x1.5d2e255f1f17ap-1, 0x1.0314104c8892bp-55,
    0x1.792c1d0041d52p-1, -0x1.abf05eeb354ebp-55, 0x1.5a3e839824077p-1, 0x1.428aa2759be62p-55,
    0x1.7bdda5e28b3c2p-1, 0x1.ad1197ccd0393p-59, 0x1.574978d8e83f2p-1, 0x1.f4714af282d23p-55,
    0x1.7e893f5037959p-1, 0x1.0eefbaa650c4cp-55, 0x1.544f10f592ca5p-1, -0x1.e7ae8e6c7a62fp-55,
    0x1.812ede9ae4ba4p-1, -0x1.7830adf402ddap-55, 0x1.514f57d7bf3dap-1, 0x1.47a108073c259p-56,
};

#define SC_BIG 0x1.8p45
#define SC_HP0 0x1.921FB54442D18p0
#define SC_HP1 0x1.1A62633145C07p-54

static double sc_do_cos(double x, double dx) {
  if (x < 0) dx = -dx;
  double ux = SC_BIG + fabs(x);
  x = fabs(x) - (ux - SC_BIG) + dx;
  double xx = x * x;
  double s = fma(x * xx, fma(xx, 8.33333214285722277379541354343671E-03, -1.66666666666664880952546298448555E-01), x);
  double c = xx * fma(xx, fma(xx, 1.38888874007937613028114285595617E-03, -4.16666666666664434524222570944589E-02),
                      4.99999999999999999999950396842453E-01);
  int k = (int)(as_ulong(ux) & 0xffffffffu) << 2;
  double cor = fma(-SINCOS_TAB[k], s, fma(-SINCOS_TAB[k + 2], c, fma(-s, SINCOS_TAB[k + 1], SINCOS_TAB[k + 3])));
  return SINCOS_TAB[k + 2] + cor;
}

static double sc_do_sin(double x, double dx) {
  double xold = x;
  if (fabs(x) < 0.126) { /* TAYLOR_SIN */
    double xx = x * x;
    double p = fma(fma(fma(fma(-0x1.ADDFFC2FCDF59p-26, xx, 0x1.71DE27B9A7ED9p-19), xx, -0x1.A01A019DB08B8p-13), xx,
                       0x1.1111111110ECEp-7),
                   xx, -0x1.5555555555555p-3);
    return x + fma(fma(p, x, -0.5 * dx), xx, dx);
  }
  if (x <= 0) dx = -dx;
  double ux = SC_BIG + fabs(x);
  x = fabs(x) - (ux - SC_BIG);
  double xx = x * x;
  double s = x + fma(x * xx, fma(xx, 8.33333214285722277379541354343671E-03, -1.66666666666664880952546298448555E-01), dx);
  double c = fma(x, dx, xx * fma(xx, fma(xx, 1.38888874007937613028114285595617E-03, -4.16666666666664434524222570944589E-02),
                                 4.99999999999999999999950396842453E-01));
  int k = (int)(as_ulong(ux) & 0xffffffffu) << 2;
  double cor = fma(SINCOS_TAB[k + 2], s, fma(-SINCOS_TAB[k], c, fma(s, SINCOS_TAB[k + 3], SINCOS_TAB[k + 1])));
  return copysign(SINCOS_TAB[k] + cor, xold);
}

/* (sin x, cos x) for 0 <= x < 105414350. */
static double2 glibc_sincos(double x) {
  uint k = (uint)(as_ulong(x) >> 32) & 0x7fffffffu;
  if (k < 0x3e400000u) return (double2)(x, 1.0);
  if (k < 0x3feb6000u) return (double2)(sc_do_sin(x, 0), sc_do_cos(x, 0));
  if (k < 0x400368fdu) {
    double y = SC_HP0 - fabs(x), a = y + SC_HP1, da = (y - a) + SC_HP1;
    return (double2)(copysign(sc_do_cos(a, da), x), sc_do_sin(a, da));
  }
  /* reduce_sincos */
  double t = fma(x, 0x1.45F306DC9C883p-1, 0x1.8p52), xn = t - 0x1.8p52;
  double y = fma(-xn, -0x1.DDE973C000000p-27, fma(-xn, 0x1.921FB58000000p0, x));
  uint n = (uint)as_ulong(t) & 3;
  double t2 = fma(-xn, -0x1.CB3B398000000p-55, y), db = fma(-xn, -0x1.CB3B398000000p-55, y - t2);
  double a = fma(-xn, -0x1.d747f23e32ed7p-83, t2);
  db += fma(-xn, -0x1.d747f23e32ed7p-83, t2 - a);
  if (n == 1 || n == 2) {
    a = -a;
    db = -db;
  }
  double sn = sc_do_sin(a, db), cs = sc_do_cos(a, db);
  if (n & 2) cs = -cs;
  return n & 1 ? (double2)(cs, sn) : (double2)(sn, cs);
}

/* BoxMullerDouble: two normals from four words (52-bit uniforms), glibc's
 * log and sincos as TF calls them; sqrt is correctly rounded everywhere. */
static double2 box_muller_double(uint x0, uint x1, uint x2, uint x3) {
  double u1 = u64_to_double(x0, x1);
  if (u1 < 1.0e-7) u1 = 1.0e-7;
  double v1 = 0x1.921fb54442d18p+2 * u64_to_double(x2, x3);
  return glibc_sincos(v1) * sqrt(-2.0 * glibc_log(u1));
}
#define GROUP 2 /* kResultElementCount of the double distributions */
#else
#define GROUP 4
#endif

/* RandomUniform: group g from block g; [0, 1) (the graph's Mul and Add
 * scale it, as TF's random_uniform). */
static void uniform_group(__global T *out, ulong n, ulong seed, ulong seed2, ulong offset, ulong g) {
  ulong e = g * GROUP;
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
static void normal_group(__global T *out, ulong n, ulong seed, ulong seed2, ulong offset, ulong g) {
  ulong e = g * GROUP;
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
static void truncated_group(__global T *out, ulong n, ulong seed, ulong seed2, ulong offset, ulong g) {
  ulong e = g * GROUP;
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

__kernel void random_uniform(__global T *out, const ulong n, const ulong seed, const ulong seed2,
                             const ulong offset) {
  uniform_group(out, n, seed, seed2, offset, get_global_id(0));
}

__kernel void random_normal(__global T *out, const ulong n, const ulong seed, const ulong seed2,
                            const ulong offset) {
  normal_group(out, n, seed, seed2, offset, get_global_id(0));
}

__kernel void truncated_normal(__global T *out, const ulong n, const ulong seed, const ulong seed2,
                               const ulong offset) {
  truncated_group(out, n, seed, seed2, offset, get_global_id(0));
}

/* Batched initialisation (engine/exec/batch.c): many variables' random
 * initial values in one launch. Entry k of `table` (BATCH_WORDS ulongs) is
 * one variable: its element offset in `out`, count, seed, seed2, Philox
 * offset, first global group, then the graph's `* scale + shift` (T's bits;
 * flag 1 when the chain has them). A work-item finds its entry by binary
 * search over the first groups, computes the group exactly as the single
 * kernel does, then applies the multiply and the add as the graph's Mul and
 * AddV2 kernels would: rounded to T after each (FP_CONTRACT is off). */
#define BATCH_WORDS 9
#ifdef VS_FP64
#define FROM_BITS(b) as_double(b)
#else
#define FROM_BITS(b) as_float((uint)(b))
#endif
#define BATCH_KERNEL(name, group_fn)                                                                   \
  __kernel void name(__global T *out, __global const ulong *table, const uint entries,                 \
                     const ulong groups) {                                                             \
    ulong g = get_global_id(0);                                                                        \
    if (g >= groups) return;                                                                           \
    uint lo = 0, hi = entries - 1;                                                                     \
    while (lo < hi) {                                                                                  \
      uint mid = (lo + hi + 1) / 2;                                                                    \
      if (table[mid * BATCH_WORDS + 5] <= g) lo = mid;                                                 \
      else hi = mid - 1;                                                                               \
    }                                                                                                  \
    __global const ulong *t = table + lo * BATCH_WORDS;                                                \
    __global T *o = out + t[0];                                                                        \
    ulong n = t[1], local_g = g - t[5];                                                                \
    group_fn(o, n, t[2], t[3], t[4], local_g);                                                         \
    if (t[8]) {                                                                                        \
      T scale = FROM_BITS(t[6]), shift = FROM_BITS(t[7]);                                              \
      for (ulong e = local_g * GROUP; e < local_g * GROUP + GROUP && e < n; e++) {                     \
        T x = o[e] * scale;                                                                            \
        o[e] = x + shift;                                                                              \
      }                                                                                                \
    }                                                                                                  \
  }
BATCH_KERNEL(random_uniform_batch, uniform_group)
BATCH_KERNEL(random_normal_batch, normal_group)
BATCH_KERNEL(truncated_normal_batch, truncated_group)

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
