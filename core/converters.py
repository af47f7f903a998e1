"""URL converters: ids as the database holds them."""


class IdConverter:
    """A primary key in a URL: 1 to 18 digits, so an id beyond a 64-bit integer is "not found" (404), never a
    database error."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(int(value))
