"""The device catalogue (kb/devices.yml): device types with aliases, brands and models."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pypinyin import Style, lazy_pinyin

from bot.config import settings


@dataclass(frozen=True)
class DeviceModel:
    model: str
    brand: str
    type_id: str
    type_name: str


@dataclass(frozen=True)
class DeviceType:
    id: str
    name: str
    aliases: tuple[str, ...]
    models: tuple[DeviceModel, ...]


@dataclass(frozen=True)
class Catalogue:
    types: tuple[DeviceType, ...]

    def model(self, code: str) -> DeviceModel | None:
        wanted = _code_key(code)
        for device_type in self.types:
            for model in device_type.models:
                if _code_key(model.model) == wanted:
                    return model
        return None

    def series_type(self, code: str) -> DeviceType | None:
        """The type of a model the catalogue does not list, by its series (「UA-720」 is of the UA- series,
        urine analysers; 「KR-i500」 of KR-i, immunoassay): None when the series is unknown or spans types."""
        wanted = _series(code)
        types = {model.type_id for t in self.types for model in t.models if _series(model.model) == wanted}
        if len(types) != 1:
            return None
        [type_id] = types
        return next(t for t in self.types if t.id == type_id)

    def type_named(self, mention: str) -> DeviceType | None:
        """The device type a caller's word names: its name, an alias, or one of its models."""
        for device_type in self.types:
            if mention == device_type.name or mention in device_type.aliases:
                return device_type
        model = self.model(mention)
        if model:
            return next(t for t in self.types if t.id == model.type_id)
        return None

    def terms(self) -> list[str]:
        """Every word that names a device: type names, aliases, brands and model codes."""
        words = {t.name for t in self.types} | {a for t in self.types for a in t.aliases}
        words |= {m.model for t in self.types for m in t.models} | {
            m.brand for t in self.types for m in t.models
        }
        return sorted(words)

    def type_in_text(self, text: str) -> DeviceType | None:
        """The device type named anywhere in free text (a model code or a type name or alias)."""
        named = self.device_in_text(text)
        return self.type_named(named.split(" ")[0]) if named else None

    def device_in_text(self, text: str) -> str | None:
        """The most specific device named anywhere in free text: a model code, else the longest type name or
        alias."""
        compact = _code_key(text)
        for device_type in self.types:
            for model in device_type.models:
                if _code_key(model.model) in compact:
                    return f"{model.type_name} {model.model}"
        names = [(name, t.name) for t in self.types for name in (t.name, *t.aliases)]
        hits = [(len(name), canonical) for name, canonical in names if name in text]
        if not hits:
            # Typed with a pinyin input method or transcribed from speech: 「生花仪」 sounds like 生化仪.
            # Names of three characters or more only: two-character ones sound like too many words.
            said = _sounds(text)
            hits = [
                (len(name), canonical)
                for name, canonical in names
                if len(name) >= 3 and _contains(said, _sounds(name))
            ]
        return max(hits)[1] if hits else None


def _sounds(text: str) -> tuple[str, ...]:
    """Each character's toneless reading (生花仪 → sheng hua yi); other characters as they are."""
    return tuple(_reading(char) for char in text)


@lru_cache(maxsize=8192)
def _reading(char: str) -> str:
    return str(lazy_pinyin(char, style=Style.NORMAL)[0])


def _contains(said: tuple[str, ...], name: tuple[str, ...]) -> bool:
    return any(said[at : at + len(name)] == name for at in range(len(said) - len(name) + 1))


def _code_key(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def load_catalogue(path: Path) -> Catalogue:
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    types = []
    for item in raw["device_types"]:
        models = tuple(
            DeviceModel(model=m["model"], brand=m["brand"], type_id=item["id"], type_name=item["name"])
            for m in item.get("models", [])
        )
        types.append(DeviceType(item["id"], item["name"], tuple(item.get("aliases", [])), models))
    return Catalogue(tuple(types))


@lru_cache(maxsize=1)
def current_catalogue() -> Catalogue:
    return load_catalogue(settings().kb_dir / "devices.yml")


def _series(code: str) -> tuple[str, str]:
    """The letters before a model's dash and those after it, before its digits: 「KR-i300」 → (KR, I)."""
    maker, _, rest = code.upper().partition("-")
    letters = ""
    for char in rest:
        if not char.isalpha():
            break
        letters += char
    return maker, letters
