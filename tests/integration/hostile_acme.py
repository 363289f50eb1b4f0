#!/usr/bin/env python3
"""tests/integration/hostile_acme.py -- a small ACME server (RFC 8555) on 127.0.0.1 that
answers correctly until told to misbehave in one phase of the flow, so test_bad_input.sh can
check that acme-agent turns bad server input into one clear error and keeps its stored state.

Standard library only, plus the openssl command line to issue real certificates.

    hostile_acme.py --list-cases      (every PHASE:KIND that applies, one per line)
    hostile_acme.py --tls-cert TLS.pem --tls-key TLS.key --issuer-cert ISSUER.pem
                    --issuer-key ISSUER.key --port-file FILE [--port N] [--http01-port N]
                    [--fault PHASE:KIND | --fault-file FILE] [--lifetime S] [--hang S]

Good mode (no fault) is a working CA: directory at /dir and /dir-b (two directory URLs, so a
client holding an account for one of them registers again at the other), nonces checked and
single-use, JWS header url checked (signatures are NOT verified), accounts by JWK thumbprint,
orders with one authorization per identifier, http-01 validated by fetching the token from
127.0.0.1:--http01-port (skipped when 0) and comparing it with token.thumbprint, finalize signs
the CSR with `openssl x509 -req -copy_extensions copy` after checking its SANs are the order's
identifiers, and the certificate comes back as leaf + issuer PEM.

Faults: PHASE is one of PHASES below (the request that gets the bad answer; every request of
that phase gets it), KIND one of KINDS. --fault-file is read again for every request (empty or
missing: good mode), so one server can run many cases. Each bad answer logs a line
"FAULT PHASE:KIND METHOD PATH" on stderr; a fault named for a phase where it means nothing
logs "FAULT-NOT-APPLICABLE" and the good answer is sent.

The port is chosen by the kernel unless --port is given and written to --port-file once the
server listens. The server exits on SIGTERM/SIGINT and after --lifetime seconds (default 120).
"""

import argparse
import base64
import collections
import hashlib
import http
import http.client
import http.server
import json
import os
import shutil
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time

from serve_loop import serve_until_stopped

PHASES = ("directory", "nonce", "account", "order", "authz", "challenge", "poll", "finalize",
          "cert")

# Kinds that make sense for every phase, for phases with a JSON body, and for one phase only.
ANY_PHASE = ("oversize-header", "truncated", "garbage-status", "problem", "hang")
BODY_KINDS = ("oversize-body", "oversize-chunked", "cut-chunked", "bad-chunk-size")
JSON_KINDS = ("malformed-json", "wrong-types")
LOCATION_PHASES = ("account", "order")
CERT_KINDS = ("cert-wrong-key", "cert-extra-name", "cert-missing-name", "cert-not-pem",
              "cert-junk-between")
KINDS = ANY_PHASE + BODY_KINDS + JSON_KINDS + ("no-location",) + CERT_KINDS

REQUEST_BODY_MAX = 64 * 1024  # largest JWS accepted from the client
OVERSIZE_BYTES = 100 * 1024   # oversize-body / oversize-chunked
HUGE_HEADER_BYTES = 64 * 1024  # oversize-header: one header line this long
NONCES_KEPT = 4096
OPENSSL_TIMEOUT_S = 20
HTTP01_TIMEOUT_S = 5


def applicable(phase, kind):
    """Whether KIND means something at PHASE. HEAD newNonce has no body, so body faults do not
    apply there (a client may rightly drop bytes after a HEAD response); the certificate is PEM,
    not JSON; only newAccount and newOrder need a Location."""
    if kind in ANY_PHASE:
        return True
    if kind in BODY_KINDS:
        return phase != "nonce"
    if kind == "malformed-json":
        return phase != "cert"  # at nonce: a Replay-Nonce that is not base64url
    if kind == "wrong-types":
        return phase not in ("nonce", "cert")
    if kind == "no-location":
        return phase in LOCATION_PHASES
    return kind in CERT_KINDS and phase == "cert"


# Not a fault: every response is sent normally, then the connection is dropped without
# "Connection: close" (a server whose keep-alive timer fires at once). A client must send its
# next request again on a new connection; issuance still succeeds.
DROP_IDLE = ("any", "drop-idle")


