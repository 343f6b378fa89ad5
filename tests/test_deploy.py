"""What ships: the Dockerfile (linted, no engine here), the wheel's contents, gunicorn, app.yml."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.workflow import load_yaml
from tests.conftest import PROJECT
from tests.scaleout import redis_binary

BIN = Path(sys.executable).parent


def test_dockerfile_passes_hadolint():
    result = subprocess.run([str(BIN / "hadolint"), "--no-color", "Dockerfile"], cwd=PROJECT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_gunicorn_on_the_factory_as_non_root_with_a_healthcheck():
    text = (PROJECT / "Dockerfile").read_text()
    assert "USER 10001" in text and "useradd" in text
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert '"bot.app.web:create_app()"' in text and '"gunicorn"' in text
    for copied in ("pyproject.toml", "README.md", "bot", "workflows"):
        assert (PROJECT / copied).exists()


def test_the_wheel_ships_the_recipes_and_the_catalog(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(PROJECT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("vibeops-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in ("actions.json", "trivy-config.yml", "trivy-fs.yml", "actionlint.yml", "upload-sarif.yml"):
        assert f"bot/workflows/{data}" in names
    assert "bot/app/web.py" in names and "bot/render/markdown.py" in names


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_the_factory(tmp_path, rsa_private_key_pem):
    port = free_port()
    env = {**os.environ, "APP_ID": "1", "PRIVATE_KEY": rsa_private_key_pem.decode(), "WEBHOOK_SECRET": "s",
           "VIBEOPS_DATA_DIR": str(tmp_path), "PORT": str(port)}
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "python:bot.app.gunicorn_conf", "--workers", "1",
                               "bot.app.web:create_app()"],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert time.time() < deadline and server.poll() is None, server.stdout.read().decode()
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(10)
    assert (tmp_path / "jobs.sqlite3").exists()


def test_app_manifest_asks_for_the_events_and_permissions_the_app_uses():
    manifest = load_yaml((PROJECT / "app.yml").read_text())
    assert manifest["name"] == "vibeops"
    assert manifest["hook_attributes"]["url"].endswith("/api/github/webhooks")
    assert set(manifest["default_events"]) == {"issue_comment", "pull_request", "pull_request_review_comment"}
    assert dict(manifest["default_permissions"]) == {
        "contents": "write", "pull_requests": "write", "issues": "write", "checks": "write",
        "workflows": "write", "metadata": "read"}
    assert shutil.which("git")


def test_the_helm_chart_passes_trivy_with_no_high_or_critical_misconfiguration(tools):
    """trivy renders Helm charts itself (no helm binary here): the bot's own scan, on its own chart."""
    output = tools.trivy_scan("config", "deploy/helm/vibeops", ("misconfig",), str(PROJECT))
    results = {r["Target"]: r for r in output["Results"]}
    assert set(results) == {"templates/deployment.yaml", "templates/service.yaml", "templates/pvc.yaml"}
    severe = [(t, m["ID"]) for t, r in results.items() for m in r.get("Misconfigurations") or []
              if m["Severity"] in ("HIGH", "CRITICAL")]
    assert severe == []
    # What is left depends on where it is installed: the namespace and the registry the image comes from.
    left = {m["ID"] for r in results.values() for m in r.get("Misconfigurations") or []}
    assert left <= {"KSV-0110", "KSV-0125"}


# --- The chart in both queue modes, as trivy renders it. ---

CHART = PROJECT / "deploy" / "helm" / "vibeops"
# A custom trivy check that "fails" on every rendered Kubernetes object with the object as its message:
# there is no helm binary here, so this is how the tests read what the chart renders.
RENDERED_CHECK = """# METADATA
# title: Rendered object
# description: Reports each rendered Kubernetes object as JSON.
# custom:
#   id: RENDERED
#   avd_id: RENDERED
#   severity: LOW
#   input:
#     selector:
#     - type: kubernetes
package user.rendered

import rego.v1

deny contains msg if {
  msg := json.marshal(input)
}
"""
REDIS = ("redis.enabled=true",)
EPHEMERAL_REDIS = (*REDIS, "redis.persistence.enabled=false")
WEB = "vibeops-vibeops"  # trivy renders the chart as a release named after it: {{ .Release.Name }}-vibeops
WORKER, REDIS_NAME = f"{WEB}-worker", f"{WEB}-redis"
REDIS_DATA = f"{REDIS_NAME}-data"  # the in-chart Redis's PersistentVolumeClaim
LEFT_TO_THE_INSTALLER = {"KSV-0110", "KSV-0125"}  # the namespace, and the registry the image comes from


