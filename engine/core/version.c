/* version.c - the library version string. */
#include "core/core.h"
#include "varscope/version.h"

#define VS_STR2(x) #x
#define VS_STR(x) VS_STR2(x)

VS_API const char *vs_version(void) {
  return VS_STR(VS_VERSION_MAJOR) "." VS_STR(VS_VERSION_MINOR) "." VS_STR(VS_VERSION_PATCH);
}
