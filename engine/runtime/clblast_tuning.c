/* clblast_tuning.c - CLBlast GEMM parameters per device.
 *
 * CLBlast ships tuned parameters for many GPUs but none for PoCL on most
 * CPUs, where it falls back to generic ones (about 5% of peak). vs_device_tune
 * times SGEMM under a set of candidate Xgemm parameter sets (CLBlast's
 * generic and Intel-CPU defaults, and wide-vector, no-local-memory tiles that
 * suit CPU OpenCL) and stores the fastest in the cache directory; every
 * process applies the stored set with CLBlastOverrideParameters when it first
 * uses the device. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <clblast_c.h>

#include "runtime/blas.h"
#include "runtime/runtime_internal.h"

#define NPARAMS 16
static const char *const XGEMM_NAMES[NPARAMS] = {"GEMMK", "KREG", "KWG",  "KWI", "MDIMA", "MDIMC", "MWG", "NDIMB",
                                                 "NDIMC", "NWG",  "SA",   "SB",  "STRM",  "STRN",  "VWM", "VWN"};
static const size_t CANDIDATES[][NPARAMS] = {
    {0, 1, 32, 2, 8, 8, 32, 16, 16, 32, 1, 1, 0, 0, 4, 2},     /* CLBlast's generic default */
    {0, 1, 32, 2, 8, 8, 32, 8, 8, 64, 0, 0, 0, 0, 4, 4},       /* CLBlast's Intel-CPU default */
    {0, 1, 16, 2, 16, 16, 128, 8, 8, 64, 0, 0, 0, 0, 8, 8},
    {0, 1, 16, 2, 8, 8, 128, 8, 8, 128, 0, 0, 0, 0, 16, 16},
    {0, 1, 16, 2, 8, 8, 128, 8, 8, 64, 0, 0, 0, 0, 16, 8},
    {0, 1, 16, 2, 8, 8, 64, 8, 8, 64, 0, 0, 0, 0, 16, 8},
    {0, 1, 32, 2, 8, 8, 64, 8, 8, 64, 0, 0, 0, 0, 8, 8},
};
#define NCAND (sizeof CANDIDATES / sizeof CANDIDATES[0])

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static char *params_path(const vs_cl_device *d) {
  char *dir = vs__cache_dir();
  if (!dir) return NULL;
  char key[1024];
  snprintf(key, sizeof key, "%s|%s|%s", d->info.device_name, d->info.driver_version, d->info.platform_name);
  uint64_t h = 1469598103934665603ull;
  for (const char *p = key; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
  char *path = vs__asprintf("%s/clblast-xgemm-%016llx.txt", dir, (unsigned long long)h);
  free(dir);
  return path;
}

static bool apply(const vs_cl_device *d, const size_t *values) {
  const char *names[NPARAMS];
  memcpy(names, XGEMM_NAMES, sizeof names);
  return CLBlastOverrideParameters(d->id, "Xgemm", CLBlastPrecisionSingle, NPARAMS, names, values) == CLBlastSuccess;
}

void vs__clblast_apply_tuning(vs_cl_device *d) {
  char *path = params_path(d);
  FILE *f = path ? fopen(path, "r") : NULL;
  size_t v[NPARAMS];
  char device[256] = "";
  int n = 0;
  if (f && fgets(device, sizeof device, f)) {
    device[strcspn(device, "\n")] = '\0';
    for (n = 0; n < NPARAMS && fscanf(f, "%zu", &v[n]) == 1; n++) {
    }
  }
  if (f) fclose(f);
  free(path);
  /* A stored set is used only for the device it was measured on. */
  if (n == NPARAMS && strcmp(device, d->info.device_name) == 0 && apply(d, v)) {
    d->tuned = true;
    memcpy(d->xgemm, v, sizeof v);
  }
}

/* A and B hold value(k) = (k % 17) / 17 at flat index k. */
static float value_at(size_t k) { return (float)(k % 17) / 17.0f; }

/* Checks 64 entries of C = A x B against the host: a parameter set that
 * computes wrong results (some are invalid for a device) is never kept. */
static bool verify(vs_cl_device *d, size_t n, cl_mem c) {
  float *host = malloc(n * n * sizeof *host);
  bool ok = host && clEnqueueReadBuffer(d->queue, c, CL_TRUE, 0, n * n * sizeof *host, host, 0, NULL, NULL) == CL_SUCCESS;
  for (size_t t = 0; ok && t < 64; t++) {
    size_t i = (t * 7919) % n, j = (t * 104729) % n;
    double want = 0, mag = 0;
    for (size_t k = 0; k < n; k++) {
      double p = (double)value_at(i * n + k) * value_at(k * n + j);
      want += p;
      mag += p;
    }
    ok = fabs(host[i * n + j] - want) <= 1e-4 * (mag + 1);
  }
  free(host);
  return ok;
}

/* Median GFLOP/s of n x n x n SGEMM under the current parameters. */
static double sgemm_gflops(vs_cl_device *d, size_t n, cl_mem a, cl_mem b, cl_mem c, vs_status *st) {
  double t[3];
  for (int i = -1; i < 3; i++) { /* the first call compiles CLBlast's kernels */
    double t0 = now();
    if (!vs__gemm(d, VS_FLOAT, false, false, n, n, n, a, 0, n, b, 0, n, c, 0, n, st)) return -1;
    cl_int err = clFinish(d->queue);
    if (err != CL_SUCCESS) {
      vs__cl_fail(st, err, "clFinish");
      return -1;
    }
    if (i >= 0) t[i] = now() - t0;
  }
  double m = t[0] < t[1] ? (t[1] < t[2] ? t[1] : (t[0] < t[2] ? t[2] : t[0])) : (t[0] < t[2] ? t[0] : (t[1] < t[2] ? t[2] : t[1]));
  return 2.0 * (double)n * n * n / m / 1e9;
}

VS_API void vs_device_tune(size_t i, vs_tune_result *res, vs_status *st) {
  vs__ok(st);
  if (!res) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_device_tune: result must not be NULL");
    return;
  }
  memset(res, 0, sizeof *res);
  vs_cl_device *d = vs__device(i, st);
  if (!d) return;
  const size_t n = 1024;
  cl_int err = CL_SUCCESS;
  cl_mem buf[3] = {NULL, NULL, NULL};
  float *host = malloc(n * n * sizeof *host);
  for (size_t k = 0; host && k < n * n; k++) host[k] = value_at(k);
  for (int k = 0; k < 3 && err == CL_SUCCESS && host; k++)
    buf[k] = clCreateBuffer(d->context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, n * n * sizeof(float), host, &err);
  free(host);
  if (!host && err == CL_SUCCESS) err = CL_OUT_OF_HOST_MEMORY;
  if (err != CL_SUCCESS) vs__cl_fail(st, err, "clCreateBuffer");
  size_t best = NCAND;
  for (size_t c = 0; c < NCAND && !vs__failed(st); c++) {
    if (!apply(d, CANDIDATES[c])) continue;
    double gf = sgemm_gflops(d, n, buf[0], buf[1], buf[2], st);
    if (gf < 0) break;
    if (!verify(d, n, buf[2])) gf = 0; /* wrong results: never kept */
    res->gflops[c] = gf;
    if (c == 0) res->gflops_default = gf;
    if (gf > 0 && (best == NCAND || gf > res->gflops[best])) best = c;
  }
  res->candidates = (int)NCAND;
  for (int k = 0; k < 3; k++)
    if (buf[k]) clReleaseMemObject(buf[k]);
  if (vs__failed(st) || best == NCAND) {
    if (d->tuned) apply(d, d->xgemm); /* leave the device as it was */
    return;
  }
  res->gflops_best = res->gflops[best];
  size_t used = 0;
  for (int k = 0; k < NPARAMS && used < sizeof res->params; k++)
    used += (size_t)snprintf(res->params + used, sizeof res->params - used, "%s%s=%zu", k ? " " : "", XGEMM_NAMES[k],
                             CANDIDATES[best][k]);
  apply(d, CANDIDATES[best]);
  vs__registry_lock();
  d->tuned = true;
  memcpy(d->xgemm, CANDIDATES[best], sizeof d->xgemm);
  vs__registry_unlock();
  /* Stored atomically: a temporary file renamed over the old one. */
  char *path = params_path(d), *tmp = path ? vs__asprintf("%s.tmp%ld", path, (long)clock()) : NULL;
  FILE *f = tmp ? fopen(tmp, "w") : NULL;
  if (f) {
    fprintf(f, "%s\n", d->info.device_name);
    for (int k = 0; k < NPARAMS; k++) fprintf(f, "%zu%c", CANDIDATES[best][k], k + 1 < NPARAMS ? ' ' : '\n');
    bool ok = fflush(f) == 0;
    fclose(f);
    if (!ok || rename(tmp, path) != 0) remove(tmp);
    snprintf(res->stored_at, sizeof res->stored_at, "%s", path);
  }
  free(tmp);
  free(path);
}
