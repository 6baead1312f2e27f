/* clblast_tuning.c - CLBlast GEMM parameters per device, chosen so that
 * tuning can never make a device slower or wrong.
 *
 * CLBlast ships tuned Xgemm parameters for many GPUs but none for PoCL on
 * most CPUs, where it falls back to generic ones. vs_device_tune measures
 * SGEMM under CLBlast's own parameters for the device first (the bar); runs
 * CLBlast's own tuner (clblast_tuner.cc) on a sample of its search space
 * sized to a time budget, which proposes one set; then times that set, the
 * set stored by an earlier run and the built-in sets, each meeting CLBlast's
 * constraints (tuning_file.c); verifies each result in full against a host
 * reference (CLBlast's tuner compares with its own reference kernel only),
 * and stores the fastest correct set only when it beats the bar by a margin
 * (so a stored set is replaced only by one faster in the same run), as an entry
 * of the cache directory's keyed store (tuning_store.h; its payload the
 * tuning file's text). A stored set is read when the device's queue is made (validated: format, key,
 * checksum, constraints) and applied at the first float32 GEMM after a
 * result check; whatever fails is discarded and reported.
 *
 * A second phase does the same for CLBlast's XgemmDirect kernel, which
 * CLBlast runs instead of Xgemm below its indirect-size threshold
 * (XGEMM_MIN_INDIRECT_SIZE: n^3 below 896^3 by default, 576^3 for Intel
 * CPUs, 1472^3 and more for most NVIDIA GPUs in its 1.5.3 database), so
 * that no Xgemm set changes small GEMMs (dense layers, gradients). It runs
 * at DIRECT_N (256) unless told otherwise: below every CPU and NVIDIA
 * threshold of that database, and a multiple of 64, the largest tile of
 * TuneXgemmDirect's space. That CLBlast really takes the direct path at
 * that size is verified before any candidate is timed (runs_kernel). The
 * set is stored under its own key (a file of its own format); the Xgemm
 * entry is untouched by it and read as before. Each file records the size
 * its set was verified at, where a later process checks it: a size at
 * which the probe saw CLBlast run that kernel on the device (a fixed check
 * size would run the other kernel on some devices and check nothing). The Xgemm phase is checked the same
 * way, mirrored: at a size where CLBlast runs XgemmDirect it times and
 * stores nothing (an Xgemm set timed there never ran: its figures are
 * noise).
 *
 * CLBlast 1.5.3's C API can override a device's parameters but neither read
 * nor restore its own: once overridden in a process, its own set is gone
 * for that process (d->clblast[k].overridden). So the bar is measured before any
 * override, a stored set is applied only when it is about to be used, and
 * a set that fails its check is replaced by CLBlast's generic set, which is
 * correct everywhere (on devices without a database entry it is CLBlast's
 * own). A device's tuning state is serialised by its own recursive mutex
 * (d->tuning_mu), never taken under the registry lock and never held while
 * taking it (vs__device, which takes it, runs before): d->tuned and
 * d->clblast[k].* are written under it. A stored set whose first-GEMM check
 * cannot run (out of memory, a failed SGEMM) is kept and checked again at
 * a later GEMM; only a wrong result or a refusal discards it. What was
 * measured against CLBlast (kernels/gemm_select.c's GEMM choices) is valid
 * under the sets of its day only: d->clblast_id names the sets in use
 * (vs__clblast_sets_id), and the choices are keyed by it. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <clblast_c.h>

#include "runtime/blas.h"
#include "runtime/clblast_tuner.h"
#include "runtime/clblast_tuning.h"
#include "runtime/kernel_cache_file.h"
#include "runtime/runtime_internal.h"
#include "runtime/tuning_file.h"
#include "runtime/tuning_store.h"

enum { STATE_UNREAD, STATE_PENDING, STATE_DONE }; /* vs_cl_device.clblast[k].state */
/* The kernels, indices of vs_cl_device.clblast and of KERNELS. */
enum { XG = 0, XGD = 1, NKERNELS = 2 };
static const vs__clblast_kernel *const KERNELS[NKERNELS] = {&vs__kernel_xgemm, &vs__kernel_xgemm_direct};

/* A set must beat CLBlast's own by this factor to be stored: run-to-run
 * noise of a median of 5 runs on a shared CPU is about 1-2%. */
#define MARGIN 1.03
#define DEFAULT_N 1024
/* The search's default time budget (CLBlast's tuner; the candidates'
 * verification comes on top). */
#define DEFAULT_BUDGET_S 120.0
/* The XgemmDirect phase's size and search budget: see the top of the file.
 * Its search space (about 6000 sets on PoCL) is smaller and its candidates
 * cheaper to time than Xgemm's. */
#define DIRECT_N 256
#define DIRECT_BUDGET_S 60.0
#define DIRECT_SEARCH_MULTIPLE 64
/* The largest XGEMM_MIN_INDIRECT_SIZE in CLBlast 1.5.3's database is 1984:
 * no SGEMM above 2048^3 runs XgemmDirect anywhere. */
#define DIRECT_MAX_N 2048
/* CLBlast's tuner runs at most at this size. Its Xgemm parameters do not
 * depend on the size it ran at, while each of its candidates costs a
 * reference run and several timed runs at that size: at 1024^3 on PoCL its
 * smallest sample (8 candidates) took 23 minutes, at 256^3 45 took 133 s.
 * Its pick is then timed and verified at the run's own size like every
 * other candidate. */
#define SEARCH_N 256
/* At most this many candidates per run (the result has 16 slots): the
 * tuner's pick, the stored set and the built-in list. */
#define MAX_CANDIDATES 16
#define TIMED_RUNS 5
/* Rows of C compared at the first-GEMM check of a stored set: every
 * column tile, and rows at different offsets within row tiles. */
#define CHECK_ROWS 24

/* Tries of a stored set's first-GEMM check that could not run before the
 * process stops trying (the file stays for the next process). */
#define CHECK_TRIES 3

/* The test hook below is the only state shared by all devices. */
static pthread_mutex_t hook_lock = PTHREAD_MUTEX_INITIALIZER;
static void (*check_hook)(void *user, float *c, size_t n);
static void *check_hook_user;

/* Built-in candidate sets (vs__xgemm_names order): CLBlast's generic set,
 * its default for Intel CPUs, and wide-vector tiles without local memory
 * that suit CPU OpenCL. They stay beside CLBlast's tuner because its 1.5.3
 * API returns only the winner of its kernel-1 search (GEMMK=1; see
 * clblast_tuner.cc): these are the GEMMK=0 sets a run times, at a few
 * seconds each. Each is checked against the device before it is run. */
static const size_t CANDIDATES[][VS_XGEMM_NPARAMS] = {
    {0, 1, 32, 2, 8, 8, 32, 16, 16, 32, 1, 1, 0, 0, 4, 2},
    {0, 1, 32, 2, 8, 8, 32, 8, 8, 64, 0, 0, 0, 0, 4, 4},
    {0, 1, 16, 2, 16, 16, 128, 8, 8, 64, 0, 0, 0, 0, 8, 8},
    {0, 1, 16, 2, 8, 8, 128, 8, 8, 128, 0, 0, 0, 0, 16, 16},
    {0, 1, 16, 2, 8, 8, 128, 8, 8, 64, 0, 0, 0, 0, 16, 8},
    {0, 1, 16, 2, 8, 8, 64, 8, 8, 64, 0, 0, 0, 0, 8, 8},
    {0, 1, 32, 2, 8, 8, 64, 8, 8, 64, 0, 0, 0, 0, 8, 8},
};
#define NCAND (sizeof CANDIDATES / sizeof CANDIDATES[0])

/* Built-in XgemmDirect sets (vs__xgd_names order), from CLBlast 1.5.3's
 * database (src/database/kernels/xgemm_direct/xgemm_direct_32.hpp): its
 * generic set, its default for Intel CPUs, its widest CPU entry (an
 * i5-4590S: 64-wide tiles, 8 x 4 vectors), and the defaults of two of its
 * NVIDIA architectures (16 x 16 work-groups). Sets are zero-padded to 16. */
static const size_t DIRECT_CANDIDATES[][VS_XGEMM_NPARAMS] = {
    {2, 8, 8, 8, 8, 1, 1, 1, 1, 16},   {2, 8, 8, 8, 8, 1, 1, 4, 4, 32},   {8, 8, 8, 8, 8, 0, 0, 8, 4, 64},
    {2, 16, 16, 16, 16, 1, 1, 2, 2, 32}, {2, 8, 8, 16, 16, 1, 1, 4, 2, 32},
};
#define NDIRECT (sizeof DIRECT_CANDIDATES / sizeof DIRECT_CANDIDATES[0])

