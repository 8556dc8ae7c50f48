"""Domain operations: plain arguments, an explicit actor, typed errors, an audit entry.

Services flush and never commit; the caller (a view, a CLI command, a test) commits once.
"""
