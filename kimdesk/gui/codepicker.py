"""Countries and languages chosen by name, stored as ISO codes (issue 18, item 10).

A counselor knows "Syrien", not "SY". :class:`CodePicker` is a line edit that shows the CLDR names
in the interface language (Babel's data, the same source :mod:`kimdesk.domain.iso` checks codes
against) and offers matching names as one types: any part of the name, any case ("syr" and
"rien" both find "Syrien"), any accent ("Turk" finds "Türkei", "Cote" "Côte d'Ivoire": both
sides folded by :func:`kimdesk.i18n.collation.fold`), sorted as a reader expects
(:func:`kimdesk.i18n.collation.sort_key`).
The first match is highlighted, so Enter takes it; Up/Down choose another. Several values
(nationalities, languages) are separated by ";" — not ",", which some CLDR names contain
("St. Helena, Ascension & Tristan da Cunha", "Гонконг, ОАР Китаю") — and a new one is typed after
it; a "," still separates where it is not part of a name. An ISO code typed directly (``sy``,
``ar``) is accepted too. What the model gets is always the codes.

Text that is no name or code stays in the field as typed (nothing is lost) and
:meth:`CodePicker.problem` names it in a translated message that the form shows under the field;
the record is not saved until it is corrected.

The offered languages are the two-letter ISO 639-1 ones plus the few three-letter ones KIM's
interpreter pools need (Sorani, Dari, Kurmanji; :data:`kimdesk.forms.codelists.EXTRA_LANGUAGES`);
every other CLDR code still displays by name when a record holds it.
"""

from __future__ import annotations

import re
from typing import Any, cast

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QStringListModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QLineEdit, QWidget

from kimdesk.domain.iso import EXTRA_COUNTRIES, country_codes, language_codes
from kimdesk.i18n import N_, current_language, gettext
from kimdesk.i18n.collation import fold, sort_key

#: Offered beyond ISO 639-1 (kept equal to kimdesk.forms.codelists.EXTRA_LANGUAGES by a test).
EXTRA_LANGUAGES = ("ckb", "prs", "kmr")
SEPARATOR = "; "
_SPLIT = re.compile(r"[;؛]")
_UNKNOWN = {"country": N_("Unknown country: {names}. Choose a name from the list."),
            "language": N_("Unknown language: {names}. Choose a name from the list.")}


def names_for(kind: str, lang: str) -> dict[str, str]:
    """code -> CLDR name in ``lang`` for every code the picker offers."""
    from babel import Locale, UnknownLocaleError

    try:
        locale: Any = Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    if kind == "country":
        table = locale.territories
        names = {code: table.get(code) or gettext(EXTRA_COUNTRIES.get(code, code))
                 for code in country_codes()}
        names.update({code: gettext(text) for code, text in EXTRA_COUNTRIES.items()})
        return names
    table = locale.languages
    return {code: table.get(code, code) for code in language_codes()
            if len(code) == 2 or code in EXTRA_LANGUAGES}


class _FoldedNames(QStringListModel):
    """The names, and for the completer's role (EditRole) each name folded: QCompleter matches
    the typed text against that role only, and has no hook to fold either side itself."""

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        value = super().data(index, role)
        if role == Qt.ItemDataRole.EditRole and isinstance(value, str):
            return fold(value)
        return value


