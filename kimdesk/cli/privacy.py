"""Privacy subcommands (a contract municipal IT scripts; docs/privacy.md):

``kimdesk retention plan [--today DATE] [--json]`` / ``kimdesk retention apply [--today DATE]``
``kimdesk subject-export PERSON -o DIR``
"""

from __future__ import annotations

import argparse
from datetime import date

from kimdesk.cli.common import (
    Subcommands,
    add_vault_option,
    iso_date,
    open_vault,
    output_path,
    print_json,
)
from kimdesk.i18n import gettext, ngettext

_ = gettext



def register(sub: Subcommands) -> None:
    retention = sub.add_parser("retention",
                               help=_("deletion periods: what is due, and deleting it"))
    rsub = retention.add_subparsers(dest="retention_command", metavar="COMMAND", required=True)
    plan = rsub.add_parser("plan", help=_("list the cases due for deletion and why"))
    apply = rsub.add_parser("apply", help=_("delete the cases that are due"))
    for p in (plan, apply):
        add_vault_option(p)
        p.add_argument("--today", type=iso_date, default=None, metavar="DATE",
                       help=_("the day to plan for (default: today)"))
    plan.add_argument("--json", action="store_true", help=_("machine-readable output"))
    plan.set_defaults(func=cmd_plan)
    apply.set_defaults(func=cmd_apply)

    export = sub.add_parser("subject-export",
                            help=_("everything stored about one person (Art. 15 GDPR)"))
    add_vault_option(export)
    export.add_argument("person", metavar="PERSON",
                        help=_("person id, case number or a name that fits one person"))
    export.add_argument("-o", "--output", required=True, type=output_path, metavar="DIR",
                        help=_("folder for the PDF and the JSON file"))
    export.add_argument("--lang", dest="export_lang", default=None, metavar="L",
                        help=_("language beside German (default: the person's)"))
    export.set_defaults(func=cmd_subject_export)


def cmd_plan(args: argparse.Namespace) -> int:
    from kimdesk.vault.retention import retention_plan

    today = args.today or date.today()
    with open_vault(args) as vault:
        verdicts = retention_plan(vault, today)
    if args.json:
        print_json([{
            "case_id": v.case_id, "case_number": v.case_number, "municipality": v.municipality,
            "due_on": v.due_on.isoformat(), "action": v.action.value,
            "reason": v.reason_text(),
            "legal_basis": v.legal_basis, "person_deleted_too": v.person_goes,
        } for v in verdicts])
        return 0
    for v in verdicts:
        action = _("hold") if v.action.value == "hold" else _("delete")
        print(f"{v.case_number}\t{v.municipality}\t{v.due_on.isoformat()}\t{action}\t"
              + v.reason_text())
    print(ngettext("{n} case due on {day}.", "{n} cases due on {day}.", len(verdicts)).format(
        n=len(verdicts), day=today.isoformat()))
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    from kimdesk.vault.retention import apply_retention

    today = args.today or date.today()
    with open_vault(args) as vault:
        result = apply_retention(vault, today, ordered_by=vault.meta.counselor or "kimdesk")
    print(_("Deleted: {cases} cases, {persons} persons; kept under a legal hold: {held}.").format(
        cases=result.deleted_cases, persons=result.deleted_persons, held=result.held))
    return 0


def cmd_subject_export(args: argparse.Namespace) -> int:
    from kimdesk.handouts.auskunft import check_folder, write_auskunft
    from kimdesk.handouts.templates import load_texts
    from kimdesk.vault.subject_access import collect, resolve_person

    # a wrong language or output is told before the vault is opened (and the person read)
    if args.export_lang:
        load_texts(args.export_lang)
    check_folder(args.output)
    with open_vault(args) as vault:
        data = collect(vault, resolve_person(vault, args.person))
    for path in write_auskunft(data, args.output, args.export_lang):
        print(path)
    return 0
