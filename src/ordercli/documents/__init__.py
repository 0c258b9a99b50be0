"""Documents (invoices, credit notes, packing slips, labels, pick lists): a view model in, PDF bytes out."""
