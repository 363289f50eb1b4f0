#!/usr/bin/env python3
"""tests/integration/mini_acme.py -- a minimal ACME client (RFC 8555) for testing the test
servers themselves (acme_front.py in test_front.sh), not a model of a good client: ES256
account key, http-01 only, one connection per request, badNonce retried.

Standard library only, plus the openssl command line for keys, signatures and the CSR.

    mini_acme.py --dir URL --trust PEM --key ACCOUNT.key [--http01-port N] COMMAND ...

    issue NAME --out CERT.pem [--profile P] [--replaces CERTID]
        a whole issuance (http-01 answered on 127.0.0.1:--http01-port); prints JSON
        {"order_url", "created": newOrder's answer body, "order": the final order body}
    new-order NAME [--profile P] [--replaces CERTID]
        one newOrder, nothing more; prints JSON {"status", "type" (problem type or null),
        "body", "location", "nonce" (its Replay-Nonce or null), "nonce_status": the HTTP
        status of a POST-as-GET of the account signed with that nonce (null without one)}
    get URL       a POST-as-GET; prints JSON {"status", "body"}

The account key file is created when missing; the account is found again by newAccount.
"""

import argparse
import base64
import hashlib
import http.client
import http.server
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

POLL_S = 15
OPENSSL_TIMEOUT_S = 20


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def openssl(*argv, data=None):
    return subprocess.run(("openssl",) + argv, input=data, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=OPENSSL_TIMEOUT_S).stdout


def der_ints(sig):
    """r and s of a DER ECDSA signature, 32 bytes each (ES256 wants them raw)."""
    if sig[0] != 0x30:
        raise ValueError("not an ECDSA signature")
    pos, out = 2 if sig[1] < 0x80 else 3, b""
    for _ in range(2):
        length = sig[pos + 1]
        out += sig[pos + 2:pos + 2 + length].lstrip(b"\0").rjust(32, b"\0")
        pos += 2 + length
    return out


