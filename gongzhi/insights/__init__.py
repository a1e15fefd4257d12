"""Routing suggestions from the text, hotspots and 每月一题, 未诉先办 alerts, service coverage (issue: Intelligence)."""
