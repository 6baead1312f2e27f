"""Twins of conformance/cases/assignment.c (spec §2.4)."""
from .harness import case, tf


@case
def assign_add_then_read_under_control_dependency(t):
    v = tf.Variable(0, name="v")
    with tf.name_scope("step"):
        one = tf.constant(1, name="Const")
        inc = v.assign_add(one)
        with tf.control_dependencies([inc]):
            rd = v.read_value()
    t.eq(inc.op.name, "step/AssignAdd")
    t.eq(inc.op.type, "AssignAdd")
    t.eq(rd.op.name, "step/read")
    with t.session() as s:
        s.run(v.initializer)
        t.eq(int(s.run(rd)), 1)
        t.eq(int(s.run(rd)), 2)


@case
def assign_and_assign_sub_values(t):
    v = tf.Variable([1., 2.], name="v")
    a = v.assign(tf.constant([5., 6.], name="Const"))
    sub = v.assign_sub(tf.constant([1., 1.], name="Const"))
    add = v.assign_add(tf.constant([10., 10.], name="Const"))
    t.eq(a.op.name, "Assign")
    t.eq(sub.op.name, "AssignSub")
    with t.session() as s:
        s.run(v.initializer)
        t.eq(s.run(a).tolist(), [5., 6.])
        t.eq(s.run(sub).tolist(), [4., 5.])
        t.eq(s.run(add).tolist(), [14., 15.])


@case
def assign_incompatible_shape_fails(t):
    v = tf.Variable([1., 2.], name="v")
    c = tf.constant([1., 2., 3.], name="Const")
    t.raises(ValueError, lambda: v.assign(c), msg=(
        "Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes are [2] and [3]. for "
        "'{{node Assign}} = Assign[T=DT_FLOAT, use_locking=false, validate_shape=true](v, Const)' "
        "with input shapes: [2], [3]."))


@case
def assign_without_validate_shape_reshapes(t):
    v = tf.Variable([1., 2.], name="v")
    a = tf.assign(v, tf.constant([1., 2., 3.], name="Const"), validate_shape=False)
    with t.session() as s:
        s.run(v.initializer)
        t.eq(s.run(a).tolist(), [1., 2., 3.])


@case
def assign_add_scalar_to_vector_fails(t):
    v = tf.Variable([1., 2.], name="v")
    ten = tf.constant(10., name="Const")
    t.raises(ValueError, lambda: v.assign_add(ten), msg=(
        "Shapes must be equal rank, but are 1 and 0 for '{{node AssignAdd}} = AssignAdd[T=DT_FLOAT, "
        "use_locking=false](v, Const)' with input shapes: [2], []."))
