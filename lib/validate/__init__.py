"""Validate: raw tabs → typed rows and the issue log. `rules` is the one table of checks (code, column,
check, severity, Russian message); `parsing` applies it to every tab; `values` parses one cell;
`cellgrid` is the shared table of distinct cell values; `no_activities` reads the «мероприятий не было»
mark."""
