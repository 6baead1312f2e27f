/* varscope/version.h - library version. */
#ifndef VARSCOPE_VERSION_H
#define VARSCOPE_VERSION_H

#define VS_VERSION_MAJOR 0
#define VS_VERSION_MINOR 1
#define VS_VERSION_PATCH 0

#ifdef __cplusplus
extern "C" {
#endif
/* "0.1.0". Static string. */
const char *vs_version(void);
#ifdef __cplusplus
}
#endif
#endif
