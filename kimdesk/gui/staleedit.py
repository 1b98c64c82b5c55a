"""Saving over a change that sync wrote meanwhile: the counselor's entries are never lost, and a
colleague's change to another field is never silently undone.

Sync writes pulled records on a second connection while a case is open (:mod:`kimdesk.gui.worker`,
the ``sync`` lane), and every such write raises the record's local ``revision``. A save that read
the record before then is refused with :class:`~kimdesk.vault.errors.StaleRecord`. Before, the
case view showed that error ("The persons record 3f2a... was changed meanwhile; reload it") and,
after the reload the message asked for, saved every input as shown: the colleague's new e-mail
address in the same person was overwritten with the old one still on screen, and the next push
undid it on every device (a review, 2026-12-06). A record editor (a note, a consultation) closed
on Save, and a refused save took the typed text with it.

Now only the inputs the counselor changed count as her edit, as for a lock draft
(:mod:`kimdesk.gui.lockdraft`): whenever the open case is read again while it has unsaved edits
(after a refused save, after any reload), the inputs take the stored values and her edits are put
back on top. Where no input changed on both sides, a refused save is carried out again at once;
where one did, her entry stays in the field, a notice names the stored value, and nothing is
saved until she says so. A refused record editor opens again with her entries on the record as
now stored (or, deleted meanwhile, as a new entry); when its case is gone (an Art. 17 deletion or
a Löschfrist on another device) nothing is brought back, and a message says so.

A save whose case is no longer on screen when its refusal comes in (she opened another case or
closed it) is not handled here: its entries were kept in the vault on the vault lane, and come back
when she opens the case (:mod:`kimdesk.gui.keptedits`); a save answered after the lock or the quit
has gone to the lock draft or the close (:class:`kimdesk.gui.lockdraft.PendingSaves`). A refusal
handled here deletes that kept copy once the entries are on screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from kimdesk.gui.jobs import failure_message
from kimdesk.gui.keptedits import KeptEdits, tell
from kimdesk.gui.lockdraft import (
    MSG_CHANGED,
    PendingSave,
    PendingSaves,
    fields_draft,
    put_back,
    record_draft,
)
from kimdesk.gui.worker import DbWorker, Job
from kimdesk.i18n import N_, gettext
from kimdesk.vault.errors import RecordNotFound, StaleRecord

if TYPE_CHECKING:
    from kimdesk.domain.models import Case, Person, Record
    from kimdesk.gui.casebundle import CaseBundle
    from kimdesk.gui.caseview import CaseView
    from kimdesk.gui.fields import FieldForm
    from kimdesk.gui.records import RecordDialog, RecordKind

_ = gettext
R = TypeVar("R", bound="Record")

NOT_SAVED = N_("Not saved: this case was changed meanwhile on another device, in these fields "
               "as well: {fields}. Your entries are in the fields: save again to keep them, or "
               "Revert to take the stored version.")
NOT_SAVED_STATUS = N_("Not saved: the case was changed meanwhile on another device.")
RECORD_CHANGED = N_("Not saved yet: this entry was changed meanwhile on another device. Your "
                    "entries are back in the fields; save again to keep them.")
RECORD_BOTH = N_("Changed on both sides: {fields}.")
RECORD_GONE = N_("This entry was deleted meanwhile on another device. Your entries are in a new "
                 "entry: save to keep them, or cancel.")
CASE_GONE = N_("This case was deleted meanwhile (on another device, or at the end of its "
               "retention period). Your unsaved entries could not be kept.")

#: What a record editor had when its save was refused: every input as typed, the inputs she
#: changed and what they held before.
Edits = tuple[dict[str, Any], dict[str, Any], dict[str, Any]]


def edits_of(form: FieldForm) -> Edits:
    """A form's entries, to bring back if its save is refused."""
    changed, base = form.changes()
    return form.snapshot(), changed, base


def rebase(form: FieldForm, stored: dict[str, Any],
           edits: tuple[dict[str, Any], dict[str, Any]] | None = None) -> list[str]:
    """Show ``stored`` with the edits (the form's own unless given) on top. Returns, for every
    edited input whose stored value moved to something else than the entry, "label (stored now:
    value)". An input whose entry is stored already is not an edit any more."""
    changed, base = edits if edits is not None else form.changes()
    form.set_values(stored)
    return put_back(form, {"changed": changed, "base": base})


