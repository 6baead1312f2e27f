/* kernel_cache.c - OpenCL programs built once per device per process, and
 * kept on disk between processes.
 *
 * A cache file is an entry of the keyed store (tuning_store.h) holding one
 * device binary, keyed by the source text's hash,
 * the build options, and the device, vendor, driver and platform names.
 * The full key is stored in the file and compared on load, and the payload
 * carries a checksum, so a stale, truncated or corrupt file is detected,
 * deleted and rebuilt. Writes go to a temporary file that is flushed and
 * renamed into place, so concurrent processes never see half a file.
 * Directory: $VARSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/varscope/kernels,
 * else $HOME/.cache/varscope/kernels; without a writable one, programs are
 * simply built from source. An entry that is not a regular file (a FIFO,
 * a directory, a symbolic link) is never opened for reading or followed
 * (cache_io.c), since this runs under the registry lock: it is treated as
 * a miss and replaced by the rebuilt file. The entry format is in
 * kernel_cache_file.c. VARSCOPE_LOG=cache prints what happens to each
 * program ("loaded", "built", "rebuilt a corrupt ..."); VARSCOPE_LOG=build
 * prints the compiler's log of each build, which is otherwise silenced
 * (-w) except in the status of a failed build. The first compile from
 * source per device and process says so in one stderr line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/kernel_cache_file.h"
#include "runtime/kernel_sources.h"
#include "runtime/runtime_internal.h"
#include "runtime/tuning_store.h"

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

bool vs__log_enabled(const char *topic) {
  const char *l = getenv("VARSCOPE_LOG");
  return l && strstr(l, topic);
}

static char *cache_key(const vs_cl_device *d, const vs_kernel_source *src, const char *options) {
  return vs__asprintf("varscope kernel cache %u\nsource %s %016llx\noptions %s\ndevice %s\nvendor %s\n"
                      "driver %s\nplatform %s\n",
                      VS_KC_FORMAT_VERSION, src->name,
                      (unsigned long long)vs__fnv64(src->source, src->size, VS_FNV_SEED), options,
                      d->info.device_name, d->info.vendor, d->info.driver_version,
                      d->info.platform_name);
}

static void log_cache(const char *what, const vs_kernel_source *src, const char *options, const vs_cl_device *d) {
  if (vs__log_enabled("cache"))
    fprintf(stderr, "varscope: kernel cache: %s cl_kernels/%s.cl [%s] for %s\n", what, src->name, options,
            d->info.cl_name);
}

/* Reads and verifies the store's entry; returns the binary or NULL. *why
 * is set when an entry was there but unusable: a corrupt file (removed by
 * the store), or an entry that is not a regular file (a FIFO, directory or
 * symbolic link: never read, so it cannot block; the rebuilt program
 * replaces it). */
static unsigned char *load(const char *dir, const char *key, size_t *size, const char **why) {
  unsigned char *data = NULL;
  switch (vs__store_get(dir, key, VS_KC_MAX_PAYLOAD, &data, size)) {
  case VS_STORE_HIT: return data;
  case VS_STORE_IRREGULAR: *why = "(replacing a cache entry that is not a regular file)"; return NULL;
  case VS_STORE_CORRUPT: *why = "a corrupt cache file of"; return NULL;
  default: return NULL;
  }
}

/* The program's build log, malloc'd ("" when there is none); NULL when out
 * of memory. */
static char *build_log(vs_cl_device *d, cl_program p) {
  size_t n = 0;
  if (clGetProgramBuildInfo(p, d->id, CL_PROGRAM_BUILD_LOG, 0, NULL, &n) != CL_SUCCESS) n = 0;
  char *log = malloc(n + 1);
  if (!log) return NULL;
  log[0] = '\0';
  if (n && clGetProgramBuildInfo(p, d->id, CL_PROGRAM_BUILD_LOG, n, log, NULL) != CL_SUCCESS) n = 0;
  log[n] = '\0';
  return log;
}

/* Compiles from source. The compiler's diagnostics are the developer's
 * business, not the user's: with `-w` the compiler produces none (PoCL's
 * clang otherwise prints "1 warning generated." straight to stderr), unless
 * VARSCOPE_LOG=build asks for them, when the log is printed after each
 * build. A failed build always carries its log in the status. */
