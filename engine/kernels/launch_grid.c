/* launch_grid.c - launches within a device's limit on work-groups per
 * dimension (launch_grid.h). */
#include <stdatomic.h>
#include <stdint.h>

#include "kernels/launch_grid.h"
#include "kernels/kernels_internal.h"

/* Tests' pretended caps per device index (0: none), and whether set. */
static _Atomic size_t pretend_caps[64][3];
static _Atomic uint64_t pretend_set;
static _Atomic uint64_t cuts;
static _Atomic size_t widest_piece[3];

void vs__grid_caps_pretend(size_t dev, const size_t *caps) {
  if (dev >= 64) return;
  for (int i = 0; i < 3; i++) atomic_store(&pretend_caps[dev][i], caps ? caps[i] : 0);
  if (caps) atomic_fetch_or(&pretend_set, (uint64_t)1 << dev);
  else atomic_fetch_and(&pretend_set, ~((uint64_t)1 << dev));
}

uint64_t vs__grid_cuts(void) { return atomic_load_explicit(&cuts, memory_order_relaxed); }

void vs__grid_widest(size_t widest[3]) {
  for (int i = 0; i < 3; i++) widest[i] = atomic_exchange(&widest_piece[i], 0);
}

/* Raises the widest piece's groups along each dimension to groups. */
static void note_piece(const size_t groups[3]) {
  for (int i = 0; i < 3; i++) {
    size_t w = atomic_load(&widest_piece[i]);
    while (groups[i] > w && !atomic_compare_exchange_weak(&widest_piece[i], &w, groups[i])) {
    }
  }
}

void vs__grid_caps(const vs_cl_device *d, size_t caps[3]) {
  bool pretended = d->index < 64 && (atomic_load(&pretend_set) >> d->index) & 1;
  for (int i = 0; i < 3; i++) {
    size_t c = pretended ? atomic_load(&pretend_caps[d->index][i]) : d->max_groups[i];
    caps[i] = c ? c : SIZE_MAX;
  }
}

bool vs__grid_enqueue(vs_cl_device *d, cl_kernel k, cl_uint dims, const size_t *global, const size_t *local,
                      unsigned cut, const char *what, vs_status *st) {
  size_t caps[3], step[3] = {1, 1, 1}, whole[3] = {1, 1, 1};
  vs__grid_caps(d, caps);
  bool one = true;
  for (cl_uint i = 0; i < dims && i < 3; i++) {
    size_t l = local && local[i] ? local[i] : 1, groups = (global[i] + l - 1) / l;
    whole[i] = global[i];
    step[i] = global[i];
    if (groups <= caps[i]) continue;
    if (!(cut & VS_CUT_DIM(i))) {
      vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR,
               "%s: %zu work-groups along dimension %u exceed the %zu that %s runs in one launch; this kernel cannot "
               "be cut there",
               what, groups, (unsigned)i, caps[i], d->info.cl_name);
      return false;
    }
    step[i] = caps[i] * l; /* whole groups: every cut but the last is a multiple of l, so the last is too */
    one = false;
  }
  cl_command_queue q = *vs__queue(d);
  cl_int err = CL_SUCCESS;
  if (one) {
    err = clEnqueueNDRangeKernel(q, k, dims, NULL, global, local, 0, NULL, NULL);
  } else {
    atomic_fetch_add_explicit(&cuts, 1, memory_order_relaxed);
    /* In-order queue: the pieces run one after another, as the whole
     * launch's groups could have. */
    size_t off[3] = {0, 0, 0}, size[3];
    for (off[2] = 0; off[2] < whole[2] && err == CL_SUCCESS; off[2] += step[2])
      for (off[1] = 0; off[1] < whole[1] && err == CL_SUCCESS; off[1] += step[1])
        for (off[0] = 0; off[0] < whole[0] && err == CL_SUCCESS; off[0] += step[0]) {
          size_t groups[3];
          for (int i = 0; i < 3; i++) {
            size[i] = whole[i] - off[i] < step[i] ? whole[i] - off[i] : step[i];
            size_t l = i < (int)dims && local && local[i] ? local[i] : 1;
            groups[i] = (size[i] + l - 1) / l;
          }
          note_piece(groups);
          err = clEnqueueNDRangeKernel(q, k, dims, off, size, local, 0, NULL, NULL);
        }
  }
  if (err != CL_SUCCESS) vs__cl_fail(st, err, what);
  return err == CL_SUCCESS;
}
