"""One module per resource: runs, playground, pages (and the scoreboard, when installed)."""