/* For each kernel, a set CLBlast compiles but cannot launch on any device
 * varscope runs on (128 x 128 = 16384 work-items a work-group, no local
 * memory; CLBlast checks the device's limit before it enqueues): under it
 * an SGEMM fails exactly when it runs that kernel (runs_kernel). */
static const size_t PROBES[NKERNELS][VS_XGEMM_NPARAMS] = {
    /* GEMMK=0 KREG=1 KWG=128 KWI=2 MDIMA=MDIMC=MWG=NDIMB=NDIMC=NWG=128 SA=SB=0 STRM=STRN=0 VWM=VWN=1 */
    {0, 1, 128, 2, 128, 128, 128, 128, 128, 128, 0, 0, 0, 0, 1, 1},
    {2, 128, 128, 128, 128, 0, 0, 1, 1, 128},
};

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static char *key_of_info(const vs_device_info *in) {
  return vs__asprintf("%s|%s|%s", in->device_name, in->driver_version, in->platform_name);
}

/* The set lives in the cache directory's keyed store (tuning_store.h),
 * under this key; the entry's payload is the tuning file's text
 * (tuning_file.h), which carries its own key and checksum too. */
static char *store_key_of_info(const vs_device_info *in, int k) {
  char *key = key_of_info(in), *skey = key ? vs__asprintf("%s%s\n", KERNELS[k]->magic, key) : NULL;
  free(key);
  return skey;
}

static char *path_of_info(const vs_device_info *in, int k) {
  char *dir = vs__cache_dir(), *skey = store_key_of_info(in, k), *path = NULL;
  if (dir && skey) path = vs__store_path(dir, skey);
  free(dir);
  free(skey);
  return path;
}

static char *key_of(const vs_cl_device *d) { return key_of_info(&d->info); }
static char *path_of(const vs_cl_device *d, int k) { return path_of_info(&d->info, k); }

static uint64_t local_mem(const vs_cl_device *d) { return d->local_mem; }

/* Recomputes d->clblast_id (vs__clblast_sets_id) after a change: per
 * kernel, the stored set when it is in use or pending (it is applied at
 * the next float32 GEMM), else the set last applied, else CLBlast's own;
 * 0 when CLBlast's own are in use for both. Under d->tuning_mu. */
/* The identity of the sets v[k] (NULL: CLBlast's own; each VS_ID_WORDS
 * values, zeros after the kernel's parameters). */
#define VS_ID_WORDS (sizeof ((struct vs_clblast_set *)0)->v / sizeof(size_t))
static uint64_t id_of(const size_t *const v[NKERNELS]) {
  uint64_t h = VS_FNV_SEED;
  bool own = true;
  for (int k = 0; k < NKERNELS; k++) {
    unsigned char tag = v[k] ? 1 : 0;
    h = vs__fnv64(&tag, 1, h);
    if (v[k]) h = vs__fnv64(v[k], VS_ID_WORDS * sizeof(size_t), h);
    own = own && !v[k];
  }
  return own ? 0 : h ? h : 1;
}

static void update_id(vs_cl_device *d) {
  const size_t *v[NKERNELS];
  for (int k = 0; k < NKERNELS; k++) {
    const struct vs_clblast_set *cs = &d->clblast[k];
    v[k] = cs->in_use ? cs->v : cs->overridden ? cs->applied : NULL;
  }
  atomic_store(&d->clblast_id, id_of(v));
}

char *vs__clblast_table_key(const vs_cl_device *d, const char *name, uint64_t id) {
  return vs__asprintf("varscope %s\ndevice %s\ndriver %s\nplatform %s\nclblast %016llx\n", name, d->info.device_name,
                      d->info.driver_version, d->info.platform_name, (unsigned long long)id);
}

uint64_t vs__clblast_sets_id(const vs_cl_device *d) { return atomic_load(&d->clblast_id); }

static bool apply(vs_cl_device *d, int k, const size_t *values) {
  const char *names[VS_XGEMM_NPARAMS];
  memcpy(names, KERNELS[k]->names, KERNELS[k]->nparams * sizeof names[0]);
  d->clblast[k].overridden = true; /* even a refused call may have dropped CLBlast's own entry */
  memset(d->clblast[k].applied, 0, sizeof d->clblast[k].applied);
  memcpy(d->clblast[k].applied, values, KERNELS[k]->nparams * sizeof *values);
  update_id(d);
  return CLBlastOverrideParameters(d->id, KERNELS[k]->name, CLBlastPrecisionSingle, KERNELS[k]->nparams, names,
                                   values) == CLBlastSuccess;
}

/* Whether kernel k's stored set (d->clblast[k].v, set first) is in use;
 * device info's clblast_tuned says whether either kernel's is. */
static void set_in_use(vs_cl_device *d, int k, bool in_use) {
  d->clblast[k].in_use = in_use;
  d->tuned = d->clblast[XG].in_use || d->clblast[XGD].in_use;
  update_id(d);
}

/* "XgemmDirect " for the direct kernel's messages; "" for Xgemm's, whose
 * texts predate the direct phase. */
static const char *which(int k) { return k == XG ? "" : "XgemmDirect "; }

/* Drops the stored set: removed from disk, noted, and said once on stderr
 * (the user's cache held something unusable; they should know). */
static void discard(vs_cl_device *d, int k, const char *path, const char *why) {
  if (path) unlink(path);
  snprintf(d->clblast[k].note, sizeof d->clblast[k].note, "%s", why);
  fprintf(stderr, "varscope: discarded the CLBlast %stuning file %s for %s: %s\n", which(k), path ? path : "",
          d->info.cl_name, why);
}

static bool load_stored(vs_cl_device *d, int k, size_t v[VS_XGEMM_NPARAMS], size_t *n_at, char *why, size_t cap);

/* Removes kernel k's entry of the previous file version, if any: it lies
 * under another store key (the key starts with the version's first line),
 * is never read (a version-2 Xgemm set has no size it was verified at) and
 * would otherwise stay in the cache directory for good after an upgrade.
 * unlink is the store's removal (an entry is replaced by rename, so a
 * reader sees the whole entry or none). Best effort: a leftover is
 * harmless, only dead weight. */
static void drop_old_version(const vs_cl_device *d, int k) {
  if (!KERNELS[k]->old_magic) return;
  char *key = key_of(d), *okey = key ? vs__asprintf("%s%s\n", KERNELS[k]->old_magic, key) : NULL;
  if (okey) vs__store_remove(NULL, okey);
  free(key);
  free(okey);
}

/* Reads kernel k's stored set: a valid one becomes pending (applied and
 * checked at the next float32 GEMM, vs__clblast_prepare), an unusable one
 * is discarded with its reason. Holds d->tuning_mu (the caller's). */
static void arm_stored(vs_cl_device *d, int k) {
  struct vs_clblast_set *cs = &d->clblast[k];
  char why[200];
  size_t v[VS_XGEMM_NPARAMS], n_at;
  cs->state = STATE_DONE;
  drop_old_version(d, k);
  if (load_stored(d, k, v, &n_at, why, sizeof why)) {
    memcpy(cs->v, v, sizeof v);
    cs->n = n_at;
    cs->check_tries = 0;
    set_in_use(d, k, true);
    cs->state = STATE_PENDING;
  } else if (why[0]) {
    char *path = path_of(d, k);
    discard(d, k, path, why);
    free(path);
  }
}

void vs__clblast_apply_tuning(vs_cl_device *d) {
  pthread_mutex_lock(&d->tuning_mu);
  for (int k = 0; k < NKERNELS; k++)
    if (d->clblast[k].state == STATE_UNREAD) arm_stored(d, k);
  pthread_mutex_unlock(&d->tuning_mu);
}

/* uniform[-1,1) from a fixed xorshift64 stream: the same inputs every run. */
static void fill_uniform(float *x, size_t count, uint64_t seed) {
  uint64_t s = seed;
  for (size_t i = 0; i < count; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    x[i] = (float)((double)(s >> 40) / (double)(1ull << 24) * 2.0 - 1.0);
  }
}

/* The tolerance for one entry of C = A x B with K terms of uniform[-1,1)
 * inputs. float32 accumulation errs by about sqrt(K) * 2^-24 * rms(|a b|)
 * per entry in a random walk (for K = 1024 about 1e-6; the worst of 10^6
 * entries measured 1.9e-5 under CLBlast's generic set); a wrong tile or
 * a missing K block errs by O(1) to O(10). 1e-4 * (1 + |want|) is five
 * times the worst honest error and orders of magnitude below a wrong one. */
static bool close_enough(double got, double want) { return fabs(got - want) <= 1e-4 * (1.0 + fabs(want)); }

typedef struct gemm_bench {
  vs_cl_device *d;
  size_t n;
  float *a, *b, *c; /* host: inputs, and the device's result read back */
  cl_mem da, db, dc;
} gemm_bench;

