"""One crawl run: its crawl_runs row, its alarms, its stats file, the crawl command's exit status."""