static bool build(vs_cl_device *d, cl_program p, const char *options, const char *what, vs_status *st) {
  bool verbose = vs__log_enabled("build");
  char *opts = vs__asprintf("%s%s", options, verbose ? "" : " -w");
  if (!opts) {
    vs__oom(st);
    return false;
  }
  cl_int err = clBuildProgram(p, 1, &d->id, opts, NULL, NULL);
  free(opts);
  if (err == CL_SUCCESS && !verbose) return true;
  char *log = build_log(d, p);
  if (err == CL_SUCCESS) {
    fprintf(stderr, "varscope: build log of %s [%s] for %s:\n%s%s", what, options, d->info.cl_name,
            log && *log ? log : "(empty)\n", log && *log && log[strlen(log) - 1] != '\n' ? "\n" : "");
    free(log);
    return true;
  }
  vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "clBuildProgram failed for %s on %s: %s (%d)\n%s", what,
           d->info.cl_name, vs__cl_error_name(err), (int)err, log ? log : "");
  free(log);
  return false;
}

/* Says once per device and process, before the first compile from source,
 * why the next seconds are quiet: a cold compile takes about a second per
 * program on PoCL (more under sanitizers), and the user sees nothing else. */
static void notice_compile(vs_cl_device *d, bool have_cache) {
  if (d->compile_noticed) return;
  d->compile_noticed = true;
  fprintf(stderr, "varscope: compiling kernels for %s (%s); %s\n", d->info.cl_name, d->info.device_name,
          have_cache ? "cached for later runs" : "no writable cache directory, so later runs compile again");
  fflush(stderr);
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
                              bool have_cache, vs_status *st) {
  notice_compile(d, have_cache);
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

/* Whether a program entry's key is source + "\n" + options: compared in
 * place, since GEMM and conv launches look their program up at every call
 * (12 lookups in a CNN training step) and a formatted key was a malloc,
 * a format and a free each. */
static bool key_is(const char *key, const char *source, const char *options) {
  size_t n = strlen(source);
  return strncmp(key, source, n) == 0 && key[n] == '\n' && strcmp(key + n + 1, options) == 0;
}

cl_program vs__program_build(vs_cl_device *d, const char *source_name, const char *options,
                             vs_status *st) {
  const vs_kernel_source *src = find_source(source_name);
  if (!src) {
    vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "no embedded kernel source '%s'", source_name);
    return NULL;
  }
  vs__registry_lock();
  for (size_t i = 0; i < d->n_programs; i++)
    if (key_is(d->programs[i].key, source_name, options)) {
      cl_program p = d->programs[i].program;
      vs__registry_unlock();
      return p;
    }
  char *mem_key = vs__asprintf("%s\n%s", source_name, options);
  if (!mem_key) {
    vs__registry_unlock();
    vs__oom(st);
    return NULL;
  }
  cl_program p = NULL;
  char *dir = vs__cache_dir(), *key = cache_key(d, src, options), *path = NULL;
  if (dir && key) path = vs__store_path(dir, key);
  const char *why = NULL; /* what was wrong with an existing entry */
  bool built = false;
  if (path) {
    size_t size = 0;
    unsigned char *bin = load(dir, key, &size, &why);
    if (bin) p = from_binary(d, bin, size, options);
    if (bin && !p) { /* the driver refused it: rebuild */
      unlink(path);
      why = "a corrupt cache file of";
    }
    free(bin);
    if (p) log_cache("loaded", src, options, d);
  }
  if (!p && (p = from_source(d, src, options, path != NULL, st))) {
    built = true;
    char what[96];
    snprintf(what, sizeof what, "rebuilt %s", why ? why : "");
    log_cache(why ? what : path ? "built and stored" : "built (no cache directory)", src, options, d);
  }
  if (built && path) {
    size_t size = 0;
    if (clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, NULL) == CL_SUCCESS && size) {
      unsigned char *bin = malloc(size);
      if (bin && clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) == CL_SUCCESS)
        vs__store_put(dir, key, bin, size);
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
