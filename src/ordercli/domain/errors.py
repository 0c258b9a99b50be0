"""The errors the business speaks of; the command line maps each kind to one exit code."""

from collections.abc import Mapping


class OrderCliError(Exception):
    """Base of every expected error: its message is one line meant for a person."""


class NotFound(OrderCliError):
    """An order, product, location or code that does not exist."""


class Refused(OrderCliError):
    """A business rule says no: an illegal transition, too little stock, a spent promo code."""


class ReferenceTaken(Refused):
    """A channel's order reference already taken by an order with other content. The message
    is a `Problem`: the fields it names are called as each entry point calls them."""

    def __init__(self, problem: "Problem"):
        self.problem = problem
        super().__init__(str(problem))

    def worded(self, name_for: Mapping[str, str]) -> str:
        """The message with each field it names called as `name_for` calls it."""
        return self.problem.worded(name_for)


class IllegalTransition(Refused):
    """A status change the transition table does not allow."""


class InsufficientStock(Refused):
    """Not enough available stock to promise or take out."""


class Field(str):
    """The name of an input field as the services and the files they read name it: `percent`,
    `customer.name`. Each entry point may call it its own way (the command line: by its flag)."""


class Problem(str):
    """A sentence about input, kept in parts so that the fields it names (its `Field` parts) can
    be called another way. As a str it is the sentence with the fields' own names."""

    parts: tuple[str, ...]

    def __new__(cls, *parts: str) -> "Problem":
        flat: list[str] = []
        for part in parts:
            flat.extend(part.parts if isinstance(part, Problem) else (part,))
        problem = super().__new__(cls, "".join(flat))
        problem.parts = tuple(flat)
        return problem

    def worded(self, name_for: Mapping[str, str]) -> str:
        """The sentence with each field called as `name_for` calls it (or by its name)."""
        return "".join(name_for.get(part, part) if isinstance(part, Field) else part for part in self.parts)


class InvalidData(OrderCliError):
    """Input that can never be right: a bad email, a negative quantity, an unknown currency."""

    def __init__(self, problems: "str | list[str]"):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))

    def worded(self, name_for: Mapping[str, str]) -> str:
        """The message with each field its problems name called as `name_for` calls it."""
        return "; ".join(p.worded(name_for) if isinstance(p, Problem) else p for p in self.problems)


class RowProblems(InvalidData):
    """A file of many rows with wrong ones: nothing of it was taken. `rows` says what is wrong
    where (one sentence a row), the message how many problems there are."""

    def __init__(self, rows: list[str], done: str = "imported"):
        self.rows = list(rows)
        super().__init__(f"nothing {done}: {len(self.rows)} problem(s)")


class StoreUnavailable(OrderCliError):
    """The database cannot be reached, is locked for too long, or has a schema we do not know."""


class DeviceUnavailable(OrderCliError):
    """Something outside the database that a command needs cannot be used: no `lp` to print
    with, a print system that does not answer, a directory that cannot be written."""


class PermissionDenied(StoreUnavailable):
    """The database user may not do this: a reader's write, or a schema change by a user who
    may not make it. Like a read-only file, the database is there but not writable for us."""


class MissingFields(InvalidData):
    """Required input left out; `fields` names each one (dotted, as in the order JSON)."""

    def __init__(self, fields: list[str]):
        self.fields = list(fields)
        named: list[str] = []
        for name in self.fields:
            named += [", ", Field(name)] if named else [Field(name)]
        super().__init__(Problem("missing required fields: ", *named))