class Client:
    def __init__(self, args):
        self.args = args
        self.tls = ssl.create_default_context(cafile=args.trust)
        if not os.path.exists(args.key):
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-out", args.key)
        point = openssl("pkey", "-in", args.key, "-pubout", "-outform", "DER")[-65:]
        self.jwk = {"crv": "P-256", "kty": "EC", "x": b64u(point[1:33]), "y": b64u(point[33:])}
        canon = json.dumps(self.jwk, sort_keys=True, separators=(",", ":")).encode()
        self.thumb = b64u(hashlib.sha256(canon).digest())
        self.kid = None
        self.nonce = None
        status, _, body = self.request("GET", args.dir)
        if status != 200:
            raise RuntimeError("directory: HTTP %d" % status)
        self.dir = json.loads(body)

    def request(self, method, url, body=None, ctype=None):
        u = urllib.parse.urlsplit(url)
        conn = http.client.HTTPSConnection(u.hostname, u.port or 443, context=self.tls,
                                           timeout=20)
        try:
            headers = {"Content-Type": ctype} if ctype else {}
            conn.request(method, u.path + ("?" + u.query if u.query else ""), body=body,
                         headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            nonce = resp.getheader("Replay-Nonce")
            if nonce:
                self.nonce = nonce
            return resp.status, resp, data
        finally:
            conn.close()

    def sign(self, url, payload, nonce):
        protected = {"alg": "ES256", "nonce": nonce, "url": url}
        if self.kid:
            protected["kid"] = self.kid
        else:
            protected["jwk"] = self.jwk
        p64 = b64u(json.dumps(protected).encode())
        b64 = "" if payload is None else b64u(json.dumps(payload).encode())
        sig = openssl("dgst", "-sha256", "-sign", self.args.key,
                      data=("%s.%s" % (p64, b64)).encode())
        return json.dumps({"protected": p64, "payload": b64, "signature": b64u(der_ints(sig))})

    def post(self, url, payload=None, retry=True, nonce=None):
        """(status, response, body); payload None is POST-as-GET."""
        for _ in range(4 if retry else 1):
            if nonce is None:
                if not self.nonce:
                    self.request("HEAD", self.dir["newNonce"])
                nonce, self.nonce = self.nonce, None
            status, resp, body = self.request("POST", url, self.sign(url, payload, nonce),
                                              "application/jose+json")
            nonce = None
            if not (retry and status == 400 and b"badNonce" in body):
                return status, resp, body
        return status, resp, body

    def account(self):
        status, resp, body = self.post(self.dir["newAccount"], {"termsOfServiceAgreed": True})
        if status not in (200, 201):
            raise RuntimeError("newAccount: HTTP %d %s" % (status, body[:300]))
        self.kid = resp.getheader("Location")

    def order_payload(self, name, profile, replaces):
        payload = {"identifiers": [{"type": "dns", "value": name}]}
        if profile:
            payload["profile"] = profile
        if replaces:
            payload["replaces"] = replaces
        return payload

    def poll(self, url, done):
        deadline = time.monotonic() + POLL_S
        while True:
            status, _, body = self.post(url)
            obj = json.loads(body)
            if status != 200 or obj.get("status") in done:
                return obj
            if time.monotonic() > deadline:
                raise RuntimeError("%s still %s after %d s" % (url, obj.get("status"), POLL_S))
            time.sleep(0.1)

    def issue(self, name, out, profile, replaces):
        status, resp, body = self.post(self.dir["newOrder"],
                                       self.order_payload(name, profile, replaces))
        if status != 201:
            raise RuntimeError("newOrder: HTTP %d %s" % (status, body[:300]))
        order_url, created = resp.getheader("Location"), json.loads(body)
        tokens = {}
        server = Http01(self.args.http01_port, tokens)
        try:
            for authz_url in created["authorizations"]:
                status, _, body = self.post(authz_url)
                authz = json.loads(body)
                if authz["status"] == "valid":
                    continue
                chall = next(c for c in authz["challenges"] if c["type"] == "http-01")
                tokens[chall["token"]] = chall["token"] + "." + self.thumb
                self.post(chall["url"], {})
                authz = self.poll(authz_url, ("valid", "invalid"))
                if authz["status"] != "valid":
                    raise RuntimeError("authorization %s: %s" % (authz_url, authz))
        finally:
            server.close()
        with tempfile.TemporaryDirectory(prefix="mini_acme.") as tmp:
            key = os.path.join(tmp, "leaf.key")
            csr = openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                          "-nodes", "-keyout", key, "-subj", "/CN=" + name, "-addext",
                          "subjectAltName=DNS:" + name, "-outform", "DER")
        status, _, body = self.post(created["finalize"], {"csr": b64u(csr)})
        if status != 200:
            raise RuntimeError("finalize: HTTP %d %s" % (status, body[:300]))
        order = self.poll(order_url, ("valid", "invalid"))
        if order["status"] != "valid":
            raise RuntimeError("order ended %s" % order)
        status, _, chain = self.post(order["certificate"])
        if status != 200:
            raise RuntimeError("certificate: HTTP %d" % status)
        with open(out, "wb") as f:
            f.write(chain)
        return {"order_url": order_url, "created": created, "order": order}

    def new_order(self, name, profile, replaces):
        status, resp, body = self.post(self.dir["newOrder"],
                                       self.order_payload(name, profile, replaces), retry=False)
        try:
            obj = json.loads(body)
        except ValueError:
            obj = body.decode("utf-8", "replace")
        nonce = resp.getheader("Replay-Nonce")
        result = {"status": status, "type": obj.get("type") if isinstance(obj, dict) else None,
                  "body": obj, "location": resp.getheader("Location"), "nonce": nonce,
                  "nonce_status": None}
        if nonce:
            result["nonce_status"] = self.post(self.kid, retry=False, nonce=nonce)[0]
        return result


class Http01:
    """Answers http-01 for the tokens in the dict, on 127.0.0.1:port, while it lives."""

    def __init__(self, port, tokens):
        prefix = "/.well-known/acme-challenge/"

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                token = self.path[len(prefix):] if self.path.startswith(prefix) else None
                body = tokens.get(token, "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, fmt, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dir", required=True)
    p.add_argument("--trust", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--http01-port", type=int, default=5002)
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("issue", "new-order"):
        s = sub.add_parser(name)
        s.add_argument("name")
        s.add_argument("--profile")
        s.add_argument("--replaces")
        if name == "issue":
            s.add_argument("--out", required=True)
    sub.add_parser("get").add_argument("url")
    args = p.parse_args()
    try:
        client = Client(args)
        client.account()
        if args.command == "issue":
            result = client.issue(args.name, args.out, args.profile, args.replaces)
        elif args.command == "new-order":
            result = client.new_order(args.name, args.profile, args.replaces)
        else:
            status, _, body = client.post(args.url)
            result = {"status": status, "body": json.loads(body)}
    except (OSError, RuntimeError, ValueError, KeyError, StopIteration,
            subprocess.SubprocessError, http.client.HTTPException) as e:
        sys.exit("mini_acme: %s: %s" % (type(e).__name__, e))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
