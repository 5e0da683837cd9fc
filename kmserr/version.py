"""The installed version, read from the package metadata."""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("kmserr")
except metadata.PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0.0.0+unknown"
