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
 *   xent = tf.nn.sigmoid_cross_entropy_with_logits
 *   d_loss = tf.reduce_mean(xent(labels=tf.ones_like(d_real), logits=d_real)) +
 *            tf.reduce_mean(xent(labels=tf.zeros_like(d_fake), logits=d_fake))
 *   g_loss = tf.reduce_mean(xent(labels=tf.ones_like(d_fake), logits=d_fake))
 *   d_train = tf.train.AdamOptimizer(2e-3, beta1=0.5).minimize(
 *       d_loss, var_list=tf.trainable_variables("discriminator"), name="d_train")
 *   g_train = tf.train.AdamOptimizer(2e-3, beta1=0.5).minimize(
 *       g_loss, var_list=tf.trainable_variables("generator"), name="g_train")
 *
 * Checks: four generator and four discriminator variables, found by
 * get_collection(TRAINABLE_VARIABLES, scope); feeding the generated samples
 * to the *real* path gives exactly d_fake, which is only possible when both
 * paths read the same variables; each optimizer updates only its own
 * network's variables; and after training the generator's samples are
 * closer to the real data's mean than before (the real samples are a fixed
 * curve plus noise, made here). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "varscope.h"

enum { BATCH = 16, NOISE = 16, HIDDEN = 32, SAMPLE = 64, STEPS = 1000 };

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

static uint32_t lcg = 12345;
static float uniform(void) { return (float)((lcg = lcg * 1664525u + 1013904223u) >> 8) / 16777216.0f; }

/* A real batch: the curve 0.5 * sin(k / 6) plus uniform noise of +-0.05. */
static void real_batch(float *x) {
  for (int i = 0; i < BATCH; i++)
    for (int k = 0; k < SAMPLE; k++) x[i * SAMPLE + k] = 0.5f * sinf((float)k / 6.0f) + 0.1f * (uniform() - 0.5f);
}

static void noise_batch(float *x) {
  for (int i = 0; i < BATCH * NOISE; i++) x[i] = 2.0f * uniform() - 1.0f;
}

/* Mean over the batch and the samples of |G(z) - the real curve|. */
static double distance(const float *fake) {
  double d = 0;
  for (int i = 0; i < BATCH; i++)
    for (int k = 0; k < SAMPLE; k++) d += fabs(fake[i * SAMPLE + k] - 0.5 * sin((double)k / 6.0));
  return d / (BATCH * SAMPLE);
}

/* The sum of the variables' values: did an optimizer touch them? */
static double checksum(vs_session *s, vs_var *const *vars, size_t n, vs_status *st) {
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    vs_tensor *t = vs_session_variable_value(s, vars[i], st);
    if (!t) return NAN;
    const float *d = vs_tensor_data(t);
    for (size_t k = 0; k < vs_tensor_num_elements(t); k++) sum += d[k];
    vs_tensor_free(t);
  }
  return sum;
}

/* reduce_mean(sigmoid_cross_entropy_with_logits(labels=label everywhere, logits)). */
static vs_output xent(vs_graph *g, vs_output logits, float label, vs_status *st) {
  float labels[BATCH];
  for (int i = 0; i < BATCH; i++) labels[i] = label;
  vs_output l = vs_constant(g, labels, VS_FLOAT, VS_SHAPE(BATCH, 1), label != 0 ? "ones_like" : "zeros_like", st);
  return vs_reduce_mean(g, vs_sigmoid_cross_entropy_with_logits(g, l, logits, NULL, st), NULL, st);
}

/* Builds the losses and both optimizers, trains STEPS steps, each a
 * discriminator step then a generator step, and checks what they did. */
