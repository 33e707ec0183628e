"""The door kits: what every app's web views, API routers and CLI commands share (page layout
helpers, access checks, list columns and paging, form plumbing; API problems, conditional requests,
shared schemas; the CLI's base command). A low layer: it knows ``core`` and nothing above it, so
any app may use it. The doors that mount the apps (``web``, ``api``, ``cli``, ``urls``) are on top.
"""
