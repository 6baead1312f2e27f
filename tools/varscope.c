/* varscope - the command-line tool.
 *   varscope devices [--verbose]   list the OpenCL devices and their names
 *   varscope version               print the library version
 *   varscope tune [--device N] [--json] [--reset]   tune CLBlast's GEMM safely (tools/tune_cmd.c)
 *   varscope conform [...]         run the conformance cases (tools/conform_cmd.c)
 *   varscope ckpt ls FILE | diff A B   list or compare checkpoints (tools/ckpt_cmd.c) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_cmd.h"
#include "tune_cmd.h"
#include "varscope.h"

int vs_tool_conform(int argc, char **argv);

static int usage(FILE *f) {
  fprintf(f,
          "usage: varscope devices [--verbose]\n"
          "       varscope version\n"
          "       varscope tune [--device N] [--json] [--reset]\n"
          "       varscope conform [--device D] [--filter GLOB] [--json FILE]\n"
          "       varscope ckpt ls FILE | ckpt diff A B\n");
  return f == stderr ? 2 : 0;
}

static int devices(int verbose) {
  vs_status *st = vs_status_new();
  size_t n = vs_num_devices(st);
  if (vs_status_code(st) != VS_OK) {
    fprintf(stderr, "varscope: %s\n", vs_status_message(st));
    vs_status_free(st);
    return 1;
  }
  if (n == 0) printf("no OpenCL device found (on CPUs, install pocl-opencl-icd)\n");
  for (size_t i = 0; i < n; i++) {
    vs_device_info in;
    vs_device_get_info(i, &in, st);
    if (vs_status_code(st) != VS_OK) break;
    printf("%-14s %-15s %s\n", in.cl_name, in.name[0] ? in.name : "-", in.device_name);
    printf("    vendor %s, type %s, %u compute units\n", in.vendor, in.type, in.compute_units);
    printf("    memory %.2f GiB, max allocation %.2f GiB, %s%s\n", in.global_mem_bytes / 1073741824.0,
           in.max_alloc_bytes / 1073741824.0, in.opencl_c_version, in.fp64 ? ", fp64" : "");
    if (verbose) {
      printf("    platform %s, driver %s\n", in.platform_name, in.driver_version);
      printf("    CLBlast GEMM parameters: %s\n", in.clblast_tuned ? "tuned (varscope tune)" : "CLBlast's database");
      size_t need = vs_device_conv_choices(i, NULL, 0, st);
      char *choices = need ? malloc(need + 1) : NULL;
      if (choices) {
        vs_device_conv_choices(i, choices, need + 1, st);
        printf("    conv2d algorithms kept after measuring:\n");
        for (char *line = strtok(choices, "\n"); line; line = strtok(NULL, "\n")) printf("      %s\n", line);
      } else {
        printf("    conv2d algorithms kept after measuring: none yet\n");
      }
      free(choices);
    }
  }
  int rc = vs_status_code(st) == VS_OK ? 0 : 1;
  vs_status_free(st);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage(stderr);
  if (strcmp(argv[1], "devices") == 0) {
    int verbose = argc > 2 && (strcmp(argv[2], "--verbose") == 0 || strcmp(argv[2], "-v") == 0);
    if (argc > 2 + verbose) return usage(stderr);
    return devices(verbose);
  }
  if (strcmp(argv[1], "conform") == 0) return vs_tool_conform(argc - 2, argv + 2);
  if (strcmp(argv[1], "ckpt") == 0) return vs_tool_ckpt(argc - 1, argv + 1);
  if (strcmp(argv[1], "tune") == 0) return vs_tool_tune(argc - 1, argv + 1);
  if (strcmp(argv[1], "version") == 0) {
    printf("varscope %s\n", vs_version());
    return 0;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) return usage(stdout);
  fprintf(stderr, "varscope: unknown command '%s'\n", argv[1]);
  return usage(stderr);
}
