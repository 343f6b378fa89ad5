"""Scale-out on Redis: shared dedupe across web processes, `vibeops worker`, crashes and GitHub faults."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from bot.app.redis_queue import RedisQueue
from bot.app.settings import Settings, SettingsError
from bot.app.web import create_app
from tests import payloads
from tests.appkit import BRANCH, INSTALLATION, REPO, SECRET, SEED, bot_pulls, comment_ids, demo_files, replies
from tests.scaleout import BIN, app_env, kill_group, start_worker, wait_for


def web_process(github, queue_url: str, data_dir, embedded_worker: bool = True):
    """One web process of the deployment, as gunicorn would build it, on the shared queue."""
    settings = Settings(app_id=github.app_id, private_key=github.private_key_pem.decode(), webhook_secret=SECRET,
                        api_url=github.base_url, data_dir=data_dir, queue_url=queue_url,
                        embedded_worker=embedded_worker)
    app = create_app(settings, start_worker=False)
    assert (app.extensions["vibeops"]["worker"] is None) == (bool(queue_url) or not embedded_worker)
    return app.test_client()


def comment_delivery(github, body: str = SEED, number: int = 1, repo: str = REPO, user: str = "alice"):
    comment_id = next(comment_ids)
    github.add_issue_comment(repo, number, comment_id, body, user=user)
    payload = payloads.issue_comment_created(repo, number, comment_id, body, user=user,
                                             installation_id=INSTALLATION, base_url=github.base_url)
    return comment_id, payloads.dumps(payload)


def post(client, body: bytes, delivery: str, secret: str = SECRET):
    return client.post("/api/github/webhooks", data=body,
                       headers=payloads.headers("issue_comment", delivery, body, secret))


def test_web_processes_share_the_delivery_and_comment_dedupe(github, redis_url, tmp_path):
    first, second = web_process(github, redis_url, tmp_path), web_process(github, redis_url, tmp_path)
    _, body = comment_delivery(github)
    assert post(first, body, "d-1").status_code == 202
    assert post(second, body, "d-1").get_json() == {"duplicate": "d-1"}  # a redelivery, to the other process
    assert post(second, body, "d-2").get_json() == {"duplicate": "d-2"}  # the same comment under a new ID
    assert RedisQueue(redis_url).counts()["queued"] == 1
    redis = RedisQueue(redis_url).redis
    assert redis.ttl("vibeops:delivery:d-1") > 6 * 24 * 3600  # kept past GitHub's three days of redelivery
    metrics = second.get("/metrics").get_data(as_text=True)  # counted by both processes, shown by either
    assert 'vibeops_deliveries_total{event="issue_comment",outcome="accepted"} 1.0' in metrics
    assert 'vibeops_deliveries_total{event="issue_comment",outcome="duplicate"} 2.0' in metrics
    assert 'vibeops_jobs{status="queued"} 1.0' in metrics


def test_any_delivery_id_makes_a_job(redis_url):
    queue = RedisQueue(redis_url)
    for installation, delivery in enumerate(("72d3162e-cc78-11e3-81ab-4c9367dc0958", "retry.1/of:it", "ü" * 300)):
        assert queue.accept(delivery, "issue_comment", "comment", {}, f"key-{delivery}", str(installation))
    assert queue.queue.count == 3
    assert "delivery-72d3162e-cc78-11e3-81ab-4c9367dc0958" in queue.queue.job_ids


def test_an_unreachable_queue_is_not_ready_and_refuses_deliveries_with_503(github, tmp_path):
    client = web_process(github, f"unix://{tmp_path}/nothing-here.sock", tmp_path)
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503
    _, body = comment_delivery(github)
    answer = post(client, body, "d-down")
    assert answer.status_code == 503 and "redeliver" in answer.get_json()["error"]


def test_one_installation_cannot_fill_the_queue_ahead_of_others(redis_url):
    queue = RedisQueue(redis_url, per_partition=1)
    for index in range(3):
        assert queue.accept(f"busy-{index}", "issue_comment", "comment", {"n": index}, f"key-busy-{index}", "7")
    assert queue.accept("quiet-0", "issue_comment", "comment", {"n": 0}, "key-quiet-0", "8")
    # One job of each installation is on the queue; installation 7's other two wait for its slot.
    assert queue.queue.count == 2
    assert sorted(job.args[1]["n"] for job in queue.queue.jobs) == [0, 0]
    assert queue.counts()["queued"] == 4


def test_queue_setting_must_be_a_redis_url():
    base = {"APP_ID": "1", "PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----x", "WEBHOOK_SECRET": "s"}
    assert Settings.from_env({**base, "VIBEOPS_QUEUE": "redis://cache:6379/0"}).queue_url == "redis://cache:6379/0"
    assert Settings.from_env(base).queue_url == ""
    with pytest.raises(SettingsError, match="VIBEOPS_QUEUE must be a Redis URL"):
        Settings.from_env({**base, "VIBEOPS_QUEUE": "amqp://rabbit"})
    with pytest.raises(SettingsError, match="VIBEOPS_WORKER_HEARTBEAT_SECONDS"):
        Settings.from_env({**base, "VIBEOPS_WORKER_HEARTBEAT_SECONDS": "0"})
    assert Settings.from_env(base).embedded_worker is True
    assert Settings.from_env({**base, "VIBEOPS_EMBEDDED_WORKER": "0"}).embedded_worker is False
    with pytest.raises(SettingsError, match="VIBEOPS_EMBEDDED_WORKER must be 1 or 0"):
        Settings.from_env({**base, "VIBEOPS_EMBEDDED_WORKER": "sometimes"})


def test_worker_with_no_reachable_redis_says_so_and_exits_2(github, tmp_path):
    env = app_env(github, f"unix://{tmp_path}/nothing-here.sock", tmp_path)
    result = subprocess.run([str(BIN / "vibeops"), "worker", "--burst"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "cannot reach the Redis queue" in result.stderr and "Traceback" not in result.stderr


def test_worker_and_serve_without_settings_say_which_and_exit_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("WEBHOOK_SECRET", "APP_ID", "PRIVATE_KEY")}
    first_missing = {"serve": "WEBHOOK_SECRET is not set", "worker": "APP_ID must be"}  # workers take no webhooks
    for command in ("worker", "serve"):
        result = subprocess.run([str(BIN / "vibeops"), command], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 2
        assert result.stderr.startswith(f"vibeops {command}: {first_missing[command]}")


def test_a_worker_runs_the_request_once(github, redis_url, tmp_path):
    client = web_process(github, redis_url, tmp_path)
    comment_id, body = comment_delivery(github)
    assert post(client, body, "w-1").status_code == 202
    worker = start_worker(app_env(github, redis_url, tmp_path), tmp_path / "worker.log", burst=True)
    assert worker.wait(120) == 0, (tmp_path / "worker.log").read_text()
    (pull,) = bot_pulls(github)
    assert pull["head"] == "vibeops/trivy-config-k8s-manifests-api-99997fb9"
    assert len(replies(github, 1)) == 1 and github.reactions(REPO, comment_id) == ["eyes", "rocket"]
    log_lines = [json.loads(line) for line in (tmp_path / "worker.log").read_text().splitlines() if line.startswith("{")]
    assert any(line.get("delivery") == "w-1" and "opened" in line["message"] for line in log_lines)
    assert RedisQueue(redis_url).counts() == {"queued": 0, "running": 0, "done": 1, "failed": 0}


def kill_a_worker_mid_job(github, redis_url: str, tmp_path, delivery: str, heartbeat: str = "1"):
    """Post the seed request; `kill -9` the worker running it once its pull request exists, before its reply.

    With `redis_url` "" it is the SQLite queue, worked by `vibeops worker` processes."""
    client = web_process(github, redis_url, tmp_path, embedded_worker=bool(redis_url))
    comment_id, body = comment_delivery(github)
    github.delay(30, "GET", rf"/repos/{REPO}/issues/1/comments$")  # the job stalls right there
    assert post(client, body, delivery).status_code == 202
    env = app_env(github, redis_url, tmp_path, VIBEOPS_WORKER_HEARTBEAT_SECONDS=heartbeat)
    doomed = start_worker(env, tmp_path / "doomed.log")
    try:
        wait_for(lambda: bot_pulls(github), 120, "the first worker to open the pull request")
        time.sleep(0.5)  # now inside the stalled request
    finally:
        kill_group(doomed)
    github.clear_faults()
    return client, comment_id, env


def test_a_worker_killed_mid_job_leaves_the_job_to_another_which_finishes_it_once(github, redis_url, tmp_path):
    _, comment_id, env = kill_a_worker_mid_job(github, redis_url, tmp_path, "k-1")
    assert replies(github, 1) == [] and RedisQueue(redis_url).counts()["running"] == 1
    rescuer = start_worker(env, tmp_path / "rescuer.log")
    try:
        wait_for(lambda: RedisQueue(redis_url).counts()["done"] == 1, 90, "the second worker to finish the job")
    finally:
        kill_group(rescuer, signal.SIGTERM)
    assert len(bot_pulls(github)) == 1
    assert set(github.branches(REPO)) == {"main", "vibeops/trivy-config-k8s-manifests-api-99997fb9"}
    assert len(github.commits_on(REPO, "vibeops/trivy-config-k8s-manifests-api-99997fb9")) == 2  # main's and the bot's
    (reply,) = replies(github, 1)
    assert "Opened #" in reply
    assert github.reactions(REPO, comment_id) == ["eyes", "rocket"]
    assert "k-1" in (tmp_path / "doomed.log").read_text()  # both workers really ran it
    rescued = (tmp_path / "rescuer.log").read_text()
    assert "delivery-k-1 was abandoned by a worker that died; 2 attempt(s) left" in rescued
    assert "delivery k-1: opened" in rescued


def test_jobs_complete_through_server_errors_rate_limits_and_slow_answers(github, redis_url, tmp_path):
    repos = [REPO] + [f"acme/shop-{n}" for n in range(1, 4)]
    files = demo_files()
    for repo in repos[1:]:
        github.add_repo(repo, files)
        github.set_permission(repo, "alice", "write")
        github.add_issue(repo, 1, "Scan the API manifest")
    github.add_installation(INSTALLATION, repos)
    github.fail_next("POST", r"/git/trees$", 502, times=2)
    github.fail_next("POST", r"/pulls$", 429, times=1, headers={"Retry-After": "1"},
                     body={"message": "You have exceeded a secondary rate limit."})
    github.fail_next("GET", r"/tarball/", 503, times=1)
    github.delay(3, "GET", r"/collaborators/", times=2)
    client = web_process(github, redis_url, tmp_path)
    comments = {}
    for index, repo in enumerate(repos):
        comment_id, body = comment_delivery(github, repo=repo)
        comments[repo] = comment_id
        assert post(client, body, f"f-{index}").status_code == 202
    env = app_env(github, redis_url, tmp_path)
    workers = [start_worker(env, tmp_path / f"worker-{n}.log") for n in range(2)]
    try:
        wait_for(lambda: RedisQueue(redis_url).counts()["done"] == len(repos), 180, "every job to finish")
    finally:
        for worker in workers:
            kill_group(worker, signal.SIGTERM)
    for repo in repos:
        assert [p["head"] for p in github.pulls(repo) if p["head"] != "main"] == [
            "vibeops/trivy-config-k8s-manifests-api-99997fb9"], repo
        assert len([c for c in github.comments(repo, 1) if c["user"] == github.bot_login]) == 1, repo
        assert github.reactions(repo, comments[repo]) == ["eyes", "rocket"], repo
    assert RedisQueue(redis_url).counts()["failed"] == 0


def test_sigterm_mid_job_finishes_the_job_then_stops(github, redis_url, tmp_path):
    client = web_process(github, redis_url, tmp_path)
    comment_id, body = comment_delivery(github)
    github.delay(3, "GET", rf"/repos/{REPO}/issues/1/comments$")
    assert post(client, body, "t-1").status_code == 202
    worker = start_worker(app_env(github, redis_url, tmp_path), tmp_path / "worker.log")
    try:
        wait_for(lambda: bot_pulls(github), 120, "the worker to be mid-job")
        worker.send_signal(signal.SIGTERM)  # what Kubernetes sends the container's main process
        assert worker.wait(60) == 0
    finally:
        kill_group(worker)
    assert len(replies(github, 1)) == 1 and github.reactions(REPO, comment_id) == ["eyes", "rocket"]
    assert RedisQueue(redis_url).counts() == {"queued": 0, "running": 0, "done": 1, "failed": 0}


def test_on_sqlite_a_worker_restarted_after_kill_9_finishes_the_job_once_without_waiting_out_a_lease(github, tmp_path):
    from bot.app.jobstore import JobStore

    # 180 s leases: only the restarted worker's own check of the dead owner can be quick.
    _, comment_id, env = kill_a_worker_mid_job(github, "", tmp_path, "q-1", heartbeat="60")
    store = JobStore(tmp_path / "jobs.sqlite3")
    assert replies(github, 1) == [] and store.counts() == {"running": 1}
    restarted = start_worker(env, tmp_path / "restarted.log")
    try:
        wait_for(lambda: store.counts() == {"done": 1}, 60, "the restarted worker to finish the job")
    finally:
        kill_group(restarted, signal.SIGTERM)
    assert len(bot_pulls(github)) == 1
    assert len(github.commits_on(REPO, BRANCH)) == 2  # main's and the bot's
    (reply,) = replies(github, 1)
    assert "Opened #" in reply and github.reactions(REPO, comment_id) == ["eyes", "rocket"]
    assert "a worker that died on this host are queued again" in (tmp_path / "restarted.log").read_text()


def test_on_sqlite_a_running_worker_takes_over_a_dead_ones_job_when_its_lease_lapses(github, tmp_path):
    import sqlite3

    from bot.app.jobstore import JobStore

    _, comment_id, env = kill_a_worker_mid_job(github, "", tmp_path, "q-2")  # 3 s leases
    with sqlite3.connect(tmp_path / "jobs.sqlite3") as db:  # as if the dead worker had lived on another host
        db.execute("UPDATE jobs SET owner = 'another-host:1:1'")
    store = JobStore(tmp_path / "jobs.sqlite3")
    other = start_worker(env, tmp_path / "other.log")
    try:
        wait_for(lambda: store.counts() == {"done": 1}, 60, "the other worker to finish the job")
    finally:
        kill_group(other, signal.SIGTERM)
    assert len(bot_pulls(github)) == 1 and len(replies(github, 1)) == 1


def test_without_a_redis_url_the_worker_command_works_the_sqlite_queue(github, tmp_path):
    client = web_process(github, "", tmp_path, embedded_worker=False)  # VIBEOPS_EMBEDDED_WORKER=0
    comment_id, body = comment_delivery(github)
    assert post(client, body, "s-1").status_code == 202
    env = app_env(github, "", tmp_path)
    del env["WEBHOOK_SECRET"]  # a worker takes no webhooks, so it needs no webhook secret
    worker = start_worker(env, tmp_path / "worker.log", burst=True)
    assert worker.wait(120) == 0, (tmp_path / "worker.log").read_text()
    assert len(bot_pulls(github)) == 1 and len(replies(github, 1)) == 1
    assert github.reactions(REPO, comment_id) == ["eyes", "rocket"]


def test_a_job_whose_last_attempt_dies_with_its_worker_is_answered_not_dropped(github, redis_url, tmp_path):
    client, comment_id, env = kill_a_worker_mid_job(github, redis_url, tmp_path, "g-1")
    job = RedisQueue(redis_url).queue.fetch_job("delivery-g-1")
    job.retries_left = 0  # as if this was its third worker to die
    job.save()
    rescuer = start_worker(env, tmp_path / "rescuer.log")
    try:
        wait_for(lambda: RedisQueue(redis_url).counts()["failed"] == 1, 60, "the job to be given up")
        wait_for(lambda: "confused" in github.reactions(REPO, comment_id), 30, "the answer in the thread")
    finally:
        kill_group(rescuer, signal.SIGTERM)
    (reply,) = replies(github, 1)
    assert "stopped before finishing, 3 times" in reply
    assert github.reactions(REPO, comment_id) == ["eyes", "confused"]
    assert 'vibeops_jobs_total{kind="comment",outcome="abandoned"} 1.0' in client.get("/metrics").get_data(as_text=True)
