"""The device catalogue as the words callers use for a device: every term → what it stands for.

Plain Python, no Rasa. kb/devices.yml is parsed by bot.catalogue; this module only turns it into the terms the
NLU components look for (type names, aliases, brands, model codes), so that 生化仪 means 全自动生化分析仪 and
KR2000 is the model KR-2000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from bot.catalogue import Catalogue, load_catalogue

CATALOGUE_FILE = "devices.yml"

TermKind = Literal["type", "alias", "brand", "model"]

_SEPARATORS = re.compile(r"[-_\s]+")


class CatalogueError(Exception):
    """kb/devices.yml cannot be used as a device catalogue."""


@dataclass(frozen=True)
class CatalogueEntry:
    """What a catalogue term stands for.

    canonical: the type name for a type or alias, the model code as catalogued for a model, the brand itself
    for a brand (a brand makes several device types, so it names no single device).
    """

    canonical: str
    kind: TermKind


def model_spellings(code: str) -> set[str]:
    """The ways a caller writes a model code: KR-2000 → {KR-2000, KR2000, KR 2000}; case is left to the
    matcher."""
    parts = _SEPARATORS.split(code)
    return {code, "".join(parts), " ".join(parts)}


def load_terms(kb_dir: Path) -> dict[str, CatalogueEntry]:
    """Every term of kb_dir/devices.yml → what it stands for.

    Raises CatalogueError if the file is missing or malformed, or if two terms would be matched as the same
    word (ignoring case and separators) while meaning different things.
    """
    path = kb_dir / CATALOGUE_FILE
    try:
        catalogue = load_catalogue(path)
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise CatalogueError(f"{path} is not a readable device catalogue: {exc!r}") from exc
    return catalogue_terms(catalogue)


def catalogue_terms(catalogue: Catalogue) -> dict[str, CatalogueEntry]:
    """Every term of the catalogue → what it stands for (see load_terms)."""
    terms: dict[str, CatalogueEntry] = {}
    owners: dict[str, tuple[str, CatalogueEntry]] = {}  # match key → the term that claimed it
    for device_type in catalogue.types:
        meanings = [(device_type.name, CatalogueEntry(device_type.name, "type"))]
        meanings += [(alias, CatalogueEntry(device_type.name, "alias")) for alias in device_type.aliases]
        for model in device_type.models:
            meanings.append((model.model, CatalogueEntry(model.model, "model")))
            meanings.append((model.brand, CatalogueEntry(model.brand, "brand")))
        for term, entry in meanings:
            _claim(owners, term, entry)
            terms[term] = entry
    return terms


def _claim(owners: dict[str, tuple[str, CatalogueEntry]], term: str, entry: CatalogueEntry) -> None:
    # Matching ignores case and separators, so 'KR-2000' and 'kr2000' must not mean two different things.
    spellings = model_spellings(term) if entry.kind == "model" else {term}
    for spelling in spellings:
        owner_term, owner_entry = owners.setdefault(_SEPARATORS.sub("", spelling).casefold(), (term, entry))
        if owner_entry != entry:
            raise CatalogueError(
                f"「{term}」 ({entry.kind} of {entry.canonical}) clashes with "
                f"「{owner_term}」 ({owner_entry.kind} of {owner_entry.canonical})"
            )
