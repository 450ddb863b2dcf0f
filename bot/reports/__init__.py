"""Reports for people: the service report 《维修服务报告》 of a resolved ticket (HTML and PDF), the follow-up
calls due after installation, and the monthly quality report. Plain domain code; the CLI and the console call
it."""
