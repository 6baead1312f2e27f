/* kernel_sources.h - the OpenCL sources of cl_kernels/, embedded at build time. */
#ifndef VS_KERNEL_SOURCES_H
#define VS_KERNEL_SOURCES_H

#include <stddef.h>

typedef struct vs_kernel_source {
  const char *name;   /* file name without ".cl" */
  const char *source;
  size_t size;
} vs_kernel_source;

/* Terminated by an entry whose name is NULL. */
extern const vs_kernel_source vs_kernel_sources[];

#endif
