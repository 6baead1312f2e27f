/* tuning_file.c - Xgemm and XgemmDirect constraints and the tuning file's
 * text (format in tuning_file.h). The reader is strict: a file written by another version,
 * edited by hand, truncated by a crash or made for another device is
 * refused with a reason rather than half-used, because CLBlast trusts
 * whatever it is given (MWG=0 divides by zero inside it; MDIMC=0 makes
 * every later compile fail). */
#include "runtime/tuning_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runtime/kernel_cache_file.h"

enum { GEMMK, KREG, KWG, KWI, MDIMA, MDIMC, MWG, NDIMB, NDIMC, NWG, SA, SB, STRM, STRN, VWM, VWN };

const char *const vs__xgemm_names[VS_XGEMM_NPARAMS] = {"GEMMK", "KREG", "KWG",  "KWI",  "MDIMA", "MDIMC",
                                                       "MWG",   "NDIMB", "NDIMC", "NWG", "SA",    "SB",
                                                       "STRM",  "STRN", "VWM",  "VWN"};
const size_t vs__xgemm_generic[VS_XGEMM_NPARAMS] = {0, 1, 32, 2, 8, 8, 32, 16, 16, 32, 1, 1, 0, 0, 4, 2};

enum { KWID, MDIMAD, MDIMCD, NDIMBD, NDIMCD, PADA, PADB, VWMD, VWND, WGD };

const char *const vs__xgd_names[VS_XGD_NPARAMS] = {"KWID", "MDIMAD", "MDIMCD", "NDIMBD", "NDIMCD",
                                                   "PADA", "PADB",   "VWMD",   "VWND",   "WGD"};
const size_t vs__xgd_generic[VS_XGD_NPARAMS] = {2, 8, 8, 8, 8, 1, 1, 1, 1, 16};

/* Version 3 records the size the set was verified at; version 2 did not
 * (see vs__clblast_kernel.old_magic). */
const vs__clblast_kernel vs__kernel_xgemm = {"Xgemm",
                                             VS_XGEMM_NPARAMS,
                                             vs__xgemm_names,
                                             vs__xgemm_generic,
                                             "varscope clblast-xgemm 3\n",
                                             "varscope clblast-xgemm 2\n",
                                             true,
                                             vs__xgemm_check};
const vs__clblast_kernel vs__kernel_xgemm_direct = {"XgemmDirect", VS_XGD_NPARAMS, vs__xgd_names, vs__xgd_generic,
                                                    "varscope clblast-xgemmdirect 1\n", NULL, true, vs__xgd_check};
/* No tile, thread count or unroll factor in CLBlast's tuner exceeds 128;
 * 1024 bounds every product below far from overflow. */
#define MAX_VALUE 1024

static bool fail(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *why, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (cap) vsnprintf(why, cap, fmt, ap);
  va_end(ap);
  return false;
}

static bool divides(size_t x, size_t by) { return by != 0 && x % by == 0; }

