"""Webhook intake, attacked: signatures, delivery IDs, deduplication and bounded metric labels (issues 12, 20)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from bot.app.delivery import signature_valid
from bot.app.jobstore import JobStore
from bot.app.settings import Settings
from bot.app.web import EVENT_LABELS, create_app, event_label
from bot.app.worker import Worker
from tests.realdata import realdata

SECRET = "intake-secret"
PATH = "/api/github/webhooks"


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def app(tmp_path, rsa_private_key_pem):
    settings = Settings(app_id=1, private_key=rsa_private_key_pem.decode(), webhook_secret=SECRET, data_dir=tmp_path)
    store = JobStore(tmp_path / "jobs.sqlite3")
    return create_app(settings, store=store, worker=Worker(store, lambda job: None), start_worker=False)


def comment_payload(comment_id: int = 7, repo: str = "acme/wordsmith", body: str = "/vibeops help") -> dict:
    payload = json.loads(realdata("webhooks", "issue_comment", "created.payload.json").read_text())
    payload["comment"]["body"], payload["comment"]["id"] = body, comment_id
    payload["repository"]["full_name"] = repo
    payload["installation"] = {"id": 99, "node_id": "x"}
    return payload


def pull_payload(sha: str, action: str = "synchronize", number: int = 3) -> dict:
    payload = json.loads(realdata("webhooks", "pull_request", "synchronize.payload.json").read_text())
    payload["action"] = action
    payload["number"] = payload["pull_request"]["number"] = number
    payload["pull_request"]["head"]["sha"] = sha
    payload["pull_request"]["merged"] = False
    payload["installation"] = {"id": 99, "node_id": "x"}
    return payload


def post(app, payload, event="issue_comment", delivery: str | None = "d-1", signature: str | None = None,
         raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"X-GitHub-Event": event, "Content-Type": "application/json"}
    if delivery is not None:
        headers["X-GitHub-Delivery"] = delivery
    headers["X-Hub-Signature-256"] = sign(body) if signature is None else signature
    return app.test_client().post(PATH, data=body, headers=headers)


def queued(app) -> list:
    return app.extensions["vibeops"]["store"].jobs()


# --- the signature --------------------------------------------------------------------------------------------


def test_the_signature_is_the_hmac_of_exactly_these_bytes_with_exactly_this_secret():
    body = b'{"a": 1}'
    good = sign(body)
    assert signature_valid(body, good, SECRET) is True
    assert signature_valid(body + b" ", good, SECRET) is False  # another body
    assert signature_valid(body, good, SECRET + "x") is False  # another secret
    assert signature_valid(body, good.upper().replace("SHA256=", "sha256="), SECRET) is False  # hex case matters
    assert signature_valid(body, "SHA256=" + good[7:], SECRET) is False  # the prefix is exact
    assert signature_valid(body, "sha1=" + good[7:], SECRET) is False
    assert signature_valid(body, good[7:], SECRET) is False  # no prefix
    assert signature_valid(body, good + "0", SECRET) is False
    assert signature_valid(body, good[:-1], SECRET) is False
    assert signature_valid(body, "sha256=", SECRET) is False
    assert signature_valid(body, "", SECRET) is False
    assert signature_valid(body, None, SECRET) is False


@pytest.mark.parametrize("header", ["sha256=é" + "0" * 63, "sha256=" + "\u0660" * 64, "sha256=\u2028"])
def test_a_non_ascii_signature_is_refused_not_a_crash(app, header):
    assert signature_valid(b"{}", header, SECRET) is False
    answer = post(app, comment_payload(), signature=header)
    assert answer.status_code == 401 and queued(app) == []


# --- the delivery ID ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("delivery", [None, "", " ", "-x", "a" * 101, "id with spaces", "../../x", "é"])
def test_a_signed_delivery_without_a_usable_delivery_id_is_400_and_not_queued(app, delivery):
    answer = post(app, comment_payload(), delivery=delivery)
    assert answer.status_code == 400 and "X-GitHub-Delivery" in answer.get_json()["error"]
    assert queued(app) == []
    assert post(app, comment_payload(), delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958").status_code == 202


def test_a_signed_delivery_without_an_event_or_with_a_non_object_body_is_400(app):
    assert post(app, comment_payload(), event="").status_code == 400
    assert post(app, [comment_payload()]).status_code == 400
    assert post(app, None, raw=b"not json").status_code == 400
    assert queued(app) == []


def test_an_unsigned_delivery_is_401_before_anything_is_read(app):
    assert post(app, None, raw=b"not json", signature="").status_code == 401
    assert post(app, comment_payload(), delivery=None, signature="sha256=" + "0" * 64).status_code == 401
    assert queued(app) == []


# --- deduplication --------------------------------------------------------------------------------------------


def test_a_delivery_id_is_taken_once(app):
    assert post(app, comment_payload(1), delivery="a").status_code == 202
    again = post(app, comment_payload(2), delivery="a")  # the same ID with another body is still a replay
    assert again.status_code == 200 and again.get_json() == {"duplicate": "a"}
    assert len(queued(app)) == 1


def test_the_same_comment_under_another_delivery_id_is_one_job(app):
    assert post(app, comment_payload(1), delivery="a").status_code == 202
    assert post(app, comment_payload(1), delivery="b").get_json() == {"duplicate": "b"}
    assert post(app, comment_payload(2), delivery="c").status_code == 202  # another comment
    assert post(app, comment_payload(1, repo="acme/other"), delivery="d").status_code == 202  # another repository
    review = comment_payload(1)
    review["pull_request"] = {"number": 3}
    assert post(app, review, event="pull_request_review_comment", delivery="e").status_code == 202  # another event
    assert len(queued(app)) == 4


def test_a_pull_request_is_rechecked_once_per_head_and_once_when_closed(app):
    sha_a, sha_b = "a" * 40, "b" * 40
    assert post(app, pull_payload(sha_a), event="pull_request", delivery="p1").status_code == 202
    assert post(app, pull_payload(sha_a), event="pull_request", delivery="p2").status_code == 200
    assert post(app, pull_payload(sha_b), event="pull_request", delivery="p3").status_code == 202
    assert post(app, pull_payload(sha_a, number=4), event="pull_request", delivery="p4").status_code == 202
    closed = pull_payload(sha_b, action="closed")
    assert post(app, closed, event="pull_request", delivery="p5").status_code == 202
    assert post(app, pull_payload(sha_a, action="closed"), event="pull_request", delivery="p6").status_code == 200
    kinds = [(job["kind"], json.loads(job["payload"])["head_sha"], json.loads(job["payload"])["closed_unmerged"])
             for job in queued(app)]
    assert kinds == [("pull_request", sha_a, False), ("pull_request", sha_b, False), ("pull_request", sha_a, False),
                     ("pull_request", sha_b, True)]


def test_the_job_keeps_the_installation_as_its_partition_and_carries_no_secret(app):
    assert post(app, comment_payload(), delivery="z").status_code == 202
    (job,) = queued(app)
    assert job["partition"] == "99" and json.loads(job["payload"])["installation_id"] == 99
    assert SECRET not in job["payload"]


# --- metrics labels come from closed sets ---------------------------------------------------------------------


def test_event_labels_are_a_closed_set():
    assert event_label("issue_comment") == "issue_comment" and event_label("pull_request") == "pull_request"
    assert event_label("x" * 300) == event_label("") == event_label(None) == event_label("Issue_Comment") == "other"
    assert "other" not in EVENT_LABELS


def delivery_series(text: str) -> set[str]:
    return {line.rsplit(" ", 1)[0] for line in text.splitlines() if line.startswith("vibeops_deliveries_total{")}


def flood(app, count: int) -> str:
    client = app.test_client()
    for n in range(count):
        body = json.dumps({"n": n}).encode()
        headers = {"X-GitHub-Event": f"made-up-{n}", "X-GitHub-Delivery": f"f-{n}",
                   "X-Hub-Signature-256": "sha256=" + "0" * 64}
        assert client.post(PATH, data=body, headers=headers).status_code == 401
    signed = {"X-GitHub-Event": "made-up-signed", "X-GitHub-Delivery": "s-1", "X-Hub-Signature-256": sign(b"{}")}
    assert client.post(PATH, data=b"{}", headers=signed).status_code == 200  # a signed unknown event is ignored
    return client.get("/metrics").get_data(as_text=True)


def test_many_event_names_make_a_bounded_number_of_series(app):
    text = flood(app, 300)
    assert delivery_series(text) == {'vibeops_deliveries_total{event="other",outcome="bad-signature"}',
                                     'vibeops_deliveries_total{event="other",outcome="ignored"}'}
    assert 'vibeops_deliveries_total{event="other",outcome="bad-signature"} 300' in text
    assert "made-up" not in text


def test_many_event_names_make_a_bounded_number_of_series_in_redis(redis_url, rsa_private_key_pem, tmp_path):
    settings = Settings(app_id=1, private_key=rsa_private_key_pem.decode(), webhook_secret=SECRET,
                        data_dir=tmp_path, queue_url=redis_url)
    app = create_app(settings, start_worker=False)
    store = app.extensions["vibeops"]["store"]
    text = flood(app, 300)
    assert delivery_series(text) == {'vibeops_deliveries_total{event="other",outcome="bad-signature"}',
                                     'vibeops_deliveries_total{event="other",outcome="ignored"}'}
    fields = [key.decode() for key in store.redis.hkeys("vibeops:metrics")]
    assert len(fields) == 2 and not any("made-up" in f for f in fields)


def test_every_outcome_has_its_own_label(app):
    client = app.test_client()
    assert post(app, comment_payload(), delivery=None).status_code == 400
    assert post(app, comment_payload(), delivery="ok-1").status_code == 202
    assert post(app, comment_payload(), delivery="ok-1").status_code == 200
    assert post(app, None, raw=b"x" * (25 * 1024 * 1024 + 1)).status_code == 413
    text = client.get("/metrics").get_data(as_text=True)
    for outcome in ("malformed", "accepted", "duplicate", "too-large"):
        assert f'vibeops_deliveries_total{{event="issue_comment",outcome="{outcome}"}} 1' in text, outcome
