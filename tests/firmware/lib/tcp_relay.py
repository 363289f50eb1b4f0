#!/usr/bin/env python3
"""Relay stdin/stdout to one TCP connection: QEMU user networking's
guestfwd=tcp:ADDR:PORT-cmd:... runs this once per guest connection, which lets
the board reach a server on the host's 127.0.0.1 (restrict=on stays on).

    tcp_relay.py HOST PORT [SECONDS]

Ends when either side closes, or after SECONDS (default 120) in any case.
Only ever connects to HOST:PORT, which the test passes as a loopback address.
"""
import os
import selectors
import socket
import sys
import time


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    limit_s = float(sys.argv[3]) if len(sys.argv) > 3 else 120.0
    if not host.startswith("127."):
        sys.exit("tcp_relay.py: loopback addresses only")
    deadline = time.monotonic() + limit_s
    sock = socket.create_connection((host, port), timeout=5)
    sock.setblocking(False)
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    sel = selectors.DefaultSelector()
    sel.register(stdin, selectors.EVENT_READ, "in")
    sel.register(sock, selectors.EVENT_READ, "sock")
    open_sides = 2
    while open_sides > 0 and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=max(0.0, deadline - time.monotonic())):
            if key.data == "in":
                data = os.read(stdin, 65536)
                if not data:
                    sel.unregister(stdin)
                    sock.shutdown(socket.SHUT_WR)
                    open_sides -= 1
                else:
                    sock.setblocking(True)
                    sock.sendall(data)
                    sock.setblocking(False)
            else:
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    continue
                if not data:
                    sel.unregister(sock)
                    open_sides -= 1
                    # The guest sees the close only once stdout closes.
                    os.close(stdout)
                    open_sides = 0
                else:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(stdout, view):]
    sock.close()


if __name__ == "__main__":
    main()
