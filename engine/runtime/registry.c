/* registry.c - every OpenCL device the ICD loader reports, with stable
 * indices and TF-style names. The registry is built once (pthread_once) and
 * its lazily created contexts, queues and programs are guarded by one mutex.
 * It is the library's only global mutable state. */
/* sched_getaffinity (Linux): pin_pocl_workers asks whether the process may
 * run on every CPU. */
#define _GNU_SOURCE
/* OpenCL 2.0's CL_DEVICE_SVM_CAPABILITIES (the project targets 1.2; the
 * query is only answered by 2.0+ devices, and fails harmlessly on others);
 * the queues stay 1.2's clCreateCommandQueue, which 2.0 deprecates. */
#undef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 200
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <ctype.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/device_env.h"
#include "runtime/runtime_internal.h"

#define MAX_DEVICES 64
#ifndef CL_PLATFORM_NOT_FOUND_KHR
#define CL_PLATFORM_NOT_FOUND_KHR -1001 /* cl_khr_icd: the loader found no platform */
#endif
#define MAX_ALIASES VS_DEVICE_ALIASES_MAX

typedef struct alias {
  char type[16];
  long index;
  size_t target;
} alias;

static struct {
  pthread_once_t once;
  pthread_mutex_t mu;
  vs_code init_code;
  char init_msg[256];
  vs_cl_device devices[MAX_DEVICES];
  size_t n;
  alias aliases[MAX_ALIASES]; /* VARSCOPE_DEVICES */
  size_t n_aliases;
} reg = {.once = PTHREAD_ONCE_INIT, .mu = PTHREAD_MUTEX_INITIALIZER};

void vs__registry_lock(void) { pthread_mutex_lock(&reg.mu); }
void vs__registry_unlock(void) { pthread_mutex_unlock(&reg.mu); }

static void init_fail(vs_code code, const char *msg) {
  reg.init_code = code;
  snprintf(reg.init_msg, sizeof reg.init_msg, "%s", msg);
}

static void str_info(cl_device_id d, cl_device_info what, char *buf, size_t cap) {
  buf[0] = '\0';
  if (clGetDeviceInfo(d, what, cap, buf, NULL) != CL_SUCCESS) buf[0] = '\0';
  buf[cap - 1] = '\0';
}

/* cl_nv_device_attribute_query's queries (CL/cl_ext.h's names, spelled
 * out for headers older than the extension's entry). */
#define NV_CC_MAJOR 0x4000 /* CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV */
#define NV_CC_MINOR 0x4001 /* CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV */
#define NV_WARP_SIZE 0x4003 /* CL_DEVICE_WARP_SIZE_NV */
#define NV_VENDOR_ID 0x10DE  /* PCI vendor id: NVIDIA's OpenCL and PoCL's CUDA driver alike report it */
/* CUDA's grid limits (CUDA C Programming Guide, "Compute Capabilities":
 * maxGridSize 2^31-1 x 65535 x 65535 from compute capability 3.0 on). */
static const size_t CUDA_GRID[3] = {2147483647u, 65535u, 65535u};

/* TF32 matrix units reachable through inline PTX: NVIDIA's extension
 * answering compute capability 8.0 or above (mma.sync .tf32 needs sm_80)
 * and warps of 32 (the fragment layout's lane count). Any query that
 * fails means no: the TF32 kernel is then never chosen on the device. */
static bool nv_tf32_units(cl_device_id d, const char *ext) {
  if (!strstr(ext, "cl_nv_device_attribute_query")) return false;
  cl_uint major = 0, minor = 0, warp = 0;
  if (clGetDeviceInfo(d, NV_CC_MAJOR, sizeof major, &major, NULL) != CL_SUCCESS ||
      clGetDeviceInfo(d, NV_CC_MINOR, sizeof minor, &minor, NULL) != CL_SUCCESS ||
      clGetDeviceInfo(d, NV_WARP_SIZE, sizeof warp, &warp, NULL) != CL_SUCCESS)
    return false;
  (void)minor; /* 8.x and above all have it; asked so a driver that cannot answer is refused */
  return major >= 8 && warp == 32;
}

static void upper(char *s) {
  for (; *s; s++) *s = (char)toupper((unsigned char)*s);
}

