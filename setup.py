"""The build's one step that pyproject.toml cannot say: ship data/errors.toml inside the package.

The catalogue lives at the repository's top (the docs and team tools point at it there); the wheel
carries it as kmserr/data/errors.toml, where `importlib.resources` finds it. Everything else,
the optional compiled core included, is configured in pyproject.toml.
"""

import os

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPy(build_py):  # type: ignore[misc]  # setuptools is untyped here
    """build_py, then the catalogue copied into the built package."""

    def run(self) -> None:
        super().run()
        target = os.path.join(self.build_lib, "kmserr", "data")
        self.mkpath(target)
        self.copy_file(os.path.join("data", "errors.toml"), os.path.join(target, "errors.toml"))


setup(cmdclass={"build_py": BuildPy})