def parse_fault(text):
    text = text.strip()
    if not text:
        return None
    if text == "%s:%s" % DROP_IDLE:
        return DROP_IDLE
    phase, sep, kind = text.partition(":")
    if not sep or phase not in PHASES or kind not in KINDS:
        raise ValueError("fault must be PHASE:KIND with PHASE in %s and KIND in %s, not %r"
                         % ("|".join(PHASES), "|".join(KINDS), text))
    return phase, kind


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text):
    if not isinstance(text, str):
        raise ValueError("base64url field is not a string")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pem(label, der):
    lines = [base64.b64encode(der[i:i + 48]).decode("ascii") for i in range(0, len(der), 48)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(lines), label)


def jwk_thumbprint(jwk):
    """RFC 7638: SHA-256 over the required members, sorted, no whitespace."""
    members = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}.get(jwk.get("kty"))
    if members is None or any(not isinstance(jwk.get(m), str) for m in members):
        raise ValueError("unsupported or incomplete JWK")
    canon = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return b64u(hashlib.sha256(canon.encode("ascii")).digest())


def rfc3339(offset_s):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset_s))


class Reply:
    """One HTTP answer before any fault is applied. ctx carries what a fault may need (the
    order behind a certificate)."""

    def __init__(self, status, body=b"", ctype=None, location=None, ctx=None):
        self.status = status
        self.body = body
        self.ctype = ctype
        self.location = location
        self.ctx = ctx or {}


def json_reply(status, obj, location=None, ctx=None):
    return Reply(status, json.dumps(obj).encode(), "application/json", location, ctx)


def problem(status, kind, detail):
    doc = {"type": "urn:ietf:params:acme:error:" + kind, "detail": detail, "status": status}
    return Reply(status, json.dumps(doc).encode(), "application/problem+json")


class Refused(Exception):
    """An ACME error the client gets as a problem document."""

    def __init__(self, status, kind, detail):
        super().__init__(detail)
        self.reply = problem(status, kind, detail)


