"""Report: the criteria-structured quarterly report. `criteria` (the criteria as data), `draft` (the
text of every indicator), `docx` (the Word file), `reminders` (the letters to the lagging centres
that `lib.metrics.laggards` finds)."""