bool vs__xgemm_check(const size_t v[VS_XGEMM_NPARAMS], size_t max_work_group, uint64_t local_mem_bytes,
                     char *why, size_t cap) {
  static const int flags[] = {GEMMK, SA, SB, STRM, STRN};
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
    if (v[flags[i]] > 1) {
      if (cap) snprintf(why, cap, "%s=%zu: must be 0 or 1", vs__xgemm_names[flags[i]], v[flags[i]]);
      return false;
    }
  static const int sizes[] = {KREG, KWG, KWI, MDIMA, MDIMC, MWG, NDIMB, NDIMC, NWG, VWM, VWN};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    if (v[sizes[i]] < 1 || v[sizes[i]] > MAX_VALUE) {
      if (cap) snprintf(why, cap, "%s=%zu: must be 1..%d", vs__xgemm_names[sizes[i]], v[sizes[i]], MAX_VALUE);
      return false;
    }
  static const int vectors[] = {VWM, VWN};
  for (size_t i = 0; i < 2; i++) {
    size_t w = v[vectors[i]];
    if (w != 1 && w != 2 && w != 4 && w != 8 && w != 16) {
      if (cap) snprintf(why, cap, "%s=%zu: not an OpenCL vector width", vs__xgemm_names[vectors[i]], w);
      return false;
    }
  }
  if (!divides(v[KWG], v[KWI])) return fail(why, cap, "KWG=%zu is not a multiple of KWI=%zu", v[KWG], v[KWI]);
  if (!divides(v[MWG], v[MDIMC] * v[VWM]))
    return fail(why, cap, "MWG=%zu is not a multiple of MDIMC*VWM=%zu*%zu", v[MWG], v[MDIMC], v[VWM]);
  if (!divides(v[NWG], v[NDIMC] * v[VWN]))
    return fail(why, cap, "NWG=%zu is not a multiple of NDIMC*VWN=%zu*%zu", v[NWG], v[NDIMC], v[VWN]);
  if (!divides(v[MWG], v[MDIMA] * v[VWM]))
    return fail(why, cap, "MWG=%zu is not a multiple of MDIMA*VWM=%zu*%zu", v[MWG], v[MDIMA], v[VWM]);
  if (!divides(v[NWG], v[NDIMB] * v[VWN]))
    return fail(why, cap, "NWG=%zu is not a multiple of NDIMB*VWN=%zu*%zu", v[NWG], v[NDIMB], v[VWN]);
  size_t threads = v[MDIMC] * v[NDIMC];
  if (v[GEMMK] == 0) {
    /* Kernel 0 re-shapes the work-group to load A and B tiles: KDIMA =
     * MDIMC*NDIMC/MDIMA and KDIMB = MDIMC*NDIMC/NDIMB must be integers
     * that divide KWG. */
    if (!divides(threads, v[MDIMA]) || !divides(v[KWG], threads / v[MDIMA]))
      return fail(why, cap, "KWG=%zu is not a multiple of KDIMA=MDIMC*NDIMC/MDIMA=%zu/%zu", v[KWG], threads,
                  v[MDIMA]);
    if (!divides(threads, v[NDIMB]) || !divides(v[KWG], threads / v[NDIMB]))
      return fail(why, cap, "KWG=%zu is not a multiple of KDIMB=MDIMC*NDIMC/NDIMB=%zu/%zu", v[KWG], threads,
                  v[NDIMB]);
  } else {
    /* Kernel 1 (2D register tiling): KREG a multiple of VWN, no re-shape. */
    if (!divides(v[KREG], v[VWN])) return fail(why, cap, "KREG=%zu is not a multiple of VWN=%zu", v[KREG], v[VWN]);
    if (v[MDIMC] != v[MDIMA] || v[NDIMC] != v[NDIMB])
      return fail(why, cap, "GEMMK=1 needs MDIMA=MDIMC and NDIMB=NDIMC (MDIMC=%zu NDIMC=%zu)", v[MDIMC],
                  v[NDIMC]);
  }
  if (max_work_group && threads > max_work_group)
    return fail(why, cap, "MDIMC*NDIMC=%zu work-items exceed the device's %zu", threads, max_work_group);
  uint64_t local = 4 * ((uint64_t)v[SA] * v[KWG] * v[MWG] + (uint64_t)v[SB] * v[KWG] * v[NWG]);
  if (local_mem_bytes && local > local_mem_bytes)
    return fail(why, cap, "%zu bytes of local memory exceed the device's %zu", (size_t)local,
                (size_t)local_mem_bytes);
  return true;
}

/* The sets of kernel k's search space (vals: k->nparams rows of `width`
 * values, each row 0-terminated after its first entry) that fit the
 * device's work-item limits on the thread dimensions dim0 and dim1 and
 * meet k's constraints. An odometer over the value lists; a list of one 0
 * ({0, 0}) is the value 0 itself, so "the end" is a 0 after the first
 * entry. */
static size_t count_space(const vs__clblast_kernel *k, const size_t *vals, size_t width, int dim0, int dim1,
                          size_t max_work_group, size_t max_item0, size_t max_item1, uint64_t local_mem_bytes) {
  size_t at[VS_XGEMM_NPARAMS] = {0}, v[VS_XGEMM_NPARAMS] = {0}, count = 0, np = k->nparams;
  for (;;) {
    for (size_t p = 0; p < np; p++) v[p] = vals[p * width + at[p]];
    if ((!max_item0 || v[dim0] <= max_item0) && (!max_item1 || v[dim1] <= max_item1) &&
        k->check(v, max_work_group, local_mem_bytes, NULL, 0))
      count++;
    size_t p = 0;
    while (p < np && (at[p]++, vals[p * width + at[p]] == 0)) at[p++] = 0;
    if (p == np) return count;
  }
}

