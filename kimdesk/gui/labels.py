"""Labels of code lists and record kinds as the GUI shows them.

The labels themselves live in the domain (:data:`kimdesk.domain.codes.LABELS` and
:data:`~kimdesk.domain.codes.LIST_LABELS`, keyed by code list since codes such as ``other`` or
``health`` occur in several lists), so that the Auskunft prints the same words without importing
the GUI; this module keeps the names the GUI's modules import.
"""

from __future__ import annotations

from kimdesk.domain.codes import ConsentForm
from kimdesk.domain.codes import list_label as code_label
from kimdesk.i18n.kinds import KIND_LABELS, kind_label

__all__ = ["KIND_LABELS", "ConsentForm", "code_label", "kind_label"]
