#!/usr/bin/env python3
"""A test double of Microsoft's Partner Center REST API and of the Entra ID token endpoint, for the
tests of `mca-audit fetch` (docs/fetch.md, "Test Partner Center"). It is not part of the product.

It serves, on 127.0.0.1 only, deterministic customers (paged with links.next and MS-ContinuationToken),
their agreements, subscriptions and orders (paged too), and the token endpoint with refresh-token
rotation, in the shapes Microsoft documents; and it plays the faults a rules file scripts.

  TestPartnerCenter.py --customers N [--seed S] [--faults FILE] [--latency-ms MS] [--expires-in S]
                       [--item-page-size K] [--customer-page-size K] [--strict-rotation] [--port P]
  TestPartnerCenter.py --customers N [--seed S] --dump DIR      (the same data as files, then exit)

The first line on stdout is `PORT <n>`; when stdin closes, a JSON line of counters follows and it exits.
Fault rules (JSON list): {"match": "<substring of the path and query>", "fault": "<kind>", "times": n}
(times -1: always; "after": n lets the first n matching requests through), kinds: 429 (with "retryAfter"), 500, 502, 503, 504, 401 (every access token
issued so far is revoked), 403, 404, drop (the connection closes halfway through the body),
nonjson (an HTML page with status 200), invalid_grant and 400 (token endpoint).
"""
import argparse
import base64
import json
import os
import random
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TENANT = "contoso-partner.onmicrosoft.com"
CLIENT_ID = "3f1c2b7e-5a1d-4c0e-9d8e-a1b2c3d4e5f6"
CLIENT_SECRET = "test-client-secret-Zq8~kd02JfWm"
REFRESH_TOKEN = "test-refresh-token-0.AXcAq1b2c3d4"
RESOURCE = "https://api.partnercenter.microsoft.com"


def customer_id(seed, i):
    return "%08x-0000-4000-8000-%012x" % (seed, i)


