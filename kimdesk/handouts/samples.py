"""Sample handouts for the documentation: one rendered page per script, from synthetic data.

``python -m kimdesk.handouts.samples docs/handouts`` writes ``<script>.pdf`` and ``<script>.png``
(the PNG needs poppler's ``pdftoppm``). The README shows the PNGs; regenerate them after a layout
change and look at them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from kimdesk.handouts.data import GoalRow, HandoutData, ReferralRow

#: script -> (template, client language); German goes beside each.
SAMPLES: dict[str, tuple[str, str]] = {
    "arabic": ("consent", "ar"),
    "persian": ("referral", "fa"),
    "ethiopic": ("appointment", "ti"),
    "cyrillic": ("documents", "uk"),
    "latin": ("goals", "tr"),
}


def sample_data(lang: str) -> HandoutData:
    names = {
        "ar": "أمنة محمد (Amna Mohammed)",
        "fa": "عبدالله حیدری (Abdullah Haidari)",
        "ti": "ሳባ ተስፋይ (Saba Tesfay)",
        "uk": "Олена Коваленко (Olena Kovalenko)",
        "tr": "Ayşe Yıldız",
    }
    return HandoutData(
        {
            "client_name": names.get(lang, "Maria Muster"),
            "case_number": "2026-CFD5-000018",
            "counselor": "A. Becker",
            "team": "Team Nord",
            "municipality": "Paderborn",
            "recipients": "Jobcenter Paderborn, Ausländerbehörde Kreis Paderborn",
            "appointment_date": "02.12.2026",
            "appointment_time": "10:30",
            "appointment_place": "Kreishaus Paderborn, Aldegreverstraße 10, Raum 214",
        },
        goals=(
            GoalRow("Deutschkurs B1 abschließen", "Anmeldung beim Kursträger; Fahrkarte beantragen",
                    "Klientin und A. Becker", "15.03.2027"),
            GoalRow("Anerkennung als Pflegefachkraft", "Unterlagen übersetzen lassen; Antrag "
                    "bei der Bezirksregierung stellen", "Klientin", "01.02.2027"),
        ),
        referrals=(
            ReferralRow("Jobcenter Paderborn", "Am Hoppenhof 33, 33104 Paderborn",
                        "Mo-Fr 8-12 Uhr, Do 14-17 Uhr", "05251 1200",
                        "Pass, Bescheid des BAMF, Mietvertrag"),
        ),
    )


def write_samples(folder: Path, png: bool = True, dpi: int = 72) -> list[Path]:
    from kimdesk.handouts.render import render_handout

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for script, (template, lang) in SAMPLES.items():
        pdf = folder / f"{script}.pdf"
        render_handout(template, lang, "de", sample_data(lang), pdf)
        written.append(pdf)
        if png:
            tool = shutil.which("pdftoppm")
            if tool is None:
                raise SystemExit("pdftoppm (poppler-utils) is needed for the PNGs")
            subprocess.run([tool, "-r", str(dpi), "-png", "-singlefile", "-f", "1", "-l", "1",
                            str(pdf), str(folder / script)], check=True)
            written.append(folder / f"{script}.png")
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path("docs/handouts")
    for path in write_samples(folder):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
