"""Vault subcommands: ``init``, ``passwd`` (:func:`register_setup`) and ``search``, ``show``,
``check`` (:func:`register_reading`); ``demo`` sits between them in ``kimdesk --help``
(:mod:`kimdesk.cli.demo`)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from kimdesk.cli.common import (
    Subcommands,
    add_vault_option,
    open_vault,
    print_json,
    read_passphrase,
    refuse_demo_passphrase,
    vault_path,
    whole_number,
)
from kimdesk.domain.codes import label
from kimdesk.domain.names import joined
from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_, gettext
from kimdesk.vault.errors import VaultExists

_ = gettext


def register_setup(sub: Subcommands) -> None:
    p = sub.add_parser("init", help=_("create a new encrypted vault"))
    add_vault_option(p)
    p.add_argument("--counselor", default=None, help=_("counselor name (default: login name)"))
    p.add_argument("--team", default="", help=_("team name"))
    p.add_argument("--municipality", default="", help=_("municipality of the counselor"))
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("passwd", help=_("change the vault passphrase"))
    add_vault_option(p)
    p.set_defaults(func=cmd_passwd)


def register_reading(sub: Subcommands) -> None:
    p = sub.add_parser("search", help=_("find cases by name, case number or note"))
    add_vault_option(p)
    p.add_argument("query", help=_("words to find (prefixes); empty lists every case"))
    p.add_argument("--json", action="store_true", help=_("print JSON"))
    p.add_argument("--limit", type=whole_number(0, 1_000_000_000), default=None,
                   help=_("at most this many cases"))
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("show", help=_("show one case with everything recorded for it"))
    add_vault_option(p)
    p.add_argument("case", help=_("case id or case number"))
    p.add_argument("--json", action="store_true", help=_("print JSON"))
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("check", help=_("verify the vault's encryption and integrity"))
    add_vault_option(p)
    p.set_defaults(func=cmd_check)


def cmd_init(args: argparse.Namespace) -> int:
    path = vault_path(args)
    if path.exists():
        raise VaultExists(str(path.absolute()))
    passphrase = read_passphrase(prompt=_("New passphrase: "), confirm=True)
    refuse_demo_passphrase(passphrase)  # the machine policy's demo = false
    counselor = args.counselor or getpass.getuser()
    from kimdesk.vault import Vault

    with Vault.create(
        path, passphrase, counselor=counselor, team=args.team, municipality=args.municipality
    ):
        pass
    print(_("Created vault {path}.").format(path=path))
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    vault = open_vault(args)
    try:
        new = read_passphrase(new=True, prompt=_("New passphrase: "), confirm=True)
        refuse_demo_passphrase(new)  # the machine policy's demo = false
        vault.change_passphrase(new)
    finally:
        vault.close()
    print(_("Passphrase changed."))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    vault = open_vault(args)
    try:
        with vault.transaction():
            vault.audit.record("search", "cases", detail=f"{len(args.query)} characters")
        hits = vault.search(args.query, limit=args.limit)
    finally:
        vault.close()
    out = sys.stdout
    if args.json:
        # One case per line: still one JSON list, but streamed (200,000 cases in a few seconds).
        out.write("[")
        for i, h in enumerate(hits):
            out.write(",\n" if i else "\n")
            out.write(json.dumps(vars(h), ensure_ascii=False, separators=(",", ":")))
        out.write("\n]\n")
        return 0
    for h in hits:
        latin = h.name_latin
        shown = h.display_name if latin == h.display_name else f"{h.display_name} ({latin})"
        out.write(f"{h.case_number}\t{h.phase}\t{h.owner}\t{shown}\n")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    vault = open_vault(args)
    try:
        from kimdesk.vault.dossier import case_dossier, find_case

        dossier = case_dossier(vault, find_case(vault, args.case))
    finally:
        vault.close()
    if args.json:
        print_json(dossier)
        return 0
    case, person = dossier["case"], dossier["person"]
    phase, owner, opened = _("Phase"), _("Owner"), _("Opened")
    legal, fields = _("Legal domains"), _("Fields of action")
    lines = [
        f"{case['case_number']}  {joined(person['family_name'], person['given_name'])}"
        f"  ({person['family_name_latin']}, {person['given_name_latin']})",
        f"{phase}: {label(case['phase'])}   {owner}: {case['owner']}   {opened}: "
        f"{case['opened_on']}",
        f"{legal}: {', '.join(label(c) for c in case['rechtskreise'])}",
        f"{fields}: {', '.join(label(c) for c in case['handlungsfelder'])}",
    ]
    for title, key, fmt in (
        (_("Consultations"), "consultations", "{date}  {titled}{place}  {minutes}  {summary}"),
        (_("Goals"), "goals", "{status}  {goal}"),
        (_("Referrals"), "referrals", "{referred_on}  {agency_name}  {status}"),
        (_("Notes"), "notes", "{text}"),
        (_("Attachments"), "attachments", "{file_name}  {media_type}  {size} B  {question}"),
    ):
        lines.append(f"{title} ({len(dossier[key])}):")
        lines.extend("  " + fmt.format(**_shown(item)) for item in dossier[key])
    print("\n".join(lines))
    return 0


def _shown(item: dict[str, Any]) -> dict[str, Any]:
    """A record's fields for ``show``: a consultation's duration as "45 min", or "—" where it
    was not recorded (None), and its title with its gap (none for no title)."""
    minutes = item.get("duration_minutes")
    title = item.get("title") or ""
    return {**item, "titled": f"{title}  " if title else "",
            "minutes": "\u2014" if minutes is None else f"{minutes} min"}


def cmd_check(args: argparse.Namespace) -> int:
    """Integrity and audit chain; then what sync holds back on this device: records received
    that no screen shows, and changes the server refused (they stay here and go again with every
    sync; until 2026-12-07 only ``kimdesk sync`` and the GUI named them, so an administrator
    checking a counselor's device learnt nothing of work that is not on the server)."""
    from kimdesk.sync.refused_lines import refused_lines
    from kimdesk.sync.store import SyncStore
    from kimdesk.vault.sync.parked import summary

    vault = open_vault(args)
    try:
        problems = vault.integrity_check()
        broken = vault.audit.verify()
        parked, dropped = summary(vault)
        store = SyncStore(vault)
        refused = refused_lines(store, store.refusals())
    finally:
        vault.close()
    if broken is not None:
        problems.append(f"audit chain broken at event {broken}")
    if problems:
        raise KimdeskError(N_("Vault check failed: {problems}"), problems="; ".join(problems[:5]))
    # records sync received and holds back hold personal data no screen shows: said, not a
    # fault (kimdesk/vault/sync/parked.py)
    for (kind, reason), count in sorted(parked.items()):
        print(_("Held back from sync: {count} received records ({kind}) that no screen "
                "shows yet: {reason}").format(count=count, kind=kind, reason=reason))
    if dropped:
        print(_("Dropped after a full sync: {count} received records whose case or person "
                "is neither here nor on the server.").format(count=dropped))
    for line in refused:
        print(line)
    print(_("Vault is healthy."))
    return 0