def dumps(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Data:
    """Everything derives from (seed, index): nothing is held per customer."""

    def __init__(self, customers, seed):
        self.count = customers
        self.seed = seed

    def customer(self, i):
        cid = customer_id(self.seed, i)
        return {
            "id": cid,
            "commerceId": cid,
            "companyProfile": {
                "tenantId": cid,
                "domain": "customer%d.onmicrosoft.com" % i,
                "companyName": "Customer %d %s" % (i, ["Ltd", "GmbH", "SARL", "Inc."][i % 4]),
                "attributes": {"objectType": "CustomerCompanyProfile"},
            },
            "relationshipToPartner": "reseller" if i % 3 else "advisor",
            "allowDelegatedAccess": True,
            "customDomains": [],
            "links": {"self": {"uri": "/customers/%s" % cid, "method": "GET", "headers": []}},
            "attributes": {"objectType": "Customer"},
        }

    def rng(self, i, what):
        return random.Random("%d/%d/%s" % (self.seed, i, what))

    def agreements(self, i, agreement_type):
        r = self.rng(i, "agreements")
        cid = customer_id(self.seed, i)
        kind = i % 7
        contact = {"firstName": "Ana%d" % i, "lastName": "Núñez", "email": "ana%d@customer%d.example" % (i, i),
                   "phoneNumber": "+1 425 555 %04d" % (i % 10000)}
        items = []
        def record(typ, date, c=contact):
            items.append({"primaryContact": c, "templateId": "117a488c-2a5e-4d8e-8e7d-5d5b1b0d5d3e", "dateAgreed": date,
                          "type": typ, "agreementLink": "https://aka.ms/customeragreement", "userId": str(uuid.UUID(int=r.getrandbits(128))),
                          "attributes": {"objectType": "Agreement"}})
        if kind == 1:
            record("MicrosoftCloudAgreement", "2018-09-%02dT10:00:00Z" % (1 + i % 28))
        elif kind == 2:
            record("MicrosoftCloudAgreement", "2018-10-01T00:00:00Z", {k: v for k, v in contact.items() if k != "lastName"})
        elif kind == 3:
            record("MicrosoftCloudAgreement", "2018-12-01T00:00:00Z")
        elif kind == 4:
            record("MicrosoftCustomerAgreement", "2020-03-02T00:00:00Z")
        elif kind == 5:
            record("MicrosoftCloudAgreement", "2018-08-20T00:00:00Z")
            record("MicrosoftCloudAgreement", "2019-01-15T00:00:00Z")
        elif kind == 6:
            record("MicrosoftCloudAgreement", "2031-01-01T00:00:00Z")
        return [a for a in items if a["type"] == agreement_type]

    def subscriptions(self, i):
        r = self.rng(i, "subscriptions")
        cid = customer_id(self.seed, i)
        out = []
        for n in range(1 + i % 3):
            sid = "%08x-5000-4000-8000-%08x%04x" % (self.seed, i, n)
            license_based = n != 2
            out.append({
                "id": sid, "offerId": "CFQ7TTC0LF8Q" if license_based else "DZH318Z0BPS6",
                "entitlementId": sid, "offerName": "Office 365 E3" if license_based else "Azure plan",
                "friendlyName": "Office 365 E3" if license_based else "Azure plan",
                "quantity": r.randint(1, 40) if license_based else 1,
                "unitType": "Licenses" if license_based else "Usage-based",
                "hasPurchasableAddons": False, "creationDate": "2018-%02d-01T00:00:00Z" % (6 + n),
                "effectiveStartDate": "2018-%02d-01T00:00:00Z" % (6 + n), "commitmentEndDate": "2019-%02d-01T00:00:00Z" % (6 + n),
                "status": "active", "autoRenewEnabled": True, "isTrial": False,
                "billingType": "license" if license_based else "usage", "contractType": "subscription",
                "partnerId": "" if i % 4 else "4390934", "orderId": "%08x-0d00-4000-8000-%08x%04x" % (self.seed, i, n),
                "links": {"self": {"uri": "/customers/%s/subscriptions/%s" % (cid, sid), "method": "GET", "headers": []}},
                "attributes": {"etag": "eyJpZCI6%d" % n, "objectType": "Subscription"},
            })
        return out

    def orders(self, i):
        cid = customer_id(self.seed, i)
        out = []
        for n in range(1 + i % 3):
            oid = "%08x-0d00-4000-8000-%08x%04x" % (self.seed, i, n)
            sid = "%08x-5000-4000-8000-%08x%04x" % (self.seed, i, n)
            date = ["2018-07-15T10:00:00Z", "2018-11-12T09:30:00Z", "2019-02-01T00:00:00Z"][n]
            out.append({
                "id": oid, "referenceCustomerId": cid, "billingCycle": "monthly",
                "lineItems": [{"lineItemNumber": 0, "offerId": "CFQ7TTC0LF8Q" if n != 2 else "DZH318Z0BPS6",
                               "subscriptionId": sid, "friendlyName": "Office 365 E3", "quantity": 5 + n,
                               "links": {"subscription": {"uri": "/customers/%s/subscriptions/%s" % (cid, sid),
                                                          "method": "GET", "headers": []}}}],
                "creationDate": date, "status": "completed", "transactionType": "UserPurchase",
                "links": {"self": {"uri": "/customers/%s/orders/%s" % (cid, oid), "method": "GET", "headers": []}},
                "attributes": {"objectType": "Order"},
            })
        return out


def collection(items, next_uri=None, token=None):
    body = {"totalCount": len(items), "items": items, "links": {}, "attributes": {"objectType": "Collection"}}
    if next_uri:
        body["links"]["next"] = {"uri": next_uri, "method": "GET",
                                 "headers": [{"key": "MS-ContinuationToken", "value": token}]}
    return body


class State:
    def __init__(self, args):
        self.args = args
        self.data = Data(args.customers, args.seed)
        self.lock = threading.Lock()
        self.rules = json.load(open(args.faults)) if args.faults else []
        for rule in self.rules:
            rule.setdefault("times", 1)
            rule["fired"] = 0
        self.access_tokens = set()
        self.refresh_tokens = {REFRESH_TOKEN}
        self.latest_refresh = REFRESH_TOKEN
        self.issued = 0
        self.stats = {"requests": 0, "tokenRequests": 0, "inFlight": 0, "maxInFlight": 0, "tokenInFlight": 0,
                      "maxTokenInFlight": 0, "badHeaders": 0, "unauthorized": 0, "correlationIds": [], "faults": {},
                      "accessTokens": [], "refreshTokens": [REFRESH_TOKEN], "requestIds": 0}

    def fault(self, path):
        with self.lock:
            for n, rule in enumerate(self.rules):
                if rule["match"] in path and rule.get("after", 0) > 0:
                    rule["after"] -= 1
                    continue
                if rule["match"] in path and (rule["times"] < 0 or rule["fired"] < rule["times"]):
                    rule["fired"] += 1
                    self.stats["faults"][str(n)] = rule["fired"]
                    return rule
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, Nagle's algorithm and delayed ACKs
    # would add 40 ms to every answer on a kept-alive connection.
    disable_nagle_algorithm = True
    server_version = "TestPartnerCenter/1"

    def log_message(self, *args):
        pass

    @property
    def state(self):
        return self.server.state

    def send_json(self, status, body, headers=()):
        data = dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def play(self, rule, body):
        """Plays a scripted fault; returns True when it answered instead of the normal handler."""
        kind = str(rule["fault"])
        if kind == "drop":
            data = dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return True
        if kind == "nonjson":
            page = b"<html><body>The service is temporarily unavailable.</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return True
        if kind == "401":
            with self.state.lock:
                self.state.access_tokens.clear()
            self.send_json(401, {"code": 401, "description": "Unauthorized: the access token has expired"})
            return True
        if kind == "429":
            self.send_json(429, {"code": 429, "description": "Too many requests"}, [("Retry-After", str(rule.get("retryAfter", 1)))])
            return True
        if kind in ("500", "502", "503", "504", "403", "404", "400"):
            status = int(kind)
            self.send_json(status, {"code": status, "description": {403: "Customer has not granted delegated admin privileges",
                                                                     404: "Customer not found"}.get(status, "Server error")})
            return True
        if kind == "invalid_grant":
            self.send_json(400, {"error": "invalid_grant", "error_description": "AADSTS700082: The refresh token has expired due to inactivity."})
            return True
        return False

    def do_POST(self):
        st = self.state
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        with st.lock:
            st.stats["tokenRequests"] += 1
            st.stats["tokenInFlight"] += 1
            st.stats["maxTokenInFlight"] = max(st.stats["maxTokenInFlight"], st.stats["tokenInFlight"])
        try:
            time.sleep(0.02)  # a token request takes a while, so overlapping refreshes would show
            if self.path != "/%s/oauth2/token" % TENANT:
                return self.send_json(404, {"error": "invalid_tenant"})
            rule = st.fault(self.path)
            if rule and self.play(rule, {}):
                return
            if (form.get("grant_type") != "refresh_token" or form.get("client_id") != CLIENT_ID
                    or form.get("resource") != RESOURCE):
                return self.send_json(400, {"error": "invalid_request", "error_description": "bad form"})
            if form.get("client_secret") != CLIENT_SECRET:
                return self.send_json(401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
            with st.lock:
                token = form.get("refresh_token")
                ok = token == st.latest_refresh if st.args.strict_rotation else token in st.refresh_tokens
                if not ok:
                    return self.send_json(400, {"error": "invalid_grant", "error_description": "AADSTS70000: the refresh token is not valid"})
                st.issued += 1
                access = "test-access-token-%d-%s" % (st.issued, uuid.uuid4().hex)
                rotated = "test-refresh-token-%d-%s" % (st.issued, uuid.uuid4().hex)
                st.access_tokens.add(access)
                st.refresh_tokens.add(rotated)
                st.latest_refresh = rotated
                st.stats["accessTokens"].append(access)
                st.stats["refreshTokens"].append(rotated)
                # Entra ID has answered expires_in both as a number and as a string of digits.
                expires = st.args.expires_in if st.issued % 2 else str(st.args.expires_in)
            self.send_json(200, {"token_type": "Bearer", "scope": "user_impersonation", "expires_in": expires,
                                 "ext_expires_in": expires, "resource": RESOURCE, "access_token": access,
                                 "refresh_token": rotated})
        finally:
            with st.lock:
                st.stats["tokenInFlight"] -= 1

    def do_GET(self):
        st = self.state
        url = urlsplit(self.path)
        if url.path == "/_stats":
            with st.lock:
                return self.send_json(200, st.stats)
        with st.lock:
            st.stats["requests"] += 1
            st.stats["inFlight"] += 1
            st.stats["maxInFlight"] = max(st.stats["maxInFlight"], st.stats["inFlight"])
        try:
            if st.args.latency_ms:
                time.sleep(st.args.latency_ms / 1000.0)
            self.answer(url)
        finally:
            with st.lock:
                st.stats["inFlight"] -= 1

    def answer(self, url):
        st = self.state
        auth = self.headers.get("Authorization", "")
        corr = self.headers.get("MS-CorrelationId", "")
        rid = self.headers.get("MS-RequestId", "")
        with st.lock:
            try:
                uuid.UUID(corr)
                uuid.UUID(rid)
                if corr not in st.stats["correlationIds"]:
                    st.stats["correlationIds"].append(corr)
            except ValueError:
                st.stats["badHeaders"] += 1
            if self.headers.get("Accept") != "application/json":
                st.stats["badHeaders"] += 1
            authorized = auth.startswith("Bearer ") and auth[7:] in st.access_tokens
            if not authorized:
                st.stats["unauthorized"] += 1
        if not authorized:
            return self.send_json(401, {"code": 401, "description": "Unauthorized"})
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        if parts[:1] != ["v1"]:
            return self.send_json(404, {"code": 404, "description": "not found"})
        body, next_uri = self.resource(parts[1:], query)
        if body is None:
            return self.send_json(404, {"code": 404, "description": "not found"})
        if isinstance(body, tuple):
            return self.send_json(*body)
        rule = st.fault(url.path + ("?" + url.query if url.query else ""))
        if rule and self.play(rule, body):
            return
        self.send_json(200, body)

    def page(self, items, size, query, base):
        """One page of `items` from the offset in MS-ContinuationToken (seekOperation=Next), else the first."""
        offset = 0
        if query.get("seekOperation") == "Next":
            token = self.headers.get("MS-ContinuationToken")
            if not token:
                return (400, {"code": 400, "description": "MS-ContinuationToken missing"}), None
            offset = json.loads(base64.b64decode(token))["offset"]
        chunk = items[offset: offset + size]
        if offset + size < len(items):
            token = base64.b64encode(dumps({"offset": offset + size}).encode()).decode()
            return collection(chunk, base + ("&" if "?" in base else "?") + "seekOperation=Next", token), None
        return collection(chunk), None

    def resource(self, parts, query):
        st = self.state
        data = st.data
        if parts == ["customers"]:
            size = st.args.customer_page_size or int(query.get("size", "100"))
            offset = 0
            if query.get("seekOperation") == "Next":
                token = self.headers.get("MS-ContinuationToken")
                if not token:
                    return (400, {"code": 400, "description": "MS-ContinuationToken missing"}), None
                offset = json.loads(base64.b64decode(token))["offset"]
            items = [data.customer(i) for i in range(offset, min(data.count, offset + size))]
            if offset + size < data.count:
                token = base64.b64encode(dumps({"offset": offset + size}).encode()).decode()
                return collection(items, "/customers?size=%d&seekOperation=Next" % size, token), None
            return collection(items), None
        if len(parts) == 3 and parts[0] == "customers":
            try:
                seed_hex, _, _, _, index_hex = parts[1].split("-")
                i = int(index_hex, 16)
                if int(seed_hex, 16) != data.seed or i >= data.count or parts[1] != customer_id(data.seed, i):
                    return None, None
            except ValueError:
                return None, None
            k = st.args.item_page_size
            base = "/customers/%s/%s" % (parts[1], parts[2])
            if parts[2] == "agreements":
                typ = query.get("agreementType", "MicrosoftCloudAgreement")
                return self.page(data.agreements(i, typ), k, query, base + "?agreementType=" + typ)
            if parts[2] == "subscriptions":
                return self.page(data.subscriptions(i), k, query, base)
            if parts[2] == "orders":
                return self.page(data.orders(i), k, query, base)
        return None, None


def dump(args):
    """Writes what a complete fetch of this data holds, as the audit's JSON inputs."""
    data = Data(args.customers, args.seed)
    os.makedirs(args.dump, exist_ok=True)
    types = args.agreement_types.split(",")
    files = {name: open(os.path.join(args.dump, name + ".json"), "w", encoding="utf-8")
             for name in ("customers", "agreements", "subscriptions", "orders")}
    lists = {name: [] for name in files}
    for i in range(data.count):
        cid = customer_id(args.seed, i)
        lists["customers"].append(data.customer(i))
        for t in types:
            lists["agreements"] += [dict({"customerId": cid}, **a) for a in data.agreements(i, t)]
        lists["subscriptions"] += [dict({"customerId": cid}, **s) for s in data.subscriptions(i)]
        lists["orders"] += data.orders(i)
    for name, f in files.items():
        f.write(dumps({"totalCount": len(lists[name]), "items": lists[name]}))
        f.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--customers", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--faults")
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument("--expires-in", type=int, default=3599)
    p.add_argument("--item-page-size", type=int, default=2)
    p.add_argument("--customer-page-size", type=int, default=0, help="page size of /customers whatever the client asks")
    p.add_argument("--strict-rotation", action="store_true")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--dump")
    p.add_argument("--agreement-types", default="MicrosoftCloudAgreement,MicrosoftCustomerAgreement")
    args = p.parse_args()
    if args.dump:
        return dump(args)
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 256
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.state = State(args)
    print("PORT %d" % server.server_address[1], flush=True)
    # Stops with its parent: when the tests close stdin (or die), the server prints its counters
    # as one JSON line and exits.
    def watch_stdin():
        sys.stdin.read()
        with server.state.lock:
            sys.stdout.write(dumps(server.state.stats) + "\n")
        sys.stdout.flush()
        os._exit(0)
    threading.Thread(target=watch_stdin, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
