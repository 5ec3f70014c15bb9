"""redis_py.py - redis-py (Debian's python3-redis) against the coordinator,
as an engineer's own client would use it.

    python3 redis_py.py PORT

Pipelines of 10,000 commands: SETs, then GETs of what was set, then SET
and GET of each key interleaved (each GET must see the SET before it on
the same connection). Exits 1 with a reason on the first wrong reply.
"""
import sys
import time

import redis

N = 10000


def main():
    r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]),
                    socket_timeout=30)
    t0 = time.monotonic()
    p = r.pipeline(transaction=False)
    for i in range(N):
        p.set("py:%d" % i, "v%d" % i)
    got = p.execute()
    if got != [True] * N:
        sys.exit("  FAIL: %d SETs: %d not OK" % (N, sum(g is not True for g in got)))
    p = r.pipeline(transaction=False)
    for i in range(N):
        p.get("py:%d" % i)
    got = p.execute()
    bad = [i for i in range(N) if got[i] != b"v%d" % i]
    if bad:
        sys.exit("  FAIL: %d of %d GETs wrong, first py:%d = %r"
                 % (len(bad), N, bad[0], got[bad[0]]))
    p = r.pipeline(transaction=False)
    for i in range(N // 2):
        p.set("py:%d" % i, "w%d" % i)
        p.get("py:%d" % i)
    got = p.execute()
    bad = [i for i in range(N // 2) if got[2 * i + 1] != b"w%d" % i]
    if bad:
        sys.exit("  FAIL: %d of %d interleaved GETs missed the SET before "
                 "them" % (len(bad), N // 2))
    print("  redis-py: 3 pipelines of %d commands answered in order in "
          "%.1f s" % (N, time.monotonic() - t0))


if __name__ == "__main__":
    main()
