"""The `vibeops` command line: run a request on a local repository, or check workflow files."""

from __future__ import annotations

import argparse
import json
import sys

EPILOG = """examples:
  vibeops run "add trivy scan for k8s-manifests/api.yaml" --repo .
  vibeops run "add trivy scan for k8s-manifests/ fail on MEDIUM and above" --repo . --json
  vibeops check .github/workflows/scan.yml --repo . --requested k8s-manifests/api.yaml

exit codes: 0 opened/clean, 1 rejected/findings, 2 bad input or error"""
BUG_HINT = "this is a bug in vibeops: please report it with the command you ran"


class UsageError(Exception):
    """argparse's complaint about the command line, raised instead of exiting so --json can answer."""

    def __init__(self, usage: str, message: str):
        super().__init__(message)
        self.usage = usage


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # noqa: D401 - argparse's hook
        raise UsageError(self.format_usage(), message)

RUN_EPILOG = """Requests are read in any word order, in English or Korean:
  vibeops run "add trivy scan for k8s-manifests/api.yaml"
  vibeops run "create github action for security check by trivy @k8s-manifests/api.yaml"
  vibeops run "please set up a security scan for the k8s-manifests folder using trivy, only fail on critical issues"
  vibeops run "scan everything under k8s-manifests with trivy every night and upload the results to code scanning"
  vibeops run "add trivy fs scan for web/Dockerfile, report only, on PRs only"
  vibeops run "scan the Dockerfiles with trivy as a required check"
  vibeops run "lint my workflows with actionlint"
  vibeops run "trivy로 k8s-manifests/api.yaml 보안 점검하는 깃허브 액션 만들어줘"
  vibeops run "k8s-manifests 폴더를 trivy로 매일 검사하는 워크플로 추가해 주세요, 빌드를 실패시키지 않게"

targets: paths, @path, `quoted paths`, globs (k8s/*.yaml), "the k8s folder", "everything under k8s",
  "the whole repo", "the Dockerfiles", "all manifests in k8s", "the chart charts/shop", "my workflows"
tools: trivy (the default when none is named), actionlint, vibeops gate; checkov, hadolint, kubeconform,
  kube-linter, yamllint, helm, chart-testing where a recipe exists, else with a model (VIBEOPS_MODEL)
options anywhere: fail on HIGH,CRITICAL (default) | only fail on critical issues | report only |
  don't fail the build | only on pull requests | on PRs only | nightly | every night | weekly |
  upload the results to code scanning | to the security tab | as a required check
  (매일, 매주, PR에서만, 빌드를 실패시키지 않게, 코드 스캐닝에 업로드, 필수 체크로)

Every clause must be understood: a clause vibeops cannot do (e.g. "and delete the db deployment") is
refused by name with exit 2 and nothing is written; with a model configured, the model reads the clauses
the reader cannot, into the same typed request. --json shows it under `understood`."""