@dataclass(frozen=True)
class Rendering:
    objects: dict  # (kind, name) -> the rendered object
    findings: list  # (template, check ID, severity) of trivy's own checks
    targets: set  # the templates that rendered to something
    log: str


def _plain(node):
    """trivy's view of an object without the source positions it adds to every mapping."""
    if isinstance(node, dict):
        return {key: _plain(value) for key, value in node.items() if key != "__defsec_metadata"}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    return node


@pytest.fixture(scope="session")
def render_chart(tools, tmp_path_factory):
    """The chart rendered by trivy with `--helm-set` settings: its objects, and trivy's misconfigurations."""
    checks = tmp_path_factory.mktemp("checks")
    (checks / "rendered.rego").write_text(RENDERED_CHECK)
    memo: dict[tuple, Rendering] = {}

    def render(*settings: str, chart: Path = CHART) -> Rendering:
        if (chart, settings) not in memo:
            argv = [tools.trivy, "config", "--skip-check-update", "--skip-version-check", "--format", "json",
                    "--cache-dir", str(tmp_path_factory.mktemp("trivy-cache")), "--config-check", str(checks),
                    "--check-namespaces", "user", *(["--helm-set", ",".join(settings)] if settings else []),
                    str(chart)]
            result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)
            assert result.returncode == 0, result.stderr
            objects, findings, targets = {}, [], set()
            for entry in json.loads(result.stdout).get("Results") or []:
                targets.add(entry["Target"])
                for found in entry.get("Misconfigurations") or []:
                    if found["ID"] == "RENDERED":
                        obj = _plain(json.loads(found["Message"]))
                        objects[(obj["kind"], obj["metadata"]["name"])] = obj
                    else:
                        findings.append((entry["Target"], found["ID"], found["Severity"]))
            memo[chart, settings] = Rendering(objects, findings, targets, result.stderr)
        return memo[chart, settings]

    return render


def container(rendering: Rendering, name: str) -> dict:
    (only,) = rendering.objects[("Deployment", name)]["spec"]["template"]["spec"]["containers"]
    return only


def env_of(rendering: Rendering, name: str) -> dict:
    return {item["name"]: item.get("value") for item in container(rendering, name).get("env") or []}


def volumes_of(rendering: Rendering, name: str) -> dict:
    return {volume["name"]: volume for volume in rendering.objects[("Deployment", name)]["spec"]["template"]["spec"]
            .get("volumes") or []}


def selects(selector: dict, labels: dict) -> bool:
    """Whether a Kubernetes label selector (matchLabels, and matchExpressions with In) picks these labels."""
    return all(labels.get(key) == value for key, value in (selector.get("matchLabels") or {}).items()) and all(
        labels.get(rule["key"]) in rule["values"] for rule in selector.get("matchExpressions") or [])


@pytest.mark.parametrize("settings", [(), REDIS, EPHEMERAL_REDIS, ("redis.url=rediss://redis.example.internal:6380/0",),
                                      ("redis.urlFromSecret=true",)],
                         ids=["sqlite", "redis", "redis-ephemeral", "external", "secret"])
def test_every_mode_of_the_chart_passes_trivy_with_only_the_installers_findings_left(render_chart, settings):
    rendering = render_chart(*settings)
    assert ("Deployment", WEB) in rendering.objects, rendering.log  # rendered, not skipped by trivy
    severe = [finding for finding in rendering.findings if finding[2] in ("HIGH", "CRITICAL")]
    assert severe == []
    assert {finding[1] for finding in rendering.findings} <= LEFT_TO_THE_INSTALLER


