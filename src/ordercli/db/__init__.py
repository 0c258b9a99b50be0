"""Storage: SQLModel tables, the engine and its transactions, schema migrations."""
