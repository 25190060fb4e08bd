"""The secret behind the erasure list: `audit.erased_identifiers` keeps HMAC-SHA256 of a person's normalised
email and phone under a key the operator holds, never a plain hash (a plain SHA-256 of a phone number is
reversed by trying every number: seconds).

Keys come from the environment, never from the repository or the warehouse file:
- `CRM_ERASURE_KEY`: the current secret (at least 32 characters; `python -c "import secrets;
  print(secrets.token_hex(32))"`). New rows are hashed with it.
- `CRM_ERASURE_OLD_KEYS`: earlier secrets, comma-separated, kept for checking the rows hashed with them.
Each row carries the key id it was made with: `k` + 10 hex digits of a SHA-256 of the secret (names the key,
reveals nothing usable). Without `CRM_ERASURE_KEY` the built-in DEMO key is used (key id `demo`): it is
public, so rows made with it protect nothing; it exists so `make run` and the tests work on a fresh clone,
and the erase command warns each time it is used. Rotation: docs/runbook.md.

The check runs in SQL (the send gates read the list through dbt views): HMAC-SHA256 is written there with
DuckDB's `sha256` over bytes, and the key reaches SQL only through the function `erasure_key_pad(key_id,
'inner'|'outer')`, registered on every connection the project opens (crm.warehouse.connect through `install`,
and dbt through the plugin in crm/erasure_plugin.py). The key never lands in a view definition or a table. A row whose key
is not configured makes the query fail with a message naming the fix: an erased person is never let through
because a key is missing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass

KEY_ENV = "CRM_ERASURE_KEY"
OLD_KEYS_ENV = "CRM_ERASURE_OLD_KEYS"
DEMO_KEY_ID = "demo"
# DEMO ONLY, NOT SECRET: published with the code. Set CRM_ERASURE_KEY in any real installation.
DEMO_SECRET = b"recruiting-crm DEMO erasure key: public, protects nothing; set CRM_ERASURE_KEY"
MIN_SECRET_CHARS = 32
SCHEME = "hmac-sha256"
# rows written before keyed hashes (plain SHA-256 of the value), migrated by wrapping: HMAC(key, sha256(value))
LEGACY_SCHEME = "hmac-sha256(sha256)"
BLOCK = 64  # SHA-256's block size in bytes


class ErasureKeyError(ValueError):
    pass


@dataclass(frozen=True)
class ErasureKey:
    key_id: str
    secret: bytes

    @property
    def is_demo(self) -> bool:
        return self.key_id == DEMO_KEY_ID

    def hash(self, value: str) -> str:
        return hmac.new(self.secret, value.encode(), hashlib.sha256).hexdigest()

    def pads(self) -> tuple[str, str]:
        """HMAC's inner and outer padded keys, hex: HMAC(k, m) = H(outer || H(inner || m))."""
        key = hashlib.sha256(self.secret).digest() if len(self.secret) > BLOCK else self.secret
        key = key.ljust(BLOCK, b"\0")
        return bytes(b ^ 0x36 for b in key).hex(), bytes(b ^ 0x5C for b in key).hex()


def key_id_for(secret: bytes) -> str:
    return "k" + hashlib.sha256(b"recruiting-crm erasure key id\0" + secret).hexdigest()[:10]


def _key(text: str, what: str) -> ErasureKey:
    text = text.strip()
    if len(text) < MIN_SECRET_CHARS:
        raise ErasureKeyError(
            f"{what} is shorter than {MIN_SECRET_CHARS} characters: use a long random secret, e.g. "
            'python -c "import secrets; print(secrets.token_hex(32))"'
        )
    secret = text.encode()
    return ErasureKey(key_id_for(secret), secret)


def current_key(environ: Mapping[str, str] | None = None) -> ErasureKey:
    """The key new rows are hashed with: CRM_ERASURE_KEY, or the public demo key when it is not set."""
    environ = os.environ if environ is None else environ
    text = environ.get(KEY_ENV, "")
    return _key(text, KEY_ENV) if text.strip() else ErasureKey(DEMO_KEY_ID, DEMO_SECRET)