def test_sqlite_mode_is_one_web_pod_on_its_volume_with_no_worker_and_no_redis(render_chart):
    rendering = render_chart("web.replicas=5")  # ignored: the SQLite file has one writer
    assert rendering.targets == {"templates/deployment.yaml", "templates/service.yaml", "templates/pvc.yaml"}
    assert set(rendering.objects) == {("Deployment", WEB), ("Service", WEB), ("PersistentVolumeClaim", f"{WEB}-data")}
    spec = rendering.objects[("Deployment", WEB)]["spec"]
    assert spec["replicas"] == 1 and spec["strategy"] == {"type": "Recreate"}
    env = env_of(rendering, WEB)
    assert "VIBEOPS_QUEUE" not in env and env["VIBEOPS_DATA_DIR"] == "/data"
    assert volumes_of(rendering, WEB)["data"]["persistentVolumeClaim"] == {"claimName": f"{WEB}-data"}
    assert {"name": "data", "mountPath": "/data"} in container(rendering, WEB)["volumeMounts"]


def test_redis_mode_renders_web_pods_that_enqueue_workers_that_run_vibeops_worker_and_a_hardened_redis(render_chart):
    rendering = render_chart(*REDIS)
    assert rendering.targets == {"templates/deployment.yaml", "templates/service.yaml", "templates/worker.yaml",
                                 "templates/redis.yaml", "templates/redis-pvc.yaml"}
    web, worker, redis = WEB, WORKER, REDIS_NAME
    assert set(rendering.objects) == {("Deployment", web), ("Deployment", worker), ("Deployment", redis),
                                      ("Service", web), ("Service", redis), ("NetworkPolicy", redis),
                                      ("PersistentVolumeClaim", REDIS_DATA)}

    # Web: two replicas rolling, no volume but /tmp, the in-chart Redis as the queue.
    spec = rendering.objects[("Deployment", web)]["spec"]
    assert spec["replicas"] == 2 and "strategy" not in spec
    assert set(volumes_of(rendering, web)) == {"tmp"}
    queue = f"redis://{redis}:6379/0"
    assert env_of(rendering, web)["VIBEOPS_QUEUE"] == queue and "VIBEOPS_DATA_DIR" not in env_of(rendering, web)
    assert [port["port"] for port in rendering.objects[("Service", redis)]["spec"]["ports"]] == [6379]

    # Worker: `vibeops worker`, two replicas, time to finish its job, the same settings and hardening as web.
    pod = rendering.objects[("Deployment", worker)]["spec"]["template"]["spec"]
    assert container(rendering, worker)["command"] == ["vibeops", "worker"]
    assert rendering.objects[("Deployment", worker)]["spec"]["replicas"] == 2
    assert pod["terminationGracePeriodSeconds"] == 120
    assert container(rendering, worker)["image"] == container(rendering, web)["image"]
    assert container(rendering, worker)["envFrom"] == container(rendering, web)["envFrom"]
    assert env_of(rendering, worker) == {key: value for key, value in env_of(rendering, web).items() if key != "PORT"}
    assert container(rendering, worker)["securityContext"] == container(rendering, web)["securityContext"]
    web_pod = rendering.objects[("Deployment", web)]["spec"]["template"]["spec"]
    assert pod["securityContext"] == web_pod["securityContext"]
    assert volumes_of(rendering, worker) == {"tmp": {"name": "tmp", "emptyDir": {}}}
    assert container(rendering, worker)["resources"]["limits"]["memory"]

    # The web Service reaches web pods only, not workers.
    worker_labels = rendering.objects[("Deployment", worker)]["spec"]["template"]["metadata"]["labels"]
    web_labels = rendering.objects[("Deployment", web)]["spec"]["template"]["metadata"]["labels"]
    service_selector = rendering.objects[("Service", web)]["spec"]["selector"]
    assert selects({"matchLabels": service_selector}, web_labels)
    assert not selects({"matchLabels": service_selector}, worker_labels)

    # Redis: pinned, one replica, non-root, read-only with /data on its volume, probed with redis-cli ping,
    # and reachable from the web and worker pods only.
    box = container(rendering, redis)
    assert box["image"] == "redis:7.2-alpine"
    assert rendering.objects[("Deployment", redis)]["spec"]["replicas"] == 1
    hardening = box["securityContext"]
    assert hardening["runAsNonRoot"] is True and hardening["runAsUser"] > 0
    assert hardening["readOnlyRootFilesystem"] is True and hardening["allowPrivilegeEscalation"] is False
    assert hardening["capabilities"] == {"drop": ["ALL"]}
    assert volumes_of(rendering, redis) == {"data": {"name": "data", "persistentVolumeClaim": {"claimName": REDIS_DATA}}}
    assert {"name": "data", "mountPath": "/data"} in box["volumeMounts"]
    assert box["livenessProbe"]["exec"]["command"] == box["readinessProbe"]["exec"]["command"] == ["redis-cli", "ping"]
    assert box["resources"]["limits"]["memory"]
    redis_labels = rendering.objects[("Deployment", redis)]["spec"]["template"]["metadata"]["labels"]
    policy = rendering.objects[("NetworkPolicy", redis)]["spec"]
    assert selects(policy["podSelector"], redis_labels)
    (rule,) = policy["ingress"]
    (source,) = rule["from"]
    assert selects(source["podSelector"], web_labels) and selects(source["podSelector"], worker_labels)
    assert not selects(source["podSelector"], redis_labels)


