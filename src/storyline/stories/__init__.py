"""Stories: one real-world event across many articles (clustering, records, arcs, edits)."""
