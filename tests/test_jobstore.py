"""The durable queue: dedupe, leases, retries, and surviving a restart."""

from __future__ import annotations

import threading
import time

from bot.app.jobstore import MAX_ATTEMPTS, JobStore
from bot.app.worker import Worker


def test_a_delivery_is_accepted_once_even_after_a_restart(tmp_path):
    store = JobStore(tmp_path / "q.sqlite3")
    assert store.accept("d-1", "issue_comment", "comment", {"n": 1}, idempotency_key="c-1")
    assert not store.accept("d-1", "issue_comment", "comment", {"n": 1}, idempotency_key="c-1")
    reopened = JobStore(tmp_path / "q.sqlite3")
    assert not reopened.accept("d-1", "issue_comment", "comment", {"n": 1}, idempotency_key="c-1")
    job = reopened.claim()
    assert job.payload == {"n": 1} and job.attempts == 1


def test_the_same_comment_under_another_delivery_id_makes_no_second_job(tmp_path):
    store = JobStore(tmp_path / "q.sqlite3")
    assert store.accept("d-1", "issue_comment", "comment", {}, idempotency_key="c-1")
    assert not store.accept("d-2", "issue_comment", "comment", {}, idempotency_key="c-1")
    assert len(store.jobs()) == 1


def test_a_claimed_job_whose_worker_died_is_claimed_again_after_its_lease(tmp_path):
    store = JobStore(tmp_path / "q.sqlite3")
    store.accept("d-1", "issue_comment", "comment", {})
    first = store.claim(lease_seconds=0.2)
    assert store.claim() is None  # leased
    time.sleep(0.3)
    again = store.claim()
    assert again.id == first.id and again.attempts == 2


def test_a_job_whose_last_attempt_died_with_its_worker_is_answered_once(tmp_path):
    store = JobStore(tmp_path / "q.sqlite3")
    store.accept("d-1", "issue_comment", "comment", {"delivery_id": "d-1"})
    for _ in range(MAX_ATTEMPTS):  # each attempt's worker dies: the lease just runs out
        assert store.claim(lease_seconds=0.05) is not None
        time.sleep(0.1)
    given_up = []
    worker = Worker(store, lambda job: None, give_up=given_up.append)
    assert worker.run_once() is False and worker.run_once() is False
    (job,) = given_up
    assert job.attempts == MAX_ATTEMPTS and job.payload == {"delivery_id": "d-1"}
    (row,) = store.jobs()
    assert row["status"] == "failed" and "abandoned" in row["error"]


def test_failures_retry_with_backoff_then_stop(tmp_path):
    store = JobStore(tmp_path / "q.sqlite3")
    store.accept("d-1", "e", "comment", {})
    calls = []

    def boom(job):
        calls.append(job.attempts)
        raise RuntimeError("GitHub is down")

    worker = Worker(store, boom, retry_base_seconds=0)
    assert worker.run_until_idle() == MAX_ATTEMPTS
    assert calls == list(range(1, MAX_ATTEMPTS + 1))
    (row,) = store.jobs()
    assert row["status"] == "failed" and "GitHub is down" in row["error"]


def test_claims_are_exclusive_across_threads(tmp_path):
    store = JobStore(tmp_path / "q.sqlite3")
    for i in range(40):
        store.accept(f"d-{i}", "e", "comment", {"i": i})
    seen, lock = [], threading.Lock()

    def drain():
        while (job := store.claim()) is not None:
            with lock:
                seen.append(job.payload["i"])
            store.complete(job.id)

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(40))
    assert store.counts() == {"done": 40}


def test_the_background_worker_runs_jobs_as_they_arrive(tmp_path):
    store = JobStore(tmp_path / "q.sqlite3")
    done = threading.Event()
    worker = Worker(store, lambda job: done.set(), poll_seconds=5)
    worker.start()
    try:
        store.accept("d-1", "e", "comment", {})
        worker.wake()
        assert done.wait(3)
    finally:
        worker.stop()


