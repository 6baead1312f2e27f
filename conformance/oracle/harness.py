"""The oracle's harness: Python twins of the C conformance cases.

Each twin is a function registered with @case in conformance/oracle/<suite>.py,
named exactly as its C case in conformance/cases/<suite>.c. It runs the same
scenario under real TensorFlow (tf.compat.v1, graph mode, v2 behaviour
disabled, so RefVariables) in a fresh graph, and asserts the same names,
error classes, message fragments and values through `t`.

Where TF 2.x words a message differently from TF 1.15, a case passes both
texts to t.pick(v115=..., v2=...) and checks the one of the running version.
"""
import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# TF's x86 wheels route CPU kernels through oneDNN by default only on CPUs
# with AVX-512 VNNI, BF16 or AMX; elsewhere (an AVX2 Zen 3, say) Eigen's
# Conv2DBackpropFilter refuses dilation ("Current CPU implementations do not
# yet support dilation rates larger than 1"), a limit of that kernel, not of
# the op (GPUs and oneDNN compute it). The oracle checks the op, so it asks
# for oneDNN on every CPU; a value the caller set is kept.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import tensorflow as _tf  # noqa: E402

tf = _tf.compat.v1
tf.disable_v2_behavior()
tf.logging.set_verbosity(tf.logging.ERROR)

TF_VERSION = _tf.__version__
TF1 = TF_VERSION.startswith("1.")

_REGISTRY = {}


def case(fn):
    """Registers a twin under its module's suite name."""
    suite = fn.__module__.rsplit(".", 1)[-1]
    _REGISTRY.setdefault(suite, []).append(fn)
    return fn


def registry():
    return _REGISTRY


class CaseFailure(AssertionError):
    pass


E1 = ("Variable %s already exists, disallowed. Did you mean to set reuse=True or "
      "reuse=tf.AUTO_REUSE in VarScope?")
E2 = ("Variable %s does not exist, or was not created with tf.get_variable(). Did you "
      "mean to set reuse=tf.AUTO_REUSE in VarScope?")


class T:
    """Assertions for one twin; a failed check raises CaseFailure."""

    tf = tf
    np = np
    TF1 = TF1

    def fail(self, msg):
        raise CaseFailure(msg)

    def check(self, cond, msg="check failed"):
        if not cond:
            self.fail(msg)

    def eq(self, got, want, what="value"):
        if got != want:
            self.fail("%s is %r, want %r" % (what, got, want))

    def near(self, got, want, tol, what="value"):
        if not abs(float(got) - float(want)) <= tol:
            self.fail("%s is %.9g, want %.9g" % (what, float(got), float(want)))

    def name(self, obj, want):
        """A variable's / tensor's name ('foo/v:0') or an op's name."""
        self.eq(obj.name, want, "name")

    def pick(self, v115, v2):
        return v115 if TF1 else v2

    def raises(self, exc, fn, msg=None, head=None, fragment=None):
        """fn() raises exactly `exc` (by class name for tf.errors) with the
        message equal to `msg`, starting with `head`, or containing `fragment`."""
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            want = exc if isinstance(exc, str) else exc.__name__
            got = type(e).__name__
            if got != want:
                self.fail("raised %s (%s), want %s" % (got, e, want))
            text = e.message if isinstance(e, tf.errors.OpError) else (
                e.args[0] if e.args and isinstance(e.args[0], str) else str(e))
            if msg is not None and text != msg:
                self.fail("message %r, want %r" % (text, msg))
            if head is not None and not text.startswith(head):
                self.fail("message %r does not start with %r" % (text, head))
            if fragment is not None and fragment not in text:
                self.fail("message %r does not contain %r" % (text, fragment))
            return e
        self.fail("no exception, want %s" % (exc if isinstance(exc, str) else exc.__name__))

    def e1(self, fn, name):
        # RefVariables append " Originally defined at:" and the traceback.
        return self.raises(ValueError, fn, head=E1 % name)

    def e2(self, fn, name):
        return self.raises(ValueError, fn, msg=E2 % name)

    def collection(self, key, scope=None):
        return " ".join(x.name for x in tf.get_collection(key, scope) if hasattr(x, "name"))

    def session(self):
        return tf.Session(graph=tf.get_default_graph())


def run_case(fn):
    """Runs one twin in a fresh graph. Returns (ok, message)."""
    graph = tf.Graph()
    try:
        with graph.as_default():
            fn(T())
        return True, ""
    except CaseFailure as e:
        return False, str(e)
    except Exception as e:  # noqa: BLE001
        tb, where = sys.exc_info()[2], "?"
        while tb:
            f = tb.tb_frame.f_code.co_filename
            if os.path.dirname(os.path.abspath(f)) == os.path.dirname(os.path.abspath(__file__)):
                where = "%s:%d" % (os.path.basename(f), tb.tb_lineno)
            tb = tb.tb_next
        return False, "unexpected %s: %s (%s)" % (type(e).__name__, e, where)


__all__ = ["case", "tf", "np", "T", "TF1", "TF_VERSION", "E1", "E2", "registry", "run_case"]
