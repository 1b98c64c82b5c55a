"""Case → "Auskunft (Art. 15)…": everything stored about the case's person, as PDF and JSON.

The same export as ``kimdesk subject-export`` (:mod:`kimdesk.vault.subject_access`,
:mod:`kimdesk.handouts.auskunft`): the data is read on the vault lane, the files are laid out and
written on the files lane, into a folder the counselor picks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from kimdesk.gui.jobs import BackgroundJob
from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import gettext

_ = gettext


def export_subject(parent: QWidget, worker: DbWorker, case_id: str,
                   folder: Path | None = None) -> BackgroundJob[Any] | None:
    """Ask for a folder (unless given), then write the Auskunft there; a message names the files."""
    if folder is None:
        from kimdesk.gui.filedialogs import choose_folder, start_dir

        chosen = choose_folder(parent, _("Folder for the Auskunft"), str(start_dir()))
        if not chosen:
            return None
        folder = Path(chosen)

    def read(w: DbWorker) -> dict[str, Any]:
        from kimdesk.vault.subject_access import collect

        vault = w.require_vault()
        return collect(vault, vault.cases.get(case_id).person_id)

    def write(data: dict[str, Any]) -> None:
        def produce(_w: DbWorker) -> tuple[Path, Path]:
            from kimdesk.handouts.auskunft import write_auskunft

            return write_auskunft(data, folder)

        BackgroundJob(parent, worker, produce, uses_vault=False).success(written) \
            .run_in_background()

    def written(paths: tuple[Path, Path]) -> None:
        QMessageBox.information(parent, _("Auskunft"), _(
            "Written:\n{pdf}\n{json}\nHand them to the person, then delete them from this "
            "computer.").format(pdf=str(paths[0]), json=str(paths[1])))

    job: BackgroundJob[Any] = BackgroundJob(parent, worker, read).success(write)
    job.run_in_background()
    return job
