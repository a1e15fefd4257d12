"""Data-subject requests, the registry of personal-data holders, retention rules (issue: Hardening to 等保 level 3 and PIPL)."""