static bool bench_init(gemm_bench *g, vs_cl_device *d, size_t n, vs_status *st) {
  memset(g, 0, sizeof *g);
  g->d = d;
  g->n = n;
  size_t bytes = n * n * sizeof(float);
  g->a = malloc(bytes), g->b = malloc(bytes), g->c = malloc(bytes);
  if (!g->a || !g->b || !g->c) {
    vs__oom(st);
    return false;
  }
  fill_uniform(g->a, n * n, 0x9E3779B97F4A7C15ull);
  fill_uniform(g->b, n * n, 0xD1B54A32D192ED03ull);
  /* Counted device buffers, as every buffer varscope makes: a check that
   * does not fit the device's memory fails with RESOURCE_EXHAUSTED. */
  vs_shape shape = VS_SHAPE((int64_t)n, (int64_t)n);
  if (!(g->da = vs__device_buffer(d, bytes, &shape, VS_FLOAT, st)) ||
      !(g->db = vs__device_buffer(d, bytes, &shape, VS_FLOAT, st)) ||
      !(g->dc = vs__device_buffer(d, bytes, &shape, VS_FLOAT, st)))
    return false;
  cl_int err = clEnqueueWriteBuffer(*vs__queue(d), g->da, CL_TRUE, 0, bytes, g->a, 0, NULL, NULL);
  if (err == CL_SUCCESS) err = clEnqueueWriteBuffer(*vs__queue(d), g->db, CL_TRUE, 0, bytes, g->b, 0, NULL, NULL);
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clEnqueueWriteBuffer");
    return false;
  }
  return true;
}

static void bench_free(gemm_bench *g) {
  cl_mem m[3] = {g->da, g->db, g->dc};
  for (int k = 0; k < 3; k++) vs__buffer_release(m[k]);
  free(g->a), free(g->b), free(g->c);
}

/* One SGEMM into dc, finished; the time it took in *seconds. */
static bool run_once(gemm_bench *g, double *seconds, vs_status *st) {
  double t0 = now();
  if (!vs__sgemm_direct(g->d, g->n, g->da, g->db, g->dc, st)) return false;
  cl_int err = clFinish(*vs__queue(g->d));
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clFinish");
    return false;
  }
  *seconds = now() - t0;
  return true;
}

