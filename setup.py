"""Package list for setuptools: the folders under src/ are the subpackages of the one import package `bookbridge`.

Everything else is in pyproject.toml. `packages.find` there cannot prefix names, so they are found here.
"""

from setuptools import find_packages, setup

setup(packages=["bookbridge", *(f"bookbridge.{name}" for name in find_packages("src"))])
