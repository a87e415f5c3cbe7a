"""Metrics: every number the pages, the report, the Excel summary and the CLI show, computed once.
`selection` (a `Selection` and the one activity index per workbook every count selects from),
`counts` (activities, targets, monitoring, completeness and issues for a selection), `plan_status`,
`overview`, `readiness`, `laggards` (who has a red line), `changes`; `tables` turns them into the display tables of the pages;
`choices` the period choices."""
