/* device_env.h - the device registry's environment settings, parsed by pure
 * functions (no OpenCL, no globals) so that tests and the libFuzzer target
 * fuzz/fuzz_devices_env.c call them directly.
 *
 *   VARSCOPE_DEVICES      "GPU:0=CL:0,GPU:1=CL:1": device names a graph asks
 *                         for, mapped onto other devices.
 *   VARSCOPE_MEMORY_LIMIT "64M": a cap on the bytes varscope allocates per
 *                         device.
 *   VARSCOPE_SCRIBBLE     "1": every device buffer varscope hands out is
 *                         first filled with 0xFF bytes (NaN floats), so a
 *                         kernel that reads what nothing wrote shows; a
 *                         debugging aid, as glibc's MALLOC_PERTURB_ is.
 *
 * All three are read once, when the registry is built (registry.c); a malformed
 * value makes every registry call fail with INVALID_ARGUMENT and the text
 * these functions write, instead of being ignored or half-applied.
 *
 * The registry also decides, by vs__pocl_affinity_rule, whether to set
 * POCL_AFFINITY=1 for PoCL's own start (see there). */
#ifndef VS_RUNTIME_DEVICE_ENV_H
#define VS_RUNTIME_DEVICE_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VS_DEVICE_ALIASES_MAX 32
#define VS_DEVICE_INDEX_MAX 65535 /* far above any machine's device count */

typedef struct vs_device_alias_spec {
  char from_type[16]; /* upper-cased letters, e.g. "GPU" */
  long from_index;
  char to_type[16];
  long to_index;
} vs_device_alias_spec;

/* Parses a VARSCOPE_DEVICES value: one or more TYPE:N=TYPE:M mappings
 * separated by commas, spaces allowed around each mapping; TYPE is 1-15
 * ASCII letters (case-insensitive), N and M decimal digits in
 * 0..VS_DEVICE_INDEX_MAX. Refused: an empty mapping (",,", a trailing
 * comma, an all-blank value), anything after M ("CL:0junk"), signs, an
 * index out of range (never saturated), more than VS_DEVICE_ALIASES_MAX
 * mappings, and the same name mapped twice. The whole string is read, however
 * long. On success fills out[0..*n) (out holds VS_DEVICE_ALIASES_MAX entries)
 * and returns true; on failure returns false with a message starting
 * "VARSCOPE_DEVICES: " in err (err_cap > 0; always NUL-terminated), and
 * *n is 0. spec NULL is an error. Thread safety: pure function. */
bool vs__parse_device_aliases(const char *spec, vs_device_alias_spec *out, size_t *n, char *err,
                              size_t err_cap);

/* Parses a VARSCOPE_MEMORY_LIMIT value: decimal digits with an optional
 * binary suffix K, M or G (case-insensitive; 1024, 1024^2, 1024^3), spaces
 * allowed around it; positive and below 2^64. On success sets *bytes and
 * returns true; otherwise false with a message starting
 * "VARSCOPE_MEMORY_LIMIT: " in err. Thread safety: pure function. */
bool vs__parse_memory_limit(const char *spec, uint64_t *bytes, char *err, size_t err_cap);

/* Parses a VARSCOPE_SCRIBBLE value: "1" (on) or "0" (off), spaces allowed
 * around it. On success sets *on and returns true; otherwise false with a
 * message starting "VARSCOPE_SCRIBBLE: " in err. Thread safety: pure
 * function. */
bool vs__parse_scribble(const char *spec, bool *on, char *err, size_t err_cap);

/* Whether the registry sets POCL_AFFINITY=1 around its first OpenCL calls,
 * so that PoCL's CPU device pins its worker thread i to CPU i. Why: PoCL 3.1
 * wakes its sleeping workers for each kernel, and the kernel's scheduler
 * often queues the second worker on the first one's CPU; a 1-3 ms kernel
 * then ends on one core (docs/conv-performance.md, "Session 10: the parked
 * worker": on 2 CPUs, pinned workers took 0.65 ms against 1.2 for the
 * conv of conv_bench case 7 run after a pause). Only PoCL reads the variable.
 *
 * Set only when nothing speaks against it:
 *   POCL_AFFINITY set to anything (even "" or "0"): the user's choice,
 *     left alone; POCL_AFFINITY=0 is the opt-out;
 *   POCL_MAX_PTHREAD_COUNT or POCL_PTHREAD_MIN_THREADS set: PoCL might start
 *     more workers than CPUs, and it aborts the process when it cannot pin
 *     one;
 *   every_cpu false (the calling thread may not run on every online CPU,
 *     numbered 0..n-1: taskset, a cpuset): pinning would move workers out
 *     of the user's CPU set, or onto a CPU PoCL may not use (an abort).
 * Pure function: the caller passes the three variables' values (NULL:
 * unset) and the affinity fact. */
typedef enum vs_pocl_affinity {
  VS_POCL_AFFINITY_SET,        /* set POCL_AFFINITY=1 for PoCL's start */
  VS_POCL_AFFINITY_USER,       /* POCL_AFFINITY is the user's */
  VS_POCL_AFFINITY_THREADS,    /* a PoCL thread-count variable is set */
  VS_POCL_AFFINITY_RESTRICTED, /* the process is limited to some CPUs */
} vs_pocl_affinity;

vs_pocl_affinity vs__pocl_affinity_rule(const char *pocl_affinity, const char *max_threads,
                                        const char *min_threads, bool every_cpu);

#endif
