"""What the host serves and remembers, in the footprint database (footprint/market/db.py).

Published declarations become immutable PACT records (PACT v3: "after creation a ProductFootprint
MUST NOT be changed, except its status"), each visible to the audiences it was published to: API
client ids, or ``*`` for everyone (and the web pages).  Who may see what is decided in SQL, in the
same query that filters and pages, so no code path can return a record first and check later.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from footprint.errors import FootprintError
from footprint.export.pact_schema import check_record
from footprint.inputs.upstream import VALIDITY_YEARS, add_years
from footprint.market import db as _db
from footprint.server import answers, security
from footprint.server.answers import FULFILLED, REJECTED, REQUEST_CREATED

PUBLIC = "*"
#: the outbox's request_source of a PublishedEvent's row (it answers no request; the event's own source is stamped
#: when the server sends it, answers.stamped)
PUBLISHED_ROW = "urn:footprint:published"
KEY_KINDS = {"productId": "product", "companyId": "company", "classification": "classification",
             "geography": "geography"}
CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")  # \Z: '$' let "acme\n" through


class PublishError(FootprintError):
    """A declaration cannot be published, or a client cannot be added or removed, as asked."""


@dataclass
class Received:
    """What ``Store.receive`` did: ``new`` (False: a duplicate, nothing stored) and the answer queued for a new
    RequestCreated ('RequestFulfilled' or 'RequestRejected'; None: not a request, or the client has no endpoint)."""

    new: bool
    answer: str | None = None
    stored: bool = True


class RequestRefused(FootprintError):
    """A received event the host will not take as sent (PACT v3: an immediate 4xx; nothing stored or queued)."""


class StaleSnapshot(FootprintError):
    """A listing's snapshot tick is ahead of the database (another database, or one restored from a backup)."""


@dataclass
class Filters:
    """ListFootprints' filters (PACT v3 parameters); list values match any (OR), parameters all (AND)."""

    keys: dict[str, list[str]] = field(default_factory=dict)   # kind -> lower-cased values
    valid_on: str | None = None
    valid_after: str | None = None
    valid_before: str | None = None
    status: str | None = None


@dataclass
class Published:
    pf_id: str
    declaration_id: str
    audiences: list[str]
    new: bool
    deprecated: list[str] = field(default_factory=list)  # pf ids this record replaced (--replace), now Deprecated
    #: of ``deprecated``, those no client could open any more (their clients were removed): not named in the new
    #: record's precedingPfIds, which its readers could not open
    unreadable: list[str] = field(default_factory=list)
    #: records replacing this one (Deprecated), granted to the same new audience with it (Store._grant_successors)
    successors: list[str] = field(default_factory=list)
    #: client -> the PACT ids this publication made newly visible to it, told in a PublishedEvent queued in the
    #: outbox (clients with an event endpoint only); sent by a running ``footprint serve``
    pushed: dict[str, list[str]] = field(default_factory=dict)


def utc_text(moment: dt.datetime) -> str:
    """A date-time as the database compares it: UTC, seconds, 'Z' (fixed width, so text order = time order).

    The year is always four digits: strftime's %Y writes year 999 as '999', and '999-...' sorts after
    '2025-...' as text, so ``validBefore=0999-01-01T00:00:00Z`` listed every footprint (HTTP 200).
    A moment that UTC moves out of years 1..9999 is clamped to the first or last representable second.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    try:
        moment = moment.astimezone(dt.timezone.utc)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 or 9999-12-31T23:59:59-01:00
        moment = dt.datetime.min if moment.year == 1 else dt.datetime.max
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
            f"{moment.second:02d}Z")


def _parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def validity(record: Mapping[str, Any]) -> tuple[str, str]:
    """PACT v3 validity period: the record's, else 3 years from referencePeriodEnd (spec, 'Validity Period')."""
    reference_end = _parse_time(record["pcf"]["referencePeriodEnd"])
    start = record.get("validityPeriodStart") or None
    end = record.get("validityPeriodEnd") or None
    start_time = _parse_time(start) if start else reference_end
    default_end = add_years(reference_end, VALIDITY_YEARS)  # the validity suppliers' declarations are held to
    end_time = _parse_time(end) if end else default_end
    return utc_text(start_time), utc_text(end_time)