/* VARSCOPE_DEVICES, parsed by device_env.c; each target must name a
 * device found here. */
static void apply_aliases(const char *spec) {
  vs_device_alias_spec specs[VS_DEVICE_ALIASES_MAX];
  size_t n = 0;
  char msg[sizeof reg.init_msg];
  if (!vs__parse_device_aliases(spec, specs, &n, msg, sizeof msg)) {
    init_fail(VS_INVALID_ARGUMENT, msg);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    size_t target = vs__device_lookup(specs[i].to_type, specs[i].to_index, NULL);
    if (target == SIZE_MAX) {
      snprintf(msg, sizeof msg, "VARSCOPE_DEVICES: %s:%ld names no device", specs[i].to_type, specs[i].to_index);
      init_fail(VS_INVALID_ARGUMENT, msg);
      reg.n_aliases = 0;
      return;
    }
    alias *a = &reg.aliases[reg.n_aliases++];
    *a = (alias){.index = specs[i].from_index, .target = target};
    snprintf(a->type, sizeof a->type, "%s", specs[i].from_type);
  }
}

/* Whether the calling thread may run on every online CPU and they are
 * numbered 0..n-1, the CPUs PoCL's POCL_AFFINITY pins its workers to. */
static bool may_run_on_every_cpu(void) {
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  cpu_set_t set;
  if (online < 1 || online > CPU_SETSIZE || sched_getaffinity(0, sizeof set, &set) != 0) return false;
  if (CPU_COUNT(&set) != online) return false;
  for (long c = 0; c < online; c++)
    if (!CPU_ISSET((int)c, &set)) return false;
  return true;
}

/* POCL_AFFINITY=1 for PoCL's start, when vs__pocl_affinity_rule allows it
 * (device_env.h says why and when not). PoCL's CPU device starts its
 * workers, which read the variable, while the platform is first queried;
 * the caller unsets it again after discovery (true: it was set here), so
 * the process's environment, and its children's, stay the user's. Runs
 * once, under the registry's pthread_once, before any OpenCL call of
 * varscope's (a program whose own OpenCL calls came first has PoCL's
 * workers started already: then this changes nothing). As any setenv, it
 * must not meet another thread's getenv, setenv or exec: the first device
 * query of a process must not run while its other threads use the
 * environment (README, docs/cli.md). */
static bool pin_pocl_workers(void) {
  if (vs__pocl_affinity_rule(getenv("POCL_AFFINITY"), getenv("POCL_MAX_PTHREAD_COUNT"),
                             getenv("POCL_PTHREAD_MIN_THREADS"), may_run_on_every_cpu()) != VS_POCL_AFFINITY_SET)
    return false;
  return setenv("POCL_AFFINITY", "1", 0) == 0;
}

static void discover_devices(void);

static void discover(void) {
  bool pinned = pin_pocl_workers();
  discover_devices();
  const char *v = pinned ? getenv("POCL_AFFINITY") : NULL;
  if (v && strcmp(v, "1") == 0) unsetenv("POCL_AFFINITY"); /* ours, unless changed meanwhile */
}

