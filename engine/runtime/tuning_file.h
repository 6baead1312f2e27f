/* tuning_file.h - CLBlast GEMM parameter sets (its Xgemm kernel's and its
 * XgemmDirect kernel's): their constraints, and the tuning file that stores
 * one per device and kernel.
 *
 * Pure functions over memory (no OpenCL, no files), so the reader can be
 * fuzzed on its own (fuzz/fuzz_tuning_file.c). A tuning file is text:
 *
 *   varscope clblast-xgemm 3
 *   key <device name>|<driver version>|<platform name>
 *   params GEMMK=0 KREG=1 KWG=32 ... VWN=2        (all 16, in this order)
 *   size <N>
 *   measured <GFLOP/s> database <GFLOP/s>         (at SGEMM N^3, informative)
 *   checksum <16 hex digits: FNV-1a 64 of every byte before this line>
 *
 * and is trusted only when every line parses, the key is this device's,
 * the checksum matches and the set meets CLBlast's constraints. N is the
 * SGEMM N^3 the set was verified at in full, a size at which CLBlast was
 * seen to run Xgemm on this device (it runs XgemmDirect below its
 * indirect-size threshold), where a later process checks it. A version-2
 * file (no size line) is refused: see vs__clblast_kernel.old_magic. An
 * XgemmDirect set's file is the same but for its first line ("varscope
 * clblast-xgemmdirect 1") and its 10 parameters; its N is a size at which
 * CLBlast runs XgemmDirect. */
#ifndef VS_TUNING_FILE_H
#define VS_TUNING_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VS_XGEMM_NPARAMS 16
/* CLBlast 1.5.3's Xgemm parameter names, in its database's order. */
extern const char *const vs__xgemm_names[VS_XGEMM_NPARAMS];
/* CLBlast's generic Xgemm set (its database's kDeviceTypeAll default). */
extern const size_t vs__xgemm_generic[VS_XGEMM_NPARAMS];

/* CLBlast 1.5.3's XgemmDirect parameter names, in its database's order. */
#define VS_XGD_NPARAMS 10
extern const char *const vs__xgd_names[VS_XGD_NPARAMS];
/* CLBlast's generic XgemmDirect set (its database's kDeviceTypeAll default). */
extern const size_t vs__xgd_generic[VS_XGD_NPARAMS];

/* One of CLBlast's GEMM kernels as the tuner and the tuning file see it.
 * Sets are arrays of VS_XGEMM_NPARAMS (the larger count) whose entries past
 * nparams are 0, so that sets compare with memcmp. */
typedef struct vs__clblast_kernel {
  const char *name;          /* CLBlast's kernel name, for CLBlastOverrideParameters */
  size_t nparams;            /* at most VS_XGEMM_NPARAMS */
  const char *const *names;  /* its parameters, in CLBlast's database order */
  const size_t *generic;     /* CLBlast's generic set: correct on every device */
  const char *magic;         /* the tuning file's first line, '\n' included */
  /* An earlier version's first line, refused with its own reason (NULL:
   * none). Xgemm's version 2 had no size line: its set was checked at
   * 1024^3 before it was stored, but no probe said which kernel ran there
   * (on NVIDIA GPUs, whose threshold is 1472^3 and up, XgemmDirect), so a
   * check at 1024^3 may verify nothing about it; refused, it costs one
   * tuning run, where read as 1024 it could be applied unverified. */
  const char *old_magic;
  bool sized;                /* the file holds the size the set was verified at (a "size" line) */
  /* CLBlast's constraints on a set (device limits when non-zero). */
  bool (*check)(const size_t *v, size_t max_work_group, uint64_t local_mem_bytes, char *why, size_t cap);
} vs__clblast_kernel;
extern const vs__clblast_kernel vs__kernel_xgemm, vs__kernel_xgemm_direct;

/* The largest tuning file read. */
#define VS_TUNING_FILE_MAX 4096

