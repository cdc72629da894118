"""Simulated Okta Management API (users, groups, lifecycle, sessions, user schema)."""

from simulators.okta.app import OktaSimulator
from simulators.okta.behaviour import OktaBehaviour
from simulators.okta.store import OktaStore

__all__ = ["OktaBehaviour", "OktaSimulator", "OktaStore"]