static void discover_devices(void) {
  /* The memory limit first: a malformed one fails the registry before any
   * OpenCL call. */
  uint64_t limit = UINT64_MAX;
  const char *env = getenv("VARSCOPE_MEMORY_LIMIT");
  if (env && *env && !vs__parse_memory_limit(env, &limit, reg.init_msg, sizeof reg.init_msg)) {
    reg.init_code = VS_INVALID_ARGUMENT;
    return;
  }
  /* VARSCOPE_SCRIBBLE=1 before any buffer exists: every one is filled. */
  const char *scr = getenv("VARSCOPE_SCRIBBLE");
  bool scribble_on = false;
  if (scr && *scr && !vs__parse_scribble(scr, &scribble_on, reg.init_msg, sizeof reg.init_msg)) {
    reg.init_code = VS_INVALID_ARGUMENT;
    return;
  }
  if (scribble_on) vs__buffer_scribble(true);
  /* VARSCOPE_INLINE=0 (A/B only): no SVM storage and no host runs, the
   * path every device took before exec/inline.c. */
  const char *inl = getenv("VARSCOPE_INLINE");
  bool inline_on = !(inl && strcmp(inl, "0") == 0);
  cl_uint np = 0;
  cl_int err = clGetPlatformIDs(0, NULL, &np);
  if (err == CL_PLATFORM_NOT_FOUND_KHR || np == 0) return; /* no platform: zero devices */
  if (err != CL_SUCCESS) {
    char msg[128];
    snprintf(msg, sizeof msg, "clGetPlatformIDs failed: %s (%d)", vs__cl_error_name(err), (int)err);
    init_fail(VS_INTERNAL, msg);
    return;
  }
  cl_platform_id platforms[16];
  if (np > 16) np = 16;
  clGetPlatformIDs(np, platforms, NULL);
  unsigned n_cpu = 0, n_gpu = 0;
  for (cl_uint p = 0; p < np; p++) {
    cl_uint nd = 0;
    if (clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd) != CL_SUCCESS || nd == 0) continue;
    cl_device_id ids[MAX_DEVICES];
    if (nd > MAX_DEVICES) nd = MAX_DEVICES;
    clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, nd, ids, NULL);
    char pname[256] = "";
    clGetPlatformInfo(platforms[p], CL_PLATFORM_NAME, sizeof pname, pname, NULL);
    pname[sizeof pname - 1] = '\0';
    for (cl_uint k = 0; k < nd && reg.n < MAX_DEVICES; k++) {
      vs_cl_device *d = &reg.devices[reg.n];
      memset(d, 0, sizeof *d);
      pthread_mutexattr_t recursive;
      pthread_mutexattr_init(&recursive);
      pthread_mutexattr_settype(&recursive, PTHREAD_MUTEX_RECURSIVE);
      pthread_mutex_init(&d->tuning_mu, &recursive);
      pthread_mutexattr_destroy(&recursive);
      d->index = reg.n;
      d->platform = platforms[p];
      d->id = ids[k];
      vs_device_info *in = &d->info;
      cl_device_type type = 0;
      clGetDeviceInfo(ids[k], CL_DEVICE_TYPE, sizeof type, &type, NULL);
      snprintf(in->cl_name, sizeof in->cl_name, "/device:CL:%zu", reg.n);
      if (type & CL_DEVICE_TYPE_GPU) {
        snprintf(in->type, sizeof in->type, "GPU");
        snprintf(in->name, sizeof in->name, "/device:GPU:%u", n_gpu++);
      } else if (type & CL_DEVICE_TYPE_CPU) {
        snprintf(in->type, sizeof in->type, "CPU");
        snprintf(in->name, sizeof in->name, "/device:CPU:%u", n_cpu++);
      } else {
        snprintf(in->type, sizeof in->type, (type & CL_DEVICE_TYPE_ACCELERATOR) ? "ACCELERATOR" : "OTHER");
      }
      str_info(ids[k], CL_DEVICE_NAME, in->device_name, sizeof in->device_name);
      str_info(ids[k], CL_DEVICE_VENDOR, in->vendor, sizeof in->vendor);
      str_info(ids[k], CL_DEVICE_OPENCL_C_VERSION, in->opencl_c_version, sizeof in->opencl_c_version);
      str_info(ids[k], CL_DRIVER_VERSION, in->driver_version, sizeof in->driver_version);
      snprintf(in->platform_name, sizeof in->platform_name, "%s", pname);
      cl_uint cu = 0;
      cl_ulong mem = 0, alloc = 0;
      size_t wg = 1;
      char ext[4096];
      clGetDeviceInfo(ids[k], CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL);
      clGetDeviceInfo(ids[k], CL_DEVICE_GLOBAL_MEM_SIZE, sizeof mem, &mem, NULL);
      clGetDeviceInfo(ids[k], CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof alloc, &alloc, NULL);
      clGetDeviceInfo(ids[k], CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
      str_info(ids[k], CL_DEVICE_EXTENSIONS, ext, sizeof ext);
      in->compute_units = cu;
      in->global_mem_bytes_driver = mem;
      in->max_alloc_bytes_driver = alloc;
      in->global_mem_bytes = mem < limit ? mem : limit;
      in->max_alloc_bytes = alloc < in->global_mem_bytes ? alloc : in->global_mem_bytes;
      atomic_init(&d->mem_in_use, 0);
      in->fp64 = strstr(ext, "cl_khr_fp64") != NULL;
      in->tf32_matrix_units = nv_tf32_units(ids[k], ext);
      d->max_work_group = wg ? wg : 1;
      size_t items[3] = {0, 0, 0};
      bool size_ok =
          clGetDeviceInfo(ids[k], CL_DEVICE_LOCAL_MEM_SIZE, sizeof d->local_mem, &d->local_mem, NULL) == CL_SUCCESS;
      if (!size_ok) d->local_mem = 0;
      bool local_ok =
          size_ok &&
          clGetDeviceInfo(ids[k], CL_DEVICE_LOCAL_MEM_TYPE, sizeof d->local_type, &d->local_type, NULL) == CL_SUCCESS &&
          clGetDeviceInfo(ids[k], CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof items, items, NULL) == CL_SUCCESS;
      d->max_item0 = local_ok ? items[0] : 0;
      cl_uint width = 0;
      if (clGetDeviceInfo(ids[k], CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, sizeof width, &width, NULL) != CL_SUCCESS)
        width = 4;
      d->native_float_width = width;
      cl_uint vendor = 0;
      if (clGetDeviceInfo(ids[k], CL_DEVICE_VENDOR_ID, sizeof vendor, &vendor, NULL) == CL_SUCCESS &&
          vendor == NV_VENDOR_ID && (type & CL_DEVICE_TYPE_GPU))
        memcpy(d->max_groups, CUDA_GRID, sizeof CUDA_GRID);
      /* Fails (caps 0) on a device below OpenCL 2.0, which has no SVM. */
      cl_device_svm_capabilities svm = 0;
      if (clGetDeviceInfo(ids[k], CL_DEVICE_SVM_CAPABILITIES, sizeof svm, &svm, NULL) != CL_SUCCESS) svm = 0;
      d->host_shared = inline_on && (type & CL_DEVICE_TYPE_CPU) && (svm & CL_DEVICE_SVM_FINE_GRAIN_BUFFER);
      reg.n++;
    }
  }
  /* Unset or empty: no mapping. Anything else must parse whole. */
  const char *map = getenv("VARSCOPE_DEVICES");
  if (map && *map) apply_aliases(map);
}

