"""Metrics: every number the pages, the report, the Excel summary and the CLI show, computed once.
`counts` (activities and monitoring for a selection), `plan_status`, `overview`, `readiness`,
`changes`; `tables` turns them into the display tables of the pages; `choices` the period choices."""
