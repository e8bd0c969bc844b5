"""Build hook: ship templates/ and data/vocabulary.json inside the package (carte/templates, carte/data)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithTemplates(build_py):
    """Copy the top-level templates and vocabulary into the built package."""

    def run(self) -> None:
        super().run()
        root = Path(__file__).parent
        package = Path(self.build_lib) / "carte"
        shutil.copytree(root / "templates", package / "templates", dirs_exist_ok=True)
        (package / "data").mkdir(exist_ok=True)
        shutil.copy(root / "data" / "vocabulary.json", package / "data" / "vocabulary.json")


setup(cmdclass={"build_py": BuildWithTemplates})
