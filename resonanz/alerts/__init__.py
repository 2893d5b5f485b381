"""Alerts: rules per topic, findings turned into incidents, notifiers that deliver them."""
