"""Model: what a workbook means. `contract` is the workbook contract (tabs, columns, activity types and
their Russian grammar, monitoring indicators); `workbook` the validated `Workbook`; `headers` matches
header cells to its columns; `periods` the reporting periods; `deadlines` the plan's «Сроки» turned
into checkpoints."""
