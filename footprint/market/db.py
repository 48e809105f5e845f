"""The database behind the market register and the published declarations: SQLAlchemy + Alembic.

One database holds both: the register (declarations placed on the market, their
values and masses; classes are derived from it) and what ``footprint serve``
hands out (PACT records, who may see them, API clients, received events).
SQLite is the default (a file path, nothing to install or start); PostgreSQL
and anything else SQLAlchemy speaks work by URL.

Why Alembic: a register outlives the program that wrote it.  The schema is a
numbered history of migrations (``footprint/market/migrations/versions``),
applied on the first write of a process, never on a read, so a read can never
change a file that is not a register.  A register written before the
migrations existed (the tables created by the older ``CREATE TABLE IF NOT
EXISTS`` code, and no ``alembic_version`` table) is recognised and stamped at
the first revision, then upgraded like any other.

Who may write it: its owner alone, as footprint's background snapshots (footprint.data.snapshot).
The register decides performance classes and the host's store decides what is published and to
whom, so an SQLite file, its journals or its folder that another user may write (``umask 000``, a
group-writable folder) is refused at open, naming the path; footprint creates the folder without
group or world write (SQLite creates the file 0644).  A database server is its operator's: not checked.
"""
from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from footprint._io import make_folder, names_a_folder, written_by_others
from footprint.errors import FootprintError
from footprint.paths import home

DEFAULT_NAME = "market.sqlite"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The revision whose tables equal the register schema written before migrations existed.
LEGACY_REVISION = "0001"
LEGACY_TABLES = {"declarations", "category_values", "placements"}

_ENGINES: dict[str, Any] = {}
_UPGRADED: set[str] = set()
_LOCK = threading.Lock()


class DatabaseError(FootprintError):
    """The database cannot be opened, reached or used."""


def default_path() -> Path:
    return home() / DEFAULT_NAME


def is_url(target: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*://", target))


def url_for(target: str | Path | None) -> str:
    """An SQLAlchemy URL for a path (SQLite) or a URL (unchanged); None is the default register."""
    text = str(target) if target is not None else str(default_path())
    if is_url(text):
        if text.startswith("postgresql://") or text.startswith("postgres://"):
            # psycopg 3 is the driver we install; SQLAlchemy's bare postgresql:// means psycopg2
            text = "postgresql+psycopg://" + text.split("://", 1)[1]
        return text
    if names_a_folder(text):  # Path('reg/') is 'reg': '--register reg/' made an SQLite file named reg, exit 0
        raise DatabaseError("names a folder, not a file", file=text,
                            expected=f"a file path (e.g. {text.rstrip('/') or '.'}/{DEFAULT_NAME}) or a database URL")
    return "sqlite:///" + str(Path(text).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and in-memory SQLite)."""
    if not url.startswith("sqlite"):
        return None
    rest = url.split(":///", 1)[1] if ":///" in url else ""
    return Path(rest.split("?", 1)[0]) if rest and rest != ":memory:" else None


def one_line(exc: BaseException) -> str:
    """The driver's message, first line only (psycopg adds hints on further lines)."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__


def engine(target: str | Path | None):
    """The (cached, per process) SQLAlchemy engine of a register path or URL."""
    url = url_for(target)
    with _LOCK:
        if url in _ENGINES:
            return _ENGINES[url]
        import sqlalchemy
        from sqlalchemy import event

        refuse_written_by_others(sqlite_path(url))
        try:
            if url.startswith("sqlite"):
                made = sqlalchemy.create_engine(url, connect_args={"timeout": 30})

                @event.listens_for(made, "connect")
                def _no_driver_transactions(dbapi_connection, _record):  # we issue BEGIN ourselves
                    dbapi_connection.isolation_level = None

                @event.listens_for(made, "begin")
                def _begin(connection):
                    # a writer takes the lock at once (no deadlock upgrading a read lock); a reader does not
                    immediate = connection.get_execution_options().get("footprint_write", False)
                    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
            else:
                made = sqlalchemy.create_engine(url, pool_pre_ping=True)
        except Exception as exc:  # bad URL, unknown dialect, driver not installed: several exception types
            raise DatabaseError(f"cannot open the database: {one_line(exc)}", file=safe_url(url),
                                expected="a file path (SQLite) or a URL such as "
                                         "postgresql://user@host/dbname") from None
        _ENGINES[url] = made
        return made


#: the files SQLite keeps beside a database (a journal another user planted is rolled back into it)
SQLITE_COMPANIONS = ("-journal", "-wal", "-shm")


def refuse_written_by_others(path: Path | None) -> None:
    """Refuse an SQLite register whose folder, file or journals someone other than its owner may write.

    The owner: this user, root, or the owner of the folder (a register an administrator keeps for
    several users to read).  Why: under ``umask 000`` FOOTPRINT_HOME (the default register's folder)
    was writable by every user of the machine, who could put their own register in its place and so
    decide the classes derived from it and the records the host serves, exit 0.  A missing file or
    folder is not checked: footprint creates them (make_folder; SQLite writes 0644).
    """
    if path is None:
        return
    folder = path.parent
    trusted = {os.geteuid(), 0}
    try:
        trusted.add(folder.stat().st_uid)
    except OSError:
        return
    for entry in (folder, path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)):
        try:
            why = written_by_others(os.lstat(entry), trusted)
        except OSError:
            continue
        if why:
            raise DatabaseError(f"another user may change this database, and so the classes derived from it and the "
                                f"records served from it: {entry} is {why}", file=entry,
                                expected=f"a register file and folder only its owner may write (as their owner: "
                                         f"'chmod go-w {folder} {path}'), or a register in another place")


