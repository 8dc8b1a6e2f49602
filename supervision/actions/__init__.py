"""Audited actions of the ground floor, one module per area (findings, attendance, oversight)."""
