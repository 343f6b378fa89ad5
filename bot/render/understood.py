"""The request as understood, clause by clause, next to the workflow line that satisfies each clause."""

from __future__ import annotations

_LABELS = {"verb": "verb", "object": "what to write", "tools": "tool", "mode": "scan mode", "targets": "files",
           "fail_on": "fails the build on", "triggers": "triggers", "schedule": "schedule",
           "upload_sarif": "SARIF upload", "required_check": "required check", "model": "read by the model",
           "not-understood": "NOT UNDERSTOOD"}


def rows(data: dict | None) -> list[tuple[str, str, str]]:
    """(clause as written, field: value, the workflow's answer) for each clause of `understood`."""
    if not data:
        return []
    found = []
    for row in data.get("clauses") or []:
        label = _LABELS.get(row["field"], row["field"])
        if row["field"] == "not-understood":
            meaning = "REFUSED" if row.get("value") == "refused" else label
        else:
            meaning = f"{label}: {row['value']}" if row.get("value") and row["field"] != "verb" else label
        proof = row.get("workflow") or ""
        if row.get("ok") is False and proof and "✗" not in proof and row["field"] != "not-understood":
            proof += " ✗"
        found.append((row["clause"], meaning, proof))
    return found


def understood_table(data: dict | None) -> str:
    if not data:
        return "_The request was not read clause by clause._"
    lines = ["| you wrote | understood as | in the workflow |", "|---|---|---|"]
    for clause, meaning, proof in rows(data):
        lines.append(f"| {_code(clause)} | {_code(meaning)} | {_plain(proof) or '—'} |")
    for note in data.get("notes") or []:
        lines.append(f"\n_Note: {_plain(note)}._")
    return "\n".join(lines)


def _code(text: str) -> str:
    """The user's words in a table cell, as code: no pipe, line break or backquote can leave the cell."""
    cleaned = " ".join(str(text).split()).replace("|", "\\|").replace("`", "'")
    # Inert too (no HTML comment, mention or reference even in a code span): a body holds one marker, ours.
    from bot.render.markdown import inert  # markdown imports this module

    return f"`{inert(cleaned)}`" if cleaned else ""


def _plain(text: str) -> str:
    """What the workflow says, as text: no pipes, no HTML, and no @mention that would notify anyone."""
    from bot.render.markdown import inert  # markdown imports this module

    cleaned = " ".join(str(text).split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return inert(cleaned)
