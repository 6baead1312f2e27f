/* fuzz_device_spec - libFuzzer target for device strings: the DeviceSpec
 * parser (vs__devspec_parse), its merge and printing, and the public
 * tf.device stack that uses them (vs_device_push on a graph, then an op
 * placed under it).
 *
 * Input: up to three device strings separated by '\n' (NUL bytes end a
 * string early, as a C caller would). Each parse either fails with TF's
 * ValueError (INVALID_ARGUMENT) and leaves the spec empty, or yields fields
 * whose merged string parses again to the same string (to_string is a fixed
 * point). Pushing the same strings onto a graph must agree with the parser
 * and leave the graph usable. */
#include <stdlib.h>
#include <string.h>

#include "placement/placement_internal.h"
#include "varscope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok) {
  if (!ok) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) abort();
  memcpy(text, data, size);
  text[size] = '\0';
  char *parts[3] = {text, NULL, NULL};
  for (int i = 1; i < 3; i++) {
    char *nl = parts[i - 1] ? strchr(parts[i - 1], '\n') : NULL;
    if (!nl) break;
    *nl = '\0';
    parts[i] = nl + 1;
  }
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  if (!st || !g) abort();
  vs__devspec specs[3] = {{0}};
  bool ok[3] = {false, false, false};
  for (int i = 0; i < 3 && parts[i]; i++) {
    ok[i] = vs__devspec_parse(parts[i], &specs[i], st);
    if (!ok[i]) {
      check(vs_status_code(st) == VS_INVALID_ARGUMENT && vs_status_message(st)[0] != '\0');
      check(specs[i].buf == NULL && !specs[i].job && !specs[i].type);
      continue;
    }
    /* to_string() parses back to itself. */
    char *once = vs__devspec_merged(NULL, NULL, &specs[i]);
    if (!once) abort();
    vs__devspec again = {0};
    check(vs__devspec_parse(once, &again, st));
    char *twice = vs__devspec_merged(NULL, NULL, &again);
    if (!twice) abort();
    check(strcmp(once, twice) == 0);
    free(once);
    free(twice);
    vs__devspec_clear(&again);
  }
  if (ok[0] && ok[1]) {
    char *m = vs__devspec_merged(&specs[0], parts[2] && ok[2] ? "3" : NULL, &specs[1]);
    if (!m) abort();
    vs__devspec back = {0};
    check(vs__devspec_parse(m, &back, st));
    vs__devspec_clear(&back);
    free(m);
  }
  /* The public stack: a push succeeds exactly when the parse did. */
  int pushed = 0;
  for (int i = 0; i < 3 && parts[i]; i++) {
    bool p = vs_device_push(g, parts[i], st);
    check(p == (vs_status_code(st) == VS_OK));
    if (p) pushed++;
  }
  float one = 1;
  vs_output c = vs_constant(g, &one, VS_FLOAT, VS_SCALAR, "c", st);
  check(c.op != NULL || vs_status_code(st) != VS_OK);
  if (c.op) check(vs_op_device(c.op) != NULL);
  while (pushed--) vs_device_pop(g, st);
  for (int i = 0; i < 3; i++) vs__devspec_clear(&specs[i]);
  vs_graph_free(g);
  vs_status_free(st);
  free(text);
  return 0;
}
