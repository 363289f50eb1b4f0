#!/usr/bin/env python3
"""tests/integration/acme_front.py -- a scripted HTTPS front for a running Pebble that adds what
Debian's Pebble 2.4 lacks: ACME Renewal Information (RFC 9773) and certificate profiles
(draft-ietf-acme-profiles), so integration tests can drive a client through both.

Standard library only, plus the openssl command line for --self-test.

    acme_front.py --upstream https://127.0.0.1:PEBBLE/dir --trust ROOT.pem --tls-cert LEAF.pem
                  --tls-key LEAF.key --script SCRIPT.json --log REQUESTS.jsonl
                  --port-file FILE [--port N] [--lifetime S]
    acme_front.py --self-test        (certID computation against RFC 9773's example; exit 0/1)

What it does:
  * Listens with TLS on 127.0.0.1 only (port from the kernel unless --port; written to
    --port-file once listening) and forwards every request to the upstream Pebble over HTTPS,
    verified against --trust, with the client's Host header unchanged. Pebble builds every URL
    it returns (directory, Location, Link, order/authz/challenge/certificate URLs) from the
    request's Host, and checks the JWS "url" header against https://<Host><request URI>
    (wfe.go: relativeEndpoint and verifyJWS), so nothing needs rewriting: the client sees and
    signs the front's URLs only.
  * The directory (GET on the upstream directory's path) gets "renewalInfo" and/or
    meta.profiles as the script says; Pebble's other members and meta members stay.
  * It learns certificates from downloads (any upstream answer whose body is a PEM chain) and
    answers GET /renewal-info/<certID> for them itself. certID is RFC 9773's: base64url of the
    leaf's Authority Key Identifier keyIdentifier, ".", base64url of the content octets of the
    serial's DER INTEGER (a leading 0x00 kept), both without padding.
  * newOrder (POST to the directory's newOrder URL): a "replaces" certID named by an earlier
    order that the upstream created (one replacement per certificate, as a real CA does), or
    one the script marks already replaced, gets 409 alreadyReplaced; a "profile" the script
    does not list gets 400 invalidProfile. Otherwise the request goes upstream unchanged (its
    JWS is signed; Pebble ignores both members) and, for a listed profile, every later answer
    for that order (found by the order's Location) carries "profile": NAME.
  * Every error the front makes itself is a problem document with a fresh Replay-Nonce from the
    upstream (HEAD newNonce), as a real CA's errors carry, so a client can go on.

Script (--script, JSON object, read again on every request so a test can change behaviour
between client runs; missing or empty file = {}; a file that is not valid makes the front
answer every request 500 and say why on stderr, so a typo cannot pass silently):
  renewal_info      bool: add "renewalInfo": "https://<Host>/renewal-info" to the directory
                    (default false; renewal-info answers regardless)
  profiles          object NAME -> description: the directory's meta.profiles, and the only
                    profiles newOrder accepts (absent: no meta.profiles, and any "profile"
                    in a newOrder is invalidProfile)
  refuse_profiles   list of names: listed in meta.profiles all the same, but a newOrder asking
                    for one gets 400 invalidProfile (a CA that will not issue that profile for
                    this account or these names)
  window            how GET /renewal-info answers for a known certificate (default "due"):
                      "due"                start now - 1 h, end now: every time a client picks
                                           in it is past, so it renews at once
                      "later"              start notAfter - 2 days, end notAfter - 1 day
                      "absolute START END" the two strings verbatim (RFC 3339 intended)
                      "invalid"            end before start (start now + 2 h, end now + 1 h)
                      "status N"           HTTP N with a problem document, no window
  windows           object certID -> mode as in "window", for that certificate only
  retry_after       integer seconds: a Retry-After header on every renewal-info answer
  explanation_url   string: "explanationURL" in every window answer
  already_replaced  true (every "replaces" gets 409) or a list of certIDs that get 409
                    whatever the front has seen
  cut               object PATH -> "before" | "after" | "before-once" | "after-once": a
                    request to exactly that path gets no answer: the front closes the
                    connection, before forwarding it upstream ("before": the CA never saw
                    it) or after the upstream answered ("after": the CA acted, the client
                    never hears). A power cut or lost link at the worst moment, e.g.
                    {"/rollover-account-key": "after"}. "-once": only the first such request
                    while the front runs; later ones pass (a link that drops once, then the
                    client's retries get through). Logged with status 0 and "cut".
A malformed certID (not two base64url parts joined by ".") gets 400 malformed; a well-formed
one the front has not seen in a download gets 404 malformed.

Log (--log): one JSON object per line and request, compact (no spaces after ":" or ","),
keys in this order: "time" (UTC, ms), "method", "path" (as requested, query included),
"status" (what the client got), "by" ("front" or "upstream"); then when they apply: "url" and
"payload" for POSTs (the protected header's url; the payload as JSON, "" for POST-as-GET, the
raw text if it is not JSON), "cert_id" (renewal-info: the one asked for; a certificate
download: the one learned), "problem" (the type of an error the front made), "location",
"detail", and for a cut request "upstream_status" (after) and "cut". Diagnostics go to stderr.

Bounds: requests up to 64 KiB of body, upstream answers up to 1 MiB, 10 s per upstream
exchange, 15 s idle client connections. Exits on SIGTERM/SIGINT and after --lifetime seconds
(default 300).
"""