class StaleEdits:
    """The case view's side: refused saves tried again on the stored record, record editors
    reopened. One per :class:`~kimdesk.gui.caseview.CaseView`."""

    def __init__(self, view: CaseView) -> None:
        self.view = view
        self._again = False  # a refused save waits for the case to be read again
        self._hold = False  # ... and she typed on after Ctrl+S: not saved again by itself
        self._retried = False  # the save under way is that second try (tried once only)
        self._moved: list[str] = []
        self.pending = PendingSaves(view.worker)  # saves not answered yet (a lock keeps them)
        self._gone: set[str] = set()  # cases said to be deleted meanwhile (:meth:`_case_gone`)
        self.written: Written = {}  # revisions its saves wrote (:func:`changed_only`)
        self.kept = KeptEdits(view)  # entries kept in the vault, back when their case is read

    def save(self, job: Job) -> None:
        """Queue the save of the person and case inputs (marked clean already): refused, they
        are kept in the vault at once and, the case still on screen, read again with the
        entries on top; the case left or the vault locked first, they come back with the case."""
        view = self.view
        assert view.bundle is not None
        case = view.bundle.case
        draft = fields_draft(view)
        self.pending.submit(job, case.id, case.case_number, draft,
                            lambda case_id: self._stored(draft, case_id), self.failed)

    def _stored(self, draft: dict[str, Any], case_id: str) -> None:
        """A save went through: its entries count as what was read, so that an input she typed
        on after Ctrl+S is her edit of her own entry. Before (a review, 2026-12-07), the reload
        named her own saved entry as "changed elsewhere meanwhile (sync)", and a second Ctrl+S
        before the first answered, refused for the first one's revision, said "Not saved: this
        case was changed meanwhile on another device" about her own number."""
        view = self.view
        self._retried = False
        if self.kept.on_screen(case_id):
            for name, form in (("person", view.person_form), ("case", view.case_form)):
                if part := draft.get(name):
                    form.keep_base(part["changed"])
        view._saved(case_id)

    def store(self, job: Job, dialog: RecordDialog) -> None:
        """Queue a record editor's save (the editor closed): refused, the editor opens again with
        the entries (:meth:`record_failed`), now or when its case is opened again."""
        view = self.view
        kind, existing = dialog.kind, dialog.existing
        case = view.bundle.case if view.bundle is not None else None
        case_id = case.id if case is not None else ""
        entries = edits_of(dialog.form)
        self.pending.submit(job, case_id, case.case_number if case is not None else "",
                            record_draft(dialog),
                            lambda _id: view._record_saved(kind, case_id),
                            lambda save, exc: self.record_failed(kind, existing, entries, save,
                                                                 exc))

    # -- the person and case inputs --------------------------------------------------------------
    def failed(self, save: PendingSave, exc: Exception) -> None:
        """A save of the person and case failed. Its case no longer on screen: the entries are
        kept, say so. On screen: they are in the fields, counted as unsaved again; changed
        meanwhile, the case is read again (:meth:`settle` goes on), else the error is shown."""
        view = self.view
        retried, self._retried = self._retried, False
        if not self.kept.on_screen(save.case_id):
            self._away(save, exc)
            return
        self.kept.take(save)
        typed_on = typed_since(view, save.draft)
        for form in (view.person_form, view.case_form):
            form.dirty = bool(form.changes()[0])
        view._update_dirty()
        if isinstance(exc, StaleRecord):  # tried again once only, and said so if refused again
            self._again, self._hold = True, typed_on or retried
            view.load(save.case_id)
        else:
            view._failed(exc)

    def show(self, bundle: CaseBundle) -> bool:
        """The open case read again: the stored values under her entries, which stay on top (a
        save of them queued: :meth:`show_saving`). False when she has none (nothing to keep)."""
        view = self.view
        if self.show_saving(bundle):
            return True
        if not view.dirty:
            return False
        self._moved = rebase(view.person_form, bundle.person.model_dump())
        self._moved += rebase(view.case_form, bundle.case.model_dump())
        return True

    def show_saving(self, bundle: CaseBundle) -> bool:
        """The open case read again while a save of its inputs is still queued: the stored values
        under the entries being saved, which stay on screen, not counted as unsaved (the save is
        under way; refused, :meth:`failed` counts them again), and a notice names an input changed
        on both sides (that save will be refused). What she typed after Ctrl+S stays unsaved.
        True when a save was queued.

        A read asked for before the save (F5 pressed just before Ctrl+S) answers before it, with
        the values of before. Until 2026-12-07 they were written over her entries; the save, then
        refused (a colleague's change pulled meanwhile), found nothing of hers on screen, its kept
        copy was deleted as shown, the status bar said "Saved." and her entries were gone. And when
        she had typed on after Ctrl+S, such a read took the other way (:meth:`show`), which counted
        the stored values as what she had read: a colleague's change to the input she was saving
        no longer counted as changed on both sides, and the save, refused and tried again, wrote
        hers over it with "Saved." (a review, 2026-12-07)."""
        view = self.view
        if not self.pending.queued(bundle.case.id):
            return False
        for form, stored in ((view.person_form, bundle.person), (view.case_form, bundle.case)):
            dirty = form.dirty  # typed after Ctrl+S: still unsaved
            changed, base = form.changes()
            self._moved += rebase(form, stored.model_dump(), (changed, base))
            # still edits from what she read, so that a refusal names what moved since
            form.keep_base(base)
            form.dirty = dirty
        return True

    def revert(self, bundle: CaseBundle) -> None:
        """Revert: the stored values in every input, except the entries of a save of the case
        still queued, which stay on top (under way, not unsaved): Revert takes back what she
        typed since Ctrl+S, never what she saved. Before (a review, 2026-12-07), it took those
        too; the save, then refused (changed meanwhile by sync), found nothing of hers on
        screen, deleted its kept copy, said "Saved." and her entries were gone."""
        view = self.view
        entries = self.pending.entries(bundle.case.id)
        for name, form, stored in (("person", view.person_form, bundle.person),
                                   ("case", view.case_form, bundle.case)):
            form.set_values(stored.model_dump())
            part = entries.get(name)
            if part:
                put_back(form, part)
                form.keep_base(part["base"])  # edits of what she read, as in show_saving
                form.mark_clean()

    def settle(self) -> None:
        """After the case is on screen: save again what was refused, or say what moved; then
        entries kept in the vault for the case come back (after: a save tried again never
        carries them unseen)."""
        self._settle_refusal()
        self.kept.restore()

    def _settle_refusal(self) -> None:
        view = self.view
        again, self._again = self._again, False
        hold, self._hold = self._hold, False
        moved, self._moved = self._moved, []
        if again and not moved and not hold:
            if view.dirty:  # queued: that second try (False: not valid, nothing queued)
                self._retried = view.save()
            else:  # the stored values are hers already
                view.status_message.emit(_("Saved."))
            return
        if moved:
            view.show_notice((_(NOT_SAVED) if again else _(MSG_CHANGED)).format(
                fields="; ".join(moved)))
        elif again:  # typed on after Ctrl+S, or refused again: nothing saved by itself
            view.show_notice(_(NOT_SAVED_STATUS))
        if again:
            view.status_message.emit(_(NOT_SAVED_STATUS))

    def load_failed(self, exc: Exception) -> bool:
        """Reading the open case failed: when it is gone (deleted meanwhile), say so in words
        and drop the screen's copy of it. True when handled."""
        view = self.view
        self._again = False
        if not isinstance(exc, RecordNotFound) or view.bundle is None \
                or exc.params.get("record_id") not in (view.bundle.case.id,
                                                       view.bundle.person.id):
            return False
        self._case_gone()
        return True

    def _case_gone(self) -> None:
        """The open case was deleted meanwhile: its screen copy goes, and a message says why
        (nothing of it is brought back)."""
        view = self.view
        if view.bundle is not None:
            self._gone.add(view.bundle.case.id)
        view.person_form.mark_clean()
        view.case_form.mark_clean()
        view.clear()
        view.status_message.emit(_(CASE_GONE))
        tell(view, _(CASE_GONE))

    def _away(self, save: PendingSave, exc: Exception) -> None:
        """A failed save whose case is no longer on screen (:meth:`KeptEdits.away`), unless its
        case went because it was deleted meanwhile and a box said so already: F5 and Ctrl+S on a
        case purged by sync opened two boxes saying the same."""
        if not (save.gone and save.case_id in self._gone):
            self.kept.away(save, exc)

    # -- record editors --------------------------------------------------------------------------
    def record_failed(self, kind: RecordKind, existing: Record | None, edits: Edits,
                      save: PendingSave, exc: Exception) -> None:
        """A record editor's save failed: open it again with the entries, on the record as
        stored now (a new entry if it was deleted meanwhile); the case gone: a message. Its
        case no longer on screen: the entries were kept, they come back with the case."""
        view = self.view
        case_id = save.case_id
        if not self.kept.on_screen(case_id):
            self._away(save, exc)
            return

        def job(w: DbWorker) -> tuple[bool, Record | None]:
            vault = w.require_vault()
            alive = vault.cases.exists(case_id)
            if not alive or existing is None:
                return alive, None
            try:
                return True, getattr(vault, kind.key).get(existing.id)
            except RecordNotFound:  # deleted meanwhile
                return True, None

        def reopen(found: tuple[bool, Record | None]) -> None:
            alive, fresh = found
            if not self.kept.on_screen(case_id):  # left meanwhile: back with the case
                self._away(save, exc)
                return
            if not alive:
                self._case_gone()
                return
            if self.kept.take(save):  # not back already (the case was read again first)
                self._reopen(kind, existing, fresh, edits, exc)

        view.worker.submit(job, reopen, view._failed)

    def _reopen(self, kind: RecordKind, existing: Record | None, fresh: Record | None,
                edits: Edits, exc: Exception) -> RecordDialog:
        from kimdesk.gui.records import RecordDialog

        view = self.view
        snapshot, changed, base = edits
        dialog = RecordDialog(kind, view._base(kind), view, existing=fresh)
        if fresh is None:  # a new entry (or one deleted meanwhile): everything as typed
            dialog.form.apply(snapshot)
            message = _(RECORD_GONE) if existing is not None else failure_message(exc)
        else:
            moved = rebase(dialog.form, fresh.model_dump(), (changed, base))
            dialog.form.dirty = True
            message = _(RECORD_CHANGED) if isinstance(exc, StaleRecord) else failure_message(exc)
            if moved:
                message += " " + _(RECORD_BOTH).format(fields="; ".join(moved))
        dialog.general.setText(message)
        view._run_dialog(dialog)
        return dialog