size_t vs__xgemm_search_space(bool kernel1, size_t max_work_group, size_t max_item0, size_t max_item1,
                              uint64_t local_mem_bytes) {
  /* The values CLBlast 1.5.3 tries per parameter (0-terminated), in
   * vs__xgemm_names order. */
  static const size_t k0[VS_XGEMM_NPARAMS][7] = {
      {0, 0},           {1, 0},           {16, 32, 0},      {2, 0},     {8, 16, 32, 0},    {8, 16, 32, 0},
      {16, 32, 64, 128, 0}, {8, 16, 32, 0}, {8, 16, 32, 0}, {16, 32, 64, 128, 0}, {0, 1, 0}, {0, 1, 0},
      {0, 1, 0},        {0, 1, 0},        {1, 2, 4, 8, 0},  {1, 2, 4, 8, 0}};
  static const size_t k1[VS_XGEMM_NPARAMS][7] = {
      {1, 0},           {1, 2, 4, 8, 16, 0}, {1, 0},        {1, 0},     {2, 4, 8, 16, 32, 0}, {2, 4, 8, 16, 32, 0},
      {8, 16, 32, 64, 128, 0}, {2, 4, 8, 16, 32, 0}, {2, 4, 8, 16, 32, 0}, {8, 16, 32, 64, 128, 0}, {0, 0}, {0, 0},
      {0, 0},           {0, 0},           {1, 2, 4, 8, 0},  {1, 2, 4, 8, 0}};
  return count_space(&vs__kernel_xgemm, &(kernel1 ? k1 : k0)[0][0], 7, MDIMC, NDIMC, max_work_group, max_item0,
                     max_item1, local_mem_bytes);
}

static bool is_vector_width(size_t w) { return w == 1 || w == 2 || w == 4 || w == 8 || w == 16; }

bool vs__xgd_check(const size_t v[VS_XGD_NPARAMS], size_t max_work_group, uint64_t local_mem_bytes, char *why,
                   size_t cap) {
  static const int flags[] = {PADA, PADB};
  for (size_t i = 0; i < 2; i++)
    if (v[flags[i]] > 1) return fail(why, cap, "%s=%zu: must be 0 or 1", vs__xgd_names[flags[i]], v[flags[i]]);
  static const int sizes[] = {KWID, MDIMAD, MDIMCD, NDIMBD, NDIMCD, VWMD, VWND, WGD};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    if (v[sizes[i]] < 1 || v[sizes[i]] > MAX_VALUE)
      return fail(why, cap, "%s=%zu: must be 1..%d", vs__xgd_names[sizes[i]], v[sizes[i]], MAX_VALUE);
  if (!is_vector_width(v[VWMD])) return fail(why, cap, "VWMD=%zu: not an OpenCL vector width", v[VWMD]);
  if (!is_vector_width(v[VWND])) return fail(why, cap, "VWND=%zu: not an OpenCL vector width", v[VWND]);
  if (!divides(v[WGD], v[KWID])) return fail(why, cap, "WGD=%zu is not a multiple of KWID=%zu", v[WGD], v[KWID]);
  static const int tiles[4][2] = {{MDIMCD, VWMD}, {NDIMCD, VWND}, {MDIMAD, VWMD}, {NDIMBD, VWND}};
  for (size_t i = 0; i < 4; i++)
    if (!divides(v[WGD], v[tiles[i][0]] * v[tiles[i][1]]))
      return fail(why, cap, "WGD=%zu is not a multiple of %s*%s=%zu*%zu", v[WGD], vs__xgd_names[tiles[i][0]],
                  vs__xgd_names[tiles[i][1]], v[tiles[i][0]], v[tiles[i][1]]);
  /* The kernel re-shapes its work-group to load the A and B tiles. */
  size_t threads = v[MDIMCD] * v[NDIMCD];
  if (!divides(threads, v[MDIMAD]) || !divides(v[WGD], threads / v[MDIMAD]))
    return fail(why, cap, "WGD=%zu is not a multiple of KDIMAD=MDIMCD*NDIMCD/MDIMAD=%zu/%zu", v[WGD], threads,
                v[MDIMAD]);
  if (!divides(threads, v[NDIMBD]) || !divides(v[WGD], threads / v[NDIMBD]))
    return fail(why, cap, "WGD=%zu is not a multiple of KDIMBD=MDIMCD*NDIMCD/NDIMBD=%zu/%zu", v[WGD], threads,
                v[NDIMBD]);
  if (max_work_group && threads > max_work_group)
    return fail(why, cap, "MDIMCD*NDIMCD=%zu work-items exceed the device's %zu", threads, max_work_group);
  uint64_t local = 4 * ((uint64_t)v[WGD] * (v[WGD] + v[PADA]) + (uint64_t)v[WGD] * (v[WGD] + v[PADB]));
  if (local_mem_bytes && local > local_mem_bytes)
    return fail(why, cap, "%zu bytes of local memory exceed the device's %zu", (size_t)local,
                (size_t)local_mem_bytes);
  return true;
}

