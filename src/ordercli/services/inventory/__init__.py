"""Inventory, one job a module: `ledger` (finding products and locations, locking, moving
stock with its ledger row), `promising` (reserving stock for orders, releasing it, promising
backorders), `movements` (receive, adjust, transfer) and `reads` (what people and scripts
look at)."""