static int train(vs_graph *g, vs_session *s, vs_output real, vs_output z, vs_output d_real, vs_output d_fake,
                 vs_output fake, vs_status *st) {
  vs_output d_loss = vs_add(g, xent(g, d_real, 1, st), xent(g, d_fake, 0, st), "d_loss", st);
  vs_output g_loss = xent(g, d_fake, 1, st);
  vs_var *d_vars[8], *g_vars[8];
  size_t nd = vs_trainable_variables(g, "discriminator", d_vars, 8, st);
  size_t ng = vs_trainable_variables(g, "generator", g_vars, 8, st);
  vs_adam_opts adam = {.learning_rate = VS_OPT_DOUBLE(2e-3), .beta1 = VS_OPT_DOUBLE(0.5)};
  vs_optimizer *d_opt = vs_adam_optimizer(&adam, st), *g_opt = vs_adam_optimizer(&adam, st);
  vs_op *d_train = vs_optimizer_minimize(d_opt, d_loss, &(vs_minimize_opts){.var_list = d_vars, .n_vars = nd,
                                                                             .name = "d_train"}, st);
  vs_op *g_train = vs_optimizer_minimize(g_opt, g_loss, &(vs_minimize_opts){.var_list = g_vars, .n_vars = ng,
                                                                             .name = "g_train"}, st);
  int rc = check(st, "optimizers");
  if (!rc) {
    printf("train ops %s and %s; slots e.g. %s, %s; %s\n", vs_op_name(d_train), vs_op_name(g_train),
           vs_var_name(vs_optimizer_get_slot(d_opt, d_vars[0], "m")),
           vs_var_name(vs_optimizer_get_slot(g_opt, g_vars[0], "v")),
           vs_var_name(vs_optimizer_get_non_slot_variable(g_opt, g, "beta1_power")));
    vs_op *init = vs_global_variables_initializer(g, st); /* the slots and beta powers too */
    vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
    rc = check(st, "initialise the optimizers");
  }
  float xr[BATCH * SAMPLE], xz[BATCH * NOISE];
  vs_tensor *tr = vs_tensor_new(VS_FLOAT, VS_SHAPE(BATCH, SAMPLE), NULL, st);
  vs_tensor *tz = vs_tensor_new(VS_FLOAT, VS_SHAPE(BATCH, NOISE), NULL, st);
  double before = 0, after = 0, g_sum = rc ? 0 : checksum(s, g_vars, ng, st);
  vs_output feeds[2] = {real, z};
  vs_tensor *vals[2] = {tr, tz};
  for (int step = 0; !rc && step <= STEPS; step++) {
    real_batch(xr);
    noise_batch(xz);
    memcpy(vs_tensor_data(tr), xr, sizeof xr);
    memcpy(vs_tensor_data(tz), xz, sizeof xz);
    vs_output fetch[3] = {d_loss, g_loss, fake};
    vs_tensor *got[3] = {NULL, NULL, NULL};
    vs_session_run(s, feeds, vals, 2, fetch, got, 3, &d_train, 1, st); /* losses and G(z) before the D step */
    if (!(rc = check(st, "discriminator step"))) {
      double dist = distance(vs_tensor_data(got[2]));
      if (step == 0) before = dist;
      if (step > STEPS - 100) after += dist / 100; /* the last 100 steps' mean: GAN losses oscillate */
      if (step % 100 == 0)
        printf("step %3d  d_loss %.4f  g_loss %.4f  |G(z) - real curve| %.4f\n", step,
               *(float *)vs_tensor_data(got[0]), *(float *)vs_tensor_data(got[1]), dist);
    }
    for (int i = 0; i < 3; i++) vs_tensor_free(got[i]);
    if (!rc && step == 0) { /* the D step left the generator alone */
      double now = checksum(s, g_vars, ng, st);
      if (now != g_sum) {
        fprintf(stderr, "the discriminator's optimizer changed the generator\n");
        rc = 1;
      }
    }
    if (!rc && step < STEPS) {
      vs_session_run(s, &z, &tz, 1, NULL, NULL, 0, &g_train, 1, st);
      rc = check(st, "generator step");
    }
  }
  if (!rc) {
    printf("the generated samples moved from %.4f to %.4f (mean of the last 100 steps) from the real curve: %s\n",
           before, after, after < 0.6 * before ? "the GAN trains" : "NOT TRAINING");
    rc = !(after < 0.6 * before);
  }
  vs_tensor_free(tr);
  vs_tensor_free(tz);
  vs_optimizer_free(d_opt);
  vs_optimizer_free(g_opt);
  return rc;
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
  if (!rc) rc = train(g, s, real, z, d_real, d_fake, fake, st);
  for (int i = 0; i < 3; i++) vs_tensor_free(out[i]);
  vs_tensor_free(again);
  vs_tensor_free(feeds[0]);
  vs_tensor_free(feeds[1]);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
  return rc;
}
