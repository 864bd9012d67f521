"""Tests of Remote Bridge."""
