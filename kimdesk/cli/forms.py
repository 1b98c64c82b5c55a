"""``kimdesk forms import|export|check|list``: form definitions on the command line.

Heavy libraries (pyxform, openpyxl, Babel, Qt for ``preview``) are imported inside the command
functions so that ``kimdesk --help`` and the GUI start stay fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kimdesk.cli.common import Subcommands, output_path
from kimdesk.errors import FileError, KimdeskError
from kimdesk.i18n import N_, gettext

_ = gettext


class FormsCommandError(KimdeskError):
    exit_code = 1


def register(sub: Subcommands) -> None:
    p = sub.add_parser("forms", help=_("form definitions: import, export and check XLSForms"))
    fsub = p.add_subparsers(dest="forms_command", metavar="SUBCOMMAND", required=True)

    q = fsub.add_parser("import", help=_("convert an XLSForm into a KIMdesk form definition"))
    q.add_argument("xlsform", type=Path, help=_("XLSForm file (.xlsx, .xls, .csv, .md)"))
    q.add_argument("-o", "--output", type=output_path, required=True,
                   help=_("definition file to write (.yaml or .json)"))
    q.add_argument("--default-language", default=None,
                   help=_("language code of labels without a language (default: recognised"
                          " from the texts, else de)"))
    q.set_defaults(func=cmd_import)

    q = fsub.add_parser("export", help=_("write a KIMdesk form definition as an XLSForm"))
    q.add_argument("definition", type=Path, help=_("definition file (.yaml or .json)"))
    q.add_argument("-o", "--output", type=output_path, required=True,
                   help=_("XLSForm file to write"))
    q.set_defaults(func=cmd_export)

    q = fsub.add_parser("check", help=_("validate form definitions; non-zero exit on errors"))
    q.add_argument("files", type=Path, nargs="+", help=_("definition files or folders"))
    q.add_argument("--quiet", action="store_true", help=_("print errors only, no warnings"))
    q.set_defaults(func=cmd_check)

    q = fsub.add_parser("list", help=_("list available forms and unavailable ones with reasons"))
    q.set_defaults(func=cmd_list)

    q = fsub.add_parser("install", help=_("install form definitions for this user (until sync"
                                          " distributes them)"))
    q.add_argument("files", type=Path, nargs="+", help=_("definition files (.yaml or .json)"))
    q.set_defaults(func=cmd_install)

    q = fsub.add_parser("preview", help=_("show a form as the counselor and the client see it"))
    q.add_argument("form", help=_("form id or definition file"))
    q.add_argument("--client", default=None, help=_("client language code, e.g. ar"))
    q.add_argument("--screenshot", type=Path, default=None,
                   help=_("write a PNG image instead of opening a window"))
    q.set_defaults(func=cmd_preview)


def _print_problems(problems: list[Any], quiet: bool = False) -> None:
    for p in problems:
        if quiet and p.severity != "error":
            continue
        print(str(p), file=sys.stderr if p.severity == "error" else sys.stdout)


def cmd_import(args: argparse.Namespace) -> int:
    import json

    from kimdesk.forms.checker import check_definition
    from kimdesk.forms.definition import dump_yaml
    from kimdesk.forms.xlsform import import_xlsform

    if not args.xlsform.is_file():
        raise FormsCommandError(N_("File not found: {path}"), path=str(args.xlsform))
    result = import_xlsform(args.xlsform, default_language=args.default_language)
    _print_problems(result.problems)
    if result.definition is None:
        raise FormsCommandError(N_("{path} was not imported: fix the errors listed above."),
                                path=str(args.xlsform))
    problems = check_definition(result.definition, str(args.output))[1]
    _print_problems(problems)
    if any(p.severity == "error" for p in problems):
        # a definition that fails the check would be refused on install and sync: write nothing
        # rather than a file that looks finished (issue 16)
        raise FormsCommandError(N_("{path} was not written: the imported form has the errors"
                                   " listed above."), path=str(args.output))
    if args.output.suffix.lower() == ".json":
        text = json.dumps(result.definition.to_data(), ensure_ascii=False, indent=1) + "\n"
    else:
        text = dump_yaml(result.definition)
    from kimdesk.vault.files import atomic_write

    atomic_write(args.output, text)  # no half definition on a full disk or Ctrl-C
    print(_("Wrote {path}.").format(path=args.output))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kimdesk.forms.checker import check_file
    from kimdesk.forms.xlsform import export_xlsform

    form, problems = check_file(args.definition)
    if form is None:
        _print_problems(problems, quiet=True)
        raise FormsCommandError(N_("{path} has errors; not exported."), path=str(args.definition))
    export_xlsform(form.definition, args.output)
    print(_("Wrote {path}.").format(path=args.output))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from kimdesk.forms.checker import check_file
    from kimdesk.forms.registry import definition_files

    files: list[Path] = []
    for item in args.files:
        files.extend(definition_files(item) if item.is_dir() else [item])
    errors = 0
    for path in files:
        problems = check_file(path)[1]
        _print_problems(problems, args.quiet)
        n = sum(1 for p in problems if p.severity == "error")
        errors += n
        if not n and not args.quiet:
            print(_("{path}: ok").format(path=path))
    return 1 if errors or not files else 0


def cmd_list(args: argparse.Namespace) -> int:
    from kimdesk.forms.registry import FormRegistry
    from kimdesk.i18n import current_language

    registry = FormRegistry()
    lang = current_language()
    for form in registry.latest():
        versions = ", ".join(registry.versions(form.form_id))
        print(f"{form.form_id}\t{versions}\t{form.title(lang)}")
    for item in registry.unavailable:
        print(_("unavailable: {path}: {reason}").format(path=item.path, reason=item.reason))
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    """Open the form in a window (or render it to a PNG) so form authors see both columns."""
    from kimdesk.forms.checker import check_file
    from kimdesk.forms.registry import FormRegistry
    from kimdesk.i18n import current_language

    path = Path(args.form)
    if path.suffix.lower() in {".yaml", ".yml", ".json"}:
        form, problems = check_file(path)
        if form is None:
            _print_problems(problems, quiet=True)
            raise FormsCommandError(N_("{path} has errors; not shown."), path=str(path))
    else:
        form = FormRegistry().get(args.form)
    from kimdesk.gui.preview import preview_form  # Qt lives in kimdesk.gui only

    return preview_form(form, current_language(), args.client, args.screenshot)


def cmd_install(args: argparse.Namespace) -> int:
    """Check and copy definitions into the user's forms folder, as sync will (same rules: a
    version is immutable, a changed form needs a new version)."""
    from kimdesk.forms.definition import load_data
    from kimdesk.forms.registry import FormRegistry, FormUnavailable

    registry = FormRegistry()
    failed = 0
    for path in args.files:
        try:
            form = registry.install(load_data(path))
        except FormUnavailable as exc:
            print(f"{path}: {exc.translated()}", file=sys.stderr)
            failed += 1
            continue
        except OSError as exc:  # the checker's words, in the user's language
            print(f"{path}: " + _("cannot read the file: {reason}").format(
                reason=FileError.reason_of(exc)), file=sys.stderr)
            failed += 1
            continue
        except Exception as exc:  # not YAML/JSON: the parser's detail after our words
            print(f"{path}: " + _("not valid YAML/JSON: {reason}").format(
                reason=" ".join(str(exc).split())), file=sys.stderr)
            failed += 1
            continue
        print(_("Installed {form_id} version {version}: {path}").format(
            form_id=form.form_id, version=form.version, path=form.source))
    return 1 if failed else 0
