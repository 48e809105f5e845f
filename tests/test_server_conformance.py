"""WBCSD's PACT v3 conformance test cases, sent to the real host (uvicorn over TLS, real HTTP), in the suite's order.

Source of the cases: github.com/wbcsd/pact-conformance-service, the current runner
``packages/test/src/test-cases/v3-tests.ts`` and its case list ``packages/test/src/test-cases/v3-test-cases.ts``
(commit 20a7fc1b28b7; cases #0-#40, mandatory for "V3.0" unless said), with the older list
``src/test-cases/v3-test-cases.ts`` and ``docs/v3-test-cases-expected-results.md`` where they send something else
(named "older" below).  Each test sends what the case sends (method, path, headers, body) and expects what the case
expects (status, and the code or body condition it checks).

The server is one per database (SQLite, PostgreSQL), with the limits ``footprint serve`` runs with (5 failed
authentications per address within 60 s): the conformance service runs its cases one after another from one
address, so the invalid-credential and invalid-token cases (#2, #6, #7, #16, #19) count against the filter cases
that follow them, as they do here.
"""
from __future__ import annotations

import base64
import json
import socket
import ssl
import threading
import time
import uuid
from urllib.parse import urlsplit

import httpx
import pytest

from footprint.server.security import TokenSigner, credential_tag
from footprint.server.store import Store
from test_server import _declaration

CLIENT = "conformance"
EVENT_CT = "application/cloudevents+json; charset=UTF-8"   # what every event case of the suite sends
WEBHOOK = "https://conformance.example/3/events"            # the suite's webhookUrl, the events' 'source'


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def conformance(request, tmp_path_factory, example_declaration):
    """The host as ``footprint serve`` runs it (create_app's defaults, run.uvicorn_config), over TLS on a loopback
    port, with three footprints published to the client 'conformance' (the suite needs at least two)."""
    import uvicorn

    from footprint.export.pact import to_pact
    from footprint.market import db
    from footprint.server.app import create_app
    from footprint.server.publish import publish
    from footprint.server.run import uvicorn_config
    from liveserver import certificate_or_skip

    directory = tmp_path_factory.mktemp(f"conformance-{request.param}")
    cert, key = certificate_or_skip(directory)
    if request.param == "sqlite":
        database = str(directory / "host.sqlite")
    else:
        database = request.getfixturevalue("postgres_cluster").new_database()
    store = Store(database)
    store.prepare()
    secret = store.add_client(CLIENT)
    store.add_client("someone-else")
    docs = [_declaration(example_declaration, f"conf-{k}", name, country=country)
            for k, (name, country) in enumerate([("Alpha Magnets GmbH", "DE"), ("Beta Oxides SA", "FR"),
                                                 ("Gamma Metals AG", "DE")])]
    for document in docs:
        publish(document, to=[CLIENT], database=database)
    hidden = _declaration(example_declaration, "conf-hidden", "Hidden Co", country="DE")
    publish(hidden, to=["someone-else"], database=database)
    # the conformance service's own event endpoint (its webhook): cases #13 and #14.B wait there for the host's
    # answers to #12 and #14.A; the host authenticates at its token endpoint with what the service issued it
    from pactrecipient import CLIENT_ID as REMOTE_ID, SECRET as REMOTE_SECRET, Recipient

    recipient = Recipient(cert, key)
    store.set_endpoint(CLIENT, recipient.url, recipient.url + "/auth/token", REMOTE_ID, REMOTE_SECRET, str(cert))
    key_bytes = b"k" * 32
    app = create_app(database, signer=TokenSigner(3600, key=key_bytes))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn_config(app, cert, key))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    port = sock.getsockname()[1]
    context = ssl.create_default_context(cafile=str(cert))
    base = f"https://127.0.0.1:{port}"
    state = {"base": base, "port": port, "secret": secret, "verify": context, "db": database, "store": store,
             "key": key_bytes, "hidden": to_pact(hidden)["id"], "recipient": recipient}
    with httpx.Client(verify=context, timeout=30) as client:
        state["http"] = client
        _initialize(state)
        yield state
    server.should_exit = True
    thread.join(timeout=20)
    sock.close()
    recipient.stop()
    db.dispose(database)


