"""Overdue detection and notifications: reminders before a due date, overdue
notices after it, escalation to the office head and the district bureau, on
China's working-day calendar; delivered to an in-app inbox, email and webhooks."""
