/* gemm_problem.h - what the GEMM tests share (test_gemm.c,
 * test_gemm_tf32.c, test_choice_memo.c; header-only): patterned inputs, a
 * problem's transposes, sizes, offsets and leading dimensions, tight or
 * padded, and the text of VARSCOPE_GEMM's refusal. */
#ifndef VS_TESTS_GEMM_PROBLEM_H
#define VS_TESTS_GEMM_PROBLEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* A deterministic value in [-1, 1) for element i of the input salt names
 * (24 significant bits: TF32 rounding changes most of them). */
static inline float value(size_t i, unsigned salt) {
  uint64_t s = (i + 1) * 0x9E3779B97F4A7C15ull ^ salt;
  s ^= s >> 29, s *= 0xBF58476D1CE4E5B9ull, s ^= s >> 32;
  return (float)((double)(s >> 40) / (double)(1ull << 24) * 2.0 - 1.0);
}

typedef struct problem {
  bool ta, tb;
  size_t m, n, k, a_off, lda, b_off, ldb, c_off, ldc;
} problem;

/* The problem in its tightest layout, or with offsets and padded leading
 * dimensions. */
static inline problem make(bool ta, bool tb, size_t m, size_t n, size_t k, bool padded) {
  problem p = {ta, tb, m, n, k, 0, ta ? m : k, 0, tb ? k : n, 0, n};
  if (padded) p.a_off = 5, p.lda += 3, p.b_off = 11, p.ldb += 1, p.c_off = 7, p.ldc += 2;
  return p;
}

/* What gemm_select.c's refusal of a malformed VARSCOPE_GEMM says after
 * "VARSCOPE_GEMM='<setting>': " (the accepted forms, one text). */
#define GEMM_SETTING_FORMS                                                                                         \
  "want auto, clblast, or own, blocked or inplace, each alone or with :RM,NV,VEC,UK,LY (blocked: and optionally "  \
  ",KC) (RM 1-16, NV 1-4, VEC 1, 2, 4, 8 or 16, UK 1-16, LY 1-64, KC 1-8192), or tf32 alone or with "              \
  ":WM,WN,FM,FN,KS (WM x WN 1-16, FM and FN 1-8, KS 8, 16, 32 or 64)"

/* The sentinel every element of C's buffer starts as (those outside the
 * product must keep it). */
#define GEMM_SENTINEL 1234.5f

/* p's buffers, each 3 floats longer than p reaches: A and B patterned
 * (salts 1 and 2), C the sentinel; sizes into na, nb, nc. False (nothing
 * kept) when out of memory. */
static inline bool problem_buffers(const problem *p, float **a, size_t *na, float **b, size_t *nb, float **c,
                                   size_t *nc) {
  size_t ar = p->ta ? p->k : p->m, ac = p->ta ? p->m : p->k, br = p->tb ? p->n : p->k, bc = p->tb ? p->k : p->n;
  *na = p->a_off + (ar ? (ar - 1) * p->lda + ac : 0) + 3, *nb = p->b_off + (br ? (br - 1) * p->ldb + bc : 0) + 3,
  *nc = p->c_off + (p->m ? (p->m - 1) * p->ldc + p->n : 0) + 3;
  *a = malloc(*na * sizeof **a), *b = malloc(*nb * sizeof **b), *c = malloc(*nc * sizeof **c);
  if (!*a || !*b || !*c) {
    free(*a), free(*b), free(*c);
    return false;
  }
  for (size_t i = 0; i < *na; i++) (*a)[i] = value(i, 1);
  for (size_t i = 0; i < *nb; i++) (*b)[i] = value(i, 2);
  for (size_t i = 0; i < *nc; i++) (*c)[i] = GEMM_SENTINEL;
  return true;
}

#endif