def _basic(client_id: str, secret: str, base: str) -> dict:
    """getCorrectAuthHeaders / getIncorrectAuthHeaders (test-helpers.ts): host is the hostname without a port."""
    return {"host": urlsplit(base).hostname, "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def _random(n: int) -> str:
    return uuid.uuid4().hex[:n]


def _parse_link(header: str | None) -> dict[str, str]:
    """parseLinkHeader (test-helpers.ts): split on ', ', '<url>; rel="x"'."""
    links: dict[str, str] = {}
    for part in (header or "").split(", "):
        if part.startswith("<") and '>; rel="' in part:
            url, rel = part[1:].split('>; rel="', 1)
            links[rel.rstrip('"')] = url
    return links


def _initialize(state: dict) -> None:
    """Test Case 0 (v3-tests.ts InitializeTestRun): OpenID discovery, a token by HTTP Basic, ListFootprints (at
    least two footprints), ListFootprints?limit=1 for the pagination links, filter values from the first footprint."""
    http, base = state["http"], state["base"]
    discovery = http.get(f"{base}/.well-known/openid-configuration")
    state["token_url"] = discovery.json()["token_endpoint"] if discovery.status_code == 200 else f"{base}/auth/token"
    token = http.post(state["token_url"], content="grant_type=client_credentials",
                      headers=_basic(CLIENT, state["secret"], base))
    assert token.status_code == 200 and token.json()["access_token"], token.text
    state["token"] = token.json()["access_token"]
    state["headers"] = {"Content-Type": "application/json", "Authorization": f"Bearer {state['token']}"}
    listing = http.get(f"{base}/3/footprints", headers=state["headers"])
    state["footprints"] = listing.json()["data"]
    assert len(state["footprints"]) >= 2
    paged = http.get(f"{base}/3/footprints?limit=1", headers=state["headers"])
    state["links"] = _parse_link(paged.headers.get("link"))
    first = state["footprints"][0]
    start, end = first.get("validityPeriodStart"), first.get("validityPeriodEnd")
    state["filter"] = {"productId": first["productIds"][0], "productIds": first["productIds"],
                       "companyId": first["companyIds"][0],
                       "geography": first["pcf"].get("geographyCountry") or first["pcf"].get(
                           "geographyRegionOrSubregion") or first["pcf"].get("geographyCountrySubdivision") or "",
                       "classification": (first.get("productClassifications") or [""])[0],
                       "status": first["status"], "id": first["id"], "start": start, "end": end}


def _get(state: dict, path: str, headers: dict | None = None, **kwargs) -> httpx.Response:
    return state["http"].get(state["base"] + path, headers=headers or state["headers"], **kwargs)


def _post_event(state: dict, body: dict, headers: dict | None = None) -> httpx.Response:
    return state["http"].post(state["base"] + "/3/events", content=json.dumps(body).encode(),
                              headers=headers or {**state["headers"], "Content-Type": EVENT_CT})


def _iso(moment) -> str:
    """JavaScript's Date.toISOString(): milliseconds and 'Z'."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _when(text: str):
    import datetime as dt

    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _now() -> str:
    import datetime as dt

    return _iso(dt.datetime.now(dt.timezone.utc))


# ------------------------------------------------------------------ #1, #2: the token endpoint


def test_case_01_auth_token_with_valid_credentials(conformance):
    """#1 (mandatory): POST {token_endpoint}, Basic, form grant_type=client_credentials -> 200 with a token."""
    response = conformance["http"].post(conformance["token_url"], content="grant_type=client_credentials",
                                        headers=_basic(CLIENT, conformance["secret"], conformance["base"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["access_token"] and body["token_type"] == "Bearer" and body["expires_in"] == 3600


def test_spec_token_request_in_another_media_type_is_invalid_request(conformance):
    """RFC 6749 §4.4.2 (the spec's Authenticate action): the token request is application/x-www-form-urlencoded.
    (No case sends it; here, before #2, since the token endpoint answers 429 to anything once #2-#19 have failed.)"""
    headers = {**_basic(CLIENT, conformance["secret"], conformance["base"]), "Content-Type": "application/json"}
    response = conformance["http"].post(conformance["token_url"], content='{"grant_type": "client_credentials"}',
                                        headers=headers)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request", response.text


def test_case_02_auth_token_with_invalid_credentials(conformance):
    """#2 (mandatory): random id and secret by Basic -> 400 or 401 (docs: error invalid_client)."""
    response = conformance["http"].post(conformance["token_url"], content="grant_type=client_credentials",
                                        headers=_basic(_random(16), _random(16), conformance["base"]))
    assert response.status_code in (400, 401), response.text
    assert response.json()["error"] == "invalid_client" and "access_token" not in response.text


# ------------------------------------------------------------------ #3-#8: GetFootprint, ListFootprints


def test_case_03_get_footprint(conformance):
    """#3 (mandatory): GET /3/footprints/{id of the first footprint} -> 200, data.id is that id."""
    response = _get(conformance, f"/3/footprints/{conformance['filter']['id']}")
    assert response.status_code == 200 and response.json()["data"]["id"] == conformance["filter"]["id"]


def test_case_04_list_footprints(conformance):
    """#4 (mandatory): GET /3/footprints -> 200 or 202, as many footprints as the first listing."""
    response = _get(conformance, "/3/footprints")
    assert response.status_code in (200, 202) and len(response.json()["data"]) == len(conformance["footprints"])
    assert conformance["hidden"] not in response.text


def test_case_05_pagination_link(conformance):
    """#5 (mandatory): the first link of ListFootprints?limit=1's Link header, called -> 200 with a data list."""
    assert conformance["links"], "no Link header on ListFootprints?limit=1"
    url = next(iter(conformance["links"].values()))
    assert url.startswith(conformance["base"] + "/3/footprints?")
    response = conformance["http"].get(url, headers=conformance["headers"])
    assert response.status_code == 200 and isinstance(response.json()["data"], list), response.text
    # older list: the same link with the base URL taken off and put back (a relative endpoint)
    again = _get(conformance, url.replace(conformance["base"], ""))
    assert again.status_code == 200 and again.json()["data"] == response.json()["data"]
    # the 'next' link of a limit=1 listing gives the next footprint, then the link after
    following = conformance["http"].get(conformance["links"]["next"], headers=conformance["headers"])
    assert following.status_code == 200 and len(following.json()["data"]) == 1


@pytest.mark.parametrize("path", ["/3/footprints", "/3/footprints/{id}"])
def test_case_06_07_invalid_token(conformance, path):
    """#6 ListFootprints, #7 GetFootprint (mandatory): 'Bearer very-invalid-access-token-<16>' -> 400 (current
    list: 400 or 401, a warning unless code BadRequest; older list and docs: 400 with code BadRequest)."""
    headers = {**conformance["headers"], "Authorization": f"Bearer very-invalid-access-token-{_random(16)}"}
    response = _get(conformance, path.format(id=conformance["filter"]["id"]), headers=headers)
    assert response.status_code == 400, response.text
    assert response.json() == {"code": "BadRequest", "message": "Invalid token provided"}


@pytest.mark.parametrize("pf_id", ["00000000-0000-0000-0000-000000000000", "random-string-as-id-{r}",
                                   "non-existent-id"])
def test_case_08_get_footprint_non_existent(conformance, pf_id):
    """#8 (mandatory): current list: the nil UUID -> 400 or 404 with code NotFound or BadRequest; older list:
    /3/footprints/random-string-as-id-<16>, docs: /3/footprints/non-existent-id -> 404 with code NotFound."""
    response = _get(conformance, "/3/footprints/" + pf_id.format(r=_random(16)))
    assert response.status_code == 404 and response.json()["code"] == "NotFound", response.text


# ------------------------------------------------------------------ #9-#11, #17: plain HTTP


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/auth/token", "grant_type=client_credentials"),
    ("GET", "/3/footprints", None),
    ("GET", "/3/footprints/{id}", None),
    ("POST", "/3/events", "{}"),
])
def test_case_09_10_11_17_plain_http_gets_no_data(conformance, method, path, body):
    """#9 token, #10 ListFootprints, #11 GetFootprint, #17 Events (mandatory), over http:// to the same host and
    port: the request must fail (current list: the client throws) or answer without access_token and data."""
    url = f"http://127.0.0.1:{conformance['port']}" + path.format(id=conformance["filter"]["id"])
    headers = _basic(CLIENT, conformance["secret"], conformance["base"]) if path == "/auth/token" else \
        {**conformance["headers"], "Content-Type": EVENT_CT if body else "application/json"}
    try:
        with httpx.Client(timeout=10) as plain:
            response = plain.request(method, url, content=body, headers=headers)
    except httpx.HTTPError:
        return  # no HTTP answer at all: what the current list expects
    assert response.status_code >= 400 and "access_token" not in response.text and '"data"' not in response.text


# ------------------------------------------------------------------ #12-#16: events


def test_case_12_request_created(conformance):
    """#12 (mandatory): a RequestCreatedEvent naming the first footprint's productIds -> 200.  Current list:
    data.productId; older list: data.pf.productIds (an extra member the schema does not forbid)."""
    for data in ({"productId": conformance["filter"]["productIds"], "comment": "Please send PCF data for this year."},
                 {"pf": {"productIds": conformance["filter"]["productIds"]},
                  "comment": "Please send PCF data for this year."}):
        body = {"specversion": "1.0", "id": f"{uuid.uuid4()}/13", "source": WEBHOOK, "time": _now(),
                "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3", "data": data}
        response = _post_event(conformance, body)
        assert response.status_code == 200, response.text
        conformance.setdefault("requests_13", []).append(body["id"])


def test_case_13_request_fulfilled_sent_back(conformance):
    """#13 (mandatory): the service waits at its webhook's /3/events for a RequestFulfilledEvent answering #12
    (data.requestEventId = #12's id) that holds the requested footprint in data.pfs, sent with a Bearer token and
    application/cloudevents+json (schema events.fulfilled).  Both variants of #12 are answered: the current one
    (data.productId) with the footprints of those product ids; the older one names its product ids in data.pf, which
    v3 does not define, so it names no criterion and is answered, as ListFootprints without filters, with every
    footprint the client may see."""
    assert len(conformance.get("requests_13") or []) == 2, "test_case_12 did not run first"
    for k, request_id in enumerate(conformance["requests_13"]):
        answer = conformance["recipient"].wait_for(request_id)
        assert answer["type"] == "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3", answer
        assert answer["specversion"] == "1.0" and answer["id"] and answer["source"] and answer["time"]
        pfs = answer["data"]["pfs"]
        assert conformance["filter"]["id"] in [pf["id"] for pf in pfs]
        if k == 0:
            assert all(set(pf["productIds"]) & set(conformance["filter"]["productIds"]) for pf in pfs)
        else:
            assert sorted(pf["id"] for pf in pfs) == sorted(pf["id"] for pf in conformance["footprints"])
        assert conformance["hidden"] not in json.dumps(answer)


def test_case_14a_request_created_to_be_rejected(conformance):
    """#14.A (mandatory): a RequestCreatedEvent for productId urn:pact:null -> 200 (accepted for processing)."""
    body = {"specversion": "1.0", "id": f"{uuid.uuid4()}/14.B", "source": WEBHOOK, "time": _now(),
            "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
            "data": {"productId": ["urn:pact:null"], "comment": "Please send PCF data for this year."}}
    assert _post_event(conformance, body).status_code == 200
    conformance["request_14b"] = body["id"]


def test_case_14b_request_rejected_sent_back(conformance):
    """#14.B (mandatory): the service waits for a RequestRejectedEvent answering #14.A: data.requestEventId =
    #14.A's id, data.error an Error object (code, message) (schema events.rejected)."""
    assert conformance.get("request_14b"), "test_case_14a did not run first"
    answer = conformance["recipient"].wait_for(conformance["request_14b"])
    assert answer["type"] == "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3", answer
    assert answer["data"]["error"]["code"] == "NotFound" and answer["data"]["error"]["message"]
    assert "pfs" not in answer["data"]


def test_docs_13_14_request_fulfilled_and_rejected_are_received(conformance, example_declaration):
    """docs #13, #14 (older list): the host receives a RequestFulfilledEvent and a RequestRejectedEvent -> 200."""
    from footprint.export.pact import to_pact

    fulfilled = {"type": "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3", "specversion": "1.0",
                 "id": "505e5d-4f9b-4b3b-9c05bc35-68f8", "source": WEBHOOK, "time": "2023-05-19T11:00:00Z",
                 "data": {"requestEventId": "test-run-id-12345", "pfs": [to_pact(example_declaration)]}}
    assert _post_event(conformance, fulfilled).status_code == 200
    rejected = {"type": "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3", "specversion": "1.0",
                "id": "505e5d-4f9b-4b3b-9c05bc35-68f9", "source": WEBHOOK, "time": "2023-05-19T11:00:00Z",
                "data": {"requestEventId": "test-run-id-12345",
                         "error": {"code": "NotFound", "message": "The requested footprint could not be found."}}}
    assert _post_event(conformance, rejected).status_code == 200


def test_case_15_published_event(conformance):
    """#15 (mandatory): a PublishedEvent with pfIds ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"] -> 200.  (The older
    list and the docs sent pfIds ["urn:gtin:4712345060507"] here; the current list sends that as #40 and expects
    400, as spec/v3/openapi.yaml types pfIds 'format: uuid'.)"""
    body = {"type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3", "specversion": "1.0",
            "id": str(uuid.uuid4()), "source": WEBHOOK, "time": _now(),
            "data": {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]}}
    response = _post_event(conformance, body)
    assert response.status_code == 200 and response.content == b"", response.text


def test_case_16_events_with_invalid_token(conformance):
    """#16 (mandatory): a PublishedEvent with 'Bearer very-invalid-access-token-<16>' -> 400 (current list: 400 or
    401, a warning unless BadRequest; older list and docs: 400, code BadRequest)."""
    body = {"type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3", "specversion": "1.0",
            "id": f"{uuid.uuid4()}/16", "source": WEBHOOK, "time": _now(),
            "data": {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]}}   # the older list: urn:gtin:4712345060507
    headers = {**conformance["headers"], "Authorization": f"Bearer very-invalid-access-token-{_random(16)}",
               "Content-Type": EVENT_CT}
    response = _post_event(conformance, body, headers)
    assert response.status_code == 400, response.text
    assert response.json() == {"code": "BadRequest", "message": "Invalid token provided"}


