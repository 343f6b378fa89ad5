"""Run a tool on untrusted input: a scrubbed environment, no network, a read-only filesystem, limits.

Every tool vibeops runs (trivy, actionlint, zizmor, git, and any scanner added later) reads files a
stranger wrote. It runs as an untrusted-input processor:

- its environment is an allowlist (PATH, locale, TZ) plus HOME and TMPDIR pointing at a scratch
  folder of its own, plus what the caller names for that tool (GOGC, GIT_INDEX_FILE...): never the
  App's variables (PRIVATE_KEY, WEBHOOK_SECRET, model keys, GITHUB_TOKEN, ...);
- with bubblewrap (`bwrap`) it runs in new network, PID, IPC and UTS namespaces with every
  capability dropped, and sees only the system folders, its own binary, the paths it was given
  (read-only) and its scratch folder (read-write);
- it has a wall-clock limit (its whole process group is killed), an address-space limit and a
  limit on the size of any file it writes (its stdout and stderr included).

git, which works on the user's own repository and so sees the host's filesystem, runs many times
per request: its runs share one sandbox (a small runner inside bwrap that starts each git command
with the same scrubbed environment, limits and process-group kill), so each costs a fork and an
exec instead of a new set of namespaces. Tools with a filesystem view of their own (trivy,
actionlint, zizmor, ...) each get a fresh sandbox.

Without bwrap (or with VIBEOPS_SANDBOX=off) the environment and limits still apply and a log line
says the tool runs without namespaces; VIBEOPS_SANDBOX=require refuses to run tools instead.
"""

from __future__ import annotations

import json
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot import deadline
from bot.adapters.archive import owned_folder
from bot.adapters.errors import ToolError

log = logging.getLogger("vibeops.sandbox")

# What a tool may inherit from the server's environment; everything else is dropped.
INHERITED = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ")
DEFAULT_SECONDS = 300
DEFAULT_MEMORY_MB = 2048
DEFAULT_FILE_MB = 256
MODES = ("auto", "require", "off")
# System folders a tool may read (those that exist); /etc only in part: an operator's env files stay out.
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC = ("/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/passwd",
        "/etc/group", "/etc/nsswitch.conf", "/etc/localtime", "/etc/ssl", "/etc/ca-certificates",
        "/etc/mime.types", "/etc/gitconfig")


class SandboxSettingsError(ValueError):
    """A VIBEOPS_TOOL_* or VIBEOPS_SANDBOX setting is wrong; the message names the variable."""


@dataclass(frozen=True)
class Limits:
    seconds: float = DEFAULT_SECONDS
    memory_bytes: int = DEFAULT_MEMORY_MB << 20  # address space (RLIMIT_AS)
    file_bytes: int = DEFAULT_FILE_MB << 20  # largest file written, stdout and stderr included (RLIMIT_FSIZE)