static bool read_result(gemm_bench *g, vs_status *st) {
  cl_int err = clEnqueueReadBuffer(*vs__queue(g->d), g->dc, CL_TRUE, 0, g->n * g->n * sizeof(float), g->c, 0, NULL, NULL);
  if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueReadBuffer");
  return err == CL_SUCCESS;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

/* Median seconds of TIMED_RUNS SGEMMs after one untimed run (which
 * compiles CLBlast's kernels for the current parameters). */
static bool time_median(gemm_bench *g, double *median, vs_status *st) {
  double t[TIMED_RUNS], dummy;
  if (!run_once(g, &dummy, st)) return false;
  for (int i = 0; i < TIMED_RUNS; i++)
    if (!run_once(g, &t[i], st)) return false;
  qsort(t, TIMED_RUNS, sizeof t[0], cmp_double);
  *median = t[TIMED_RUNS / 2];
  return true;
}

/* Compares rows of g->c with ref (row-major n x n doubles, or NULL to
 * compute the listed rows here); "" in why when every entry is close. */
static bool compare(const gemm_bench *g, const double *ref, const size_t *rows, size_t n_rows, char *why, size_t cap) {
  size_t n = g->n;
  double *row = ref ? NULL : malloc(n * sizeof *row);
  if (!ref && !row) {
    snprintf(why, cap, "out of host memory for the reference");
    return false;
  }
  bool ok = true;
  for (size_t r = 0; r < n_rows && ok; r++) {
    size_t i = rows ? rows[r] : r;
    const double *want = ref ? ref + i * n : row;
    if (!ref) {
      for (size_t j = 0; j < n; j++) row[j] = 0;
      for (size_t k = 0; k < n; k++) {
        double aik = g->a[i * n + k];
        const float *bk = g->b + k * n;
        for (size_t j = 0; j < n; j++) row[j] += aik * bk[j];
      }
    }
    for (size_t j = 0; j < n; j++)
      if (!close_enough(g->c[i * n + j], want[j])) {
        snprintf(why, cap, "wrong result: C[%zu,%zu] = %.6g, want %.6g", i, j, (double)g->c[i * n + j], want[j]);
        ok = false;
        break;
      }
  }
  free(row);
  return ok;
}

/* The full host reference C = A x B in double, i-k-j order (streams rows
 * of B, so it runs at memory speed: about a second for 1024^3). */
static double *reference(const gemm_bench *g) {
  size_t n = g->n;
  double *ref = calloc(n * n, sizeof *ref);
  for (size_t i = 0; ref && i < n; i++)
    for (size_t k = 0; k < n; k++) {
      double aik = g->a[i * n + k];
      const float *bk = g->b + k * n;
      double *ci = ref + i * n;
      for (size_t j = 0; j < n; j++) ci[j] += aik * bk[j];
    }
  return ref;
}

/* The first-GEMM check of a stored set: one n^3 SGEMM at the size the set
 * was verified at (where CLBlast runs its kernel on this device: the
 * tuning run's probe saw it) and CHECK_ROWS rows compared with the host. CHECK_WRONG when the results are wrong,
 * CHECK_NOT_RUN when the check itself could not run (out of memory, a
 * failed SGEMM: nothing is known about the set); the reason in why. */
typedef enum { CHECK_OK, CHECK_WRONG, CHECK_NOT_RUN } check_result;

static check_result check_stored(vs_cl_device *d, size_t n, char *why, size_t cap) {
  vs_status *st = vs_status_new();
  gemm_bench g = {0};
  double t;
  check_result r = CHECK_NOT_RUN;
  if (st && bench_init(&g, d, n, st) && run_once(&g, &t, st) && read_result(&g, st)) {
    pthread_mutex_lock(&hook_lock);
    if (check_hook) check_hook(check_hook_user, g.c, g.n);
    pthread_mutex_unlock(&hook_lock);
    size_t rows[CHECK_ROWS];
    for (size_t k = 0; k < CHECK_ROWS; k++) rows[k] = (k * 131 + k / 3) % g.n;
    r = compare(&g, NULL, rows, CHECK_ROWS, why, cap) ? CHECK_OK : CHECK_WRONG;
  } else {
    snprintf(why, cap, "SGEMM failed: %s", st ? vs_status_message(st) : "out of memory");
  }
  bench_free(&g);
  vs_status_free(st);
  return r;
}

/* The size of the first-GEMM check of kernel k's set verified at n_at^3.
 * The check must run the set's kernel, and costs an n^3 SGEMM, three n x n
 * matrices on the host and the device, and CHECK_ROWS rows of a host
 * reference: at VS_TUNE_MAX_N (8192) half a TFLOP and 768 MiB at the
 * user's first GEMM. An Xgemm set runs at every size at or above
 * CLBlast's indirect-size threshold (it compares m*n*k with the threshold
 * cubed), which is at most 1984 in CLBlast 1.5.3's database: so every
 * size from 2048 (DIRECT_MAX_N, the bound the XgemmDirect phase rests on
 * too) runs Xgemm wherever n_at did, and an Xgemm set verified above it is
 * checked at 2048^3 (17 GFLOP, 48 MiB). The tuning run verified it in
 * full at n_at; what the check asks is whether the entry still computes
 * right on this process's device (an entry edited, or a set CLBlast now
 * compiles differently), which an SGEMM that runs it answers at 2048 as at
 * n_at (both multiples of every tile). Below 2048 the size the probe saw it run
 * at is the only one known to (the threshold is not known: 1024^3 runs
 * XgemmDirect on most NVIDIA GPUs). An XgemmDirect set is at most 2048
 * already (load_stored refuses more). */
#define CHECK_MAX_N DIRECT_MAX_N
static size_t check_size(int k, size_t n_at) { return k == XG && n_at > CHECK_MAX_N ? CHECK_MAX_N : n_at; }

/* Kernel k's stored set, pending its first-GEMM check: applied and
 * checked (see vs__clblast_prepare). */
static void prepare_one(vs_cl_device *d, int k) {
  struct vs_clblast_set *cs = &d->clblast[k];
  char why[200] = "", reason[160] = "";
  check_result r = CHECK_WRONG;
  size_t n = check_size(k, cs->n);
  if (!apply(d, k, cs->v)) snprintf(why, sizeof why, "CLBlast refused the parameters");
  else if ((r = check_stored(d, n, reason, sizeof reason)) != CHECK_OK) snprintf(why, sizeof why, "%s", reason);
  if (r == CHECK_NOT_RUN && ++cs->check_tries < CHECK_TRIES) {
    /* Nothing is known about the set: this GEMM runs with CLBlast's
     * generic set (correct everywhere; its own is already replaced), the
     * file stays, and the next GEMM checks again. */
    apply(d, k, KERNELS[k]->generic);
  } else if (r == CHECK_NOT_RUN) {
    cs->state = STATE_DONE;
    apply(d, k, KERNELS[k]->generic);
    set_in_use(d, k, false);
    snprintf(cs->note, sizeof cs->note, "not used in this process: its check could not run (%s)", why);
    fprintf(stderr, "varscope: the CLBlast %stuning file for %s is not used in this process: its check could not "
            "run (%s); it is kept\n", which(k), d->info.cl_name, why);
  } else {
    cs->state = STATE_DONE;
    if (why[0]) {
      char *path = path_of(d, k);
      discard(d, k, path, why);
      free(path);
      apply(d, k, KERNELS[k]->generic); /* CLBlast's own entry is gone; its generic set is correct everywhere */
      set_in_use(d, k, false);
    }
  }
}

void vs__clblast_prepare(vs_cl_device *d) {
  pthread_mutex_lock(&d->tuning_mu);
  for (int k = 0; k < NKERNELS; k++)
    if (d->clblast[k].state == STATE_PENDING) prepare_one(d, k);
  pthread_mutex_unlock(&d->tuning_mu);
}

VS_API void vs_device_tune(size_t i, vs_tune_result *res, vs_status *st) {
  vs__device_tune_plan(i, NULL, NULL, res, st);
}

VS_API void vs_device_tune_ex(size_t i, const vs_tune_opts *opts, vs_tune_result *res, vs_status *st) {
  vs__device_tune_plan(i, NULL, opts, res, st);
}

static void report(const vs_tune_opts *opts, int k, size_t index, size_t count, const size_t *params, double gflops,
                   const char *verdict) {
  if (!opts || !opts->progress) return;
  char text[512];
  if (params) vs__params_text(KERNELS[k], text, sizeof text, params);
  else snprintf(text, sizeof text, "CLBlast's own %sparameters", which(k));
  opts->progress(opts->user, index, count, text, gflops, verdict);
}

/* Measures the current parameters: GFLOP/s (0 when the run failed or the
 * result is wrong) and a verdict. A failed run is the set's failure, not
 * the tuning run's: its status goes into the verdict. */
static double measure(gemm_bench *g, const double *ref, const vs__tune_plan *plan, int index, char *verdict,
                      size_t cap, vs_status *st) {
  vs_status *run = vs_status_new();
  double t = 0;
  if (!run) {
    snprintf(verdict, cap, "failed: out of host memory");
    vs__oom(st);
    return 0;
  }
  if (!time_median(g, &t, run) || !read_result(g, run)) {
    snprintf(verdict, cap, "failed: %s", vs_status_message(run));
    vs_status_free(run);
    return 0;
  }
  vs_status_free(run);
  if (plan && plan->inject) plan->inject(plan->user, index, g->c, g->n, &t);
  if (!compare(g, ref, NULL, g->n, verdict, cap)) return 0;
  snprintf(verdict, cap, "correct");
  return t > 0 ? 2.0 * (double)g->n * g->n * g->n / t / 1e9 : 0;
}

static void store(vs_cl_device *d, int k, const size_t *v, size_t n_at, double gflops, double database,
                  vs_tune_phase *ph) {
  char *dir = vs__cache_dir(), *path = path_of(d, k), *key = key_of(d), *skey = store_key_of_info(&d->info, k);
  char text[VS_TUNING_FILE_MAX];
  size_t n = key ? vs__tuning_file_format_k(KERNELS[k], text, sizeof text, key, v, n_at, gflops, database) : 0;
  errno = 0;
  if (dir && path && skey && n && n < sizeof text && vs__store_put(dir, skey, text, n)) {
    snprintf(ph->stored_at, sizeof ph->stored_at, "%s", path);
    ph->stored = true;
  } else if (!dir || !path) {
    snprintf(ph->not_stored, sizeof ph->not_stored, "no writable cache directory");
  } else if (!key || !skey) {
    snprintf(ph->not_stored, sizeof ph->not_stored, "out of host memory");
  } else if (!n || n >= sizeof text) {
    snprintf(ph->not_stored, sizeof ph->not_stored, "the device's name is too long for a tuning file");
  } else {
    snprintf(ph->not_stored, sizeof ph->not_stored, "cannot write %.120s: %s", path,
             errno ? strerror(errno) : "the store refused the entry");
  }
  free(dir);
  free(path);
  free(key);
  free(skey);
}

int vs__clblast_tuner_on(void *queue, int kernel, size_t m, size_t n, size_t k, double fraction, char (*names)[16],
                         size_t *values, size_t cap, size_t *count, vs_status *st) {
  vs__ok(st);
  if (count) *count = 0;
  vs__tuner_out *out = malloc(sizeof *out);
  if (!out) {
    vs__oom(st);
    return 0;
  }
  vs_code code = vs__clblast_tuner_run(queue, kernel ? VS_TUNER_XGEMM_DIRECT : VS_TUNER_XGEMM, m, n, k, fraction,
                                       out);
  int clblast_status = out->clblast_status;
  if (code != VS_OK) {
    vs__fail(st, code, code == VS_INVALID_ARGUMENT ? VS_EXC_VALUE_ERROR : VS_EXC_OP_ERROR, "%s", out->message);
  } else {
    for (size_t p = 0; p < out->count && p < cap; p++) {
      snprintf(names[p], sizeof names[p], "%s", out->params[p].name);
      values[p] = out->params[p].value;
    }
    if (count) *count = out->count < cap ? out->count : cap;
  }
  free(out);
  return clblast_status;
}

int vs__clblast_tuner(size_t i, int kernel, size_t m, size_t n, size_t k, double fraction, char (*names)[16],
                      size_t *values, size_t cap, size_t *count, vs_status *st) {
  vs__ok(st);
  vs_cl_device *d = vs__device(i, st);
  if (!d) return 0;
  return vs__clblast_tuner_on(vs__queue(d), kernel, m, n, k, fraction, names, values, cap, count, st);
}

void vs__clblast_tuner_throw(int kind) { vs__clblast_tuner_inject_throw(kind); }


static void note(const vs_tune_opts *opts, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const vs_tune_opts *opts, const char *fmt, ...) {
  if (!opts || !opts->note) return;
  char line[640];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  opts->note(opts->user, line);
}

/* The device's limits CLBlast's tuner builds its search space under. */
static void item_sizes(const vs_cl_device *d, size_t *x, size_t *y) {
  size_t sizes[3] = {0, 0, 0};
  if (clGetDeviceInfo(d->id, CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof sizes, sizes, NULL) != CL_SUCCESS)
    sizes[0] = sizes[1] = 0; /* unknown: not limited here; CLBlast skips what does not fit */
  *x = sizes[0], *y = sizes[1];
}

/* How the notes name CLBlast's tuner of kernel k. */
static const char *tuner_name(int k) { return k == XG ? "CLBlast's tuner" : "CLBlast's XgemmDirect tuner"; }

/* One call of CLBlast's tuner of kernel k at fraction f: its pick into
 * found (zero-padded; false with the reason in ph->search when none), its
 * time added to ph. */
static bool tuner_call(vs_cl_device *d, int k, size_t n, double f, const vs_tune_opts *opts, vs_tune_phase *ph,
                       size_t found[VS_XGEMM_NPARAMS], vs_status *st) {
  char names[VS_TUNER_MAX_PARAMS][16];
  size_t values[VS_TUNER_MAX_PARAMS], count = 0;
  vs_status *run = vs_status_new();
  if (!run) {
    vs__oom(st);
    return false;
  }
  double t0 = now();
  int clblast_status =
      vs__clblast_tuner_on(vs__queue(d), k, n, n, n, f, names, values, VS_TUNER_MAX_PARAMS, &count, run);
  ph->search_s += now() - t0;
  bool ok = vs_status_code(run) == VS_OK;
  if (!ok && vs_status_code(run) == VS_INVALID_ARGUMENT) /* the caller's n or fraction */
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "%s", vs_status_message(run));
  else if (!ok)
    snprintf(ph->search, sizeof ph->search, "none: %s", vs_status_message(run));
  vs_status_free(run);
  memset(found, 0, VS_XGEMM_NPARAMS * sizeof *found);
  for (size_t p = 0; ok && p < KERNELS[k]->nparams; p++) {
    size_t q = 0;
    while (q < count && strcmp(names[q], KERNELS[k]->names[p]) != 0) q++;
    if (q == count) {
      snprintf(ph->search, sizeof ph->search, "none: %s returned no %s", tuner_name(k), KERNELS[k]->names[p]);
      ok = false;
    } else {
      found[p] = values[q];
    }
  }
  if (ok && clblast_status != 0 && k == XG) /* its second search failed: the set is its first one's pick */
    note(opts, "CLBlast's tuner: its kernel-1 search failed (CLBlast status %d); its kernel-0 pick stands",
         clblast_status);
  return ok;
}