# ------------------------------------------------------------------ #18, #19 (optional): OpenID Connect


def test_case_18_openid_connect_flow(conformance):
    """#18 (optional): the token endpoint named by /.well-known/openid-configuration, valid credentials -> 200."""
    assert conformance["token_url"] == conformance["base"] + "/auth/token"
    response = conformance["http"].post(conformance["token_url"], content="grant_type=client_credentials",
                                        headers=_basic(CLIENT, conformance["secret"], conformance["base"]))
    assert response.status_code == 200, response.text


def test_case_19_openid_connect_flow_incorrect_credentials(conformance):
    """#19 (optional): the discovered token endpoint, random credentials -> 400 or 401."""
    response = conformance["http"].post(conformance["token_url"], content="grant_type=client_credentials",
                                        headers=_basic(_random(16), _random(16), conformance["base"]))
    assert response.status_code in (400, 401), response.text


# ------------------------------------------------------------------ #20-#29: filters, positive


def _listed(conformance, params) -> list[dict]:
    """fetchNonEmptyFootprintList (v3-tests.ts): 200 and a data list (the cases' checks run over it)."""
    response = _get(conformance, "/3/footprints", params=params)
    assert response.status_code == 200, (params, response.status_code, response.text)
    data = response.json()["data"]
    assert isinstance(data, list)
    return data


