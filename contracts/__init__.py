"""The wire contracts between the layers: what crosses Temporal's boundary.

- `contracts.activities`: activity names and their one input / one result model each;
- `contracts.employee`: the employee workflow's input, signals, updates, queries and views
  (HrChanged, the ops inputs, StatusView...), used by the workflow, by the activities that
  signal it (poll delivery, reconciliation) and by the starters (webhook receiver, ops CLI);
- `contracts.guard`: the disruption guard's requests, decisions and views.

Everything here sits below `activities/` and `workflows/` (both import it; it imports only
`lifecycle`), stays free of I/O so workflow code can import it inside Temporal's sandbox,
and travels through the pydantic data converter.
"""
