"""Codex types: what each kind of note (scene, character...) carries, and checks against it."""
