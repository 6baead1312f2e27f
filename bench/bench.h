/* bench.h - what every benchmark program here times with (header-only). */
#ifndef VS_BENCH_H
#define VS_BENCH_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* Seconds on the monotonic clock. */
static inline double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* qsort comparator for doubles, for medians. */
static inline int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The TensorFlow python a benchmark compares with: $VARSCOPE_TF_PYTHON,
 * else the oracle's venv under $XDG_CACHE_HOME or ~/.cache. Writes it into
 * buf; false (with *why set) when it is not an executable. */
static inline bool bench_tf_python(char *buf, size_t cap, char *why, size_t why_cap) {
  const char *py = getenv("VARSCOPE_TF_PYTHON"), *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  if (py && *py) snprintf(buf, cap, "%s", py);
  else if (cache && *cache) snprintf(buf, cap, "%s/varscope/oracle-venv/bin/python", cache);
  else snprintf(buf, cap, "%s/.cache/varscope/oracle-venv/bin/python", home ? home : "");
  if (access(buf, X_OK) == 0) return true;
  snprintf(why, why_cap, "no TensorFlow python at %s (make oracle makes it)", buf);
  return false;
}

#endif
