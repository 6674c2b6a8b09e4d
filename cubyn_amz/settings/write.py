"""Writing the settings file: atomically, mode 0600, keeping the user's comments."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.toml_document import TOMLDocument

from cubyn_amz.errors import UsageError


def new_settings(values: Mapping[str, Mapping[str, Any]]) -> TOMLDocument:
    """A fresh settings file for ``connect``, with a comment on each section."""
    doc = tomlkit.document()
    doc.add(tomlkit.comment("cubyn-amz connection settings; see examples/config.toml"))
    doc.add(tomlkit.comment("for every key. Keep this file private (chmod 600)."))
    notes = {
        "app": "the connection's name, and its state database (relative to here)",
        "amazon": "the seller and the SP-API application it authorised",
        "cubyn": "the key of the Cubyn API app (Cubyn app > Apps > Cubyn API)",
        "stock": "push Cubyn's stock to Amazon; units held back per SKU",
    }
    for section, table_values in values.items():
        table = tomlkit.table()
        if section in notes:
            table.add(tomlkit.comment(notes[section]))
        for key, value in table_values.items():
            table.add(key, value)
        doc.add(section, table)
    return doc


def read_document(path: Path) -> TOMLDocument:
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"no settings file at {path}",
            "run `cubyn-amz connect` first, or name the file with --config",
        ) from None
    except tomlkit.exceptions.ParseError as error:
        raise UsageError(
            f"the settings file {path} is not valid TOML ({error})",
            "fix it at that line and column",
        ) from None


def set_value(doc: TOMLDocument, section: str, key: str, value: Any) -> None:
    """Set one key, keeping every comment and the order of what is there."""
    if section not in doc:
        doc.add(section, tomlkit.table())
    table = doc[section]
    table[key] = value


def write_settings(path: Path, doc: TOMLDocument) -> None:
    """Replace the file in one step, so that a crash leaves the old or the new one."""
    text = tomlkit.dumps(doc)
    temporary = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(prefix=".config-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        if temporary:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        if error.errno == errno.ENOSPC:
            raise UsageError(
                f"the disk is full: cannot write {path}",
                "free some space and run the command again; the old file is intact",
            ) from None
        raise UsageError(
            f"cannot write the settings file {path}: {error.strerror}",
            "check the folder's owner and permissions",
        ) from None
