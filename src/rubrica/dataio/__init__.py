"""Import and export of contact data (vCard first; CSV, spreadsheets and iCalendar later)."""
