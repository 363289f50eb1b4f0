"""tests/integration/serve_loop.py -- how the test servers (hostile_acme.py, acme_front.py) run:
in a thread, with their port published atomically for the harness, until SIGTERM/SIGINT or
their lifetime ends. Standard library only."""

import os
import signal
import threading


def serve_until_stopped(server, port_file, lifetime_s, say, banner):
    """Serve `server` (a socketserver with a `stop` threading.Event) in a thread; write its
    port to port_file (via a temporary file and a rename, so a reader never sees half a
    number); say banner; return after SIGTERM, SIGINT or lifetime_s seconds, shut down."""
    signal.signal(signal.SIGTERM, lambda *_: server.stop.set())
    signal.signal(signal.SIGINT, lambda *_: server.stop.set())
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                     daemon=True).start()
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, port_file)
    say(banner)
    server.stop.wait(lifetime_s)
    say("stopping")
    server.stop.set()
    server.shutdown()
    server.server_close()