/* The candidates CLBlast's tuner samples of its spaces at fraction f (it
 * takes floor(size * f) of each). */
static size_t vs__sampled(const size_t space[2], double f) {
  return (size_t)((double)space[0] * f) + (size_t)((double)space[1] * f);
}

bool vs__search_next(const size_t space[2], size_t nspaces, size_t searched, double fraction, double last_s,
                     size_t last_new, double spent, double budget, double max_fraction, double *f, size_t *more,
                     double *estimate_s) {
  *f = 0, *more = 0, *estimate_s = 0;
  double left = budget - spent;
  if (!(left > 0) || space[0] + space[1] == 0) return false;
  /* A call re-times the candidates sampled before (their kernels cached)
   * and compiles the new ones; each also costs a reference run per search.
   * Its cost is estimated as if every candidate of the next sample cost
   * what a new one cost in the last call: an over-estimate. */
  double per = last_s > 0 ? last_s / (double)(last_new + nspaces) : 0;
  double afford = per > 0 ? left / per : 1e9;
  if (afford > 1e9) afford = 1e9;
  size_t target = afford > (double)nspaces ? (size_t)afford - nspaces : 0;
  /* At most doubling: the last call's cost per candidate may be far too
   * low (its kernels compiled by an earlier run, which samples the same
   * candidates first), and a step too large cannot be stopped. */
  if (target > 2 * searched + nspaces) target = 2 * searched + nspaces;
  double cap = max_fraction > 0 && max_fraction < 1 ? max_fraction : 1;
  double g = (double)target * 1.0000001 / (double)(space[0] + space[1]);
  if (g > cap) g = cap;
  size_t m = vs__sampled(space, g);
  /* CLBlast floors each space's sample on its own, so target / total may
   * sample up to one candidate per space fewer than target: the fraction
   * is raised to each next boundary while the sample fits target and the
   * cap, so that the last step takes what the budget left affords. (It
   * could fall short by a candidate, or not start at all where one more
   * would have fit.) Each pass adds at least a candidate: a few passes. */
  while (m < target) {
    double next = 2;
    for (size_t s = 0; s < 2; s++) {
      double b = space[s] ? ((double)(size_t)((double)space[s] * g) + 1) / (double)space[s] * 1.0000001 : 2;
      if (b < next) next = b;
    }
    size_t bumped = next <= cap ? vs__sampled(space, next) : SIZE_MAX;
    if (bumped > target) break;
    g = next, m = bumped;
  }
  if (!(g > fraction) || m <= searched) return false;
  double estimate = per * (double)(m + nspaces);
  /* The rule itself, whatever the arithmetic above rounds to: a step
   * starts only when its estimate fits what is left. */
  if (estimate > left) return false;
  *f = g, *more = m, *estimate_s = estimate;
  return true;
}

/* What a candidate of kernel k's search cost at n^3 on a device: the
 * most any run measured there (a call's time over its new candidates and
 * reference runs), kept in the store. A run prices its steps at no less,
 * because its own first call can be served from PoCL's kernel cache (an
 * earlier run compiled the same first candidates: CLBlast samples with a
 * fixed seed) and look ten times cheaper than the uncached candidates its
 * next step compiles; a compile served from the cache cannot be told from
 * a fast one, so the cost has to come from a run that paid it. The most,
 * not the latest: a run that saw only cached candidates must not lower it.
 * A run under heavy load raises it, and later searches then stop early:
 * the budget is a cap, so erring that way is the safe one;
 * vs_device_tune_reset (`varscope tune --reset`) removes it. The text is
 * whole microseconds, so no locale's decimal point can misread it. */
#define COST_MAGIC "varscope clblast-search-cost 1\n"
static char *cost_key(const vs_cl_device *d, int k, size_t n) {
  char *key = key_of(d), *ckey = key ? vs__asprintf(COST_MAGIC "%s\n%zu\n%s\n", KERNELS[k]->name, n, key) : NULL;
  free(key);
  return ckey;
}

/* The stored cost in seconds; 0 when there is none or it is not one
 * positive number of microseconds (1-15 digits) and a newline (then it is
 * as if none: the next run that measures one replaces it). */
static double stored_cost(const vs_cl_device *d, int k, size_t n) {
  char *ckey = cost_key(d, k, n);
  unsigned char *data = NULL;
  size_t len = 0;
  double per = 0;
  if (ckey && vs__store_get(NULL, ckey, 64, &data, &len) == VS_STORE_HIT && len >= 2 && len <= 16 &&
      data[len - 1] == '\n') {
    uint64_t us = 0;
    size_t i = 0;
    while (i < len - 1 && data[i] >= '0' && data[i] <= '9') us = us * 10 + (uint64_t)(data[i++] - '0');
    if (i == len - 1 && us > 0) per = (double)us * 1e-6;
  }
  free(data);
  free(ckey);
  return per;
}

/* Stores per as the cost unless the store holds a higher one by now (two
 * tuning processes at once: the higher stands). Best effort: without a
 * writable cache directory a later run has only its own calls to price
 * by, as before. */
static bool put_cost(const vs_cl_device *d, int k, size_t n, double per) {
  if (!(per > 0) || per > 1e9 || per <= stored_cost(d, k, n)) return false;
  char *ckey = cost_key(d, k, n), text[32];
  uint64_t us = (uint64_t)(per * 1e6 + 0.5);
  int len = snprintf(text, sizeof text, "%llu\n", (unsigned long long)(us ? us : 1));
  bool ok = ckey && len > 0 && (size_t)len < sizeof text && vs__store_put(NULL, ckey, text, (size_t)len);
  free(ckey);
  return ok;
}

/* The search's sizes (min(N, SEARCH_N), N a multiple of 64): what a reset
 * removes. */
static void remove_costs(const vs_cl_device *d) {
  for (int k = 0; k < NKERNELS; k++)
    for (size_t n = 64; n <= SEARCH_N; n += 64) {
      char *ckey = cost_key(d, k, n);
      if (ckey) vs__store_remove(NULL, ckey);
      free(ckey);
    }
}

/* Device i for the two test accessors below (NULL: no such device or
 * kernel). */
static vs_cl_device *cost_device(size_t i, int kernel) {
  vs_status *st = vs_status_new();
  vs_cl_device *d = st && kernel >= 0 && kernel < NKERNELS ? vs__device(i, st) : NULL;
  vs_status_free(st);
  return d;
}

double vs__clblast_search_cost(size_t i, int kernel, size_t n) {
  vs_cl_device *d = cost_device(i, kernel);
  return d ? stored_cost(d, kernel, n) : 0;
}

bool vs__clblast_search_cost_put(size_t i, int kernel, size_t n, double per) {
  vs_cl_device *d = cost_device(i, kernel);
  return d && put_cost(d, kernel, n, per);
}

/* CLBlast's tuner of kernel k as the search. It reports nothing while it
 * runs and cannot be stopped, so its sample is sized beforehand: a first
 * call on the smallest sample that holds a candidate of each of its
 * searches (Xgemm has two, XgemmDirect one) measures what a candidate
 * costs here (compiling dominates on PoCL), and further calls, each on a
 * sample at most twice as large, run while the rest of the budget allows.
 * Its sample at a larger fraction starts with the smaller one (CLBlast
 * shuffles with a fixed seed), whose kernels PoCL has cached. Its
 * pick becomes a candidate in *found; false when it proposed nothing (the
 * reason in ph->search). st is set only for the caller's own mistakes. */