def _validity(pf: dict) -> tuple:
    """The case's reading: the validity period, else referencePeriodEnd to referencePeriodEnd + 3 years."""
    if pf.get("validityPeriodStart") and pf.get("validityPeriodEnd"):
        return _when(pf["validityPeriodStart"]), _when(pf["validityPeriodEnd"])
    end = _when(pf["pcf"]["referencePeriodEnd"])
    return end, end.replace(year=end.year + 3)


def _first_validity(conformance) -> tuple:
    return _validity(conformance["footprints"][0])


def test_case_20_filter_product_id(conformance):
    """#20: productId=<first footprint's first productId> -> 200, every footprint has it."""
    product = conformance["filter"]["productId"]
    data = _listed(conformance, {"productId": product})
    assert data and all(product in pf["productIds"] for pf in data)


def test_case_21_filter_company_id(conformance):
    """#21: companyId=<first footprint's first companyId> -> 200, every footprint has it."""
    company = conformance["filter"]["companyId"]
    data = _listed(conformance, {"companyId": company})
    assert data and all(company in pf["companyIds"] for pf in data)


def test_case_22_filter_geography(conformance):
    """#22: geography=<first footprint's geographyCountry | RegionOrSubregion | CountrySubdivision> -> 200, every
    footprint has that value in one of the three (all footprints when the first has none)."""
    geography = conformance["filter"]["geography"]
    data = _listed(conformance, {"geography": geography})
    if geography:
        assert data and all(geography in (pf["pcf"].get("geographyCountry"), pf["pcf"].get(
            "geographyRegionOrSubregion"), pf["pcf"].get("geographyCountrySubdivision")) for pf in data)
    else:
        assert len(data) == len(conformance["footprints"])


