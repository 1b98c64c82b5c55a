"""``kimdesk handout TEMPLATE --lang ar [--second-lang de] [--case CASE] -o out.pdf``.

The option names are a contract (municipal IT scripts them). ``--lang`` here is the *handout's*
language and is stored as ``handout_lang``, so it does not clash with the global ``--lang`` that
picks the interface language (a handout may be in Tigrinya, the interface cannot).
"""

from __future__ import annotations

import argparse
import sys

from kimdesk.cli.common import Subcommands, add_vault_option, open_vault, output_text
from kimdesk.i18n import gettext

_ = gettext


def register(sub: Subcommands) -> None:
    p = sub.add_parser("handout", help=_("print a handout (PDF) in the client's language"))
    p.add_argument("template", help=_("template: appointment, documents, consent, goals, "
                                      "referral, contact"))
    p.add_argument("--lang", dest="handout_lang", required=True, metavar="LANG",
                   help=_("language of the handout (de, en, ar, fa, tr, uk, ru, ps, ti, so, ro, "
                          "bg, pl, fr, sq, ku)"))
    p.add_argument("--second-lang", dest="second_lang", default=None, metavar="LANG",
                   help=_("second language printed beside it (usually de)"))
    p.add_argument("--case", default=None, metavar="CASE",
                   help=_("fill in from this case (id or case number); blank otherwise"))
    # a str, not a Path: Path drops the trailing "/" of "-o handouts/" (a folder was meant)
    p.add_argument("-o", "--output", type=output_text, required=True,
                   help=_("PDF file to write"))
    add_vault_option(p)
    p.set_defaults(func=cmd_handout)


def cmd_handout(args: argparse.Namespace) -> int:
    from kimdesk.handouts.data import HandoutData, load_case_data, resolve_case_id
    from kimdesk.handouts.fonts import UNPRINTABLE_NOTE
    from kimdesk.handouts.render import check_output, prepare, render_pdf, validate, write_pdf

    # Check the template, texts and output before asking for a passphrase or opening the vault.
    validate(args.template, args.handout_lang, args.second_lang)
    check_output(args.output)
    data = HandoutData()
    if args.case:
        vault = open_vault(args)
        try:
            data = load_case_data(vault, resolve_case_id(vault, args.case))
        finally:
            vault.close()
    prepared = prepare(args.template, args.handout_lang, args.second_lang, data)
    write_pdf(render_pdf(prepared), args.output)
    print(args.output)
    if prepared.unprintable:
        print(_(UNPRINTABLE_NOTE), file=sys.stderr)
    return 0

