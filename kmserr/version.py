"""The version, read by the build (pyproject.toml) and by `kmserr --version`."""

__version__ = "0.1.0"
