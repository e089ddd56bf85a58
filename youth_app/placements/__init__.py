"""Offers of places to youths: answering, deadlines, reminders and expiry."""
