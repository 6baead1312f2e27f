/* ckpt_bench - checkpoint throughput: saving and restoring a ~100 MB model
 * (25 float32 variables of 1 Mi elements) with vs_saver_save /
 * vs_saver_restore, against a plain copy of the same file on the same disk
 * (read + write + fsync, as the save also fsyncs).
 *
 *   ckpt_bench [DIR] [REPEATS]      (default: the current directory, 3)
 *
 * Prints the best of REPEATS runs of each, in MB/s (10^6 bytes per second).
 * Save covers reading the values off the device, writing and fsyncing the
 * file and renaming it; restore covers reading and checking the file and
 * writing the values to the device. The file is in the page cache for
 * restore and copy (as right after a save). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "varscope.h"

#define NVARS 25
#define ELEMS (1 << 20)

static int die(vs_status *st, const char *what) {
  fprintf(stderr, "ckpt_bench: %s: %s\n", what, vs_status_message(st));
  return 1;
}

/* cp FROM TO, fsync'd. Returns bytes copied or -1. */
static long long copy_file(const char *from, const char *to) {
  int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  static char buf[1 << 20];
  long long total = 0;
  ssize_t r;
  while (in >= 0 && out >= 0 && (r = read(in, buf, sizeof buf)) > 0) {
    if (write(out, buf, (size_t)r) != r) {
      total = -1;
      break;
    }
    total += r;
  }
  if (in < 0 || out < 0 || fsync(out) != 0) total = -1;
  if (in >= 0) close(in);
  if (out >= 0) close(out);
  return total;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  int repeats = argc > 2 ? atoi(argv[2]) : 3;
  if (repeats < 1) repeats = 1;
  char path[4096], copy[4096];
  snprintf(path, sizeof path, "%s/ckpt_bench.safetensors", dir);
  snprintf(copy, sizeof copy, "%s/ckpt_bench.copy", dir);

  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *vars[NVARS];
  for (int i = 0; i < NVARS; i++) {
    char name[32];
    snprintf(name, sizeof name, "model/layer%02d/weights", i);
    vars[i] = vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(ELEMS)}, st);
    if (!vars[i]) return die(st, "get_variable");
  }
  vs_session *sess = vs_session_new(g, NULL, st);
  if (!sess) return die(st, "session");
  float *host = malloc(sizeof(float) * ELEMS);
  for (int i = 0; i < NVARS; i++) {
    for (int k = 0; k < ELEMS; k++) host[k] = (float)(i * 0.001 + k * 1e-6);
    vs_tensor *t = vs_tensor_new(VS_FLOAT, VS_SHAPE(ELEMS), host, st);
    if (t) vs_session_assign_variable(sess, vars[i], t, st);
    vs_tensor_free(t);
    if (vs_status_code(st) != VS_OK) return die(st, "assign");
  }
  vs_saver *saver = vs_saver_new(g, NULL, st);
  if (!saver) return die(st, "saver");
  const double mb = (double)NVARS * ELEMS * sizeof(float) / 1e6;

  double best_save = 1e30, best_restore = 1e30, best_copy = 1e30;
  for (int r = 0; r < repeats; r++) {
    double t0 = now();
    vs_saver_save(saver, sess, path, st);
    double t1 = now();
    if (vs_status_code(st) != VS_OK) return die(st, "save");
    vs_saver_restore(saver, sess, path, st);
    double t2 = now();
    if (vs_status_code(st) != VS_OK) return die(st, "restore");
    long long copied = copy_file(path, copy);
    double t3 = now();
    if (copied < 0) {
      perror("ckpt_bench: copy");
      return 1;
    }
    if (t1 - t0 < best_save) best_save = t1 - t0;
    if (t2 - t1 < best_restore) best_restore = t2 - t1;
    if (t3 - t2 < best_copy) best_copy = t3 - t2;
  }
  vs_device_info info;
  vs_device_get_info(0, &info, st);
  printf("checkpoint of %d float32 variables, %.1f MB, in %s (device %s), best of %d\n", NVARS, mb, dir,
         info.device_name, repeats);
  printf("  save     %8.1f MB/s  (%.3f s; device read + write + fsync + rename)\n", mb / best_save, best_save);
  printf("  restore  %8.1f MB/s  (%.3f s; read + check + device write)\n", mb / best_restore, best_restore);
  printf("  cp       %8.1f MB/s  (%.3f s; read + write + fsync of the same file)\n", mb / best_copy, best_copy);
  unlink(path);
  unlink(copy);
  free(host);
  vs_saver_free(saver);
  vs_session_free(sess);
  vs_graph_free(g);
  vs_status_free(st);
  return 0;
}
