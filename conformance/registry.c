/* conformance/registry.c - the suites and their case tables, in the order
 * `varscope conform` and the coverage table list them. */
#include "harness.h"

#define SUITES(X)                                                                        \
  X(name_scope) X(variable_scope) X(get_variable) X(reuse) X(errors) X(variable_naming)  \
  X(collections) X(initializers) X(initialization) X(assignment) X(placement)            \
  X(replica_device_setter) X(sharing) X(numerics) X(limits) X(variable_api) X(training) X(resource)

#define DECLARE(s) extern const vsc_case vsc_cases_##s[];
SUITES(DECLARE)
#undef DECLARE

const char *const vsc_suite_names[] = {
#define NAME(s) #s,
    SUITES(NAME)
#undef NAME
    NULL};

const vsc_case *const *vsc_all_cases(size_t *n) {
  enum { CAP = 1024 };
  static const vsc_case *all[CAP];
  static size_t count;
  if (count == 0) {
    const vsc_case *lists[] = {
#define LIST(s) vsc_cases_##s,
        SUITES(LIST)
#undef LIST
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
      for (const vsc_case *c = lists[i]; c->name && count < CAP; c++) all[count++] = c;
  }
  *n = count;
  return all;
}