import argparse
import base64
import binascii
import calendar
import http
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

from serve_loop import serve_until_stopped

REQUEST_BODY_MAX = 64 * 1024
UPSTREAM_BODY_MAX = 1024 * 1024
UPSTREAM_TIMEOUT_S = 10
CLIENT_IDLE_S = 15
STARTUP_TRIES = 20  # fetching the upstream directory at start, 0.25 s apart
CERTS_KEPT = 4096
RENEWAL_INFO_PREFIX = "/renewal-info/"

ERR = "urn:ietf:params:acme:error:"
# Request headers passed upstream (besides Host, which is always the client's). Not
# Accept-Encoding: answers are rewritten, so they must come back uncompressed.
FORWARD_REQUEST_HEADERS = ("content-type", "accept", "accept-language", "user-agent")
# Response headers not copied back: hop-by-hop ones and the length (the body may change).
DROP_RESPONSE_HEADERS = ("connection", "keep-alive", "transfer-encoding", "content-length",
                         "proxy-connection", "upgrade", "trailer")
SCRIPT_MEMBERS = ("renewal_info", "profiles", "window", "windows", "retry_after",
                  "explanation_url", "already_replaced", "cut", "refuse_profiles")
CERT_ID_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")

# ---- codecs ------------------------------------------------------------------------------------


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text):
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def rfc3339(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def der_tlv(data, pos, end):
    """(tag, content start, content end) of the DER element at pos, which must end by end."""
    if pos + 2 > end:
        raise ValueError("DER element cut short at %d" % pos)
    tag, length = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise ValueError("multi-byte DER tag at %d" % pos)
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > end:
            raise ValueError("bad DER length at %d" % pos)
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > end:
        raise ValueError("DER element overruns its parent at %d" % pos)
    return tag, pos, pos + length


def der_children(data, start, end):
    out, pos = [], start
    while pos < end:
        tlv = der_tlv(data, pos, end)
        out.append(tlv)
        pos = tlv[2]
    return out


def der_time(data, tag, start, end):
    text = data[start:end].decode("ascii")
    if tag == 0x17 and re.fullmatch(r"\d{12}Z", text):  # UTCTime
        year = int(text[:2])
        text = ("19" if year >= 50 else "20") + text
    elif not (tag == 0x18 and re.fullmatch(r"\d{14}Z", text)):  # GeneralizedTime
        raise ValueError("unsupported certificate time %r" % text)
    return calendar.timegm(time.strptime(text, "%Y%m%d%H%M%SZ"))


AKI_OID = bytes.fromhex("551d23")  # 2.5.29.35


def cert_facts(der):
    """What the front needs from an X.509 certificate in DER: {"aki": keyIdentifier bytes or
    None, "serial": the serial INTEGER's content octets, "not_before", "not_after": epoch s}."""
    tag, start, end = der_tlv(der, 0, len(der))
    if tag != 0x30 or end != len(der):
        raise ValueError("not one DER SEQUENCE")
    tbs = der_children(der, start, end)[0]
    if tbs[0] != 0x30:
        raise ValueError("no tbsCertificate")
    fields = der_children(der, tbs[1], tbs[2])
    i = 1 if fields and fields[0][0] == 0xA0 else 0  # [0] version
    if len(fields) < i + 6 or fields[i][0] != 0x02 or fields[i + 3][0] != 0x30:
        raise ValueError("tbsCertificate fields out of shape")
    validity = der_children(der, fields[i + 3][1], fields[i + 3][2])
    if len(validity) != 2:
        raise ValueError("validity is not two times")
    facts = {"aki": None, "serial": der[fields[i][1]:fields[i][2]],
             "not_before": der_time(der, *validity[0]), "not_after": der_time(der, *validity[1])}
    for ftag, fstart, fend in fields[i + 6:]:
        if ftag != 0xA3:  # [3] extensions; [1]/[2] unique IDs are skipped
            continue
        seq = der_tlv(der, fstart, fend)
        for _, estart, eend in der_children(der, seq[1], seq[2]):
            parts = der_children(der, estart, eend)
            if parts[0][0] != 0x06 or der[parts[0][1]:parts[0][2]] != AKI_OID:
                continue
            value = parts[-1]
            if value[0] != 0x04:
                raise ValueError("AKI extension value is not an OCTET STRING")
            aki = der_tlv(der, value[1], value[2])
            for ktag, kstart, kend in der_children(der, aki[1], aki[2]):
                if ktag == 0x80:  # [0] IMPLICIT KeyIdentifier
                    facts["aki"] = der[kstart:kend]
    return facts


def cert_id(aki, serial_content):
    """RFC 9773 section 4.1."""
    return b64u(aki) + "." + b64u(serial_content)


PEM_CERT_RE = re.compile(rb"-----BEGIN CERTIFICATE-----\s*([A-Za-z0-9+/=\s]+?)"
                         rb"-----END CERTIFICATE-----")


def leaf_of_chain(body):
    """DER of the first certificate of a PEM chain, or None when the body is not one."""
    if not body.lstrip().startswith(b"-----BEGIN CERTIFICATE-----"):
        return None
    match = PEM_CERT_RE.search(body)
    if not match:
        return None
    try:
        return base64.b64decode(b"".join(match.group(1).split()), validate=True)
    except binascii.Error:
        return None


def open_jws(body):
    """(protected header dict, payload) of a flattened JWS; payload is the decoded JSON, "" for
    POST-as-GET, or the raw text when it is not JSON. Raises ValueError when it is no JWS."""
    jws = json.loads(body)
    if not isinstance(jws, dict):
        raise ValueError("JWS is not an object")
    header = json.loads(b64u_decode(jws.get("protected")))
    if not isinstance(header, dict):
        raise ValueError("protected header is not an object")
    raw = b64u_decode(jws.get("payload"))
    if not raw:
        return header, ""
    try:
        return header, json.loads(raw)
    except ValueError:
        return header, raw.decode("utf-8", "replace")


# ---- the script --------------------------------------------------------------------------------


class BadScript(Exception):
    pass


def check_mode(mode, where):
    if not isinstance(mode, str):
        raise BadScript("%s must be a string" % where)
    words = mode.split()
    ok = (words in (["due"], ["later"], ["invalid"]) or
          (len(words) == 3 and words[0] == "absolute") or
          (len(words) == 2 and words[0] == "status" and words[1].isdigit() and
           200 <= int(words[1]) <= 599))
    if not ok:
        raise BadScript("%s %r is not due|later|invalid|absolute START END|status N"
                        % (where, mode))


def load_script(path):
    try:
        with open(path, "rb") as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise BadScript("cannot read %s: %s" % (path, e))
    if not text.strip():
        return {}
    try:
        script = json.loads(text)
    except ValueError as e:
        raise BadScript("%s is not JSON: %s" % (path, e))
    if not isinstance(script, dict):
        raise BadScript("%s is not a JSON object" % path)
    unknown = sorted(set(script) - set(SCRIPT_MEMBERS))
    if unknown:
        raise BadScript("unknown members %s (known: %s)" % (unknown, ", ".join(SCRIPT_MEMBERS)))
    if not isinstance(script.get("renewal_info", False), bool):
        raise BadScript("renewal_info must be true or false")
    profiles = script.get("profiles", {})
    if not isinstance(profiles, dict) or any(not isinstance(v, str) for v in profiles.values()):
        raise BadScript("profiles must map names to description strings")
    check_mode(script.get("window", "due"), "window")
    windows = script.get("windows", {})
    if not isinstance(windows, dict):
        raise BadScript("windows must map certIDs to modes")
    for key, mode in windows.items():
        check_mode(mode, "windows[%s]" % key)
    retry = script.get("retry_after")
    if retry is not None and (not isinstance(retry, int) or isinstance(retry, bool) or retry < 0):
        raise BadScript("retry_after must be a non-negative integer")
    if not isinstance(script.get("explanation_url", ""), str):
        raise BadScript("explanation_url must be a string")
    replaced = script.get("already_replaced", False)
    if not (isinstance(replaced, bool) or
            (isinstance(replaced, list) and all(isinstance(x, str) for x in replaced))):
        raise BadScript("already_replaced must be true, false or a list of certIDs")
    refused = script.get("refuse_profiles", [])
    if not isinstance(refused, list) or any(not isinstance(x, str) for x in refused):
        raise BadScript("refuse_profiles must be a list of profile names")
    cut = script.get("cut", {})
    modes = ("before", "after", "before-once", "after-once")
    if not isinstance(cut, dict) or any(v not in modes for v in cut.values()):
        raise BadScript('cut must map paths to "before", "after", "before-once" or "after-once"')
    return script


class Cut(Exception):
    """The script says: no answer to this request (see "cut")."""


# ---- the server --------------------------------------------------------------------------------


class Answer:
    """One response to the client, and what the log line says about it."""

    def __init__(self, status, body=b"", headers=None, by="front", **log):
        self.status = status
        self.body = body
        self.headers = headers or []  # [(name, value)] in order
        self.by = by
        self.log = log


def problem_doc(status, kind, detail):
    return json.dumps({"type": ERR + kind, "detail": detail, "status": status}).encode()


class Front:
    """What the front remembers, under one lock, and how it talks to the upstream."""

    def __init__(self, args, say):
        self.args = args
        self.say = say
        self.lock = threading.Lock()
        self.certs = {}       # certID -> cert_facts()
        self.replaced = {}    # certID -> order URL (or "" while that newOrder is upstream)
        self.cuts_done = set()  # paths whose "...-once" cut has happened
        self.profiles = {}    # order path -> profile name
        up = urllib.parse.urlsplit(args.upstream)
        if up.scheme != "https" or not up.hostname:
            raise ValueError("--upstream must be an https URL, not %r" % args.upstream)
        self.up_host, self.up_port = up.hostname, up.port or 443
        self.dir_path = up.path or "/"
        self.client_tls = ssl.create_default_context(cafile=args.trust)
        self.new_nonce_path = self.new_order_path = None

    def exchange(self, method, path, host, headers=(), body=None):
        """One request upstream: (status, [(name, value)], body). Raises OSError,
        http.client.HTTPException or ValueError (answer too large)."""
        conn = http.client.HTTPSConnection(self.up_host, self.up_port, context=self.client_tls,
                                           timeout=UPSTREAM_TIMEOUT_S)
        try:
            sent = {k: v for k, v in headers if k.lower() in FORWARD_REQUEST_HEADERS}
            sent["Host"] = host
            conn.request(method, path, body=body, headers=sent)
            resp = conn.getresponse()
            data = resp.read(UPSTREAM_BODY_MAX + 1)
            if len(data) > UPSTREAM_BODY_MAX:
                raise ValueError("upstream answer over %d bytes" % UPSTREAM_BODY_MAX)
            return resp.status, resp.getheaders(), data
        finally:
            conn.close()

    def learn_directory(self):
        """newNonce and newOrder paths from the upstream directory (they do not depend on
        Host). Retried briefly: the upstream may still be starting."""
        host = "%s:%d" % (self.up_host, self.up_port)
        last = None
        for _ in range(STARTUP_TRIES):
            try:
                status, _, body = self.exchange("GET", self.dir_path, host)
                if status == 200:
                    d = json.loads(body)
                    self.new_nonce_path = urllib.parse.urlsplit(d["newNonce"]).path
                    self.new_order_path = urllib.parse.urlsplit(d["newOrder"]).path
                    return
                last = "HTTP %d" % status
            except (OSError, http.client.HTTPException, ValueError, KeyError, TypeError) as e:
                last = str(e)
            time.sleep(0.25)
        raise ValueError("upstream directory %s: %s" % (self.args.upstream, last))

    def fresh_nonce(self, host):
        try:
            status, headers, _ = self.exchange("HEAD", self.new_nonce_path, host)
        except (OSError, http.client.HTTPException, ValueError) as e:
            self.say("no nonce from upstream: %s" % e)
            return None
        for name, value in headers:
            if name.lower() == "replay-nonce":
                return value
        self.say("upstream HEAD newNonce answered %d without Replay-Nonce" % status)
        return None

    def problem(self, host, status, kind, detail, nonce=True, extra=()):
        """An error the front makes, with a Replay-Nonce for POSTs as a CA's errors have."""
        headers = [("Content-Type", "application/problem+json"),
                   ("Cache-Control", "no-store")]
        if nonce:
            value = self.fresh_nonce(host)
            if value:
                headers.append(("Replay-Nonce", value))
        headers.append(("Link", '<https://%s%s>;rel="index"' % (host, self.dir_path)))
        headers.extend(extra)
        return Answer(status, problem_doc(status, kind, detail), headers, problem=ERR + kind,
                      detail=detail)

    # ---- renewal information ------------------------------------------------------------------

    def renewal_info(self, host, cid, script):
        retry = script.get("retry_after")
        extra = [("Retry-After", str(retry))] if retry is not None else []
        if not CERT_ID_RE.match(cid):
            return self.problem(host, 400, "malformed", "certID %r is not base64url.base64url"
                                % cid, nonce=False, extra=extra)
        with self.lock:
            facts = self.certs.get(cid)
        if facts is None:
            return self.problem(host, 404, "malformed", "no certificate %s seen here" % cid,
                                nonce=False, extra=extra)
        mode = script.get("windows", {}).get(cid, script.get("window", "due")).split()
        now = int(time.time())
        if mode[0] == "status":
            status = int(mode[1])
            kind = "serverInternal" if status >= 500 else "malformed"
            return self.problem(host, status, kind, "scripted renewal-info status %d" % status,
                                nonce=False, extra=extra)
        if mode[0] == "due":
            start, end = rfc3339(now - 3600), rfc3339(now)
        elif mode[0] == "later":
            start = rfc3339(facts["not_after"] - 2 * 86400)
            end = rfc3339(facts["not_after"] - 86400)
        elif mode[0] == "invalid":
            start, end = rfc3339(now + 7200), rfc3339(now + 3600)
        else:
            start, end = mode[1], mode[2]
        doc = {"suggestedWindow": {"start": start, "end": end}}
        if script.get("explanation_url"):
            doc["explanationURL"] = script["explanation_url"]
        return Answer(200, json.dumps(doc).encode(),
                      [("Content-Type", "application/json"), ("Cache-Control", "no-store")] +
                      extra)

    # ---- newOrder -----------------------------------------------------------------------------

    def new_order_check(self, host, payload, script):
        """An Answer refusing the order, or None to forward it. A certID in "replaces" is then
        reserved (no second order may name it meanwhile); new_order_done keeps it for the order
        the upstream created, or releases it when there is none."""
        if not isinstance(payload, dict):
            return None  # Pebble says what is wrong with it
        profiles = script.get("profiles", {})
        replaces, profile = payload.get("replaces"), payload.get("profile")
        if replaces is not None and not isinstance(replaces, str):
            return self.problem(host, 400, "malformed", "replaces must be a string")
        if replaces is not None:
            marked = script.get("already_replaced", False)
            with self.lock:
                earlier = self.replaced.get(replaces)
            if marked is True or (isinstance(marked, list) and replaces in marked):
                why = "marked replaced by the script"
            elif earlier is not None:
                why = ("already replaced by order %s" % earlier if earlier
                       else "a replacement order for it is in progress")
            else:
                why = None
            if why:
                return self.problem(host, 409, "alreadyReplaced",
                                    "certificate %s: %s" % (replaces, why))
        refused = script.get("refuse_profiles", [])
        if profile is not None and (not isinstance(profile, str) or profile not in profiles or
                                    profile in refused):
            return self.problem(host, 400, "invalidProfile", "profile %r is not one of %s"
                                % (profile, sorted(profiles)))
        if replaces is not None:
            with self.lock:
                taken = replaces in self.replaced
                if not taken:
                    self.replaced[replaces] = ""
            if taken:
                return self.problem(host, 409, "alreadyReplaced", "certificate %s: a "
                                    "replacement order for it is in progress" % replaces)
        return None

    def new_order_done(self, payload, status, location):
        if not isinstance(payload, dict):
            return
        replaces, profile = payload.get("replaces"), payload.get("profile")
        with self.lock:
            if isinstance(replaces, str) and self.replaced.get(replaces) == "":
                if status == 201 and location:
                    self.replaced[replaces] = location
                else:
                    del self.replaced[replaces]  # no order: the client may try again
            if status == 201 and location and isinstance(profile, str):
                self.profiles[urllib.parse.urlsplit(location).path] = profile

    def order_profile(self, path, headers):
        with self.lock:
            if path in self.profiles:
                return self.profiles[path]
            for name, value in headers:
                if name.lower() == "location":
                    return self.profiles.get(urllib.parse.urlsplit(value).path)
        return None

    def learn_cert(self, body):
        der = leaf_of_chain(body)
        if der is None:
            return None
        try:
            facts = cert_facts(der)
        except (ValueError, IndexError, UnicodeDecodeError) as e:
            self.say("a downloaded chain's leaf does not parse: %s" % e)
            return None
        if facts["aki"] is None:
            self.say("a downloaded leaf has no Authority Key Identifier: no certID")
            return None
        cid = cert_id(facts["aki"], facts["serial"])
        with self.lock:
            self.certs[cid] = facts
            while len(self.certs) > CERTS_KEPT:
                del self.certs[next(iter(self.certs))]
        return cid


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "acme_front"
    timeout = CLIENT_IDLE_S

    def setup(self):
        self.request.settimeout(self.timeout)
        self.request.do_handshake()
        super().setup()

    def log_message(self, fmt, *args):
        pass  # one JSON line per request instead (Server.log_request)

    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        front = self.server.front
        host = self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_address[1]
        entry = {}
        try:
            answer = self.answer(method, host, entry)
        except Cut as e:
            self.server.log_request(method, self.path, Answer(0, cut=str(e)), entry)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        except (OSError, http.client.HTTPException, ValueError) as e:
            answer = front.problem(host, 502, "serverInternal", "acme_front: upstream: %s" % e,
                                   nonce=False)
        self.server.log_request(method, self.path, answer, entry)
        try:
            self.send(method, answer)
        except (OSError, ssl.SSLError) as e:
            self.server.say("%s %s: client went away: %s" % (method, self.path, e))
            self.close_connection = True

    def answer(self, method, host, entry):
        front = self.server.front
        path = self.path.split("?", 1)[0]
        body = b""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return front.problem(host, 411, "malformed", "send a Content-Length, not chunks",
                                 nonce=False)
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > REQUEST_BODY_MAX:
            self.close_connection = True
            return front.problem(host, 413, "malformed", "a body of up to %d bytes, please"
                                 % REQUEST_BODY_MAX, nonce=False)
        if int(length):
            body = self.rfile.read(int(length))
        try:
            script = load_script(self.server.args.script)
        except BadScript as e:
            self.server.say("BAD SCRIPT: %s" % e)
            return front.problem(host, 500, "serverInternal", "acme_front: bad script: %s" % e,
                                 nonce=method == "POST")
        payload = None
        if method == "POST":
            try:
                header, payload = open_jws(body)
                entry["url"] = header.get("url")
                entry["payload"] = payload
            except (ValueError, TypeError):
                entry["url"], entry["payload"] = None, None  # Pebble says what is wrong

        if method in ("GET", "HEAD") and path.startswith(RENEWAL_INFO_PREFIX):
            cid = path[len(RENEWAL_INFO_PREFIX):]
            entry["cert_id"] = cid
            return front.renewal_info(host, cid, script)
        if path.startswith(RENEWAL_INFO_PREFIX):
            return front.problem(host, 405, "malformed", "renewal-info takes GET only",
                                 nonce=False, extra=[("Allow", "GET, HEAD")])

        cut = script.get("cut", {}).get(path)
        if cut is not None and cut.endswith("-once"):
            with front.lock:
                first = path not in front.cuts_done
                front.cuts_done.add(path)
            cut = cut[:-len("-once")] if first else None
        if cut == "before":
            raise Cut("before")
        new_order = method == "POST" and path == front.new_order_path
        if new_order:
            refusal = front.new_order_check(host, payload, script)
            if refusal is not None:
                return refusal
        try:
            status, headers, data = front.exchange(method, self.path, host, self.headers.items(),
                                                   body if method in ("POST", "PUT") else None)
        except Exception:
            if new_order:
                front.new_order_done(payload, 0, None)
            raise
        location = next((v for k, v in headers if k.lower() == "location"), None)
        if location:
            entry["location"] = location
        if new_order:
            front.new_order_done(payload, status, location)
        if cut == "after":
            entry["upstream_status"] = status
            raise Cut("after")
        data = self.rewrite(method, path, host, headers, data, script, entry)
        return Answer(status, data, [(k, v) for k, v in headers
                                     if k.lower() not in DROP_RESPONSE_HEADERS], by="upstream")

    def rewrite(self, method, path, host, headers, data, script, entry):
        """The upstream's body as the client gets it: directory additions, an order's profile;
        certificates are learned on the way."""
        front = self.server.front
        if method == "POST":
            cid = front.learn_cert(data)
            if cid:
                entry["cert_id"] = cid
                return data
        ctype = next((v for k, v in headers if k.lower() == "content-type"), "")
        if not ctype.startswith("application/json"):
            return data
        try:
            obj = json.loads(data)
        except ValueError:
            return data
        if not isinstance(obj, dict):
            return data
        if method == "GET" and path == front.dir_path:
            if script.get("renewal_info"):
                obj["renewalInfo"] = "https://%s%s" % (host, RENEWAL_INFO_PREFIX.rstrip("/"))
            if "profiles" in script:
                meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
                meta["profiles"] = script["profiles"]
                obj["meta"] = meta
            return json.dumps(obj, indent=2).encode()
        profile = front.order_profile(path, headers)
        if profile is not None and "identifiers" in obj and "status" in obj:
            obj["profile"] = profile
            return json.dumps(obj, indent=2).encode()
        return data

    def send(self, method, answer):
        """Head and body in one write: a second small write would wait for the client's
        delayed ACK (Nagle), about 40 ms per request."""
        try:
            phrase = http.HTTPStatus(answer.status).phrase
        except ValueError:
            phrase = "Status"
        lines = ["HTTP/1.1 %d %s" % (answer.status, phrase)]
        lines += ["%s: %s" % (name, value) for name, value in answer.headers]
        bodyless = answer.status in (204, 304) or answer.status < 200
        if not bodyless:  # for HEAD: the length a GET would have (0 for a proxied HEAD)
            lines.append("Content-Length: %d" % len(answer.body))
        if self.close_connection:
            lines.append("Connection: close")
        out = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if method != "HEAD" and not bodyless:
            out += answer.body
        self.wfile.write(out)
        self.wfile.flush()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, args, say):
        self.args = args
        self.say = say
        self.stop = threading.Event()
        self.front = Front(args, say)
        self.front.learn_directory()
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(args.tls_cert, args.tls_key)
        self.log_lock = threading.Lock()
        self.log_file = open(args.log, "a", encoding="utf-8")
        super().__init__(("127.0.0.1", args.port), Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        # Small writes (TLS 1.3 session tickets, then the answer) must not wait for the
        # client's delayed ACK: that costs about 40 ms per connection.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The handshake runs in the request's thread (Handler.setup), not in the accept loop.
        return self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def log_request(self, method, path, answer, entry):
        now = time.time()
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) +
                ".%03dZ" % (int(now * 1000) % 1000),
                "method": method, "path": path, "status": answer.status, "by": answer.by}
        line.update(entry)
        line.update(answer.log)
        text = json.dumps(line, separators=(",", ":")) + "\n"
        with self.log_lock:
            self.log_file.write(text)
            self.log_file.flush()

    def handle_error(self, request, client_address):
        self.say("connection from %s:%d ended: %s" % (client_address[0], client_address[1],
                                                     sys.exc_info()[1]))


