"""Tests of the pure remote/ core."""
