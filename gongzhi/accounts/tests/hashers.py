"""A cheap Argon2 for tests: the configured one takes 100 MB and most of a core per hash.

Same algorithm and hash format (``argon2$…``), minimal cost. Tests that are
about the configured hashers use the ``configured_hashers`` fixture.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64
    parallelism = 1