def typed_since(view: CaseView, draft: dict[str, Any]) -> bool:
    """Whether an input of the person or the case holds something else than the save's entry
    (for an input it saved) or what was read (for any other): she typed on after Ctrl+S.

    A refused save is carried out again at once only when nothing was typed since: it saved every
    input as shown, so an entry she was still typing when the refusal came in (a half-typed
    name, a date not finished) was stored and synced as if she had saved it, with "Saved." (a
    review, 2026-12-07)."""
    for name, form in (("person", view.person_form), ("case", view.case_form)):
        entries = (draft.get(name) or {}).get("changed", {})
        if any(value != entries.get(key, form.base_value(key))
               for key, value in form.snapshot().items()):
            return True
    return False


#: Revisions this case view wrote itself: record id -> (the revision its save had read, the one
#: it wrote). Read and written on the vault lane only, by one save after another.
Written = dict[str, tuple[int, int]]


def changed_only(bundle: CaseBundle, person: Person, case: Case, written: Written) -> Job:
    """The case view's save: writes the person and the case only where they differ from what was
    read. Saving case fields wrote the unchanged person too (until 2026-12-06): a new revision
    pushed to every device of the team, an audit entry for nothing, and a refusal when a
    colleague's change to that person had been pulled meanwhile.

    A record this view itself wrote since it was read is written on top of that (``written``):
    a second Ctrl+S before the first one's answer (both built on the same read) was refused for
    the first one's revision, and its entries, then kept, came back as "not saved because this
    case was changed meanwhile on another device" (a review, 2026-12-07). Anyone else's write in
    between still refuses it: the revision followed is only the one this view wrote."""
    def job(w: DbWorker) -> str:
        vault = w.require_vault()
        done: Written = {}
        with vault.transaction():
            if person != bundle.person:
                done[person.id] = (bundle.person.revision,
                                   vault.people.update(follow(person, written)).revision)
            if case != bundle.case:
                done[case.id] = (bundle.case.revision,
                                 vault.cases.update(follow(case, written)).revision)
        written.update(done)  # once committed
        return case.id

    return job


