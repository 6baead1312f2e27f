/* varscope/status.h - error reporting in the style of TensorFlow's TF_Status.
 *
 * Every fallible call takes a vs_status * as its last argument. On entry the
 * call resets it to VS_OK; on failure it holds a code numbered as TF_Code, a
 * message in TensorFlow 1.15 / 2.x compat.v1 wording, and the name of the
 * Python exception TensorFlow raises for the same condition (so a conformance
 * harness can compare error classes, not just codes).
 *
 * A NULL vs_status * is accepted everywhere and means "I do not care": the
 * call still fails cleanly (returns NULL / 0 / false) but nothing is recorded.
 *
 * Thread safety: a vs_status must not be shared between threads at once.
 */
#ifndef VARSCOPE_STATUS_H
#define VARSCOPE_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Numbered exactly as TF_Code (tensorflow/c/tf_status.h). */
typedef enum vs_code {
  VS_OK = 0,
  VS_CANCELLED = 1,
  VS_UNKNOWN = 2,
  VS_INVALID_ARGUMENT = 3,
  VS_DEADLINE_EXCEEDED = 4,
  VS_NOT_FOUND = 5,
  VS_ALREADY_EXISTS = 6,
  VS_PERMISSION_DENIED = 7,
  VS_RESOURCE_EXHAUSTED = 8,
  VS_FAILED_PRECONDITION = 9,
  VS_ABORTED = 10,
  VS_OUT_OF_RANGE = 11,
  VS_UNIMPLEMENTED = 12,
  VS_INTERNAL = 13,
  VS_UNAVAILABLE = 14,
  VS_DATA_LOSS = 15,
  VS_UNAUTHENTICATED = 16
} vs_code;

/* The Python exception TensorFlow raises for the same failure. Graph-building
 * errors are ValueError/TypeError/RuntimeError; run-time errors are the
 * tf.errors.OpError subclass of the code (VS_EXC_OP_ERROR). */
typedef enum vs_exception {
  VS_EXC_NONE = 0,
  VS_EXC_VALUE_ERROR,
  VS_EXC_TYPE_ERROR,
  VS_EXC_RUNTIME_ERROR,
  VS_EXC_OP_ERROR,
  VS_EXC_LOOKUP_ERROR  /* tf.gradients through an op with no gradient (Python's LookupError) */
} vs_exception;

typedef struct vs_status vs_status;

/* Returns a new status set to VS_OK, or NULL when out of memory.
 * Ownership: the caller frees it with vs_status_free. */
vs_status *vs_status_new(void);

/* Frees a status; NULL is a no-op. */
void vs_status_free(vs_status *st);

/* The code; VS_OK for a NULL status. */
vs_code vs_status_code(const vs_status *st);

/* The message ("" when OK). Borrowed: valid until the status is next written or freed. */
const char *vs_status_message(const vs_status *st);

/* The exception class TensorFlow raises for this failure. */
vs_exception vs_status_exception(const vs_status *st);

/* The Python name of the exception: "ValueError", "TypeError",
 * "RuntimeError", or for op errors the tf.errors class of the code
 * ("FailedPreconditionError", "InvalidArgumentError", ...). "" when OK.
 * Returns a static string. */
const char *vs_status_exception_name(const vs_status *st);

/* The canonical upper-case name of a code ("INVALID_ARGUMENT"). Static string. */
const char *vs_code_name(vs_code code);

/* Sets a status from the caller's side (used by custom getters and device
 * functions to report their own failures). The message is copied. A code of
 * VS_OK clears the status. */
void vs_status_set(vs_status *st, vs_code code, const char *message);

#ifdef __cplusplus
}
#endif
#endif