def test_an_external_redis_is_the_queue_without_a_redis_in_the_chart(render_chart):
    rendering = render_chart("redis.url=rediss://redis.example.internal:6380/0", "web.replicas=3",
                             "worker.replicas=4")
    assert set(rendering.objects) == {("Deployment", WEB), ("Deployment", WORKER), ("Service", WEB)}
    assert rendering.objects[("Deployment", WEB)]["spec"]["replicas"] == 3
    assert rendering.objects[("Deployment", WORKER)]["spec"]["replicas"] == 4
    for name in (WEB, WORKER):
        assert env_of(rendering, name)["VIBEOPS_QUEUE"] == "rediss://redis.example.internal:6380/0"


def test_the_queue_url_can_come_from_the_secret(render_chart):
    rendering = render_chart("redis.urlFromSecret=true")
    assert set(rendering.objects) == {("Deployment", WEB), ("Deployment", WORKER), ("Service", WEB)}
    for name in (WEB, WORKER):
        # An env entry would override the Secret's VIBEOPS_QUEUE, which envFrom brings in.
        assert "VIBEOPS_QUEUE" not in env_of(rendering, name)
        assert container(rendering, name)["envFrom"] == [{"secretRef": {"name": "vibeops-github-app"}}]


def test_two_sources_of_the_redis_url_are_refused(render_chart):
    rendering = render_chart(*REDIS, "redis.url=redis://elsewhere:6379/0")
    assert rendering.objects == {}
    assert "set only one of redis.enabled, redis.url and redis.urlFromSecret" in rendering.log


