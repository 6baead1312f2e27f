/* varscope - the command-line tool.
 *   varscope devices [--verbose]   list the OpenCL devices and their names
 *   varscope version               print the library version */
#include <stdio.h>
#include <string.h>

#include "varscope.h"

static int usage(FILE *f) {
  fprintf(f,
          "usage: varscope devices [--verbose]\n"
          "       varscope version\n");
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
    if (verbose) printf("    platform %s, driver %s\n", in.platform_name, in.driver_version);
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
  if (strcmp(argv[1], "version") == 0) {
    printf("varscope %s\n", vs_version());
    return 0;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) return usage(stdout);
  fprintf(stderr, "varscope: unknown command '%s'\n", argv[1]);
  return usage(stderr);
}
