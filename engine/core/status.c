/* status.c - vs_status: TF_Status-style error values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

struct vs_status {
  vs_code code;
  vs_exception exc;
  char *msg;
};

VS_API vs_status *vs_status_new(void) { return calloc(1, sizeof(vs_status)); }

VS_API void vs_status_free(vs_status *st) {
  if (!st) return;
  free(st->msg);
  free(st);
}

VS_API vs_code vs_status_code(const vs_status *st) { return st ? st->code : VS_OK; }

VS_API const char *vs_status_message(const vs_status *st) {
  return st && st->msg ? st->msg : "";
}

VS_API vs_exception vs_status_exception(const vs_status *st) { return st ? st->exc : VS_EXC_NONE; }

VS_API const char *vs_code_name(vs_code code) {
  static const char *const names[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  if ((unsigned)code < sizeof names / sizeof names[0]) return names[code];
  return "UNKNOWN";
}

/* tf.errors class names, indexed by code. */
static const char *op_error_name(vs_code code) {
  static const char *const names[] = {
      "", "CancelledError", "UnknownError", "InvalidArgumentError", "DeadlineExceededError",
      "NotFoundError", "AlreadyExistsError", "PermissionDeniedError", "ResourceExhaustedError",
      "FailedPreconditionError", "AbortedError", "OutOfRangeError", "UnimplementedError",
      "InternalError", "UnavailableError", "DataLossError", "UnauthenticatedError"};
  if ((unsigned)code < sizeof names / sizeof names[0]) return names[code];
  return "UnknownError";
}

VS_API const char *vs_status_exception_name(const vs_status *st) {
  if (!st || st->code == VS_OK) return "";
  switch (st->exc) {
    case VS_EXC_VALUE_ERROR: return "ValueError";
    case VS_EXC_TYPE_ERROR: return "TypeError";
    case VS_EXC_RUNTIME_ERROR: return "RuntimeError";
    case VS_EXC_LOOKUP_ERROR: return "LookupError";
    case VS_EXC_OP_ERROR:
    case VS_EXC_NONE: break;
  }
  return op_error_name(st->code);
}

static void set_msg(vs_status *st, vs_code code, vs_exception exc, char *msg) {
  free(st->msg);
  st->code = code;
  st->exc = code == VS_OK ? VS_EXC_NONE : exc;
  /* Out of memory while formatting: keep the code, use a static-free text. */
  st->msg = msg;
}

VS_API void vs_status_set(vs_status *st, vs_code code, const char *message) {
  if (!st) return;
  set_msg(st, code, VS_EXC_OP_ERROR, code == VS_OK ? NULL : vs__strdup(message ? message : ""));
}

void vs__ok(vs_status *st) {
  if (st && st->code != VS_OK) set_msg(st, VS_OK, VS_EXC_NONE, NULL);
}

void vs__fail(vs_status *st, vs_code code, vs_exception exc, const char *fmt, ...) {
  if (!st) return;
  va_list ap;
  va_start(ap, fmt);
  char *msg = vs__vasprintf(fmt, ap);
  va_end(ap);
  set_msg(st, code, exc, msg);
}

bool vs__failed(const vs_status *st) { return st && st->code != VS_OK; }

void vs__oom(vs_status *st) {
  vs__fail(st, VS_RESOURCE_EXHAUSTED, VS_EXC_OP_ERROR, "Out of memory");
}

void vs__status_copy(vs_status *dst, const vs_status *src) {
  if (!dst || dst == src) return;
  if (!src || src->code == VS_OK) {
    vs__ok(dst);
    return;
  }
  set_msg(dst, src->code, src->exc, vs__strdup(src->msg ? src->msg : ""));
}
