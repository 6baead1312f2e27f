/* ckpt_save_helper - a process that saves checkpoints over and over, for
 * test_checkpoint's kill-midway test (a test process must not fork after it
 * used OpenCL, so the saving happens here, in a process of its own).
 *
 *   ckpt_save_helper PATH MB [COUNT]
 *
 * Builds variables holding about MB MiB of float32 in total, then for
 * generation 1, 2, ... sets every element of every variable to the
 * generation number, saves to PATH with a Saver, and prints "saved N" on
 * stdout. Stops after COUNT saves (default: never; the test kills it). */
#include <stdio.h>
#include <stdlib.h>

#include "varscope.h"

#define NVARS 4

/* "ckpt_save_helper: WHAT: code N: MESSAGE" on stderr: the disk-full test
 * reads the code and the text. */
static int fail(vs_status *st, const char *what) {
  fprintf(stderr, "ckpt_save_helper: %s: code %d: %s\n", what, (int)vs_status_code(st), vs_status_message(st));
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: ckpt_save_helper PATH MB [COUNT]\n");
    return 2;
  }
  const char *path = argv[1];
  long mb = atol(argv[2]), count = argc > 3 ? atol(argv[3]) : -1;
  int64_t per_var = mb * 1048576 / 4 / NVARS;
  if (mb <= 0 || per_var <= 0) return 2;
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *vars[NVARS];
  for (int i = 0; i < NVARS; i++) {
    char name[16];
    snprintf(name, sizeof name, "v%d", i);
    vars[i] = vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(per_var)}, st);
    if (!vars[i]) return fail(st, "get_variable");
  }
  vs_session *sess = vs_session_new(g, NULL, st);
  vs_saver *saver = sess ? vs_saver_new(g, NULL, st) : NULL;
  float *buf = malloc((size_t)per_var * sizeof *buf);
  if (!sess || !saver || !buf) return fail(st, "setup");
  for (long gen = 1; count < 0 || gen <= count; gen++) {
    for (int64_t k = 0; k < per_var; k++) buf[k] = (float)gen;
    vs_tensor *t = vs_tensor_new(VS_FLOAT, VS_SHAPE(per_var), buf, st);
    for (int i = 0; t && i < NVARS && vs_status_code(st) == VS_OK; i++) vs_session_assign_variable(sess, vars[i], t, st);
    vs_tensor_free(t);
    if (vs_status_code(st) != VS_OK) return fail(st, "assign");
    vs_saver_save(saver, sess, path, st);
    if (vs_status_code(st) != VS_OK) return fail(st, "save");
    printf("saved %ld\n", gen);
    fflush(stdout);
  }
  free(buf);
  vs_saver_free(saver);
  vs_session_free(sess);
  vs_graph_free(g);
  vs_status_free(st);
  return 0;
}
