"""End-to-end tests against a real remote Home Assistant process."""
