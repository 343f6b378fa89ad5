"""Accepted deliveries and their jobs, persisted in SQLite so a restart loses nothing."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_ATTEMPTS = 3
# A running job's lease: its worker renews it every LEASE_SECONDS / 3, so a worker that died (killed, or its
# host rebooted) hands the job on within LEASE_SECONDS; a restart on the same host reclaims it at once.
LEASE_SECONDS = 30.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    partition TEXT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    lease_until REAL,
    owner TEXT,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (status, not_before);
"""


@dataclass(frozen=True)
class Job:
    id: int | str  # the SQLite row, or the RQ job ID
    kind: str
    payload: dict
    attempts: int


class JobStore:
    """A small durable queue: one row per job, claimed under a lease so a crashed worker's job returns."""

    def __init__(self, path: Path, per_partition: int = 2):
        """`per_partition`: at most this many jobs of one installation run at once, across all workers."""
        self.path = Path(path)
        self.per_partition = per_partition
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
            if "partition" not in columns:  # a queue file from before the limit existed
                db.execute("ALTER TABLE jobs ADD COLUMN partition TEXT")
            if "owner" not in columns:  # a queue file from before leases were heartbeated
                db.execute("ALTER TABLE jobs ADD COLUMN owner TEXT")

    @contextlib.contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        # One connection per thread, kept: opening and closing one per webhook cost more than the write
        # (closing the last connection of a WAL database checkpoints it). A forked process opens its own.
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            # WAL + NORMAL: a commit survives a crashed or restarted process without an fsync per webhook;
            # only an operating-system crash or power loss can drop the last few acknowledged deliveries.
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db, self._local.pid = db, os.getpid()
        # Writers of this process queue on a lock rather than in SQLite's busy handler, which backs off
        # up to 100 ms between tries; only the other processes' writers can still make one wait.
        with self._write_lock if write else contextlib.nullcontext():
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def accept(self, delivery_id: str, event: str, kind: str | None = None, payload: dict | None = None,
               idempotency_key: str | None = None, partition: str | None = None) -> bool:
        """Record a delivery and, when given, its job. False when the delivery (or its job) was seen before."""
        now = time.time()
        with self._connect(write=True) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("INSERT INTO deliveries (id, event, received_at) VALUES (?, ?, ?)",
                           (delivery_id, event, now))
            except sqlite3.IntegrityError:
                db.execute("ROLLBACK")
                return False
            created = True
            if kind is not None:
                # The same comment delivered under another ID is still the same job.
                created = db.execute(
                    "INSERT OR IGNORE INTO jobs (delivery_id, idempotency_key, partition, kind, payload, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (delivery_id, idempotency_key, partition, kind, json.dumps(payload or {}), now, now)).rowcount == 1
            db.execute("COMMIT")
            return created

    def claim(self, lease_seconds: float = LEASE_SECONDS, owner: str | None = None) -> Job | None:
        """The oldest ready job, leased to `owner` (a worker's `owner_id()`) for `lease_seconds`."""
        now = time.time()
        with self._connect(write=True) as db:
            db.execute("BEGIN IMMEDIATE")
            # Oldest ready job whose installation is not already at its limit of running jobs.
            row = db.execute(
                "SELECT id, kind, payload, attempts FROM jobs AS j WHERE not_before <= ? AND attempts < ? AND"
                " (status = 'queued' OR (status = 'running' AND lease_until < ?)) AND (partition IS NULL OR"
                " (SELECT COUNT(*) FROM jobs AS r WHERE r.partition = j.partition AND r.status = 'running'"
                " AND r.lease_until >= ?) < ?) ORDER BY id LIMIT 1",
                (now, MAX_ATTEMPTS, now, now, self.per_partition)).fetchone()
            if row is None:
                db.execute("COMMIT")
                return None
            db.execute("UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?, owner = ?,"
                       " updated_at = ? WHERE id = ?", (now + lease_seconds, owner, now, row[0]))
            db.execute("COMMIT")
        return Job(row[0], row[1], json.loads(row[2]), row[3] + 1)

    def renew(self, job_id: int, owner: str | None, lease_seconds: float = LEASE_SECONDS) -> bool:
        """Extend a running job's lease (the worker's heartbeat); False when it is no longer this owner's."""
        now = time.time()
        with self._connect(write=True) as db:
            return db.execute("UPDATE jobs SET lease_until = ? WHERE id = ? AND status = 'running' AND owner IS ?",
                              (now + lease_seconds, job_id, owner)).rowcount == 1

    def release_dead_owners(self, is_dead) -> int:
        """End at once the leases of running jobs whose owner `is_dead(owner)` says is gone (a restart on the
        same host need not wait out the lease). Returns how many were released."""
        now = time.time()
        with self._connect(write=True) as db:
            db.execute("BEGIN IMMEDIATE")
            rows = db.execute("SELECT id, owner FROM jobs WHERE status = 'running' AND lease_until >= ?",
                              (now,)).fetchall()
            dead = [job_id for job_id, owner in rows if owner and is_dead(owner)]
            for job_id in dead:
                db.execute("UPDATE jobs SET lease_until = ? WHERE id = ?", (now - 1, job_id))
            db.execute("COMMIT")
        return len(dead)

    def take_abandoned(self) -> list[Job]:
        """Mark failed, and return, the jobs whose last attempt's lease ran out: their worker died under them."""
        now = time.time()
        with self._connect(write=True) as db:
            rows = db.execute(
                "UPDATE jobs SET status = 'failed', error = 'abandoned: its worker stopped on the last attempt',"
                " lease_until = NULL, updated_at = ? WHERE status = 'running' AND lease_until < ? AND attempts >= ?"
                " RETURNING id, kind, payload, attempts", (now, now, MAX_ATTEMPTS)).fetchall()
        return [Job(row[0], row[1], json.loads(row[2]), row[3]) for row in rows]

    def complete(self, job_id: int) -> None:
        self._finish(job_id, "done", None)

    def fail(self, job_id: int, error: str, retry_in: float | None) -> None:
        """Give the job back for another attempt after `retry_in` seconds, or mark it failed."""
        if retry_in is None:
            self._finish(job_id, "failed", error)
            return
        with self._connect(write=True) as db:
            db.execute("UPDATE jobs SET status = 'queued', error = ?, not_before = ?, lease_until = NULL,"
                       " updated_at = ? WHERE id = ?", (error, time.time() + retry_in, time.time(), job_id))

    def _finish(self, job_id: int, status: str, error: str | None) -> None:
        with self._connect(write=True) as db:
            db.execute("UPDATE jobs SET status = ?, error = ?, lease_until = NULL, updated_at = ? WHERE id = ?",
                       (status, error, time.time(), job_id))

    def ping(self) -> None:
        """Raise unless the database file is there and readable (a fresh connection, not the kept ones)."""
        db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=rw", uri=True, timeout=5)
        try:
            db.execute("SELECT 1 FROM jobs LIMIT 1").fetchall()
        finally:
            db.close()

    def counts(self) -> dict[str, int]:
        with self._connect() as db:
            return dict(db.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall())

    def jobs(self) -> list[dict]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT * FROM jobs ORDER BY id").fetchall()]
