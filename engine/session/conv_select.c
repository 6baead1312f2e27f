/* conv_select.c - which conv2d algorithm runs a geometry on a device.
 *
 * The first time a geometry meets a device, every applicable algorithm is
 * run on the real buffers (a warm-up that builds its kernels, then a timed
 * run) and the fastest is kept: in the device's table for this process and
 * in "conv-choices-v1.txt" in the kernel cache directory for later
 * processes, keyed by device, driver and geometry. VARSCOPE_CONV=direct,
 * im2col or convgemm forces one; VARSCOPE_LOG=conv prints each measurement. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "session/conv2d_internal.h"

#define CHOICES_FILE "conv-choices-v1.txt"

static const vs_conv_algo DIRECT_VARIANTS[] = {
    {VS_CONV_DIRECT, 4, 1}, {VS_CONV_DIRECT, 4, 2},  {VS_CONV_DIRECT, 6, 1},  {VS_CONV_DIRECT, 6, 2},
    {VS_CONV_DIRECT, 8, 2}, {VS_CONV_DIRECT, 10, 2}, {VS_CONV_DIRECT, 12, 2},
};
static const vs_conv_algo DEFAULT_DIRECT = {VS_CONV_DIRECT, 6, 2};

void vs__conv_algo_name(vs_conv_algo a, char *buf, size_t cap) {
  if (a.kind == VS_CONV_DIRECT) snprintf(buf, cap, "direct rm%d u%d", a.rm, a.unroll_c);
  else if (a.kind == VS_CONV_IM2COL) snprintf(buf, cap, "im2col+gemm");
  else snprintf(buf, cap, "convgemm");
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static char *choice_key(const vs_cl_device *d, const vs_conv_geom *g) {
  return vs__asprintf("%s|%s|%s|%s|x%lld,%lld,%lld,%lld|f%lld,%lld,%lld|s%lld,%lld|d%lld,%lld|p%lld,%lld,%lld,%lld",
                      d->info.device_name, d->info.driver_version, d->info.platform_name, vs_dtype_name(g->dtype),
                      (long long)g->N, (long long)g->H, (long long)g->W, (long long)g->C, (long long)g->KH,
                      (long long)g->KW, (long long)g->K, (long long)g->SH, (long long)g->SW, (long long)g->DH,
                      (long long)g->DW, (long long)g->PT, (long long)g->PB, (long long)g->PL, (long long)g->PR);
}

static bool lookup_memory(vs_cl_device *d, const char *key, vs_conv_algo *a) {
  for (size_t i = 0; i < d->n_conv_choices; i++)
    if (strcmp(d->conv_choices[i].key, key) == 0) {
      *a = (vs_conv_algo){(vs_conv_kind)d->conv_choices[i].kind, d->conv_choices[i].rm, d->conv_choices[i].unroll_c};
      return true;
    }
  return false;
}

static void remember(vs_cl_device *d, const char *key, vs_conv_algo a) {
  char *k = vs__strdup(key);
  if (k && VS_GROW(d->conv_choices, d->conv_choices_cap, d->n_conv_choices + 1))
    d->conv_choices[d->n_conv_choices++] = (vs_conv_choice){k, (int)a.kind, a.rm, a.unroll_c};
  else
    free(k);
}

/* The last line for key in the choices file wins; lines that do not parse
 * are ignored (the file is a cache, rebuilt by measuring). */
static bool lookup_file(const char *key, vs_conv_algo *a) {
  char *dir = vs__cache_dir(), *path = dir ? vs__asprintf("%s/%s", dir, CHOICES_FILE) : NULL;
  FILE *f = path ? fopen(path, "r") : NULL;
  bool found = false;
  size_t klen = strlen(key);
  char line[1024];
  while (f && fgets(line, sizeof line, f)) {
    int kind, rm, uc;
    if (strncmp(line, key, klen) == 0 && line[klen] == '\t' &&
        sscanf(line + klen + 1, "%d %d %d", &kind, &rm, &uc) == 3 && kind >= VS_CONV_DIRECT &&
        kind <= VS_CONV_CONVGEMM && rm >= 1 && rm <= 16 && uc >= 1 && uc <= 8) {
      *a = (vs_conv_algo){(vs_conv_kind)kind, rm, uc};
      found = true;
    }
  }
  if (f) fclose(f);
  free(path);
  free(dir);
  return found;
}

static void store_file(const char *key, vs_conv_algo a, double ms) {
  char *dir = vs__cache_dir(), *path = dir ? vs__asprintf("%s/%s", dir, CHOICES_FILE) : NULL;
  char *line = vs__asprintf("%s\t%d %d %d\t%.3f ms\n", key, (int)a.kind, a.rm, a.unroll_c, ms);
  /* One write(2) with O_APPEND: concurrent processes never interleave lines. */
  int fd = path && line ? open(path, O_WRONLY | O_APPEND | O_CREAT, 0644) : -1;
  if (fd >= 0) {
    ssize_t w = write(fd, line, strlen(line));
    (void)w;
    close(fd);
  }
  free(line);
  free(path);
  free(dir);
}

static bool logging(void) {
  const char *l = getenv("VARSCOPE_LOG");
  return l && strstr(l, "conv");
}

