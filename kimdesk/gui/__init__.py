"""The Qt desktop client: the only package that imports PySide6."""
