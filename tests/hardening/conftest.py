"""The providers' world (two organisations, a round, placements) serves here too."""
from ..provider.conftest import we, world  # noqa: F401  (fixtures)