/* Checks a set against the constraints of CLBlast's Xgemm kernels
 * (src/tuning/kernels/xgemm.hpp, src/kernels/level3/xgemm_part1.opencl):
 * value ranges, tile sizes divisible by threads x vector width, integer
 * KDIMA/KDIMB re-shapes, KWG a multiple of KWI; and, when max_work_group
 * or local_mem_bytes is non-zero, the device's work-group size and local
 * memory. False with the first broken constraint in why ("MWG=0: ..."). */
bool vs__xgemm_check(const size_t v[VS_XGEMM_NPARAMS], size_t max_work_group, uint64_t local_mem_bytes,
                     char *why, size_t cap);

/* Checks an XgemmDirect set against the constraints of CLBlast's kernel
 * (src/tuning/kernels/xgemm_direct.hpp, src/kernels/level3/
 * xgemm_direct_part1.opencl): value ranges, WGD a multiple of KWID, of
 * MDIMCD*VWMD, NDIMCD*VWND, MDIMAD*VWMD and NDIMBD*VWND, integer
 * KDIMAD = MDIMCD*NDIMCD/MDIMAD and KDIMBD (likewise) dividing WGD; and,
 * when non-zero, the device's work-group size and local memory. */
bool vs__xgd_check(const size_t v[VS_XGD_NPARAMS], size_t max_work_group, uint64_t local_mem_bytes, char *why,
                   size_t cap);

/* How many XgemmDirect sets clblast::TuneXgemmDirect (its "V=2" space, the
 * only one that API searches) chooses its sample from on a device with
 * these limits (0: unlimited), as vs__xgemm_search_space does for Xgemm. */
size_t vs__xgd_search_space(size_t max_work_group, size_t max_item0, size_t max_item1, uint64_t local_mem_bytes);

/* How many Xgemm sets CLBlast 1.5.3's tuner (clblast::TuneXgemm) chooses
 * its sample from on a device with these limits: kernel 1 false, its
 * kernel-0 space (the values of "V=2" in src/tuning/kernels/xgemm.hpp),
 * true its kernel-1 space ("V=12"); the sets meeting CLBlast's constraints
 * (vs__xgemm_check), a work-group shape within max_item0 x max_item1 and
 * max_work_group, and local memory within local_mem_bytes. Its sample is
 * floor(space * fraction) of each, so the caller can size the fraction to
 * a time budget. */
size_t vs__xgemm_search_space(bool kernel1, size_t max_work_group, size_t max_item0, size_t max_item1,
                              uint64_t local_mem_bytes);

/* "GEMMK=0 KREG=1 ..." into buf (snprintf convention). */
size_t vs__xgemm_text(char *buf, size_t cap, const size_t v[VS_XGEMM_NPARAMS]);
/* The same for a set of kernel k ("KWID=2 MDIMAD=8 ..." for XgemmDirect). */
size_t vs__params_text(const vs__clblast_kernel *k, char *buf, size_t cap, const size_t *v);

/* The Xgemm tuning file's text for key and set, verified at n_at^3
 * (snprintf convention). */
size_t vs__tuning_file_format(char *buf, size_t cap, const char *key, const size_t v[VS_XGEMM_NPARAMS],
                              size_t n_at, double gflops, double gflops_database);

/* Parses and validates a tuning file read whole into data[0..n) (need not
 * be NUL-terminated) for key; fills v. False with the reason in why. Never
 * reads outside data. Device limits are not checked here. */
bool vs__tuning_file_parse(const char *data, size_t n, const char *key, size_t v[VS_XGEMM_NPARAMS], char *why,
                           size_t cap);

/* The tuning file of kernel k: format (n_at, the size the set was verified
 * at, is written when k->sized: both kernels now) and parse (v gets k->nparams entries, the
 * rest of VS_XGEMM_NPARAMS zeroed; *n_at the size, or 0 when k is not
 * sized). The Xgemm forms above are these with &vs__kernel_xgemm. */
size_t vs__tuning_file_format_k(const vs__clblast_kernel *k, char *buf, size_t cap, const char *key, const size_t *v,
                                size_t n_at, double gflops, double gflops_database);
bool vs__tuning_file_parse_k(const vs__clblast_kernel *k, const char *data, size_t n, const char *key,
                             size_t v[VS_XGEMM_NPARAMS], size_t *n_at, char *why, size_t cap);

#endif