def test_case_23_filter_classification(conformance):
    """#23: classification=<first footprint's first productClassification> -> 200, every footprint has it (all
    footprints when the first has none, classification='')."""
    classification = conformance["filter"]["classification"]
    response = _get(conformance, "/3/footprints", params={"classification": classification})
    if classification:
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        assert data and all(classification in pf.get("productClassifications", []) for pf in data)
    else:
        assert response.status_code == 200 and len(response.json()["data"]) == len(conformance["footprints"]), \
            response.text


def test_case_24_filter_valid_on(conformance):
    """#24: validOn=<start of the first footprint's validity> -> 200, start <= validOn <= end for every one."""
    start, _ = _first_validity(conformance)
    valid_on = conformance["filter"]["start"] or conformance["footprints"][0]["pcf"]["referencePeriodEnd"]
    data = _listed(conformance, {"validOn": valid_on})
    assert data and all(_validity(pf)[0] <= _when(valid_on) <= _validity(pf)[1] for pf in data)


def test_case_25_filter_valid_after(conformance):
    """#25: validAfter=<that start minus one day, toISOString()> -> 200, every start > validAfter."""
    import datetime as dt

    start, _ = _first_validity(conformance)
    after = _iso(start - dt.timedelta(days=1))
    data = _listed(conformance, {"validAfter": after})
    assert data and all(_validity(pf)[0] > _when(after) for pf in data)


