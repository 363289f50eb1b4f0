#!/usr/bin/env python3
"""Check fw-nettest's TCP echo server, then tell it to stop.

    echo_check.py HOST PORT [--no-stop]

Sends 4000 random bytes (several TCP segments, so the firmware's receive and
send paths see pbuf chains and more than one window's worth of ACKs), reads
them back and compares; then sends "stop" and expects it echoed. Exit 0 when
everything came back unchanged, 1 otherwise. Every socket call is bounded by
a 5-second timeout.
"""
import os
import socket
import sys


def read_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    stop = "--no-stop" not in sys.argv[3:]
    payload = os.urandom(4000)
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(payload)
        back = read_exactly(sock, len(payload))
        if back != payload:
            print(f"echo_check: sent {len(payload)} bytes, got {len(back)} back"
                  f"{' (different)' if len(back) == len(payload) else ''}")
            return 1
        print(f"echo_check: {len(payload)} bytes echoed unchanged")
        if stop:
            sock.sendall(b"stop")
            if read_exactly(sock, 4) != b"stop":
                print("echo_check: 'stop' not echoed")
                return 1
            print("echo_check: stop sent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
