"""The errors the business speaks of; the command line maps each kind to one exit code."""


class OrderCliError(Exception):
    """Base of every expected error: its message is one line meant for a person."""


class NotFound(OrderCliError):
    """An order, product, location or code that does not exist."""


class Refused(OrderCliError):
    """A business rule says no: an illegal transition, too little stock, a spent promo code."""


class IllegalTransition(Refused):
    """A status change the transition table does not allow."""


class InsufficientStock(Refused):
    """Not enough available stock to promise or take out."""


class InvalidData(OrderCliError):
    """Input that can never be right: a bad email, a negative quantity, an unknown currency."""

    def __init__(self, problems: "str | list[str]"):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class RowProblems(InvalidData):
    """A file of many rows with wrong ones: nothing of it was taken. `rows` says what is wrong
    where (one sentence a row), the message how many problems there are."""

    def __init__(self, rows: list[str]):
        self.rows = list(rows)
        super().__init__(f"nothing imported: {len(self.rows)} problem(s)")


class StoreUnavailable(OrderCliError):
    """The database cannot be reached, is locked for too long, or has a schema we do not know."""


class MissingFields(InvalidData):
    """Required input left out; `fields` names each one (dotted, as in the order JSON)."""

    def __init__(self, fields: list[str]):
        self.fields = list(fields)
        super().__init__("missing required fields: " + ", ".join(self.fields))