size_t vs__xgd_search_space(size_t max_work_group, size_t max_item0, size_t max_item1, uint64_t local_mem_bytes) {
  /* The values of TuneXgemmDirect's "V=2" (0-terminated), in vs__xgd_names order. */
  static const size_t vals[VS_XGD_NPARAMS][6] = {{2, 8, 16, 0}, {8, 16, 32, 0},   {8, 16, 32, 0}, {8, 16, 32, 0},
                                                 {8, 16, 32, 0}, {0, 1, 0},       {0, 1, 0},      {1, 2, 4, 8, 0},
                                                 {1, 2, 4, 8, 0}, {8, 16, 32, 64, 0}};
  return count_space(&vs__kernel_xgemm_direct, &vals[0][0], 6, MDIMCD, NDIMCD, max_work_group, max_item0, max_item1,
                     local_mem_bytes);
}

size_t vs__params_text(const vs__clblast_kernel *k, char *buf, size_t cap, const size_t *v) {
  size_t used = 0;
  for (size_t p = 0; p < k->nparams; p++) {
    int w = snprintf(buf + (used < cap ? used : cap), used < cap ? cap - used : 0, "%s%s=%zu", p ? " " : "",
                     k->names[p], v[p]);
    used += w > 0 ? (size_t)w : 0;
  }
  return used;
}

size_t vs__xgemm_text(char *buf, size_t cap, const size_t v[VS_XGEMM_NPARAMS]) {
  return vs__params_text(&vs__kernel_xgemm, buf, cap, v);
}

size_t vs__tuning_file_format(char *buf, size_t cap, const char *key, const size_t v[VS_XGEMM_NPARAMS],
                              size_t n_at, double gflops, double gflops_database) {
  return vs__tuning_file_format_k(&vs__kernel_xgemm, buf, cap, key, v, n_at, gflops, gflops_database);
}

size_t vs__tuning_file_format_k(const vs__clblast_kernel *k, char *buf, size_t cap, const char *key, const size_t *v,
                                size_t n_at, double gflops, double gflops_database) {
  char params[512], size[40] = "";
  vs__params_text(k, params, sizeof params, v);
  if (k->sized) snprintf(size, sizeof size, "size %zu\n", n_at);
  char body[VS_TUNING_FILE_MAX];
  int n = snprintf(body, sizeof body, "%skey %s\nparams %s\n%smeasured %.1f database %.1f\n", k->magic, key, params,
                   size, gflops, gflops_database);
  if (n < 0 || (size_t)n >= sizeof body) n = 0; /* a key too long to store: an empty, refused file */
  return (size_t)snprintf(buf, cap, "%.*schecksum %016llx\n", n, body,
                          (unsigned long long)vs__fnv64(body, (size_t)n, VS_FNV_SEED));
}

/* The line at *pos (without its '\n') as [*line, *len); false at the end
 * of data or when the line has no '\n' (a truncated file). */
static bool next_line(const char *data, size_t n, size_t *pos, const char **line, size_t *len) {
  if (*pos >= n) return false;
  const char *start = data + *pos, *nl = memchr(start, '\n', n - *pos);
  if (!nl) return false;
  *line = start;
  *len = (size_t)(nl - start);
  *pos += *len + 1;
  return true;
}

