"""``python -m kimdesk.cli``: the same as the ``kimdesk`` console script."""

import sys

from kimdesk.cli.entry import main

if __name__ == "__main__":  # importing this module (a package walk) must not start the app
    sys.exit(main())
