"""Hostile answers for tests: what the faults `hostile_text`, `message_count`, `param_count`
and `odd_values` do to the bodies the simulator sends.

A client must treat every text from a server as data. Under `hostile_text` each text field
carries terminal control sequences and Rich/Textual markup (`HOSTILE_SNIPPETS`), so a test can
assert that none of them reaches a terminal raw and none is parsed as markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from hvctui.sim.catalog import message

if TYPE_CHECKING:
    from hvctui.sim.world import Faults

#: Each reaches a terminal raw only if a client forgot to neutralise server text.
HOSTILE_SNIPPETS: tuple[str, ...] = (
    "\x1b]52;c;aGFjaw==\x07",  # OSC 52: write "hack" to the clipboard
    "\x1b]0;pwned\x07",  # OSC 0: set the window title
    "\x1b[2J",  # CSI: clear the screen
    "\x9b2J",  # the same with the 8-bit C1 CSI
    "\x07",  # bell
    "[/oops]",  # a closing tag with no opening one: Rich raises MarkupError
    "[@click=app.quit]click[/]",  # a Textual action link
    "[b]bold[/b]",
)
_BEFORE = "".join(HOSTILE_SNIPPETS[:5])
_AFTER = "".join(HOSTILE_SNIPPETS[5:])
#: Every snippet once, in order: the text of a field that had none of its own.
HOSTILE_TEXT = _BEFORE + _AFTER

#: The values `odd_values` adds to every message: legal JSON, hard to render.
ODD_PARAMS: dict[str, dict[str, Any]] = {
    "odd_end_of_time": {"dt": "9999-12-31T23:59:59-01:00", "format": "FULL_DATE_TIME"},
    "odd_huge_integer": {"i": 10**30},
    "odd_huge_double": {"d": 1e308, "precision": 10**9},
    "odd_format": {"dt": "2019-04-05T18:30:02.000Z", "format": "NOT_A_DATE_TIME_FORMAT"},
}


def taint(text: str) -> str:
    """`text` wrapped in every hostile snippet; the original stays whole in the middle."""
    return f"{_BEFORE}{text}{_AFTER}"


def resolve(offered: str, genuine: Iterable[str], hostile: bool) -> str | None:
    """The genuine value a client sent back: exact, or under `hostile_text` found inside what
    it offered (a client may echo a tainted value whole, or with the snippets cleaned).
    The longest match wins."""
    candidates = list(genuine)
    if offered in candidates:
        return offered
    if not hostile:
        return None
    inside = [value for value in candidates if value and value in offered]
    return max(inside, key=len) if inside else None


def _padding_param(index: int) -> dict[str, Any]:
    kind = index % 4
    if kind == 0:
        return {"s": f"value {index}"}
    if kind == 1:
        return {"i": index}
    if kind == 2:
        return {"d": index / 7, "precision": 3}
    return {"dt": "2019-04-05T18:30:02.000Z", "format": "MED_DATE_TIME"}


def _taint_params(params: dict[str, Any]) -> dict[str, Any]:
    tainted: dict[str, Any] = {}
    for name, param in params.items():
        value = dict(param) if isinstance(param, dict) else param
        if isinstance(value, dict):
            if isinstance(value.get("s"), str):
                value["s"] = taint(value["s"])
            if isinstance(value.get("l"), dict):
                value["l"] = _taint_nested(value["l"])
        tainted[taint(name)] = value
    return tainted


def _taint_nested(nested: dict[str, Any]) -> dict[str, Any]:
    out = dict(nested)
    out["id"] = taint(str(nested.get("id", "")))
    out["params"] = _taint_params(dict(nested.get("params") or {}))
    out["params"][HOSTILE_TEXT] = {"s": HOSTILE_TEXT}
    return out


def decorate_message(msg: dict[str, Any], faults: Faults) -> dict[str, Any]:
    """One LocalizableMessage as the faults want it (a copy; `msg` itself is left alone)."""
    if not (faults.odd_values or faults.param_count or faults.hostile_text):
        return msg
    out = dict(msg)
    params = dict(msg.get("params") or {})
    if faults.odd_values:
        params.update(ODD_PARAMS)
    index = 0
    while len(params) < faults.param_count:
        params.setdefault(f"extra_{index}", _padding_param(index))
        index += 1
    if faults.hostile_text:
        params = _taint_params(params)
        params[HOSTILE_TEXT] = {"s": HOSTILE_TEXT}
        params[taint("nested")] = {"l": _taint_nested({"id": "hvctui.sim.nested"})}
        for key in ("id", "default_message", "localized"):
            if isinstance(out.get(key), str):
                out[key] = taint(out[key])
        out["args"] = [taint(str(arg)) for arg in msg.get("args") or []] or [HOSTILE_TEXT]
    if params:
        out["params"] = params
    return out


def decorate_error(body: dict[str, Any], faults: Faults, lang: str | None) -> dict[str, Any]:
    """An error body as the faults want it: the stack's length, each message, `data`."""
    messages = list(body.get("messages") or [])
    count = faults.message_count
    if count:
        messages = messages[:count] + [
            message("hvctui.sim.cause",
                    {"depth": {"i": depth + 1}, "count": {"i": count}}, lang=lang)
            for depth in range(len(messages), count)
        ]
    out = dict(body)
    out["messages"] = [decorate_message(m, faults) for m in messages]
    if faults.hostile_text:
        data = {key: taint(value) if isinstance(value, str) else value
                for key, value in (body.get("data") or {}).items()}
        data[HOSTILE_TEXT] = HOSTILE_TEXT
        out["data"] = data
    return out