class CodePicker(QLineEdit):
    """``kind``: "country" or "language"; ``multi``: several values (a list) or one (str|None)."""

    def __init__(self, kind: str, multi: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.multi = multi
        self._names: dict[str, str] = {}
        self._codes: dict[str, str] = {}  # casefolded name or code -> code
        self._model = _FoldedNames(self)
        self.completer_ = QCompleter(self._model, self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer_.setMaxVisibleItems(10)
        self.completer_.setWidget(self)  # not setCompleter: we insert the choice ourselves
        # the index overload: the str one would give the folded name (the completion role)
        # (PySide's overload index; its stubs do not know it)
        cast(Any, self.completer_.activated)[QModelIndex].connect(self._chosen)
        self.textEdited.connect(self._offer)
        self.retranslate()

    # -- names ---------------------------------------------------------------------------------
    def retranslate(self) -> None:
        """Names in the current interface language; what the field holds is shown in it too
        (only when every part is understood, so typed text is never rewritten into something
        else)."""
        value = self.value() if not self.unknown() else None
        self._names = names_for(self.kind, current_language())
        self._codes = {fold(name): code for code, name in self._names.items()}
        self._codes.update({name.casefold(): code for code, name in self._names.items()})
        valid = country_codes() if self.kind == "country" else language_codes()
        self._codes.update({code.casefold(): code for code in valid})
        self._model.setStringList(sorted(set(self._names.values()), key=sort_key))
        if value:
            self.set_value(value)

    def name(self, code: str) -> str:
        if code in self._names:
            return self._names[code]
        from kimdesk.domain.iso import country_name, language_name

        lookup = country_name if self.kind == "country" else language_name
        return lookup(code, current_language())

    def code(self, text: str) -> str | None:
        """The code a name or code stands for, or None."""
        text = text.strip()
        return self._codes.get(text.casefold()) or self._codes.get(fold(text))

    # -- typing --------------------------------------------------------------------------------
    def _current(self) -> tuple[str, str]:
        """(text before the part being typed, the part being typed)."""
        text = self.text()
        if not self.multi:
            return "", text
        cut = max(text.rfind(";"), text.rfind("؛"))
        return text[:cut + 1], text[cut + 1:]

    def popup(self) -> QAbstractItemView:
        """The list of offered names (the completer's popup)."""
        view = self.completer_.popup()
        assert view is not None  # a QCompleter always has one
        return view

    def _offer(self, _text: str = "") -> None:
        prefix = self._current()[1].strip()
        popup = self.popup()
        if not prefix:
            popup.hide()
            return
        self.completer_.setCompletionPrefix(fold(prefix))
        if self.completer_.completionCount() == 0:
            popup.hide()
            return
        self.completer_.complete()
        popup.setCurrentIndex(self.completer_.completionModel().index(0, 0))

    def _chosen(self, index: QModelIndex) -> None:
        name = str(index.data(Qt.ItemDataRole.DisplayRole))
        head = self._current()[0]
        self.setText((head.rstrip() + " " if head else "") + name)
        self.popup().hide()

    # -- values --------------------------------------------------------------------------------
    def parts(self) -> list[str]:
        """The typed entries; an entry that is no name is split at its commas if every piece
        then is one ("SY, IQ", "Syrien, Irak")."""
        found: list[str] = []
        for part in _SPLIT.split(self.text()) if self.multi else [self.text()]:
            part = part.strip()
            if not part:
                continue
            pieces = [p.strip() for p in part.split(",") if p.strip()]
            if self.multi and self.code(part) is None and len(pieces) > 1 \
                    and all(self.code(p) for p in pieces):
                found += pieces
            else:
                found.append(part)
        return found

    def unknown(self) -> list[str]:
        return [part for part in self.parts() if self.code(part) is None]

    def value(self) -> Any:
        """Codes (a list, or one code / None): what the model validates. An entry that is no
        name stays as typed, so the model refuses it too."""
        codes = [self.code(part) or part for part in self.parts()]
        if self.multi:
            return list(dict.fromkeys(codes))
        return codes[0] if codes else None

    def set_value(self, value: Any) -> None:
        codes = [value] if isinstance(value, str) else list(value or [])
        self.setText(SEPARATOR.join(self.name(code) for code in codes if code))

    def problem(self) -> str:
        """A translated message naming what is no country or language, or ""."""
        unknown = self.unknown()
        if not unknown:
            return ""
        return gettext(_UNKNOWN[self.kind]).format(names=", ".join(unknown))

    def snapshot(self) -> Any:
        """For drafts: the codes when every entry is understood (any interface language reads
        them back), else the text as typed."""
        return self.value() if not self.unknown() else self.text()

    def restore(self, state: Any) -> None:
        if (isinstance(state, str) and self.multi) or state is None:
            self.setText(state or "")
        elif isinstance(state, list) or self.code(str(state)):
            self.set_value(state)
        else:
            self.setText(str(state))