_SCOPE_TOOLS = ("trivy", "actionlint", "checkov", "hadolint", "kubeconform", "kube-linter", "yamllint", "helm",
                "chart-testing", "vibeops")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="vibeops", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Turn a plain request into a validated, scope-checked GitHub Actions workflow.")
    parser.add_argument("--version", action="store_true", help="print the version and the scanners' versions")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="generate, validate and commit a workflow on a new branch",
                              epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                              description="Generate a workflow for REQUEST from the repository's default "
                                          "branch, validate it, and commit it on branch vibeops/<slug>. "
                                          "The working tree, index, HEAD and other branches are not touched.")
    run.add_argument("request", help='e.g. "add trivy scan for k8s-manifests/api.yaml"')
    run.add_argument("--repo", default=".", help="path of the local git repository (default: .)")
    run.add_argument("--base", help="branch to start from (default: the repository's default branch)")
    run.add_argument("--json", action="store_true", help="print exactly one JSON object")
    run.add_argument("--overwrite", action="store_true", help="allow replacing a workflow file of the same name")
    run.add_argument("--pr-body", metavar="FILE", help="also write the pull request description to FILE")
    run.add_argument("--generator", choices=("auto", "recipe", "llm"),
                     help="auto (default): a vetted recipe when it covers the request, else the model; "
                          "recipe: recipes only; llm: always the model (VIBEOPS_MODEL)")
    run.add_argument("--max-rounds", type=int, metavar="N",
                     help="repair rounds for the model (default VIBEOPS_LLM_MAX_ROUNDS or 3)")

    check = commands.add_parser("check", help="validate existing workflow files and report what they scan",
                                description="Run every check on existing workflow files and report what "
                                            "each scanner step scans.")
    check.add_argument("workflows", nargs="*", metavar="WORKFLOW", help="workflow file(s) to check")
    check.add_argument("--all", action="store_true", help="check every workflow in the repository's .github/workflows")
    check.add_argument("--repo", default=".", help="repository the workflows scan (default: .)")
    check.add_argument("--requested", action="append", default=[], metavar="PATH",
                       help="a path the workflow should scan exactly (repeatable)")
    check.add_argument("--tool", choices=_SCOPE_TOOLS, metavar="TOOL",
                       help="which scanner's steps --requested is compared with: " + ", ".join(_SCOPE_TOOLS)
                            + " (default: inferred from the steps and the requested paths)")
    check.add_argument("--format", choices=("table", "json", "github", "sarif"), default="table",
                       help="table (default), json, github (workflow annotations) or sarif")
    check.add_argument("--json", action="store_const", dest="format", const="json", help="same as --format json")
    check.add_argument("--output", metavar="FILE", help="write the report to FILE instead of standard output")

    config = commands.add_parser("config", help="the repository config file (.github/vibeops.yml)")
    config_commands = config.add_subparsers(dest="config_command", metavar="ACTION")
    config_commands.add_parser("schema", help="print the JSON Schema of .github/vibeops.yml")
    validate = config_commands.add_parser("validate", help="check a config file; exit 1 with the key and line at fault")
    validate.add_argument("path", nargs="?", help="the file (default: .github/vibeops.yml or .yaml here)")
    validate.add_argument("--json", action="store_true", help="print exactly one JSON object")

    serve = commands.add_parser("serve", help="run the GitHub App (webhook server and worker) for development",
                                description="Serve POST /api/github/webhooks and GET /healthz, with the job "
                                            "worker in-process. Settings come from the environment: APP_ID, "
                                            "PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, GITHUB_API_URL, "
                                            "VIBEOPS_DATA_DIR. In production run gunicorn on "
                                            "'bot.app.web:create_app()'.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=3000, help="port (default 3000)")

    worker = commands.add_parser("worker", help="run queued jobs (scale-out: several of these share VIBEOPS_QUEUE)",
                                 description="Run the App's jobs from the queue VIBEOPS_QUEUE names (redis://...), "
                                             "or from the SQLite queue in VIBEOPS_DATA_DIR when it is unset. Same "
                                             "settings as 'serve'. SIGTERM finishes the job in hand, then stops.")
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    return parser


def main(argv: list[str] | None = None) -> int:
    """The command line's one contract: under --json exactly one JSON object on stdout, and exit 0
    (opened/clean), 1 (rejected/findings) or 2 (bad input or error), whatever happens inside."""
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        if as_json:
            print(json.dumps({"ok": False, "status": "error", "error": f"usage: {exc}", "message": f"usage: {exc}"}))
        else:
            sys.stderr.write(exc.usage + f"vibeops: error: {exc}\n")
        return 2
    try:
        return _dispatch(parser, args)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - the edge: an unexpected failure is an error, never "findings"
        message = f"unexpected {type(exc).__name__}: {str(exc)[:300]}"
        if as_json:
            print(json.dumps({"ok": False, "status": "error", "error": message, "message": message,
                              "hint": BUG_HINT}))
        print(f"vibeops: {message}\n({BUG_HINT})", file=sys.stderr)
        return 2


def _wants_json(argv: list[str]) -> bool:
    return "--json" in argv or "--format=json" in argv or any(
        a == "--format" and b == "json" for a, b in zip(argv, argv[1:]))


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.version:
        return _version()
    if args.command == "run":
        return _run(args)
    if args.command == "check":
        return _check(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "worker":
        return _worker(args)
    if args.command == "config":
        return _config(args)
    parser.print_help()
    return 2


def _version() -> int:
    from bot import __version__
    from bot.adapters.tools import Tools

    versions = Tools.from_environment().versions()
    print(f"vibeops {__version__} (actionlint {versions['actionlint']}, trivy {versions['trivy']})")
    return 0


def _run(args: argparse.Namespace) -> int:
    from bot.adapters.sandbox import SandboxSettingsError, default_sandbox

    try:  # git's sandbox starts on the other core while the rest of vibeops is imported
        default_sandbox().start_session()
    except SandboxSettingsError:
        pass  # reported where the tools are set up, as before
    from bot.adapters.localgit import LocalGitForge
    from bot.adapters.tools import Tools
    from bot.catalog import default_catalog
    from bot.forge import ForgeError
    from bot.pipeline import Services, run_request
    from bot.render.terminal import run_report
    from bot.report import ERROR, Report

    import os

    from bot.adapters.llm import LiteLLM, LLMSettings
    from bot.repo_config import ConfigError, server_limits

    problem = _unwritable(args.pr_body, "--pr-body")
    try:
        if problem:
            raise ForgeError(problem)
        forge = LocalGitForge(args.repo)
        limits = server_limits(os.environ)
    except (ForgeError, ConfigError) as exc:
        report = Report(status=ERROR, message=str(exc), request=args.request)
    else:
        settings = LLMSettings.from_env()
        rounds = args.max_rounds or (settings.max_rounds if settings else 3)
        services = Services(forge, Tools.from_environment(), default_catalog(),
                            llm=LiteLLM(settings) if settings else None, max_rounds=rounds, server_config=limits)
        report = run_request(args.request, services, base=args.base, overwrite=args.overwrite,
                             generator=args.generator)
    if args.pr_body and report.pr_body:
        try:
            with open(args.pr_body, "w", encoding="utf-8") as out:
                out.write(report.pr_body)
        except OSError as exc:  # checked before the run; only a race gets here
            report = report.but(status=ERROR, message=f"--pr-body {args.pr_body}: cannot write: {exc.strerror}")
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        stream = sys.stdout if report.status != ERROR else sys.stderr
        stream.write(run_report(report, repo=os.path.abspath(args.repo)))
    return report.exit_code


def _check(args: argparse.Namespace) -> int:
    import contextvars
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from bot.adapters.tools import Tools
    from bot.audit import audit_workflow, repo_relative, requested_intent, workflow_files
    from bot.intent import IntentError
    from bot.repotree import RepoTree

    repo = Path(args.repo)
    problem = _unwritable(args.output, "--output")
    if problem:
        args.output = None  # the answer goes to stdout, since the file cannot take it
        return _bad_input(args, problem)
    if "\x00" in args.repo or not repo.is_dir():
        return _bad_input(args, f"--repo {args.repo!r}: no such directory")
    # As `run` reads paths: a relative name is first the repository's file (`check .github/workflows/x.yml
    # --repo DIR`), and only when DIR has none, a file beside you (a draft to judge as a new workflow).
    names = [str(repo / name) if not Path(name).is_absolute() and (repo / name).is_file() else name
             for name in args.workflows]
    if args.all:
        names += [str(repo / p) for p in workflow_files(repo)]
    if not names and not args.all:
        return _bad_input(args, "name the workflow files to check, or pass --all")
    texts = {}
    for name in names:
        try:
            texts[name] = Path(name).read_bytes().decode("utf-8", errors="surrogateescape")
        except (OSError, ValueError) as exc:
            return _bad_input(args, f"{name}: cannot read: {exc.strerror if isinstance(exc, OSError) else exc}")
    tree = RepoTree.from_directory(repo)
    intent = None
    if args.requested:
        tool, basis = (args.tool, "given with --tool") if args.tool else _infer_tool(texts, args.repo, args.requested, tree)
        try:
            intent = requested_intent(tuple(args.requested), tool, tree)
        except IntentError as exc:
            return _bad_input(args, str(exc))
    tools = Tools.from_environment()

    def audit(name: str, text: str):
        return audit_workflow(repo_relative(name, args.repo), text, tree, tools, intent,
                              basis if args.requested else None)

    # Two files at a time: each audit mostly waits on its scanners (actionlint, zizmor, trivy).
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="vibeops-audit") as pool:
        audits = list(pool.map(lambda context, item: context.run(audit, *item),
                               [contextvars.copy_context() for _ in texts], texts.items()))
    ok = all(a.ok for a in audits)
    _emit(args, _render_check(args.format, audits, ok))
    return 0 if ok else 1


def _render_check(fmt: str, audits, ok: bool) -> str:
    findings = [f for a in audits for c in a.checks for f in c.findings]
    if fmt == "json":
        return json.dumps({"ok": ok, "files": [a.to_dict() for a in audits]}, indent=2) + "\n"
    if fmt == "sarif":
        from bot.render.sarif import sarif

        return json.dumps(sarif(findings), indent=2) + "\n"
    if fmt == "github":
        from bot.render.annotations import annotations
        from bot.render.terminal import check_table

        return annotations(findings) + check_table(audits)
    from bot.render.terminal import check_table

    return check_table(audits)


def _emit(args: argparse.Namespace, text: str) -> None:
    if args.output:
        with open(args.output, "w", encoding="utf-8", errors="replace") as out:
            out.write(text)
    else:
        sys.stdout.write(text)


def _unwritable(path: str | None, option: str) -> str | None:
    """Why FILE cannot be written (checked before any work, so nothing is half done), or None."""
    import os

    if not path:
        return None
    if "\x00" in path:
        return f"{option} {path!r}: a file name cannot contain a NUL byte"
    if os.path.isdir(path):
        return f"{option} {path}: is a directory, not a file"
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        return f"{option} {path}: the directory {parent} does not exist"
    if os.path.exists(path) and not os.access(path, os.W_OK) or not os.access(parent, os.W_OK):
        return f"{option} {path}: not writable"
    return None


def _config(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.repo_config import CONFIG_PATHS, ConfigError, parse_config, schema

    as_json = getattr(args, "json", False)

    def answer(code: int, message: str, **extra) -> int:
        if as_json:
            print(json.dumps({"ok": code == 0, "status": ("valid", "invalid", "error")[code], "message": message,
                              **extra}))
        elif code:
            print(f"vibeops config: {message}", file=sys.stderr)
        else:
            print(message)
        return code

    if args.config_command == "schema":
        print(json.dumps(schema(), indent=2))
        return 0
    if args.config_command != "validate":
        return answer(2, "say `schema` or `validate [PATH]`")
    path = args.path or next((p for p in CONFIG_PATHS if Path(p).is_file()), CONFIG_PATHS[0])
    try:
        data = Path(path).read_bytes()
    except (OSError, ValueError) as exc:
        return answer(2, f"{path}: {getattr(exc, 'strerror', None) or exc}")
    try:
        config = parse_config(data.decode("utf-8", errors="surrogateescape"), path)
    except ConfigError as exc:
        return answer(1, str(exc), key=exc.key, line=exc.line)
    explicit = sorted(config.explicit)
    return answer(0, f"{path}: valid ({len(explicit)} setting(s): {', '.join(explicit) or 'none'})",
                  settings=explicit)


def _app_settings(command: str):
    """The App's settings from the environment, with JSON logs on; None (and a message) when they are wrong."""
    import logging

    from bot.app.logs import configure
    from bot.app.settings import Settings, SettingsError

    try:
        settings = Settings.from_env(receives_webhooks=command != "worker")
    except SettingsError as exc:
        print(f"vibeops {command}: {exc}", file=sys.stderr)
        return None
    configure(logging.INFO)
    return settings


def _serve(args: argparse.Namespace) -> int:
    settings = _app_settings("serve")
    if settings is None:
        return 2
    from werkzeug.serving import run_simple

    from bot.app.web import create_app

    app = create_app(settings)
    try:  # Werkzeug's server without Flask's banner: every line on stderr is a JSON log line
        run_simple(args.host, args.port, app, threaded=True)
    finally:
        if app.extensions["vibeops"]["worker"] is not None:
            app.extensions["vibeops"]["worker"].stop()
    return 0


def _worker(args: argparse.Namespace) -> int:
    settings = _app_settings("worker")
    if settings is None:
        return 2
    from bot.app.queue_choice import QueueUnavailable
    from bot.app.worker_command import run_worker

    try:
        return run_worker(settings, burst=args.burst)
    except QueueUnavailable as exc:
        print(f"vibeops worker: {exc}", file=sys.stderr)
        return 2


def _infer_tool(texts: dict, repo: str, requested: list[str], tree) -> tuple[str, str]:
    """The tool the requested paths and the workflows' scanner steps share, and why (see bot.scope.tools)."""
    from bot.audit import repo_relative
    from bot.scope.steps import scanner_steps
    from bot.scope.tools import infer_tool
    from bot.workflow import Workflow, WorkflowError

    steps = []
    for name, text in texts.items():
        path = repo_relative(name, repo)
        try:
            workflow = Workflow.parse(path, text)
        except WorkflowError:
            continue  # reported by the check itself
        steps.extend(scanner_steps(workflow, tree.with_file(path, text)))
    tool, why = infer_tool(tuple(requested), steps, tree)
    return tool, f"inferred: {why}"


def _bad_input(args: argparse.Namespace, message: str) -> int:
    if getattr(args, "format", None) == "json":
        print(json.dumps({"ok": False, "error": message, "files": []}))
    print(f"vibeops: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