class Ca:
    """Accounts, orders, authorizations and certificates, in memory, under one lock."""

    def __init__(self, args, log):
        self.args = args
        self.log = log
        self.base = ""
        self.lock = threading.Lock()
        self.nonces = collections.OrderedDict()
        self.accounts = {}  # url -> {"thumb", "jwk"}
        self.by_thumb = {}  # thumbprint -> url
        self.orders = {}
        self.authzs = {}
        self.certs = {}
        self.next_id = 1
        self.workdir = tempfile.mkdtemp(prefix="hostile_acme.")

    def new_id(self):
        with self.lock:
            n = self.next_id
            self.next_id += 1
            return n

    def new_nonce(self):
        nonce = b64u(os.urandom(16))
        with self.lock:
            self.nonces[nonce] = True
            while len(self.nonces) > NONCES_KEPT:
                self.nonces.popitem(last=False)
        return nonce

    def use_nonce(self, nonce):
        with self.lock:
            return self.nonces.pop(nonce, None) is not None

    # ---- requests ------------------------------------------------------------------------

    def directory(self):
        b = self.base
        return json_reply(200, {
            "newNonce": b + "/new-nonce", "newAccount": b + "/new-acct",
            "newOrder": b + "/new-order", "revokeCert": b + "/revoke-cert",
            "keyChange": b + "/key-change", "meta": {"termsOfService": b + "/terms"}},
            ctx={"no_nonce": True})

    def open_jws(self, path, body, ctype):
        """Checks everything about a JWS except its signature; returns (header, payload or
        None for POST-as-GET, account url or None)."""
        if (ctype or "").split(";")[0].strip().lower() != "application/jose+json":
            raise Refused(415, "malformed", "Content-Type must be application/jose+json")
        try:
            jws = json.loads(body)
            header = json.loads(b64u_decode(jws["protected"]))
            raw = b64u_decode(jws["payload"])
            b64u_decode(jws["signature"])
        except (ValueError, KeyError, TypeError) as e:
            raise Refused(400, "malformed", "not a flattened JWS: %s" % e)
        if not isinstance(header, dict):
            raise Refused(400, "malformed", "protected header is not an object")
        if header.get("alg") not in ("ES256", "RS256"):
            raise Refused(400, "badSignatureAlgorithm", "alg %r" % header.get("alg"))
        if header.get("url") != self.base + path:
            raise Refused(400, "unauthorized", "JWS url %r is not this resource %r"
                          % (header.get("url"), self.base + path))
        if not self.use_nonce(header.get("nonce")):
            raise Refused(400, "badNonce", "unknown or used nonce")
        has_jwk, has_kid = "jwk" in header, "kid" in header
        if has_jwk == has_kid:
            raise Refused(400, "malformed", "need exactly one of jwk and kid")
        if has_jwk != (path == "/new-acct"):
            raise Refused(400, "malformed", "jwk only for newAccount, kid otherwise")
        account = None
        if has_kid:
            with self.lock:
                known = header["kid"] in self.accounts
            if not known:
                raise Refused(400, "accountDoesNotExist", "no account %r" % header["kid"])
            account = header["kid"]
        payload = None
        if raw:
            try:
                payload = json.loads(raw)
            except ValueError as e:
                raise Refused(400, "malformed", "payload is not JSON: %s" % e)
        return header, payload, account

    def new_account(self, header, payload):
        if not isinstance(payload, dict) or payload.get("termsOfServiceAgreed") is not True:
            raise Refused(400, "malformed", "termsOfServiceAgreed must be true")
        try:
            thumb = jwk_thumbprint(header["jwk"])
        except (ValueError, AttributeError) as e:
            raise Refused(400, "badPublicKey", str(e))
        with self.lock:
            url = self.by_thumb.get(thumb)
            created = url is None
            if created:
                url = "%s/acct/%d" % (self.base, self.next_id)
                self.next_id += 1
                self.by_thumb[thumb] = url
                self.accounts[url] = {"thumb": thumb, "jwk": header["jwk"]}
        obj = {"status": "valid", "orders": url + "/orders"}
        if isinstance(payload.get("contact"), list):
            obj["contact"] = payload["contact"]
        return json_reply(201 if created else 200, obj, location=url)

    def new_order(self, account, payload):
        idents = payload.get("identifiers") if isinstance(payload, dict) else None
        if (not isinstance(idents, list) or not idents or
                any(not isinstance(i, dict) or i.get("type") != "dns" or
                    not isinstance(i.get("value"), str) for i in idents)):
            raise Refused(400, "malformed", "identifiers must be a list of dns identifiers")
        oid = self.new_id()
        authz_ids = []
        for ident in idents:
            aid = self.new_id()
            with self.lock:
                self.authzs[aid] = {"name": ident["value"], "status": "pending",
                                    "chall_status": "pending", "token": b64u(os.urandom(32)),
                                    "order": oid, "account": account, "error": None}
            authz_ids.append(aid)
        with self.lock:
            self.orders[oid] = {"status": "pending", "expires": rfc3339(7 * 86400),
                                "identifiers": [{"type": "dns", "value": i["value"]}
                                                for i in idents],
                                "authz": authz_ids, "account": account, "cert": None}
        return json_reply(201, self.order_json(oid), location="%s/order/%d" % (self.base, oid))

    def order_json(self, oid):
        with self.lock:
            o = self.orders[oid]
            obj = {"status": o["status"], "expires": o["expires"],
                   "identifiers": o["identifiers"],
                   "authorizations": ["%s/authz/%d" % (self.base, a) for a in o["authz"]],
                   "finalize": "%s/finalize/%d" % (self.base, oid)}
            if o["cert"] is not None:
                obj["certificate"] = "%s/cert/%d" % (self.base, o["cert"])
        return obj

    def owned(self, table, key, account):
        with self.lock:
            item = table.get(key)
        if item is None or item["account"] != account:
            raise Refused(404, "malformed", "no such resource for this account")
        return item

    def authz_json(self, aid):
        with self.lock:
            a = self.authzs[aid]
            chall = {"type": "http-01", "url": "%s/chall/%d" % (self.base, aid),
                     "token": a["token"], "status": a["chall_status"]}
            if a["error"] is not None:
                chall["error"] = a["error"]
            # The client must pick http-01 out of several.
            others = [{"type": t, "url": "%s/chall/%d/%s" % (self.base, aid, t),
                       "token": a["token"], "status": "pending"}
                      for t in ("dns-01", "tls-alpn-01")]
            return {"status": a["status"], "expires": rfc3339(86400),
                    "identifier": {"type": "dns", "value": a["name"]},
                    "challenges": [others[0], chall, others[1]]}, chall

    def authz(self, aid, account):
        self.owned(self.authzs, aid, account)
        return json_reply(200, self.authz_json(aid)[0])

    def challenge(self, aid, account, payload):
        a = self.owned(self.authzs, aid, account)
        if payload != {}:
            raise Refused(400, "malformed", "challenge response payload must be {}")
        if a["chall_status"] == "pending":
            ok, why = self.validate(a)
            with self.lock:
                a["chall_status"] = "valid" if ok else "invalid"
                a["status"] = a["chall_status"]
                if not ok:
                    a["error"] = {"type": "urn:ietf:params:acme:error:unauthorized",
                                  "detail": why, "status": 403}
                o = self.orders[a["order"]]
                states = [self.authzs[x]["status"] for x in o["authz"]]
                if o["status"] == "pending":
                    if "invalid" in states:
                        o["status"] = "invalid"
                    elif all(s == "valid" for s in states):
                        o["status"] = "ready"
        return json_reply(200, self.authz_json(aid)[1])

    def validate(self, a):
        """The http-01 check a real CA makes, against the client's own responder."""
        port = self.args.http01_port
        if not port:
            return True, None
        thumb = self.accounts[a["account"]]["thumb"]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP01_TIMEOUT_S)
        try:
            conn.request("GET", "/.well-known/acme-challenge/" + a["token"],
                         headers={"Host": a["name"]})
            resp = conn.getresponse()
            body = resp.read(4096)
        except (OSError, http.client.HTTPException) as e:
            return False, "http-01 fetch from 127.0.0.1:%d failed: %s" % (port, e)
        finally:
            conn.close()
        want = (a["token"] + "." + thumb).encode("ascii")
        if resp.status != 200 or body.strip() != want:
            return False, "http-01 answer %d %r, expected %r" % (resp.status, body[:200], want)
        self.log("VALIDATED %s" % a["name"])
        return True, None

    def order(self, oid, account):
        self.owned(self.orders, oid, account)
        return json_reply(200, self.order_json(oid))

    def finalize(self, oid, account, payload):
        o = self.owned(self.orders, oid, account)
        if o["status"] != "ready":
            raise Refused(403, "orderNotReady", "order is %s" % o["status"])
        try:
            csr_der = b64u_decode(payload["csr"])
        except (ValueError, KeyError, TypeError) as e:
            raise Refused(400, "malformed", "no csr: %s" % e)
        names = [i["value"] for i in o["identifiers"]]
        leaf = self.sign(csr_der, names, copy=True)
        with self.lock:
            o["csr"] = csr_der
            cid = self.next_id
            self.next_id += 1
            self.certs[cid] = {"account": account, "order": oid, "leaf": leaf}
            o["cert"] = cid
            o["status"] = "valid"
        return json_reply(200, self.order_json(oid),
                          location="%s/order/%d" % (self.base, oid))

    def cert(self, cid, account):
        c = self.owned(self.certs, cid, account)
        return Reply(200, self.chain(c["leaf"]), "application/pem-certificate-chain",
                     ctx={"order": c["order"]})

    def chain(self, leaf):
        with open(self.args.issuer_cert, "rb") as f:
            return leaf + f.read()

    # ---- certificates ------------------------------------------------------------------------

    def openssl(self, *argv):
        r = subprocess.run(("openssl",) + argv, capture_output=True,
                           timeout=OPENSSL_TIMEOUT_S, check=False)
        if r.returncode != 0:
            raise Refused(500, "serverInternal", "openssl %s failed: %s"
                          % (argv[0], r.stderr.decode(errors="replace").strip()[-300:]))
        return r.stdout

    def sign(self, csr_der, names, copy, san=None, other_key=False):
        """A leaf for the CSR, or (other_key) for a fresh key with the same names. With copy,
        the CSR's own extensions go in, and its SANs must be exactly names; otherwise the
        SAN extension is san."""
        with tempfile.TemporaryDirectory(dir=self.workdir) as tmp:
            csr = os.path.join(tmp, "req.csr")
            if other_key:
                self.openssl("req", "-new", "-newkey", "ec", "-pkeyopt",
                             "ec_paramgen_curve:P-256", "-nodes",
                             "-keyout", os.path.join(tmp, "other.key"),
                             "-subj", "/CN=" + names[0], "-addext",
                             "subjectAltName=" + ",".join("DNS:" + n for n in names),
                             "-out", csr)
            else:
                with open(csr, "w") as f:
                    f.write(pem("CERTIFICATE REQUEST", csr_der))
                self.openssl("req", "-in", csr, "-noout", "-verify")
            out = os.path.join(tmp, "leaf.pem")
            argv = ["x509", "-req", "-in", csr, "-CA", self.args.issuer_cert, "-CAkey",
                    self.args.issuer_key, "-days", "7", "-sha256",
                    "-set_serial", "0x" + os.urandom(8).hex(), "-out", out]
            if copy:
                argv += ["-copy_extensions", "copy"]
            else:
                ext = os.path.join(tmp, "ext.cnf")
                with open(ext, "w") as f:
                    f.write("subjectAltName=%s\n" % ",".join("DNS:" + n for n in san))
                argv += ["-extfile", ext]
            self.openssl(*argv)
            if copy:
                # "X509v3 Subject Alternative Name:" then "    DNS:a, DNS:b" (empty if none).
                got = self.openssl("x509", "-in", out, "-noout", "-ext", "subjectAltName")
                sans = [t.strip()[4:] for line in got.decode().splitlines()[1:]
                        for t in line.split(",") if t.strip().startswith("DNS:")]
                if sorted(n.lower() for n in sans) != sorted(n.lower() for n in names):
                    raise Refused(400, "badCSR", "CSR names %s, order has %s" % (sans, names))
            with open(out, "rb") as f:
                return f.read()

    def bad_chain(self, kind, oid):
        """The certificate download for a cert-* fault."""
        with self.lock:
            o = self.orders[oid]
        names = [i["value"] for i in o["identifiers"]]
        if kind == "cert-wrong-key":
            return self.chain(self.sign(None, names, copy=True, other_key=True))
        if kind == "cert-extra-name":
            return self.chain(self.sign(o["csr"], names, copy=False,
                                        san=names + ["extra.hostile.test"]))
        if kind == "cert-missing-name":
            san = names[:-1] if len(names) > 1 else ["other.hostile.test"]
            return self.chain(self.sign(o["csr"], names, copy=False, san=san))
        if kind == "cert-not-pem":
            return (b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
                    b"<body><h1>Bad Gateway</h1><p>upstream CA unavailable</p></body></html>\n")
        good = self.chain(self.sign(o["csr"], names, copy=True))
        # cert-junk-between: RFC 8555 section 9.1 forbids explanatory text in the chain.
        end = b"-----END CERTIFICATE-----\n"
        cut = good.index(end) + len(end)
        return good[:cut] + b"Issuer certificate follows:\n" + good[cut:]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile_acme"
    timeout = 15  # idle keep-alive connections end after this

    def setup(self):
        self.request.settimeout(self.timeout)
        self.request.do_handshake()
        super().setup()

    def log_message(self, fmt, *args):
        pass  # dispatch() logs every request, with the fault it got

    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_POST(self):
        self.dispatch("POST")

    def route(self, method, path):
        """(phase, Reply) for a request; phase None when no fault may apply."""
        ca = self.server.ca
        if method == "GET" and path in ("/dir", "/dir-b"):
            return "directory", ca.directory()
        if method in ("HEAD", "GET") and path == "/new-nonce":
            return "nonce", Reply(200 if method == "HEAD" else 204)
        if method != "POST":
            return None, problem(405, "malformed", "use POST")
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > REQUEST_BODY_MAX:
            self.close_connection = True
            return None, problem(413, "malformed", "need a Content-Length up to %d"
                                 % REQUEST_BODY_MAX)
        body = self.rfile.read(int(length))
        parts = path.strip("/").split("/")
        phase = {"new-acct": "account", "new-order": "order", "authz": "authz",
                 "chall": "challenge", "order": "poll", "finalize": "finalize",
                 "cert": "cert"}.get(parts[0])
        try:
            header, payload, account = ca.open_jws(path, body, self.headers.get("Content-Type"))
            if phase == "account" and len(parts) == 1:
                return phase, ca.new_account(header, payload)
            if phase == "order" and len(parts) == 1:
                return phase, ca.new_order(account, payload)
            if phase is None or len(parts) != 2 or not parts[1].isdigit():
                raise Refused(404, "malformed", "no such resource")
            key = int(parts[1])
            if phase in ("authz", "poll", "cert") and payload is not None:
                raise Refused(400, "malformed", "POST-as-GET needs an empty payload")
            if phase == "authz":
                return phase, ca.authz(key, account)
            if phase == "challenge":
                return phase, ca.challenge(key, account, payload)
            if phase == "poll":
                return phase, ca.order(key, account)
            if phase == "finalize":
                return phase, ca.finalize(key, account, payload)
            return phase, ca.cert(key, account)
        except Refused as e:
            return phase, e.reply

    def dispatch(self, method):
        path = self.path.split("?", 1)[0]
        try:
            phase, reply = self.route(method, path)
            fault = self.server.current_fault()
            if fault is not None and fault[0] == phase:
                if applicable(*fault):
                    self.server.log("FAULT %s:%s %s %s" % (fault[0], fault[1], method, path))
                    self.send_fault(fault[0], fault[1], method, reply)
                    return
                self.server.log("FAULT-NOT-APPLICABLE %s:%s %s %s"
                                % (fault[0], fault[1], method, path))
            self.server.log("%s %s -> %d" % (method, path, reply.status))
            self.send_reply(reply, method)
            if fault == DROP_IDLE:
                self.server.log("DROP %s %s" % (method, path))
                self.end_now()
        except (OSError, ssl.SSLError) as e:
            # The client hung up on a bad answer: expected, not an error.
            self.server.log("%s %s: connection ended: %s" % (method, path, e))
            self.close_connection = True

    # ---- writing -----------------------------------------------------------------------------

    def head(self, reply, method, *, nonce=None, location=True, length=None, chunked=False,
             extra=()):
        phrase = http.HTTPStatus(reply.status).phrase
        lines = ["HTTP/1.1 %d %s" % (reply.status, phrase), "Server: hostile_acme",
                 "Cache-Control: no-store"]
        if reply.ctype:
            lines.append("Content-Type: " + reply.ctype)
        if not reply.ctx.get("no_nonce"):
            lines.append("Replay-Nonce: " + (nonce or self.server.ca.new_nonce()))
        if location and reply.location:
            lines.append("Location: " + reply.location)
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        else:
            lines.append("Content-Length: %d" % (len(reply.body) if length is None else length))
        if self.close_connection:
            lines.append("Connection: close")
        lines.extend(extra)
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def send_reply(self, reply, method, **kw):
        out = self.head(reply, method, **kw)
        if method != "HEAD":
            out += reply.body
        self.wfile.write(out)

    def end_now(self):
        """Close without TLS close_notify, as a crashed or cut-off server would."""
        self.close_connection = True
        self.wfile.flush()

    def send_fault(self, phase, kind, method, reply):
        ca = self.server.ca
        if kind == "hang":
            self.server.stop.wait(self.server.hang_s)
            self.end_now()
            return
        if kind == "garbage-status":
            self.wfile.write(b"SSH-2.0-hostile_acme this is not HTTP\r\n\r\n")
            self.end_now()
            return
        if kind == "problem":
            bad = problem(500, "serverInternal", "hostile_acme: injected internal error")
            self.send_reply(bad, method, length=0 if method == "HEAD" else None)
            return
        if kind == "oversize-header":
            self.send_reply(reply, method, extra=("X-Hostile-Padding: " +
                                                  "a" * HUGE_HEADER_BYTES,))
            return
        if kind == "no-location":
            self.send_reply(reply, method, location=False)
            return
        if kind == "malformed-json" and method == "HEAD":
            self.send_reply(reply, method, nonce="not a nonce!")
            return
        if kind == "truncated":
            if method == "HEAD":
                head = self.head(reply, method)
                self.wfile.write(head[:len(head) // 2])
            else:
                self.wfile.write(self.head(reply, method) + reply.body[:len(reply.body) // 2])
            self.end_now()
            return
        if kind in CERT_KINDS:
            body = ca.bad_chain(kind, reply.ctx["order"])
            ctype = "text/html" if kind == "cert-not-pem" else reply.ctype
            self.send_reply(Reply(200, body, ctype), method)
            return
        if kind == "malformed-json":
            body = b'{"status": "valid", "identifiers": [{"type": "dns", "value": '
            self.send_reply(Reply(reply.status, body, "application/json", reply.location),
                            method)
            return
        if kind == "wrong-types":
            body = json.dumps(WRONG_TYPES[phase]).encode()
            self.send_reply(Reply(reply.status, body, "application/json", reply.location),
                            method)
            return
        body = padded(reply)
        if kind == "oversize-body":
            self.send_reply(Reply(reply.status, body, reply.ctype, reply.location), method)
            return
        self.wfile.write(self.head(reply, method, chunked=True))
        if kind == "oversize-chunked":
            for i in range(0, len(body), 4096):
                part = body[i:i + 4096]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        if kind == "cut-chunked":
            self.wfile.write(b"%x\r\n%s" % (len(reply.body), reply.body[:len(reply.body) // 2]))
            self.end_now()
            return
        # bad-chunk-size
        self.wfile.write(b"zz\r\n%s\r\n0\r\n\r\n" % reply.body)
        self.end_now()


# wrong-types: JSON where every field the client reads has the wrong type.
WRONG_TYPES = {
    "directory": {"newNonce": 17, "newAccount": ["x"], "newOrder": {"url": "x"}, "meta": "m"},
    "account": {"status": ["valid"], "orders": 5, "contact": "mailto:x@example.com"},
    "order": {"status": 1, "identifiers": "x", "authorizations": "y", "finalize": 42},
    "authz": {"status": 7, "identifier": "x", "challenges": {"type": "http-01"}},
    "challenge": {"type": 1, "status": True, "token": 5, "url": []},
}
WRONG_TYPES["poll"] = WRONG_TYPES["finalize"] = WRONG_TYPES["order"]


def padded(reply):
    """The same answer, over OVERSIZE_BYTES: a padding member in a JSON object, or the
    issuer repeated in a PEM chain."""
    body = reply.body
    if body.startswith(b"{"):
        return b'{"padding": "' + b"a" * OVERSIZE_BYTES + b'", ' + body[1:]
    out = body
    while len(out) <= OVERSIZE_BYTES:
        out += body
    return out


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, args, log):
        self.args = args
        self.log = log
        self.stop = threading.Event()
        self.hang_s = args.hang
        self.ca = Ca(args, log)
        self.fixed_fault = parse_fault(args.fault or "")
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(args.tls_cert, args.tls_key)
        super().__init__(("127.0.0.1", args.port), Handler)
        self.ca.base = "https://127.0.0.1:%d" % self.server_address[1]

    def get_request(self):
        sock, addr = self.socket.accept()
        # The handshake runs in the request's thread (Handler.setup), not in the accept loop.
        return self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def current_fault(self):
        if self.args.fault_file is None:
            return self.fixed_fault
        try:
            with open(self.args.fault_file) as f:
                return parse_fault(f.read())
        except FileNotFoundError:
            return None
        except ValueError as e:
            self.log("BAD FAULT FILE: %s" % e)
            return None

    def handle_error(self, request, client_address):
        self.log("connection from %s:%d ended: %s" % (client_address[0], client_address[1],
                                                     sys.exc_info()[1]))


def main():
    if sys.argv[1:] == ["--list-cases"]:
        # The fault table for test_bad_input.sh: every PHASE:KIND that means something.
        for phase in PHASES:
            for kind in KINDS:
                if applicable(phase, kind):
                    print("%s:%s" % (phase, kind))
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tls-cert", required=True)
    p.add_argument("--tls-key", required=True)
    p.add_argument("--issuer-cert", required=True)
    p.add_argument("--issuer-key", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--http01-port", type=int, default=0)
    p.add_argument("--fault", help="PHASE:KIND for every run")
    p.add_argument("--fault-file", help="read PHASE:KIND from this file on every request")
    p.add_argument("--lifetime", type=float, default=120.0)
    p.add_argument("--hang", type=float, default=60.0, help="how long 'hang' holds a request")
    args = p.parse_args()

    log_lock = threading.Lock()

    def log(msg):
        with log_lock:
            sys.stderr.write("%.3f %s\n" % (time.monotonic(), msg))
            sys.stderr.flush()

    try:
        server = Server(args, log)
    except (ValueError, OSError, ssl.SSLError) as e:
        sys.exit("hostile_acme: %s" % e)
    serve_until_stopped(server, args.port_file, args.lifetime, log,
                        "listening on %s (lifetime %.0f s, fault %s)"
                        % (server.ca.base, args.lifetime,
                           args.fault or args.fault_file or "none"))
    shutil.rmtree(server.ca.workdir, ignore_errors=True)
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
