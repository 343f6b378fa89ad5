"""Name what a forbidden command does (download-and-run, destruction, root), for clear findings.

The allowlist rejects these commands anyway; this module says *why* they are dangerous, and it is
the part that is reported (as warnings) on workflows vibeops did not write.
"""

from __future__ import annotations

from bot.scope.bash import Script, SimpleCommand

NETWORK = {"curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "ssh", "scp", "sftp", "ftp", "rsync",
           "aria2c", "http", "https", "Invoke-WebRequest", "Invoke-RestMethod", "iwr", "irm", "gh"}
SHELLS = {"bash", "sh", "zsh", "dash", "ksh", "fish", "csh", "tcsh", "ash", "busybox"}
INTERPRETERS = SHELLS | {"python", "python2", "python3", "perl", "ruby", "node", "php", "pwsh", "powershell",
                         "deno", "bun", "lua", "Rscript", "osascript"}
_ROOT_TARGETS = {"/", "/*", "~", "~/", "~/*", "$HOME", "${HOME}", "$HOME/", "${HOME}/", "$HOME/*", "/home",
                 "/usr", "/etc", "/var", "/bin", "/boot", ".", "./", "*", "..", "$GITHUB_WORKSPACE",
                 "${GITHUB_WORKSPACE}"}


def classic(command: SimpleCommand, script: Script) -> str | None:
    """Download-and-run and destruction: what the old deny-list named, now found by the parser."""
    name = command.argv[0] if command.argv else ""
    base = name.rsplit("/", 1)[-1]
    args = [w.value for w in command.words[1:]]
    if base in ("sudo", "doas", "env", "nohup", "exec", "command", "builtin", "time", "xargs") and args:
        rest = list(command.words[1:])
        while rest and (rest[0].value.startswith("-") or "=" in rest[0].value):
            rest.pop(0)  # the wrapper's own flags and `env`'s assignments
        inner = rest
        if inner:
            return classic(SimpleCommand(tuple(inner), (), command.redirects, command.line, command.pipe_in,
                                         command.pipe_out), script)
    downloads = any(c.argv and c.argv[0].rsplit("/", 1)[-1] in NETWORK for c in script.commands)
    if base in INTERPRETERS:
        if command.pipe_in and downloads:
            return f"pipes a download into `{base}`"
        if any(w.substituted for w in command.words[1:]) and downloads:
            return f"runs a downloaded script with `{base}`"
    if base in ("eval", "source", ".") and any(w.substituted for w in command.words[1:]) and downloads:
        return f"runs a downloaded script with `{base}`"
    positional = [a for a in args if not a.startswith("-")]
    if base == "kubectl" and "delete" in positional:
        return "deletes Kubernetes resources (`kubectl delete`)"
    if base == "helm" and positional[:1] and positional[0] in ("uninstall", "delete", "del", "un"):
        return "uninstalls a Helm release"
    if base in ("terraform", "tofu", "terragrunt") and ("destroy" in positional
                                                        or ("apply" in positional and "-destroy" in args)):
        return "destroys infrastructure (`terraform destroy`)"
    destroys_root = base == "rm" and _recursive_force(args) and any(a in _ROOT_TARGETS for a in positional)
    return "deletes the file system (`rm -rf` of the root, home or workspace)" if destroys_root else None


def describe(command: SimpleCommand, script: Script) -> str | None:
    """Every dangerous command the allowlist meets, named: classic ones first, then the rest."""
    found = classic(command, script)
    if found:
        return found
    name = command.argv[0].rsplit("/", 1)[-1] if command.argv else ""
    args = [w.value for w in command.words[1:]]
    if name in NETWORK:
        return f"reaches the network with `{name}`"
    if name in INTERPRETERS:
        if command.pipe_in:
            return f"pipes a script into `{name}`"
        if "-c" in args or "-e" in args:
            return f"runs inline code with `{name}`"
        return f"runs the interpreter `{name}`"
    if name in ("eval", "source", "."):
        return f"runs code through `{name}`"
    if name == "base64" and ("-d" in args or "--decode" in args or "-D" in args):
        return "decodes hidden content with `base64 -d`"
    if name in ("sudo", "doas", "su"):
        return f"runs commands as root with `{name}`"
    if name in ("npx", "npm", "yarn", "pnpm", "bunx", "gem", "cargo", "go", "apt", "apt-get", "brew", "snap"):
        return f"installs software with `{name}`, outside the pinned allowlist"
    if name in ("kubectl", "helm", "terraform", "tofu", "aws", "gcloud", "az", "docker", "podman"):
        return f"runs `{name}` against live infrastructure or images"
    if name == "rm":
        return "deletes files"
    return None


def _recursive_force(args: list[str]) -> bool:
    flags = "".join(a[1:] for a in args if a.startswith("-") and not a.startswith("--"))
    longs = {a for a in args if a.startswith("--")}
    recursive = "r" in flags or "R" in flags or "--recursive" in longs
    force = "f" in flags or "--force" in longs
    return recursive and force