# ---- self-test ---------------------------------------------------------------------------------

RFC9773_AKI = "69885B6B87464041E1B37B847BA0AE2CDE01C8D4"
RFC9773_SERIAL = "0087654321"
RFC9773_CERT_ID = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"


def openssl_cert(tmp, name, serial_hex, aki_hex, days):
    """A self-signed certificate made by openssl with this serial and a verbatim AKI keyid."""
    key, cnf, out = (os.path.join(tmp, name + ext) for ext in (".key", ".cnf", ".pem"))
    aki = bytes.fromhex(aki_hex)
    ext_der = bytes([0x30, len(aki) + 2, 0x80, len(aki)]) + aki
    with open(cnf, "w") as f:
        f.write("[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = ext\n"
                "[dn]\nCN = acme_front self-test\n[ext]\nbasicConstraints = critical,CA:FALSE\n"
                "authorityKeyIdentifier = none\nsubjectKeyIdentifier = none\n"
                "2.5.29.35 = DER:%s\n" % ":".join("%02X" % b for b in ext_der))
    run = dict(check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-out", key], **run)
    subprocess.run(["openssl", "req", "-x509", "-new", "-key", key, "-config", cnf,
                    "-set_serial", "0x" + serial_hex, "-days", str(days), "-out", out], **run)
    end = subprocess.run(["openssl", "x509", "-in", out, "-noout", "-enddate"],
                         **run).stdout.decode().strip().split("=", 1)[1]
    with open(out, "rb") as f:
        return f.read(), calendar.timegm(time.strptime(end, "%b %d %H:%M:%S %Y GMT"))


def self_test():
    failures, checks = [], 0

    def check(what, got, want):
        nonlocal checks
        checks += 1
        if got != want:
            failures.append("%s: got %r, want %r" % (what, got, want))

    check("RFC 9773 example from its parts",
          cert_id(bytes.fromhex(RFC9773_AKI), bytes.fromhex(RFC9773_SERIAL)), RFC9773_CERT_ID)
    tmp = tempfile.mkdtemp(prefix="acme_front.selftest.")
    try:
        # (serial as openssl takes it, its DER content octets): the RFC's, one without a
        # leading zero, and a 16-byte one like Pebble's.
        cases = [("87654321", RFC9773_SERIAL), ("1234", "1234"),
                 ("7f" + "a5" * 15, "7f" + "a5" * 15), ("ff" + "01" * 15, "00ff" + "01" * 15)]
        for n, (serial, content) in enumerate(cases):
            pem, not_after = openssl_cert(tmp, "c%d" % n, serial, RFC9773_AKI, 3 + n)
            facts = cert_facts(leaf_of_chain(pem + pem))
            check("serial 0x%s: content octets" % serial, facts["serial"].hex(), content)
            check("serial 0x%s: notAfter" % serial, facts["not_after"], not_after)
            want = cert_id(bytes.fromhex(RFC9773_AKI), bytes.fromhex(content))
            check("serial 0x%s: certID" % serial, cert_id(facts["aki"], facts["serial"]), want)
        pem, _ = openssl_cert(tmp, "rfc", "87654321", RFC9773_AKI, 1)
        facts = cert_facts(leaf_of_chain(pem))
        check("RFC 9773 example from an openssl certificate",
              cert_id(facts["aki"], facts["serial"]), RFC9773_CERT_ID)
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        failures.append("openssl part: %s" % e)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    check("a non-PEM body", leaf_of_chain(b'{"status":"valid"}'), None)
    check("base64url without padding", b64u(b"\xfb\xff"), "-_8")
    for f in failures:
        print("FAIL " + f)
    print("self-test: %d of %d checks passed" % (checks - len(failures), checks))
    return 1 if failures else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--upstream", required=True, help="the upstream directory URL")
    p.add_argument("--trust", required=True, help="PEM root the upstream's TLS chains to")
    p.add_argument("--tls-cert", required=True)
    p.add_argument("--tls-key", required=True)
    p.add_argument("--script", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--lifetime", type=float, default=300.0)
    args = p.parse_args()

    say_lock = threading.Lock()

    def say(msg):
        with say_lock:
            sys.stderr.write("%.3f %s\n" % (time.monotonic(), msg))
            sys.stderr.flush()

    try:
        load_script(args.script)
    except BadScript as e:
        sys.exit("acme_front: %s" % e)
    try:
        server = Server(args, say)
    except (ValueError, OSError, ssl.SSLError) as e:
        sys.exit("acme_front: %s" % e)
    serve_until_stopped(server, args.port_file, args.lifetime, say,
                        "listening on 127.0.0.1:%d for %s (newOrder %s, lifetime %.0f s)"
                        % (server.server_address[1], args.upstream,
                           server.front.new_order_path, args.lifetime))
    server.log_file.close()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
