"""Helpers shared by the tests (as the full-stack FastAPI template's ``backend/tests/utils``): test modules and
conftest files import from here, never from one another. ``stack`` is a pytest plugin (registered in
tests/conftest.py) for the fixtures shared across directories."""
