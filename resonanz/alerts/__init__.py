"""Alerts: rules per topic, detectors' findings turned into incidents, notifiers that deliver them."""
