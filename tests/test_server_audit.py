"""A hostile client against the PACT v3 host: odd query values, filters, events, on SQLite and PostgreSQL.

Each test is a request that was answered wrongly (HTTP 500, a 200 that hid or dropped something); the
fixtures and helpers are tests/test_server.py's (two clients, records for each and for everyone).
"""
from __future__ import annotations

import json
import re

import pytest

from footprint.server.publish import publish
from footprint.server.store import PublishError, Store
from test_server import _bearer, _declaration, _event, _pf_id, _post_event, _token, host  # noqa: F401 (fixture)


def _get(host, path: str, name: str = "alpha", **params):
    return host["client"].get(path, params=params or None, headers=_bearer(_token(host, name)))


# ------------------------------------------------------------------ ListFootprints' parameters


@pytest.mark.parametrize("name", ["limit", "offset"])
def test_a_count_in_digits_that_are_not_ascii_is_a_bad_request(host, name):
    """'²'.isdigit() is True and int('²') a ValueError: ?limit=² was HTTP 500 (and uvicorn's traceback)."""
    response = _get(host, "/3/footprints", **{name: "\u00b2"})
    assert response.status_code == 400 and response.json()["code"] == "BadRequest", response.text
    assert name in response.json()["message"]


@pytest.mark.parametrize("name", ["productId", "companyId", "geography", "classification"])
@pytest.mark.parametrize("value", ["", " "])
def test_a_filter_without_a_value_is_no_filter(host, name, value):
    """?productId= made 'IN ()': an empty listing, HTTP 200, on SQLite (a complete result of a filter that said
    nothing), an SQL syntax error (500) on PostgreSQL; then it was a 400.  WBCSD's v3 conformance cases #22 and #23
    send geography= and classification= when the first footprint has none and expect 200 with all footprints
    (tests/test_server_conformance.py): a filter given without a value names no criterion, the listing is the
    unfiltered one (and its pagination links keep working)."""
    unfiltered = _get(host, "/3/footprints")
    response = _get(host, "/3/footprints", **{name: value})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == unfiltered.json()["data"] and len(unfiltered.json()["data"]) == 2
    mixed = _get(host, "/3/footprints", **{name: [value, "urn:example:nothing"]})
    assert mixed.status_code == 200 and mixed.json()["data"] == []          # a blank value beside a real one: ignored
    paged = _get(host, "/3/footprints", limit="1", **{name: value})
    following = host["client"].get(re.search(r'<([^>]+)>; rel="next"', paged.headers["link"]).group(1),
                                   headers=_bearer(_token(host, "alpha")))
    assert following.status_code == 200 and following.json()["data"] == unfiltered.json()["data"][1:], following.text


@pytest.mark.parametrize("params", [{"geography": "D\x00E"}, {"status": "Act\x00ive"}, {"productId": "a\x01b"}])
def test_a_control_character_in_a_query_value_is_a_bad_request(host, params):
    """PostgreSQL refuses a NUL in a text parameter: HTTP 500 there, a 200 on SQLite; now 400 on both."""
    response = _get(host, "/3/footprints", **params)
    assert response.status_code == 400 and response.json()["code"] == "BadRequest", response.text
    assert "control character" in response.json()["message"]


def test_a_control_character_in_a_web_page_filter_is_a_bad_request(host):
    response = host["client"].get("/", params={"declarant": "Open\x00"})
    assert response.status_code == 400 and "control character" in response.text
    assert "text/html" in response.headers["content-type"]


def test_a_query_too_long_for_the_link_header_is_refused_and_a_long_one_served(host):
    """The Link header repeats the query four times: ?productId=<60 kB> made a header of 240 kB that httpx refuses
    to read ("Receive buffer too long"), after a 200.  Past 8 KiB the query is a 400; 100 product ids still pass."""
    response = _get(host, "/3/footprints", productId="urn:x:" + "a" * 9000)
    assert response.status_code == 400 and "longer than 8192 bytes" in response.json()["message"]
    product = to_product_id(host["docs"]["alpha"])
    many = [f"urn:example:product:{k:03d}" for k in range(99)] + [product]
    response = host["client"].get("/3/footprints", params=[("productId", p) for p in many] + [("limit", "1")],
                                  headers=_bearer(_token(host, "alpha")))
    assert response.status_code == 200 and [pf["id"] for pf in response.json()["data"]] == \
        [_pf_id(host["docs"]["alpha"])]
    assert len(response.headers["link"]) < 64 * 1024


def to_product_id(document: dict) -> str:
    from footprint.export.pact import to_pact

    return to_pact(document)["productIds"][0]


