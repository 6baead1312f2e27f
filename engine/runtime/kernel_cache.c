/* kernel_cache.c - OpenCL programs built once per device per process, and
 * kept on disk between processes.
 *
 * A cache file holds one device binary, keyed by the source text's hash,
 * the build options, and the device, vendor, driver and platform names.
 * The full key is stored in the file and compared on load, and the payload
 * carries a checksum, so a stale, truncated or corrupt file is detected,
 * deleted and rebuilt. Writes go to a temporary file that is flushed and
 * renamed into place, so concurrent processes never see half a file.
 * Directory: $VARSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/varscope/kernels,
 * else $HOME/.cache/varscope/kernels; without a writable one, programs are
 * simply built from source. VARSCOPE_LOG=cache prints what happens to each
 * program ("loaded", "built", "rebuilt a corrupt ..."). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/kernel_sources.h"
#include "runtime/runtime_internal.h"

#define MAGIC "VSKC"
#define FORMAT_VERSION 1u

static uint64_t fnv64(const void *data, size_t n, uint64_t h) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}
#define FNV_SEED 1469598103934665603ull

static const vs_kernel_source *find_source(const char *name) {
  for (const vs_kernel_source *s = vs_kernel_sources; s->name; s++)
    if (strcmp(s->name, name) == 0) return s;
  return NULL;
}

/* mkdir -p; false when the directory cannot be made. */
static bool make_dirs(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    bool ok = mkdir(path, 0755) == 0 || errno == EEXIST;
    *p = '/';
    if (!ok) return false;
  }
  return mkdir(path, 0755) == 0 || errno == EEXIST;
}

char *vs__cache_dir(void) {
  const char *env = getenv("VARSCOPE_CACHE_DIR");
  char *dir = NULL;
  if (env && *env) dir = vs__strdup(env);
  else if ((env = getenv("XDG_CACHE_HOME")) && *env) dir = vs__asprintf("%s/varscope/kernels", env);
  else if ((env = getenv("HOME")) && *env) dir = vs__asprintf("%s/.cache/varscope/kernels", env);
  if (dir && !make_dirs(dir)) {
    free(dir);
    dir = NULL;
  }
  return dir;
}

static char *cache_key(const vs_cl_device *d, const vs_kernel_source *src, const char *options) {
  return vs__asprintf("varscope kernel cache %u\nsource %s %016llx\noptions %s\ndevice %s\nvendor %s\n"
                      "driver %s\nplatform %s\n",
                      FORMAT_VERSION, src->name,
                      (unsigned long long)fnv64(src->source, src->size, FNV_SEED), options,
                      d->info.device_name, d->info.vendor, d->info.driver_version,
                      d->info.platform_name);
}

static void log_cache(const char *what, const vs_kernel_source *src, const char *options, const vs_cl_device *d) {
  const char *l = getenv("VARSCOPE_LOG");
  if (l && strstr(l, "cache"))
    fprintf(stderr, "varscope: kernel cache: %s cl_kernels/%s.cl [%s] for %s\n", what, src->name, options,
            d->info.cl_name);
}

/* Reads and verifies a cache file; returns the binary or NULL, with
 * *corrupt set when a file was there but unusable (it is deleted). */
static unsigned char *load(const char *path, const char *key, size_t *size, bool *corrupt) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  unsigned char *out = NULL;
  char magic[4];
  uint32_t version;
  uint64_t key_len, len, sum;
  char *stored = NULL;
  if (fread(magic, 1, 4, f) != 4 || memcmp(magic, MAGIC, 4) != 0) goto bad;
  if (fread(&version, sizeof version, 1, f) != 1 || version != FORMAT_VERSION) goto bad;
  if (fread(&key_len, sizeof key_len, 1, f) != 1 || key_len != strlen(key)) goto bad;
  if (!(stored = malloc(key_len + 1)) || fread(stored, 1, key_len, f) != key_len) goto bad;
  if (memcmp(stored, key, key_len) != 0) goto done; /* another key hashed alike: rebuild */
  if (fread(&len, sizeof len, 1, f) != 1 || fread(&sum, sizeof sum, 1, f) != 1) goto bad;
  if (len == 0 || len > ((uint64_t)1 << 31)) goto bad;
  if (!(out = malloc(len)) || fread(out, 1, len, f) != len || fnv64(out, len, FNV_SEED) != sum ||
      fgetc(f) != EOF)
    goto bad;
  *size = len;
  goto done;
bad:
  free(out);
  out = NULL;
  *corrupt = true;
  unlink(path); /* corrupt: remove, it is rebuilt below */
done:
  free(stored);
  fclose(f);
  return out;
}

static void save(const char *dir, const char *path, const char *key, const unsigned char *bin,
                 size_t size) {
  char *tmp = vs__asprintf("%s/.tmp-XXXXXX", dir);
  if (!tmp) return;
  int fd = mkstemp(tmp);
  if (fd < 0) {
    free(tmp);
    return;
  }
  FILE *f = fdopen(fd, "wb");
  uint32_t version = FORMAT_VERSION;
  uint64_t key_len = strlen(key), len = size, sum = fnv64(bin, size, FNV_SEED);
  bool ok = f && fwrite(MAGIC, 1, 4, f) == 4 && fwrite(&version, sizeof version, 1, f) == 1 &&
            fwrite(&key_len, sizeof key_len, 1, f) == 1 && fwrite(key, 1, key_len, f) == key_len &&
            fwrite(&len, sizeof len, 1, f) == 1 && fwrite(&sum, sizeof sum, 1, f) == 1 &&
            fwrite(bin, 1, size, f) == size && fflush(f) == 0 && fsync(fd) == 0;
  if (f) fclose(f);
  else close(fd);
  if (!ok || rename(tmp, path) != 0) unlink(tmp);
  free(tmp);
}