def test_case_26_filter_valid_before(conformance):
    """#26: validBefore=<end of the first footprint's validity plus one day> -> 200, every end < validBefore."""
    import datetime as dt

    _, end = _first_validity(conformance)
    before = _iso(end + dt.timedelta(days=1))
    data = _listed(conformance, {"validBefore": before})
    assert data and all(_validity(pf)[1] < _when(before) for pf in data)


def test_case_27_filter_status(conformance):
    """#27: status=<first footprint's status> -> 200, every footprint has it."""
    status = conformance["filter"]["status"]
    data = _listed(conformance, {"status": status})
    assert data and all(pf["status"] == status for pf in data)


def test_case_28_filter_status_and_product_id(conformance):
    """#28: status and productId together -> 200, every footprint matches both."""
    status, product = conformance["filter"]["status"], conformance["filter"]["productId"]
    data = _listed(conformance, {"status": status, "productId": product})
    assert data and all(pf["status"] == status and product in pf["productIds"] for pf in data)


def test_case_29_filter_company_ids_or(conformance):
    """#29: companyId three times (the first footprint's and two random strings) -> 200, every footprint has the
    first footprint's companyId."""
    company = conformance["filter"]["companyId"]
    data = _listed(conformance, [("companyId", company), ("companyId", _random(8)), ("companyId", _random(8))])
    assert data and all(company in pf["companyIds"] for pf in data)