def record_keys(record: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(kind, lower-cased value) pairs ListFootprints filters on."""
    keys = {("product", str(v).lower()) for v in record.get("productIds") or []}
    keys |= {("company", str(v).lower()) for v in record.get("companyIds") or []}
    keys |= {("classification", str(v).lower()) for v in record.get("productClassifications") or []}
    pcf = record.get("pcf") or {}
    for name in ("geographyRegionOrSubregion", "geographyCountry", "geographyCountrySubdivision"):
        if pcf.get(name):
            keys.add(("geography", str(pcf[name]).lower()))
    return keys


def _signatures(record: Mapping[str, Any]) -> list[Any]:
    """The signatures a PACT record serves in its footprint extension (publish.pact_record), or []."""
    extensions = record.get("extensions") or []
    data = extensions[0].get("data") if extensions and isinstance(extensions[0], Mapping) else None
    return list((data or {}).get("signatures") or []) if isinstance(data, Mapping) else []


def _readers(audiences: Iterable[str]) -> frozenset[str]:
    """Who can open a record published to ``audiences``: {PUBLIC} (everyone) if it is public, else its clients."""
    names = frozenset(audiences)
    return frozenset({PUBLIC}) if PUBLIC in names else names


def _named(readers: frozenset[str]) -> str:
    """Readers in words, for messages: 'everyone', 'client(s) a, b' or 'no client' (its clients were removed)."""
    if PUBLIC in readers:
        return "everyone"
    if not readers:
        return "no client (its clients were removed)"
    return ("client " if len(readers) == 1 else "clients ") + ", ".join(sorted(readers))


def _flags(readers: frozenset[str]) -> str:
    """The publish options that reach ``readers``: '--public' or '--to a --to b'."""
    if PUBLIC in readers:
        return "--public"
    return " ".join(f"--to {name}" for name in sorted(readers)) or "no client left"


def _now() -> str:
    """When a client, record or event was stored: the product's one clock (footprint._time), as every record."""
    from footprint._time import utc_now

    return utc_text(utc_now())


def _tick(conn: Any) -> int:
    """The next tick of the listing clock (migration 0007), for a change a listing can see.

    Why a clock: a paginated listing is pinned to the tick it began at, and filters every change
    (record published, audience granted, status changed) by its tick, so a change between two pages
    cannot move a record in or out of it.  On PostgreSQL the UPDATE holds the row lock until commit,
    so ticks commit in order (a reader that sees tick S sees every change stamped S or lower).
    """
    from sqlalchemy import text

    conn.execute(text("UPDATE listing_clock SET tick = tick + 1 WHERE id = 1"))
    return int(conn.execute(text("SELECT tick FROM listing_clock WHERE id = 1")).scalar_one())


class Store:
    """Clients, published records and received events in one database (a path or URL)."""

    def __init__(self, target: Any = None):
        self.target = target

    def _tx(self, write: bool):
        return _db.transaction(self.target, write=write)

    def prepare(self) -> None:
        """Bring the database to the newest schema (a server does this once, before it listens)."""
        _db.upgrade(self.target)

    # ------------------------------------------------------------------ clients

    def add_client(self, client_id: str) -> str:
        """Create an API client; returns its secret, which is shown once and stored only as a hash."""
        from sqlalchemy import text

        if not CLIENT_ID.match(client_id or ""):
            raise PublishError("not a valid client id", field="client", value=client_id,
                               expected="1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        secret = security.new_secret()
        with self._tx(True) as conn:
            if conn.execute(text("SELECT 1 FROM clients WHERE client_id = :c"), {"c": client_id}).first():
                raise PublishError(f"client '{client_id}' exists already", field="client", value=client_id,
                                   expected="a new client id ('footprint clients remove' first to replace it)")
            conn.execute(text("INSERT INTO clients (client_id, secret_hash, created) VALUES (:c, :h, :t)"),
                         {"c": client_id, "h": security.hash_secret(secret), "t": _now()})
        return secret

    def remove_client(self, client_id: str) -> None:
        """Remove a client and everything published only to it; its tokens stop working at once."""
        from sqlalchemy import text

        with self._tx(True) as conn:
            gone = conn.execute(text("DELETE FROM clients WHERE client_id = :c"), {"c": client_id}).rowcount
            if not gone:
                raise PublishError(f"no client '{client_id}'", field="client", value=client_id,
                                   expected="a client id from 'footprint clients list'")
            conn.execute(text("DELETE FROM audiences WHERE audience = :c"), {"c": client_id})
            # its event endpoint and its unsent answers go with it: the host never sends on behalf of a client
            # it no longer knows, nor keeps the credentials of its endpoint
            conn.execute(text("DELETE FROM client_endpoints WHERE client_id = :c"), {"c": client_id})
            conn.execute(text("DELETE FROM outbox WHERE client_id = :c"), {"c": client_id})

    def clients(self) -> list[dict[str, Any]]:
        from sqlalchemy import text

        with self._tx(True) as conn:
            rows = conn.execute(text(
                "SELECT c.client_id, c.created, (SELECT COUNT(*) FROM audiences a WHERE a.audience = c.client_id) "
                "FROM clients c ORDER BY c.client_id")).all()
        return [{"client_id": r[0], "created": r[1], "published": int(r[2])} for r in rows]

    def secret_hash(self, client_id: str) -> str | None:
        from sqlalchemy import text

        with self._tx(False) as conn:
            row = conn.execute(text("SELECT secret_hash FROM clients WHERE client_id = :c"), {"c": client_id}).first()
        return row[0] if row else None

    # ------------------------------------------------------------------ publishing

    def publish(self, document: Mapping[str, Any], record: Mapping[str, Any], audiences: Sequence[str], *,
                replace: bool = False) -> Published:
        """Make a declaration's PACT record visible to ``audiences`` (client ids or ``*``); idempotent.

        A new record of the same rule, declarant and facility as an Active one, for an overlapping
        reporting period, is a correction of it: refused unless ``replace``, which marks the other
        Deprecated and names it in the new record's ``precedingPfIds`` (PACT v3).
        """
        for attempt in range(3):
            try:
                return self._publish(document, dict(record), audiences, replace)
            except _db.DatabaseError:
                # a concurrent publisher of the same declaration or audience inserted the row first (PostgreSQL:
                # a unique violation, 7 of 8 simultaneous publishers failed): run again, which finds the row
                # and is the idempotent case; a database that is really unusable fails the same way again
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _publish(self, document: Mapping[str, Any], record: dict[str, Any], audiences: Sequence[str],
                 replace: bool) -> Published:
        from sqlalchemy import text

        pf_id = str(record["id"])
        valid_from, valid_to = validity(record)
        performance_class = document.get("performance_class") or {}
        with self._tx(True) as conn:
            self._one_writer(conn)
            for audience in audiences:
                if audience != PUBLIC and not conn.execute(
                        text("SELECT 1 FROM clients WHERE client_id = :c"), {"c": audience}).first():
                    raise PublishError(f"no client '{audience}'", field="--to", value=audience,
                                       expected="a client added with 'footprint clients add', or --public")
            existing = conn.execute(text("SELECT content_sha256, declaration_id, record FROM published "
                                         "WHERE pf_id = :p"), {"p": pf_id}).first()
            if existing and existing[0] != document.get("content_sha256"):
                raise PublishError(f"declaration '{document.get('id')}' is already published with other content",
                                   field="content_sha256", value=document.get("content_sha256"),
                                   expected="a new declaration id (PACT records never change once published)")
            unserved = [x for x in _signatures(record) if existing and x not in _signatures(json.loads(existing[2]))]
            if unserved:
                # the content hash leaves signatures out: a signed copy of a declaration published unsigned was
                # "already published", and customers kept fetching the record without its signatures, exit 0
                raise PublishError(f"declaration '{document.get('id')}' is already published without "
                                   f"{len(unserved)} of this file's signature(s), and a published PACT record never "
                                   "changes", field="signatures",
                                   expected="the file as it was published (to widen its audience); give customers "
                                            "the signed declaration file to check its signatures")
            replaced: list[str] = []
            unreadable: list[str] = []
            have = {r[0] for r in conn.execute(text("SELECT audience FROM audiences WHERE pf_id = :p"), {"p": pf_id})}
            added = [a for a in dict.fromkeys(audiences) if a not in have]
            if existing and added:
                self._refuse_wider_than_preceding(conn, json.loads(existing[2]), have | set(added))
            tick = _tick(conn) if added or not existing else None
            if not existing:
                replaced = self._same_production(conn, document, pf_id, replace)
                unreadable = [other for other in replaced if not self._readers_of(conn, other)]
                preceding = [other for other in replaced if other not in unreadable]
                self._refuse_other_readers(conn, preceding, added)
                if preceding:
                    record["precedingPfIds"] = preceding
                    # to_pact checked the record without this field (and the one served has it): check it whole,
                    # so a record the host serves has passed the PACT v3 schema as served
                    check_record(record, document.get("id"))
                for other in replaced:
                    self._set_deprecated(conn, other, tick)
                conn.execute(text(
                    "INSERT INTO published (pf_id, declaration_id, rule_id, rule_version, declarant, period_start, "
                    "period_end, class_label, status, created, valid_from, valid_to, content_sha256, record, "
                    "document, published_at, listed_tick) VALUES (:pf_id, :declaration_id, :rule_id, :rule_version, "
                    ":declarant, :period_start, :period_end, :class_label, :status, :created, :valid_from, :valid_to, "
                    ":content_sha256, :record, :document, :published_at, :tick)"), {"tick": tick,
                    "pf_id": pf_id, "declaration_id": str(document["id"]), "rule_id": str(document["rule"]["id"]),
                    "rule_version": str(document["rule"]["version"]),
                    "declarant": str((document.get("declarant") or {}).get("name") or ""),
                    "period_start": str(document["period"]["start"])[:10],
                    "period_end": str(document["period"]["end"])[:10],
                    "class_label": performance_class.get("class"), "status": record.get("status", "Active"),
                    "created": str(record["created"]), "valid_from": valid_from, "valid_to": valid_to,
                    "content_sha256": str(document["content_sha256"]),
                    "record": json.dumps(record, ensure_ascii=False, sort_keys=True),
                    "document": json.dumps(document, ensure_ascii=False), "published_at": _now()})
                for kind, value in sorted(record_keys(record)):
                    conn.execute(text("INSERT INTO pf_keys (pf_id, kind, value) VALUES (:p, :k, :v)"),
                                 {"p": pf_id, "k": kind, "v": value})
            for audience in added:
                conn.execute(text("INSERT INTO audiences (pf_id, audience, granted_tick) VALUES (:p, :a, :t)"),
                             {"p": pf_id, "a": audience, "t": tick})
            successors = self._grant_successors(conn, pf_id, added, tick) if existing and added else []
            pushed = self._queue_published(conn, [pf_id, *successors], tick) if tick is not None else {}
        return Published(pf_id, str(document["id"]), added, not existing, replaced, unreadable, successors, pushed)

    @staticmethod
    def _queue_published(conn: Any, pf_ids: Sequence[str], tick: int) -> dict[str, list[str]]:
        """Queue, for each client with an event endpoint, one PublishedEvent naming the ``pf_ids`` it may see now and
        could not see before this publication (granted at ``tick``, to it or to everyone); client -> those ids.

        In the publication's transaction: a publication that fails queues nothing, and one that commits is told.
        A client is never told of an id it may not open (another client's record); a publication that makes
        nothing new visible to it (published again to an audience that had it) tells it nothing.
        """
        from sqlalchemy import text

        clients = [r[0] for r in conn.execute(text("SELECT client_id FROM client_endpoints ORDER BY client_id"))]
        if not clients:
            return {}
        now: dict[str, set[str]] = {}
        before: dict[str, set[str]] = {}
        for pf_id in pf_ids:
            for audience, granted in conn.execute(text("SELECT audience, granted_tick FROM audiences WHERE "
                                                       "pf_id = :p"), {"p": pf_id}):
                target = now if granted is not None and int(granted) == tick else before
                target.setdefault(pf_id, set()).add(audience)
        pushed: dict[str, list[str]] = {}
        for client in clients:
            new = [pf_id for pf_id in pf_ids if now.get(pf_id, set()) & {client, PUBLIC}
                   and not before.get(pf_id, set()) & {client, PUBLIC}]
            if not new:
                continue
            event = answers.published_event(new, _now())
            conn.execute(text(
                "INSERT INTO outbox (client_id, request_source, request_id, kind, event, state, attempts, "
                "next_attempt, created) VALUES (:c, :s, :r, 'Published', :e, 'pending', 0, 0, :t)"),
                {"c": client, "s": PUBLISHED_ROW, "r": event["id"], "e": json.dumps(event, ensure_ascii=False),
                 "t": _now()})
            pushed[client] = new
        return pushed

    @classmethod
    def _grant_successors(cls, conn: Any, pf_id: str, added: Sequence[str], tick: int | None) -> list[str]:
        """Grant ``added`` the records that replace ``pf_id`` (those naming it in precedingPfIds), and theirs in turn.

        Why: a replaced, Deprecated record published to a new client showed that client a Deprecated record with
        no successor it could open, exit 0.  Refusing it instead would leave no way at all to give a new client
        a corrected record: the correction itself is refused to readers who cannot open the record it replaces
        (_refuse_wider_than_preceding), which asks for the replaced record first.  So the replaced record goes
        with its replacements, in one transaction (the command names them); a replacement that also replaced a
        record the new audience cannot open is refused as before, and nothing is granted.
        """
        from sqlalchemy import text

        granted: list[str] = []
        queue, seen = [pf_id], {pf_id}
        while queue:
            current = queue.pop(0)
            rows = conn.execute(text("SELECT pf_id, record FROM published WHERE record LIKE :pattern ORDER BY seq"),
                                {"pattern": f'%"{current}"%'}).all()
            for other, record_text in rows:
                record = json.loads(record_text)
                if other in seen or current not in (record.get("precedingPfIds") or []):
                    continue
                seen.add(other)
                queue.append(other)
                have = {r[0] for r in conn.execute(text("SELECT audience FROM audiences WHERE pf_id = :p"),
                                                   {"p": other})}
                if PUBLIC in have:
                    continue  # everyone opens it already
                need = [audience for audience in added if audience not in have]
                if not need:
                    continue
                cls._refuse_wider_than_preceding(conn, record, have | set(need))
                for audience in need:
                    conn.execute(text("INSERT INTO audiences (pf_id, audience, granted_tick) VALUES (:p, :a, :t)"),
                                 {"p": other, "a": audience, "t": tick})
                granted.append(other)
        return granted

    @staticmethod
    def _one_writer(conn: Any) -> None:
        """One publisher or deprecation at a time, each taking the table lock before the listing clock's row.

        Why: under READ COMMITTED two corrections of one facility's period could each find no other Active
        record and both be served Active; and a deprecation that took the clock's row first would deadlock
        with a publisher holding the table.  SQLite's writes begin IMMEDIATE already.  Readers (ACCESS
        SHARE: the API, the pages) are not blocked.
        """
        from sqlalchemy import text

        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE published IN SHARE ROW EXCLUSIVE MODE"))

    @staticmethod
    def _same_production(conn: Any, document: Mapping[str, Any], pf_id: str, replace: bool) -> list[str]:
        """Active records of the same rule, declarant and facility whose reporting period overlaps ``document``'s.

        Why: one facility's production of one period has one declaration, and the register already
        refuses a second one without ``--replace``.  The host published a corrected declaration beside
        the old one, both Active, exit 0: a customer's system asking for the product got the stale
        numbers as well, with nothing telling which one holds.
        """
        from sqlalchemy import text

        from footprint.market.registry import facility_keys, stated_facility_keys

        keys = stated_facility_keys(document, PublishError, why="the host cannot tell it from another record of "
                                                               "that production (two would both be served Active)")
        if keys is None:
            return []
        start, end = str(document["period"]["start"])[:10], str(document["period"]["end"])[:10]
        rows = conn.execute(text(
            "SELECT pf_id, declaration_id, period_start, period_end, document FROM published WHERE rule_id = :rule "
            "AND pf_id <> :p AND LOWER(status) = 'active' AND period_start <= :end AND period_end >= :start "
            "ORDER BY seq"), {"rule": str(document["rule"]["id"]), "p": pf_id, "start": start, "end": end}).all()
        # the register's notion of one facility (FacilityKeys.same): by identifier, else by name when one of the
        # two states none; one key of "identifier, else name" let a correction that added the identifier be
        # published beside the record it corrects, both Active
        same = []
        for row in rows:
            other = facility_keys(json.loads(row[4]).get("declarant"))
            if other is not None and keys.same(other):
                same.append((*row[:4], other.by_id))
        if keys.by_id is None and len({r[4] for r in same if r[4] is not None}) > 1:
            raise PublishError(f"records {', '.join(r[0] for r in same)} of declarants of this name with different "
                               "identifiers are published for this facility, and this declaration states no "
                               "identifier", field="declarant.identifier", value=None,
                               expected="a declaration whose declarant states its identifier, so the host can tell "
                                        "which company's record it corrects")
        if same and not replace:
            other = same[0]
            raise PublishError(f"declaration '{other[1]}' of the same declarant and facility for {other[2]}..{other[3]} "
                               f"is published (PACT id {other[0]}), and this one's reporting period {start}..{end} "
                               "overlaps it", field="period", value=f"{start}..{end}",
                               expected="one declaration per facility and reporting period: to publish a correction "
                                        "in its place, publish it with --replace (the other is marked Deprecated)")
        return [r[0] for r in same]

    @staticmethod
    def _readers_of(conn: Any, pf_id: str) -> frozenset[str]:
        """Who can open a published record now (_readers of its audiences; empty once its clients were removed)."""
        from sqlalchemy import text

        return _readers(r[0] for r in conn.execute(text("SELECT audience FROM audiences WHERE pf_id = :p"),
                                                   {"p": pf_id}))

    @classmethod
    def _refuse_other_readers(cls, conn: Any, replaced: Sequence[str], audiences: Sequence[str]) -> None:
        """Refuse a replacement (--replace) whose readers are not those of each record it replaces.

        Why: a correction published to another audience deprecated a record its readers kept seeing,
        without the record that replaces it (client A saw its footprint turn Deprecated, with no
        successor), and the new record's ``precedingPfIds`` named a record its readers cannot open.
        Readers are compared as the host serves them: everyone for a public record, else its clients.
        A record no one can open any more (its clients were all removed) is not passed here (see
        _publish): it has no readers to keep, and the correction does not name it.
        """
        mine = _readers(audiences)
        for other in replaced:
            theirs = cls._readers_of(conn, other)
            if theirs != mine:
                raise PublishError(
                    f"--replace would deprecate PACT id {other}, visible to {_named(theirs)}, with a record visible "
                    f"to {_named(mine)}: its readers would see it Deprecated without its replacement, or the "
                    "replacement's readers would find a preceding record they cannot open", field="--to",
                    value=_named(mine), expected=f"the replaced record's audience ({_flags(theirs)}) with --replace: a "
                                                 "correction goes to the readers of the record it corrects")

    @classmethod
    def _refuse_wider_than_preceding(cls, conn: Any, record: Mapping[str, Any], audiences: Iterable[str]) -> None:
        """Refuse widening a replacement's audience past the readers of a record it replaced.

        Why: ``--replace`` requires the readers of the record replaced, but publishing the replacement
        again to another client then passed (only the audience grows, exit 0): that client got a record
        whose ``precedingPfIds`` names a record it cannot open, the very case ``--replace`` refuses.
        Widen the replaced record first (publishing it again to the same audience), then the replacement.
        """
        wanted = _readers(audiences)
        for other in record.get("precedingPfIds") or []:
            theirs = cls._readers_of(conn, str(other))
            if PUBLIC in theirs or (PUBLIC not in wanted and wanted <= theirs):
                continue
            raise PublishError(
                f"PACT id {record.get('id')} replaced PACT id {other}, which is visible to {_named(theirs)}; "
                f"publishing it to {_named(wanted)} would show its readers a preceding record they cannot open",
                field="--to", value=_named(wanted),
                expected=f"the audience of the record it replaced ({_flags(theirs)}), or publish the replaced "
                         f"record (PACT id {other}) to the new audience first")

    def deprecate(self, pf_id: str) -> None:
        """Mark a record Deprecated (the one change PACT allows after creation)."""
        from sqlalchemy import text

        with self._tx(True) as conn:
            self._one_writer(conn)
            if not conn.execute(text("SELECT 1 FROM published WHERE pf_id = :p"), {"p": pf_id}).first():
                raise PublishError(f"no published footprint '{pf_id}'", field="id", value=pf_id)
            self._set_deprecated(conn, pf_id, None)

    @staticmethod
    def _set_deprecated(conn: Any, pf_id: str, tick: int | None) -> None:
        """Mark a record Deprecated at ``tick`` (a new one if None), keeping the status it had before.

        A record Deprecated already keeps its first change: a listing pinned before it still sees
        the record with the status it had then.
        """
        from sqlalchemy import text

        status = conn.execute(text("SELECT status FROM published WHERE pf_id = :p"), {"p": pf_id}).scalar_one()
        if str(status).lower() == "deprecated":
            return
        conn.execute(text("UPDATE published SET status = 'Deprecated', status_before = :before, status_tick = :t "
                          "WHERE pf_id = :p"), {"p": pf_id, "before": status, "t": tick if tick is not None
                                                else _tick(conn)})

    # ------------------------------------------------------------------ PACT reads

    #: a record's status at the listing's snapshot tick :snap (migration 0007)
    STATUS_AT = "(CASE WHEN p.status_tick > :snap THEN p.status_before ELSE p.status END)"

    @classmethod
    def _where(cls, audiences: Iterable[str], filters: Filters, params: dict[str, Any]) -> str:
        """The records matching at the snapshot tick ``params['snap']``: published, granted, filtered by then."""
        names = []
        for k, audience in enumerate(audiences):
            params[f"aud{k}"] = audience
            names.append(f":aud{k}")
        clauses = ["p.listed_tick <= :snap",
                   f"EXISTS (SELECT 1 FROM audiences a WHERE a.pf_id = p.pf_id AND a.audience IN ({', '.join(names)}) "
                   "AND a.granted_tick <= :snap)"]
        for kind, values in sorted(filters.keys.items()):
            if not values:  # no value matches nothing (and "IN ()" is an SQL syntax error on PostgreSQL)
                clauses.append("1 = 0")
                continue
            slots = []
            for k, value in enumerate(values):
                params[f"{kind}{k}"] = value
                slots.append(f":{kind}{k}")
            params[f"kind_{kind}"] = kind
            within = ""
            if kind == "geography":
                # PACT v3: geography "will return all footprints within the specified geography(s)": a country
                # (ISO 3166-1 alpha-2) holds its subdivisions (ISO 3166-2 'CN-NM'), so geography=CN listed no
                # footprint of Inner Mongolia, HTTP 200 as a complete result
                countries = [value for value in values if re.fullmatch(r"[a-z]{2}", value)]
                for k, country in enumerate(countries):
                    params[f"{kind}_within{k}"] = f"{country}-%"
                within = "".join(f" OR k.value LIKE :{kind}_within{k}" for k in range(len(countries)))
            clauses.append(f"EXISTS (SELECT 1 FROM pf_keys k WHERE k.pf_id = p.pf_id AND k.kind = :kind_{kind} "
                           f"AND (k.value IN ({', '.join(slots)}){within}))")
        if filters.valid_on:
            params["valid_on"] = filters.valid_on
            clauses.append("p.valid_from <= :valid_on AND :valid_on <= p.valid_to")
        if filters.valid_after:
            params["valid_after"] = filters.valid_after
            clauses.append("p.valid_from > :valid_after")
        if filters.valid_before:
            params["valid_before"] = filters.valid_before
            clauses.append("p.valid_to < :valid_before")
        if filters.status is not None:
            params["status"] = filters.status.lower()
            clauses.append(f"LOWER({cls.STATUS_AT}) = :status")
        return " AND ".join(clauses)

    def list_footprints(self, client_id: str, filters: Filters, *, offset: int, limit: int,
                        snapshot: int | None) -> tuple[list[dict[str, Any]], int, int]:
        """One page of the records ``client_id`` may see, the total matching, and the listing's snapshot tick.

        ``snapshot`` (None: now, a new listing) pins a paginated listing to the records that matched at
        its first page, each with its status then: a record published, granted to an audience or
        deprecated later is filtered by the tick of that change, so pages neither skip nor repeat a
        record and a pagination link returns the same footprints each time (PACT v3, 'Pagination').
        """
        from sqlalchemy import text

        params: dict[str, Any] = {}
        where = self._where([client_id, PUBLIC], filters, params)
        with self._tx(False) as conn:
            now = int(conn.execute(text("SELECT tick FROM listing_clock WHERE id = 1")).scalar_one())
            if snapshot is not None and snapshot > now:
                raise StaleSnapshot("the listing's snapshot is ahead of this database", value=snapshot,
                                    expected=f"a snapshot at most {now}: start the listing again")
            params["snap"] = now if snapshot is None else snapshot
            total = int(conn.execute(text(f"SELECT COUNT(*) FROM published p WHERE {where}"), params).scalar_one())
            params.update(offset=offset, limit=limit)
            rows = conn.execute(text(f"SELECT p.record, {self.STATUS_AT} FROM published p WHERE {where} "
                                     "ORDER BY p.seq LIMIT :limit OFFSET :offset"), params).all()
        return [self._record(r[0], r[1]) for r in rows], total, params["snap"]

    @staticmethod
    def _record(text_: str, status: str) -> dict[str, Any]:
        record = json.loads(text_)
        record["status"] = status
        return record

    def get_footprint(self, pf_id: str, client_id: str) -> tuple[dict[str, Any] | None, bool]:
        """(record, True) if visible; (None, True) if there is no such record; (None, False) if not allowed."""
        from sqlalchemy import text

        with self._tx(False) as conn:
            row = conn.execute(text("SELECT record, status FROM published WHERE pf_id = :p"), {"p": pf_id}).first()
            if row is None:
                return None, True
            allowed = conn.execute(text("SELECT 1 FROM audiences WHERE pf_id = :p AND audience IN (:c, :pub)"),
                                   {"p": pf_id, "c": client_id, "pub": PUBLIC}).first()
        return (self._record(row[0], row[1]), True) if allowed else (None, False)

    # ------------------------------------------------------------------ web pages (public records only)

    def public_rows(self, *, rule: str | None = None, year: int | None = None, declarant: str | None = None,
                    class_label: str | None = None) -> list[dict[str, Any]]:
        from sqlalchemy import text

        sql = ("SELECT p.pf_id, p.declaration_id, p.rule_id, p.rule_version, p.declarant, p.period_start, "
               "p.period_end, p.class_label, p.status, p.document FROM published p WHERE EXISTS (SELECT 1 FROM "
               "audiences a WHERE a.pf_id = p.pf_id AND a.audience = :pub)")
        params: dict[str, Any] = {"pub": PUBLIC}
        if rule:
            sql += " AND p.rule_id = :rule"
            params["rule"] = rule
        if year is not None:  # the reporting period overlaps the year
            sql += " AND p.period_start <= :year_end AND p.period_end >= :year_start"
            params.update(year_start=f"{year:04d}-01-01", year_end=f"{year:04d}-12-31")
        if declarant:
            sql += " AND LOWER(p.declarant) LIKE :declarant"
            params["declarant"] = "%" + declarant.lower().replace("%", "").replace("_", "") + "%"
        if class_label:
            sql += " AND p.class_label = :class_label"
            params["class_label"] = class_label
        sql += " ORDER BY p.rule_id, p.declarant, p.period_start, p.seq"
        keys = ("pf_id", "declaration_id", "rule_id", "rule_version", "declarant", "period_start", "period_end",
                "class_label", "status")
        out = []
        with self._tx(False) as conn:
            for row in conn.execute(text(sql), params).all():
                item = dict(zip(keys, row[:9]))
                document = json.loads(row[9])
                item["climate_change"] = next((r for r in document.get("results") or []
                                               if r.get("category") == "climate_change"), None)
                item["declared_unit"] = document.get("declared_unit")  # what the value is per
                out.append(item)
        return out

    def public_facets(self) -> dict[str, list[str]]:
        """The values the web list's filters offer (rules, declarants, classes) among public records."""
        from sqlalchemy import text

        facets: dict[str, list[str]] = {}
        with self._tx(False) as conn:
            for column in ("rule_id", "declarant", "class_label"):
                rows = conn.execute(text(f"SELECT DISTINCT p.{column} FROM published p JOIN audiences a ON "
                                         f"a.pf_id = p.pf_id WHERE a.audience = :pub AND p.{column} IS NOT NULL "
                                         f"ORDER BY p.{column}"), {"pub": PUBLIC}).all()
                facets[column] = [r[0] for r in rows]
        return facets

    def public_document(self, pf_id: str) -> tuple[dict[str, Any], str] | None:
        """A record published to everyone: (its declaration, its status), or None."""
        from sqlalchemy import text

        with self._tx(False) as conn:
            row = conn.execute(text("SELECT p.document, p.status FROM published p JOIN audiences a ON "
                                    "a.pf_id = p.pf_id WHERE p.pf_id = :p AND a.audience = :pub"),
                               {"p": pf_id, "pub": PUBLIC}).first()
        return (json.loads(row[0]), str(row[1])) if row else None

    # ------------------------------------------------------------------ events

    def store_event(self, event: Mapping[str, Any], client_id: str) -> bool:
        """Store a received CloudEvent; False if this client sent (source, id) before (a duplicate)."""
        return self.receive(event, client_id).new

    def receive(self, event: Mapping[str, Any], client_id: str, *,
                max_footprints: int = answers.MAX_ANSWER_FOOTPRINTS,
                max_bytes: int = answers.MAX_ANSWER_BYTES) -> Received:
        """Store a received CloudEvent and, for a new RequestCreated, queue its answer (outbox), in one transaction.

        The answer is decided here, as the request is accepted: RequestFulfilled with every footprint
        the client may see that matches the request's criteria (Store._where, the filter of
        ListFootprints), else RequestRejected.  Deciding and queuing in the transaction that stores the
        request means a request is answered once: a duplicate is never queued again, and a crash stores
        neither (the requester's resend is then new).  A client without an event endpoint gets no answer
        queued (Received.answer is None): there is nowhere to send it.

        An event is identified by its sender, source and id (migration 0008): CloudEvents ids are unique
        per source, and the source is whatever the sender writes, so a (source, id) unique across clients
        let client B, sending an event under client A's source and id first, have A's own event refused
        (before that, answered 200 and dropped).  Each client's events are its own.

        A duplicate is the same event sent again (CloudEvents: same source and id); one whose type or data differ
        is refused (RequestRefused): a second request under a used id was answered 200 and never answered, its
        sender waiting for an answer that would not come.  A request matching more than ``max_footprints``
        footprints (or ``max_bytes`` of answer) is refused too (answers.py: one answer event, bounded).

        What is kept, per type (each event may be 1 MiB, and a client could send them without end):

        * RequestFulfilled and RequestRejected answer a request of the receiver; this host sends no request, so
          there is nothing they could answer and nothing reads them: acknowledged (200, as WBCSD's conformance
          docs #13/#14 expect) and not stored (``Received.stored`` False).  They filled the events table at 1 MiB
          each before.
        * RequestCreated and Published are stored (a request is answered once: its row makes a resend a duplicate),
          at most ``answers.MAX_STORED_EVENTS`` per client and ``answers.MAX_STORED_EVENT_CHARS`` of data in all;
          beyond, RequestRefused (400).  ``prune`` forgets them after ``answers.RETENTION_DAYS``.
        """
        from sqlalchemy import text

        if str(event["type"]) in (FULFILLED, REJECTED):
            return Received(False, None, stored=False)
        params = {"e": str(event["id"]), "s": str(event["source"]), "t": str(event["type"]), "c": client_id,
                  "time": str(event["time"]), "r": _now(), "d": json.dumps(event.get("data"), ensure_ascii=False)}
        try:
            with self._tx(True) as conn:
                if self._seen_event(conn, params):
                    return Received(False)
                self._refuse_beyond_stored_events(conn, client_id, len(params["d"]))
                conn.execute(text("INSERT INTO events (event_id, source, type, client_id, time, received_at, data) "
                                  "VALUES (:e, :s, :t, :c, :time, :r, :d)"), params)
                answer = None
                if str(event["type"]) == REQUEST_CREATED:
                    answer = self._queue_answer(conn, event, client_id, max_footprints, max_bytes)
        except _db.DatabaseError:
            with self._tx(False) as conn:  # a concurrent duplicate won the race: still a duplicate
                if self._seen_event(conn, params):
                    return Received(False)
            raise
        return Received(True, answer)

    @staticmethod
    def _refuse_beyond_stored_events(conn: Any, client_id: str, size: int) -> None:
        """RequestRefused if storing one more event of ``size`` characters passes the client's stored-event limits."""
        from sqlalchemy import text

        count, chars = conn.execute(text("SELECT COUNT(*), COALESCE(SUM(LENGTH(data)), 0) FROM events WHERE "
                                         "client_id = :c"), {"c": client_id}).one()
        if int(count) >= answers.MAX_STORED_EVENTS or int(chars) + size > answers.MAX_STORED_EVENT_CHARS:
            raise RequestRefused(f"this client has {int(count)} events ({int(chars)} characters of data) stored on "
                                 "this host; no further event is stored until older ones are forgotten",
                                 field="id", value=int(count),
                                 expected=f"at most {answers.MAX_STORED_EVENTS} events and "
                                          f"{answers.MAX_STORED_EVENT_CHARS} characters of data stored per client; "
                                          f"events are kept {answers.RETENTION_DAYS} days: send again later")

    def _queue_answer(self, conn: Any, event: Mapping[str, Any], client_id: str, max_footprints: int,
                      max_bytes: int) -> str | None:
        """Decide a new RequestCreated's answer and put it in the outbox; its kind, or None (no endpoint).

        The footprints are those ``client_id`` may see now (its own and the public ones, at the current tick of
        the listing clock), filtered as ListFootprints filters: never one published only to another client.
        Counted first: a request matching more than ``max_footprints`` is refused before any record is read.
        """
        from sqlalchemy import text

        if not conn.execute(text("SELECT 1 FROM client_endpoints WHERE client_id = :c"), {"c": client_id}).first():
            return None
        waiting = int(conn.execute(text("SELECT COUNT(*) FROM outbox WHERE client_id = :c AND state = 'pending' AND "
                                        "kind <> 'Published'"), {"c": client_id}).scalar_one())
        if waiting >= answers.MAX_PENDING_ANSWERS:
            # the outbox grew by one answer per request, whatever the endpoint did: a client whose endpoint never
            # answers could queue without end (each answer up to MAX_ANSWER_BYTES, tried 8 times)
            raise RequestRefused(f"{waiting} answers to this client's requests wait to be delivered to its event "
                                 "endpoint; no further request is taken until they are delivered or failed",
                                 field="type", value=waiting,
                                 expected=f"at most {answers.MAX_PENDING_ANSWERS} requests waiting for an answer: "
                                          "check the event endpoint ('footprint clients show'), then send again")
        criteria = answers.request_criteria(event.get("data") or {})
        filters = Filters(keys=criteria["keys"], valid_on=criteria["valid_on"], valid_after=criteria["valid_after"],
                          valid_before=criteria["valid_before"], status=criteria["status"])
        params: dict[str, Any] = {}
        where = self._where([client_id, PUBLIC], filters, params)
        params["snap"] = int(conn.execute(text("SELECT tick FROM listing_clock WHERE id = 1")).scalar_one())
        matching = int(conn.execute(text(f"SELECT COUNT(*) FROM published p WHERE {where}"), params).scalar_one())
        if matching > max_footprints:
            raise self._too_many(f"{matching} footprints", max_footprints, max_bytes)
        rows = conn.execute(text(f"SELECT p.record, {self.STATUS_AT} FROM published p WHERE {where} ORDER BY p.seq"),
                            params).all()
        pfs = [self._record(r[0], r[1]) for r in rows]
        kind = "RequestFulfilled" if pfs else "RequestRejected"
        answer = json.dumps(answers.answer_event(kind, str(event["id"]), _now(), pfs), ensure_ascii=False)
        size = len(answer.encode("utf-8")) + answers.SOURCE_ROOM
        if size > max_bytes:
            raise self._too_many(f"{len(pfs)} footprints, {size} bytes of answer", max_footprints, max_bytes)
        # a request forgotten (prune) and sent again is new; its earlier finished answer, if still kept, gives way
        conn.execute(text("DELETE FROM outbox WHERE client_id = :c AND request_source = :s AND request_id = :r AND "
                          "state <> 'pending'"), {"c": client_id, "s": str(event["source"]), "r": str(event["id"])})
        conn.execute(text(
            "INSERT INTO outbox (client_id, request_source, request_id, kind, event, state, attempts, next_attempt, "
            "created) VALUES (:c, :s, :r, :k, :e, 'pending', 0, 0, :t)"),
            {"c": client_id, "s": str(event["source"]), "r": str(event["id"]), "k": kind,
             "e": answer, "t": _now()})
        return kind

    @staticmethod
    def _too_many(found: str, max_footprints: int, max_bytes: int) -> RequestRefused:
        return RequestRefused(f"the request matches {found}: more than this host sends in its one answer event",
                              field="data", value=found,
                              expected=f"criteria matching at most {max_footprints} footprints ({max_bytes} bytes): "
                                       "narrow them (productId, companyId, geography, validOn, status), or page "
                                       "through ListFootprints (GET /3/footprints)")

    # ------------------------------------------------------------------ event endpoints and the outbox

    def set_endpoint(self, client_id: str, base_url: str, token_url: str, remote_client_id: str,
                     remote_secret: str, ca_file: str | None = None) -> None:
        """Where the host sends ``client_id``'s events (replacing what was set); checked, never half-stored."""
        from sqlalchemy import text

        for value, what in ((base_url, "URL"), (token_url, "--token-url")):
            problem = answers.https_url(value, what)
            if problem:
                raise PublishError(problem, field=what, value=value, expected="https://host[:port][/path]")
        if not remote_client_id or any(ord(c) < 32 or ord(c) == 127 for c in remote_client_id) \
                or ":" in remote_client_id:
            # RFC 7617: a Basic user-id holds no ':'; the host sends it form-urlencoded (RFC 6749 §2.3.1) anyway
            raise PublishError("not a usable client id at the recipient's token endpoint", field="--remote-client-id",
                               value=remote_client_id, expected="a non-empty id without ':' or control characters")
        if not remote_secret:
            raise PublishError("the recipient's client secret is empty", field="--remote-secret-file",
                               expected="a file holding the secret the recipient issued to this host")
        with self._tx(True) as conn:
            if not conn.execute(text("SELECT 1 FROM clients WHERE client_id = :c"), {"c": client_id}).first():
                raise PublishError(f"no client '{client_id}'", field="client", value=client_id,
                                   expected="a client id from 'footprint clients list'")
            conn.execute(text("DELETE FROM client_endpoints WHERE client_id = :c"), {"c": client_id})
            conn.execute(text("INSERT INTO client_endpoints (client_id, base_url, token_url, remote_client_id, "
                              "remote_secret, ca_file, created) VALUES (:c, :b, :t, :i, :s, :a, :n)"),
                         {"c": client_id, "b": base_url.rstrip("/"), "t": token_url, "i": remote_client_id,
                          "s": remote_secret, "a": ca_file, "n": _now()})

    def remove_endpoint(self, client_id: str) -> None:
        from sqlalchemy import text

        with self._tx(True) as conn:
            if not conn.execute(text("DELETE FROM client_endpoints WHERE client_id = :c"), {"c": client_id}).rowcount:
                raise PublishError(f"client '{client_id}' has no event endpoint", field="client", value=client_id)

    def endpoint(self, client_id: str) -> dict[str, Any] | None:
        """The client's event endpoint with its secret (for the delivery only; never shown), or None."""
        from sqlalchemy import text

        with self._tx(False) as conn:
            row = conn.execute(text("SELECT base_url, token_url, remote_client_id, remote_secret, ca_file FROM "
                                    "client_endpoints WHERE client_id = :c"), {"c": client_id}).first()
        if row is None:
            return None
        return {"base_url": row[0], "token_url": row[1], "remote_client_id": row[2], "remote_secret": row[3],
                "ca_file": row[4]}

    def client_report(self, client_id: str) -> dict[str, Any]:
        """A client for ``footprint clients show``: its endpoint (no secret) and the answers to its requests."""
        from sqlalchemy import text

        with self._tx(False) as conn:
            client = conn.execute(text("SELECT created, (SELECT COUNT(*) FROM audiences a WHERE a.audience = "
                                       "c.client_id) FROM clients c WHERE c.client_id = :c"), {"c": client_id}).first()
            if client is None:
                raise PublishError(f"no client '{client_id}'", field="client", value=client_id,
                                   expected="a client id from 'footprint clients list'")
            endpoint = conn.execute(text("SELECT base_url, token_url, remote_client_id, ca_file FROM client_endpoints "
                                         "WHERE client_id = :c"), {"c": client_id}).first()
            rows = conn.execute(text("SELECT request_source, request_id, kind, state, attempts, last_error, created, "
                                     "delivered_at, event FROM outbox WHERE client_id = :c ORDER BY seq"),
                                {"c": client_id}).all()
        answers_ = [dict(zip(("request_source", "request_id", "kind", "state", "attempts", "last_error", "created",
                              "delivered_at"), r[:8]),
                         pf_ids=json.loads(r[8])["data"]["pfIds"] if r[2] == "Published" else None) for r in rows]
        return {"client_id": client_id, "created": client[0], "published": int(client[1]),
                "endpoint": dict(zip(("base_url", "token_url", "remote_client_id", "ca_file"), endpoint))
                if endpoint else None, "answers": answers_,
                "kept_days": answers.RETENTION_DAYS}  # delivered rows older than this are pruned (Store.prune)

    def due_answers(self, now: float, lease: float, limit: int = 1, skip: Iterable[str] = ()) -> list[dict[str, Any]]:
        """Claim up to ``limit`` pending answers due by ``now`` (epoch seconds) for ``lease`` seconds; the claimed ones.

        ``skip``: clients whose answers are not claimed now (their endpoint just failed, Outbox.deliver_due).

        A claim is a lease, not a lock: a process that dies while sending leaves the row to be claimed again when
        the lease ends (a restart resumes it).  Read first, so an idle host does not take SQLite's write lock.
        """
        from sqlalchemy import text

        params: dict[str, Any] = {"n": now, "k": limit}
        skipped = ""
        for k, client in enumerate(sorted(set(skip))):
            params[f"skip{k}"] = client
            skipped += f" AND client_id <> :skip{k}"
        with self._tx(False) as conn:
            seqs = [r[0] for r in conn.execute(text(
                "SELECT seq FROM outbox WHERE state = 'pending' AND next_attempt <= :n AND (lease_until IS NULL OR "
                f"lease_until <= :n){skipped} ORDER BY seq LIMIT :k"), params).all()]
        claimed = []
        for seq in seqs:
            with self._tx(True) as conn:
                got = conn.execute(text("UPDATE outbox SET lease_until = :l WHERE seq = :s AND state = 'pending' AND "
                                        "(lease_until IS NULL OR lease_until <= :n)"),
                                   {"l": now + lease, "s": seq, "n": now}).rowcount
                if got:
                    row = conn.execute(text("SELECT seq, client_id, request_id, kind, event, attempts FROM outbox "
                                            "WHERE seq = :s"), {"s": seq}).first()
                    claimed.append(dict(zip(("seq", "client_id", "request_id", "kind", "event", "attempts"), row)))
        return claimed

    def answer_delivered(self, seq: int) -> None:
        from sqlalchemy import text

        with self._tx(True) as conn:
            conn.execute(text("UPDATE outbox SET state = 'delivered', attempts = attempts + 1, lease_until = NULL, "
                              "last_error = NULL, delivered_at = :t WHERE seq = :s"), {"s": seq, "t": _now()})

    def answer_failed_attempt(self, seq: int, error: str, next_attempt: float | None) -> None:
        """One failed attempt: try again at ``next_attempt`` (epoch seconds), or None: no more tries (failed)."""
        from sqlalchemy import text

        with self._tx(True) as conn:
            conn.execute(text("UPDATE outbox SET attempts = attempts + 1, lease_until = NULL, last_error = :e, "
                              "state = :st, next_attempt = :n WHERE seq = :s"),
                         {"s": seq, "e": error[:500], "st": "pending" if next_attempt is not None else "failed",
                          "n": next_attempt if next_attempt is not None else 0})

    def prune(self, now: dt.datetime | None = None, days: float = answers.RETENTION_DAYS,
              failed_kept: int = answers.MAX_FAILED_KEPT) -> dict[str, int]:
        """Forget what is no longer needed; how many events and outbox rows went.  The server's worker runs it.

        * events received more than ``days`` ago, unless their answer is still pending (a request is answered
          once while its row is kept; one sent again after that is new, and answered again);
        * delivered outbox rows (answers and PublishedEvents) delivered more than ``days`` ago;
        * failed outbox rows more than ``days`` old once a later row of the same client was delivered (its endpoint
          works again), and any beyond the client's ``failed_kept`` newest failed ones.
        Pending rows are never pruned: they are the work still to do.  ``footprint clients show`` therefore lists
        every pending and (within these bounds) failed answer, and counts the delivered ones of the last ``days``.
        """
        from sqlalchemy import text

        from footprint._time import utc_now

        cut = utc_text((now or utc_now()) - dt.timedelta(days=days))
        with self._tx(True) as conn:
            events = conn.execute(text(
                "DELETE FROM events WHERE received_at < :cut AND NOT EXISTS (SELECT 1 FROM outbox o WHERE "
                "o.client_id = events.client_id AND o.request_source = events.source AND o.request_id = "
                "events.event_id AND o.state = 'pending')"), {"cut": cut}).rowcount
            delivered = conn.execute(text("DELETE FROM outbox WHERE state = 'delivered' AND delivered_at < :cut"),
                                     {"cut": cut}).rowcount
            failed = conn.execute(text(
                "DELETE FROM outbox WHERE state = 'failed' AND ((created < :cut AND EXISTS (SELECT 1 FROM outbox l "
                "WHERE l.client_id = outbox.client_id AND l.state = 'delivered' AND l.seq > outbox.seq)) OR "
                "(SELECT COUNT(*) FROM outbox n WHERE n.client_id = outbox.client_id AND n.state = 'failed' AND "
                "n.seq > outbox.seq) >= :k)"), {"cut": cut, "k": failed_kept}).rowcount
        return {"events": int(events), "delivered": int(delivered), "failed": int(failed)}

    @staticmethod
    def _seen_event(conn: Any, params: Mapping[str, Any]) -> bool:
        """True if this client sent this event (source and id) before; RequestRefused if that was another event."""
        from sqlalchemy import text

        row = conn.execute(text("SELECT type, data FROM events WHERE client_id = :c AND source = :s AND "
                                "event_id = :e"), params).first()
        if row is None:
            return False
        if row[0] != params["t"] or json.loads(row[1]) != json.loads(params["d"]):
            raise RequestRefused("this client sent another event (other type or data) with this source and id "
                                 "before; it was not answered again", field="id", value=params["e"],
                                 expected="a new id for each new event (CloudEvents: source and id identify an "
                                          "event; the same id again is the same event, sent again)")
        return True

    def events(self) -> list[dict[str, Any]]:
        from sqlalchemy import text

        with self._tx(False) as conn:
            rows = conn.execute(text("SELECT event_id, source, type, client_id, time, data FROM events "
                                     "ORDER BY seq")).all()
        return [{"id": r[0], "source": r[1], "type": r[2], "client_id": r[3], "time": r[4], "data": json.loads(r[5])}
                for r in rows]
