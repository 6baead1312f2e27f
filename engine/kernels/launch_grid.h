/* launch_grid.h - launches within a device's limit on work-groups per
 * dimension (vs_cl_device.max_groups: CUDA's grid, 2^31-1 x 65535 x
 * 65535 blocks on an NVIDIA GPU). A launch past it is cut into several
 * launches, each within it, by global offsets, where the kernel allows
 * that along the dimension; refused with a clear status where it does
 * not. PoCL has no such limit, so tests pretend one. */
#ifndef VS_LAUNCH_GRID_H
#define VS_LAUNCH_GRID_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/runtime_internal.h"

/* Which dimensions of a launch may be cut by global_work_offset: bit i
 * for dimension i. Only a kernel that reads its coordinates along i as
 * get_global_id(i) (never get_group_id, get_global_size or get_num_groups
 * there) computes the same under a cut launch as under the whole one.
 * Every kernel of cl_kernels/ but three is such along all its dimensions
 * (test_workgroups.c checks the sources): conv_igemm.cl, conv_igemm_tf32.cl
 * and gemm_mma.cl place their tiles by get_group_id. */
#define VS_CUT_NONE 0u
#define VS_CUT_DIM(i) (1u << (i))
#define VS_CUT_ALL 7u

/* d's limit on work-groups along each dimension into caps (SIZE_MAX where
 * none is known): a test's pretence for d when set, else d->max_groups. */
void vs__grid_caps(const vs_cl_device *d, size_t caps[3]);
/* Tests only: device dev (index below 64) takes at most caps[i] groups
 * along dimension i in one launch (0: no limit), as a CUDA device takes
 * 65535 along 1 and 2; NULL restores the device's own. Atomic: thread
 * safe, seen by launches that start after it returns. */
void vs__grid_caps_pretend(size_t dev, const size_t *caps);
/* Tests only: launches cut into more than one, this process (one atomic
 * count over every device and thread). */
uint64_t vs__grid_cuts(void);
/* Tests only: the most work-groups along each dimension that a piece of
 * a cut launch had since the last call, into widest (then zeroed). One
 * process-wide maximum over every device and thread (atomic): a test
 * reading it must be the only one cutting launches meanwhile. */
void vs__grid_widest(size_t widest[3]);
/* Enqueues k (its arguments set) over global in groups of local (NULL:
 * the driver's choice, counted as groups of one item) on d's queue: as
 * one launch when every dimension is within d's caps, else as the fewest
 * launches within them, each a contiguous block of whole groups at its
 * global offset, along the dimensions in `cut`. A dimension over its cap
 * and not in `cut` is refused (UNIMPLEMENTED, "<what>: N work-groups along
 * dimension i exceed the M that <device> runs in one launch; this kernel
 * cannot be cut there") before anything is enqueued. */
bool vs__grid_enqueue(vs_cl_device *d, cl_kernel k, cl_uint dims, const size_t *global, const size_t *local,
                      unsigned cut, const char *what, vs_status *st);

#endif
