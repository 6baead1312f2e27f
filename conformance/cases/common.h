/* conformance/cases/common.h - TensorFlow's texts shared by the case files.
 * TF 2.x wording is what varscope and the oracle (TF 2.21) use; where TF
 * 1.15 differs, its text is given beside it (see the Python twins, which
 * check whichever their TensorFlow prints). */
#ifndef VARSCOPE_CONFORMANCE_COMMON_H
#define VARSCOPE_CONFORMANCE_COMMON_H

#include <stdio.h>

#include "../harness.h"

/* E9, TF 2.x (TF 1.15: "'%s' is not a valid scope name"). */
#define ROOT_PATTERN "^[A-Za-z0-9.][A-Za-z0-9_.\\\\/>-]*$"
#define SCOPE_PATTERN "^[A-Za-z0-9_.\\\\/>-]*$"
#define ROOT_SCOPE_ERR(n)                                                                    \
  "'" n "' is not a valid root scope name. A root scope name has to match the following " \
  "pattern: " ROOT_PATTERN
#define SCOPE_ERR(n)                                                                         \
  "'" n "' is not a valid scope name. A scope name has to match the following pattern: "   \
  SCOPE_PATTERN
/* An op name checked by the graph itself (TF 2.x C-API graphs). */
#define NODE_ERR(n)                                                                          \
  "`" n "` is not a valid node name. Accepted names conform to Regex "                     \
  "/re.compile('^[A-Za-z0-9.][A-Za-z0-9_.\\\\\\\\/>-]*$')/"

/* E1 up to "VarScope?": RefVariables append " Originally defined at:" and a
 * Python traceback, which C cannot give. */
#define E1(n)                                                                                \
  "Variable " n " already exists, disallowed. Did you mean to set reuse=True or "          \
  "reuse=tf.AUTO_REUSE in VarScope?"
#define E2(n)                                                                                \
  "Variable " n " does not exist, or was not created with tf.get_variable(). Did you mean " \
  "to set reuse=tf.AUTO_REUSE in VarScope?"
#define E19                                                                                  \
  "The initializer passed is not valid. It should be a callable with no arguments and the " \
  "shape should not be provided or an instance of `tf.keras.initializers.*' and `shape` "  \
  "should be fully defined."

#define EXPECT_E1(n) ERR_HEAD(VS_ALREADY_EXISTS, "ValueError", E1(n))
#define EXPECT_E2(n) ERR(VS_NOT_FOUND, "ValueError", E2(n))

#endif