/* Times one run (after a warm-up run) of a candidate; < 0 when it fails. */
static double time_candidate(vs_cl_device *d, size_t dev, const vs_conv_geom *g, vs_conv_algo a, cl_mem x, cl_mem f,
                             cl_mem out) {
  vs_status *st = vs_status_new();
  double t = -1;
  if (st && vs__conv_algo_run(d, dev, g, a, x, f, out, st) && clFinish(*vs__queue(d)) == CL_SUCCESS) {
    double t0 = now();
    if (vs__conv_algo_run(d, dev, g, a, x, f, out, st) && clFinish(*vs__queue(d)) == CL_SUCCESS) t = now() - t0;
  }
  vs_status_free(st);
  return t;
}

bool vs__conv_select(vs_cl_device *d, size_t dev, const vs_conv_geom *g, cl_mem x, cl_mem f, cl_mem out,
                     vs_conv_algo *algo, vs_status *st) {
  const char *force = getenv("VARSCOPE_CONV");
  if (force && *force && strcmp(force, "auto") != 0) {
    if (strcmp(force, "direct") == 0) *algo = DEFAULT_DIRECT;
    else if (strcmp(force, "im2col") == 0) *algo = (vs_conv_algo){VS_CONV_IM2COL, 0, 0};
    else if (strcmp(force, "convgemm") == 0 && vs__conv_convgemm_fits(g)) *algo = (vs_conv_algo){VS_CONV_CONVGEMM, 0, 0};
    else if (strcmp(force, "convgemm") == 0) *algo = DEFAULT_DIRECT; /* convgemm cannot express this geometry */
    else {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
               "VARSCOPE_CONV='%s': want auto, direct, im2col or convgemm", force);
      return false;
    }
    return true;
  }
  char *key = choice_key(d, g);
  if (!key) {
    vs__oom(st);
    return false;
  }
  vs__registry_lock();
  bool known = lookup_memory(d, key, algo);
  vs__registry_unlock();
  if (!known && lookup_file(key, algo)) {
    known = true;
    vs__registry_lock();
    remember(d, key, *algo);
    vs__registry_unlock();
  }
  if (known) {
    free(key);
    return true;
  }
  vs_conv_algo cands[12];
  int n = 0;
  for (size_t i = 0; i < sizeof DIRECT_VARIANTS / sizeof DIRECT_VARIANTS[0]; i++) cands[n++] = DIRECT_VARIANTS[i];
  cands[n++] = (vs_conv_algo){VS_CONV_IM2COL, 0, 0};
  if (vs__conv_convgemm_fits(g)) cands[n++] = (vs_conv_algo){VS_CONV_CONVGEMM, 0, 0};
  double best = -1;
  *algo = DEFAULT_DIRECT;
  char report[1024] = "";
  size_t used = 0;
  for (int i = 0; i < n; i++) {
    double t = time_candidate(d, dev, g, cands[i], x, f, out);
    char name[32];
    vs__conv_algo_name(cands[i], name, sizeof name);
    if (used < sizeof report)
      used += (size_t)snprintf(report + used, sizeof report - used, "%s%s %s", i ? ", " : "", name,
                               t < 0 ? "failed" : "");
    if (t >= 0 && used < sizeof report) used += (size_t)snprintf(report + used, sizeof report - used, "%.2f ms", t * 1e3);
    if (t >= 0 && (best < 0 || t < best)) {
      best = t;
      *algo = cands[i];
    }
  }
  if (best < 0) { /* nothing ran: let the real run report why */
    free(key);
    return true;
  }
  char chosen[32];
  vs__conv_algo_name(*algo, chosen, sizeof chosen);
  if (logging())
    fprintf(stderr, "varscope: conv2d %s on %s: %s -> %s\n", key, d->info.cl_name, report, chosen);
  vs__registry_lock();
  remember(d, key, *algo);
  vs__registry_unlock();
  store_file(key, *algo, best * 1e3);
  free(key);
  return true;
}

VS_API size_t vs_device_conv_choices(size_t i, char *buf, size_t cap, vs_status *st) {
  vs__ok(st);
  vs_cl_device *d = vs__device(i, st);
  if (!d || (!buf && cap)) {
    if (d) vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_device_conv_choices: buf is NULL");
    return 0;
  }
  size_t used = 0;
  if (cap) buf[0] = '\0';
  char *dir = vs__cache_dir(), *path = dir ? vs__asprintf("%s/%s", dir, CHOICES_FILE) : NULL;
  FILE *f = path ? fopen(path, "r") : NULL;
  char line[1024], prefix[600];
  snprintf(prefix, sizeof prefix, "%s|%s|%s|", d->info.device_name, d->info.driver_version, d->info.platform_name);
  while (f && fgets(line, sizeof line, f)) {
    int kind, rm, uc;
    char *tab = strchr(line, '\t');
    if (strncmp(line, prefix, strlen(prefix)) != 0 || !tab || sscanf(tab + 1, "%d %d %d", &kind, &rm, &uc) != 3)
      continue;
    char name[32], *ms = strchr(tab + 1, '\t');
    vs__conv_algo_name((vs_conv_algo){(vs_conv_kind)kind, rm, uc}, name, sizeof name);
    *tab = '\0';
    if (ms) ms[strcspn(ms, "\n")] = '\0';
    int w = snprintf(used < cap ? buf + used : NULL, used < cap ? cap - used : 0, "%s -> %s (%s)\n",
                     line + strlen(prefix), name, ms ? ms + 1 : "");
    if (w > 0) used += (size_t)w;
  }
  if (f) fclose(f);
  free(path);
  free(dir);
  return used;
}