@dataclass
class Sandbox:
    """How tools run. `mode`: auto (bwrap when it works), require (no bwrap: refuse), off (no bwrap)."""

    limits: Limits = field(default_factory=Limits)
    mode: str = "auto"
    bwrap: str | None = field(default_factory=lambda: shutil.which("bwrap"))
    prlimit: str | None = field(default_factory=lambda: shutil.which("prlimit"))
    parent_env: Mapping[str, str] | None = None  # None: os.environ, read at each run

    def __post_init__(self):
        if self.mode not in MODES:
            raise SandboxSettingsError(f"VIBEOPS_SANDBOX must be one of {', '.join(MODES)}, not {self.mode!r}")
        self._probe_lock = threading.Lock()
        self._works: bool | None = None
        self._told: set[str] = set()  # tools already logged as running unsandboxed
        self._session_lock = threading.Lock()
        self._session: _Session | None = None  # the shared sandbox of host-filesystem runs (git)

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> "Sandbox":
        env = os.environ if env is None else env

        def number(name: str, default: int) -> int:
            raw = env.get(name, "").strip() or str(default)
            if not raw.isdigit() or int(raw) < 1:
                raise SandboxSettingsError(f"{name} must be a whole number of at least 1, not {raw!r}")
            return int(raw)

        limits = Limits(seconds=number("VIBEOPS_TOOL_TIMEOUT", DEFAULT_SECONDS),
                        memory_bytes=number("VIBEOPS_TOOL_MEMORY_MB", DEFAULT_MEMORY_MB) << 20,
                        file_bytes=number("VIBEOPS_TOOL_FILE_MB", DEFAULT_FILE_MB) << 20)
        return cls(limits=limits, mode=(env.get("VIBEOPS_SANDBOX", "").strip().lower() or "auto"))

    # --- what a run looks like --------------------------------------------------------------------

    def isolated(self) -> bool:
        """Whether tools run inside bwrap's namespaces (probed once: a container may forbid them)."""
        if self.mode == "off" or not self.bwrap:
            return False
        with self._probe_lock:
            if self._works is None:
                try:
                    probe = subprocess.run([self.bwrap, "--unshare-net", "--unshare-pid", "--die-with-parent",
                                            "--ro-bind", "/", "/", "--proc", "/proc", "--cap-drop", "ALL",
                                            "true"], capture_output=True, timeout=30, check=False, env={})
                    self._works = probe.returncode == 0
                    reason = probe.stderr.decode(errors="replace").strip()
                except (OSError, subprocess.TimeoutExpired) as exc:
                    self._works, reason = False, str(exc)
                if not self._works:
                    log.warning("bubblewrap at %s cannot make a sandbox here (%s): tools run with a scrubbed "
                                "environment and limits, but with network access", self.bwrap, reason[:200])
            return self._works

    def environment(self, scratch: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        parent = os.environ if self.parent_env is None else self.parent_env
        env = {name: parent[name] for name in INHERITED if parent.get(name)}
        env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
        env.update(HOME=scratch, TMPDIR=scratch, XDG_CACHE_HOME=os.path.join(scratch, ".cache"),
                   XDG_CONFIG_HOME=os.path.join(scratch, ".config"))
        env.update(extra or {})
        return env

    def run(self, argv: list[str], name: str, cwd: str | None = None, stdin: str | bytes | None = None,
            env: Mapping[str, str] | None = None, readable: Iterable[str] = (), writable: Iterable[str] = (),
            text: bool = True, host_filesystem: bool = False) -> subprocess.CompletedProcess:
        """Run `argv` as an untrusted-input processor; output is captured (text or bytes).

        `env` adds tool settings to the allowlisted environment. `readable`/`writable` are the
        paths the tool may read or write besides `cwd` (readable) and its scratch folder.
        `host_filesystem` keeps the host's filesystem as it is (git on the user's own repository)
        while still cutting the network.
        """
        deadline.check(f"run {name}")
        if self.mode == "require" and not self.isolated():
            raise ToolError(f"{name} was not run: VIBEOPS_SANDBOX=require but bubblewrap cannot make a sandbox",
                            hint="Install bubblewrap (apt-get install bubblewrap) or allow user namespaces.")
        if host_filesystem and self.mode != "off" and self.bwrap and self._works is not False:
            # Every host-filesystem run gets the same sandbox (the whole disk, no network): one for all.
            # Its start doubles as the probe: None means bwrap cannot make a sandbox here (now known).
            done = self._in_session(argv, name, cwd, stdin, env, text)
            if done is not None:
                return done
        with owned_folder("tool") as private:
            scratch = Path(private, "scratch")
            scratch.mkdir()
            full_env = self.environment(str(scratch), env)
            cwd = cwd or str(scratch)  # never the server's own working directory
            command = [_executable(argv[0], name, full_env["PATH"]), *argv[1:]]
            seconds = self._seconds()
            if self.isolated():
                command = self._bwrap(command, cwd, [*readable], [str(scratch), *writable], host_filesystem)
            elif name not in self._told:  # once per tool and process, not on every run
                self._told.add(name)
                log.warning("%s runs without a network namespace or filesystem sandbox (bubblewrap unavailable "
                            "or VIBEOPS_SANDBOX=off); its environment is scrubbed and its limits apply", name)
            command, preexec = self._limited(command)
            return self._execute(command, name, cwd, stdin, full_env, text, Path(private), preexec, seconds)

    def _bwrap(self, argv: list[str], cwd: str | None, readable: list[str], writable: list[str],
               host_filesystem: bool) -> list[str]:
        words = [self.bwrap, "--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid",
                 "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--cap-drop", "ALL"]
        if host_filesystem:
            words += ["--bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        else:
            system = [p for p in (*_SYSTEM, *_ETC) if os.path.exists(p)]
            words += [arg for path in system for arg in ("--ro-bind", path, path)]
            words += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/run"]
            # After the fresh /tmp: the program and the given paths may live under the host's /tmp.
            program = argv[0]
            given = [os.path.dirname(program), os.path.dirname(os.path.realpath(program)), sys.prefix,
                     sys.base_prefix, *_interpreter_roots(program), *([cwd] if cwd else []), *readable]
            words += [arg for path in dict.fromkeys(os.path.abspath(p) for p in given if p and os.path.exists(p))
                      for arg in ("--ro-bind", path, path)]
        words += [arg for path in dict.fromkeys(os.path.abspath(p) for p in writable if os.path.exists(p))
                  for arg in ("--bind", path, path)]
        if cwd:
            words += ["--chdir", os.path.abspath(cwd)]
        return [*words, "--", *argv]

    def _seconds(self) -> float:
        left = deadline.remaining()  # a job's wall-clock limit cuts its tools short too
        return self.limits.seconds if left is None else max(0.1, min(self.limits.seconds, left))

    def _in_session(self, argv: list[str], name: str, cwd: str | None, stdin: str | bytes | None,
                    env: Mapping[str, str] | None, text: bool) -> subprocess.CompletedProcess:
        """One host-filesystem run in the shared sandbox. Its runs also share a private folder (their
        HOME and the files of stdin, stdout and stderr): a tool that sees the whole disk could reach
        it anyway, and each folder made and removed costs milliseconds on some disks."""
        data = stdin.encode() if isinstance(stdin, str) else stdin
        with self._session_lock:
            session = self._session
            fresh = session is not None and not session.asked  # started ahead (start_session): still a probe
            if session is None or not session.usable():
                if session is not None:
                    session.close()
                self._session = None
                try:
                    session, fresh = self._new_session(), True
                except ToolError as exc:
                    if self._sandbox_fails(str(exc)):
                        return None
                    raise
                self._session = session
            full_env = self.environment(str(session.scratch), env)
            command = [_executable(argv[0], name, full_env["PATH"]), *argv[1:]]
            seconds = self._seconds()
            paths = session.files
            paths["stdin"].write_bytes(data or b"")
            job = {"argv": command, "env": full_env, "cwd": os.path.abspath(cwd or session.scratch),
                   "seconds": seconds, "memory": self.limits.memory_bytes, "file": self.limits.file_bytes,
                   **{key: str(path) for key, path in paths.items()}}
            answer = reason = None
            try:
                answer = session.ask(job, seconds + 10)  # the runner stops the tool itself at `seconds`
            finally:
                if answer is None:  # a runner that did not answer is not asked again
                    reason = session.ended() if fresh else None
                    session.close()
                    self._session = None
            if answer is None and reason is not None and self._sandbox_fails(reason):
                return None  # bwrap could not start the runner: the caller runs the tool without namespaces
            if answer is not None and self._works is None:
                with self._probe_lock:
                    self._works = True  # the runner answered from inside its namespaces: no probe needed
            if answer is None:
                deadline.check(f"finish {name}")
                raise ToolError(f"{name} could not be run: its sandbox stopped answering", hint=_SESSION_HINT)
            if not answer.get("finished"):
                deadline.check(f"finish {name}")  # the job's limit, not the tool's, stopped it
                raise ToolError(f"{name} did not finish in {seconds:g} s and was stopped",
                                hint="VIBEOPS_TOOL_TIMEOUT sets the limit.")
            return self._completed(command, name, int(answer["returncode"]), paths, text)

    def start_session(self) -> None:
        """Start the shared sandbox of host-filesystem runs in the background (the first git run waits for
        it), so its start overlaps whatever the caller does next, such as importing the rest of vibeops."""
        if self.mode == "off" or not self.bwrap or self._works is False:
            return

        def start() -> None:
            with self._session_lock:
                if self._session is None:
                    try:
                        self._session = self._new_session()
                    except ToolError:
                        pass  # the first run tries again, and reports it

        threading.Thread(target=start, name="vibeops-sandbox-start", daemon=True).start()

    def _sandbox_fails(self, reason: str) -> bool:
        """A first sandbox that could not start: bwrap cannot make one here, as the probe would have found."""
        with self._probe_lock:
            if self._works is not None:
                return False
            self._works = False
        log.warning("bubblewrap at %s cannot make a sandbox here (%s): tools run with a scrubbed "
                    "environment and limits, but with network access", self.bwrap, reason[:200])
        return True

    def _new_session(self) -> "_Session":
        session = _Session(self._session_command())
        weakref.finalize(self, session.close)  # a Sandbox dropped unclosed does not leave its runner behind
        return session

    def _session_command(self) -> list[str]:
        """bwrap around the runner: the host's filesystem, no network, new PID/IPC/UTS namespaces, no capabilities."""
        command = self._bwrap([sys.executable, "-I", "-S", "-c", _RUNNER], "/", [], [], True)
        return self._limited(command)[0] if self.prlimit else command

    def close(self) -> None:
        """Stop the shared sandbox of host-filesystem runs, if one is running (also done at exit)."""
        with self._session_lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    def _limited(self, argv: list[str]):
        limits = self.limits
        if self.prlimit:
            return [self.prlimit, f"--as={limits.memory_bytes}", f"--fsize={limits.file_bytes}", "--core=0",
                    "--", *argv], None

        def preexec() -> None:  # no prlimit binary: set the limits between fork and exec
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        return argv, preexec

    def _execute(self, argv: list[str], name: str, cwd: str | None, stdin: str | bytes | None,
                 env: dict[str, str], text: bool, private: Path, preexec,
                 seconds: float) -> subprocess.CompletedProcess:
        # Output goes to files (bounded by RLIMIT_FSIZE), never into an unbounded pipe buffer.
        data = stdin.encode() if isinstance(stdin, str) else stdin
        paths = {key: private / key for key in ("stdin", "stdout", "stderr")}
        paths["stdin"].write_bytes(data or b"")
        with open(paths["stdin"], "rb") as given, open(paths["stdout"], "wb") as out, \
                open(paths["stderr"], "wb") as err:
            try:
                process = subprocess.Popen(argv, cwd=cwd, stdin=given, stdout=out, stderr=err, env=env,
                                           start_new_session=True, preexec_fn=preexec)
            except FileNotFoundError as exc:
                raise ToolError(f"{name} not found at {argv[0]}",
                                hint=f"Set VIBEOPS_{name.upper()} to the binary.") from exc
            except PermissionError as exc:
                raise ToolError(f"{name} at {argv[0]} is not executable") from exc
            try:
                finished = _wait_unreaped(process, seconds)
            except BaseException:
                _kill_group(process)
                raise
            _kill_group(process)  # what it left running in the background; the group id is still its own
            if not finished:
                deadline.check(f"finish {name}")  # the job's limit, not the tool's, stopped it
                raise ToolError(f"{name} did not finish in {seconds:g} s and was stopped",
                                hint="VIBEOPS_TOOL_TIMEOUT sets the limit.")
            returncode = process.returncode
        return self._completed(argv, name, returncode, paths, text)

    def _completed(self, argv: list[str], name: str, returncode: int, paths: dict[str, Path],
                   text: bool) -> subprocess.CompletedProcess:
        stdout, stderr = paths["stdout"].read_bytes(), paths["stderr"].read_bytes()
        if returncode in (-signal.SIGXFSZ, 128 + signal.SIGXFSZ):
            raise ToolError(f"{name} wrote more than {self.limits.file_bytes >> 20} MB and was stopped",
                            hint="VIBEOPS_TOOL_FILE_MB sets the limit.")
        if text:
            return subprocess.CompletedProcess(argv, returncode, stdout.decode(errors="replace"),
                                               stderr.decode(errors="replace"))
        return subprocess.CompletedProcess(argv, returncode, stdout, stderr)


def _executable(program: str, name: str, path: str) -> str:
    """The program's path, checked here: inside bwrap or prlimit a missing binary is just an exit code."""
    found = program if os.sep in program else shutil.which(program, path=path)
    if not found or not os.path.isfile(found):
        raise ToolError(f"{name} not found at {program}", hint=f"Set VIBEOPS_{name.upper()} to the binary.")
    if not os.access(found, os.X_OK):
        raise ToolError(f"{name} at {program} is not executable")
    return os.path.abspath(found)


def _interpreter_roots(program: str) -> list[str]:
    """For a script (a wheel's entry point, a tool in its own venv): its interpreter's install folders."""
    try:
        with open(program, "rb") as handle:
            first = handle.readline(512)
    except OSError:
        return []
    if not first.startswith(b"#!"):
        return []
    words = first[2:].decode(errors="replace").split()
    if not words or not os.path.isabs(words[0]):
        return []
    interpreter = words[0]
    # .../venv/bin/python -> .../venv, and the real one's prefix (/usr, a pyenv version) as well
    roots = [os.path.dirname(os.path.dirname(interpreter)),
             os.path.dirname(os.path.dirname(os.path.realpath(interpreter)))]
    return [root for root in roots if root not in ("/", "")]  # `#!/bin/sh` must not bind the whole disk


def _wait_unreaped(process: subprocess.Popen, seconds: float) -> bool:
    """Wait for the tool to exit without reaping it (its PID, thus its group ID, cannot be reused yet).

    A pidfd wakes us the moment the tool exits (a poll loop would add up to its interval to every run)."""
    try:
        handle = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # before Linux 5.3: poll
        return _poll_unreaped(process, seconds)
    try:
        _readable(handle, seconds)
    finally:
        os.close(handle)
    return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def _readable(fd: int, seconds: float) -> bool:
    """Whether `fd` becomes readable within `seconds` (poll, not select: any descriptor number works)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(max(0, int(seconds * 1000) + 1)))


def _poll_unreaped(process: subprocess.Popen, seconds: float) -> bool:
    until = time.monotonic() + seconds
    delay = 0.001
    while True:
        if os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        if time.monotonic() >= until:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the tool's whole process group (it runs in a session of its own), then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


_SESSION_HINT = "Run it again; VIBEOPS_SANDBOX=off runs tools without namespaces if bubblewrap misbehaves here."

# The runner inside the shared sandbox: one JSON job per line in, one JSON answer per line out. Each
# job is started as the sandbox starts a tool (its own session, the limits, its files as stdin, stdout
# and stderr, the given environment and folder), stopped at its time limit with its whole process
# group, and its group is killed when it ends. It holds nothing but what the jobs bring.
_RUNNER = r"""
import json, os, resource, select, signal, sys, time
source, answers = sys.stdin.buffer, sys.stdout.buffer
while True:
    line = source.readline()
    if not line:
        break
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            for number in (signal.SIGPIPE, signal.SIGXFSZ):  # Python ignores them; a tool gets them as usual
                signal.signal(number, signal.SIG_DFL)
            for which, value in ((resource.RLIMIT_AS, job["memory"]), (resource.RLIMIT_FSIZE, job["file"]),
                                 (resource.RLIMIT_CORE, 0)):
                resource.setrlimit(which, (value, value))
            for fd, key, flags in ((0, "stdin", os.O_RDONLY), (1, "stdout", os.O_WRONLY | os.O_TRUNC),
                                   (2, "stderr", os.O_WRONLY | os.O_TRUNC)):
                opened = os.open(job[key], flags)
                os.dup2(opened, fd)
                os.close(opened)
            os.chdir(job["cwd"])
            os.execve(job["argv"][0], job["argv"], job["env"])
        except BaseException as exc:
            try:
                os.write(2, ("cannot start: %s" % exc).encode())
            finally:
                os._exit(127)
    until = time.monotonic() + job["seconds"]
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):
        handle = None
    delay = 0.001
    while True:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            finished = True
            break
        left = until - time.monotonic()
        if left <= 0:
            finished = False
            break
        if handle is not None:
            poller = select.poll()
            poller.register(handle, select.POLLIN)
            poller.poll(int(left * 1000) + 1)
        else:
            time.sleep(min(delay, left))
            delay = min(delay * 2, 0.05)
    if handle is not None:
        os.close(handle)
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    status = os.waitpid(pid, 0)[1]
    answers.write(json.dumps({"returncode": os.waitstatus_to_exitcode(status), "finished": finished}).encode()
                  + b"\n")
    answers.flush()
"""


class _Session:
    """The runner in its sandbox: started by a thread of its own that lives as long as it does, because
    bwrap's --die-with-parent follows the thread that started it, and a job's thread ends before the
    process does. The runner's stdin and stdout are pipes to us; nothing else reaches it."""

    def __init__(self, command: list[str]):
        self.pid = os.getpid()  # a forked child must not talk on its parent's pipes
        self.process: subprocess.Popen | None = None
        self.asked = False
        self._folder = owned_folder("tool")
        private = Path(self._folder.name)
        self.scratch = private / "scratch"
        self.scratch.mkdir()
        self.files = {key: private / key for key in ("stdin", "stdout", "stderr")}
        for path in self.files.values():
            path.write_bytes(b"")
        self._buffer = b""
        started = threading.Event()
        failure: list[BaseException] = []

        def own() -> None:
            try:
                with open(private / "session-errors", "wb") as errors:  # bwrap's own complaint, if any
                    self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                    stderr=errors, env={}, start_new_session=True)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                failure.append(exc)
                return
            finally:
                started.set()
            self.process.wait()

        threading.Thread(target=own, name="vibeops-sandbox-session", daemon=True).start()
        started.wait()
        if failure:
            self._folder.cleanup()
            raise ToolError(f"the sandbox could not be started: {failure[0]}", hint=_SESSION_HINT)

    def ended(self) -> str | None:
        """Why the runner is gone, when it exited (bwrap's message, or its exit status); None if it runs."""
        try:
            status = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return None
        with open(Path(self._folder.name, "session-errors"), "rb") as errors:
            said = errors.read(500).decode(errors="replace").strip()
        return said or f"bwrap exited {status}"

    def usable(self) -> bool:
        return self.pid == os.getpid() and self.process is not None and self.process.poll() is None

    def ask(self, job: dict, seconds: float) -> dict | None:
        """Send one job and wait for its answer; None when the runner ended or did not answer in time."""
        self.asked = True
        try:
            self.process.stdin.write(json.dumps(job).encode() + b"\n")
            self.process.stdin.flush()
        except (OSError, ValueError):
            return None
        until = time.monotonic() + seconds
        out = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            left = until - time.monotonic()
            if left <= 0 or not _readable(out, left):
                return None
            chunk = os.read(out, 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            answer = json.loads(line)
        except ValueError:
            return None
        return answer if isinstance(answer, dict) and isinstance(answer.get("returncode"), int) else None

    def close(self) -> None:
        process = self.process
        if process is None or self.pid != os.getpid():
            return
        self.process = None
        try:
            process.stdin.close()  # end of jobs: the runner exits
        except OSError:
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)  # bwrap; its PID namespace goes with it
        except (ProcessLookupError, PermissionError):
            pass
        process.stdout.close()
        self._folder.cleanup()


_default: Sandbox | None = None
_default_lock = threading.Lock()


def default_sandbox() -> Sandbox:
    """The process's sandbox from VIBEOPS_SANDBOX / VIBEOPS_TOOL_* (made on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Sandbox.from_environment()
        return _default