static bool search(vs_cl_device *d, int k, size_t n, const vs__tune_plan *plan, const vs_tune_opts *opts,
                   double budget, vs_tune_phase *ph, size_t found[VS_XGEMM_NPARAMS], vs_status *st) {
  size_t x, y;
  item_sizes(d, &x, &y);
  uint64_t lmem = local_mem(d);
  size_t space[2] = {0, 0}, nspaces = k == XG ? 2 : 1;
  if (k == XG) {
    space[0] = vs__xgemm_search_space(false, d->max_work_group, x, y, lmem);
    space[1] = vs__xgemm_search_space(true, d->max_work_group, x, y, lmem);
  } else {
    space[0] = vs__xgd_search_space(d->max_work_group, x, y, lmem);
  }
  size_t smallest = nspaces == 2 && space[1] < space[0] ? space[1] : space[0];
  ph->search_space = space[0] + space[1];
  if (!smallest) {
    snprintf(ph->search, sizeof ph->search, "none: CLBlast's search space is empty on this device");
    return false;
  }
  /* floor(space * f) must reach 1 in the smaller space. */
  double least = 1.0000001 / (double)smallest;
  if (least > 1) least = 1;
  /* A caller's smaller fraction is the whole search, even when it samples
   * nothing from the smaller space (CLBlast then returns the other's pick,
   * or none). */
  if (opts && opts->fraction > 0 && opts->fraction < least) least = opts->fraction;
#define SAMPLED(f) vs__sampled(space, f)
  if (n > SEARCH_N) n = SEARCH_N;
  ph->fraction = least;
  ph->searched = SAMPLED(least);
  if (k == XG)
    note(opts,
         "searching: CLBlast's tuner (TuneXgemm) at %zu^3 over %zu + %zu candidates, budget %.0f s; first %zu of "
         "them (fraction %.3g) to time a candidate here; it reports nothing until it is done",
         n, space[0], space[1], budget, ph->searched, least);
  else
    note(opts,
         "searching: CLBlast's tuner (TuneXgemmDirect) at %zu^3 over %zu candidates, budget %.0f s; first %zu of "
         "them (fraction %.3g) to time a candidate here; it reports nothing until it is done",
         n, space[0], budget, ph->searched, least);
  bool ok = tuner_call(d, k, n, least, opts, ph, found, st);
  if (plan && plan->inject_search_s) plan->inject_search_s(plan->user, &ph->search_s);
  if (vs__failed(st)) return false;
  /* Then grown in steps while the budget allows, each at most doubling
   * the sample: a call re-times the candidates sampled before (their
   * kernels cached) and compiles the new ones, and its cost per new
   * candidate sizes the next step (as if each candidate cost that much
   * again: an over-estimate). The first call's candidate may have been
   * compiled by an earlier run (CLBlast samples with a fixed seed), so its
   * cost alone can be far too low (0.4 s against 5-8 s measured on PoCL):
   * doubling bounds the overrun to about one step, and a step is priced
   * at no less than the most a candidate cost any run here (stored_cost),
   * so once one run has paid for its compiles the later ones do not
   * under-price theirs. A step starts only when its estimate fits the
   * budget left (vs__search_next); CLBlast's tuner cannot be stopped once
   * called, so the budget is kept as far as that price predicts the next
   * step's cost, no further. */
  double last_s = ph->search_s;
  size_t last_new = ph->searched;
  double f = 0, estimate = 0;
  size_t more = 0;
  const double floor_per = stored_cost(d, k, n), max_fraction = opts ? opts->fraction : 0;
  double most_per = 0;
  for (;;) {
    /* The last call's cost per candidate (and reference run), and the
     * price of the next step's: never below the stored cost. */
    double per = last_s / (double)(last_new + nspaces), priced = per < floor_per ? floor_per : per;
    if (per > most_per) most_per = per;
    if (!vs__search_next(space, nspaces, ph->searched, ph->fraction, priced * (double)(last_new + nspaces),
                         last_new, ph->search_s, budget, max_fraction, &f, &more, &estimate)) {
      /* Said only when the call's own cost would have started a step. */
      double f2, e2;
      size_t m2;
      if (per < floor_per && vs__search_next(space, nspaces, ph->searched, ph->fraction, last_s, last_new,
                                             ph->search_s, budget, max_fraction, &f2, &m2, &e2))
        note(opts,
             "%s: %zu candidate%s in %.1f s (%.2g s each, below the stored price); no next step: priced at %.3g s "
             "a candidate, the most a run measured here, none fits the %.0f s left",
             tuner_name(k), ph->searched, ph->searched == 1 ? "" : "s", ph->search_s, per, floor_per,
             budget - ph->search_s);
      break;
    }
    note(opts,
         "%s: %zu candidates in %.1f s (%.1f s each%s; its pick so far: %s); now %zu (fraction %.3g), about %.0f s "
         "of the %.0f s left",
         tuner_name(k), ph->searched, ph->search_s, priced,
         per < floor_per ? " as priced: the most a run measured here" : "", ok ? "one" : "none", more, f, estimate,
         budget - ph->search_s);
    size_t again[VS_XGEMM_NPARAMS];
    double t0 = ph->search_s;
    if (tuner_call(d, k, n, f, opts, ph, again, st)) {
      memcpy(found, again, sizeof again);
      ok = true;
    }
    if (plan && plan->inject_search_s) plan->inject_search_s(plan->user, &ph->search_s);
    if (vs__failed(st)) return false;
    last_s = ph->search_s - t0;
    last_new = more - ph->searched;
    ph->fraction = f;
    ph->searched = more;
  }
  /* Only a higher cost is stored (stored_cost says why). */
  if (most_per > floor_per) put_cost(d, k, n, most_per);
#undef SAMPLED
  if (ok && plan && plan->inject_search) plan->inject_search(plan->user, found);
  if (ok) vs__params_text(KERNELS[k], ph->search, sizeof ph->search, found);
  note(opts, "%s took %.1f s in all; its pick: %s%s", tuner_name(k), ph->search_s, ph->search,
       ok ? " (verified next, with the other candidates)" : "");
  return ok;
}

/* The set of kernel k stored by an earlier run, read and validated as at
 * start: false when there is none or it is unusable (why says so, "" for
 * none). *n_at: the size it was verified at. */
static bool load_stored(vs_cl_device *d, int k, size_t v[VS_XGEMM_NPARAMS], size_t *n_at, char *why, size_t cap) {
  char *key = key_of(d), *skey = store_key_of_info(&d->info, k);
  unsigned char *data = NULL;
  size_t n = 0;
  vs_store_result r = key && skey ? vs__store_get(NULL, skey, VS_TUNING_FILE_MAX, &data, &n) : VS_STORE_MISS;
  char reason[160];
  why[0] = '\0';
  if (r == VS_STORE_IRREGULAR) {
    snprintf(why, cap, "not a regular file, or larger than %d bytes", VS_TUNING_FILE_MAX);
  } else if (r == VS_STORE_CORRUPT) {
    snprintf(why, cap, "a torn or altered store entry (its checksum does not match)");
  } else if (r == VS_STORE_HIT) {
    if (!vs__tuning_file_parse_k(KERNELS[k], (const char *)data, n, key, v, n_at, reason, sizeof reason))
      snprintf(why, cap, "%s", reason);
    else if (!KERNELS[k]->check(v, d->max_work_group, local_mem(d), reason, sizeof reason))
      snprintf(why, cap, "invalid parameters for this device: %s", reason);
    else if (k == XGD && *n_at > DIRECT_MAX_N)
      snprintf(why, cap, "size %zu: above %d, where CLBlast runs no XgemmDirect", *n_at, DIRECT_MAX_N);
  }
  free(data);
  free(key);
  free(skey);
  return r == VS_STORE_HIT && !why[0];
}

/* Adds v to the candidates unless it is there already; its index. */
static size_t add_candidate(size_t (*cands)[VS_XGEMM_NPARAMS], size_t *count, const size_t *v) {
  for (size_t c = 0; c < *count; c++)
    if (memcmp(cands[c], v, sizeof cands[c]) == 0) return c;
  if (*count == MAX_CANDIDATES) return VS_NPOS;
  memcpy(cands[*count], v, sizeof cands[0]);
  return (*count)++;
}

/* Whether SGEMM g->n^3 runs CLBlast's kernel k on d (CLBlast runs
 * XgemmDirect below its indirect-size threshold, Xgemm at and above it):
 * under PROBES[k] the SGEMM then fails before anything is enqueued (the
 * work-group exceeds the device's), where the other kernel, untouched,
 * succeeds. Replaces CLBlast's own set of kernel k (measured before). A
 * plan may say the answer instead (plan->path). False with the reason in
 * why when it does not, or when that cannot be told. */
static bool runs_kernel(vs_cl_device *d, int k, const vs__tune_plan *plan, const gemm_bench *g, char *why,
                        size_t cap) {
  size_t n = g->n;
  int path = plan ? plan->path : VS__PATH_PROBE;
  CLBlastStatusCode s = CLBlastSuccess;
  if (path == VS__PATH_PROBE) {
    if (!apply(d, k, PROBES[k])) {
      snprintf(why, cap, "could not tell which kernel SGEMM %zu^3 runs: CLBlast refused the probe set", n);
      return false;
    }
    s = CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeNo, n, n, n, 1.0f, g->da, 0, n,
                     g->db, 0, n, 0.0f, g->dc, 0, n, vs__queue(d), NULL);
    clFinish(*vs__queue(d));
  }
  if (path == VS__PATH_RUNS || (path == VS__PATH_PROBE && (s == CLBlastInvalidLocalThreadsTotal ||
                                                            s == CLBlastInvalidLocalThreadsDim ||
                                                            s == CLBlastInvalidLocalMemUsage)))
    return true;
  if (path == VS__PATH_OTHER || s == CLBlastSuccess)
    snprintf(why, cap,
             k == XGD ? "SGEMM %zu^3 runs CLBlast's Xgemm kernel on this device, not XgemmDirect (the size is at or "
                        "above CLBlast's indirect-size threshold here)"
                      : "SGEMM %zu^3 runs CLBlast's XgemmDirect kernel on this device, not Xgemm (the size is below "
                        "CLBlast's indirect-size threshold here): no Xgemm set is timed or stored there",
             n);
  else
    snprintf(why, cap, "could not tell which kernel SGEMM %zu^3 runs (CLBlast status %d under the probe set)", n,
             (int)s);
  return false;
}