static void ensure(void) { pthread_once(&reg.once, discover); }

static bool init_ok(vs_status *st) {
  ensure();
  if (reg.init_code == VS_OK) return true;
  vs__fail(st, reg.init_code, VS_EXC_OP_ERROR, "%s", reg.init_msg);
  return false;
}

size_t vs__device_lookup(const char *type, long index, vs_status *st) {
  char t[16];
  snprintf(t, sizeof t, "%s", type);
  upper(t);
  for (size_t i = 0; i < reg.n_aliases; i++)
    if (strcmp(reg.aliases[i].type, t) == 0 && reg.aliases[i].index == index) return reg.aliases[i].target;
  if (strcmp(t, "CL") == 0) {
    if (index >= 0 && (size_t)index < reg.n) return (size_t)index;
  } else {
    long seen = 0;
    for (size_t i = 0; i < reg.n; i++)
      if (strcmp(reg.devices[i].info.type, t) == 0 && seen++ == index) return i;
  }
  vs__fail(st, VS_NOT_FOUND, VS_EXC_OP_ERROR, "no OpenCL device /device:%s:%ld on this machine (%zu device%s)",
           t, index, reg.n, reg.n == 1 ? "" : "s");
  return SIZE_MAX;
}

VS_API size_t vs_num_devices(vs_status *st) {
  vs__ok(st);
  return init_ok(st) ? reg.n : 0;
}

VS_API void vs_device_get_info(size_t i, vs_device_info *info, vs_status *st) {
  vs__ok(st);
  if (!info) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_device_get_info: info must not be NULL");
    return;
  }
  if (!init_ok(st)) return;
  if (i >= reg.n) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "device index %zu out of range (%zu devices)", i,
             reg.n);
    return;
  }
  *info = reg.devices[i].info;
  info->clblast_tuned = reg.devices[i].tuned;
}

