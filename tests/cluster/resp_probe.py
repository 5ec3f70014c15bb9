"""resp_probe.py - checks of the coordinator's RESP front that need exact
control of the bytes on one connection: what a pipelined burst, a
half-closed socket, an oversized value, a thousand idle clients or a
hostile client get back.

    python3 resp_probe.py PORT CHECK [ARGS...]

Each check prints one line saying what it saw and exits 1 with a reason
when the front does not behave like Redis would. Only the standard library
is used (the redis-py checks are in redis_py.py).
"""
import socket
import sys
import time


class Conn:
    """One RESP connection with a reply reader (RESP2 replies only)."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout)
        self.buf = b""

    def send(self, *cmds):
        """Sends every command (a list of str/bytes arguments) at once."""
        out = []
        for cmd in cmds:
            out.append(b"*%d\r\n" % len(cmd))
            for a in cmd:
                a = a if isinstance(a, bytes) else str(a).encode()
                out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError("the coordinator closed the connection")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        """The next reply: bytes, int, None, list, or an Exception."""
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest
        if kind == b"-":
            return Exception(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            val, self.buf = self.buf[:n], self.buf[n + 2:]
            return val
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise ValueError("not a RESP reply: %r" % line[:80])

    def call(self, *args):
        self.send(list(args))
        return self.reply()

    def close(self):
        self.sock.close()


def fail(msg):
    print("  FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def want(got, expected, what):
    if got != expected:
        shown = got if not isinstance(got, bytes) or len(got) < 80 else (
            "%d bytes" % len(got))
        fail("%s: got %r, want %r" % (what, shown, expected))


def check_values(port):
    """Values of any size up to 1 MiB, the empty one included, are stored
    and read back on the same connection; a larger one gets -ERR and the
    connection goes on."""
    c = Conn(port)
    for size in (2000, 0, 65536, 1 << 20):
        val = bytes((i * 7) % 251 for i in range(size))
        want(c.call("SET", "val%d" % size, val), b"OK", "SET of %d bytes" % size)
        want(c.call("GET", "val%d" % size), val, "GET of %d bytes" % size)
    for size in ((1 << 20) + 1, 3 << 20):
        r = c.call("SET", "toobig", b"x" * size)
        if not isinstance(r, Exception) or "value of %d bytes" % size not in str(r):
            fail("SET of %d bytes: got %r, want -ERR value of %d bytes"
                 % (size, r if not isinstance(r, bytes) else r[:40], size))
        want(c.call("PING"), b"PONG", "PING after a %d-byte value" % size)
    r = c.call("MSET", "a", "1", "b", b"y" * (2 << 20))
    if not isinstance(r, Exception) or "value of" not in str(r):
        fail("MSET with a 2 MiB value: got %r" % (r,))
    want(c.call("PING"), b"PONG", "PING after MSET with a 2 MiB value")
    print("  values of 2000, 0, 65536 and 1048576 bytes stored and read "
          "back; 1 MiB + 1 and 3 MiB refused with -ERR, connection kept")


def check_halfclose(port):
    """A client that sends and then shuts its sending side still gets every
    reply, in order, before the coordinator closes."""
    c = Conn(port)
    c.sock.sendall(b"SET hc v1\r\nGET hc\r\nPING\r\nGET hc-none\r\n")
    c.sock.shutdown(socket.SHUT_WR)
    got = [c.reply() for _ in range(4)]
    want(got, [b"OK", b"v1", b"PONG", None], "replies to a half-closed client")
    try:
        c._fill()
        fail("the connection stayed open after the replies")
    except EOFError:
        pass
    print("  half-closed client: 4 replies, then the coordinator closed")


def check_ryw(port, rounds=50):
    """SET k v then GET k in the same packet reads v, every time, on the
    default read policy (replicas apply asynchronously)."""
    c = Conn(port)
    stale = 0
    for i in range(rounds):
        c.send(["SET", "ryw", "v%d" % i], ["GET", "ryw"])
        want(c.reply(), b"OK", "SET")
        if c.reply() != b"v%d" % i:
            stale += 1
    if stale:
        fail("%d of %d pipelined GETs missed the write just before them"
             % (stale, rounds))
    print("  read-your-writes: %d of %d pipelined SET-then-GET read their "
          "own write" % (rounds, rounds))


def check_args(port):
    """Commands with thousands of arguments are served and keep the
    connection: MSET of 600 pairs, MGET of 2,000 and 20,000 keys."""
    c = Conn(port)
    args = ["MSET"]
    for i in range(600):
        args += ["arg%d" % i, "v%d" % i]
    want(c.call(*args), b"OK", "MSET of 600 pairs")
    for n in (2000, 20000):
        got = c.call("MGET", *["arg%d" % i for i in range(n)])
        if not isinstance(got, list) or len(got) != n:
            fail("MGET of %d keys: got %r" % (n, str(got)[:80]))
        want(got[:600], [b"v%d" % i for i in range(600)],
             "MGET of %d keys, the 600 set" % n)
        want(got[600:], [None] * (n - 600), "MGET of %d keys, the rest" % n)
    want(c.call("PING"), b"PONG", "PING after MGET of 20000 keys")
    print("  MSET of 600 pairs, MGET of 2000 and 20000 keys: answered, "
          "connection kept")


def check_idle(port, n):
    """n idle clients do not lock anyone out: a new one gets INFO and a
    SET answered."""
    idle = [Conn(port) for _ in range(n)]
    c = Conn(port)
    info = c.call("INFO", "stats")
    if isinstance(info, Exception) or b"connected_clients:" not in info:
        fail("INFO with %d idle clients: %r" % (n, info))
    want(c.call("SET", "idle", "ok"), b"OK", "SET with %d idle clients" % n)
    for i in idle:
        i.close()
    print("  %d idle clients: a new client still gets INFO and SET" % n)


def check_cap(port, cap, timeout_s):
    """With max_clients = cap busy, a new client gets INFO (room kept for
    admin) and -ERR for data; once the idle ones time out, data works."""
    idle = [Conn(port) for _ in range(cap)]
    for i in idle:
        want(i.call("PING"), b"PONG", "PING from one of the first %d" % cap)
    c = Conn(port)
    info = c.call("INFO", "stats")
    if isinstance(info, Exception) or b"connected_clients:" not in info:
        fail("INFO at the client cap: %r" % (info,))
    r = c.call("SET", "cap", "x")
    if not isinstance(r, Exception) or "max number of clients" not in str(r):
        fail("SET at the client cap: got %r" % (r,))
    time.sleep(timeout_s + 2.5)
    closed = 0
    for i in idle:
        try:
            i.sock.settimeout(1.0)
            i._fill()
        except (EOFError, ConnectionResetError):
            closed += 1
        except socket.timeout:
            pass
    want(closed, cap, "idle clients closed after idle_timeout_s")
    d = Conn(port)
    want(d.call("SET", "cap", "x"), b"OK", "SET after the idle ones left")
    print("  cap %d: INFO still answered, SET refused; %d idle clients "
          "closed after %d s; then SET works" % (cap, closed, timeout_s))


def check_hostile(port):
    """What an attacker sends gets an error, never a crash or a stall:
    negative and huge lengths, random bytes, and slowloris clients that
    send a command one byte at a time while a normal client is served."""
    bad = [b"*1\r\n$-5\r\nhello\r\n", b"*1\r\n$99999999999999\r\n",
           b"*99999999999999\r\n", b"*-7\r\nPING\r\n", b"$12\r\n",
           bytes(range(256)) * 16]
    for raw in bad:
        c = Conn(port, timeout=5.0)
        c.sock.sendall(raw)
        try:
            c.reply()  # an error, or nothing: both fine
        except (EOFError, socket.timeout, ConnectionError, ValueError):
            pass  # it hung up: fine too
        c.close()
        want(Conn(port).call("PING"), b"PONG", "PING after %r" % raw[:20])
    slow = [Conn(port) for _ in range(50)]
    cmd = b"*3\r\n$3\r\nSET\r\n$4\r\nslow\r\n$1\r\nx\r\n"
    normal, worst = Conn(port), 0.0
    for i in range(len(cmd) - 1):
        for s in slow:
            s.sock.sendall(cmd[i:i + 1])
        t = time.time()
        want(normal.call("PING"), b"PONG", "PING beside slowloris clients")
        worst = max(worst, time.time() - t)
        time.sleep(0.02)
    for s in slow:
        s.sock.sendall(cmd[-1:])
        want(s.reply(), b"OK", "the slowloris SET once complete")
    print("  hostile: %d bad inputs refused, PING still answered; 50 "
          "slowloris clients: slowest PING %.0f ms" % (len(bad),
                                                       worst * 1000))


def main():
    port, check = int(sys.argv[1]), sys.argv[2]
    rest = [int(a) for a in sys.argv[3:]]
    {
        "values": check_values,
        "halfclose": check_halfclose,
        "ryw": check_ryw,
        "args": check_args,
        "idle": check_idle,
        "cap": check_cap,
        "hostile": check_hostile,
    }[check](port, *rest)


if __name__ == "__main__":
    main()
