"""peer_serve.py - what the benches' peer scripts (conv_tf.py, gemm_tf.py,
train_tf.py) share: timing a run, and the request loop that makes each a
co-process of its bench (bench/peer.h). One copy, so the protocol the C
side parses is written once."""
import sys
import time


def median(v):
    """The middle of v (the upper middle one for an even count, as the
    benches' own medians)."""
    return sorted(v)[len(v) // 2]


def timed(run, reps):
    """Median wall and CPU seconds of reps calls of run() (CPU: the whole
    process, all its threads)."""
    ts, cs = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        run()
        ts.append(time.perf_counter() - t0)
        cs.append(time.process_time() - c0)
    return median(ts), median(cs)


def serve(fields, make):
    """Answers "run <index> <reps> <field> ..." lines on stdin until EOF,
    fields naming the request's integers after <reps> (for the error text).
    make(index, *values) returns (run, close): a warmed-up run() of one
    timed unit and its close(); the last one made is kept while requests
    repeat its index and values. Each request's answer is one line,
    "result <index> <seconds> <cpu seconds>" (timed(run, reps)), or
    "unavailable <why>" when it fails; the loop goes on to the next."""
    want = "run <index> <reps>" + "".join(" <%s>" % f for f in fields)
    key, run, close = None, None, None
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if words[0] != "run" or len(words) != 3 + len(fields):
                raise ValueError("bad request %r (want: %s)" % (line.strip(), want))
            i, reps, values = int(words[1]), max(1, int(words[2])), tuple(int(w) for w in words[3:])
            if (i,) + values != key:
                if close:
                    close()
                key, run, close = None, None, None  # a make that fails leaves nothing half-current
                run, close = make(i, *values)
                key = (i,) + values
            t, cpu = timed(run, reps)
        except Exception as e:  # noqa: BLE001 - any failure is the peer's answer, not a crash
            print("unavailable %s" % str(e).replace("\n", " ")[:500], flush=True)
            continue
        print("result %d %.9f %.9f" % (i, t, cpu), flush=True)