def test_the_worker_template_runs_vibeops_worker_only_in_redis_mode():
    worker = (CHART / "templates" / "worker.yaml").read_text()
    assert worker.splitlines()[0] == '{{- if include "vibeops.redisMode" . }}'
    assert worker.rstrip().endswith("{{- end }}")
    assert 'command: ["vibeops", "worker"]' in worker
    assert (CHART / "templates" / "redis.yaml").read_text().startswith("{{- if .Values.redis.enabled }}")
    assert (CHART / "templates" / "pvc.yaml").read_text().startswith('{{- if not (include "vibeops.redisMode" .) }}')
    # ... and that command exists in the image: the console script the wheel installs.
    result = subprocess.run([str(BIN / "vibeops"), "worker", "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "SIGTERM" in result.stdout, result.stderr


def test_the_notes_render_and_describe_the_queue_mode_in_use(render_chart, tmp_path):
    """trivy does not render NOTES.txt: in a copy of the chart, a ConfigMap carries it instead."""
    chart = tmp_path / "vibeops"
    shutil.copytree(CHART, chart)
    notes = (chart / "templates" / "NOTES.txt").read_text()
    (chart / "templates" / "_notes.tpl").write_text('{{- define "test.notes" }}' + notes + "{{- end }}\n")
    (chart / "templates" / "notes.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: |\n"
        '{{ include "test.notes" . | indent 4 }}\n')

    def notes_for(*settings: str) -> str:
        return render_chart(*settings, chart=chart).objects[("ConfigMap", "notes")]["data"]["notes"]

    sqlite = notes_for()
    assert "embedded SQLite" in sqlite and f"{WEB}-data" in sqlite and "redis.enabled=true" in sqlite
    in_chart = notes_for(*REDIS)
    assert REDIS_NAME in in_chart and "2 worker pod(s) run `vibeops worker`" in in_chart and "SQLite" not in in_chart
    assert REDIS_DATA in in_chart and "append-only" in in_chart and "WARNING" not in in_chart
    ephemeral = notes_for(*EPHEMERAL_REDIS)
    assert "WARNING" in ephemeral and "emptyDir" in ephemeral and "LOST" in ephemeral and REDIS_DATA not in ephemeral
    assert "hunter2" not in notes_for("redis.url=redis://:hunter2@redis.example.internal:6379/0")
    assert "VIBEOPS_QUEUE" in notes_for("redis.urlFromSecret=true") and "VIBEOPS_QUEUE" not in in_chart


# --- The in-chart Redis keeps its queue: an append-only file on a PersistentVolumeClaim. ---


def redis_options(rendering: Rendering) -> dict:
    """The in-chart redis-server's `--name value` arguments, as a dict."""
    args = container(rendering, REDIS_NAME)["args"]
    assert args[0] == "redis-server" and len(args) % 2 == 1, args
    names = args[1::2]
    assert all(name.startswith("--") for name in names) and len(set(names)) == len(names), args
    return dict(zip(names, args[2::2]))


def test_the_in_chart_redis_writes_an_append_only_file_to_a_persistent_volume_claim(render_chart):
    rendering = render_chart(*REDIS)
    deployment = rendering.objects[("Deployment", REDIS_NAME)]
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}  # one redis-server on the ReadWriteOnce volume

    # The claim is rendered, and it is the one the pod mounts at /data.
    claim = rendering.objects[("PersistentVolumeClaim", REDIS_DATA)]
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    assert claim["metadata"]["labels"]["app.kubernetes.io/component"] == "redis"
    assert claim["metadata"]["labels"]["app.kubernetes.io/instance"] == "vibeops"
    assert volumes_of(rendering, REDIS_NAME)["data"] == {"name": "data",
                                                         "persistentVolumeClaim": {"claimName": REDIS_DATA}}
    assert {"name": "data", "mountPath": "/data"} in container(rendering, REDIS_NAME)["volumeMounts"]
    assert ("PersistentVolumeClaim", f"{WEB}-data") not in rendering.objects  # the SQLite volume is not

    # redis-server keeps an append-only file in /data, takes no RDB snapshots, and never evicts a key.
    options = redis_options(rendering)
    assert options["--dir"] == "/data"
    assert options["--appendonly"] == "yes" and options["--appendfsync"] == "everysec"
    assert options["--save"] == ""
    assert options["--maxmemory-policy"] == "noeviction"
    assert options["--maxmemory"] == "192mb"

    # Still hardened, and the non-root user can write the volume: the kubelet gives it to its fsGroup.
    pod = deployment["spec"]["template"]["spec"]
    hardening = container(rendering, REDIS_NAME)["securityContext"]
    assert hardening["readOnlyRootFilesystem"] is True and hardening["runAsNonRoot"] is True
    assert hardening["runAsUser"] == pod["securityContext"]["runAsUser"] == 10999
    assert pod["securityContext"]["fsGroup"] == hardening["runAsGroup"] == 10999


def test_the_redis_volume_takes_its_size_and_storage_class_from_the_values(render_chart):
    rendering = render_chart(*REDIS, "redis.persistence.size=5Gi", "redis.persistence.storageClassName=fast-ssd",
                             "redis.maxmemory=")
    claim = rendering.objects[("PersistentVolumeClaim", REDIS_DATA)]["spec"]
    assert claim["resources"]["requests"]["storage"] == "5Gi" and claim["storageClassName"] == "fast-ssd"
    assert "--maxmemory" not in redis_options(rendering)  # "" leaves Redis unlimited
    assert redis_options(rendering)["--maxmemory-policy"] == "noeviction"


def test_without_persistence_the_in_chart_redis_is_on_an_emptydir_and_renders_no_claim(render_chart):
    rendering = render_chart(*EPHEMERAL_REDIS)
    assert "templates/redis-pvc.yaml" not in rendering.targets
    assert not [key for key in rendering.objects if key[0] == "PersistentVolumeClaim"]
    assert volumes_of(rendering, REDIS_NAME) == {"data": {"name": "data", "emptyDir": {}}}
    assert {"name": "data", "mountPath": "/data"} in container(rendering, REDIS_NAME)["volumeMounts"]
    # The emptyDir outlives a container restart, so the append-only file and noeviction stay on.
    options = redis_options(rendering)
    assert options["--appendonly"] == "yes" and options["--maxmemory-policy"] == "noeviction"
    assert set(rendering.objects) == {("Deployment", WEB), ("Deployment", WORKER), ("Deployment", REDIS_NAME),
                                      ("Service", WEB), ("Service", REDIS_NAME), ("NetworkPolicy", REDIS_NAME)}


class ChartRedis:
    """A local redis-server run with the chart's arguments, /data replaced by a directory, on a private socket."""

    def __init__(self, options: dict, data: Path):
        binary = redis_binary()
        self.socket = data.parent / f"{data.name}.sock"
        self.socket.unlink(missing_ok=True)  # a killed server leaves its socket behind
        argv = [binary, "--port", "0", "--unixsocket", str(self.socket)]
        for name, value in options.items():
            argv += [name, str(data) if name == "--dir" else value]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from redis import Redis

        self.client = Redis(unix_socket_path=str(self.socket))
        deadline = time.time() + 10
        while True:
            try:
                self.client.ping()
                break
            except Exception:
                assert self.process.poll() is None, f"redis-server exited {self.process.returncode}: {argv}"
                assert time.time() < deadline, "redis-server did not start"
                time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL, as an OOM kill or a node losing the pod would: no shutdown save."""
        self.process.kill()
        self.process.wait(10)
        self.client.close()


def queue_left_after_a_kill(options: dict, data: Path) -> tuple[list, bytes | None]:
    """Enqueue a job and record a delivery, kill redis-server, start it again on the same /data: what is left."""
    data.mkdir()
    server = ChartRedis(options, data)
    server.client.rpush("rq:queue:default", "job-1")
    server.client.set("vibeops:delivery:d-1", "issue_comment", ex=3600)
    server.kill()
    server = ChartRedis(options, data)
    try:
        return server.client.lrange("rq:queue:default", 0, -1), server.client.get("vibeops:delivery:d-1")
    finally:
        server.kill()


def test_the_chart_redis_arguments_keep_the_queue_across_a_killed_redis_server(render_chart, tmp_path):
    """The rendered arguments, run by a real redis-server: a killed server comes back with its queue."""
    options = redis_options(render_chart(*REDIS))
    assert queue_left_after_a_kill(options, tmp_path / "aof") == ([b"job-1"], b"issue_comment")
    assert list((tmp_path / "aof").glob("appendonlydir/*.aof"))  # the log, not a snapshot
    assert not list((tmp_path / "aof").glob("*.rdb"))
    # The same kill with the append-only file off loses both: this is what the test tells apart.
    assert queue_left_after_a_kill({**options, "--appendonly": "no"}, tmp_path / "plain") == ([], None)


def test_the_chart_redis_refuses_writes_when_full_instead_of_evicting_queued_keys(render_chart, tmp_path):
    from redis.exceptions import OutOfMemoryError

    (tmp_path / "data").mkdir()
    server = ChartRedis(redis_options(render_chart(*REDIS)), tmp_path / "data")
    try:
        assert server.client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
        assert server.client.config_get("appendonly") == {"appendonly": "yes"}
        # A small ceiling, so the test fills it quickly.
        server.client.config_set("maxmemory", server.client.info("memory")["used_memory"] + 1024 * 1024)
        written, refused = [], None
        for number in range(200):
            try:
                server.client.set(f"vibeops:job:{number}", b"x" * 64 * 1024)
                written.append(f"vibeops:job:{number}")
            except OutOfMemoryError as exc:  # Redis' "OOM command not allowed when used memory > 'maxmemory'"
                refused = exc
                break
        assert refused is not None, "Redis never refused a write: are keys being evicted?"
        assert written and server.client.exists(*written) == len(written)  # nothing evicted
    finally:
        server.kill()
