"""Micro-proposals, meetings, votes under the legal rules, publication, implementation, community fund (issue: Deliberation and votes)."""
