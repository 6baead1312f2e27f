/* tools/conform_cmd.c - `varscope conform`: runs the conformance cases.
 *
 *   varscope conform [--device D] [--filter GLOB] [--json FILE] [--xfail FILE] [--list]
 *
 * One line per case: "PASS suite/name", "FAIL suite/name: reason" or
 * "SKIP suite/name: reason"; then "N passed, N failed, N skipped". The
 * expected-failure list of the device's kind (conformance/xfail/<kind>.txt,
 * or --xfail FILE) marks cases known to fail there: the run fails (exit 1)
 * only on a failure not in the list or on a listed case that passes.
 * --filter matches "name" or "suite/name" (fnmatch); a filter that matches
 * no case is an error (exit 1), so a typo does not pass as "0 failed".
 * --json writes the results as {"cmd", "device", "kind", "results": {name:
 * pass|fail|skip}, "cases": [...]}, after OpenCL-CTS's results file.
 * The lists and golden files come from vsc_data_dir() (harness.h): an
 * installed varscope reads ${prefix}/share/varscope/conformance, and
 * VARSCOPE_DATA_DIR overrides it. Exit status: 0 as expected, 1 on a new
 * failure, an unexpected pass or no case selected, 2 on a usage or data-file
 * error. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "text_out.h"

int vs_tool_conform(int argc, char **argv);

static int conform_usage(FILE *f) {
  fprintf(f,
          "usage: varscope conform [--device D] [--filter GLOB] [--json FILE] [--xfail FILE] [--list]\n"
          "Runs the conformance cases on device D (default: the session default) and compares\n"
          "with the expected-failure list of the device's kind (data from %s).\n"
          "  --filter GLOB  only the cases whose name or suite/name matches (fnmatch)\n"
          "  --json FILE    also write the results as JSON\n"
          "  --xfail FILE   the expected-failure list to use\n"
          "  --list         list the selected cases and their rules, run nothing\n"
          "Exit: 0 as expected, 1 new failure / unexpected pass / no case matched, 2 usage.\n",
          vsc_data_dir());
  return f == stderr ? 2 : 0;
}

static bool selected(const vsc_case *c, const char *filter) {
  char full[256];
  if (!filter) return true;
  snprintf(full, sizeof full, "%s/%s", c->suite, c->name);
  return fnmatch(filter, c->name, 0) == 0 || fnmatch(filter, full, 0) == 0;
}

static const char *const result_names[] = {"pass", "fail", "skip"};

int vs_tool_conform(int argc, char **argv) {
  const char *device = NULL, *filter = NULL, *json = NULL, *xfail_path = NULL;
  bool list = false;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if ((strcmp(a, "--device") == 0 || strcmp(a, "--filter") == 0 || strcmp(a, "--json") == 0 ||
         strcmp(a, "--xfail") == 0) && i + 1 < argc) {
      const char *v = argv[++i];
      if (strcmp(a, "--device") == 0) device = v;
      else if (strcmp(a, "--filter") == 0) filter = v;
      else if (strcmp(a, "--json") == 0) json = v;
      else xfail_path = v;
    } else if (strcmp(a, "--list") == 0) {
      list = true;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      return conform_usage(stdout);
    } else if (strcmp(a, "--device") == 0 || strcmp(a, "--filter") == 0 || strcmp(a, "--json") == 0 ||
               strcmp(a, "--xfail") == 0) {
      fprintf(stderr, "varscope conform: option '%s' needs a value\n", a);
      return conform_usage(stderr);
    } else {
      fprintf(stderr, "varscope conform: unexpected argument '");
      vs_tool_put_visible(stderr, a);
      fprintf(stderr, "'\n");
      return conform_usage(stderr);
    }
  }

  size_t n, n_selected = 0;
  const vsc_case *const *all = vsc_all_cases(&n);
  for (size_t i = 0; i < n; i++) n_selected += selected(all[i], filter);
  if (!n_selected) {
    if (filter) {
      fprintf(stderr, "varscope conform: --filter '");
      vs_tool_put_visible(stderr, filter);
      fprintf(stderr, "' matches no case (try --list)\n");
    } else {
      fprintf(stderr, "varscope conform: no case is registered\n");
    }
    return 1;
  }
  if (list) {
    for (size_t i = 0; i < n; i++)
      if (selected(all[i], filter)) printf("%s/%s  [%s]\n", all[i]->suite, all[i]->name, all[i]->rules);
    return 0;
  }

  char kind[32], path[1024], err[512];
  vsc_device_kind(device, kind, sizeof kind);
  if (!xfail_path) {
    snprintf(path, sizeof path, "%s/%s.txt", vsc_xfail_dir(), kind);
    xfail_path = path;
  }
  vsc_xfail x;
  if (!vsc_xfail_load(&x, xfail_path, err, sizeof err)) {
    fprintf(stderr, "varscope conform: %s\n", err);
    return 2;
  }
  for (size_t i = 0; i < x.n; i++) {
    bool known = false;
    for (size_t j = 0; j < n && !known; j++) known = strcmp(all[j]->name, x.names[i]) == 0;
    if (!known) {
      fprintf(stderr, "varscope conform: %s lists '%s', which is no case\n", xfail_path, x.names[i]);
      vsc_xfail_free(&x);
      return 2;
    }
  }
  printf("conform: device %s (%s), expected failures from %s (%zu)\n",
         device ? device : "default", kind, xfail_path, x.n);

  vsc_result *res = calloc(n ? n : 1, sizeof *res);
  char (*msgs)[1024] = calloc(n ? n : 1, sizeof *msgs);
  if (!res || !msgs) {
    free(res);
    free(msgs);
    vsc_xfail_free(&x);
    fprintf(stderr, "varscope conform: out of memory\n");
    return 1;
  }
  size_t passed = 0, failed = 0, skipped = 0, expected = 0, new_fail = 0, unexpected_pass = 0;
  for (size_t i = 0; i < n; i++) {
    const vsc_case *c = all[i];
    if (!selected(c, filter)) {
      res[i] = (vsc_result)-1;
      continue;
    }
    res[i] = vsc_run_case(c, device, msgs[i], sizeof msgs[i]);
    const char *why = vsc_xfail_reason(&x, c->name);
    switch (res[i]) {
      case VSC_PASS:
        passed++;
        if (why) {
          unexpected_pass++;
          printf("PASS %s/%s (unexpected: listed as an expected failure on %s: %s)\n", c->suite,
                 c->name, kind, why);
        } else {
          printf("PASS %s/%s\n", c->suite, c->name);
        }
        break;
      case VSC_FAIL:
        failed++;
        if (why) {
          expected++;
          printf("FAIL %s/%s: %s (expected on %s: %s)\n", c->suite, c->name, msgs[i], kind, why);
        } else {
          new_fail++;
          printf("FAIL %s/%s: %s\n", c->suite, c->name, msgs[i]);
        }
        break;
      case VSC_SKIP:
        skipped++;
        printf("SKIP %s/%s: %s\n", c->suite, c->name, msgs[i]);
        break;
    }
    fflush(stdout);
  }

  int rc = (new_fail || unexpected_pass) ? 1 : 0;
  if (json) {
    FILE *f = fopen(json, "w");
    if (!f) {
      perror(json);
      rc = 1;
    } else {
      fprintf(f, "{\"cmd\": \"conform\", \"device\": ");
      vs_tool_put_json_string(f, device ? device : "");
      fprintf(f, ", \"kind\": ");
      vs_tool_put_json_string(f, kind);
      fprintf(f, ",\n \"results\": {");
      bool first = true;
      for (size_t i = 0; i < n; i++) {
        if ((int)res[i] < 0) continue;
        fprintf(f, "%s\n  ", first ? "" : ",");
        vs_tool_put_json_string(f, all[i]->name);
        fprintf(f, ": \"%s\"", result_names[res[i]]);
        first = false;
      }
      fprintf(f, "},\n \"cases\": [");
      first = true;
      for (size_t i = 0; i < n; i++) {
        if ((int)res[i] < 0) continue;
        const char *why = vsc_xfail_reason(&x, all[i]->name);
        fprintf(f, "%s\n  {\"name\": ", first ? "" : ",");
        vs_tool_put_json_string(f, all[i]->name);
        fprintf(f, ", \"suite\": ");
        vs_tool_put_json_string(f, all[i]->suite);
        fprintf(f, ", \"rules\": ");
        vs_tool_put_json_string(f, all[i]->rules);
        fprintf(f, ", \"result\": \"%s\", \"expected_failure\": ", result_names[res[i]]);
        if (why) vs_tool_put_json_string(f, why);
        else fputs("null", f);
        fprintf(f, ", \"message\": ");
        vs_tool_put_json_string(f, msgs[i]);
        fputc('}', f);
        first = false;
      }
      fprintf(f, "\n ],\n \"passed\": %zu, \"failed\": %zu, \"skipped\": %zu, "
                 "\"expected_failures\": %zu, \"new_failures\": %zu, \"unexpected_passes\": %zu}\n",
              passed, failed, skipped, expected, new_fail, unexpected_pass);
      if (fclose(f) != 0) rc = 1;
    }
  }
  if (expected || unexpected_pass || new_fail)
    printf("conform: %zu expected failure(s), %zu new failure(s), %zu unexpected pass(es) on %s\n",
           expected, new_fail, unexpected_pass, kind);
  printf("%zu passed, %zu failed, %zu skipped\n", passed, failed, skipped);
  free(res);
  free(msgs);
  vsc_xfail_free(&x);
  return rc;
}
