"""The sync passes. Each reads both sides, plans what to do as plain data (a pure
function, in ``plan.py``), then applies the plan through the clients and records each
outcome in the state database (``apply.py``)."""
