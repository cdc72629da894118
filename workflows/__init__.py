"""Temporal workflows. Workflow modules import only models and activity names, never I/O."""
