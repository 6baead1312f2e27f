/* gan.c - a GAN-style model: one discriminator scores real and generated
 * samples through the same variables.
 *
 *   def generator(z):
 *       with tf.variable_scope("generator"):
 *           h = tf.nn.relu(dense(z, 32, "h"))
 *           return dense(h, 64, "out")
 *   def discriminator(x, reuse):
 *       with tf.variable_scope("discriminator", reuse=reuse):
 *           h = tf.nn.relu(dense(x, 32, "h"))
 *           return dense(h, 1, "logit")
 *   d_real = discriminator(real, reuse=False)
 *   d_fake = discriminator(generator(z), reuse=True)
 *
 * Checks: four generator and four discriminator variables, found by
 * get_collection(TRAINABLE_VARIABLES, scope); and feeding the generated
 * samples to the *real* path gives exactly d_fake, which is only possible
 * when both paths read the same variables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "varscope.h"

enum { BATCH = 16, NOISE = 16, HIDDEN = 32, SAMPLE = 64 };

static vs_output dense(vs_graph *g, vs_output x, int64_t in, int64_t out, const char *name, vs_status *st) {
  vs_output y = {NULL, 0};
  VS_WITH_VARIABLE_SCOPE(g, s, name, NULL, st) {
    vs_var *w = vs_get_variable(g, "weights", &(vs_var_opts){.shape = VS_SHAPE(in, out)}, st);
    vs_var *b = vs_get_variable(g, "biases", &(vs_var_opts){.shape = VS_SHAPE(out), .initializer = vs_zeros_initializer()}, st);
    if (!vs_status_code(st)) y = vs_bias_add(g, vs_matmul(g, x, vs_var_value(w), NULL, st), vs_var_value(b), NULL, st);
  }
  return y;
}

static vs_output generator(vs_graph *g, vs_output z, vs_status *st) {
  vs_output out = {NULL, 0};
  VS_WITH_VARIABLE_SCOPE(g, s, "generator", NULL, st) {
    vs_output h = vs_relu(g, dense(g, z, NOISE, HIDDEN, "h", st), NULL, st);
    if (!vs_status_code(st)) out = dense(g, h, HIDDEN, SAMPLE, "out", st);
  }
  return out;
}

static vs_output discriminator(vs_graph *g, vs_output x, vs_reuse reuse, vs_status *st) {
  vs_output logit = {NULL, 0};
  VS_WITH_VARIABLE_SCOPE(g, s, "discriminator", &(vs_varscope_opts){.reuse = reuse}, st) {
    vs_output h = vs_relu(g, dense(g, x, SAMPLE, HIDDEN, "h", st), NULL, st);
    if (!vs_status_code(st)) logit = dense(g, h, HIDDEN, 1, "logit", st);
  }
  return logit;
}

static int check(vs_status *st, const char *what) {
  if (vs_status_code(st) == VS_OK) return 0;
  fprintf(stderr, "%s: %s: %s\n", what, vs_status_exception_name(st), vs_status_message(st));
  return 1;
}

int main(void) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_graph_set_random_seed(g, 7);
  vs_output real = vs_placeholder(g, VS_FLOAT, VS_SHAPE(BATCH, SAMPLE), "real", st);
  vs_output z = vs_placeholder(g, VS_FLOAT, VS_SHAPE(BATCH, NOISE), "z", st);
  vs_output fake = generator(g, z, st);
  vs_output d_real = discriminator(g, real, VS_REUSE_INHERIT, st);
  vs_output d_fake = discriminator(g, fake, VS_REUSE_TRUE, st);
  int rc = check(st, "graph");
  vs_var *vars[16];
  size_t n_gen = rc ? 0 : vs_get_collection_vars(g, VS_TRAINABLE_VARIABLES, "generator/", vars, 16, st);
  size_t n_disc = rc ? 0 : vs_get_collection_vars(g, VS_TRAINABLE_VARIABLES, "discriminator/", vars, 16, st);
  size_t n_all = rc ? 0 : vs_trainable_variables(g, NULL, vars, 16, st);
  if (!rc) {
    printf("trainable variables: %zu (generator %zu, discriminator %zu)\n", n_all, n_gen, n_disc);
    for (size_t i = 0; i < n_all && i < 16; i++) printf("  %s\n", vs_var_name(vars[i]));
    rc = n_gen != 4 || n_disc != 4 || n_all != 8;
  }
  vs_session *s = rc ? NULL : vs_session_new(g, NULL, st);
  vs_op *init = s ? vs_global_variables_initializer(g, st) : NULL;
  if (s) vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  rc |= check(st, "initialise");
  float real_data[BATCH * SAMPLE], noise[BATCH * NOISE];
  unsigned seed = 1;
  for (int i = 0; i < BATCH * SAMPLE; i++) real_data[i] = (float)((seed = seed * 1664525u + 1013904223u) >> 8) / 16777216.0f;
  for (int i = 0; i < BATCH * NOISE; i++) noise[i] = (float)((seed = seed * 1664525u + 1013904223u) >> 8) / 8388608.0f - 1;
  vs_tensor *feeds[2] = {vs_tensor_new(VS_FLOAT, VS_SHAPE(BATCH, SAMPLE), real_data, st),
                         vs_tensor_new(VS_FLOAT, VS_SHAPE(BATCH, NOISE), noise, st)};
  vs_tensor *out[3] = {NULL, NULL, NULL}, *again = NULL;
  if (!rc) {
    vs_output fk[2] = {real, z}, ft[3] = {d_real, d_fake, fake};
    vs_session_run(s, fk, feeds, 2, ft, out, 3, NULL, 0, st);
    rc = check(st, "scores");
  }
  if (!rc) { /* the generated samples through the real path */
    vs_session_run(s, &real, &out[2], 1, &d_real, &again, 1, NULL, 0, st);
    rc = check(st, "rescore");
  }
  if (!rc) {
    const float *dr = vs_tensor_data(out[0]), *df = vs_tensor_data(out[1]), *dg = vs_tensor_data(again);
    printf("D(real)[0..3] = %+.4f %+.4f %+.4f %+.4f\n", dr[0], dr[1], dr[2], dr[3]);
    printf("D(G(z))[0..3] = %+.4f %+.4f %+.4f %+.4f\n", df[0], df[1], df[2], df[3]);
    bool same = memcmp(df, dg, BATCH * sizeof(float)) == 0;
    printf("G(z) fed to the real path scores %s D(G(z)): the discriminator's variables are shared\n",
           same ? "exactly" : "DIFFERENTLY from");
    rc = !same;
  }
  for (int i = 0; i < 3; i++) vs_tensor_free(out[i]);
  vs_tensor_free(again);
  vs_tensor_free(feeds[0]);
  vs_tensor_free(feeds[1]);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
  return rc;
}
