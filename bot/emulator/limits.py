"""Discord's size and shape limits for what a bot sends.

Each check returns problems as (dotted path, message); the server turns them into Discord's
own 400 "Invalid Form Body" (50035) reply, nested by path, which discord.py flattens into the
HTTPException text exactly as it does for real Discord.
"""

from __future__ import annotations

import re
from typing import Any

Problem = tuple[str, str]

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
BUTTONS_PER_ROW_MAX = 5
BUTTON_LABEL_MAX = 80
CUSTOM_ID_MAX = 100
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_TEXT_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
MODAL_TITLE_MAX = 45
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000
AUTOCOMPLETE_CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
COMMAND_NAME_RE = re.compile(r"^[-_\w]{1,32}$")
THREAD_NAME_MAX = 100

BUTTON, SELECT_TYPES, TEXT_INPUT, LABEL = 2, {3, 5, 6, 7, 8}, 4, 18


def _too_long(path: str, value: Any, limit: int, problems: list[Problem]) -> None:
    if isinstance(value, str) and len(value) > limit:
        problems.append((path, f"Must be {limit} or fewer in length."))


def check_message(payload: dict[str, Any], *, has_files: bool = False) -> list[Problem]:
    problems: list[Problem] = []
    content = payload.get("content")
    _too_long("content", content, CONTENT_MAX, problems)
    embeds = payload.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        problems.append(("embeds", f"Must be {EMBEDS_MAX} or fewer in length."))
    total = 0
    for i, embed in enumerate(embeds):
        total += _check_embed(f"embeds.{i}", embed, problems)
    if total > EMBED_TOTAL_MAX:
        problems.append(("embeds", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}"))
    components = payload.get("components") or []
    if int(payload.get("flags") or 0) & (1 << 15):
        _check_layout(components, problems)
    else:
        _check_rows("components", components, problems)
    return problems


def is_empty(payload: dict[str, Any], *, has_files: bool) -> bool:
    return not (
        payload.get("content")
        or payload.get("embeds")
        or payload.get("components")
        or payload.get("sticker_ids")
        or payload.get("poll")
        or has_files
    )


def _check_embed(path: str, embed: dict[str, Any], problems: list[Problem]) -> int:
    size = 0
    for key, limit in (("title", EMBED_TITLE_MAX), ("description", EMBED_DESCRIPTION_MAX)):
        value = embed.get(key)
        _too_long(f"{path}.{key}", value, limit, problems)
        size += len(value or "")
    fields = embed.get("fields") or []
    if len(fields) > EMBED_FIELDS_MAX:
        problems.append((f"{path}.fields", f"Must be {EMBED_FIELDS_MAX} or fewer in length."))
    for j, field in enumerate(fields):
        name, value = field.get("name"), field.get("value")
        if not name:
            problems.append((f"{path}.fields.{j}.name", "This field is required"))
        if not value:
            problems.append((f"{path}.fields.{j}.value", "This field is required"))
        _too_long(f"{path}.fields.{j}.name", name, EMBED_FIELD_NAME_MAX, problems)
        _too_long(f"{path}.fields.{j}.value", value, EMBED_FIELD_VALUE_MAX, problems)
        size += len(name or "") + len(value or "")
    footer = (embed.get("footer") or {}).get("text")
    _too_long(f"{path}.footer.text", footer, EMBED_FOOTER_MAX, problems)
    author = (embed.get("author") or {}).get("name")
    _too_long(f"{path}.author.name", author, EMBED_AUTHOR_MAX, problems)
    return size + len(footer or "") + len(author or "")


def _check_rows(path: str, rows: list[dict[str, Any]], problems: list[Problem]) -> None:
    if len(rows) > ACTION_ROWS_MAX:
        problems.append((path, f"Must be {ACTION_ROWS_MAX} or fewer in length."))
    seen: set[str] = set()
    for i, row in enumerate(rows):
        row_path = f"{path}.{i}"
        if row.get("type") != 1:
            problems.append((f"{row_path}.type", "Top-level components must be action rows."))
            continue
        children = row.get("components") or []
        if not children:
            problems.append((f"{row_path}.components", "Must be 1 or more in length."))
        selects = [c for c in children if c.get("type") in SELECT_TYPES]
        if selects and len(children) > 1:
            problems.append((f"{row_path}.components", "A select must be alone in its row."))
        if len(children) > BUTTONS_PER_ROW_MAX:
            problems.append(
                (f"{row_path}.components", f"Must be {BUTTONS_PER_ROW_MAX} or fewer in length.")
            )
        for j, child in enumerate(children):
            _check_interactive(f"{row_path}.components.{j}", child, problems, seen)


def _check_interactive(
    path: str, comp: dict[str, Any], problems: list[Problem], seen: set[str]
) -> None:
    kind = comp.get("type")
    custom_id = comp.get("custom_id")
    if kind == BUTTON:
        _too_long(f"{path}.label", comp.get("label"), BUTTON_LABEL_MAX, problems)
        if comp.get("style") == 5:
            if not comp.get("url"):
                problems.append((f"{path}.url", "A link button needs a url."))
        elif comp.get("style") != 6 and not custom_id:
            problems.append((f"{path}.custom_id", "This field is required"))
        if not comp.get("label") and not comp.get("emoji"):
            problems.append((f"{path}.label", "A button needs a label or an emoji."))
    elif kind in SELECT_TYPES:
        options = comp.get("options") or []
        if kind == 3:
            if not options:
                problems.append((f"{path}.options", "Must be 1 or more in length."))
            if len(options) > SELECT_OPTIONS_MAX:
                problems.append(
                    (f"{path}.options", f"Must be {SELECT_OPTIONS_MAX} or fewer in length.")
                )
            values: set[str] = set()
            for k, option in enumerate(options):
                for key in ("label", "value", "description"):
                    _too_long(
                        f"{path}.options.{k}.{key}",
                        option.get(key),
                        SELECT_OPTION_TEXT_MAX,
                        problems,
                    )
                if option.get("value") in values:
                    problems.append(
                        (f"{path}.options.{k}.value", "Select option values must be unique.")
                    )
                values.add(option.get("value"))
        _too_long(f"{path}.placeholder", comp.get("placeholder"), SELECT_PLACEHOLDER_MAX, problems)
        lo, hi = comp.get("min_values", 1), comp.get("max_values", 1)
        if not 0 <= lo <= 25 or not 1 <= hi <= 25 or lo > hi:
            problems.append((f"{path}.max_values", "min_values/max_values out of range."))
        if kind == 3 and hi > len(options) and options:
            problems.append(
                (f"{path}.max_values", f"Must be less than or equal to {len(options)}.")
            )
        if not custom_id:
            problems.append((f"{path}.custom_id", "This field is required"))
    elif kind == TEXT_INPUT:
        _too_long(f"{path}.label", comp.get("label"), TEXT_INPUT_LABEL_MAX, problems)
        _too_long(f"{path}.value", comp.get("value"), TEXT_INPUT_VALUE_MAX, problems)
        if not custom_id:
            problems.append((f"{path}.custom_id", "This field is required"))
    if custom_id is not None:
        _too_long(f"{path}.custom_id", custom_id, CUSTOM_ID_MAX, problems)
        if custom_id in seen:
            problems.append((f"{path}.custom_id", "Component custom id cannot be duplicated"))
        seen.add(custom_id)


def _check_layout(components: list[dict[str, Any]], problems: list[Problem]) -> None:
    """Components v2 (LayoutView): count and check every interactive piece inside."""
    seen: set[str] = set()
    count = 0

    def walk(path: str, comp: dict[str, Any]) -> None:
        nonlocal count
        count += 1
        for key in ("components", "items"):
            for i, child in enumerate(comp.get(key) or []):
                walk(f"{path}.{key}.{i}", child)
        if comp.get("accessory"):
            walk(f"{path}.accessory", comp["accessory"])
        if comp.get("component"):
            walk(f"{path}.component", comp["component"])
        if comp.get("type") in {BUTTON, *SELECT_TYPES}:
            _check_interactive(path, comp, problems, seen)

    for i, comp in enumerate(components):
        walk(f"components.{i}", comp)
    if count > 40:
        problems.append(("components", "Must be 40 or fewer in length."))


def check_modal(data: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    _too_long("data.title", data.get("title"), MODAL_TITLE_MAX, problems)
    if not data.get("title"):
        problems.append(("data.title", "This field is required"))
    if not data.get("custom_id"):
        problems.append(("data.custom_id", "This field is required"))
    _too_long("data.custom_id", data.get("custom_id"), CUSTOM_ID_MAX, problems)
    rows = data.get("components") or []
    if not 1 <= len(rows) <= 5:
        problems.append(("data.components", "Must be between 1 and 5 in length."))
    seen: set[str] = set()
    for i, row in enumerate(rows):
        inner = [row.get("component")] if row.get("type") == LABEL else row.get("components") or []
        if row.get("type") == LABEL:
            _too_long(
                f"data.components.{i}.label", row.get("label"), TEXT_INPUT_LABEL_MAX, problems
            )
        for j, comp in enumerate(inner):
            if comp is not None:
                _check_interactive(f"data.components.{i}.components.{j}", comp, problems, seen)
    return problems


def check_autocomplete(data: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    choices = data.get("choices") or []
    if len(choices) > AUTOCOMPLETE_CHOICES_MAX:
        problems.append(("data.choices", f"Must be {AUTOCOMPLETE_CHOICES_MAX} or fewer in length."))
    for i, choice in enumerate(choices):
        name = choice.get("name")
        if not name:
            problems.append((f"data.choices.{i}.name", "This field is required"))
        _too_long(f"data.choices.{i}.name", name, CHOICE_NAME_MAX, problems)
        _too_long(f"data.choices.{i}.value", choice.get("value"), CHOICE_NAME_MAX, problems)
    return problems


def check_commands(commands: list[dict[str, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    names: set[tuple[int, str]] = set()
    for i, cmd in enumerate(commands):
        kind = cmd.get("type", 1)
        name = cmd.get("name", "")
        if (kind, name) in names:
            problems.append((f"{i}.name", "Application command names must be unique"))
        names.add((kind, name))
        if kind == 1:
            _check_command_shape(str(i), cmd, problems, depth=0)
    if sum(1 for c in commands if c.get("type", 1) == 1) > 100:
        problems.append(("", "Must be 100 or fewer chat input commands."))
    return problems


def _check_command_shape(
    path: str, cmd: dict[str, Any], problems: list[Problem], depth: int
) -> None:
    name = cmd.get("name", "")
    if not COMMAND_NAME_RE.match(name) or name != name.lower():
        problems.append((f"{path}.name", "Command name is invalid"))
    description = cmd.get("description", "")
    if not 1 <= len(description) <= 100:
        problems.append((f"{path}.description", "Must be between 1 and 100 in length."))
    options = cmd.get("options") or []
    if len(options) > 25:
        problems.append((f"{path}.options", "Must be 25 or fewer in length."))
    seen_optional = False
    option_names: set[str] = set()
    for j, option in enumerate(options):
        opath = f"{path}.options.{j}"
        if option.get("name") in option_names:
            problems.append((f"{opath}.name", "Option names must be unique"))
        option_names.add(option.get("name"))
        if option.get("type") in (1, 2):
            if depth >= 2:
                problems.append((opath, "Subcommands nested too deeply."))
            _check_command_shape(opath, option, problems, depth + 1)
            continue
        if option.get("required"):
            if seen_optional:
                problems.append(
                    (opath, "Required options must be placed before non-required options")
                )
        else:
            seen_optional = True
        if not COMMAND_NAME_RE.match(option.get("name", "")):
            problems.append((f"{opath}.name", "Option name is invalid"))
        if not 1 <= len(option.get("description", "")) <= 100:
            problems.append((f"{opath}.description", "Must be between 1 and 100 in length."))
        if len(option.get("choices") or []) > 25:
            problems.append((f"{opath}.choices", "Must be 25 or fewer in length."))
        if option.get("choices") and option.get("autocomplete"):
            problems.append((f"{opath}.autocomplete", "Autocomplete and choices are exclusive."))


def nest(problems: list[Problem]) -> dict[str, Any]:
    """Discord's nested error body: {"content": {"_errors": [{"code", "message"}]}}."""
    tree: dict[str, Any] = {}
    for path, message in problems:
        node = tree
        for part in [p for p in path.split(".") if p]:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_INVALID", "message": message})
    return tree
