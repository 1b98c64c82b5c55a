"""The ``kimdesk`` command. Command names, options and exit codes are a contract: municipal IT
scripts them (README, "Command line").

| module | commands |
| --- | --- |
| :mod:`kimdesk.cli.entry` | the top: parser, ``--lang``, ``--vault``, ``--demo``, errors |
| :mod:`kimdesk.cli.common` | shared by all: ``--vault``, passphrase, JSON output |
| :mod:`kimdesk.cli.vault` | ``init``, ``passwd``, ``search``, ``show``, ``check`` |
| :mod:`kimdesk.cli.demo` | ``demo`` and ``kimdesk --demo`` |
| :mod:`kimdesk.cli.forms` | ``forms import|export|check|list|install|preview`` |
| :mod:`kimdesk.cli.server` | ``server run|enroll-code|revoke|devices|publish`` |
| :mod:`kimdesk.cli.sync` | ``enroll``, ``sync`` |
| :mod:`kimdesk.cli.handouts` | ``handout`` |
| :mod:`kimdesk.cli.stats` | ``stats``, ``gaps`` |
| :mod:`kimdesk.cli.gui` | ``screenshots`` and the desktop app (no subcommand) |

Imports run one way: ``entry`` imports the area modules, which import ``common`` and the
capability packages (``kimdesk.vault``, ``kimdesk.stats``, ...); nothing imports ``entry`` but
this file.
"""

from kimdesk.cli.entry import main

__all__ = ["main"]
