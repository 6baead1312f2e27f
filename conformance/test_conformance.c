/* conformance/test_conformance.c - every registered conformance case as a
 * Criterion test (one parameterised test per case), on the default OpenCL
 * device. The device kind's expected-failure list (conformance/xfail/
 * <kind>.txt) applies as in `varscope conform`: a listed case must fail (its
 * test then passes), an unexpected pass fails the test. A case skipped for
 * want of a device passes with a warning. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <criterion/parameterized.h>
#include <stdio.h>

#include "harness.h"

ParameterizedTestParameters(conformance, cases) {
  size_t n;
  vsc_all_cases(&n);
  size_t *idx = cr_malloc(n * sizeof *idx);
  for (size_t i = 0; i < n; i++) idx[i] = i;
  return cr_make_param_array(size_t, idx, n);
}

ParameterizedTest(size_t *i, conformance, cases) {
  size_t n;
  const vsc_case *const *all = vsc_all_cases(&n);
  cr_assert_lt(*i, n);
  const vsc_case *c = all[*i];
  char kind[32], path[1024], err[512], msg[1024];
  vsc_device_kind(NULL, kind, sizeof kind);
  snprintf(path, sizeof path, "%s/%s.txt", vsc_xfail_dir(), kind);
  vsc_xfail x;
  cr_assert(vsc_xfail_load(&x, path, err, sizeof err), "%s", err);
  const char *why = vsc_xfail_reason(&x, c->name);
  vsc_result r = vsc_run_case(c, NULL, msg, sizeof msg);
  if (r == VSC_SKIP) {
    cr_log_warn("%s/%s skipped: %s", c->suite, c->name, msg);
  } else if (why) {
    if (r == VSC_PASS) {
      vsc_xfail_free(&x);
      cr_assert(0, "%s/%s passed but is listed as an expected failure on %s", c->suite, c->name, kind);
    }
    cr_log_info("%s/%s failed as expected on %s (%s): %s", c->suite, c->name, kind, why, msg);
  } else if (r == VSC_FAIL) {
    vsc_xfail_free(&x);
    cr_assert(0, "%s/%s [%s]: %s", c->suite, c->name, c->rules, msg);
  }
  vsc_xfail_free(&x);
}