def follow(record: R, written: Written) -> R:
    """``record`` as to be written: read before this view's own last write of it, on top of
    that write's revision (:func:`changed_only`)."""
    base, wrote = written.get(record.id, (-1, -1))
    return record.model_copy(update={"revision": wrote}) if record.revision == base else record


def record_job(kind: RecordKind, existing: Record | None, record: Record, changed: set[str],
               written: Written) -> Job:
    """A record editor's save: ``record`` added, or written over ``existing`` as read.

    An editor opened again from the list before this view's own save of the same record had
    answered (the list still showed what was read before) is written on top of that save, with
    only the inputs it changed (``changed``): the second save of a note, both built on the same
    read, was refused for the first one's revision and came back as "changed meanwhile on
    another device" (a review, 2026-12-07), and written whole it would undo the first save's
    other entries. Anyone else's write in between still refuses it (:func:`changed_only`)."""
    def job(w: DbWorker) -> str:
        repo = getattr(w.require_vault(), kind.key)
        if existing is None:
            repo.add(record)
            return record.id
        base, wrote = written.get(record.id, (-1, -1))
        target = record
        if record.revision == base:
            try:
                now = repo.get(record.id)
            except RecordNotFound:  # deleted meanwhile: refused below, as before
                now = None
            if now is not None and now.revision == wrote:  # her own save, nothing else since
                mine = record.model_dump()
                target = type(record).model_validate(
                    now.model_dump() | {name: mine[name] for name in changed if name in mine})
        written[record.id] = (record.revision, repo.update(target).revision)
        return record.id

    return job