# ------------------------------------------------------------------ #30-#39: filters, negative


@pytest.mark.parametrize("case, query", [
    (30, "productId=urn:bogus:product:{r16}"),
    (31, "companyId=urn:bogus:company:{r16}"),
    (32, "geography=XX"),
    (33, "classification=urn:bogus:classification:{r16}"),
    (34, "validOn=1900-01-01T00:00:00Z"),
    (35, "validAfter=2099-12-31T23:59:59Z"),
    (36, "validBefore=1900-01-01T00:00:00Z"),
    (37, "status=BogusStatus{r8}"),
    (38, "companyId=urn:bogus:company:{r8}&productId=urn:bogus:product:{r16}"),
    (39, "companyId=urn:bogus:company:{r8}&companyId=urn:bogus:company:{r8}&companyId=urn:bogus:company:{r8}"),
])
def test_case_30_to_39_filters_matching_nothing(conformance, case, query):
    """#30-#39 (mandatory): a filter nothing matches -> 200 with {"data": []} (the URL as the case writes it)."""
    response = _get(conformance, "/3/footprints?" + query.format(r8=_random(8), r16=_random(16)))
    assert response.status_code == 200 and response.json() == {"data": []}, (case, response.text)


# ------------------------------------------------------------------ #40: a malformed PublishedEvent


def test_case_40_published_event_with_non_uuid_pf_ids_is_malformed(conformance):
    """#40 (mandatory): a PublishedEvent with pfIds ["urn:gtin:4712345060507"] -> 400 (pfIds are 'format: uuid')."""
    body = {"type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3", "specversion": "1.0",
            "id": str(uuid.uuid4()), "source": WEBHOOK, "time": _now(), "data": {"pfIds": ["urn:gtin:4712345060507"]}}
    response = _post_event(conformance, body)
    assert response.status_code == 400 and response.json()["code"] == "BadRequest", response.text
    assert "pfIds" in response.json()["message"]


# ------------------------------------------------------------------ what the spec says and no case sends


def test_spec_expired_token_is_401_token_expired(conformance):
    """spec/v3/openapi.yaml: 401 'the access token is invalid or has expired', Error code TokenExpired (# 401).
    A token this host signed an hour and a bit ago with a lifetime of one hour."""
    store = conformance["store"]
    past = TokenSigner(3600, key=conformance["key"], clock=lambda: time.time() - 3700)
    token = past.issue(CLIENT, frozenset({"footprint:list", "footprint:read"}), credential_tag(store.secret_hash(CLIENT)))
    for path in ("/3/footprints", f"/3/footprints/{conformance['filter']['id']}"):
        response = _get(conformance, path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and response.json()["code"] == "TokenExpired", response.text


def test_spec_events_in_another_media_type_are_a_bad_request(conformance):
    """spec/v3/openapi.yaml, Action Events: events 'MUST be sent' as application/cloudevents+json (structured
    mode); a host 'MUST validate the event and return an HTTP 4xx status code if the event is invalid'."""
    body = {"type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3", "specversion": "1.0",
            "id": str(uuid.uuid4()), "source": WEBHOOK, "time": _now(),
            "data": {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]}}
    response = _post_event(conformance, body, {**conformance["headers"], "Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["code"] == "BadRequest", response.text


def test_spec_access_denied_for_a_footprint_of_another_recipient(conformance):
    """spec/v3/openapi.yaml, GetFootprint: a footprint the recipient may not see -> 403, Error code AccessDenied."""
    response = _get(conformance, f"/3/footprints/{conformance['hidden']}")
    assert response.status_code == 403 and response.json()["code"] == "AccessDenied", response.text
