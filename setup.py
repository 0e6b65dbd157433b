"""Package list for setuptools: the folders under src/ are the subpackages of the one import package `bookbridge`.

Everything else is in pyproject.toml. `packages.find` there cannot prefix names, so they are found here.
"""

from setuptools import find_namespace_packages, setup

# Namespace discovery also lists the data folders (the dashboard's templates/ and static/, the migrations'
# versions/), so that their files ship as the package data of a package of their own.
FOLDERS = find_namespace_packages("src", exclude=["*__pycache__*"])
setup(packages=["bookbridge", *(f"bookbridge.{name}" for name in FOLDERS)])
