/* convert.c - host-side element conversion between numeric dtypes (used
 * for initial values given in one dtype and stored in another). */
#include "core/core.h"

static bool is_int(vs_dtype t) {
  return t == VS_INT8 || t == VS_INT16 || t == VS_INT32 || t == VS_INT64 || t == VS_UINT8 ||
         t == VS_UINT16 || t == VS_UINT32 || t == VS_UINT64 || t == VS_BOOL;
}

static double get_f(const void *p, vs_dtype t, size_t i) {
  switch (t) {
    case VS_FLOAT: return ((const float *)p)[i];
    case VS_DOUBLE: return ((const double *)p)[i];
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

bool vs__convertible(vs_dtype t) { return is_int(t) || t == VS_FLOAT || t == VS_DOUBLE; }

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
