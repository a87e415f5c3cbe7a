"""Export: files the dashboard gives back — `excel` (safe .xlsx from tables), `summary` (the Excel
summary), `template` (the workbook template), `annotate` and `gsheet_marks` (issues marked in the
user's own workbook or Google Sheet)."""