/* One phase of a tuning run: kernel k at SGEMM n^3, its plan (NULL: the
 * real one), the search when `searching`, the built-in list when
 * `builtin`; its outcome in ph. Holds d->tuning_mu (the caller's). */
static void tune_phase(vs_cl_device *d, int k, size_t n, const vs__tune_plan *plan, const vs_tune_opts *opts,
                       bool searching, bool builtin, double budget, vs_tune_phase *ph, vs_status *st) {
  ph->n = n;
  gemm_bench g = {0};
  double *ref = NULL, best_gf = 0;
  size_t best = SIZE_MAX, valid_best = SIZE_MAX;
  char verdict[160] = "";
  if (bench_init(&g, d, n, st) && !(ref = reference(&g))) vs__oom(st);
  if (!vs__failed(st)) {
    ph->gflops_database = measure(&g, ref, plan, -1, verdict, sizeof verdict, st);
    report(opts, k, VS_NPOS, 0, NULL, ph->gflops_database, verdict);
  }
  /* Timing one kernel's sets where CLBlast runs the other would measure
   * noise and store a set never used: the path is verified first (after
   * the bar: the probe replaces CLBlast's own set). */
  if (!vs__failed(st) && !(plan && plan->path))
    note(opts,
         "checking that SGEMM %zu^3 runs %s: under a set no device can launch (128x128 work-items) it must fail, "
         "as CLBlast says on stderr",
         n, KERNELS[k]->name);
  if (!vs__failed(st) && !runs_kernel(d, k, plan, &g, ph->skipped, sizeof ph->skipped)) {
    note(opts, "%s phase skipped: %s", KERNELS[k]->name, ph->skipped);
    apply(d, k, KERNELS[k]->generic); /* CLBlast's own set is gone; its generic one is correct everywhere */
    /* Nothing was measured here, so the stored set (verified where its
     * kernel runs, at its own size) stands for this process as for any
     * other: read again, applied and checked at the next float32 GEMM. */
    arm_stored(d, k);
    bench_free(&g);
    free(ref);
    return;
  }

  /* The candidates: the tuner's pick, the list, and the stored set (when
   * it is none of them). */
  size_t cands[MAX_CANDIDATES][VS_XGEMM_NPARAMS], count = 0, v[VS_XGEMM_NPARAMS], n_at = 0;
  if (searching && !vs__failed(st) && search(d, k, n, plan, opts, budget, ph, v, st))
    ph->search_index = add_candidate(cands, &count, v);
  const size_t(*list)[VS_XGEMM_NPARAMS] = plan && plan->candidates ? plan->candidates
                                          : k == XG                ? CANDIDATES
                                                                   : DIRECT_CANDIDATES;
  size_t n_list = !builtin ? 0 : plan && plan->candidates ? plan->n_candidates : k == XG ? NCAND : NDIRECT;
  for (size_t c = 0; c < n_list; c++) add_candidate(cands, &count, list[c]);
  char why[200];
  if (!vs__failed(st) && load_stored(d, k, v, &n_at, why, sizeof why)) {
    ph->stored_index = add_candidate(cands, &count, v);
    vs__params_text(KERNELS[k], why, sizeof why, v);
    note(opts, "the stored %sset is measured too: %s", which(k), why);
  }

  uint64_t lmem = local_mem(d);
  for (size_t c = 0; c < count && !vs__failed(st); c++) {
    char *out = ph->verdict[c];
    size_t cap = sizeof ph->verdict[c];
    char reason[140];
    ph->candidates = c + 1;
    if (!KERNELS[k]->check(cands[c], d->max_work_group, lmem, reason, sizeof reason)) {
      snprintf(out, cap, "invalid: %s", reason);
    } else if (!apply(d, k, cands[c])) {
      snprintf(out, cap, "invalid: CLBlast refused the parameters");
    } else {
      ph->gflops[c] = measure(&g, ref, plan, (int)c, out, cap, st);
      if (ph->gflops[c] > 0 && (valid_best == SIZE_MAX || ph->gflops[c] > ph->gflops[valid_best])) valid_best = c;
      if (ph->gflops[c] > 0 && strcmp(out, "correct") == 0 && ph->gflops[c] < ph->gflops_database * MARGIN)
        snprintf(out, cap, "correct, not %.0f%% faster than CLBlast's own", (MARGIN - 1) * 100);
      if (ph->gflops[c] >= ph->gflops_database * MARGIN && ph->gflops[c] > best_gf) {
        best = c;
        best_gf = ph->gflops[c];
      }
    }
    report(opts, k, c, count, cands[c], ph->gflops[c], out);
  }
  bench_free(&g);
  free(ref);
  /* The phase ran only where CLBlast runs kernel k (runs_kernel), and the
   * kept set was verified in full there; a later process checks it at the
   * same n (the file records it). An Xgemm set is applied to every SGEMM
   * from CLBlast's threshold up, and one correct at one size can be wrong
   * at another (a real case: one of CLBlast's tuner's GEMMK=1 picks,
   * correct at 512^3, wrong at 1024^3); so a set kept below 1024^3 is
   * checked at 1024^3 too before it is stored. Only there does the second
   * size add something: CLBlast runs Xgemm for every size at or above one
   * where it does (it compares m*n*k with its threshold cubed), so 1024^3
   * runs Xgemm when n^3 does; above 1024 no size is known to, and a check
   * running XgemmDirect would check nothing. An XgemmDirect set is used
   * below its threshold only, mostly far smaller than n: no second size is
   * known to run it either. */
  while (k == XG && best != SIZE_MAX && n < DEFAULT_N && !vs__failed(st)) {
    char at[120] = "";
    check_result r = apply(d, k, cands[best]) ? check_stored(d, DEFAULT_N, at, sizeof at) : CHECK_WRONG;
    if (r == CHECK_OK) break;
    snprintf(ph->verdict[best], sizeof ph->verdict[best], "%s at %d^3: %s",
             r == CHECK_WRONG ? "wrong" : "not checked", DEFAULT_N, at[0] ? at : "CLBlast refused the parameters");
    if (valid_best == best) valid_best = SIZE_MAX;
    best = SIZE_MAX, best_gf = 0;
    for (size_t c = 0; c < count; c++)
      if (strcmp(ph->verdict[c], "correct") == 0 && ph->gflops[c] > best_gf) best = c, best_gf = ph->gflops[c];
    if (valid_best == SIZE_MAX) valid_best = best;
  }
  if (!vs__failed(st)) {
    char *path = path_of(d, k);
    if (best != SIZE_MAX) {
      for (size_t c = 0; c < count; c++)
        if (c != best && strcmp(ph->verdict[c], "correct") == 0)
          snprintf(ph->verdict[c], sizeof ph->verdict[c], "correct, slower than the kept set");
      snprintf(ph->verdict[best], sizeof ph->verdict[best], "kept");
      vs__params_text(KERNELS[k], ph->params, sizeof ph->params, cands[best]);
      ph->gflops_best = best_gf;
      store(d, k, cands[best], n, best_gf, ph->gflops_database, ph);
    } else if (path) {
      if (unlink(path) != 0 && errno != ENOENT)
        vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "cannot remove %s: %s", path, strerror(errno));
      snprintf(ph->stored_at, sizeof ph->stored_at, "%s", path);
    }
    free(path);
  }
  /* This process: the kept set, else the fastest correct one (CLBlast's
   * own cannot be restored once replaced), else CLBlast's generic set. */
  size_t use = best != SIZE_MAX ? best : valid_best;
  /* A set used but not kept (none beat CLBlast's own by 3%) was verified
   * at n only: below 1024^3 it is checked there too, as a kept one is, or
   * this process takes the generic set. */
  if (k == XG && use != SIZE_MAX && use != best && n < DEFAULT_N && !vs__failed(st)) {
    char at[120] = "";
    if (!apply(d, k, cands[use]) || check_stored(d, DEFAULT_N, at, sizeof at) != CHECK_OK) use = SIZE_MAX;
  }
  if (d->clblast[k].overridden) apply(d, k, use != SIZE_MAX ? cands[use] : KERNELS[k]->generic);
  if (best != SIZE_MAX && ph->stored) {
    memcpy(d->clblast[k].v, cands[best], sizeof d->clblast[k].v);
    d->clblast[k].n = n;
  }
  set_in_use(d, k, best != SIZE_MAX && ph->stored);
}

static bool replaced(vs_cl_device *d, int k, vs_status *st) {
  if (!d->clblast[k].overridden) return false;
  vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_OP_ERROR,
           "CLBlast's own %sGEMM parameters for %s were already replaced in this process, so they cannot be "
           "measured; tune in a fresh process",
           k == XG ? "" : "XgemmDirect ", d->info.cl_name);
  return true;
}

