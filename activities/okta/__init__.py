"""Temporal activities that converge one employee's Okta account (see `activities.py`)."""

from activities.okta.account_activities import OktaActivities
from activities.okta.groups import GroupCache

__all__ = ["GroupCache", "OktaActivities"]
