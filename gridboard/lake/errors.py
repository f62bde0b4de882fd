"""The lake's one-line errors (the CLI prints them and exits 2): one base class, no imports."""

from __future__ import annotations


class LakeError(Exception):
    """A lake problem worth one line (no export in the directory, Spark missing or failing)."""


class ExportError(LakeError):
    """An export problem (not a directory, a manifest of another format)."""


class DialectError(LakeError, ValueError):
    """A named query that cannot run on Spark with the same meaning (the message says why)."""
