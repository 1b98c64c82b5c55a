"""Finding forms: every version of every definition, shipped or received by sync.

A form version is immutable once it exists: answers are stored with ``form_id`` and
``form_version`` and always render with that exact version, so the registry keeps every version it
has ever seen (shipped ones under ``resources/forms/``, older ones under
``resources/forms/archive/``, synced ones in the user's forms folder) and :meth:`install` refuses a
second, different definition under an existing id and version. A file that fails the checks is
listed in :attr:`FormRegistry.unavailable` with the reason; it never stops the others loading.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kimdesk.errors import KimdeskError
from kimdesk.forms.checker import Problem, check_data, check_file
from kimdesk.forms.definition import Form, dump_yaml
from kimdesk.i18n import N_, Message, gettext, resources_dir
from kimdesk.vault.files import atomic_write

SUFFIXES = (".yaml", ".yml", ".json")


class FormUnavailable(KimdeskError):
    exit_code = 2


#: How many of a definition's errors its reason names (the others are counted).
SHOWN_ERRORS = 3


@dataclass(frozen=True)
class Unavailable:
    """A definition that cannot be used, and why. The why is kept untranslated (the checks'
    errors, or a message) and :attr:`reason` says it in the language current when it is read:
    made into text when the forms were loaded, it stayed in that language after the counselor
    switched (a review, 2026-12-07)."""

    path: Path
    errors: tuple[Problem, ...] = ()
    message: Message | None = None

    @property
    def reason(self) -> str:
        if self.message is not None:
            return str(self.message)
        text = "; ".join(f"{p.field or '-'}: {p.reason}" for p in self.errors[:SHOWN_ERRORS])
        more = len(self.errors) - SHOWN_ERRORS
        if more > 0:
            return gettext("{reasons} (+{count} more)").format(reasons=text, count=more)
        return text


def _errors(problems: list[Problem]) -> tuple[Problem, ...]:
    return tuple(p for p in problems if p.severity == "error")


def shipped_dir() -> Path:
    return resources_dir() / "forms"


def user_dir() -> Path:
    """Where definitions received by sync are kept (beside the vault's data folder)."""
    from kimdesk.config import forms_dir

    return forms_dir()


def version_key(version: str) -> tuple[Any, ...]:
    """Order versions numerically where they are numbers (XLSForm versions often are dates)."""
    parts = re.split(r"[^0-9A-Za-z]+", version)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p)


def definition_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.rglob("*")
        if p.suffix.lower() in SUFFIXES and p.is_file() and "codelists" not in p.parts
    )


class FormRegistry:
    """All loadable form versions from ``folders`` (default: shipped forms and the user folder)."""

    def __init__(self, folders: Sequence[Path] | None = None, *, agencies: Any = None) -> None:
        self.folders = list(folders) if folders is not None else [shipped_dir(), user_dir()]
        self.agencies = agencies
        self._forms: dict[tuple[str, str], Form] = {}
        self.unavailable: list[Unavailable] = []
        self.problems: dict[Path, list[Problem]] = {}
        self.reload()

    def reload(self) -> None:
        self._forms.clear()
        self.unavailable.clear()
        self.problems.clear()
        for folder in self.folders:
            for path in definition_files(folder):
                self._load(path)

    def _load(self, path: Path) -> Form | None:
        form, problems = check_file(path, agencies=self.agencies)
        if problems:
            self.problems[path] = problems
        if form is None:
            self.unavailable.append(Unavailable(path, _errors(problems)))
            return None
        key = (form.form_id, form.version)
        existing = self._forms.get(key)
        if existing is not None:
            if existing.definition != form.definition:
                self.unavailable.append(Unavailable(path, message=Message(
                    N_("form {form_id} version {version} already exists with different content"
                       " ({source})"), form_id=key[0], version=key[1], source=existing.source)))
            return existing
        self._forms[key] = form
        return form

    # -- lookups -------------------------------------------------------------------------------
    def ids(self) -> list[str]:
        return sorted({fid for fid, _ in self._forms})

    def versions(self, form_id: str) -> list[str]:
        return sorted((v for fid, v in self._forms if fid == form_id), key=version_key)

    def get(self, form_id: str, version: str | None = None) -> Form:
        """A form version (``None``: the newest). Old answers pass their recorded version."""
        if version is None:
            versions = self.versions(form_id)
            if not versions:
                raise FormUnavailable(N_("No form {form_id} is available."), form_id=form_id)
            version = versions[-1]
        form = self._forms.get((form_id, version))
        if form is None:
            raise FormUnavailable(N_("Form {form_id} version {version} is not available."),
                                  form_id=form_id, version=version)
        return form

    def latest(self) -> list[Form]:
        return [self.get(fid) for fid in self.ids()]

    def for_consultation(self, consultation: Any) -> Form:
        """The exact form version a consultation's answers were recorded with."""
        return self.get(consultation.form_id, consultation.form_version)

    def __iter__(self) -> Iterator[Form]:
        return iter(self._forms.values())

    def add_archived(self, definitions: list[Any]) -> int:
        """Add form versions kept in the vault (see ``drafts.archive_definition``) that no file
        provides any more; returns how many were added. Files win when both exist."""
        added = 0
        for data in definitions:
            form, problems = check_data(data, "<vault>", agencies=self.agencies)
            if form is None:
                self.unavailable.append(Unavailable(Path("<vault>"), _errors(problems)))
                continue
            key = (form.form_id, form.version)
            if key not in self._forms:
                self._forms[key] = form
                added += 1
        return added

    # -- sync ----------------------------------------------------------------------------------
    def install(self, data: Any, folder: Path | None = None) -> Form:
        """Check and store a definition received by sync (plain data, as parsed from JSON/YAML).

        Written atomically (:func:`kimdesk.vault.files.atomic_write`) to ``folder`` (default: the
        user folder). An existing id+version with identical content is a no-op; a different one
        is refused."""
        form, problems = check_data(data, "<sync>", agencies=self.agencies)
        if form is None:
            errors = "; ".join(str(p) for p in problems if p.severity == "error")
            raise FormUnavailable(N_("The received form is not valid: {reason}"), reason=errors)
        key = (form.form_id, form.version)
        existing = self._forms.get(key)
        if existing is not None:
            if existing.definition == form.definition:
                return existing
            raise FormUnavailable(
                N_("Form {form_id} version {version} exists with different content;"
                   " a changed form needs a new version."),
                form_id=key[0], version=key[1])
        target_dir = folder or user_dir()
        target_dir.mkdir(parents=True, exist_ok=True)
        safe_version = re.sub(r"[^0-9A-Za-z._-]", "_", form.version)
        target = target_dir / f"{form.form_id}.v{safe_version}.yaml"
        atomic_write(target, dump_yaml(form.definition))
        form.source = target
        self._forms[key] = form
        return form
