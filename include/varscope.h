/* varscope.h - the whole public API of varscope.
 *
 * varscope gives C programs TensorFlow 1's variable-sharing model: name
 * scopes, variable scopes with reuse, get_variable versus Variable naming,
 * collections and initializers, with TensorFlow's names and error texts.
 * Conventions (see README.md): opaque handles owned by their graph, a
 * vs_status * last in every fallible call, option structs for keyword
 * arguments.
 */
#ifndef VARSCOPE_H
#define VARSCOPE_H

#include "varscope/status.h"
#include "varscope/types.h"
#include "varscope/initializer.h"
#include "varscope/graph.h"
#include "varscope/scope.h"
#include "varscope/variable.h"
#include "varscope/device.h"
#include "varscope/devices.h"
#include "varscope/ops.h"
#include "varscope/nn.h"
#include "varscope/tensor.h"
#include "varscope/session.h"
#include "varscope/saver.h"
#include "varscope/train.h"
#include "varscope/export.h"
#include "varscope/version.h"

#endif
