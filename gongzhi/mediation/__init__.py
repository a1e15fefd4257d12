"""Disputes, screening reports, tiered mediation, agreements, judicial confirmation, follow-up (issue: Dispute mediation)."""
