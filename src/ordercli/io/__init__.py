"""Files in and out: CSV, order JSON."""