# ------------------------------------------------------------------ geography: "within" the geography asked for


def test_a_country_lists_the_footprints_of_its_subdivisions(host, example_declaration):
    """PACT v3: geography "will return all footprints within the specified geography(s)".  A record of Inner
    Mongolia (geographyCountrySubdivision CN-NM) was missing from geography=CN, HTTP 200 as a complete result."""
    inner_mongolia = _declaration(example_declaration, "decl-baotou", "Baotou Separation Co")
    assert to_pact_geography(inner_mongolia) == {"geographyCountrySubdivision": "CN-NM"}
    publish(inner_mongolia, to=["alpha"], database=host["db"])
    baotou = _pf_id(inner_mongolia)
    for value in ("CN", "cn", "CN-NM", " cn-nm "):
        listed = [pf["id"] for pf in _get(host, "/3/footprints", geography=value).json()["data"]]
        assert listed == [baotou], value
    for value in ("CN-XZ", "C", "CN-", "DE"):  # another subdivision, no country, a country it is not in
        listed = [pf["id"] for pf in _get(host, "/3/footprints", geography=value).json()["data"]]
        assert baotou not in listed, value
    # a record of the country itself (alpha's, DE) with DE and a subdivision of CN at once (any value matches)
    listed = {pf["id"] for pf in host["client"].get("/3/footprints", params=[("geography", "de"), ("geography", "CN")],
                                                     headers=_bearer(_token(host, "alpha"))).json()["data"]}
    assert listed == {baotou, _pf_id(host["docs"]["alpha"]), _pf_id(host["docs"]["public"])}
    # beta does not see alpha's record through a wider geography
    assert baotou not in [pf["id"] for pf in _get(host, "/3/footprints", "beta", geography="CN").json()["data"]]


def to_pact_geography(document: dict) -> dict:
    from footprint.export.pact import to_pact

    return {k: v for k, v in to_pact(document)["pcf"].items() if k.startswith("geography")}


# ------------------------------------------------------------------ the token endpoint