VS_API size_t vs_device_resolve(const char *name, vs_status *st) {
  vs__ok(st);
  if (!name) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_device_resolve: name must not be NULL");
    return SIZE_MAX;
  }
  if (!init_ok(st)) return SIZE_MAX;
  const char *p = name;
  if (*p == '/') p++;
  if (strncmp(p, "device:", 7) == 0) p += 7;
  /* TYPE:N read strictly: sscanf's %ld took a sign and saturated huge
   * numbers to LONG_MAX, naming a device that was never asked for. */
  char type[16];
  size_t k = 0;
  while (k < sizeof type - 1 && ((p[k] >= 'A' && p[k] <= 'Z') || (p[k] >= 'a' && p[k] <= 'z'))) {
    type[k] = p[k];
    k++;
  }
  type[k] = '\0';
  const char *digits = p[k] == ':' ? p + k + 1 : "";
  size_t nd = strspn(digits, "0123456789");
  if (!k || p[k] != ':' || !nd || digits[nd]) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "cannot parse device name '%s' (want /device:TYPE:N)", name);
    return SIZE_MAX;
  }
  long index = 0;
  for (size_t i = 0; i < nd && index <= VS_DEVICE_INDEX_MAX; i++) index = index * 10 + (digits[i] - '0');
  if (index > VS_DEVICE_INDEX_MAX) {
    upper(type);
    vs__fail(st, VS_NOT_FOUND, VS_EXC_OP_ERROR, "no OpenCL device /device:%s:%s on this machine (%zu device%s)", type,
             digits, reg.n, reg.n == 1 ? "" : "s");
    return SIZE_MAX;
  }
  return vs__device_lookup(type, index, st);
}

VS_API uint64_t vs_device_memory_in_use(size_t i, vs_status *st) {
  vs__ok(st);
  if (!init_ok(st)) return 0;
  if (i >= reg.n) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "device index %zu out of range (%zu devices)", i,
             reg.n);
    return 0;
  }
  return atomic_load(&reg.devices[i].mem_in_use);
}

vs_cl_device *vs__device(size_t i, vs_status *st) {
  if (!init_ok(st)) return NULL;
  if (i >= reg.n) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "device index %zu out of range", i);
    return NULL;
  }
  vs_cl_device *d = &reg.devices[i];
  bool fresh = false; /* this call made the queue: it reads the stored tuning */
  vs__registry_lock();
  if (!d->context) {
    /* One context per platform, holding all its devices, so buffers move
     * between them with clEnqueueCopyBuffer. */
    cl_context ctx = NULL;
    for (size_t k = 0; k < reg.n && !ctx; k++)
      if (reg.devices[k].platform == d->platform && reg.devices[k].context) ctx = reg.devices[k].context;
    cl_int err = CL_SUCCESS;
    if (!ctx) {
      cl_device_id ids[MAX_DEVICES];
      cl_uint n = 0;
      for (size_t k = 0; k < reg.n; k++)
        if (reg.devices[k].platform == d->platform) ids[n++] = reg.devices[k].id;
      cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)d->platform, 0};
      ctx = clCreateContext(props, n, ids, NULL, NULL, &err);
      if (err != CL_SUCCESS) {
        vs__registry_unlock();
        vs__cl_fail(st, err, "clCreateContext");
        return NULL;
      }
      for (size_t k = 0; k < reg.n; k++)
        if (reg.devices[k].platform == d->platform) reg.devices[k].context = ctx;
    }
    d->context = ctx;
  }
  if (!d->queue) {
    cl_int err = CL_SUCCESS;
    d->queue = clCreateCommandQueue(d->context, d->id, 0, &err);
    if (err != CL_SUCCESS) {
      d->queue = NULL;
      vs__registry_unlock();
      vs__cl_fail(st, err, "clCreateCommandQueue");
      return NULL;
    }
    fresh = true;
  }
  vs__registry_unlock();
  /* Outside the registry lock: reading the stored set takes the device's
   * tuning lock, which a tune holds for tens of seconds. A GEMM that runs
   * before it is read uses CLBlast's own parameters, which are correct. */
  if (fresh) vs__clblast_apply_tuning(d);
  return d;
}
