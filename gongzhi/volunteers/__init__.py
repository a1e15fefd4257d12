"""Volunteers, activities, check-in by QR code, the time-bank and points ledger (issue: Party-led co-building and volunteers)."""
