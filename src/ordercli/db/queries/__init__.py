"""The SQL of each aggregate, once: plain functions that take a connection (or transaction)
and run one statement or one small group of them. Services compose them; none opens a
transaction or knows which database it is on (see db/dialect.py for what differs)."""
