"""Every text of the console's pages, marked for translation here (the templates name them by
key: ``{{ t("sign_in") }}``), so that ``tools/i18n.py update`` finds them in Python as it finds
every other string; a template naming a key that is not here fails to render (a test renders
every page)."""

from __future__ import annotations

from kimdesk.i18n import N_

WORDS: dict[str, str] = {
    "title": N_("KIMdesk console"),
    "sign_in": N_("Sign in"),
    "name": N_("Account name"),
    "password": N_("Password"),
    "totp": N_("Code from the authenticator app"),
    "refused": N_("Sign-in refused: the name, the password or the code is wrong, or the "
                  "account is disabled."),
    "sign_out": N_("Sign out"),
    "signed_in_as": N_("Signed in as {name}"),
    "devices": N_("Devices"),
    "devices_intro": N_("Every device ever enrolled. Last seen: its last contact with the "
                        "server, to within {minutes} minutes."),
    "device": N_("Device"),
    "team": N_("Team"),
    "device_name": N_("Name"),
    "staff": N_("Staff member"),
    "created": N_("Enrolled"),
    "last_seen": N_("Last seen"),
    "revoked": N_("Revoked"),
    "revoke": N_("Revoke"),
    "revoke_hint": N_("A revoked device deletes its vault at its next contact with the "
                      "server."),
    "revoked_done": N_("Device {device} revoked: it deletes its vault at its next contact "
                       "with the server."),
    "revoke_none": N_("No active device {device}."),
    "enroll": N_("Enrollment code"),
    "enroll_create": N_("Create a one-time enrollment code"),
    "enroll_done": N_("One-time enrollment code for team {team} (valid 7 days). It is shown "
                      "only now:"),
    "not_built": N_("The pages of your role ({roles}) are not built yet. Until then, ask "
                    "municipal IT or use the \"kimdesk server\" commands on the server."),
    "forbidden": N_("Your role may not open this page."),
    "bad_form": N_("The form has expired or did not come from this console. Open the page "
                   "again and repeat."),
    "throttled": N_("Too many failed sign-ins. Try again in {seconds} seconds."),
    "not_found": N_("No such page."),
    "back": N_("Back to the devices"),
    "unavailable": N_("The server's database is unavailable at the moment. Nothing was "
                      "changed; try again in a minute."),
}
