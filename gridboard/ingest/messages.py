"""The import library's refusals in both languages, without knowing anyone's language.

A Refusal (the base of ReadError, MappingError, ParentError and IngestError) holds a key of
gridboard/core/strings/ingest_refusals.py and its values; whoever shows it picks the language:
`exc.text("en")` on the page in English, `str(exc)` (Chinese, as before) for the CLI, the API and
the log. A Phrase is such a message that is also a str (its Chinese text): a row problem's detail,
a line of a refusal. Values are shown as they are (data: file names, unit names, headers) except a
Phrase, a Joined or a (Chinese, English) pair, shown in the language asked for, and a list, joined
with "、" or ", ".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gridboard.core import i18n


def render(key: str, lang: str, values: dict[str, Any]) -> str:
    """The message `key` in `lang` ("zh" or "en") with `values` filled in."""
    return i18n.text(key, lang, **{k: shown(v, lang) for k, v in values.items()}) if values else i18n.text(key, lang)


def shown(value: Any, lang: str) -> Any:
    """A value as a message shows it in `lang`."""
    if isinstance(value, Phrase | Joined):
        return value.text(lang)
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return value[1] if lang == "en" else value[0]  # a (Chinese, English) pair
    if isinstance(value, list):
        return Joined(value).text(lang)
    return value


class Phrase(str):
    """A message that is a str (its Chinese text) and can be read in English: `.text("en")`."""

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, /, **values: Any) -> Phrase:
        obj = super().__new__(cls, render(key, "zh", values))
        obj.key, obj.values = key, values
        return obj

    def text(self, lang: str = "zh") -> str:
        return render(self.key, lang, self.values)


class Joined:
    """Items (data or Phrases) joined with `zh` in Chinese and `en` in English."""

    def __init__(self, items: Sequence[Any], zh: str = "、", en: str = ", ") -> None:
        self.items, self.zh, self.en = list(items), zh, en

    def text(self, lang: str = "zh") -> str:
        return (self.en if lang == "en" else self.zh).join(str(shown(v, lang)) for v in self.items)


def en_text(detail: object) -> object:
    """The English text of a problem detail (a Phrase), or the detail as it is (data, None)."""
    return detail.text("en") if isinstance(detail, Phrase) else detail


class Refusal(Exception):
    """A refusal of the import library: `key` of gridboard/core/strings/ingest_refusals.py and its values.

    A text that is not a key (callers outside the library word their own) is kept as it is, in
    Chinese, with `en` as its English text when given.
    """

    def __init__(self, key: str, /, en: str | None = None, **values: Any) -> None:
        self.key, self.values = key, values
        self.en = en
        super().__init__(render(key, "zh", values) if key in i18n.STRINGS else key)

    def text(self, lang: str = "zh") -> str:
        """The message in `lang` ("zh" or "en")."""
        if self.key in i18n.STRINGS:
            return render(self.key, lang, self.values)
        return self.en if lang == "en" and self.en else str(self)

    @classmethod
    def like(cls, other: Refusal) -> Refusal:
        """This kind of refusal with the message of `other` (a reader's refusal raised as an IngestError)."""
        return cls(other.key, en=other.en, **other.values)