def test_one_installation_cannot_take_every_worker(tmp_path):
    store = JobStore(tmp_path / "q.sqlite3", per_partition=1)
    for i, installation in enumerate(["A", "A", "A", "B"]):
        store.accept(f"d-{i}", "e", "comment", {"i": i}, partition=installation)
    first = store.claim()
    second = store.claim()
    assert (first.payload["i"], second.payload["i"]) == (0, 3)  # A is at its limit, so B's job goes next
    assert store.claim() is None
    store.complete(first.id)
    assert store.claim().payload["i"] == 1


def test_a_queue_file_from_before_the_limit_is_upgraded(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE deliveries (id TEXT PRIMARY KEY, event TEXT NOT NULL, received_at REAL NOT NULL);"
                     "CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, delivery_id TEXT NOT NULL,"
                     " idempotency_key TEXT UNIQUE, kind TEXT NOT NULL, payload TEXT NOT NULL,"
                     " status TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0,"
                     " not_before REAL NOT NULL DEFAULT 0, lease_until REAL, error TEXT, created_at REAL NOT NULL,"
                     " updated_at REAL NOT NULL);"
                     "INSERT INTO jobs (delivery_id, kind, payload, created_at, updated_at)"
                     " VALUES ('old', 'comment', '{}', 0, 0);")
    db.commit()
    db.close()
    store = JobStore(path)
    assert store.claim().payload == {}


def test_a_running_job_keeps_its_lease_while_its_worker_lives(tmp_path):
    store = JobStore(tmp_path / "q.sqlite3")
    store.accept("d-1", "issue_comment", "comment", {"n": 1})
    stolen = []

    def slow(job):  # runs for several leases; another worker keeps asking for work meanwhile
        for _ in range(12):
            stolen.append(store.claim(lease_seconds=5, owner="someone-else"))
            time.sleep(0.1)

    worker = Worker(store, slow, lease_seconds=0.3)
    assert worker.run_once()
    assert stolen and all(job is None for job in stolen)
    assert store.counts() == {"done": 1}


def test_a_dead_workers_job_is_taken_at_once_by_a_worker_restarted_on_its_host(tmp_path):
    import subprocess
    import sys

    store = JobStore(tmp_path / "q.sqlite3")
    store.accept("d-1", "issue_comment", "comment", {"n": 1})
    claim = ("import sys, time; from pathlib import Path; from bot.app.jobstore import JobStore;"
             "from bot.app.worker import owner_id; s = JobStore(Path(sys.argv[1]));"
             "print(s.claim(owner=owner_id()).id, flush=True); time.sleep(60)")
    doomed = subprocess.Popen([sys.executable, "-c", claim, str(tmp_path / "q.sqlite3")], stdout=subprocess.PIPE,
                              text=True)
    assert doomed.stdout.readline().strip() == "1"  # the job is leased to the doomed process for 30 s
    doomed.kill()
    doomed.wait()
    assert store.claim(owner="another-host:1:1") is None  # its lease has not run out
    handled = []
    worker = Worker(store, handled.append)  # a restart: it sees the owner is gone from this host
    assert worker.run_once() and [job.payload for job in handled] == [{"n": 1}]
    assert handled[0].attempts == 2 and store.counts() == {"done": 1}


def test_a_live_owner_or_one_on_another_host_keeps_its_lease(tmp_path):
    from bot.app.worker import owner_id, owner_is_dead

    assert not owner_is_dead(owner_id())  # this very process
    assert not owner_is_dead("some-other-host:1:1")  # not ours to judge: its lease decides
    assert owner_is_dead(owner_id().rsplit(":", 1)[0] + ":0")  # this pid, but started at another time
    store = JobStore(tmp_path / "q.sqlite3")
    store.accept("d-1", "issue_comment", "comment", {})
    assert store.claim(owner=owner_id()) is not None
    assert store.release_dead_owners(owner_is_dead) == 0 and store.claim(owner="x") is None