@pytest.mark.parametrize("client_id", ["al\x00pha", "alpha\n", "\u00e9" * 10])
def test_a_client_id_no_client_can_have_is_an_invalid_client(host, client_id):
    """A NUL in the client id reached the database (HTTP 500 on PostgreSQL); such an id is never looked up."""
    response = host["client"].post("/auth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                        "client_secret": host["secrets"]["alpha"]})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client", response.text


def test_a_client_id_with_a_trailing_newline_is_not_added(database):
    """CLIENT_ID ended in '$', which matches before a final newline: 'acme\\n' was added as a client id."""
    store = Store(database)
    store.prepare()
    with pytest.raises(PublishError, match="not a valid client id"):
        store.add_client("acme\n")


# ------------------------------------------------------------------ events


@pytest.mark.parametrize("change, message", [
    (lambda e: e.update(id="evt\x00-1"), "'id' holds a character"),
    (lambda e: e.update(source="//buyer.example/\n"), "'source' holds a character"),
    (lambda e: e.update(id="\ud800"), "'id' holds a character"),
    (lambda e: e["data"].update(comment="please \udc00"), "data.comment holds an unpaired surrogate"),
    (lambda e: e["data"].update({"\ud83d": "x"}), "a key, holds an unpaired surrogate"),
    (lambda e: e["data"].update(productId=[]), "data.productId must name at least one value"),
    (lambda e: e["data"].update(geography=["  "]), "data.geography must name at least one value"),
])
def test_request_created_events_a_database_cannot_store_or_the_spec_refuses_are_bad_requests(host, change, message):
    """A NUL in 'id' was HTTP 500 on PostgreSQL, an unpaired surrogate (JSON "\\ud800") HTTP 500 on both databases;
    an empty criteria list (PACT: 1 or more) was stored and answered 200."""
    event = _event("RequestCreated", {"productId": ["urn:example:p"]}, "evt-x")
    change(event)
    body = json.dumps(event).encode()  # ensure_ascii: surrogates travel as \\udXXX escapes, as a client sends them
    response = host["client"].post("/3/events", content=body, headers={
        **_bearer(_token(host, "alpha")), "content-type": "application/cloudevents+json"})
    assert response.status_code == 400 and response.json()["code"] == "BadRequest", response.text
    assert message in response.json()["message"]
    assert host["store"].events() == []


@pytest.mark.parametrize("pf_ids", [["x"], ["079e425a-464f-528d-341d-4a944a1dfd70", "not-a-uuid"],
                                    ["079e425a464f528d341d4a944a1dfd70"]])
def test_a_published_event_names_footprints_by_uuid(host, pf_ids):
    """PACT v3: PublishedEvent data.pfIds are uuids; {"pfIds": ["x"]} was stored and answered 200."""
    response = _post_event(host, _event("Published", {"pfIds": pf_ids}), _token(host, "alpha"))
    assert response.status_code == 400 and "must be a ProductFootprint id (a UUID)" in response.json()["message"]
    assert host["store"].events() == []


def test_an_event_with_a_well_formed_unicode_text_is_still_accepted(host):
    event = _event("RequestCreated", {"productId": ["urn:example:\u00e9\U0001f600"], "comment": "\u00fcber \u2192"})
    assert _post_event(host, event, _token(host, "alpha")).status_code == 200
    assert host["store"].events()[0]["data"] == event["data"]


def test_links_of_a_country_listing_page_through_each_record_once(host, example_declaration):
    """The widened geography filter is still a pinned listing: pages of 1 hold each CN record once."""
    for k in range(3):
        document = _declaration(example_declaration, f"decl-cn-{k}", f"Baotou {k} Co")
        publish(document, to=["alpha"], database=host["db"])
    headers = _bearer(_token(host, "alpha"))
    response = host["client"].get("/3/footprints", params={"geography": "CN", "limit": 1}, headers=headers)
    seen = [pf["id"] for pf in response.json()["data"]]
    while True:
        found = re.search(r'<([^>]+)>; rel="next"', response.headers.get("link", ""))
        if not found:
            break
        response = host["client"].get(found.group(1), headers=headers)
        assert response.status_code == 200, response.text
        seen += [pf["id"] for pf in response.json()["data"]]
    assert len(seen) == 3 and len(set(seen)) == 3


# ------------------------------------------------------------------ the real server: slow and long requests


@pytest.fixture()
def live_app(tmp_path):
    """uvicorn over TLS on a loopback port, in a thread, with a body deadline of 1 s (the default is 30 s)."""
    import socket
    import threading
    import time

    import uvicorn

    from footprint.server.app import create_app
    from footprint.server.run import uvicorn_config
    from liveserver import certificate_or_skip

    cert, key = certificate_or_skip(tmp_path)
    database = str(tmp_path / "live.sqlite")
    store = Store(database)
    store.prepare()
    secret = store.add_client("buyer")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn_config(create_app(database, body_seconds=1.0), cert, key)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield {"port": sock.getsockname()[1], "cert": cert, "secret": secret}
    server.should_exit = True
    thread.join(timeout=20)
    sock.close()


def test_a_body_that_does_not_arrive_is_refused_after_the_deadline(live_app):
    """A client sent the headers of POST /3/events (Content-Length 100) and one byte, then nothing: the request was
    held open for as long as the client liked (90 s waited out on the real server).  Now 400 after the deadline."""
    import socket
    import ssl
    import time

    import httpx

    context = ssl.create_default_context(cafile=str(live_app["cert"]))
    url = f"https://127.0.0.1:{live_app['port']}"
    with httpx.Client(base_url=url, verify=context) as client:
        token = client.post("/auth/token", data={"grant_type": "client_credentials"},
                            auth=("buyer", live_app["secret"])).json()["access_token"]
    for path, header in (("/3/events", f"Authorization: Bearer {token}\r\n"
                                       "Content-Type: application/cloudevents+json\r\n"),
                         ("/auth/token", "Content-Type: application/x-www-form-urlencoded\r\n")):
        with socket.create_connection(("127.0.0.1", live_app["port"]), timeout=15) as raw, \
                context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{header}Content-Length: 100\r\n\r\n{{".encode())
            started = time.monotonic()
            answer = b""
            while b"did not arrive" not in answer and (chunk := tls.recv(65536)):
                answer += chunk
            assert time.monotonic() - started < 10, path
        assert answer.startswith(b"HTTP/1.1 400"), (path, answer[:200])
        assert b"did not arrive" in answer, answer


def test_a_long_query_sent_in_pieces_gets_the_hosts_own_answer(live_app):
    """The same 60 kB query written in 4 kB pieces (as TLS records of a slow or careful client arrive): h11's
    default head limit of 16 KiB cut it off with a plain-text 'Invalid HTTP request received.' (400, no PACT error
    body; test_a_long_query_gets_an_answer_a_client_reads passed or failed by how the bytes happened to arrive).
    Now the host's head limit (run.MAX_HEAD_BYTES, 64 KiB) lets the app answer with its PACT error."""
    import json
    import socket
    import ssl
    import time

    import httpx

    context = ssl.create_default_context(cafile=str(live_app["cert"]))
    with httpx.Client(base_url=f"https://127.0.0.1:{live_app['port']}", verify=context) as client:
        token = client.post("/auth/token", data={"grant_type": "client_credentials"},
                            auth=("buyer", live_app["secret"])).json()["access_token"]
    request = (f"GET /3/footprints?productId=urn:x:{'a' * 60000} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Authorization: Bearer {token}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", live_app["port"]), timeout=15) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        for start in range(0, len(request), 4096):
            tls.sendall(request[start:start + 4096])
            time.sleep(0.002)
        answer = b""
        while chunk := tls.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), head[:200]
    assert json.loads(body)["code"] == "BadRequest", body[:200]


def test_a_long_query_gets_an_answer_a_client_reads(live_app):
    """Over the real server: a 60 kB productId got a 200 whose 240 kB Link header httpx refused to read."""
    import ssl

    import httpx

    context = ssl.create_default_context(cafile=str(live_app["cert"]))
    with httpx.Client(base_url=f"https://127.0.0.1:{live_app['port']}", verify=context) as client:
        token = client.post("/auth/token", data={"grant_type": "client_credentials"},
                            auth=("buyer", live_app["secret"])).json()["access_token"]
        response = client.get("/3/footprints", params={"productId": "urn:x:" + "a" * 60000},
                              headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.json()["code"] == "BadRequest"


# ------------------------------------------------------------------ limit and offset: bounded, decimal, limit >= 1


def test_a_limit_of_zero_is_a_bad_request(host):
    """?limit=0 answered an empty page with a rel="next" link to the same offset (a client following it never
    advanced), HTTP 200.  The host refuses it: a page of nothing is never useful.  Note: PACT v3's openapi.yaml
    types ListFootprints' 'limit' as 'integer, format: uint, minimum: 0', and methodology.md §5 does not speak
    of 'limit' at all; refusing 0 is this host's stricter choice, not a rule the spec states."""
    response = _get(host, "/3/footprints", limit="0")
    assert response.status_code == 400 and response.json()["code"] == "BadRequest", response.text
    assert "'limit' must be an integer from 1" in response.json()["message"]
    assert "link" not in response.headers


@pytest.mark.parametrize("name", ["limit", "offset"])
@pytest.mark.parametrize("value", ["-1", "0x10", "1e3", "+5", " 5", "5.0", "9223372036854775808",
                                   "1" + "0" * 30])
def test_a_negative_non_decimal_or_huge_count_is_a_bad_request_never_a_500(host, name, value):
    response = _get(host, "/3/footprints", **{name: value})
    assert response.status_code == 400 and response.json()["code"] == "BadRequest", response.text
    assert f"'{name}' must be an integer from" in response.json()["message"]


def test_the_largest_offset_of_a_pagination_link_is_an_empty_last_page(host):
    """The largest offset read (12 digits) goes to the database's OFFSET (PostgreSQL: bigint) and answers 200."""
    from urllib.parse import parse_qs, urlsplit

    first = _get(host, "/3/footprints", limit="1")
    link = next(part for part in first.headers["link"].split(", ") if 'rel="first"' in part)
    query = parse_qs(urlsplit(link[1:link.index(">")]).query)
    response = _get(host, "/3/footprints", limit="1", offset="999999999999",
                    **{"x-footprint-cursor": query["x-footprint-cursor"][0]})
    assert response.status_code == 200 and response.json() == {"data": []}, response.text
    assert 'rel="next"' not in response.headers["link"]


# ------------------------------------------------------------------ ids and dates in the forms the spec names


@pytest.mark.parametrize("form", [lambda u: "{" + u + "}", lambda u: "urn:uuid:" + u, lambda u: u.replace("-", ""),
                                  lambda u: " " + u, lambda u: u + "0"])
def test_get_footprint_finds_a_record_only_under_its_uuid_form(host, form):
    """uuid.UUID() read '{...}', 'urn:uuid:...', 32 bare hex digits: each found alpha's record (HTTP 200) under an id
    it does not have.  Now 404 NotFound naming the parameter and the form: 404, not 400, because WBCSD's mandatory
    v3 conformance test case #8 asks GET /3/footprints/non-existent-id and expects 404 NotFound."""
    pf_id = _pf_id(host["docs"]["alpha"])
    response = _get(host, f"/3/footprints/{form(pf_id)}")
    assert response.status_code == 404 and response.json()["code"] == "NotFound", response.text
    assert "path parameter 'id' must be a ProductFootprint id, a UUID such as" in response.json()["message"]


def test_get_footprint_reads_the_hex_digits_of_an_id_in_either_case(host):
    """RFC 4122 §3 (the spec's 'format: uuid'): hex digits are "case insensitive on input"."""
    pf_id = _pf_id(host["docs"]["alpha"])
    response = _get(host, f"/3/footprints/{pf_id.upper()}")
    assert response.status_code == 200 and response.json()["data"]["id"] == pf_id


@pytest.mark.parametrize("name", ["validOn", "validAfter", "validBefore"])
@pytest.mark.parametrize("value", ["2027-06-01", "2027-06-01T00:00:00", "2027-06-01 00:00:00Z", "20270601T000000Z",
                                   "2027-W22-2T00:00:00Z", "2027-06-01T00:00Z", "2027-06-01T00:00:00+0200",
                                   "2027-06-01T24:00:00Z", "2027-02-30T00:00:00Z", "2027-06-01T00:00:00+24:00"])
def test_a_validity_filter_is_an_rfc_3339_date_time_with_a_time_zone(host, name, value):
    """PACT v3: validOn/validAfter/validBefore are 'format: date-time' (RFC 3339).  fromisoformat read a date alone,
    a time without a zone (as UTC), a basic-format or ISO week date, and served the filter, HTTP 200."""
    response = _get(host, "/3/footprints", **{name: value})
    assert response.status_code == 400 and response.json()["code"] == "BadRequest", response.text
    message = response.json()["message"]
    assert f"'{name}' must be an RFC 3339 date-time with a time zone, e.g. 2025-01-01T00:00:00Z" in message


def test_rfc_3339_date_times_in_every_allowed_form_still_filter(host):
    """Lower-case 't'/'z', fractions and offsets are RFC 3339 (§5.6) and filter as the same instant."""
    alpha, public = _pf_id(host["docs"]["alpha"]), _pf_id(host["docs"]["public"])
    for value in ("2027-06-01T00:00:00Z", "2027-06-01t00:00:00z", "2027-06-01T02:00:00.123456789+02:00",
                  "2027-05-31T19:00:00-05:00"):
        response = _get(host, "/3/footprints", validOn=value)
        assert response.status_code == 200, (value, response.text)
        assert {r["id"] for r in response.json()["data"]} == {alpha, public}, value


@pytest.mark.parametrize("time", ["20250305T173100Z", "2025-03-05 17:31:00Z", "2025-W10-3T17:31:00Z",
                                  "2025-03-05T17:31Z"])
def test_an_event_time_is_an_rfc_3339_date_time(host, time):
    """CloudEvents 'time' and RequestCreated's validity criteria: the same reading as the filters (formats.py)."""
    event = _event("RequestCreated", {"productId": ["urn:example:p"]}, "evt-t")
    event["time"] = time
    response = _post_event(host, event, _token(host, "alpha"))
    assert response.status_code == 400 and "'time' must be an RFC 3339 date-time" in response.json()["message"]
    event = _event("RequestCreated", {"productId": ["urn:example:p"], "validOn": time}, "evt-v")
    response = _post_event(host, event, _token(host, "alpha"))
    assert response.status_code == 400 and "data.validOn must be an RFC 3339 date-time" in response.json()["message"]
    assert host["store"].events() == []


# ------------------------------------------------------------------ 405 and 429: statuses the spec has no code for


@pytest.mark.parametrize("method, path, allow", [("DELETE", "/3/footprints", "GET"), ("PUT", "/3/events", "POST"),
                                                 ("GET", "/auth/token", "POST")])
def test_a_method_not_allowed_names_the_allowed_ones(host, method, path, allow):
    """RFC 9110 §15.5.6: a 405 MUST carry 'Allow'; the handler dropped the router's header.  PACT v3 has no Error
    code for 405 (its enum: BadRequest, AccessDenied, TokenExpired, NotFound, InternalError, NotImplemented): the
    status stays 405 and the code is BadRequest (README, 'Errors')."""
    response = host["client"].request(method, path, headers=_bearer(_token(host, "alpha")))
    assert response.status_code == 405 and response.json()["code"] == "BadRequest", response.text
    assert allow in response.headers["allow"].split(", ") and allow in response.json()["message"]


def test_a_web_page_method_not_allowed_names_the_allowed_ones(host):
    response = host["client"].post("/")
    assert response.status_code == 405 and "GET" in response.headers["allow"]
    assert "text/html" in response.headers["content-type"]
