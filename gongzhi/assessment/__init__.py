"""KPI sets computed from records, two-way assessment, frozen monthly snapshots, reports generated
from records, public pages and community life (issue: Assessment, reports and community life)."""
