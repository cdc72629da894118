"""A BambooHR simulator: one company's employees, effective-dated tables, change log and
webhooks behind the public API as the official spec describes it. See `app.py`."""

from simulators.bamboohr.app import BambooHRSimulator
from simulators.bamboohr.store import BambooHRStore, EmployeeNotFoundError, HRActionError

__all__ = ["BambooHRSimulator", "BambooHRStore", "EmployeeNotFoundError", "HRActionError"]
