"""Follow `find … | xargs CMD` to the commands xargs will really run, using the repository tree."""

from __future__ import annotations

import fnmatch
import posixpath

from bot.repotree import ROOT, RepoTree, is_under, normalize
from bot.scope.shell import Command, Unresolved, expand_vars

_SHORT_VALUE = {"-n", "-L", "-P", "-I", "-d", "-a", "-E", "-s"}
_LONG_VALUE = {"--max-args", "--max-lines", "--max-procs", "--delimiter", "--arg-file", "--replace", "--eof"}
_LONG_TO_SHORT = {"--max-args": "-n", "--max-lines": "-L", "--replace": "-I"}


def expand_xargs(command: Command, tree: RepoTree, checkout_root: str | None) -> list[Command] | str:
    """The commands `xargs` runs (argv filled from its input), or why they cannot be known."""
    words = list(command.argv[1:])
    per_item, replace = False, None
    while words and words[0].startswith("-"):
        flag = words.pop(0)
        if flag.startswith("--"):
            name, eq, value = flag.partition("=")
            if not eq and name in _LONG_VALUE:
                value = words.pop(0) if words else ""
            name = _LONG_TO_SHORT.get(name, name)
        elif flag == "-i":
            name, value = "-I", "{}"
        else:
            name, value = flag[:2], flag[2:]  # `-n1`, `-I{}`, or the value in the next word
            if name in _SHORT_VALUE and not value:
                value = words.pop(0) if words else ""
        if name in ("-n", "-L") and value == "1":
            per_item = True
        if name == "-I":
            replace, per_item = value or "{}", True
    if not words:
        return "xargs without a command"
    items = _producer_output(command.upstream, tree, checkout_root)
    if isinstance(items, str):
        return items
    if replace:
        groups = [[w.replace(replace, item) for w in words] for item in items]
    elif per_item:
        groups = [words + [item] for item in items]
    else:
        groups = [words + items]  # one batch: every item becomes an argument of one command
    return [Command(tuple(g), command.cwd, command.env) for g in groups]


def _producer_output(upstream: Command | None, tree: RepoTree, checkout_root: str | None) -> list[str] | str:
    if upstream is None:
        return "xargs reads input that is not produced in the same script"
    if upstream.problem:
        return upstream.problem
    try:
        argv = [expand_vars(w, upstream.env) for w in upstream.argv]
    except Unresolved as exc:
        return str(exc)
    if argv[0] == "find":
        return _find(argv[1:], upstream.cwd, tree, checkout_root)
    if argv[0] in ("echo", "printf") and all(not w.startswith("-") for w in argv[1:]):
        return [w for arg in argv[1:] for w in arg.split()]
    return f"xargs input comes from `{argv[0]}`, which is only known when the workflow runs"


def _find(args: list[str], cwd: str, tree: RepoTree, checkout_root: str | None) -> list[str] | str:
    """`find PATH… [-maxdepth N] [-type f] [-name|-iname|-path PATTERN [-o …]]`, as paths find prints."""
    starts: list[str] = []
    while args and not args[0].startswith("-") and args[0] not in ("(", "!"):
        starts.append(args.pop(0))
    starts = starts or ["."]
    tests: list[tuple[str, str]] = []
    file_type, max_depth = None, None
    while args:
        word = args.pop(0)
        if word in ("-name", "-iname", "-path", "-wholename") and args:
            tests.append((word, args.pop(0)))
        elif word == "-type" and args:
            file_type = args.pop(0)
        elif word == "-maxdepth" and args:
            max_depth = int(args.pop(0)) if args[0].isdigit() else None
        elif word in ("-o", "-or", "-print", "-print0", "(", ")"):
            continue
        else:
            return f"find option {word} is not understood"
    if file_type not in (None, "f"):
        return "find selects something other than regular files"
    if checkout_root is None:
        return "the job does not check out the repository"
    found: list[str] = []
    for start in starts:
        base = normalize(posixpath.relpath(posixpath.join(cwd, start), checkout_root))
        if base.startswith(".."):
            return f"find starts outside the repository ({start})"
        for path in tree.files:
            if not is_under(path, base):
                continue
            below = path if base == ROOT else path[len(base) + 1:]
            if max_depth is not None and below.count("/") + 1 > max_depth:
                continue
            printed = posixpath.join(start, below) if start != "." else "./" + below
            if not tests or any(_matches(kind, pattern, printed) for kind, pattern in tests):
                found.append(printed)
    return found


def _matches(kind: str, pattern: str, printed: str) -> bool:
    if kind == "-name":
        return fnmatch.fnmatchcase(posixpath.basename(printed), pattern)
    if kind == "-iname":
        return fnmatch.fnmatchcase(posixpath.basename(printed).lower(), pattern.lower())
    return fnmatch.fnmatchcase(printed, pattern)  # -path: `*` crosses `/` here, as in find
