"""The browser console for municipal IT (docs/planned.md, section 6; docs/deployment.md,
"Browser console (first slice)").

A second ASGI app on its own listener (``kimdesk server console --port 8780``), never on the
devices' port. It calls the same service functions as the ``kimdesk server`` commands (no
second implementation), renders plain HTML with Jinja2 (autoescaping, no JavaScript) and knows
local console accounts with a password and a TOTP code.

One module, one idea: :mod:`.accounts` (who may sign in), :mod:`.sessions` (a signed-in
browser), :mod:`.csrf` (a form's token), :mod:`.throttle` (failed sign-ins slowed),
:mod:`.pages` (rendering and the security headers), :mod:`.app` (the routes).
"""