static bool build(vs_cl_device *d, cl_program p, const char *options, const char *what, vs_status *st) {
  cl_int err = clBuildProgram(p, 1, &d->id, options, NULL, NULL);
  if (err == CL_SUCCESS) return true;
  size_t n = 0;
  clGetProgramBuildInfo(p, d->id, CL_PROGRAM_BUILD_LOG, 0, NULL, &n);
  char *log = malloc(n + 1);
  if (log) {
    log[0] = '\0';
    clGetProgramBuildInfo(p, d->id, CL_PROGRAM_BUILD_LOG, n, log, NULL);
    log[n] = '\0';
  }
  vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "clBuildProgram failed for %s on %s: %s (%d)\n%s", what,
           d->info.cl_name, vs__cl_error_name(err), (int)err, log ? log : "");
  free(log);
  return false;
}

static cl_program from_binary(vs_cl_device *d, const unsigned char *bin, size_t size,
                              const char *options) {
  cl_int err, bin_status;
  cl_program p = clCreateProgramWithBinary(d->context, 1, &d->id, &size, &bin, &bin_status, &err);
  if (err != CL_SUCCESS || bin_status != CL_SUCCESS) {
    if (p) clReleaseProgram(p);
    return NULL;
  }
  if (clBuildProgram(p, 1, &d->id, options, NULL, NULL) != CL_SUCCESS) {
    clReleaseProgram(p);
    return NULL;
  }
  return p;
}

static cl_program from_source(vs_cl_device *d, const vs_kernel_source *src, const char *options,
                              vs_status *st) {
  cl_int err;
  const char *text = src->source;
  cl_program p = clCreateProgramWithSource(d->context, 1, &text, &src->size, &err);
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clCreateProgramWithSource");
    return NULL;
  }
  char what[128];
  snprintf(what, sizeof what, "cl_kernels/%s.cl", src->name);
  if (!build(d, p, options, what, st)) {
    clReleaseProgram(p);
    return NULL;
  }
  return p;
}

cl_program vs__program_build(vs_cl_device *d, const char *source_name, const char *options,
                             vs_status *st) {
  const vs_kernel_source *src = find_source(source_name);
  if (!src) {
    vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "no embedded kernel source '%s'", source_name);
    return NULL;
  }
  char *mem_key = vs__asprintf("%s\n%s", source_name, options);
  if (!mem_key) {
    vs__oom(st);
    return NULL;
  }
  vs__registry_lock();
  for (size_t i = 0; i < d->n_programs; i++)
    if (strcmp(d->programs[i].key, mem_key) == 0) {
      cl_program p = d->programs[i].program;
      vs__registry_unlock();
      free(mem_key);
      return p;
    }
  cl_program p = NULL;
  char *dir = vs__cache_dir(), *key = cache_key(d, src, options), *path = NULL;
  if (dir && key) path = vs__asprintf("%s/%016llx.bin", dir, (unsigned long long)fnv64(key, strlen(key), FNV_SEED));
  bool corrupt = false, built = false;
  if (path) {
    size_t size = 0;
    unsigned char *bin = load(path, key, &size, &corrupt);
    if (bin) p = from_binary(d, bin, size, options);
    if (bin && !p) { /* the driver refused it: rebuild */
      unlink(path);
      corrupt = true;
    }
    free(bin);
    if (p) log_cache("loaded", src, options, d);
  }
  if (!p && (p = from_source(d, src, options, st))) {
    built = true;
    log_cache(corrupt ? "rebuilt a corrupt cache file of" : path ? "built and stored" : "built (no cache directory)", src,
              options, d);
  }
  if (built && path) {
    size_t size = 0;
    if (clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, NULL) == CL_SUCCESS && size) {
      unsigned char *bin = malloc(size);
      if (bin && clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) == CL_SUCCESS)
        save(dir, path, key, bin, size);
      free(bin);
    }
  }
  if (p) {
    if (VS_GROW(d->programs, d->programs_cap, d->n_programs + 1)) {
      d->programs[d->n_programs++] = (vs_program_entry){.key = mem_key, .program = p};
      mem_key = NULL;
    } else {
      clReleaseProgram(p);
      p = NULL;
      vs__oom(st);
    }
  }
  vs__registry_unlock();
  free(mem_key);
  free(dir);
  free(key);
  free(path);
  return p;
}

cl_kernel vs__kernel(vs_cl_device *d, const char *source, const char *options, const char *name,
                     vs_status *st) {
  cl_program p = vs__program_build(d, source, options, st);
  if (!p) return NULL;
  cl_int err;
  cl_kernel k = clCreateKernel(p, name, &err);
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clCreateKernel");
    return NULL;
  }
  return k;
}
