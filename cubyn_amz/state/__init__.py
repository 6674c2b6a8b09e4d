"""Where state is kept: the SQLite database of one connection."""

from cubyn_amz.state.db import StateDB

__all__ = ["StateDB"]
