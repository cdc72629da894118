"""Domain core of bamboohr-okta-lifecycle: models, policy, calendar and settings.

Nothing in this package talks to the network or to Temporal; everything here is pure and
unit-tested, and every other package builds on it.
"""
