"""One function per use case: each opens one transaction, calls the domain, and returns views."""
