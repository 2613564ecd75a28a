"""TypeScript for the editor clients, generated from the protocol's JSON Schema.

``schemas/protocol.schema.json`` (itself generated from ``vespera_protocol``) becomes one
module: an interface or union per payload type, a constant per method and command, and two
maps from method name to payload types, so that a client's requests and handlers are typed
by the method they name. Nothing in it is written by hand; ``vespera schemas`` writes it and a
test fails while it is stale.
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

HEADER = (
    "// Generated from schemas/protocol.schema.json by `vespera schemas`: do not edit.\n"
    "// The payloads of Vespera's custom JSON-RPC messages, and their method names.\n"
)
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def constant_name(name: str, suffix: str = "") -> str:
    """``vespera/rules/dryRun`` -> ``RULES_DRY_RUN`` (the Python constant's spelling)."""
    body = name.removeprefix("vespera/").removeprefix("vespera.")
    words = [w.upper() for part in re.split(r"[/.]", body) for w in _WORD.findall(part)]
    return "_".join(words) + suffix


def _type(schema: dict[str, Any]) -> str:
    """The TypeScript type of a JSON Schema fragment."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    if "anyOf" in schema:
        parts = [_type(s) for s in schema["anyOf"]]
        return " | ".join(f"({p})" if " | " in p else p for p in parts)
    kind = schema.get("type")
    if kind == "array":
        item = _type(schema.get("items", {}))
        return f"({item})[]" if " | " in item else f"{item}[]"
    if kind == "object":
        values = schema.get("additionalProperties")
        if isinstance(values, dict):
            return f"Record<string, {_type(values)}>"
        return "Record<string, unknown>"
    return {
        "string": "string",
        "integer": "number",
        "number": "number",
        "boolean": "boolean",
        "null": "null",
    }.get(str(kind), "unknown")


def _doc(text: str, indent: str = "") -> list[str]:
    if not text:
        return []
    lines = inspect.cleandoc(text.replace("*/", "*\\/")).splitlines()
    if len(lines) == 1:
        return [f"{indent}/** {lines[0]} */"]
    return [f"{indent}/**", *(f"{indent} * {line}".rstrip() for line in lines), f"{indent} */"]


def _declaration(name: str, schema: dict[str, Any]) -> list[str]:
    out = _doc(str(schema.get("description", "")))
    properties = schema.get("properties")
    if schema.get("type") != "object" or properties is None:
        return [*out, f"export type {name} = {_type(schema)};"]
    required = set(schema.get("required", []))
    out.append(f"export interface {name} {{")
    for field in sorted(properties):
        spec = properties[field]
        out += _doc(str(spec.get("description", "")), "  ")
        optional = "" if field in required else "?"
        key = field if re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", field) else json.dumps(field)
        out.append(f"  {key}{optional}: {_type(spec)};")
    out.append("}")
    return out


def _editor_set(spec: dict[str, Any]) -> bool:
    """Whether a server setting is the editor's to set, never a settings file's (the
    workspace's trust): marked ``x-set-by: editor`` in the settings model."""
    return spec.get("x-set-by") == "editor"


def protocol_module(schema: dict[str, Any], settings: dict[str, Any]) -> str:
    """The TypeScript module of the protocol schema and the server settings' schema."""
    lines = [HEADER, f"export const PROTOCOL_VERSION = {json.dumps(schema['version'])};", ""]
    methods: dict[str, dict[str, Any]] = schema["methods"]
    lines.append("// -- method names " + "-" * 80)
    for method, info in methods.items():
        lines += _doc(str(info.get("description", "")))
        lines.append(f"export const {constant_name(method)} = {json.dumps(method)};")
    lines += ["", "// -- commands (workspace/executeCommand) " + "-" * 57]
    for command, doc in schema["commands"].items():
        lines += _doc(str(doc))
        lines.append(f"export const {constant_name(command, '_COMMAND')} = {json.dumps(command)};")
    lines += ["", "// -- capabilities (initialize: capabilities.experimental.vespera) " + "-" * 31]
    capabilities: dict[str, str] = schema.get("capabilities", {})
    lines += _doc(
        "Keys to set to true under capabilities.experimental.vespera:\n"
        + "\n".join(f"- {key}: {doc}" for key, doc in capabilities.items())
    )
    lines.append(f"export const CAPABILITIES = {json.dumps(list(capabilities))} as const;")
    lines += [
        "",
        "// -- server settings (initializationOptions, workspace/configuration) " + "-" * 27,
    ]
    lines += _declaration("ServerSettings", {**settings, "required": []})
    user_set = [key for key, spec in settings["properties"].items() if not _editor_set(spec)]
    lines += _doc("The settings a user sets (the others the editor sets itself).")
    lines.append(f"export const USER_SETTINGS = {json.dumps(user_set)} as const;")
    lines += ["", "// -- payloads " + "-" * 83]
    for name in sorted(schema["$defs"]):
        lines += _declaration(name, schema["$defs"][name])
        lines.append("")
    lines.append("/** Requests, client to server: params and result by method. */")
    lines.append("export interface Requests {")
    for method, info in methods.items():
        if info["kind"] == "request":
            result = info["result"] or "null"
            lines.append(
                f"  {json.dumps(method)}: {{ params: {info['params']}; result: {result} }};"
            )
    lines.append("}")
    lines.append("")
    lines.append("/** Notifications, server to client: params by method. */")
    lines.append("export interface Notifications {")
    for method, info in methods.items():
        if info["kind"] == "notification":
            lines.append(f"  {json.dumps(method)}: {info['params']};")
    lines.append("}")
    return "\n".join(line.rstrip() for line in lines).rstrip() + "\n"


def vscode_settings(settings: dict[str, Any], section: str) -> dict[str, Any]:
    """The server settings as VS Code declares settings (``contributes.configuration``
    properties): ``<section>.<key>`` with its type, default, range and description."""
    out: dict[str, Any] = {}
    for key, spec in sorted(settings["properties"].items()):
        if _editor_set(spec):
            continue
        entry: dict[str, Any] = {"type": spec["type"], "default": spec["default"]}
        for bound in ("minimum", "maximum"):
            if bound in spec:
                entry[bound] = spec[bound]
        entry["scope"] = "window"
        entry["markdownDescription"] = spec["description"]
        out[f"{section}.{key}"] = entry
    return out
