"""Points in St. Louis for the tests."""

DOWNTOWN = (38.6270, -90.1994)


def north_of(origin, km):
    """A point ``km`` north of ``origin`` (negative: south)."""
    return origin[0] + km / 111.2, origin[1]
