#!/usr/bin/env python3
"""A minimal Docker/OCI registry token service for the push tests.

GET /token?service=S&scope=repository:NAME:ACTIONS with basic auth
rrt:s3cret answers {"token": JWT}, a JWT signed RS256 with KEY and carrying
CERT in its x5c header, which docker-registry checks against its
rootcertbundle. Anything else answers 401. Listens on 127.0.0.1:PORT only.
Usage: token-server.py PORT KEY.pem CERT.pem ISSUER LOG
"""
import base64
import json
import os
import ssl
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

PORT, KEY, CERT, ISSUER, LOG = sys.argv[1:6]
USER, PASSWORD = "rrt", "s3cret"
with open(CERT) as f:
    DER = ssl.PEM_cert_to_DER_cert(f.read())


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(payload):
    out = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY],
                         input=payload, capture_output=True, check=True)
    return out.stdout


def make_token(service, scopes):
    access = []
    for scope in scopes:
        kind, _, rest = scope.partition(":")
        name, _, actions = rest.rpartition(":")
        access.append({"type": kind, "name": name,
                       "actions": [a for a in actions.split(",") if a]})
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256",
              "x5c": [base64.b64encode(DER).decode()]}
    claims = {"iss": ISSUER, "sub": USER, "aud": service, "exp": now + 600,
              "nbf": now - 30, "iat": now, "jti": os.urandom(8).hex(),
              "access": access}
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode()))
    return signing_input + "." + b64url(sign(signing_input.encode()))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        expected = "Basic " + base64.b64encode(
            f"{USER}:{PASSWORD}".encode()).decode()
        with open(LOG, "a") as log:
            log.write(f"GET {url.path} auth={'yes' if self.headers.get('Authorization') else 'no'}\n")
        if url.path != "/token" or self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        token = make_token(query.get("service", [""])[0],
                           " ".join(query.get("scope", [])).split())
        body = json.dumps({"token": token}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", int(PORT)), Handler).serve_forever()