/* The identity the sets stored for d give a later process (update_id's
 * rule over the stored sets alone: a stored set is in use from when it is
 * read; none stored, or one a later process would refuse, counts as
 * CLBlast's own). Under d->tuning_mu. */
static uint64_t stored_id(vs_cl_device *d) {
  size_t sets[NKERNELS][VS_ID_WORDS];
  const size_t *v[NKERNELS];
  for (int k = 0; k < NKERNELS; k++) {
    size_t n_at;
    char why[200];
    memset(sets[k], 0, sizeof sets[k]);
    v[k] = load_stored(d, k, sets[k], &n_at, why, sizeof why) ? sets[k] : NULL;
  }
  return id_of(v);
}

uint64_t vs__clblast_stored_sets_id(vs_cl_device *d) { return stored_id(d); }

/* After a run or reset under d->tuning_mu that began with the stored sets
 * of identity before: when the stored sets changed, the choice tables
 * under before (runtime/blas.h) are removed from the store: no later
 * process reads them (best effort: a table that cannot be removed is
 * merely never read). */
static void retire_tables(vs_cl_device *d, uint64_t before) {
  static const char *const TABLES[] = {VS_CLBLAST_TABLE_GEMM, VS_CLBLAST_TABLE_CONV, VS_CLBLAST_TABLE_CONV_GRAD};
  if (stored_id(d) == before) return;
  for (size_t t = 0; t < sizeof TABLES / sizeof *TABLES; t++) {
    char *key = vs__clblast_table_key(d, TABLES[t], before);
    if (key) vs__store_remove(NULL, key);
    free(key);
  }
}

void vs__device_tune_plan(size_t i, const vs__tune_plan *plan, const vs_tune_opts *opts, vs_tune_result *res,
                          vs_status *st) {
  vs__ok(st);
  if (!res) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_device_tune: result must not be NULL");
    return;
  }
  memset(res, 0, sizeof *res);
  res->direct.search_index = res->direct.stored_index = VS_NPOS;
  res->xgemm.search_index = res->xgemm.stored_index = VS_NPOS;
  if (opts && !(opts->fraction >= 0 && opts->fraction <= 1)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_device_tune: fraction must be in [0, 1], got %g",
             opts->fraction);
    return;
  }
  vs_cl_device *d = vs__device(i, st);
  if (!d) return;
  size_t n = plan && plan->n ? plan->n : opts && opts->n ? opts->n : DEFAULT_N;
  res->xgemm.n = n;
  bool searching = plan && plan->candidates ? plan->search : !(opts && opts->no_search);
  /* The XgemmDirect phase: with a plan, only when the plan has one (a
   * test's plan stays fast). */
  const vs__tune_plan *dplan = plan ? plan->direct : NULL;
  bool direct = (!plan || dplan) && !(opts && opts->no_direct);
  size_t dn = dplan && dplan->n ? dplan->n : opts && opts->direct_n ? opts->direct_n : DIRECT_N;
  bool dsearching = dplan && dplan->candidates ? dplan->search : !(opts && opts->no_search);
  /* The searches' size constraints are checked before anything is measured. */
  if (n > VS_TUNE_MAX_N) { /* a stored set's size line holds 4 digits; n*n must not wrap either */
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_device_tune: the size must be at most %d, got %zu",
             VS_TUNE_MAX_N, n);
    return;
  }
  if (searching && n % 128) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_device_tune: CLBlast's tuner needs a size that is a multiple of 128, got %zu", n);
    return;
  }
  if (direct && dn > DIRECT_MAX_N) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_device_tune: the XgemmDirect size must be at most %d (CLBlast runs Xgemm above), got %zu",
             DIRECT_MAX_N, dn);
    return;
  }
  if (direct && dsearching && dn % DIRECT_SEARCH_MULTIPLE) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_device_tune: CLBlast's XgemmDirect tuner needs a size that is a multiple of %d, got %zu",
             DIRECT_SEARCH_MULTIPLE, dn);
    return;
  }

  pthread_mutex_lock(&d->tuning_mu);
  if (replaced(d, XG, st) || (direct && replaced(d, XGD, st))) {
    pthread_mutex_unlock(&d->tuning_mu);
    return;
  }
  uint64_t before = stored_id(d);
  /* The stored sets, read or not, are what is being replaced: never
   * applied in this run (each is measured as a candidate like the others). */
  for (int k = 0; k < NKERNELS; k++)
    if (k == XG || direct) {
      d->clblast[k].state = STATE_DONE;
      set_in_use(d, k, false);
    }

  tune_phase(d, XG, n, plan, opts, searching, !(opts && opts->no_builtin),
                            opts && opts->budget_s > 0 ? opts->budget_s : DEFAULT_BUDGET_S, &res->xgemm, st);
  if (!direct)
    snprintf(res->direct.skipped, sizeof res->direct.skipped, "skipped: %s",
             opts && opts->no_direct ? "no_direct is set" : "the plan has no XgemmDirect phase");
  else if (!vs__failed(st))
    tune_phase(d, XGD, dn, dplan, opts, dsearching, !(opts && opts->no_builtin),
                          opts && opts->direct_budget_s > 0 ? opts->direct_budget_s : DIRECT_BUDGET_S, &res->direct,
                          st);
  retire_tables(d, before);
  pthread_mutex_unlock(&d->tuning_mu);
}

VS_API void vs_device_tune_reset(size_t i, vs_status *st) {
  vs__ok(st);
  vs_cl_device *d = vs__device(i, st);
  if (!d) return;
  pthread_mutex_lock(&d->tuning_mu);
  uint64_t before = stored_id(d);
  for (int k = 0; k < NKERNELS && !vs__failed(st); k++) {
    char *path = path_of(d, k);
    if (path && unlink(path) != 0 && errno != ENOENT)
      vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "cannot remove %s: %s", path, strerror(errno));
    drop_old_version(d, k);
    if (!vs__failed(st) && d->clblast[k].state == STATE_PENDING) { /* not applied yet: this process drops it too */
      d->clblast[k].state = STATE_DONE;
      set_in_use(d, k, false);
    }
    free(path);
  }
  if (!vs__failed(st)) remove_costs(d);
  retire_tables(d, before);
  pthread_mutex_unlock(&d->tuning_mu);
}

/* From the registry's info, without making the device's queue (which
 * reads the stored file): a test writes the file first. */
char *vs__tuning_path_k(size_t i, int kernel, vs_status *st) {
  vs_device_info in;
  vs_device_get_info(i, &in, st);
  if (vs__failed(st)) return NULL;
  char *p = path_of_info(&in, kernel ? XGD : XG);
  if (!p) vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_OP_ERROR, "no writable cache directory");
  return p;
}

char *vs__tuning_path(size_t i, vs_status *st) { return vs__tuning_path_k(i, XG, st); }

char *vs__tuning_store_key_k(size_t i, int kernel, vs_status *st) {
  vs_device_info in;
  vs_device_get_info(i, &in, st);
  if (vs__failed(st)) return NULL;
  char *k = store_key_of_info(&in, kernel ? XGD : XG);
  if (!k) vs__oom(st);
  return k;
}

char *vs__tuning_store_key(size_t i, vs_status *st) { return vs__tuning_store_key_k(i, XG, st); }

char *vs__tuning_key(size_t i, vs_status *st) {
  vs_device_info in;
  vs_device_get_info(i, &in, st);
  if (vs__failed(st)) return NULL;
  char *k = key_of_info(&in);
  if (!k) vs__oom(st);
  return k;
}

void vs__clblast_set_check_hook(void (*inject)(void *user, float *c, size_t n), void *user) {
  pthread_mutex_lock(&hook_lock);
  check_hook = inject;
  check_hook_user = user;
  pthread_mutex_unlock(&hook_lock);
}

bool vs__clblast_tuning_note_k(size_t i, int kernel, char *buf, size_t cap, bool *in_use) {
  vs_status *st = vs_status_new();
  vs_cl_device *d = st ? vs__device(i, st) : NULL;
  vs_status_free(st);
  if (cap) buf[0] = '\0';
  if (in_use) *in_use = false;
  if (!d) return false;
  int k = kernel ? XGD : XG;
  pthread_mutex_lock(&d->tuning_mu);
  if (cap) snprintf(buf, cap, "%s", d->clblast[k].note);
  bool noted = d->clblast[k].note[0] != '\0';
  if (in_use) *in_use = d->clblast[k].in_use;
  pthread_mutex_unlock(&d->tuning_mu);
  return noted;
}

bool vs__clblast_tuning_note(size_t i, char *buf, size_t cap) { return vs__clblast_tuning_note_k(i, XG, buf, cap, NULL); }
