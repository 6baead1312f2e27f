/* convert.c - host-side element conversion between numeric dtypes, float16,
 * bfloat16 and complex included (used for initial values given in one dtype
 * and stored in another). */
#include <math.h>
#include <string.h>

#include "core/core.h"

static bool is_int(vs_dtype t) {
  return t == VS_INT8 || t == VS_INT16 || t == VS_INT32 || t == VS_INT64 || t == VS_UINT8 ||
         t == VS_UINT16 || t == VS_UINT32 || t == VS_UINT64 || t == VS_BOOL;
}

/* IEEE binary16 from a float, rounding to nearest even (subnormals,
 * overflow to infinity, NaN kept a NaN). */
static uint16_t half_bits(float f) {
  uint32_t x;
  memcpy(&x, &f, sizeof x);
  uint32_t sign = (x >> 16) & 0x8000u, exp = (x >> 23) & 0xffu, mant = x & 0x7fffffu;
  if (exp == 0xff) return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0));
  int e = (int)exp - 127 + 15;
  if (e >= 0x1f) return (uint16_t)(sign | 0x7c00u);
  if (e <= 0) { /* a half subnormal: m * 2^-24 */
    if (e < -10) return (uint16_t)sign;
    mant |= 0x800000u;
    unsigned shift = (unsigned)(14 - e);
    uint32_t m = mant >> shift, rem = mant & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (m & 1))) m++;
    return (uint16_t)(sign | m);
  }
  uint32_t h = sign | ((uint32_t)e << 10) | (mant >> 13), rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) h++; /* a carry may round up to the next exponent */
  return (uint16_t)h;
}

static double half_value(uint16_t h) {
  int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  double v = exp == 0 ? ldexp(mant, -24) : exp == 31 ? (mant ? NAN : INFINITY) : ldexp(mant | 0x400, exp - 25);
  return (h & 0x8000) ? -v : v;
}

/* bfloat16: the high half of a float32, rounded to nearest even. */
static uint16_t bfloat16_bits(float f) {
  uint32_t x;
  memcpy(&x, &f, sizeof x);
  if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u);
  x += 0x7fffu + ((x >> 16) & 1u);
  return (uint16_t)(x >> 16);
}

static double bfloat16_value(uint16_t b) {
  uint32_t x = (uint32_t)b << 16;
  float f;
  memcpy(&f, &x, sizeof f);
  return f;
}

/* Complex values convert through their real part (imaginary 0), as
 * numpy's real -> complex casts. */
static double get_f(const void *p, vs_dtype t, size_t i) {
  switch (t) {
    case VS_FLOAT: return ((const float *)p)[i];
    case VS_DOUBLE: return ((const double *)p)[i];
    case VS_HALF: return half_value(((const uint16_t *)p)[i]);
    case VS_BFLOAT16: return bfloat16_value(((const uint16_t *)p)[i]);
    case VS_COMPLEX64: return ((const float *)p)[2 * i];
    case VS_COMPLEX128: return ((const double *)p)[2 * i];
    default: return 0;
  }
}

static int64_t get_i(const void *p, vs_dtype t, size_t i) {
  switch (t) {
    case VS_INT8: return ((const int8_t *)p)[i];
    case VS_INT16: return ((const int16_t *)p)[i];
    case VS_INT32: return ((const int32_t *)p)[i];
    case VS_INT64: return ((const int64_t *)p)[i];
    case VS_UINT8: case VS_BOOL: return ((const uint8_t *)p)[i];
    case VS_UINT16: return ((const uint16_t *)p)[i];
    case VS_UINT32: return ((const uint32_t *)p)[i];
    case VS_UINT64: return (int64_t)((const uint64_t *)p)[i];
    default: return 0;
  }
}

static void put_f(void *p, vs_dtype t, size_t i, double v) {
  switch (t) {
    case VS_FLOAT: ((float *)p)[i] = (float)v; break;
    case VS_DOUBLE: ((double *)p)[i] = v; break;
    case VS_HALF: ((uint16_t *)p)[i] = half_bits((float)v); break;
    case VS_BFLOAT16: ((uint16_t *)p)[i] = bfloat16_bits((float)v); break;
    case VS_COMPLEX64:
      ((float *)p)[2 * i] = (float)v;
      ((float *)p)[2 * i + 1] = 0;
      break;
    case VS_COMPLEX128:
      ((double *)p)[2 * i] = v;
      ((double *)p)[2 * i + 1] = 0;
      break;
    default: break;
  }
}

static void put_i(void *p, vs_dtype t, size_t i, int64_t v) {
  switch (t) {
    case VS_INT8: ((int8_t *)p)[i] = (int8_t)v; break;
    case VS_INT16: ((int16_t *)p)[i] = (int16_t)v; break;
    case VS_INT32: ((int32_t *)p)[i] = (int32_t)v; break;
    case VS_INT64: ((int64_t *)p)[i] = v; break;
    case VS_UINT8: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case VS_BOOL: ((uint8_t *)p)[i] = v != 0; break;
    case VS_UINT16: ((uint16_t *)p)[i] = (uint16_t)v; break;
    case VS_UINT32: ((uint32_t *)p)[i] = (uint32_t)v; break;
    case VS_UINT64: ((uint64_t *)p)[i] = (uint64_t)v; break;
    default: break;
  }
}

double vs__load_double(const void *p, vs_dtype t, size_t i) {
  return is_int(t) ? (double)get_i(p, t, i) : get_f(p, t, i);
}

bool vs__convertible(vs_dtype t) {
  return is_int(t) || t == VS_FLOAT || t == VS_DOUBLE || t == VS_HALF || t == VS_BFLOAT16 || t == VS_COMPLEX64 ||
         t == VS_COMPLEX128;
}

/* dst[i] = src[min(i, count-1)] for i < n: TF's constant_initializer repeats
 * the last value when the list is short. */
void vs__convert_fill(const void *src, vs_dtype sdt, size_t count, void *dst, vs_dtype ddt, size_t n) {
  for (size_t i = 0; i < n; i++) {
    size_t k = i < count ? i : count - 1;
    if (is_int(sdt) && is_int(ddt)) put_i(dst, ddt, i, get_i(src, sdt, k));
    else if (is_int(ddt)) put_i(dst, ddt, i, (int64_t)get_f(src, sdt, k));
    else put_f(dst, ddt, i, is_int(sdt) ? (double)get_i(src, sdt, k) : get_f(src, sdt, k));
  }
}

/* A scalar double written as element i of dtype t. */
void vs__store_scalar(void *dst, vs_dtype t, size_t i, double v) {
  if (is_int(t)) put_i(dst, t, i, (int64_t)v);
  else put_f(dst, t, i, v);
}
