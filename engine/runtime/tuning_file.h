/* tuning_file.h - CLBlast Xgemm parameter sets: their constraints, and the
 * tuning file that stores one per device.
 *
 * Pure functions over memory (no OpenCL, no files), so the reader can be
 * fuzzed on its own (fuzz/fuzz_tuning_file.c). A tuning file is text:
 *
 *   varscope clblast-xgemm 2
 *   key <device name>|<driver version>|<platform name>
 *   params GEMMK=0 KREG=1 KWG=32 ... VWN=2        (all 16, in this order)
 *   measured <GFLOP/s> database <GFLOP/s>         (SGEMM 1024^3, informative)
 *   checksum <16 hex digits: FNV-1a 64 of every byte before this line>
 *
 * and is trusted only when every line parses, the key is this device's,
 * the checksum matches and the set meets CLBlast's constraints. */
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

/* The tuning file's text for key and set (snprintf convention). */
size_t vs__tuning_file_format(char *buf, size_t cap, const char *key, const size_t v[VS_XGEMM_NPARAMS],
                              double gflops, double gflops_database);

/* Parses and validates a tuning file read whole into data[0..n) (need not
 * be NUL-terminated) for key; fills v. False with the reason in why. Never
 * reads outside data. Device limits are not checked here. */
bool vs__tuning_file_parse(const char *data, size_t n, const char *key, size_t v[VS_XGEMM_NPARAMS], char *why,
                           size_t cap);

#endif