def safe_url(url: str) -> str:
    """A URL for messages and logs: any password replaced by ***."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def dispose(target: str | Path | None = None) -> None:
    """Close pooled connections (tests that drop a database; a server shutting down)."""
    with _LOCK:
        urls = [url_for(target)] if target is not None else list(_ENGINES)
        for url in urls:
            made = _ENGINES.pop(url, None)
            if made is not None:
                made.dispose()
            _UPGRADED.discard(url)
            _KNOWN.discard(url)


@contextmanager
def transaction(target: str | Path | None, *, write: bool,
                on_commit: Callable[[], Any] | None = None) -> Iterator[Any]:
    """A connection in one transaction; writes bring the schema to the newest revision first.

    Errors from the database (unreachable server, not a database, missing table) become one
    DatabaseError line; the transaction is rolled back and the database keeps its content.
    ``on_commit`` runs right after the commit, before the connection is closed: whatever is raised
    later (a close that fails, a Ctrl-C) does not undo the commit, and a caller that takes back its
    own step on an error must know it happened (footprint._io.write_with_transaction).
    """
    import sqlalchemy

    url = url_for(target)
    made = engine(target)
    try:
        if write:
            upgrade(target)
        with made.connect() as connection:
            connection.execution_options(footprint_write=write)
            with connection.begin():
                if not write:
                    refuse_unknown_revision(connection, url)
                yield connection
            if on_commit is not None:
                on_commit()
    except sqlalchemy.exc.SQLAlchemyError as exc:
        raise DatabaseError(f"cannot use the database: {one_line(exc)}", file=safe_url(url),
                            expected=_locked_hint(exc)) from None


def _locked_hint(exc: BaseException) -> str | None:
    """What to do about a database another process holds (SQLite waits 30 s first); None otherwise."""
    if "database is locked" in one_line(exc):
        return "no other process writing it: another footprint command or tool holds it (try again when it ends)"
    return None


# ------------------------------------------------------------------ migrations

_KNOWN: set[str] = set()  # URLs whose revision this process has found to be one of its own


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}


def refuse_unknown_revision(connection: Any, url: str) -> None:
    """Refuse a database whose schema revision this footprint does not know (a newer footprint wrote it).

    Its tables may mean something else (a newer migration can move or split what an older
    reader sums into classes), and Alembic's upgrade failed on it with a traceback; so reading
    or writing it is exit 2, asking for the newer footprint.  Checked once per process and URL.
    """
    if url in _KNOWN:
        return
    import sqlalchemy

    if not sqlalchemy.inspect(connection).has_table("alembic_version"):
        return  # a register from before the migrations, or no register yet
    found = [row[0] for row in connection.execute(sqlalchemy.text("SELECT version_num FROM alembic_version"))]
    unknown = [revision for revision in found if revision not in known_revisions()]
    if unknown:
        raise DatabaseError("the database was written by a newer footprint (schema revision unknown to this one)",
                            file=safe_url(url), field="alembic_version", value=", ".join(unknown),
                            expected=f"revision {head_revision()} or older: use the footprint that wrote it "
                                     "(or a newer one)")
    _KNOWN.add(url)

def refuse_foreign_sqlite(tables: set[str], path: Path | None, url: str) -> None:
    """Refuse to write into an SQLite file that holds another application's tables and none of ours.

    Why: ``market add --register places.sqlite`` (a browser's, or any tool's database given by
    mistake) created the register's tables inside it and registered there, exit 0; the file is not
    ours to change.  An empty file, a new file, a register and a register from before the
    migrations are written.  A database server (PostgreSQL) is the operator's to share: not checked.
    """
    if path is None or not tables or "alembic_version" in tables or LEGACY_TABLES & tables:
        return
    raise DatabaseError("the file is an SQLite database of something else, not a footprint register",
                        file=safe_url(url.split("///", 1)[-1]), field="tables",
                        value=", ".join(sorted(tables)[:5]),
                        expected="a footprint register file (or a new path: footprint creates it)")


def _alembic_config(connection):
    from alembic.config import Config

    config = Config()  # no alembic.ini: everything is set here
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def current_revision(target: str | Path | None) -> str | None:
    """The database's Alembic revision (None: no alembic_version table)."""
    from alembic.runtime.migration import MigrationContext

    with transaction(target, write=False) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def upgrade(target: str | Path | None, revision: str = "head") -> None:
    """Bring the database to ``revision`` (once per process and URL for 'head')."""
    import sqlalchemy

    url = url_for(target)
    if revision == "head" and url in _UPGRADED:
        return
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    path = sqlite_path(url)
    if path is not None:
        try:
            make_folder(path.parent)  # without group or world write, whatever the umask
        except OSError as exc:
            raise DatabaseError(f"cannot create the register's directory: {exc.strerror}", file=path) from None
    made = engine(target)
    try:
        with made.connect() as connection:
            connection.execution_options(footprint_write=True)
            with connection.begin():
                tables = set(sqlalchemy.inspect(connection).get_table_names())
                refuse_unknown_revision(connection, url)
                refuse_foreign_sqlite(tables, path, url)
                config = _alembic_config(connection)
                if MigrationContext.configure(connection).get_current_revision() is None and LEGACY_TABLES <= tables:
                    command.stamp(config, LEGACY_REVISION)  # a register from before the migrations
                command.upgrade(config, revision)
    except sqlalchemy.exc.SQLAlchemyError as exc:
        raise DatabaseError(f"cannot use the database: {one_line(exc)}", file=safe_url(url),
                            expected=_locked_hint(exc)) from None
    if revision == "head":
        _UPGRADED.add(url)