static bool starts(const char *line, size_t len, const char *prefix) {
  size_t p = strlen(prefix);
  return len >= p && memcmp(line, prefix, p) == 0;
}

/* A decimal number of at most 4 digits at *s (bounded by end). */
static bool number(const char **s, const char *end, size_t *out) {
  size_t v = 0, digits = 0;
  while (*s < end && **s >= '0' && **s <= '9' && digits < 5) v = v * 10 + (size_t)(*(*s)++ - '0'), digits++;
  *out = v;
  return digits > 0 && digits <= 4;
}

static int hexval(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool vs__tuning_file_parse(const char *data, size_t n, const char *key, size_t v[VS_XGEMM_NPARAMS], char *why,
                           size_t cap) {
  size_t n_at;
  return vs__tuning_file_parse_k(&vs__kernel_xgemm, data, n, key, v, &n_at, why, cap);
}

bool vs__tuning_file_parse_k(const vs__clblast_kernel *k, const char *data, size_t n, const char *key,
                             size_t v[VS_XGEMM_NPARAMS], size_t *n_at, char *why, size_t cap) {
  size_t pos = 0, len;
  memset(v, 0, VS_XGEMM_NPARAMS * sizeof *v);
  *n_at = 0;
  const char *line;
#define REFUSE(msg)                       \
  do {                                    \
    if (cap) snprintf(why, cap, "%s", msg); \
    return false;                         \
  } while (0)
  bool got = next_line(data, n, &pos, &line, &len);
  /* The store key hashes the first line, so an entry of the previous
   * version lies under another key and is never read (it is ignored, and
   * CLBlast's own parameters run until the device is tuned again); this
   * refusal guards the reader should such text meet this version's key. */
  if (got && k->old_magic && len + 1 == strlen(k->old_magic) && memcmp(line, k->old_magic, len) == 0)
    REFUSE("written by an earlier varscope, without the size its set was verified at (tune again)");
  if (!got || len + 1 != strlen(k->magic) || memcmp(line, k->magic, len) != 0)
    REFUSE("not a varscope tuning file of this version");
  if (!next_line(data, n, &pos, &line, &len) || !starts(line, len, "key ")) REFUSE("truncated (no key line)");
  if (len - 4 != strlen(key) || memcmp(line + 4, key, len - 4) != 0) REFUSE("made for another device or driver");
  if (!next_line(data, n, &pos, &line, &len) || !starts(line, len, "params ")) REFUSE("truncated (no params line)");
  const char *s = line + 7, *end = line + len;
  for (size_t p = 0; p < k->nparams; p++) {
    size_t name = strlen(k->names[p]);
    if (p && (s >= end || *s++ != ' ')) REFUSE("malformed params line");
    if ((size_t)(end - s) < name + 1 || memcmp(s, k->names[p], name) != 0 || s[name] != '=')
      REFUSE("malformed params line");
    s += name + 1;
    if (!number(&s, end, &v[p])) REFUSE("malformed params line");
  }
  if (s != end) REFUSE("malformed params line");
  if (k->sized) {
    if (!next_line(data, n, &pos, &line, &len) || !starts(line, len, "size ")) REFUSE("truncated (no size line)");
    s = line + 5, end = line + len;
    if (!number(&s, end, n_at) || s != end || *n_at == 0) REFUSE("malformed size line");
  }
  if (!next_line(data, n, &pos, &line, &len) || !starts(line, len, "measured ")) REFUSE("truncated (no measured line)");
  size_t body = pos;
  if (!next_line(data, n, &pos, &line, &len) || len != 9 + 16 || !starts(line, len, "checksum "))
    REFUSE("truncated (no checksum line)");
  if (pos != n) REFUSE("trailing bytes after the checksum");
  uint64_t sum = 0;
  for (size_t i = 9; i < len; i++) {
    int h = hexval(line[i]);
    if (h < 0) REFUSE("malformed checksum line");
    sum = sum << 4 | (uint64_t)h;
  }
  if (sum != vs__fnv64(data, body, VS_FNV_SEED)) REFUSE("checksum mismatch (the file was altered or torn)");
#undef REFUSE
  char reason[160];
  if (!k->check(v, 0, 0, reason, sizeof reason)) {
    if (cap) snprintf(why, cap, "invalid parameters: %s", reason);
    return false;
  }
  return true;
}
