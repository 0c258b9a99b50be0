"""The business rules: money, statuses, validation, stock arithmetic. No I/O, no clock, no SQL."""
