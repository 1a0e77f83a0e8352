"""The papers tests' fixtures: uploads stored in a folder of each test's own."""

from tests.papers.paper_images import media  # noqa: F401