def keyring(environ: Mapping[str, str] | None = None) -> dict[str, ErasureKey]:
    """Every key rows can be checked with: the current one, the old ones, and the demo key (rows made with
    it in a demo stay checkable; it is never used to write when CRM_ERASURE_KEY is set)."""
    environ = os.environ if environ is None else environ
    keys = [current_key(environ), ErasureKey(DEMO_KEY_ID, DEMO_SECRET)]
    keys += [
        _key(text, f"an entry of {OLD_KEYS_ENV}") for text in environ.get(OLD_KEYS_ENV, "").split(",") if text.strip()
    ]
    return {key.key_id: key for key in keys}


def register(con) -> None:
    """Make `erasure_key_pad(key_id, 'inner'|'outer')` available to SQL on this connection."""
    ring = {key_id: key.pads() for key_id, key in keyring().items()}

    def erasure_key_pad(key_id: str | None, which: str | None) -> str | None:
        if key_id is None:
            return None
        if key_id not in ring:
            raise ErasureKeyError(
                f"the erasure list has rows hashed with key {key_id}, which is not configured: set {KEY_ENV} to "
                f"that key, or add it to {OLD_KEYS_ENV} (docs/runbook.md, 'The erasure key')"
            )
        return ring[key_id][0 if which == "inner" else 1]

    try:
        con.create_function("erasure_key_pad", erasure_key_pad, ["VARCHAR", "VARCHAR"], "VARCHAR")
    except Exception as problem:  # registered on this connection already
        if "already" not in str(problem).lower():
            raise


def install() -> None:
    """Register `register` on every connection crm.warehouse opens and the migration of an unkeyed list on
    every schema check (crm/__init__.py calls this, so whoever imports crm.warehouse gets both)."""
    from crm import warehouse

    if register not in warehouse.CONNECTION_SETUP:
        warehouse.CONNECTION_SETUP.append(register)
    if migrate_erased_identifiers not in warehouse.SCHEMA_MIGRATIONS:
        warehouse.SCHEMA_MIGRATIONS.append(migrate_erased_identifiers)


def sql_keyed_hash(value_sql: str, key_id_sql: str) -> str:
    """HMAC-SHA256 (hex) of the text `value_sql` in DuckDB SQL; the same expression as the dbt macro
    `keyed_hash` (dbt_project/macros/text.sql). With placeholders, bind: key id, key id, value."""
    return (
        f"sha256(unhex(erasure_key_pad({key_id_sql}, 'outer')) || unhex(sha256("
        f"unhex(erasure_key_pad({key_id_sql}, 'inner')) || encode({value_sql}))))"
    )


def migrate_erased_identifiers(con) -> int:
    """An erasure list from before keyed hashes (kind, value_sha256, reference) becomes the keyed table: each
    plain SHA-256 is replaced by HMAC(current key, that SHA-256), so no unkeyed hash stays in the file and
    the rows still match (the check hashes the value with SHA-256 first for these rows). Returns the number
    of rows migrated; a table already migrated is left alone."""
    columns = {
        name
        for (name,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'audit' and table_name = 'erased_identifiers'"
        ).fetchall()
    }
    if "value_sha256" not in columns:
        return 0
    key = current_key()
    rows = con.execute("select kind, value_sha256, reference from audit.erased_identifiers").fetchall()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("ALTER TABLE audit.erased_identifiers RENAME TO erased_identifiers_unkeyed")
        con.execute(ERASED_IDENTIFIERS_DDL)
        if rows:
            con.executemany(
                "insert into audit.erased_identifiers values (?, ?, ?, ?, ?) on conflict do nothing",
                [(kind, key.hash(value), key.key_id, LEGACY_SCHEME, reference) for kind, value, reference in rows],
            )
        con.execute("DROP TABLE audit.erased_identifiers_unkeyed")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("CHECKPOINT")  # the dropped table's blocks are rewritten, not left readable in the file
    return len(rows)


ERASED_IDENTIFIERS_DDL = """
CREATE TABLE IF NOT EXISTS audit.erased_identifiers (
    kind        VARCHAR NOT NULL,  -- email | phone
    value_hmac  VARCHAR NOT NULL,  -- HMAC-SHA256 (hex) of the normalised value under key_id (crm/erasure_keys.py)
    key_id      VARCHAR NOT NULL,
    scheme      VARCHAR NOT NULL,  -- hmac-sha256 | hmac-sha256(sha256) (rows migrated from plain SHA-256)
    reference   VARCHAR NOT NULL,
    PRIMARY KEY (kind, key_id, value_hmac)
)"""
