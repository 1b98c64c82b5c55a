"""Qt rendering of consultation forms (``FormWidget``); the engine is ``kimdesk.forms``."""

from kimdesk.gui.forms.widget import FormWidget

__all__ = ["FormWidget"]
