/* clblast_tuner.h - the C face of clblast_tuner.cc, the project's one C++
 * translation unit: CLBlast's own tuner (clblast::TuneXgemm and
 * clblast::TuneXgemmDirect of CLBlast's C++ API; its C API has none) run
 * on a command queue, with C types only. No exception crosses it: each is
 * caught there and becomes a code and a message. clblast_tuning.c turns
 * the result into a vs_status and puts the set it finds through its own
 * checks before anything is kept. CLBlast 1.5.3 has no tuner API for
 * convgemm (no TuneXconvgemm), so none is offered here. Not installed. */
#ifndef VS_CLBLAST_TUNER_H
#define VS_CLBLAST_TUNER_H

#include <stddef.h>

#include <CL/cl.h>

#include "varscope/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vs__tuner_kernel {
  VS_TUNER_XGEMM,       /* CLBlast's "Xgemm" kernel (its large-size GEMM path) */
  VS_TUNER_XGEMM_DIRECT /* "XgemmDirect" (the path CLBlast takes below a size threshold) */
} vs__tuner_kernel;

#define VS_TUNER_MAX_PARAMS 24
typedef struct vs__tuner_param {
  char name[16];
  size_t value;
} vs__tuner_param;

typedef struct vs__tuner_out {
  size_t count;                                /* parameters found (CLBlast's names) */
  vs__tuner_param params[VS_TUNER_MAX_PARAMS]; /* sorted by name */
  int clblast_status;                          /* CLBlast's StatusCode of the call (0: success) */
  char message[256];                           /* why it failed; "" on success */
} vs__tuner_out;

/* Runs CLBlast's float32 tuner for kernel on *queue for an m x n x k GEMM,
 * timing a random sample of `fraction` (0 < fraction <= 1) of its search
 * space (the same sample every run: CLBlast shuffles with a fixed seed).
 * Blocks until done: CLBlast reports nothing while it searches. Returns
 * VS_OK with the best set in *out, or: INVALID_ARGUMENT (NULL queue or
 * out, a zero size, a fraction outside (0, 1], for Xgemm m or n not a
 * multiple of 128, which CLBlast 1.5.3's Xgemm tuner requires),
 * RESOURCE_EXHAUSTED (out of host or device memory), NOT_FOUND (no
 * candidate in the sample compiled, ran and matched CLBlast's reference)
 * or INTERNAL (anything else CLBlast reported or threw), with the reason in
 * out->message. Thread safe as far as CLBlast is; the caller serialises
 * work on the queue. */
vs_code vs__clblast_tuner_run(cl_command_queue *queue, vs__tuner_kernel kernel, size_t m, size_t n, size_t k,
                              double fraction, vs__tuner_out *out);

/* Test hook: makes the next calls throw inside the guarded region before
 * CLBlast is called (1: std::runtime_error, 2: std::bad_alloc, 3: an int;
 * 0: off), to show that each is caught and reported. */
void vs__clblast_tuner_inject_throw(int kind);

#ifdef __cplusplus
}
#endif

#endif
