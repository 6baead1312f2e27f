/* fuzz_names - libFuzzer target for the name validators and uniquifiers:
 * name scopes, variable scopes, op names (tf.constant, placeholder) and
 * variable names, nested as the input says.
 *
 * Input: names separated by '\n'. Each name's first byte picks the call
 * (name scope push/pop, variable scope push/pop, constant, placeholder,
 * get_variable, reshape); the rest is the name. An empty name takes the
 * op's default, as in TF (name="" once copied -1 bytes). Every call either succeeds, or fails
 * with a status and changes nothing (the graph's op count is unchanged and
 * scopes still pop in order). Every op name the graph holds is unique and
 * found again by name. */
#include <stdlib.h>
#include <string.h>

#include "varscope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok) {
  if (!ok) __builtin_trap();
}

#define MAX_DEPTH 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  char *text = malloc(size + 1);
  if (!text) abort();
  memcpy(text, data, size);
  text[size] = '\0';
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  if (!st || !g) abort();
  vs_scope *vscopes[MAX_DEPTH];
  int kinds[2 * MAX_DEPTH], depth = 0, nv = 0;
  vs_output base = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2), "base", st);
  check(base.op != NULL);
  char *save = NULL;
  for (char *line = text; line; line = save) {
    char *nl = strchr(line, '\n');
    save = nl ? nl + 1 : NULL;
    if (nl) *nl = '\0';
    if (!*line) continue;
    unsigned op = (unsigned char)line[0] % 7;
    const char *name = line + 1;
    size_t before = vs_graph_num_operations(g);
    switch (op) {
    case 0:
      if (depth < 2 * MAX_DEPTH && vs_name_scope_push(g, name, st)) kinds[depth++] = 0;
      else check(vs_status_code(st) != VS_OK || depth >= 2 * MAX_DEPTH);
      break;
    case 1:
      if (depth < 2 * MAX_DEPTH && nv < MAX_DEPTH) {
        vs_scope *s = vs_variable_scope_push(g, name, NULL, st);
        if (s) {
          vscopes[nv++] = s;
          kinds[depth++] = 1;
        } else {
          check(vs_status_code(st) != VS_OK);
        }
      }
      break;
    case 2:
      if (depth > 0) {
        if (kinds[--depth] == 0) vs_name_scope_pop(g, st);
        else vs_variable_scope_pop(g, vscopes[--nv], st);
        check(vs_status_code(st) == VS_OK);
      }
      break;
    case 3: {
      float one = 1;
      vs_output c = vs_constant(g, &one, VS_FLOAT, VS_SCALAR, name, st);
      check((c.op != NULL) == (vs_status_code(st) == VS_OK));
      if (c.op) check(vs_graph_operation_by_name(g, vs_op_name(c.op)) == c.op);
      else check(vs_graph_num_operations(g) == before);
      break;
    }
    case 4: {
      vs_output p = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2), name, st);
      check((p.op != NULL) == (vs_status_code(st) == VS_OK));
      if (p.op) check(vs_graph_operation_by_name(g, vs_op_name(p.op)) == p.op);
      else check(vs_graph_num_operations(g) == before);
      break;
    }
    case 5: {
      vs_var *v = vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(2),
                                                          .initializer = vs_zeros_initializer()}, st);
      check((v != NULL) == (vs_status_code(st) == VS_OK));
      if (v) check(vs_graph_operation_by_name(g, vs_var_op_name(v)) != NULL);
      break;
    }
    default: {
      vs_output r = vs_reshape(g, base, VS_SHAPE(1, 2), name, st);
      check((r.op != NULL) == (vs_status_code(st) == VS_OK));
      if (r.op) check(vs_graph_operation_by_name(g, vs_op_name(r.op)) == r.op);
      check(vs_get_name_scope(g) != NULL);
      break;
    }
    }
  }
  while (depth > 0) {
    if (kinds[--depth] == 0) vs_name_scope_pop(g, st);
    else vs_variable_scope_pop(g, vscopes[--nv], st);
    check(vs_status_code(st) == VS_OK);
  }
  check(strcmp(vs_get_name_scope(g), "") == 0);
  /* Op names are unique. */
  size_t n = vs_graph_num_operations(g);
  for (size_t i = 0; i < n; i++) {
    vs_op *op = vs_graph_operation(g, i);
    check(vs_graph_operation_by_name(g, vs_op_name(op)) == op);
  }
  vs_graph_free(g);
  vs_status_free(st);
  free(text);
  return 0;
}
