/* cast.cl - TF's Cast (tf.cast) between the numeric dtypes and bool: built
 * with -DT=<source type>, one kernel per destination type, out[i] = in[i]
 * converted. float16 and bfloat16 sources arrive as float32 (half.cl
 * converts them first); float16 and bfloat16 destinations are rounded to
 * nearest even here, as TF's Eigen casts.
 *
 * Floating to integer truncates toward zero, as C++'s static_cast TF's CPU
 * kernel compiles to; what C++ leaves undefined (NaN, infinities, values
 * out of range) is what TF 2.21 gives on x86-64, whose truncating
 * conversion (cvttss2si/cvttsd2si) yields the "integer indefinite" value
 * INT_MIN / INT64_MIN: int32 and int64 take it, the narrower integers are
 * int32's conversion wrapped to their width, uint64 exact on [0, 2^64) and
 * int64's below, uint32 int64's conversion wrapped (0x80000000 for NaN,
 * infinities and beyond int64). TF's own uint32 results for values outside
 * [-2^31, 2^32) depend on the element's position (Eigen's vector loop and
 * its scalar tail convert differently): varscope's match the scalar tail.
 * OpenCL's own convert_<int>() leaves all of that undefined, hence the
 * explicit ranges below. Integer to integer wraps (two's complement), to
 * float rounds to nearest even, to bool is x != 0 (NaN is true). */
#if defined(VS_FP64) || defined(cl_khr_fp64)
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define VS_CAST_FP64 1
#endif

/* Is T floating? A constant the compiler folds: integer sources convert
 * without the range checks (whose float compares would misjudge them). */
#define IS_FLOAT ((T)0.5f != (T)0)

/* x86-64's truncation to int32: INT_MIN for NaN and out of range. */
static int to_i32(T x) {
  if (IS_FLOAT && !(x >= -2147483648.0f && x < 2147483648.0f)) return (int)0x80000000u;
  return (int)x;
}

/* int64's truncation, `bad` for NaN and out of range. */
static long to_i64_or(T x, ulong bad) {
  if (IS_FLOAT && !(x >= -9223372036854775808.0f && x < 9223372036854775808.0f)) return (long)bad;
  return (long)x;
}

/* ... to int64: INT64_MIN for NaN and out of range. */
static long to_i64(T x) { return to_i64_or(x, 0x8000000000000000ul); }

/* ... to uint64: exact on [0, 2^64), int64's wrapped below 0, 2^63 for NaN
 * and beyond (TF 2.21 measured: 1.8e19 exact, -5e9 wrapped, 2e19 2^63). */
static ulong to_u64(T x) {
  if (IS_FLOAT && x >= 0.0f) return x < 18446744073709551616.0f ? (ulong)x : 0x8000000000000000ul;
  return (ulong)to_i64(x);
}

#define CAST_KERNEL(NAME, OUT, EXPR)                                                          \
  __kernel void NAME(__global OUT *out, __global const T *in, const ulong n) {               \
    size_t i = get_global_id(0);                                                             \
    if (i < n) {                                                                             \
      T x = in[i];                                                                           \
      out[i] = EXPR;                                                                         \
    }                                                                                        \
  }

CAST_KERNEL(cast_float, float, (float)x)
CAST_KERNEL(cast_int, int, to_i32(x))
CAST_KERNEL(cast_long, long, to_i64(x))
CAST_KERNEL(cast_short, short, (short)to_i32(x))
CAST_KERNEL(cast_ushort, ushort, (ushort)to_i32(x))
CAST_KERNEL(cast_char, char, (char)to_i32(x))
CAST_KERNEL(cast_uchar, uchar, (uchar)to_i32(x))
CAST_KERNEL(cast_ulong, ulong, to_u64(x))
CAST_KERNEL(cast_uint, uint, IS_FLOAT ? (uint)to_i64_or(x, 0x80000000ul) : (uint)x)
CAST_KERNEL(cast_bool, uchar, (uchar)(x != (T)0))
#ifdef VS_CAST_FP64
CAST_KERNEL(cast_double, double, (double)x)
#endif

/* float16: round to nearest even from float32, as Eigen's half(x), which
 * converts a double through float32 too; a NaN is Eigen's quiet 0x7e00
 * with the sign kept (vstore_half leaves its bits to the implementation). */
__kernel void cast_half(__global half *out, __global const T *in, const ulong n) {
  size_t i = get_global_id(0);
  if (i >= n) return;
  float x = (float)in[i];
  if (isnan(x)) ((__global ushort *)out)[i] = (ushort)((as_uint(x) >> 16 & 0x8000u) | 0x7e00u);
  else vstore_half_rte(x, i, out);
}

/* bfloat16: float32 rounded to its high 16 bits, nearest even; a NaN stays
 * a quiet NaN (half.cl's float_to_bfloat16). */
__kernel void cast_bfloat16(__global ushort *out, __global const T *in, const ulong n) {
  size_t i = get_global_id(0);
  if (i >= n) return;
  uint x = as_uint((float)in[i]);
  if ((x & 0x7fffffffu) > 0x7f800000u) out[i] = (ushort)((x >> 16) | 0x40u);
  else out[i] = (ushort)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}
